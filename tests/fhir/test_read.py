"""Reading FHIR files: streaming, references of every shape, and errors that name the
file, entry or line and element, never a value."""

from __future__ import annotations

import datetime as dt
import json
import sys
import tracemalloc
from pathlib import Path

import pytest

from priorauth.fhir import FhirFileError, Options, case_yaml, imports, is_fhir_source
from priorauth.fhir import read as fhir_read
from tests.helpers import invoke

sys.path.insert(0, str(Path(__file__).parent))
import charts

TMS = Options("tms", None, dt.date(2025, 11, 1))
CANARY = "Zqxcanary"


def _error(tmp_path: Path, name: str, text: str) -> str:
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    code, out, err = invoke("import", "fhir", str(src), "-o", str(tmp_path / "out"), "--treatment", "tms")
    assert (code, out) == (2, "")
    assert CANARY not in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
    return err


def test_malformed_bundle_names_the_entry_and_line(tmp_path: Path) -> None:
    text = json.dumps(charts.us_core_bundle(), indent=1)
    cut = text[: text.index('"Condition"')] + '"Condition", "id": "' + CANARY + '" ,, }]}'
    err = _error(tmp_path, "b.json", cut)
    line = cut[: cut.rindex("{", 0, cut.index('"fullUrl": "https://ehr.example/fhir/Condition/c-1"'))].count("\n") + 1
    assert err == f"error: {tmp_path / 'b.json'}:{line}: entry[6]: is not valid JSON (cut short, or a syntax error)\n"


def test_wrong_element_shape_names_the_element_path(tmp_path: Path) -> None:
    chart = charts.us_core_bundle()
    chart["entry"][0]["resource"]["birthDate"] = {"value": CANARY}
    err = _error(tmp_path, "b.json", json.dumps(chart, indent=1))
    assert err == f"error: {tmp_path / 'b.json'}:6: entry[0].resource.birthDate: Patient: input should be a valid string (the element does not have the shape FHIR R4 gives it)\n"


def test_not_a_bundle(tmp_path: Path) -> None:
    err = _error(tmp_path, "p.json", json.dumps({"resourceType": "Patient", "id": CANARY}))
    assert "resourceType: is not Bundle" in err


def test_ndjson_bad_line_names_the_line(tmp_path: Path) -> None:
    export = charts.ndjson_export(tmp_path / "export", 3)
    with (export / "Observation.ndjson").open("a", encoding="utf-8") as handle:
        handle.write('{"resourceType": "Observation", "id": "x", "subject": {"reference": "Patient/bulk-0001"}, "valueInteger": "' + CANARY + '"}\n')
    code, out, err = invoke("import", "fhir", str(export), "-o", str(tmp_path / "out"), "--treatment", "tms")
    assert (code, out) == (2, "")
    assert err == f"error: {export / 'Observation.ndjson'}:4: valueInteger: Observation: input should be a valid number, unable to parse string as a number (the element does not have the shape FHIR R4 gives it)\n"
    assert not (tmp_path / "out").exists()
    (export / "Observation.ndjson").write_text('{"resourceType": "Observation", "id": "' + CANARY + '"\n', encoding="utf-8")
    code, out, err = invoke("import", "fhir", str(export), "-o", str(tmp_path / "out"), "--treatment", "tms")
    assert err == f"error: {export / 'Observation.ndjson'}:1: the line is not valid JSON (an NDJSON file holds one resource per line)\n"


def test_small_chunks_read_the_same_bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = charts.write_json(tmp_path / "c.json", charts.us_core_bundle())
    whole = [i.data for i in imports([src], TMS)]
    monkeypatch.setattr(fhir_read, "_CHUNK", 7)
    entries = [e for _, _, e in fhir_read.bundle_entries(src, str(src))]
    assert entries == json.loads(src.read_text(encoding="utf-8"))["entry"]
    assert [i.data for i in imports([src], TMS)] == whole


