"""The Queue page and the request actions, through Flask's test client: what the page says,
and the rows each action leaves in the database (with the audit line naming the user)."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask
from flask.testing import FlaskClient

from priorauth.store import open_store
from priorauth.store import queue as q
from tests.web.util import TODAY, USER, add_sample, post_form, request_row, text_of


def _approved(db: str, client: FlaskClient, units: tuple[tuple[str, str], ...] = (("90867", "1"), ("90868", "35"))) -> int:
    rid = add_sample(db)
    assert post_form(client, f"/requests/{rid}/submit", {"on": "2026-11-20", "channel": "fax", "reference": " 0042-A"}, version=1).status_code == 303
    fields = {"outcome": "approved", "on": "2026-11-25", "auth_number": "0123", "valid_from": "2026-11-26", "valid_to": "2027-02-26"}
    for i, (code, n) in enumerate(units):
        fields[f"code_{i}"], fields[f"units_{i}"] = code, n
    answer = post_form(client, f"/requests/{rid}/decide", fields, version=request_row(db, rid)["version"])
    assert answer.status_code == 303, text_of(answer)
    return rid


def test_an_empty_queue_says_how_to_fill_it(client: FlaskClient) -> None:
    page = text_of(client.get("/queue"))
    assert "The queue is empty. Add cases with priorauth queue add" in page
    assert "No requests yet." in page


def test_the_queue_lists_what_needs_action_first_with_counts(client: FlaskClient, db: str) -> None:
    ready = add_sample(db)  # due the day it was added
    draft = add_sample(db, "medicare-tms-incomplete.yaml", payer="medicare")
    spravato = add_sample(db, "cigna-spravato-ready.yaml", treatment="spravato", priority="urgent", assignee="li")
    answer = client.get("/queue")
    assert answer.status_code == 200
    page = text_of(answer)
    assert "ready to submit: 2" in page and "draft (the case has gaps): 1" in page
    # urgent first, then by due date, then the oldest
    html = answer.get_data(as_text=True)
    order = [html.index(f'href="/requests/{rid}"') for rid in (spravato, ready, draft)]
    assert order == sorted(order)
    added = dt.date.today().isoformat()  # a new request is due the day it was added
    assert f"DEMO-2001 urgent li cigna Spravato ready to submit submit to the payer {added}" in page
    assert f"DEMO-1003 medicare TMS draft (the case has gaps) complete the case (see its gaps), then add it again {added}" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status=draft", ["DEMO-1003"]),
        ("payer=medicare", ["DEMO-1003"]),
        ("treatment=spravato", ["DEMO-2001"]),
        ("assignee=li", ["DEMO-2001"]),
        ("status=closed", []),
        ("payer=cigna&treatment=tms", ["DEMO-1001"]),
    ],
)
def test_queue_filters(client: FlaskClient, db: str, query: str, expected: list[str]) -> None:
    add_sample(db)
    add_sample(db, "medicare-tms-incomplete.yaml", payer="medicare")
    add_sample(db, "cigna-spravato-ready.yaml", treatment="spravato", assignee="li")
    page = text_of(client.get(f"/queue?{query}"))
    shown = [p for p in ("DEMO-1001", "DEMO-1003", "DEMO-2001") if p in page]
    assert shown == expected
    if not expected:
        assert "No request matches these filters." in page


def test_expiring_soon_shows_approvals_near_their_end_or_their_last_units(client: FlaskClient, db: str) -> None:
    rid = _approved(db, client)
    add_sample(db, "cigna-spravato-ready.yaml", treatment="spravato")
    assert "DEMO-1001" not in text_of(client.get("/queue?expiring=1"))  # 36 units, ends in February
    store = open_store(db, "t")
    q.record_use(store, rid, 31, on=dt.date(2026, 11, 30), today=TODAY)
    store.close()
    page = text_of(client.get("/queue?expiring=1"))
    assert "DEMO-1001" in page and "DEMO-2001" not in page
    assert "31 of 36, 5 left" in page


def test_the_queue_pages_through_many_requests(client: FlaskClient, db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import priorauth.web.queue as web_queue

    monkeypatch.setattr(web_queue, "PAGE_SIZE", 1)
    add_sample(db)
    add_sample(db, "medicare-tms-incomplete.yaml", payer="medicare")
    first = client.get("/queue?payer=&treatment=tms").get_data(as_text=True)
    assert 'href="/queue?treatment=tms&amp;page=2">Next page' in first
    second = text_of(client.get("/queue?treatment=tms&page=2"))
    assert "DEMO-1003" in second and "DEMO-1001" not in second and "Previous page" in second


def test_submit_records_date_channel_and_reference_exactly(client: FlaskClient, db: str) -> None:
    rid = add_sample(db)
    answer = post_form(client, f"/requests/{rid}/submit", {"on": "2026-11-20", "channel": "fax", "reference": " 0042-A"}, version=1)
    assert answer.status_code == 303
    assert answer.headers["Location"] == f"/requests/{rid}"  # after the POST, a GET: the back button never sends it again
    row = request_row(db, rid)
    assert (row["status"], row["reference"], row["submitted_on"]) == ("submitted", " 0042-A", dt.date(2026, 11, 20))
    assert [n["text"] for n in row["notes"]] == ["sent by fax"]
    last = row["history"][-1]
    assert (last["user"], last["action"], last["detail"]) == (USER, "request.submit", "submitted; note added; changed: reference; status ready -> submitted")
    page = text_of(client.get(answer.headers["Location"]))
    assert "Recorded: sent to the payer." in page
    assert "submitted, waiting for the payer" in page


def test_approve_36_sessions_then_record_sessions_until_5_left(client: FlaskClient, db: str) -> None:
    rid = _approved(db, client)
    row = request_row(db, rid)
    assert (row["status"], row["auth_number"], row["units_approved"]) == ("approved", "0123", 36)
    assert row["decisions"][-1]["units"] == [{"code": "90867", "units": 1}, {"code": "90868", "units": 35}]
    assert row["history"][-1]["user"] == USER
    for _ in range(31):
        version = request_row(db, rid)["version"]
        assert post_form(client, f"/requests/{rid}/use", {"units": "1"}, version=version).status_code == 303
    page = text_of(client.get(f"/requests/{rid}"))
    assert "31 of 36 used, 5 left" in page
    assert "request a continuation (5 units left)" in page
    row = request_row(db, rid)
    assert row["units_used"] == 31 and len(row["uses"]) == 31 and row["uses"][0]["date"] == TODAY


def test_a_partial_approval_needs_units_and_keeps_what_was_typed(client: FlaskClient, db: str) -> None:
    rid = add_sample(db)
    post_form(client, f"/requests/{rid}/submit", {"on": "2026-11-20"}, version=1)
    version = request_row(db, rid)["version"]
    answer = post_form(client, f"/requests/{rid}/decide", {"outcome": "partial", "on": "2026-11-25", "auth_number": "0099", "valid_to": "2027-01-10"}, version=version)
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert "A partial approval needs the units approved." in text_of(answer)
    assert 'id="decide-partial-auth_number" name="auth_number" type="text" value="0099"' in html
    assert 'aria-invalid="true" aria-describedby="decide-partial-units_0-error"' in html
    assert request_row(db, rid)["status"] == "submitted"  # nothing saved


def test_an_approval_without_its_end_date_is_refused_at_the_field(client: FlaskClient, db: str) -> None:
    rid = add_sample(db)
    post_form(client, f"/requests/{rid}/submit", {"on": "2026-11-20"}, version=1)
    answer = post_form(client, f"/requests/{rid}/decide", {"outcome": "approved", "on": "2026-11-25", "valid_to": "26/02/2027"}, version=request_row(db, rid)["version"])
    assert answer.status_code == 400
    assert "Approved until: this is not a date. Use the date picker, or type it as YYYY-MM-DD." in text_of(answer)


def test_a_denial_keeps_its_reason_then_the_appeal_is_submitted(client: FlaskClient, db: str) -> None:
    rid = add_sample(db)
    post_form(client, f"/requests/{rid}/submit", {"on": "2026-11-20"}, version=1)
    answer = post_form(
        client, f"/requests/{rid}/decide", {"outcome": "denied", "on": "2026-11-25", "reason": "Only one SSRI trial documented"}, version=request_row(db, rid)["version"]
    )
    assert answer.status_code == 303
    row = request_row(db, rid)
    assert (row["status"], row["appeal_deadline"]) == ("denied", dt.date(2027, 1, 24))
    assert row["decisions"][-1]["denial_reason"] == "Only one SSRI trial documented"
    page = text_of(client.get(f"/requests/{rid}"))
    assert "Submit the appeal" in page and "appeal the denial (level 1) or withdraw" in page
    answer = post_form(client, f"/requests/{rid}/submit", {"on": "2026-12-01", "channel": "payer portal"}, version=row["version"])
    assert answer.status_code == 303
    row = request_row(db, rid)
    assert (row["status"], row["appeal_level"]) == ("appeal", 1)
    assert row["history"][-1]["detail"] == "appeal level 1 submitted; note added; status denied -> appeal"


def test_a_denial_needs_its_reason(client: FlaskClient, db: str) -> None:
    rid = add_sample(db)
    post_form(client, f"/requests/{rid}/submit", {"on": "2026-11-20"}, version=1)
    answer = post_form(client, f"/requests/{rid}/decide", {"outcome": "denied", "on": "2026-11-25", "reason": "  "}, version=request_row(db, rid)["version"])
    assert answer.status_code == 400
    assert "Reason for the denial: enter it as the payer's letter states it." in text_of(answer)


def test_pended_records_what_was_asked_and_by_when(client: FlaskClient, db: str) -> None:
    rid = add_sample(db)
    post_form(client, f"/requests/{rid}/submit", {"on": "2026-11-20"}, version=1)
    answer = post_form(
        client,
        f"/requests/{rid}/decide",
        {"outcome": "pended", "on": "2026-11-25", "asked": "PHQ-9 of the last two visits", "info_due": "2026-12-05"},
        version=request_row(db, rid)["version"],
    )
    assert answer.status_code == 303
    row = request_row(db, rid)
    assert (row["status"], row["info_due"], row["next_due"]) == ("pended", dt.date(2026, 12, 5), dt.date(2026, 12, 5))
    assert row["notes"][-1]["text"] == "the payer asked for: PHQ-9 of the last two visits"


def test_a_change_by_someone_else_meanwhile_is_a_clear_conflict(client: FlaskClient, db: str) -> None:
    rid = add_sample(db)
    stale = request_row(db, rid)["version"]
    store = open_store(db, "li")
    q.add_note(store, rid, "called", today=TODAY)  # someone else, in between
    store.close()
    answer = post_form(client, f"/requests/{rid}/submit", {"on": "2026-11-20", "reference": "PA-1"}, version=stale)
    assert answer.status_code == 409
    page = text_of(answer)
    assert "Not saved Someone else changed this request after you opened it. Nothing was saved." in page
    assert 'value="PA-1"' in answer.get_data(as_text=True)  # what was typed is still there
    assert request_row(db, rid)["status"] == "ready"


def test_a_move_the_lifecycle_refuses_is_explained(client: FlaskClient, db: str) -> None:
    rid = add_sample(db)
    answer = post_form(client, f"/requests/{rid}/use", {"units": "1"}, version=1)
    assert answer.status_code == 400
    assert "request 1 is ready: to record units used it must be approved or partially approved" in text_of(answer)
    assert request_row(db, rid)["units_used"] == 0


def test_note_assign_and_withdraw(client: FlaskClient, db: str) -> None:
    rid = add_sample(db)
    assert post_form(client, f"/requests/{rid}/note", {"text": "Called Cigna, spoke to J."}, version=1).status_code == 303
    assert post_form(client, f"/requests/{rid}/assign", {"assignee": "li", "priority": "urgent"}, version=request_row(db, rid)["version"]).status_code == 303
    row = request_row(db, rid)
    assert (row["assignee"], row["priority"]) == ("li", "urgent")
    assert post_form(client, f"/requests/{rid}/withdraw", {"reason": "patient moved"}, version=row["version"]).status_code == 303
    row = request_row(db, rid)
    assert row["status"] == "withdrawn"
    assert [h["action"] for h in row["history"]] == ["request.open", "request.note", "request.set", "request.withdraw"]
    assert {h["user"] for h in row["history"][1:]} == {USER}


def test_the_request_page_offers_only_the_actions_of_its_state(client: FlaskClient, db: str) -> None:
    rid = add_sample(db)
    page = text_of(client.get(f"/requests/{rid}"))
    assert "Submit to the payer" in page and "Record an approval" not in page and "Record one session used today" not in page
    rid = _approved(db, client)
    page = text_of(client.get(f"/requests/{rid}"))
    assert "Record one session used today" in page and "Submit to the payer" not in page and "Record a denial" not in page


def test_an_unknown_outcome_is_a_bad_request(client: FlaskClient, db: str) -> None:
    rid = add_sample(db)
    assert post_form(client, f"/requests/{rid}/decide", {"outcome": "maybe"}, version=1).status_code == 400


def test_the_app_runs_on_postgresql_too(db_url: str, tmp_path: object, engine_name: str) -> None:
    from pathlib import Path

    from tests.web.util import log_in, make_app

    app: Flask = make_app(db_url, Path(str(tmp_path)) / "data")
    try:
        client = app.test_client()
        log_in(client)
        rid = _approved(db_url, client)
        assert post_form(client, f"/requests/{rid}/use", {"units": "1"}, version=request_row(db_url, rid)["version"]).status_code == 303
        assert "1 of 36, " not in text_of(client.get("/queue"))  # 35 left: no warning
        assert "1 of 36" in text_of(client.get("/queue"))
    finally:
        app.extensions["priorauth_store"].close()
