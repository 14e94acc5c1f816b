"""check, compare, letter and batch take a FHIR source where they take a case file, with
the same results as importing it first."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from priorauth.cli import options
from tests.helpers import invoke

sys.path.insert(0, str(Path(__file__).parent))
import charts


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    monkeypatch.setattr(options, "today", lambda: dt.date(2025, 11, 1))


def _imported(tmp_path: Path, src: Path) -> Path:
    assert invoke("import", "fhir", str(src), "-o", str(tmp_path / "imported"), "--treatment", "tms", "--request-date", "2025-11-01").exit_code == 0
    return tmp_path / "imported" / "MRN-004217.yaml"


@pytest.mark.parametrize("fmt", ["text", "json"])
def test_check_a_bundle(tmp_path: Path, fmt: str) -> None:
    src = charts.write_json(tmp_path / "chart.json", charts.us_core_bundle())
    case = _imported(tmp_path, src)
    direct = invoke("check", str(src), "--treatment", "tms", "--format", fmt)
    assert direct.exit_code == 1
    assert direct == invoke("check", str(case), "--treatment", "tms", "--format", fmt)


def test_compare_a_bundle(tmp_path: Path) -> None:
    src = charts.write_json(tmp_path / "chart.json", charts.us_core_bundle())
    case = _imported(tmp_path, src)
    assert invoke("compare", str(src), "--format", "json") == invoke("compare", str(case), "--format", "json")


def test_letter_from_a_bundle(tmp_path: Path) -> None:
    """Byte for byte, audit line included, when no attachment is written beside the case
    (importing first adds its file name to the case, and so to the digest)."""
    chart = charts.us_core_bundle()
    for entry in chart["entry"]:
        if entry["resource"]["resourceType"] == "DocumentReference":
            entry["resource"]["content"] = [{"attachment": {"contentType": "application/pdf", "url": "Binary/doc-1"}}]
    src = charts.write_json(tmp_path / "chart.json", chart)
    case = _imported(tmp_path, src)
    a = invoke("letter", str(src), "--treatment", "tms", "--draft", "-o", str(tmp_path / "a"), "--format", "docx")
    b = invoke("letter", str(case), "--treatment", "tms", "--draft", "-o", str(tmp_path / "b"), "--format", "docx")
    assert (a.exit_code, b.exit_code) == (0, 0), a.stderr + b.stderr
    (name,) = [p.name for p in (tmp_path / "a").iterdir()]
    assert name == "MRN-004217_cigna_tms_letter-draft.docx"
    assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_check_needs_a_treatment_and_one_patient(tmp_path: Path) -> None:
    src = charts.write_json(tmp_path / "chart.json", charts.us_core_bundle())
    assert invoke("check", str(src)) == (2, "", f"error: {src}: a FHIR chart does not say which treatment is requested\n  hint: give --treatment tms or --treatment spravato\n")
    export = charts.ndjson_export(tmp_path / "export", 2)
    assert invoke("check", str(export), "--treatment", "tms").stderr == (
        f"error: {export}: holds the charts of more than one patient\n  hint: check them all with `priorauth batch`, or import them with `priorauth import fhir`\n"
    )


def test_batch_an_ndjson_export(tmp_path: Path) -> None:
    export = charts.ndjson_export(tmp_path / "export", 20)
    assert invoke("import", "fhir", str(export), "-o", str(tmp_path / "cases"), "--treatment", "tms", "--request-date", "2025-11-01").exit_code == 0
    direct = invoke("batch", str(export), "-o", str(tmp_path / "a"), "--treatment", "tms", "--date", "2025-11-01")
    imported = invoke("batch", str(tmp_path / "cases"), "-o", str(tmp_path / "b"), "--treatment", "tms", "--date", "2025-11-01")
    assert direct.exit_code == imported.exit_code == 1
    rows_a = json.loads((tmp_path / "a" / "summary.json").read_text(encoding="utf-8"))
    rows_b = json.loads((tmp_path / "b" / "summary.json").read_text(encoding="utf-8"))
    strip = lambda rows: sorted(({k: v for k, v in r.items() if k not in ("source", "file")} for r in (rows["rows"] if isinstance(rows, dict) else rows)), key=lambda r: r["case"])  # noqa: E731
    assert len(strip(rows_a)) == 20
    assert strip(rows_a) == strip(rows_b)
    bad = invoke("batch", str(export), "-o", str(tmp_path / "c"))
    assert bad.exit_code == 2
    assert "a FHIR chart does not say which treatment is requested: give --treatment tms or spravato" in bad.stdout
