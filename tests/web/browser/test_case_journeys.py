"""The case pages in a real browser (on SQLite and PostgreSQL): a new case from an uploaded
file, a gap fixed in the editor until the case is ready, a letter written and opened, a
denial then its appeal letter; axe-core over every page, the editor in its error state too."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

from pypdf import PdfReader

from priorauth.store import open_store
from priorauth.store import queue as q
from tests.helpers import SAMPLES
from tests.web.browser.conftest import LiveServer, axe_check, login, screenshot
from tests.web.util import TODAY, add_sample


def _pdf_words(data: bytes) -> str:
    return " ".join(" ".join((p.extract_text() or "").split()) for p in PdfReader(io.BytesIO(data)).pages)


def _download(page: Any, form: str, button: str = "Download") -> Any:
    with page.expect_download() as info:
        page.locator(form).get_by_role("button", name=button, exact=True).click()
    return info.value


def test_a_new_case_from_an_uploaded_file(page: Any, live_server: LiveServer) -> None:
    login(page, live_server)
    page.get_by_role("link", name="New case", exact=True).click()
    assert page.locator("h1").inner_text() == "New case"
    axe_check(page)
    screenshot(page, "case-new")
    # a file that is not a case file first: a message on the page, nothing added
    page.set_input_files("#upload-file", files=[{"name": "scan.png", "mimeType": "image/png", "buffer": b"\x89PNG\r\n\x1a\n\x00\x00"}])
    page.get_by_role("button", name="Upload and check").click()
    assert "this is a binary file, not a case file" in page.locator("#upload-error").inner_text()
    axe_check(page)
    page.set_input_files("#upload-file", files=[{"name": "case.yaml", "mimeType": "application/x-yaml", "buffer": (SAMPLES / "cigna-tms-ready.yaml").read_bytes()}])
    page.get_by_role("button", name="Upload and check").click()
    assert page.locator("h1").inner_text() == "Patient DEMO-1001: José Muñoz-Ñúñez"
    assert "Saved as case version 1 and checked again. Requests: cigna/tms ready." in page.locator(".flash").inner_text()
    assert "Ready: every criterion met and every document on file" in page.locator(".overall").first.inner_text()
    page.wait_for_selector("#compare-result")  # TMS and Spravato, loaded by htmx
    assert "Spravato at Cigna Healthcare" in page.locator("#compare-result").inner_text()
    axe_check(page)
    screenshot(page, "case")


def test_fix_a_gap_in_the_editor_until_the_case_is_ready(page: Any, live_server: LiveServer) -> None:
    request_id = add_sample(live_server.db, "medicare-tms-incomplete.yaml", "medicare", "tms")
    login(page, live_server)
    page.goto(f"{live_server.url}/requests/{request_id}")
    page.get_by_role("link", name="The case: its report, the editor, letters and checklists").click()
    assert page.url == f"{live_server.url}/cases/1"
    assert "Incomplete: nothing fails, but the chart leaves gaps" in page.locator(".overall").first.inner_text()
    page.get_by_role("button", name="Edit the case").click()
    assert page.locator("h1").inner_text() == "Edit the case of patient DEMO-1003"
    axe_check(page)
    screenshot(page, "case-editor")
    # a mistake first: the error is shown at its field, and the page still passes axe
    page.fill("#prescriber-npi", "12345")
    page.select_option("#clinical-seizure_history", "false")
    page.locator("button[name=save]").first.click()
    assert page.locator("#prescriber-npi-error").inner_text() == "an NPI is exactly 10 digits"
    assert page.get_attribute("#prescriber-npi", "aria-invalid") == "true"
    assert page.input_value("#clinical-seizure_history") == "false"  # what was typed is kept
    axe_check(page)
    screenshot(page, "case-editor-errors")
    page.fill("#prescriber-npi", "1245319599")
    page.select_option("#clinical-neurological_condition", "false")
    page.fill("#request-sessions", "30")
    page.fill("#assessments-0-date", "2026-11-10")
    # a row added without JavaScript's help: a button that sends the form
    page.get_by_role("button", name="Add a medication").click()
    page.fill("#medications-2-drug", "sertraline")
    page.locator("button[name=save]").first.click()
    assert "Saved as case version 2 and checked again. Requests: medicare/tms ready." in page.locator(".flash").inner_text()
    assert "Ready: every criterion met and every document on file" in page.locator(".overall").first.inner_text()
    page.get_by_role("link", name="Version 2: what changed").click()
    changed = page.locator("table").inner_text()
    assert "Seizure history" in changed and "sertraline" in changed
    axe_check(page)
    screenshot(page, "case-version")


def test_a_letter_written_and_opened(page: Any, live_server: LiveServer) -> None:
    add_sample(live_server.db)
    login(page, live_server)
    page.goto(f"{live_server.url}/cases/1#documents")
    letter = _download(page, "form:has(#doc-letter-title)")
    assert letter.suggested_filename == "DEMO-1001_cigna_tms_letter.pdf"
    words = _pdf_words(Path(letter.path()).read_bytes())
    assert "José Muñoz-Ñúñez" in words and "EN0383" in words
    with page.context.expect_page() as opened:
        page.locator("form:has(#doc-checklist-title)").get_by_role("button", name="Preview (PDF)").click()
    preview = opened.value
    preview.wait_for_load_state()
    assert preview.url.endswith("/cases/1/documents")


def test_a_letter_of_a_case_with_gaps_is_refused_and_a_draft_offered(page: Any, live_server: LiveServer) -> None:
    add_sample(live_server.db, "medicare-tms-incomplete.yaml", "medicare", "tms")
    login(page, live_server)
    page.goto(f"{live_server.url}/cases/1")
    page.locator("form:has(#doc-letter-title)").get_by_role("button", name="Download").click()
    assert page.locator("h1").inner_text() == "The letter of medical necessity was not written"
    assert "Document clinical.seizure_history" in page.locator(".error-summary").inner_text()
    axe_check(page)
    screenshot(page, "case-letter-refused")
    draft = _download(page, "form", "Download the draft")
    assert draft.suggested_filename == "DEMO-1003_medicare_tms_letter-draft.pdf"


def test_a_denial_then_an_appeal_letter(page: Any, live_server: LiveServer) -> None:
    request_id = add_sample(live_server.db)
    store = open_store(live_server.db, "maria")
    try:
        q.submit(store, request_id, reference="PA-7", today=TODAY)
        q.decide(store, request_id, "denied", on=TODAY, reference="DN-0042", reason="Not enough trials documented", today=TODAY)
    finally:
        store.close()
    login(page, live_server)
    page.goto(f"{live_server.url}/cases/1#appeal")
    assert page.input_value("#appeal-denial_reference") == "DN-0042"
    assert page.input_value("#appeal-denial_date") == TODAY.isoformat()
    assert page.input_value("#appeal-denial_reason") == "Not enough trials documented"
    axe_check(page)
    appeal = _download(page, "#appeal")
    assert appeal.suggested_filename == "DEMO-1001_cigna_tms_appeal.pdf"
    words = _pdf_words(Path(appeal.path()).read_bytes())
    assert "DN-0042" in words
    assert dt.date.today() >= TODAY  # the day the app was told it is has passed: the letter may be dated so


def test_a_fhir_file_of_several_patients_picked_and_imported(page: Any, live_server: LiveServer, tmp_path: Path) -> None:
    from tests.fhir.charts import large_bundle

    bundle = large_bundle(tmp_path / "export.json", 2)
    login(page, live_server)
    page.goto(f"{live_server.url}/cases/new")
    page.set_input_files("#fhir-file", files=[{"name": "export.json", "mimeType": "application/json", "buffer": bundle.read_bytes()}])
    page.select_option("#fhir-treatment", "tms")
    page.get_by_role("button", name="Import", exact=True).click()
    assert page.locator("h1").inner_text() == "This file holds 2 patients"
    axe_check(page)
    screenshot(page, "case-fhir-pick")
    page.get_by_role("button", name="Import the patients ticked").click()
    assert page.url == f"{live_server.url}/queue"
    assert "2 patients imported" in page.locator(".flash").inner_text()
    page.goto(f"{live_server.url}/cases/1/compare")
    assert page.locator("h1").inner_text() == "TMS and Spravato side by side"
    axe_check(page)


def test_the_case_page_and_the_editor_work_from_the_keyboard(page: Any, live_server: LiveServer) -> None:
    add_sample(live_server.db, "medicare-tms-incomplete.yaml", "medicare", "tms")
    login(page, live_server)
    page.goto(f"{live_server.url}/cases/1")

    def tab_to(text: str, limit: int = 60) -> None:
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate("() => (document.activeElement.innerText || document.activeElement.value || '').trim()") == text:
                return
        raise AssertionError(f"{text!r} is not reachable with Tab")

    tab_to("Edit the case")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/cases/1/edit")
    tab_to("Save and check")
    page.keyboard.press("Tab")  # the first field: the patient id
    assert page.evaluate("() => document.activeElement.id") == "patient-id"
    page.focus("#request-sessions")
    page.keyboard.type("30")
    page.keyboard.press("Enter")  # Enter in a field sends the form with its first button: Save and check
    page.wait_for_url(f"{live_server.url}/cases/1")
    assert "Saved as case version 2" in page.locator(".flash").inner_text()
