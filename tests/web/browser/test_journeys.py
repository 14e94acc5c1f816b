"""The main journeys of the queue in headless Chromium, on SQLite and on PostgreSQL; axe-core
on every page and state on the way, the keyboard on the busiest ones, screenshots kept."""

from __future__ import annotations

import re
from typing import Any

from tests.web.browser.conftest import LiveServer, axe_check, keyboard_check, login, screenshot
from tests.web.util import add_sample, request_row


def _open_request(page: Any, server: LiveServer, rid: int) -> None:
    page.goto(f"{server.url}/queue")
    page.locator(f'a[href="/requests/{rid}"]').click()
    page.wait_for_url(f"{server.url}/requests/{rid}")


def _submit(page: Any) -> None:
    page.get_by_label("How it was sent").select_option("fax")
    page.get_by_label("Payer's reference (if given)").fill(" 0042-A")
    page.get_by_role("button", name="Record as sent").click()
    page.get_by_text("Recorded: sent to the payer.").wait_for()


def test_submit_approve_36_sessions_and_use_them_until_5_left(page: Any, live_server: LiveServer, engine_name: str) -> None:
    rid = add_sample(live_server.db)
    login(page, live_server)
    _open_request(page, live_server, rid)
    axe_check(page)
    keyboard_check(page)
    _submit(page)
    assert page.locator("#status").inner_text() == "submitted, waiting for the payer"
    row = request_row(live_server.db, rid)
    assert (row["status"], row["reference"]) == ("submitted", " 0042-A")

    page.get_by_text("Record an approval").first.click()  # opens the form
    form = page.locator("form", has=page.locator("input[name=outcome][value=approved]"))
    form.get_by_label("Authorization number").fill("0123")
    form.get_by_label("Approved from").fill("2026-11-26")
    form.get_by_label("Approved until").fill("2027-02-26")
    assert form.get_by_label("Code, row 1").input_value() == "90867"
    form.get_by_label("Units, row 1").fill("1")
    assert form.get_by_label("Code, row 2").input_value() == "90868"
    form.get_by_label("Units, row 2").fill("35")
    axe_check(page)
    form.get_by_role("button", name="Record an approval").click()
    page.get_by_text("Recorded an approval.").wait_for()
    assert "0 of 36 used, 36 left" in page.locator("#units").inner_text()
    axe_check(page)
    keyboard_check(page)

    for used in range(1, 32):  # one click a session; htmx swaps the page without a reload
        page.get_by_role("button", name="Record one session used today").click()
        page.locator("#units", has_text=f"{used} of 36 used").wait_for()
    assert "31 of 36 used, 5 left" in page.locator("#units").inner_text()
    assert "request a continuation (5 units left)" in page.inner_text("main")
    axe_check(page)
    if engine_name == "sqlite":
        screenshot(page, "request-approved")
    row = request_row(live_server.db, rid)
    assert (row["units_used"], len(row["uses"]), row["history"][-1]["user"]) == (31, 31, "maria")
    page.go_back()  # the back button shows a page; it never sends an action again
    assert request_row(live_server.db, rid)["units_used"] == 31


def test_a_denial_then_the_appeal_and_a_form_in_its_error_state(page: Any, live_server: LiveServer, engine_name: str) -> None:
    rid = add_sample(live_server.db)
    login(page, live_server)
    _open_request(page, live_server, rid)
    _submit(page)
    # a partial approval without its units: refused at the field, what was typed kept
    page.get_by_text("Record a partial approval").first.click()
    form = page.locator("form", has=page.locator("input[name=outcome][value=partial]"))
    form.get_by_label("Authorization number").fill("0099")
    form.get_by_label("Approved until").fill("2027-01-10")
    form.get_by_role("button", name="Record a partial approval").click()
    page.get_by_role("heading", name="Not saved").wait_for()
    assert page.locator("#decide-partial-auth_number").input_value() == "0099"
    assert "A partial approval needs the units approved." in page.locator("#decide-partial-units_0-error").inner_text()
    axe_check(page)
    if engine_name == "sqlite":
        screenshot(page, "request-form-error")

    _open_request(page, live_server, rid)
    page.get_by_text("Record a denial").first.click()
    form = page.locator("form", has=page.locator("input[name=outcome][value=denied]"))
    form.get_by_label("Reason for the denial").fill("Only one SSRI trial documented")
    form.get_by_role("button", name="Record a denial").click()
    page.get_by_text("Recorded a denial.").wait_for()
    assert page.locator("#status").inner_text() == "denied"
    assert "reason: Only one SSRI trial documented" in page.inner_text("main")
    axe_check(page)
    page.get_by_role("button", name="Record the appeal as sent").click()
    page.get_by_text("Recorded: sent to the payer.").wait_for()
    assert page.locator("#status").inner_text() == "in appeal"
    row = request_row(live_server.db, rid)
    assert (row["status"], row["appeal_level"]) == ("appeal", 1)


def test_the_queue_ordering_and_filters(page: Any, live_server: LiveServer, engine_name: str) -> None:
    ready = add_sample(live_server.db)
    draft = add_sample(live_server.db, "medicare-tms-incomplete.yaml", payer="medicare")
    urgent = add_sample(live_server.db, "cigna-spravato-ready.yaml", treatment="spravato", priority="urgent", assignee="li")
    login(page, live_server)
    rows = page.locator("table.queue tbody tr")
    assert rows.count() == 3
    links = [rows.nth(i).locator("a").first.get_attribute("href") for i in range(3)]
    assert links == [f"/requests/{urgent}", f"/requests/{ready}", f"/requests/{draft}"]
    axe_check(page)
    keyboard_check(page)
    if engine_name == "sqlite":
        screenshot(page, "queue")

    page.get_by_label("Payer", exact=True).select_option("medicare")  # htmx: the table changes, the address follows
    page.wait_for_url(re.compile(r".*payer=medicare.*"))
    rows.first.locator(f'a[href="/requests/{draft}"]').wait_for()
    assert rows.count() == 1
    page.get_by_label("Payer", exact=True).select_option("")
    page.get_by_label("Treatment", exact=True).select_option("spravato")
    page.wait_for_url(re.compile(r".*treatment=spravato.*"))
    page.locator(f'table.queue a[href="/requests/{urgent}"]').wait_for()
    assert rows.count() == 1
    page.get_by_label("Treatment", exact=True).select_option("")
    page.get_by_label("Status", exact=True).select_option("draft")
    page.wait_for_url(re.compile(r".*status=draft.*"))
    assert rows.count() == 1
    axe_check(page)
    # without htmx the same form works with its button
    page.goto(f"{live_server.url}/queue?assignee=li")
    assert rows.count() == 1 and page.locator(f'a[href="/requests/{urgent}"]').count() == 1
    page.goto(f"{live_server.url}/queue?expiring=1")
    assert "No request matches these filters." in page.inner_text("main")
    axe_check(page)
