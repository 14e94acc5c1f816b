"""The case pages through Flask's test client: the report, the editor, new cases, uploads, documents."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from priorauth.case_form import form_from_text
from priorauth.store import open_store
from priorauth.store import queue as q
from priorauth.store.versions import patient_case
from tests.fhir.charts import large_bundle, us_core_bundle
from tests.helpers import SAMPLES
from tests.web.util import TODAY, add_sample, csrf_token, request_row, text_of

READY = SAMPLES / "cigna-tms-ready.yaml"
INCOMPLETE = SAMPLES / "medicare-tms-incomplete.yaml"


def _editor_data(db: str, patient_id: int = 1, **changed: str) -> dict[str, str]:
    """The editor's form as the browser sends it, unchanged but for ``changed``."""
    store = open_store(db, "test")
    try:
        pc = patient_case(store, patient_id)
    finally:
        store.close()
    form = form_from_text(pc.text, pc.fmt)
    data = dict(form.values)
    data.update({f"{name}-rows": str(n) for name, n in form.rows.items()})
    data.update(base_version=str(pc.current.number), save="1")
    data.update(changed)
    return data


def _post(client: FlaskClient, url: str, data: dict[str, Any], **kw: Any) -> Any:
    return client.post(url, data={"csrf_token": csrf_token(client), **data}, **kw)


def _versions(db: str, patient_id: int = 1) -> list[int]:
    store = open_store(db, "test")
    try:
        return [v.number for v in patient_case(store, patient_id).versions]
    finally:
        store.close()


# ---- the case page ---------------------------------------------------------------------------------


def test_the_case_page_shows_the_report_criterion_by_criterion(client: FlaskClient, db: str) -> None:
    add_sample(db, "medicare-tms-incomplete.yaml", "medicare", "tms")
    page = client.get("/cases/1")
    assert page.status_code == 200
    text = text_of(page)
    assert "Patient DEMO-1003: Robert Chen" in text
    assert "Incomplete: nothing fails, but the chart leaves gaps" in text
    assert "met Age : Age 74 on 2026-11-18; the policy covers patients 18 or older" in text
    assert "not documented No history of seizures : Screening for history of seizures is not documented" in text
    assert "Next step: Document clinical.seizure_history (true or false) from the screening" in text
    # the documents and their freshness
    assert "Validated depression scale within 30 days too old 2026-08-01 30 days" in text
    assert "Psychiatric evaluation within 90 days on file 2026-10-20 90 days" in text
    assert "Request 1 medicare/tms draft incomplete 1" in text
    assert "Version 1 " in text


def test_a_criterion_not_met_is_worded_as_not_met(client: FlaskClient, db: str) -> None:
    add_sample(db, "cigna-tms-not-eligible.yaml", "cigna", "tms")
    text = text_of(client.get("/cases/1"))
    assert "Not eligible: at least one criterion is not met by what the chart documents" in text
    assert re.search(r"not met \w", text)