def test_real_export_shapes(tmp_path: Path) -> None:
    """Contained medications, absolute and versioned references, unknown types and
    extensions, a partial date, several coverages: read, never a traceback."""
    subj = {"reference": "https://ehr.example/fhir/Patient/p9/_history/3"}
    resources = [
        charts.patient("p9", "MRN-9", ["Lee"], "Park", "1990-05-05", "other"),
        {"resourceType": "Basic", "id": "x", "code": {"text": "anything"}},
        {"resourceType": "MedicationRequest", "id": "mr", "status": "active", "subject": subj, "authoredOn": "2025-06-01",
         "contained": [{"resourceType": "Medication", "id": "med", "code": charts.cc(charts.RX, "000", "Escitalopram 10 MG Oral Tablet")}],
         "medicationReference": {"reference": "#med"}, "extension": [{"url": "http://x", "valueBoolean": True}],
         "dosageInstruction": [{"timing": {"code": charts.cc("http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation", "BID")},
                                "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}]}]},
        {"resourceType": "Observation", "id": "o", "status": "final", "subject": subj, "code": charts.cc(charts.LOINC, "44261-6"), "valueInteger": 12, "effectiveDateTime": "2025-07"},
        {"resourceType": "Coverage", "id": "c1", "status": "active", "beneficiary": subj, "subscriberId": "A1", "period": {"start": "2023-01-01"}},
        {"resourceType": "Coverage", "id": "c2", "status": "active", "beneficiary": subj, "subscriberId": "B2", "period": {"start": "2024-01-01"}},
    ]
    (imp,) = imports([charts.write_json(tmp_path / "c.json", charts.bundle(resources, "collection"))], TMS)
    assert imp.data["medications"] == [{"drug": "escitalopram", "max_daily_dose_mg": 20.0, "start": "2025-06-01", "outcome": "ongoing"}]
    assert imp.data["coverage"] == {"member_id": "B2"}
    assert imp.notes["coverage"] == ["Coverage/c2 (also in the chart: Coverage/c1)"]
    assert "assessments" not in imp.data
    assert [t.why for t in imp.todo if t.path == "assessments"] == ["Observation/o (PHQ-9) has no full date: add it by hand with its date"]


def test_fhir_sources_are_recognised(tmp_path: Path) -> None:
    src = charts.write_json(tmp_path / "c.json", charts.synthea_bundle())
    case = tmp_path / "case.json"
    case.write_text('{"patient": {}}', encoding="utf-8")
    assert is_fhir_source(src)
    assert is_fhir_source(charts.ndjson_export(tmp_path / "export", 1))
    assert not is_fhir_source(case)
    with pytest.raises(FhirFileError):
        list(imports([tmp_path / "missing.json"], TMS))


def _cases(sources: list[Path]) -> list[str]:
    return [case_yaml(i) for i in imports(sources, TMS)]


def test_a_large_bundle_is_read_patient_by_patient_into_the_same_cases(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the size held in memory, a bundle is indexed on disk and read back patient by
    patient: the same cases, in the same order (urn:uuid, absolute and conditional
    references, entries across chunk boundaries, two files)."""
    synthea = charts.write_json(tmp_path / "s.json", charts.synthea_bundle())
    us_core = charts.write_json(tmp_path / "u.json", charts.us_core_bundle())
    large = charts.large_bundle(tmp_path / "l.json", 30)
    held = {name: _cases(sources) for name, sources in (("s", [synthea]), ("u", [us_core]), ("l", [large]), ("both", [synthea, us_core]))}
    monkeypatch.setattr(fhir_read, "_HOLD_MAX", 0)
    monkeypatch.setattr(fhir_read, "_CHUNK", 500)  # entries across chunk boundaries
    assert len(held["l"]) == 30
    assert [c.split("\n", 1)[0] for c in held["l"][:2]] == [f"# Imported from FHIR: {large}, Patient/bulk-0000.", f"# Imported from FHIR: {large}, Patient/bulk-0001."]
    for name, sources in (("s", [synthea]), ("u", [us_core]), ("l", [large]), ("both", [synthea, us_core])):
        assert _cases(sources) == held[name], name


def test_a_large_bundle_with_a_bad_entry_names_it_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fhir_read, "_HOLD_MAX", 0)
    chart = charts.us_core_bundle()
    chart["entry"][0]["resource"]["birthDate"] = {"value": CANARY}
    err = _error(tmp_path, "b.json", json.dumps(chart, indent=1))
    assert err == f"error: {tmp_path / 'b.json'}:6: entry[0].resource.birthDate: Patient: input should be a valid string (the element does not have the shape FHIR R4 gives it)\n"


@pytest.mark.slow
def test_a_large_bundle_is_not_held_in_memory(tmp_path: Path) -> None:
    """3,000 patients in one 11 MB Bundle: the import's peak of Python allocations stays
    within a few chunks of the file (its models, held whole, take about 12 times the file's
    size: 130 MB here)."""
    src = charts.large_bundle(tmp_path / "large.json", 3000)
    assert src.stat().st_size > fhir_read._HOLD_MAX
    list(imports([charts.write_json(tmp_path / "c.json", charts.us_core_bundle())], TMS))  # catalog and tables loaded first
    tracemalloc.start()
    try:
        count = sum(1 for imp in imports([src], TMS) if imp.data["patient"])
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert count == 3000
    assert peak < 8 * fhir_read._CHUNK, f"peak {peak / 1e6:.1f} MB"
