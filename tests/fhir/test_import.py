"""The FHIR import: the exact case and completion list from bundles and Bulk exports
shaped like real ones (tests/fhir/charts.py), and the command that writes them."""

from __future__ import annotations

import datetime as dt
import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from priorauth.fhir import Options, case_yaml, imports
from tests.helpers import invoke

sys.path.insert(0, str(Path(__file__).parent))
import charts

DAY = dt.date(2025, 11, 1)
TMS = Options("tms", None, DAY)

SYNTHEA_CASE: dict[str, Any] = {
    "format": 1,
    "patient": {"id": "SYN-0001", "given_name": "Jo Ann", "family_name": "Rivera", "birth_date": "1984-02-29", "sex": "female"},
    "coverage": {},
    "request": {"treatment": "tms", "date": "2025-11-01"},
    "prescriber": {"name": "Ana Kim", "npi": "1234567893"},
    "diagnoses": [],
    "medications": [{"drug": "fluoxetine", "start": "2025-01-10"}],
    "assessments": [{"instrument": "PHQ-9", "score": 18, "date": "2025-01-10"}, {"instrument": "PHQ-9", "score": 19, "date": "2025-04-02"}],
}
SYNTHEA_TODO = [
    "coverage.payer", "coverage.member_id", "clinical.suicidal_ideation", "diagnoses",
    "medications[0].max_daily_dose_mg", "medications[0].end", "medications[0].outcome", "medications[0].adherence_pct",
    "ect", "clinical.seizure_history", "clinical.implanted_metal_near_head", "clinical.bipolar_disorder", "clinical.psychotic_features",
    "clinical.substance_use_disorder", "clinical.pregnant", "clinical.pdmp_checked", "episode.current_start",
    "prescriber.specialty", "prescriber.board_certified", "prescriber.psychiatrist_consulted",
]
US_CORE_CASE: dict[str, Any] = {
    "format": 1,
    "patient": {"id": "MRN-004217", "given_name": "Maria", "family_name": "Lopez", "birth_date": "1979-06-14", "sex": "female"},
    "coverage": {"payer": "cigna", "member_id": "0012345601", "group_number": "0034", "plan": "Open Access Plus"},
    "request": {"treatment": "tms", "date": "2025-11-01"},
    "prescriber": {"name": "Anika Patel, MD", "npi": "1588667638", "specialty": "psychiatry"},
    "diagnoses": [{"code": "F33.2", "primary": True, "diagnosed_on": "2019-03-01"}],
    "medications": [
        {"drug": "escitalopram", "max_daily_dose_mg": 20, "start": "2023-01-15", "end": "2023-06-30"},
        {"drug": "sertraline", "max_daily_dose_mg": 200, "start": "2025-01-06", "end": "2025-05-30"},
        {"drug": "bupropion", "max_daily_dose_mg": 300, "start": "2025-07-01", "outcome": "ongoing"},
    ],
    "psychotherapy": [{"modality": "CBT", "start": "2022-02-01", "end": "2022-02-01", "sessions": 1}],
    "assessments": [{"instrument": "PHQ-9", "score": 21, "date": "2025-10-20"}],
    "clinical": {"substance_use_disorder": "remission", "implanted_devices": ["Cardiac pacemaker"], "ketamine_hypersensitivity": True},
    "documents": [{"kind": "psychiatric_evaluation", "date": "2025-10-20", "title": "Psychiatric evaluation", "path": "MRN-004217_document-1.pdf"}],
}
US_CORE_TODO = [
    "medications[0].outcome", "medications[0].adherence_pct", "medications[1].outcome", "medications[1].adherence_pct", "medications[2].adherence_pct",
    "psychotherapy[0].outcome", "psychotherapy", "ect", "clinical.seizure_history", "clinical.implanted_metal_near_head", "clinical.bipolar_disorder",
    "clinical.psychotic_features", "clinical.pregnant", "clinical.pdmp_checked", "episode.current_start", "prescriber.board_certified",
]