def test_tms_and_spravato_side_by_side(client: FlaskClient, db: str) -> None:
    add_sample(db)
    page = client.get("/cases/1/compare")
    text = text_of(page)
    assert "TMS at Cigna Healthcare Ready: every criterion met and every document on file 0 not met, 0 not documented, 0 documents missing · policy EN0383 Nothing left to do." in text
    assert "Spravato at Cigna Healthcare Incomplete: nothing fails, but the chart leaves gaps 0 not met, 5 not documented, 2 documents missing" in text
    partial = client.get("/cases/1/compare", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert partial.startswith('<div id="compare-result">') and "<html" not in partial


def test_the_request_page_links_to_the_case(client: FlaskClient, db: str) -> None:
    request_id = add_sample(db, "medicare-tms-incomplete.yaml", "medicare", "tms")
    page = client.get(f"/requests/{request_id}").get_data(as_text=True)
    assert f'<a href="/cases/of-request/{request_id}">The case: its report, the editor, letters and checklists</a>' in page
    answer = client.get(f"/cases/of-request/{request_id}")
    assert (answer.status_code, answer.headers["Location"]) == (303, "/cases/1")
    assert client.get("/cases/of-request/99").status_code == 404


def test_a_stored_version_that_no_longer_validates_leads_to_the_editor(client: FlaskClient, db: str) -> None:
    add_sample(db)
    from sqlalchemy import text

    store = open_store(db, "test")
    try:
        with store.writing() as s:  # as if a later priorauth were stricter than the one that saved it
            s.execute(text("UPDATE case_versions SET text = replace(text, '1234567893', '1234567890')"))
    finally:
        store.close()
    page = client.get("/cases/1")
    assert page.status_code == 409
    assert "Prescriber: NPI: is not a valid NPI (its check digit does not match)" in text_of(page)
    editor = client.get("/cases/1/edit")
    assert editor.status_code == 200 and 'value="1234567890"' in editor.get_data(as_text=True)
    fixed = _post(client, "/cases/1/edit", _editor_data(db, **{"prescriber-npi": "1234567893"}))
    assert fixed.status_code == 303 and client.get("/cases/1").status_code == 200


def test_an_unknown_patient_is_not_found(client: FlaskClient) -> None:
    assert client.get("/cases/99").status_code == 404
    assert client.get("/cases/99/edit").status_code == 404


# ---- the editor ------------------------------------------------------------------------------------


def test_every_field_is_an_input_with_its_label_dates_as_date_inputs_and_drugs_completed(client: FlaskClient, db: str) -> None:
    add_sample(db)
    html = client.get("/cases/1/edit").get_data(as_text=True)
    assert '<input id="patient-birth_date" name="patient-birth_date" value="1981-04-02" type="date"' in html
    assert '<input id="medications-0-drug" name="medications-0-drug" value="Zoloft" type="text" list="drug-names" autocomplete="off"' in html
    assert '<option value="sertraline"></option>' in html
    assert '<label for="clinical-seizure_history">Seizure history</label>' in html
    assert '<option value="false" selected>No</option>' in html
    assert '<input type="hidden" name="base_version" value="1">' in html
    assert '<button type="submit" name="add" value="medications" class="secondary">Add a medication</button>' in html
    assert '<button type="submit" name="remove" value="medications-3" class="secondary outline">Remove medication 4</button>' in html


def test_saving_makes_a_new_version_and_checks_it_at_once(client: FlaskClient, db: str) -> None:
    request_id = add_sample(db, "medicare-tms-incomplete.yaml", "medicare", "tms")
    data = _editor_data(db, **{"clinical-seizure_history": "false", "clinical-neurological_condition": "false", "request-sessions": "30", "assessments-0-date": "2026-11-10"})
    saved = _post(client, "/cases/1/edit", data)
    assert saved.status_code == 303 and saved.headers["Location"] == "/cases/1"
    page = text_of(client.get("/cases/1"))
    assert "Saved as case version 2 and checked again. Requests: medicare/tms ready." in page
    assert "Ready: every criterion met and every document on file" in page
    row = request_row(db, request_id)
    assert (row["status"], row["case_version"]) == ("ready", 2)
    assert row["history"][-1]["user"] == "maria"
    changes = text_of(client.get("/cases/1/versions/2"))
    assert "Request Sessions (empty) 30" in changes
    assert "Clinical screening Seizure history (empty) no" in changes
    assert "Rating scales, scale 1 Date 2026-08-01 2026-11-10" in changes


def test_errors_are_shown_at_the_field_and_what_was_typed_is_kept(client: FlaskClient, db: str) -> None:
    add_sample(db)
    answer = _post(client, "/cases/1/edit", _editor_data(db, **{"prescriber-npi": "12345", "medications-1-max_daily_dose_mg": "lots", "medications-1-end": "2024-01-01"}))
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert '<input id="prescriber-npi" name="prescriber-npi" value="12345" type="text" aria-invalid="true" aria-describedby="prescriber-npi-error prescriber-npi-help">' in html
    assert '<small id="prescriber-npi-error" class="field-error">an NPI is exactly 10 digits</small>' in html
    assert 'value="lots"' in html
    assert '<small id="medications-1-max_daily_dose_mg-error" class="field-error">input should be a valid number, unable to parse string as a number</small>' in html
    assert "2 problems to correct before saving" in text_of(answer)
    assert '<a href="#prescriber-npi">Prescriber: NPI: an NPI is exactly 10 digits</a>' in html
    assert _versions(db) == [1]


def test_add_and_remove_a_row_without_javascript(client: FlaskClient, db: str) -> None:
    add_sample(db)
    data = _editor_data(db, add="medications")
    del data["save"]
    added = _post(client, "/cases/1/edit", data)
    assert added.status_code == 200
    html = added.get_data(as_text=True)
    assert '<legend>Medication 5</legend>' in html and '<input type="hidden" name="medications-rows" value="5">' in html
    data = _editor_data(db, remove="medications-0")
    del data["save"]
    removed = _post(client, "/cases/1/edit", data).get_data(as_text=True)
    assert '<input id="medications-0-drug" name="medications-0-drug" value="venlafaxine"' in removed
    assert '<legend>Medication 4</legend>' not in removed
    assert _versions(db) == [1]  # neither saved anything


def test_the_second_of_two_tabs_gets_a_conflict_and_keeps_what_was_typed(client: FlaskClient, db: str) -> None:
    add_sample(db)
    first = _editor_data(db, **{"coverage-plan": "Plan from tab one"})
    second = _editor_data(db, **{"coverage-plan": "Plan from tab two"})
    assert _post(client, "/cases/1/edit", first).status_code == 303
    conflict = _post(client, "/cases/1/edit", second)
    assert conflict.status_code == 409
    html = conflict.get_data(as_text=True)
    assert "someone else saved this case meanwhile (it is at version 2, you opened version 1); nothing was saved" in text_of(conflict)
    assert 'value="Plan from tab two"' in html
    assert '<input type="hidden" name="base_version" value="2">' in html  # saving again keeps it, knowingly
    assert _versions(db) == [1, 2]
    again = _post(client, "/cases/1/edit", {**second, "base_version": "2"})
    assert again.status_code == 303 and _versions(db) == [1, 2, 3]


def test_an_edit_to_another_patient_id_is_refused(client: FlaskClient, db: str) -> None:
    add_sample(db)
    answer = _post(client, "/cases/1/edit", _editor_data(db, **{"patient-id": "DEMO-9999"}))
    assert answer.status_code == 409
    assert "the patient ID was changed" in text_of(answer)


def test_a_new_case_from_a_blank_form(client: FlaskClient, db: str) -> None:
    blank = client.get("/cases/new/form")
    assert blank.status_code == 200
    assert 'value="2026-12-01" type="date"' in blank.get_data(as_text=True)  # the request date: today
    data = {
        "patient-id": "NEW-1",
        "patient-given_name": "Ana",
        "patient-family_name": "Ruiz",
        "patient-birth_date": "1990-05-01",
        "coverage-payer": "cigna",
        "coverage-member_id": "0099",
        "request-treatment": "tms",
        "request-date": "2026-11-30",
        "prescriber-name": "Dr Who",
        "prescriber-npi": "1234567893",
        "diagnoses-rows": "1",
        "diagnoses-0-code": "F33.2",
        "diagnoses-0-primary": "true",
        "medications-rows": "1",
        "save": "1",
    }
    saved = _post(client, "/cases/new/form", data)
    assert saved.status_code == 303, text_of(saved)
    page = text_of(client.get(saved.headers["Location"]))
    assert "Patient NEW-1: Ana Ruiz" in page
    assert "Requests: cigna/tms draft." in page
    again = _post(client, "/cases/new/form", {**data, "coverage-plan": "x"})
    assert again.status_code == 409 and "a case for this patient ID already exists" in text_of(again)


def test_a_payer_with_no_rule_set_is_shown_at_its_field(client: FlaskClient, db: str) -> None:
    add_sample(db)
    answer = _post(client, "/cases/1/edit", _editor_data(db, **{"coverage-payer": "acme"}))
    assert answer.status_code == 422
    assert '<small id="coverage-payer-error" class="field-error">no rule sets for payer &#39;acme&#39; (see `priorauth rules list` for the payers known here)</small>' in answer.get_data(as_text=True)


# ---- uploads ---------------------------------------------------------------------------------------


def _upload(client: FlaskClient, url: str, data: bytes, name: str, **form: str) -> Any:
    """POST a file as a browser does. The body is built here: the test client would spool a
    large one to a temporary file it never closes."""
    boundary = "----priorauth-test-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode() for k, v in {"csrf_token": csrf_token(client), **form}.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode() + data + b"\r\n")
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return client.post(url, data=body, content_type=f"multipart/form-data; boundary={boundary}")


def test_a_valid_case_file_upload_is_a_new_case(client: FlaskClient, db: str, tmp_path: Path) -> None:
    answer = _upload(client, "/cases/new/upload", READY.read_bytes(), "cigna-tms-ready.yaml")
    assert answer.status_code == 303
    assert "Patient DEMO-1001" in text_of(client.get(answer.headers["Location"]))
    as_json = json.dumps({**json.loads(json.dumps(__import__("yaml").safe_load(INCOMPLETE.read_text()), default=str))}).encode()
    answer = _upload(client, "/cases/new/upload", as_json, "case.json")
    assert answer.status_code == 303
    assert not list((tmp_path / "data").rglob("*.json"))  # read in memory, never written


def test_an_invalid_case_file_opens_in_the_editor_with_its_problems_at_their_fields(client: FlaskClient, db: str) -> None:
    bad = READY.read_text(encoding="utf-8").replace('npi: "1234567893"', 'npi: "123"').replace("birth_date: 1981-04-02", "birth_date: 1981-02-30")
    answer = _upload(client, "/cases/new/upload", bad.encode(), "x.yaml")
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert "The uploaded file has problems, shown at their fields below." in text_of(answer)
    assert '<small id="prescriber-npi-error" class="field-error">an NPI is exactly 10 digits</small>' in html
    assert '<input id="patient-birth_date" name="patient-birth_date" value="1981-02-30" type="text" placeholder="YYYY-MM-DD"' in html  # kept as typed
    assert '<small id="patient-birth_date-error" class="field-error">is not a real calendar date (check the day and month)</small>' in html


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"patient: [unclosed\n", "case.yaml", "uploaded file:2: not valid YAML: did not find expected ',' or ']'"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "scan.png", "uploaded file: this is a binary file, not a case file"),
        (b"- just\n- a list\n", "list.yaml", "uploaded file:1: the top level is a list; a case file must be a mapping of keys to values"),
        (b"", "empty.yaml", "the file is empty"),
        (b"a: 1\n" * 500_000, "huge.yaml", "the file is larger than 2 MB; a case file is a few kilobytes"),
        (b"\xff\xfe\x00p", "utf16.yaml", "uploaded file: the file is UTF-16 text, not UTF-8"),
    ],
)
def test_bad_uploads_get_a_message_on_the_page(client: FlaskClient, data: bytes, name: str, message: str) -> None:
    answer = _upload(client, "/cases/new/upload", data, name)
    assert answer.status_code == 422
    text = text_of(answer)
    assert "The file was not added:" in text and message in text
    assert "Traceback" not in text


