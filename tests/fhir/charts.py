"""FHIR R4 charts for the import tests, in the shapes real exports have.

- :func:`synthea_bundle`: a Synthea-style transaction bundle (urn:uuid full URLs,
  conditional references to practitioners, SNOMED diagnoses only, a fluoxetine refill
  chain without dose instructions, PHQ-2 then a PHQ-9 panel with a total of 17.55);
- :func:`us_core_bundle`: a US Core-style searchset (ICD-10-CM, RxNorm clinical drugs with
  dose instructions and a titration, NUCC roles, Coverage with payor, CPT psychotherapy and
  ECT, a device, a ketamine allergy, a document with its attachment);
- :func:`ndjson_export`: a Bulk-export folder of NDJSON files for many patients;
- :func:`large_bundle`: the same patients in one Bundle file (patients referenced by
  ``urn:uuid:`` full URLs for odd numbers, by ``Patient/id`` otherwise).
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

ICD = "http://hl7.org/fhir/sid/icd-10-cm"
SCT = "http://snomed.info/sct"
LOINC = "http://loinc.org"
RX = "http://www.nlm.nih.gov/research/umls/rxnorm"
CPT = "http://www.ama-assn.org/go/cpt"
NPI = "http://hl7.org/fhir/sid/us-npi"
NUCC = "http://nucc.org/provider-taxonomy"
V2 = "http://terminology.hl7.org/CodeSystem/v2-0203"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
PDF = b"%PDF-1.4 test document\n"


def cc(system: str, code: str, display: str | None = None, text: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"coding": [{"system": system, "code": code, **({"display": display} if display else {})}]}
    if text:
        out["text"] = text
    return out


def patient(pid: str, mrn: str, given: list[str], family: str, birth: str, gender: str = "female") -> dict[str, Any]:
    return {
        "resourceType": "Patient",
        "id": pid,
        "meta": {"profile": ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient"]},
        "extension": [{"url": "http://hl7.org/fhir/us/core/StructureDefinition/us-core-race", "extension": [{"url": "text", "valueString": "White"}]}],
        "text": {"status": "generated", "div": "<div xmlns=\"http://www.w3.org/1999/xhtml\">generated</div>"},
        "identifier": [
            {"system": "https://github.com/synthetichealth/synthea", "value": pid},
            {"type": cc(V2, "MR", "Medical Record Number"), "system": "http://hospital.example/mrn", "value": mrn},
        ],
        "name": [{"use": "official", "family": family, "given": given, "prefix": ["Ms."]}, {"use": "maiden", "family": "Other"}],
        "gender": gender,
        "birthDate": birth,
    }


def _entry(resource: dict[str, Any], transaction: bool) -> dict[str, Any]:
    full = f"urn:uuid:{resource['id']}" if transaction else f"https://ehr.example/fhir/{resource['resourceType']}/{resource['id']}"
    entry: dict[str, Any] = {"fullUrl": full, "resource": resource}
    if transaction:
        entry["request"] = {"method": "POST", "url": resource["resourceType"]}
    else:
        entry["search"] = {"mode": "match"}
    return entry


def bundle(resources: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return {"resourceType": "Bundle", "id": "b1", "type": kind, "entry": [_entry(r, kind == "transaction") for r in resources]}


def synthea_bundle(pid: str = "8b1c3c5e-0000-4000-8000-000000000001") -> dict[str, Any]:
    subj = {"reference": f"urn:uuid:{pid}"}
    npi_ref = {"reference": f"Practitioner?identifier={NPI}|1234567893", "display": "Dr. Ana Kim"}
    fluox = cc(RX, "310385", "Fluoxetine 20 MG Oral Capsule", "Fluoxetine 20 MG Oral Capsule")

    def order(oid: str, authored: str, status: str) -> dict[str, Any]:
        return {
            "resourceType": "MedicationRequest", "id": oid, "status": status, "intent": "order",
            "medicationCodeableConcept": fluox, "subject": subj, "authoredOn": authored, "requester": npi_ref,
        }

    resources = [
        patient(pid, "SYN-0001", ["Jo", "Ann"], "Rivera", "1984-02-29"),
        {"resourceType": "Practitioner", "id": "prac-1", "identifier": [{"system": NPI, "value": "1234567893"}],
         "name": [{"family": "Kim", "given": ["Ana"], "prefix": ["Dr."]}]},
        {"resourceType": "Encounter", "id": "enc-1", "status": "finished", "subject": subj,
         "type": [cc(SCT, "185345009", "Encounter for symptom")], "period": {"start": "2025-01-10T09:00:00-05:00", "end": "2025-01-10T09:30:00-05:00"}},
        {"resourceType": "Condition", "id": "cond-mdd", "clinicalStatus": cc(CLINICAL, "active"), "subject": subj,
         "code": cc(SCT, "370143000", "Major depressive disorder (disorder)"), "onsetDateTime": "2025-01-10T09:00:00-05:00"},
        {"resourceType": "Condition", "id": "cond-si", "clinicalStatus": cc(CLINICAL, "active"), "subject": subj,
         "code": cc(SCT, "6471006", "Suicidal thoughts (finding)"), "onsetDateTime": "2025-01-10T09:00:00-05:00"},
        order("mr-1", "2025-01-10T09:30:00-05:00", "stopped"),
        order("mr-2", "2025-02-09T09:30:00-05:00", "stopped"),
        order("mr-3", "2025-03-11T09:30:00-05:00", "stopped"),
        order("mr-3", "2025-03-11T09:30:00-05:00", "stopped"),  # the same order twice
        {"resourceType": "Observation", "id": "obs-phq2", "status": "final", "subject": subj,
         "code": cc(LOINC, "55758-7", "PHQ-2 total"), "valueQuantity": {"value": 5, "unit": "{score}"}, "effectiveDateTime": "2025-01-10T09:10:00-05:00"},
        {"resourceType": "Observation", "id": "obs-phq9-panel", "status": "final", "subject": subj,
         "code": cc(LOINC, "44249-1", "PHQ-9 quick depression assessment panel"), "effectiveDateTime": "2025-01-10T09:15:00-05:00",
         "hasMember": [{"reference": "urn:uuid:obs-phq9"}]},
        {"resourceType": "Observation", "id": "obs-phq9", "status": "final", "subject": subj,
         "code": cc(LOINC, "44261-6", "Patient Health Questionnaire 9 item (PHQ-9) total score"), "valueQuantity": {"value": 17.55, "unit": "{score}"},
         "effectiveDateTime": "2025-01-10T09:15:00-05:00"},
        {"resourceType": "Observation", "id": "obs-phq9-b", "status": "final", "subject": subj,
         "code": cc(LOINC, "44261-6"), "valueInteger": 19, "effectiveDateTime": "2025-04-02"},
        {"resourceType": "Claim", "id": "claim-1", "patient": subj},  # a type the import does not read
    ]
    return bundle(resources, "transaction")


def us_core_bundle(pid: str = "pat-42", kind: str = "searchset") -> dict[str, Any]:
    subj = {"reference": f"Patient/{pid}"}
    role = {"reference": "PractitionerRole/role-1"}

    def med(oid: str, display: str, code: str, authored: str, status: str, tablets: float, per_day: int, end: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {
            "resourceType": "MedicationRequest", "id": oid, "status": status, "intent": "order", "subject": subj, "authoredOn": authored, "requester": role,
            "medicationCodeableConcept": cc(RX, code, display),
            "dosageInstruction": [{"text": "as directed", "timing": {"repeat": {"frequency": per_day, "period": 1, "periodUnit": "d"}},
                                   "doseAndRate": [{"doseQuantity": {"value": tablets, "unit": "tablet", "system": "http://unitsofmeasure.org", "code": "{tbl}"}}]}],
        }
        if end:
            out["dispenseRequest"] = {"validityPeriod": {"start": authored, "end": end}}
        return out

    def visit(vid: str, day: str, code: str) -> dict[str, Any]:
        return {"resourceType": "Procedure", "id": vid, "status": "completed", "subject": subj, "code": cc(CPT, code), "performedDateTime": f"{day}T10:00:00Z"}

    resources = [
        patient(pid, "MRN-004217", ["Maria"], "Lopez", "1979-06-14"),
        {"resourceType": "Organization", "id": "org-cigna", "name": "Cigna Health and Life Insurance Company"},
        {"resourceType": "Coverage", "id": "cov-old", "status": "cancelled", "beneficiary": subj, "payor": [{"reference": "Organization/org-cigna"}], "subscriberId": "OLD1"},
        {"resourceType": "Coverage", "id": "cov-1", "status": "active", "beneficiary": subj, "subscriberId": "SUB-9",
         "identifier": [{"type": cc(V2, "MB"), "value": "0012345601"}], "payor": [{"reference": "Organization/org-cigna"}],
         "class": [{"type": cc("http://terminology.hl7.org/CodeSystem/coverage-class", "group"), "value": "0034"},
                   {"type": cc("http://terminology.hl7.org/CodeSystem/coverage-class", "plan"), "value": "OAP", "name": "Open Access Plus"}],
         "period": {"start": "2024-01-01"}},
        {"resourceType": "Practitioner", "id": "prac-2", "identifier": [{"system": NPI, "value": "1588667638"}],
         "name": [{"use": "official", "family": "Patel", "given": ["Anika"], "suffix": ["MD"]}]},
        {"resourceType": "PractitionerRole", "id": "role-1", "practitioner": {"reference": "Practitioner/prac-2"},
         "specialty": [cc(NUCC, "2084P0800X", "Psychiatry & Neurology, Psychiatry")]},
        {"resourceType": "Condition", "id": "c-1", "clinicalStatus": cc(CLINICAL, "active"), "subject": subj,
         "code": {"coding": [{"system": ICD, "code": "F33.2", "display": "Major depressive disorder, recurrent severe without psychotic features"},
                             {"system": SCT, "code": "370143000"}]}, "onsetDateTime": "2019-03-01"},
        {"resourceType": "Condition", "id": "c-2", "clinicalStatus": cc(CLINICAL, "active"), "subject": subj, "code": cc(ICD, "F41.1"), "onsetDateTime": "2020-05-01"},
        {"resourceType": "Condition", "id": "c-3", "clinicalStatus": cc(CLINICAL, "resolved"), "subject": subj, "code": cc(ICD, "F10.21"), "onsetDateTime": "2015-05-01"},
        {"resourceType": "Condition", "id": "c-4", "verificationStatus": cc("http://terminology.hl7.org/CodeSystem/condition-ver-status", "refuted"),
         "subject": subj, "code": cc(ICD, "F31.9"), "onsetDateTime": "2020-05-01"},
        med("m-1", "Sertraline 50 MG Oral Tablet", "312940", "2025-01-06", "completed", 1, 1),
        med("m-2", "Sertraline 100 MG Oral Tablet", "312941", "2025-02-03", "completed", 1, 1),
        med("m-3", "Sertraline 100 MG Oral Tablet", "312941", "2025-03-03", "stopped", 2, 1, end="2025-05-30"),
        med("m-4", "24 HR Bupropion Hydrochloride 300 MG Extended Release Oral Tablet", "993541", "2025-07-01", "active", 1, 1),
        med("m-5", "Ibuprofen 200 MG Oral Tablet", "310965", "2025-07-01", "active", 2, 3),
        {"resourceType": "MedicationStatement", "id": "ms-1", "status": "completed", "subject": subj,
         "medicationCodeableConcept": {"text": "escitalopram"}, "effectivePeriod": {"start": "2023-01-15", "end": "2023-06-30"},
         "dosage": [{"timing": {"code": cc("http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation", "QD")}, "doseAndRate": [{"doseQuantity": {"value": 20, "unit": "mg"}}]}]},
        {"resourceType": "Observation", "id": "o-1", "status": "final", "subject": subj, "code": cc(LOINC, "44261-6"), "valueInteger": 21, "effectiveDateTime": "2025-10-20"},
        {"resourceType": "Observation", "id": "o-2", "status": "final", "subject": subj, "code": cc("http://clinic.example/scales", "HAMD17"), "valueQuantity": {"value": 24}, "effectiveDateTime": "2025-10-20"},
        *[visit(f"p-{n}", f"2024-{month:02d}-{day:02d}", "90834") for n, (month, day) in enumerate([(3, 4), (3, 11), (3, 18), (3, 25), (4, 1), (4, 8), (4, 15), (4, 22)])],
        {"resourceType": "Procedure", "id": "p-cbt", "status": "completed", "subject": subj, "code": cc(SCT, "228557008", "Cognitive and behavioral therapy"), "performedPeriod": {"start": "2022-02-01"}},
        visit("ect-1", "2021-06-01", "90870"),
        visit("ect-2", "2021-06-03", "90870"),
        {"resourceType": "Device", "id": "dev-1", "status": "active", "patient": subj, "type": cc(SCT, "14106009", "Cardiac pacemaker")},
        {"resourceType": "AllergyIntolerance", "id": "al-1", "patient": subj, "code": cc(RX, "6130", "ketamine")},
        {"resourceType": "DocumentReference", "id": "doc-1", "status": "current", "subject": subj, "type": cc(LOINC, "11488-4", "Consult note"),
         "date": "2025-10-20T14:00:00Z", "description": "Psychiatric evaluation",
         "content": [{"attachment": {"contentType": "application/pdf", "data": base64.b64encode(PDF).decode("ascii")}}]},
    ]
    return bundle(resources, kind)


def write_json(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return path


def ndjson_patient(n: int) -> dict[str, list[dict[str, Any]]]:
    """The resources of patient ``n`` of a Bulk export, by type."""
    pid = f"bulk-{n:04d}"
    subj = {"reference": f"Patient/{pid}"}
    return {
        "Patient": [patient(pid, f"BULK-{n:04d}", [f"Given{n}"], f"Family{n}", f"19{50 + n % 40}-0{1 + n % 9}-1{n % 10}", "male" if n % 2 else "female")],
        "Coverage": [{"resourceType": "Coverage", "id": f"cov-{n}", "status": "active", "beneficiary": subj, "subscriberId": f"U{n:08d}",
                      "payor": [{"reference": "Organization/org-uhc"}]}],
        "Condition": [{"resourceType": "Condition", "id": f"c-{n}", "subject": subj, "code": cc(ICD, "F33.1" if n % 2 else "F32.2"), "onsetDateTime": "2022-01-05"}],
        "MedicationRequest": [
            {"resourceType": "MedicationRequest", "id": f"m-{n}-{k}", "status": "stopped", "intent": "order", "subject": subj, "authoredOn": f"2025-0{1 + k}-01",
             "requester": {"reference": "Practitioner/prac-bulk"}, "medicationCodeableConcept": cc(RX, "36437" if k < 2 else "4493", "sertraline" if k < 2 else "fluoxetine"),
             "dosageInstruction": [{"timing": {"repeat": {"frequency": 1, "period": 1, "periodUnit": "d"}}, "doseAndRate": [{"doseQuantity": {"value": 50 * (k + 1), "unit": "mg"}}]}]}
            for k in range(3)
        ],
        "Observation": [{"resourceType": "Observation", "id": f"o-{n}", "status": "final", "subject": subj, "code": cc(LOINC, "44261-6"), "valueInteger": 10 + n % 15,
                         "effectiveDateTime": "2025-09-01"}],
    }


def ndjson_export(folder: Path, patients: int, start: int = 0) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    shared = {
        "Organization": [{"resourceType": "Organization", "id": "org-uhc", "name": "UnitedHealthcare"}],
        "Practitioner": [{"resourceType": "Practitioner", "id": "prac-bulk", "identifier": [{"system": NPI, "value": "1234567893"}],
                          "name": [{"family": "Ngata", "given": ["Rua"], "suffix": ["DO"]}],
                          "qualification": [{"code": cc(NUCC, "2084P0800X")}]}],
    }
    handles = {}
    try:
        for kind, items in shared.items():
            handles[kind] = (folder / f"{kind}.ndjson").open("w", encoding="utf-8")
            for item in items:
                handles[kind].write(json.dumps(item) + "\n")
        for n in range(start, start + patients):
            for kind, items in ndjson_patient(n).items():
                if kind not in handles:
                    handles[kind] = (folder / f"{kind}.ndjson").open("w", encoding="utf-8")
                for item in items:
                    handles[kind].write(json.dumps(item) + "\n")
    finally:
        for h in handles.values():
            h.close()
    return folder


def large_bundle(path: Path, patients: int) -> Path:
    """A collection Bundle of the patients of :func:`ndjson_export`, written entry by entry
    (never held whole), each patient's entries after all the Patient entries."""
    shared = [{"resourceType": "Organization", "id": "org-uhc", "name": "UnitedHealthcare"},
              {"resourceType": "Practitioner", "id": "prac-bulk", "identifier": [{"system": NPI, "value": "1234567893"}],
               "name": [{"family": "Ngata", "given": ["Rua"], "suffix": ["DO"]}], "qualification": [{"code": cc(NUCC, "2084P0800X")}]}]
    uuid = "5f0e7a3c-0000-4000-8000-{:012d}"
    with path.open("w", encoding="utf-8") as out:
        out.write('{"resourceType": "Bundle", "type": "collection", "entry": [\n')
        first = True

        def put(resource: dict[str, Any], full: str) -> None:
            nonlocal first
            out.write(("" if first else ",\n") + json.dumps({"fullUrl": full, "resource": resource}))
            first = False

        for r in shared:
            put(r, f"https://ehr.example/fhir/{r['resourceType']}/{r['id']}")
        for n in range(patients):
            (p,) = ndjson_patient(n)["Patient"]
            put(p, f"urn:uuid:{uuid.format(n)}" if n % 2 else f"https://ehr.example/fhir/Patient/{p['id']}")
        for n in range(patients):
            for kind, items in ndjson_patient(n).items():
                for r in items:
                    if kind == "Patient":
                        continue
                    if n % 2:
                        r = json.loads(json.dumps(r).replace(f'"Patient/bulk-{n:04d}"', f'"urn:uuid:{uuid.format(n)}"'))
                    put(r, f"urn:uuid:{kind}-{r['id']}")
        out.write("\n]}\n")
    return path
