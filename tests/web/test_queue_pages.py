"""The Queue page and the request actions, through Flask's test client: what the page says,
and the rows each action leaves in the database (with the audit line naming the user)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from priorauth.store import open_store
from priorauth.store import queue as q
from tests.helpers import SAMPLES
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


def _submitted(db: str, client: FlaskClient) -> int:
    rid = add_sample(db)
    assert post_form(client, f"/requests/{rid}/submit", {"on": "2026-11-20"}, version=1).status_code == 303
    return rid


def _decide(client: FlaskClient, db: str, rid: int, fields: dict[str, str]) -> TestResponse:
    return post_form(client, f"/requests/{rid}/decide", fields, version=request_row(db, rid)["version"])


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
    rid = _submitted(db, client)
    answer = _decide(client, db, rid, {"outcome": "partial", "on": "2026-11-25", "auth_number": "0099", "valid_to": "2027-01-10"})
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert "A partial approval needs the units approved." in text_of(answer)
    assert 'id="decide-partial-auth_number" name="auth_number" type="text" value="0099"' in html
    assert 'aria-invalid="true" aria-describedby="decide-partial-units_0-error"' in html
    assert request_row(db, rid)["status"] == "submitted"  # nothing saved


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"outcome": "approved", "valid_to": "26/02/2027"}, "Approved until: this is not a date. Use the date picker, or type it as YYYY-MM-DD."),
        ({"outcome": "approved", "valid_to": ""}, "Approved until: enter a date. Use the date picker, or type it as YYYY-MM-DD."),
        ({"outcome": "denied", "reason": "  "}, "Reason for the denial: enter it as the payer's letter states it. The appeal answers this reason."),
        ({"outcome": "pended", "asked": ""}, "What the payer asked for: describe it. For example: the PHQ-9 scores of the last two visits."),
        ({"outcome": "approved", "valid_to": "2027-01-01", "units_0": "many"}, "Units, row 1: enter a whole number of 1 or more."),
    ],
)
def test_a_decision_missing_a_field_is_refused_at_the_field(client: FlaskClient, db: str, fields: dict[str, str], message: str) -> None:
    rid = _submitted(db, client)
    answer = _decide(client, db, rid, {"on": "2026-11-25", **fields})
    assert answer.status_code == 400
    assert message in text_of(answer)
    assert request_row(db, rid)["decisions"] == []


def test_a_denial_keeps_its_reason_then_the_appeal_is_submitted(client: FlaskClient, db: str) -> None:
    rid = _submitted(db, client)
    answer = _decide(client, db, rid, {"outcome": "denied", "on": "2026-11-25", "reason": "Only one SSRI trial documented"})
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


def test_pended_records_what_was_asked_and_by_when(client: FlaskClient, db: str) -> None:
    rid = _submitted(db, client)
    answer = _decide(client, db, rid, {"outcome": "pended", "on": "2026-11-25", "asked": "PHQ-9 of the last two visits", "info_due": "2026-12-05"})
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


def test_the_app_runs_on_postgresql_too(db_url: str, tmp_path: Path, engine_name: str) -> None:
    from tests.web.util import log_in, make_app

    app: Flask = make_app(db_url, tmp_path / "data")
    try:
        client = app.test_client()
        log_in(client)
        rid = _approved(db_url, client)
        assert post_form(client, f"/requests/{rid}/use", {"units": "1"}, version=request_row(db_url, rid)["version"]).status_code == 303
        assert "1 of 36, " not in text_of(client.get("/queue"))  # 35 left: no warning
        assert "1 of 36" in text_of(client.get("/queue"))
        answer = post_form(client, f"/requests/{rid}/continue", {}, version=request_row(db_url, rid)["version"])
        assert answer.status_code == 303
        assert request_row(db_url, rid + 1)["kind"] == "continuation"
    finally:
        app.extensions["priorauth_store"].close()


def test_a_change_made_elsewhere_shows_on_the_next_look_at_the_queue(client: FlaskClient, db: str) -> None:
    rid = add_sample(db)
    assert "DEMO-1001 cigna TMS" in text_of(client.get("/queue"))
    store = open_store(db, "li")  # another person, or the command line
    q.set_fields(store, rid, assignee="li", priority="urgent")
    store.close()
    assert "DEMO-1001 urgent li cigna TMS" in text_of(client.get("/queue"))  # the page kept is not shown


def test_the_kept_page_expires_even_if_the_stamp_missed_a_change(client: FlaskClient, db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import priorauth.web.queue as web_queue

    rid = add_sample(db)
    monkeypatch.setattr(web_queue.q, "change_stamp", lambda _store: 7)  # as if two commits came out of order
    assert "DEMO-1001 cigna TMS" in text_of(client.get("/queue"))
    store = open_store(db, "li")
    q.set_fields(store, rid, assignee="li")
    store.close()
    assert "DEMO-1001 cigna TMS" in text_of(client.get("/queue"))  # kept: within its seconds
    monkeypatch.setattr(web_queue._PageCache, "TTL", 0.0)
    assert "DEMO-1001 li cigna TMS" in text_of(client.get("/queue"))


def test_an_approval_that_ended_expires_when_the_queue_is_shown(client: FlaskClient, app: Flask, db: str) -> None:
    rid = _approved(db, client)
    app.config["PRIORAUTH_TODAY"] = dt.date(2027, 3, 1)  # after 2027-02-26
    page = text_of(client.get("/queue?status=closed"))
    assert "DEMO-1001 cigna TMS expired" in page
    assert request_row(db, rid)["status"] == "expired"


def test_a_continuation_opens_a_new_draft_request_after_the_approval(client: FlaskClient, db: str) -> None:
    rid = _approved(db, client)
    assert "Start a continuation" in text_of(client.get(f"/requests/{rid}"))
    answer = post_form(client, f"/requests/{rid}/continue", {}, version=request_row(db, rid)["version"])
    assert answer.status_code == 303
    new = int(answer.headers["Location"].rsplit("/", 1)[1])
    row = request_row(db, new)
    assert (row["kind"], row["status"], row["payer"], row["rule_set"], row["case_version"]) == ("continuation", "draft", "cigna", "cigna/tms", 1)
    assert row["gaps"] == ["the case is not yet updated for the continuation (sessions given, response)"]
    assert row["history"][-1]["detail"] == f"opened as draft: continuation of request {rid}"
    assert row["history"][-1]["user"] == USER
    old = request_row(db, rid)
    assert old["status"] == "approved" and old["history"][-1]["detail"] == f"continuation opened: request {new}"
    page = text_of(client.get(answer.headers["Location"]))
    assert "Continuation opened: update the case for it" in page
    # one open continuation at a time
    again = post_form(client, f"/requests/{rid}/continue", {}, version=old["version"])
    assert again.status_code == 400
    assert f"request {new} of this patient and rule set is still open" in text_of(again)


def test_no_continuation_before_an_approval(client: FlaskClient, db: str) -> None:
    rid = add_sample(db)
    assert "Start a continuation" not in text_of(client.get(f"/requests/{rid}"))
    answer = post_form(client, f"/requests/{rid}/continue", {}, version=1)
    assert answer.status_code == 400
    assert f"request {rid} is ready: a continuation follows an approval" in text_of(answer)


def test_adding_the_updated_case_moves_the_continuation_to_it(client: FlaskClient, db: str, tmp_path: Path) -> None:
    rid = _approved(db, client)
    post_form(client, f"/requests/{rid}/continue", {}, version=request_row(db, rid)["version"])
    updated = tmp_path / "case.yaml"
    updated.write_text((SAMPLES / "cigna-tms-ready.yaml").read_text(encoding="utf-8") + "# updated for the continuation\n", encoding="utf-8")
    store = open_store(db, "li")
    result = q.add_cases(store, [str(updated)], payer="cigna", treatment="tms", today=TODAY)
    store.close()
    assert [(r.request_id, r.action, r.case_version) for r in result.rows] == [(rid + 1, "updated", 2)]
    row = request_row(db, rid + 1)
    assert (row["kind"], row["status"], row["case_version"], row["gaps"]) == ("continuation", "ready", 2, [])
    assert request_row(db, rid)["case_version"] == 1  # the approval stays on the version it was made from