def test_a_path_like_file_name_is_never_used_as_a_path(client: FlaskClient, db: str, tmp_path: Path) -> None:
    answer = _upload(client, "/cases/new/upload", READY.read_bytes(), "../../x.yaml")
    assert answer.status_code == 303
    assert not (tmp_path / "x.yaml").exists() and not (tmp_path.parent / "x.yaml").exists()
    assert [p.name for p in (tmp_path / "data").iterdir() if p.is_file()] == []


def test_an_upload_over_the_limit_is_refused_with_a_page(client: FlaskClient) -> None:
    answer = _upload(client, "/cases/new/upload", b"x" * (11 * 1024 * 1024), "big.yaml")
    assert answer.status_code == 413
    assert "larger than the limit of 10 MB" in text_of(answer)


def test_no_file_chosen(client: FlaskClient) -> None:
    answer = client.post("/cases/new/upload", data={"csrf_token": csrf_token(client)})
    assert answer.status_code == 422 and "choose a file to upload" in text_of(answer)


def test_an_upload_without_the_csrf_token_is_refused(client: FlaskClient, db: str) -> None:
    answer = client.post("/cases/new/upload", data={"file": (io.BytesIO(READY.read_bytes()), "a.yaml")}, content_type="multipart/form-data")
    assert answer.status_code == 400
    assert _no_patient(db)


