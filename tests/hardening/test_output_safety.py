"""Output files: confined to the output folder whatever the patient id, atomic, 0600,
never overwritten without --force, and no temporary file left behind by a killed run."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from priorauth.errors import OutputError
from priorauth.output import confined, output_name, remove_stale_parts, safe_part, write_atomic
from tests.hardening.util import READY_TMS, assert_clean_error, assert_no_traceback
from tests.helpers import invoke

CRAFTED_IDS = [
    "../../x",
    "../../../../../../tmp/evil",
    "/etc/passwd",
    "C:\\Windows\\System32\\evil",
    "..",
    ".",
    "...",
    ".hidden",
    "-rf",
    "CON",
    "con.txt",
    "NUL",
    "com1",
    "LPT9.",
    "ＣＯＮ",  # fullwidth: becomes CON once normalized
    "x" * 200,
    "日本語",
    "한국어",
    "Ünïcödé",
    "\u202eevil",
    "a:b*c?d|e<f>g\"h",
    "~root",
    "$(touch pwned)",
]


@pytest.mark.parametrize("patient_id", CRAFTED_IDS + ["a\tb", "a\x00b", "\x00", "a/\x00/../b"])
def test_names_built_from_a_case_are_plain_file_names(patient_id: str, tmp_path: Path) -> None:
    name = output_name(patient_id, "cigna", "tms", "letter", ext="pdf")
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert not name.startswith((".", "-"))
    assert name.isascii() and len(name) < 120
    assert name.split(".")[0].split("_")[0].lower() not in {"con", "prn", "aux", "nul", "com1", "lpt9"}
    assert confined(tmp_path, name).parent == tmp_path.resolve()


def test_ids_that_clean_to_the_same_text_get_different_names() -> None:
    assert safe_part("日本語") != safe_part("한국어")
    assert safe_part("x" * 200) != safe_part("x" * 199 + "y")
    assert safe_part("MRN-004217") == "MRN-004217"  # ordinary ids are kept as written


@pytest.mark.parametrize("name", ["../x.pdf", "/etc/passwd", "a/b.pdf", "..", ".", ""])
def test_confined_refuses_names_that_leave_the_folder(name: str, tmp_path: Path) -> None:
    with pytest.raises(OutputError):
        confined(tmp_path, name)


def test_confined_refuses_a_link_that_points_outside(tmp_path: Path) -> None:
    outside = tmp_path / "outside.pdf"
    outside.write_text("keep")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "letter.pdf").symlink_to(outside)
    with pytest.raises(OutputError, match="outside the output folder"):
        confined(folder, "letter.pdf")


def test_write_atomic_is_owner_only_and_keeps_existing_files(tmp_path: Path) -> None:
    target = tmp_path / "a.pdf"
    write_atomic(target, b"one")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with pytest.raises(OutputError, match="already exists"):
        write_atomic(target, b"two")
    assert target.read_bytes() == b"one"
    write_atomic(target, b"two", force=True)
    assert target.read_bytes() == b"two"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.pdf"]  # no temporary file left


def test_force_never_replaces_a_folder_device_or_link(tmp_path: Path) -> None:
    (tmp_path / "folder.pdf").mkdir()
    (tmp_path / "link.pdf").symlink_to(tmp_path / "elsewhere.pdf")
    for name in ("folder.pdf", "link.pdf"):
        with pytest.raises(OutputError, match="is not a regular file"):
            write_atomic(tmp_path / name, b"x", force=True)
    assert not (tmp_path / "elsewhere.pdf").exists()
    if os.path.exists("/dev/null"):
        with pytest.raises(OutputError, match="is not a regular file"):
            write_atomic(Path("/dev/null"), b"x", force=True)


def test_a_write_that_fails_is_a_message_and_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(OutputError, match="cannot write"):
        write_atomic(tmp_path / "missing" / "a.pdf", b"x")

    def disk_full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OutputError, match="No space left on device"):
        write_atomic(tmp_path / "a.pdf", b"x")
    assert list(tmp_path.iterdir()) == []


def test_stale_temporary_files_of_dead_writers_are_removed(tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".x_cigna_tms_letter.pdf.{dead_pid}-abcd1234.part"
    live = tmp_path / f".y_cigna_tms_letter.pdf.{os.getpid()}-abcd1234.part"
    others = [tmp_path / ".notes.part.txt", tmp_path / ".download.part", tmp_path / f"visible.pdf.{dead_pid}-abcd1234.part"]
    for path in (stale, live, *others):
        path.write_bytes(b"%PDF-1.4 half")
    assert remove_stale_parts(tmp_path) == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, *(p.name for p in others)])  # not ours: kept


def _case_with_id(folder: Path, patient_id: str) -> Path:
    data = yaml.safe_load(READY_TMS.read_text(encoding="utf-8"))
    data["patient"]["id"] = patient_id
    path = folder / "case.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.parametrize("patient_id", CRAFTED_IDS)
@pytest.mark.parametrize("command", ["letter", "checklist"])
def test_crafted_ids_stay_in_the_output_folder(command: str, patient_id: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    out = work / "a" / "b" / "out"
    work.mkdir()
    monkeypatch.chdir(work)
    case = _case_with_id(work, patient_id)
    before = set(tmp_path.rglob("*"))
    result = invoke(command, case, "-o", out, "--format", "pdf")
    assert_no_traceback(result)
    assert result.exit_code == 0, result.output
    written = set(tmp_path.rglob("*")) - before
    files = {p for p in written if p.is_file()}
    assert len(files) == 1
    (path,) = files
    assert path.parent == out
    assert path.name == output_name(patient_id, "cigna", "tms", command, ext="pdf")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert result.stdout == f"wrote {path}\n"


def test_ids_with_control_characters_are_refused(tmp_path: Path) -> None:
    case = _case_with_id(tmp_path, "a\tb\x07")
    result = invoke("letter", case, "-o", tmp_path / "out")
    assert_clean_error(result)
    assert result.stderr.endswith(": patient.id: must not contain control characters\n")
    assert not (tmp_path / "out").exists()


def test_a_letter_never_writes_through_a_planted_link(tmp_path: Path) -> None:
    outside = tmp_path / "precious.pdf"
    outside.write_bytes(b"keep me")
    out = tmp_path / "out"
    out.mkdir()
    (out / "DEMO-1001_cigna_tms_letter.pdf").symlink_to(outside)
    for extra in ([], ["--force"]):
        result = invoke("letter", READY_TMS, "-o", out, "--format", "pdf", *extra)
        assert_clean_error(result)
    assert outside.read_bytes() == b"keep me"


def test_init_reports_a_missing_folder_and_refuses_devices(tmp_path: Path) -> None:
    result = invoke("init", tmp_path / "no" / "such" / "clinic.yaml")
    assert_clean_error(result)
    assert result.stderr.startswith(f"error: cannot write {tmp_path / 'no' / 'such' / 'clinic.yaml'}: No such file or directory")
    if os.path.exists("/dev/null"):
        result = invoke("init", "/dev/null", "--force")
        assert_clean_error(result)
        assert result.stderr.startswith("error: /dev/null exists and is not a regular file")


@pytest.mark.slow
def test_crafted_ids_through_batch(tmp_path: Path) -> None:
    pytest.importorskip("priorauth.cli.batch")
    cases = tmp_path / "cases"
    cases.mkdir()
    data = yaml.safe_load(READY_TMS.read_text(encoding="utf-8"))
    ids = ["../../x", "/etc/passwd", "CON", "日本語", "x" * 200, "..", ".hidden"]
    for i, patient_id in enumerate(ids):
        data["patient"]["id"] = patient_id
        (cases / f"case{i}.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    out = tmp_path / "deep" / "out"
    before = set(tmp_path.rglob("*"))
    result = invoke("batch", cases, "-o", out, "--letters", "pdf", "--jobs", "1")
    assert_no_traceback(result)
    assert result.exit_code == 0, result.output
    written = {p for p in set(tmp_path.rglob("*")) - before if p.is_file()}
    assert all(p.parent == out for p in written), written
    assert {p.name for p in written} == {output_name(i, "cigna", "tms", "letter", ext="pdf") for i in ids} | {"summary.csv", "summary.json"}