def _read(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_synthea_transaction_bundle(tmp_path: Path) -> None:
    src = charts.write_json(tmp_path / "synthea.json", charts.synthea_bundle())
    (imp,) = imports([src], TMS)
    assert imp.data == SYNTHEA_CASE
    assert [t.path for t in imp.todo] == SYNTHEA_TODO
    why = {t.path: t.why for t in imp.todo}
    assert why["diagnoses"] == (
        "Condition/cond-mdd, 2025-01-10 is coded in SNOMED only (major depressive disorder): give its ICD-10-CM code (F32.x or F33.x); "
        "severity, psychotic features and recurrence cannot be read from it"
    )
    # the refill chain (one order exported twice) is one trial, with every order named
    assert imp.notes["medications[0]"] == ["MedicationRequest/mr-1, 2025-01-10", "MedicationRequest/mr-2, 2025-02-09", "MedicationRequest/mr-3, 2025-03-11"]
    assert imp.notes["assessments[0]"] == ["Observation/obs-phq9, 2025-01-10 (the source value 17.55 rounded to a whole number)"]
    assert imp.notes["assessments"] == ["not imported: PHQ-2 screens and PHQ-9 modified for teens are not the severity scales these policies read (Observation/obs-phq2, 2025-01-10)"]


def test_us_core_bundle_yaml(tmp_path: Path) -> None:
    src = charts.write_json(tmp_path / "chart.json", charts.us_core_bundle())
    code, out, err = invoke("import", "fhir", str(src), "-o", str(tmp_path / "cases"), "--treatment", "tms", "--request-date", "2025-11-01")
    assert (code, err) == (0, "")
    case = tmp_path / "cases" / "MRN-004217.yaml"
    assert _read(case) == US_CORE_CASE
    assert out.splitlines()[0] == f"wrote {case} and 1 document(s) (Patient/pat-42): 16 fact(s) to complete"
    assert [line.split(":")[0].strip() for line in out.splitlines()[1:]] == US_CORE_TODO
    assert (tmp_path / "cases" / "MRN-004217_document-1.pdf").read_bytes() == charts.PDF
    for f in (tmp_path / "cases").iterdir():
        assert stat.S_IMODE(os.stat(f).st_mode) == 0o600
    text = case.read_text(encoding="utf-8")
    # every fact names its source; values are quoted exactly as exported (leading zeros)
    assert (
        "  # MedicationRequest/m-1, 2025-01-06\n"
        "  # MedicationRequest/m-2, 2025-02-03\n"
        "  # MedicationRequest/m-3, 2025-03-03\n"
        "  # TO COMPLETE medications[1].outcome: FHIR does not record why a trial ended: write inadequate_response, partial_response, intolerance, contraindicated or response\n"
        "  # TO COMPLETE medications[1].adherence_pct: FHIR does not record adherence: write it if the chart documents it\n"
        "  - drug: \"sertraline\"\n"
        "    # MedicationRequest/m-3: 100 mg x 2 x 1/day\n"
        "    max_daily_dose_mg: 200\n"
        "    start: \"2025-01-06\"\n"
        "    end: \"2025-05-30\"\n"
    ) in text
    assert '  # Coverage/cov-1\n  member_id: "0012345601"\n' in text
    assert "# TO COMPLETE psychotherapy: 8 psychotherapy session(s) from 2024-03-04 to 2024-04-22 are billed without saying which therapy" in text
    assert "# TO COMPLETE ect: 2 ECT session(s) from 2021-06-01 to 2021-06-03 (Procedure/ect-1, Procedure/ect-2): write status failed or responded" in text


def test_imported_case_checks_absent_facts_as_unknown(tmp_path: Path) -> None:
    src = charts.write_json(tmp_path / "chart.json", charts.us_core_bundle())
    assert invoke("import", "fhir", str(src), "-o", str(tmp_path), "--treatment", "tms", "--request-date", "2025-11-01").exit_code == 0
    code, out, _ = invoke("check", str(tmp_path / "MRN-004217.yaml"))
    assert code == 1
    assert "  [?] Unipolar depression (no bipolar disorder): Screening for bipolar disorder is not\n      documented" in out
    assert "[?] Without psychotic features: Screening for psychotic features is not documented" in out


def test_bulk_ndjson_folder_of_20_patients(tmp_path: Path) -> None:
    export = charts.ndjson_export(tmp_path / "export", 20)
    code, out, err = invoke("import", "fhir", str(export), "-o", str(tmp_path / "cases"), "--treatment", "tms", "--request-date", "2025-11-01")
    assert (code, err) == (0, "")
    names = sorted(p.name for p in (tmp_path / "cases").iterdir())
    assert names == [f"BULK-{n:04d}.yaml" for n in range(20)]
    assert _read(tmp_path / "cases" / "BULK-0007.yaml") == {
        "format": 1,
        "patient": {"id": "BULK-0007", "given_name": "Given7", "family_name": "Family7", "birth_date": "1957-08-17", "sex": "male"},
        "coverage": {"payer": "uhc", "member_id": "U00000007"},
        "request": {"treatment": "tms", "date": "2025-11-01"},
        "prescriber": {"name": "Rua Ngata, DO", "npi": "1234567893", "specialty": "psychiatry"},
        "diagnoses": [{"code": "F33.1", "primary": True, "diagnosed_on": "2022-01-05"}],
        "medications": [
            {"drug": "sertraline", "max_daily_dose_mg": 100, "start": "2025-01-01"},
            {"drug": "fluoxetine", "max_daily_dose_mg": 150, "start": "2025-03-01"},
        ],
        "assessments": [{"instrument": "PHQ-9", "score": 17, "date": "2025-09-01"}],
    }
    assert out.count("wrote ") == 20
    # the folder's cases check as a batch
    code, out, err = invoke("batch", str(tmp_path / "cases"), "-o", str(tmp_path / "out"))
    assert code == 1, err


def test_options_payer_tables_as_json_and_spravato(tmp_path: Path) -> None:
    src = charts.write_json(tmp_path / "chart.json", charts.us_core_bundle())
    tables = tmp_path / "tables.yaml"
    tables.write_text('scales:\n  "http://clinic.example/scales|HAMD17": HAM-D17\npayers:\n  Cigna Health and Life Insurance Company: aetna\n', encoding="utf-8")
    code, out, err = invoke("import", "fhir", str(src), "-o", str(tmp_path / "a"), "--treatment", "spravato", "--request-date", "2025-11-01", "--tables", str(tables), "--as-json")
    assert (code, err) == (0, "")
    data = json.loads((tmp_path / "a" / "MRN-004217.json").read_text(encoding="utf-8"))
    assert data["coverage"]["payer"] == "aetna"
    assert data["assessments"] == [{"instrument": "HAM-D17", "score": 24, "date": "2025-10-20"}, {"instrument": "PHQ-9", "score": 21, "date": "2025-10-20"}]
    assert "  rems.patient_enrolled: FHIR does not record REMS enrollment: write true or false" in out
    code, out, err = invoke("import", "fhir", str(src), "-o", str(tmp_path / "b"), "--treatment", "tms", "--payer", "uhc", "--request-date", "2025-03-01")
    assert code == 0
    data = _read(tmp_path / "b" / "MRN-004217.yaml")
    assert data["coverage"]["payer"] == "uhc"
    # facts dated after the request date are left out
    assert data["medications"] == [
        {"drug": "escitalopram", "max_daily_dose_mg": 20, "start": "2023-01-15", "end": "2023-06-30"},
        {"drug": "sertraline", "max_daily_dose_mg": 100, "start": "2025-01-06"},
    ]


def test_no_overwrite_without_force(tmp_path: Path) -> None:
    src = charts.write_json(tmp_path / "chart.json", charts.synthea_bundle())
    args = ("import", "fhir", str(src), "-o", str(tmp_path / "c"), "--treatment", "tms", "--request-date", "2025-11-01")
    assert invoke(*args).exit_code == 0
    target = tmp_path / "c" / "SYN-0001.yaml"
    target.write_text("mine\n", encoding="utf-8")
    code, _, err = invoke(*args)
    assert code == 2
    assert err == f"error: {target} already exists\n  hint: use --force to overwrite it, or choose another output folder with -o\n"
    assert target.read_text(encoding="utf-8") == "mine\n"
    assert invoke(*args, "--force").exit_code == 0
    assert _read(target)["patient"]["id"] == "SYN-0001"


def test_unknown_payer_is_a_gap_not_a_guess(tmp_path: Path) -> None:
    chart = charts.us_core_bundle()
    for entry in chart["entry"]:
        if entry["resource"]["resourceType"] == "Organization":
            entry["resource"]["name"] = "Acme Mutual"
    (imp,) = imports([charts.write_json(tmp_path / "c.json", chart)], TMS)
    assert "payer" not in imp.data["coverage"]
    assert imp.todo[0].path == "coverage.payer"
    assert imp.todo[0].why == "the payer 'Acme Mutual' is not in the payer table: write its id (`priorauth rules list`), use --payer, or add it to your --tables file"


def test_yaml_reads_back_as_the_data(tmp_path: Path) -> None:
    for chart in (charts.synthea_bundle(), charts.us_core_bundle()):
        for imp in imports([charts.write_json(tmp_path / "c.json", chart)], TMS):
            assert yaml.safe_load(case_yaml(imp)) == json.loads(json.dumps(imp.data))


@pytest.mark.parametrize("kind", ["collection", "searchset", "document", "transaction"])
def test_every_bundle_type(tmp_path: Path, kind: str) -> None:
    (imp,) = imports([charts.write_json(tmp_path / "c.json", charts.us_core_bundle(kind=kind))], TMS)
    assert imp.data["diagnoses"] == [{"code": "F33.2", "primary": True, "diagnosed_on": "2019-03-01"}]


def test_care_plan_psychotherapy_and_the_service_request_prescriber(tmp_path: Path) -> None:
    subj = {"reference": "Patient/p1"}
    resources = [
        charts.patient("p1", "MRN-1", ["Ada"], "Stone", "1970-01-01"),
        {"resourceType": "Practitioner", "id": "gp", "identifier": [{"system": charts.NPI, "value": "1234567893"}], "name": [{"family": "Gee", "given": ["Pat"]}]},
        {"resourceType": "Practitioner", "id": "psy", "identifier": [{"system": charts.NPI, "value": "1588667638"}], "name": [{"text": "Dr. Ines Ruiz, MD"}],
         "qualification": [{"code": charts.cc(charts.NUCC, "363LP0808X")}]},
        {"resourceType": "MedicationRequest", "id": "mr", "status": "completed", "subject": subj, "authoredOn": "2025-01-01", "requester": {"reference": "Practitioner/gp"},
         "medicationCodeableConcept": {"text": "Paroxetine 20 MG Oral Tablet"}},
        {"resourceType": "ServiceRequest", "id": "sr", "status": "active", "subject": subj, "authoredOn": "2025-10-01", "requester": {"reference": "Practitioner/psy"},
         "code": charts.cc(charts.CPT, "90867")},
        {"resourceType": "CarePlan", "id": "cp", "status": "active", "subject": subj, "period": {"start": "2024-01-10", "end": "2024-04-30"},
         "activity": [{"detail": {"status": "completed", "code": charts.cc(charts.SCT, "228557008", "Cognitive and behavioral therapy")}},
                      {"detail": {"status": "cancelled", "code": charts.cc(charts.SCT, "304822001")}}]},
    ]
    (imp,) = imports([charts.write_json(tmp_path / "c.json", charts.bundle(resources, "collection"))], TMS)
    assert imp.data["prescriber"] == {"name": "Dr. Ines Ruiz, MD", "npi": "1588667638", "specialty": "psychiatric_nurse_practitioner"}
    assert imp.data["psychotherapy"] == [{"modality": "CBT", "start": "2024-01-10", "end": "2024-04-30"}]
    assert imp.notes["psychotherapy[0]"] == ["CarePlan/cp, 2024-01-10 (a care plan activity: its sessions are not counted)"]
    assert [t.path for t in imp.todo if t.path.startswith("psychotherapy")] == ["psychotherapy[0].sessions", "psychotherapy[0].outcome"]
    assert imp.data["medications"] == [{"drug": "paroxetine", "start": "2025-01-01"}]


def test_case_yaml_comments_at_any_item() -> None:
    from priorauth.case_yaml import dump

    data = {"medications": [{"drug": "a"}, {"drug": "b", "start": "2025-01-01"}], "clinical": {"pregnant": False}}
    comments = {"medications[].drug": ["first only"], "medications[1]": ["item 1"], "medications[1].start": ["its start"], "clinical.pregnant": ["p"]}
    assert dump(data, comments) == (
        "medications:\n"
        "  # first only\n"
        '  - drug: "a"\n'
        "  # item 1\n"
        '  - drug: "b"\n'
        "    # its start\n"
        '    start: "2025-01-01"\n'
        "clinical:\n"
        "  # p\n"
        "  pregnant: false\n"
    )


def test_improvement_undotted_code_and_bad_npi(tmp_path: Path) -> None:
    subj = {"reference": "Patient/p1"}
    loinc = charts.cc(charts.LOINC, "44261-6")
    resources = [
        charts.patient("p1", "MRN-1", ["Ada"], "Stone", "1970-01-01"),
        {"resourceType": "Practitioner", "id": "dr", "identifier": [{"system": charts.NPI, "value": "1234567890"}], "name": [{"family": "Roe", "given": ["Max"]}]},
        {"resourceType": "Condition", "id": "c", "subject": subj, "code": charts.cc(charts.ICD, "F332"), "onsetDateTime": "2024-01-01"},
        {"resourceType": "MedicationStatement", "id": "ms", "status": "completed", "subject": subj, "medicationCodeableConcept": {"text": "Duloxetine 60 MG Delayed Release Oral Capsule"},
         "effectivePeriod": {"start": "2025-01-10", "end": "2025-04-10"}},
        {"resourceType": "MedicationRequest", "id": "mr", "status": "completed", "subject": subj, "authoredOn": "2025-01-10", "requester": {"reference": "Practitioner/dr"},
         "medicationCodeableConcept": {"text": "Duloxetine 60 MG Delayed Release Oral Capsule"}},
        {"resourceType": "Observation", "id": "o1", "status": "final", "subject": subj, "code": loinc, "valueInteger": 20, "effectiveDateTime": "2025-01-05"},
        {"resourceType": "Observation", "id": "o2", "status": "final", "subject": subj, "code": loinc, "valueInteger": 15, "effectiveDateTime": "2025-04-20"},
    ]
    (imp,) = imports([charts.write_json(tmp_path / "c.json", charts.bundle(resources, "collection"))], TMS)
    assert imp.data["diagnoses"] == [{"code": "F33.2", "primary": True, "diagnosed_on": "2024-01-01"}]
    assert imp.notes["diagnoses[0]"] == ["Condition/c, 2024-01-01 (written F332 in the source)"]
    assert imp.data["medications"] == [{"drug": "duloxetine", "start": "2025-01-10", "end": "2025-04-10", "improvement_pct": 25.0}]
    assert imp.notes["medications[0].improvement_pct"] == ["computed from the PHQ-9 scores of assessments[0] (20 on 2025-01-05) and assessments[1] (15 on 2025-04-20)"]
    assert imp.data["prescriber"] == {"name": "Max Roe", "npi": "1234567890"}
    assert [t.why for t in imp.todo if t.path == "prescriber.npi"] == ["the NPI of Practitioner/dr is not a valid NPI (10 digits with a matching check digit): correct it"]


def test_file_names_stay_in_the_folder(tmp_path: Path) -> None:
    one, two = charts.us_core_bundle("a"), charts.us_core_bundle("b")
    one["entry"][0]["resource"]["identifier"][1]["value"] = "../../escape"
    two["entry"][0]["resource"]["identifier"][1]["value"] = "../../escape"  # the same MRN twice
    both = charts.bundle([e["resource"] for e in one["entry"][:1] + two["entry"][:1]], "collection")
    src = charts.write_json(tmp_path / "c.json", both)
    code, _, err = invoke("import", "fhir", str(src), "-o", str(tmp_path / "out"), "--treatment", "tms", "--request-date", "2025-11-01")
    assert (code, err) == (0, "")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["escape.yaml", "escape_b.yaml"]
    assert _read(tmp_path / "out" / "escape.yaml")["patient"]["id"] == "../../escape"
    assert not (tmp_path / "escape.yaml").exists()


def test_a_comment_taken_from_the_chart_stays_on_one_line(tmp_path: Path) -> None:
    # Comment lines are written as they are when there is nothing to clean; anything
    # whitespace (a newline, a tab, NBSP, U+2028, runs of spaces) becomes one space.
    bundle = charts.us_core_bundle()
    device = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Device")
    device["id"] = "dev\n1\u00a0a\u2028b\t c  d "
    (imp,) = imports([charts.write_json(tmp_path / "c.json", bundle)], TMS)
    text = case_yaml(imp)
    assert "  # Device/dev 1 a b c d\n  implanted_devices:" in text
    assert "  # Organization/org-cigna via the payer table\n  payer:" in text