def _no_patient(db: str) -> bool:
    store = open_store(db, "test")
    try:
        return list(q.list_requests(store, closed=True)) == []
    finally:
        store.close()


def test_a_fhir_bundle_of_one_patient_is_a_new_case(client: FlaskClient, db: str, tmp_path: Path) -> None:
    answer = _upload(client, "/cases/new/fhir", json.dumps(us_core_bundle()).encode(), "export.json", treatment="tms")
    assert answer.status_code == 303, text_of(answer)
    page = text_of(client.get(answer.headers["Location"]))
    assert "Saved as case version 1 and checked again. Requests: cigna/tms draft." in page
    assert re.search(r"The health record does not give \d+ facts of the case: the report shows them as not documented; complete them in the editor. Patient MRN-004217: Maria Lopez", page)
    assert not list((tmp_path / "data" / "uploads").iterdir())  # the temporary copy is gone


def test_a_fhir_bundle_of_several_patients_lets_the_user_pick(client: FlaskClient, db: str, tmp_path: Path) -> None:
    path = large_bundle(tmp_path / "big.json", 3)
    answer = _upload(client, "/cases/new/fhir", path.read_bytes(), "big.json", treatment="tms")
    assert answer.status_code == 200
    assert "This file holds 3 patients" in text_of(answer)
    cases = re.findall(r'name="case" value="([^"]*)"', answer.get_data(as_text=True))
    assert len(cases) == 3
    import html

    imported = client.post("/cases/new/import", data={"csrf_token": csrf_token(client), "case": [html.unescape(c) for c in cases[:2]]})
    assert imported.status_code == 303, text_of(imported)
    store = open_store(db, "test")
    try:
        assert len({r["patient"] for r in q.list_requests(store, closed=True)}) == 2
    finally:
        store.close()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (json.dumps({"resourceType": "Patient", "id": "x"}).encode(), "uploaded file:1: resourceType: is not Bundle: give a FHIR Bundle"),
        (json.dumps({"resourceType": "Observation", "id": "x", "status": "final"}).encode(), "uploaded file:1: resourceType: is not Bundle"),
        (b"not json at all", "uploaded file:1: is not a FHIR Bundle (a JSON object)"),
    ],
)
def test_a_fhir_file_of_another_kind_gets_a_message(client: FlaskClient, data: bytes, message: str, tmp_path: Path) -> None:
    answer = _upload(client, "/cases/new/fhir", data, "x.json", treatment="tms")
    assert answer.status_code == 422
    text = text_of(answer)
    assert "Nothing was imported:" in text and message in text
    assert "uploads" not in text and str(tmp_path) not in text
    assert not list((tmp_path / "data" / "uploads").iterdir())


