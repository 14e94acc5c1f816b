"""The cases the PAS tests export: the samples, and copies with what a PAS request needs."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import SAMPLES

READY_TMS = SAMPLES / "cigna-tms-ready.yaml"  # 36 sessions from 2026-12-01; psychiatry; a facility
READY_SPRAVATO = SAMPLES / "cigna-spravato-ready.yaml"  # 56 mg x 8 sessions from 2026-12-01
PRIOR_COURSE = "  - kind: prior_course_records\n    date: 2026-11-05\n"  # what a continuation also needs


def _copy(source: Path, folder: Path, name: str, *changes: tuple[str, str], extra: str = "") -> Path:
    text = source.read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    target = folder / name
    target.write_text(text + extra, encoding="utf-8")
    return target


def tms(folder: Path, continuation: bool = False) -> Path:
    if not continuation:
        return _copy(READY_TMS, folder, "tms.yaml")
    return _copy(READY_TMS, folder, "tms-continuation.yaml", ("kind: initial", "kind: continuation"), extra=PRIOR_COURSE)


def spravato_without_dose(folder: Path) -> Path:
    """The Spravato sample with no dose per session: its lines have no units."""
    return _copy(READY_SPRAVATO, folder, "spravato-no-dose.yaml", ("  dose_mg: 56\n", ""))


def spravato(folder: Path, continuation: bool = False) -> Path:
    """The Spravato sample with a dose (84 mg), sessions (8) and a start date set."""
    planned = ("  dose_mg: 56\n  sessions: 8\n  devices: 16\n", "  dose_mg: 84\n  sessions: 8\n")
    if not continuation:
        return _copy(READY_SPRAVATO, folder, "spravato.yaml", planned)
    return _copy(READY_SPRAVATO, folder, "spravato-continuation.yaml", planned, ("kind: initial", "kind: continuation"), extra=PRIOR_COURSE)