# ---- documents -------------------------------------------------------------------------------------


def _document(client: FlaskClient, **form: str) -> Any:
    return _post(client, "/cases/1/documents", {"base_version": "1", "format": "pdf", "disposition": "download", **form})


def test_a_letter_of_a_ready_case_downloads_as_pdf_and_docx(client: FlaskClient, db: str) -> None:
    add_sample(db)
    pdf = _document(client, what="letter")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert pdf.headers["Content-Disposition"] == "attachment; filename=DEMO-1001_cigna_tms_letter.pdf"
    docx = _document(client, what="letter", format="docx")
    assert docx.data.startswith(b"PK") and docx.headers["Content-Disposition"] == "attachment; filename=DEMO-1001_cigna_tms_letter.docx"
    preview = _document(client, what="letter", disposition="preview", format="docx")  # a preview is always the PDF
    assert preview.headers["Content-Disposition"].startswith("inline") and preview.mimetype == "application/pdf"
    assert _document(client, what="letter").data == pdf.data  # the same case and day: the same bytes
    recorded = request_row(db, 1)["documents"]
    assert [(d["kind"], Path(d["file"]).name, d["case_version"], d["by"]) for d in recorded] == [
        ("letter", "DEMO-1001_cigna_tms_letter.pdf", 1, "maria"),
        ("letter", "DEMO-1001_cigna_tms_letter.docx", 1, "maria"),
        ("letter", "DEMO-1001_cigna_tms_letter.pdf", 1, "maria"),
    ]  # downloads, not the preview
    assert oct(Path(recorded[0]["file"]).stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(("what", "title", "draft_words"), [("letter", "Letter of medical necessity", "DRAFT"), ("packet", "Packet to fax or upload", "DRAFT, NOT FOR SUBMISSION")])
def test_a_letter_or_packet_of_a_case_with_gaps_is_refused_with_the_gaps_and_a_draft_offered(client: FlaskClient, db: str, what: str, title: str, draft_words: str) -> None:
    add_sample(db, "medicare-tms-incomplete.yaml", "medicare", "tms")
    refused = _document(client, what=what)
    assert refused.status_code == 409
    text = text_of(refused)
    assert f"The {title.lower()} was not written" in text
    assert "The case is not ready for a letter of medical necessity. These gaps are open:" in text
    assert "Document clinical.seizure_history (true or false) from the screening" in text
    assert "Preview the draft (PDF)" in text
    assert f'<input type="hidden" name="what" value="{what}">' in refused.get_data(as_text=True)
    draft = _document(client, what=what, draft="1")
    assert draft.status_code == 200 and draft.headers["Content-Disposition"] == f"attachment; filename=DEMO-1003_medicare_tms_{what}-draft.pdf"
    assert draft_words in _pdf_text(draft.data)[1]
    assert [d["kind"] for d in request_row(db, 1)["documents"]] == [what]
    checklist = _document(client, what="checklist")
    assert checklist.status_code == 200 and "checklist.pdf" in checklist.headers["Content-Disposition"]


def test_an_appeal_needs_the_denial_and_is_written_with_it(client: FlaskClient, db: str) -> None:
    request_id = add_sample(db)
    store = open_store(db, "maria")
    try:
        q.submit(store, request_id, reference="PA-1", today=TODAY)
        q.decide(store, request_id, "denied", reference="DN-0042", reason="step therapy not met", today=TODAY)
    finally:
        store.close()
    page = client.get("/cases/1").get_data(as_text=True)
    assert 'name="denial_reference" type="text" value="DN-0042"' in page
    assert 'name="denial_date" type="date" value="2026-12-01"' in page
    missing = _document(client, what="appeal", denial_reference="", denial_date="")
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert '<small id="appeal-denial_reference-error" class="field-error">give the payer&#39;s reference number of the denial, as on the denial letter</small>' in html
    appeal = _document(client, what="appeal", denial_reference="DN-0042", denial_date="2026-12-01", denial_reason="step therapy not met", level="first")
    assert appeal.status_code == 200, text_of(appeal)
    assert appeal.headers["Content-Disposition"] == "attachment; filename=DEMO-1001_cigna_tms_appeal.pdf"
    from pypdf import PdfReader

    words = " ".join((p.extract_text() or "") for p in PdfReader(io.BytesIO(appeal.data)).pages)
    assert "DN-0042" in words


def test_a_document_from_a_page_opened_before_an_edit_is_refused(client: FlaskClient, db: str) -> None:
    add_sample(db)
    assert _post(client, "/cases/1/edit", _editor_data(db, **{"coverage-plan": "Other"})).status_code == 303
    answer = _document(client, what="checklist")
    assert answer.status_code == 422
    assert "the case changed since this page was opened (it is now version 2)" in text_of(answer)


def test_no_patient_value_is_in_any_address_of_the_case_pages(client: FlaskClient, db: str, app: Flask) -> None:
    add_sample(db)
    html = client.get("/cases/1").get_data(as_text=True) + client.get("/cases/1/edit").get_data(as_text=True)
    for url in re.findall(r'(?:href|action|hx-get)="([^"]+)"', html):
        assert not any(value in url for value in ("DEMO-1001", "Muñoz", "José", "U0000000001", "1981-04-02")), url


def test_the_continuation_form_is_filled_from_the_recorded_approval(client: FlaskClient, db: str) -> None:
    import datetime as dt

    request_id = add_sample(db)
    store = open_store(db, "maria")
    try:
        q.submit(store, request_id, today=TODAY)
        q.decide(store, request_id, "approved", on=TODAY, auth_number="0123", valid_from=TODAY, valid_to=TODAY + dt.timedelta(days=60), units=[("90867", 1), ("90868", 35)], today=TODAY)
        q.record_use(store, request_id, units=3, on=TODAY, today=TODAY)
    finally:
        store.close()
    html = client.get("/cases/1").get_data(as_text=True)
    assert '<input id="continuation-auth_number" name="auth_number" type="text" value="0123">' in html
    assert 'id="continuation-units_approved" name="units_approved" type="text" inputmode="numeric" value="36"' in html
    assert 'id="continuation-units_used" name="units_used" type="text" inputmode="numeric" value="3"' in html
    letter = _document(client, what="continuation", auth_number="0123", units_approved="36", units_used="3", plan="extension")
    assert letter.status_code == 200 and letter.headers["Content-Disposition"] == "attachment; filename=DEMO-1001_cigna_tms_continuation.pdf"


def _pdf_text(data: bytes) -> tuple[int, str]:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return len(reader.pages), " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)


def test_a_packet_of_a_ready_case_previews_and_downloads_and_is_recorded(client: FlaskClient, db: str) -> None:
    add_sample(db)
    html = client.get("/cases/1").get_data(as_text=True)
    assert '<h3 id="doc-packet-title">Packet to fax or upload</h3>' in html
    preview = _document(client, what="packet", disposition="preview")
    assert preview.status_code == 200, text_of(preview)
    assert preview.data.startswith(b"%PDF") and preview.mimetype == "application/pdf"
    assert preview.headers["Content-Disposition"] == "inline; filename=DEMO-1001_cigna_tms_packet.pdf"
    assert request_row(db, 1)["documents"] == []  # a preview is not recorded
    packet = _document(client, what="packet", format="docx")  # a packet is a PDF, whatever the format asked
    assert packet.headers["Content-Disposition"] == "attachment; filename=DEMO-1001_cigna_tms_packet.pdf"
    assert packet.data == preview.data  # the same case and day: the same bytes
    letter_pages = _pdf_text(_document(client, what="letter").data)[0]
    checklist_pages = _pdf_text(_document(client, what="checklist").data)[0]
    pages, words = _pdf_text(packet.data)
    assert pages == 1 + letter_pages + checklist_pages  # the cover sheet, the letter, the checklist
    assert "FAX COVER SHEET" in words and f"Packet page 1 of {pages}" in words and f"Packet page {pages} of {pages}" in words
    assert "Not included" not in words  # the sample lists no record with a file
    recorded = request_row(db, 1)["documents"]
    assert [(d["kind"], Path(d["file"]).name, d["case_version"]) for d in recorded] == [
        ("packet", "DEMO-1001_cigna_tms_packet.pdf", 1),
        ("letter", "DEMO-1001_cigna_tms_letter.pdf", 1),
        ("checklist", "DEMO-1001_cigna_tms_checklist.pdf", 1),
    ]
    assert Path(recorded[0]["file"]).read_bytes() == packet.data
    assert oct(Path(recorded[0]["file"]).stat().st_mode & 0o777) == "0o600"


def test_a_packet_from_the_queue_reads_no_file_and_lists_the_records_on_its_cover(client: FlaskClient, db: str, tmp_path: Path) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    text = READY.read_text(encoding="utf-8").replace("    title: Psychiatric evaluation for TMS\n", "    title: Psychiatric evaluation for TMS\n    path: eval.pdf\n")
    (folder / "case.yaml").write_text(text, encoding="utf-8")
    (folder / "eval.pdf").write_bytes(_blank_pdf())  # beside the case file, and still not read
    store = open_store(db, "setup")
    try:
        assert not q.add_cases(store, [str(folder / "case.yaml")], payer="cigna", treatment="tms", today=TODAY).errors
    finally:
        store.close()
    packet = _document(client, what="packet")
    assert packet.status_code == 200, text_of(packet)
    _, words = _pdf_text(packet.data)
    assert "Not included" in words
    assert "Psychiatric evaluation for TMS, 2026-11-05 (file eval.pdf)" in words
    assert "not read: a case kept in the queue has no folder its records are read from; send it separately" in words
    assert "Attachment 1" not in words


def _blank_pdf() -> bytes:
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(612, 792)
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()


def test_the_packet_of_a_continuation_carries_the_recorded_authorization(client: FlaskClient, db: str, tmp_path: Path) -> None:
    import datetime as dt

    from tests.pas import cases

    request_id = add_sample(db)
    store = open_store(db, "maria")
    try:
        q.submit(store, request_id, today=TODAY)
        q.decide(store, request_id, "approved", on=TODAY, auth_number="0123", valid_from=TODAY, valid_to=TODAY + dt.timedelta(days=60), units=[("90868", 36)], today=TODAY)
        (tmp_path / "later").mkdir()
        assert not q.add_cases(store, [str(cases.tms(tmp_path / "later", continuation=True))], payer="cigna", treatment="tms", today=TODAY).errors
    finally:
        store.close()
    packet = _post(client, "/cases/1/documents", {"what": "packet", "base_version": "2", "disposition": "download"})
    assert packet.status_code == 200, text_of(packet)
    _, words = _pdf_text(packet.data)
    assert "Letter of medical necessity (continuation)" in words
    assert "Patient ID DEMO-1001 · Original auth. no. 0123" in words
    assert [d["kind"] for d in request_row(db, 2)["documents"]] == ["packet"]
