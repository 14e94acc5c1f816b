"""The store's operations on SQLite and PostgreSQL: versions, lifecycle, audit, conflicts."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from priorauth.errors import PriorAuthError
from priorauth.store import ConflictError, Store, StoreError, open_store
from priorauth.store import queue as q
from priorauth.store.lifecycle import TransitionError
from priorauth.store.models import AuditEntry, CaseVersion, Request, Task
from tests.store.util import NOT_ELIGIBLE, PATIENT_VALUES, READY, incomplete, sample, write_case

DAY = dt.date(2026, 11, 18)


@pytest.fixture
def store(db_url: str) -> Store:
    s = open_store(db_url, user="alice")
    yield s
    s.close()


def _one(store: Store, path: Path = READY) -> int:
    result = q.add_cases(store, [path], today=DAY)
    assert not result.errors
    return result.rows[0].request_id


def _snapshot(store: Store) -> list[tuple]:
    with store.reading() as s:
        return [tuple(r) for r in s.execute(text("SELECT id, status, version, next_due FROM requests ORDER BY id"))] + [
            tuple(r) for r in s.execute(text("SELECT count(*) FROM decisions UNION ALL SELECT count(*) FROM tasks UNION ALL SELECT count(*) FROM audit_log"))
        ]


def test_add_opens_one_request_per_rule_set_and_is_idempotent(store: Store, tmp_path: Path) -> None:
    result = q.add_cases(store, [READY, NOT_ELIGIBLE], today=DAY)
    assert [(r.patient, r.rule_set, r.status, r.action, r.case_version) for r in result.rows] == [
        ("DEMO-1001", "cigna/tms", "ready", "opened", 1),
        ("DEMO-1002", "cigna/tms", "draft", "opened", 1),
    ]
    again = q.add_cases(store, [READY], today=DAY)
    assert [(r.request_id, r.action) for r in again.rows] == [(result.rows[0].request_id, "unchanged")]
    both = q.add_cases(store, [READY], payer="cigna", treatment="both", today=DAY)
    assert [(r.rule_set, r.action) for r in both.rows] == [("cigna/tms", "unchanged"), ("cigna/spravato", "opened")]


def test_an_edit_is_a_new_version_and_the_old_one_is_kept_as_given(store: Store, tmp_path: Path) -> None:
    rid = _one(store)
    changed = q.add_cases(store, [incomplete(tmp_path)], today=DAY)
    assert [(r.request_id, r.action, r.status, r.case_version) for r in changed.rows] == [(rid, "updated", "draft", 2)]
    shown = q.show_request(store, rid)
    assert shown["case_version"] == 2 and "documents" not in q.case_text(store, rid)[0]
    assert shown["gaps"]  # the missing documents
    with store.reading() as s:
        first = s.scalar(select(CaseVersion).where(CaseVersion.number == 1))
        assert first.text == READY.read_text(encoding="utf-8")  # byte for byte, comments and all
        assert first.fmt == "yaml"
    back = q.add_cases(store, [READY], today=DAY)
    assert [(r.action, r.status, r.case_version) for r in back.rows] == [("updated", "ready", 1)]


def test_invalid_case_is_reported_without_values_and_the_rest_added(store: Store, tmp_path: Path) -> None:
    data = sample()
    data["patient"]["birth_date"] = "not a date"
    bad = write_case(tmp_path, "bad.json", data)
    result = q.add_cases(store, [bad, READY], today=DAY)
    assert [r.action for r in result.rows] == ["error", "opened"]
    assert result.errors[0].error == f"{bad}:1: patient.birth_date: must be a date written YYYY-MM-DD"
    assert not any(v in result.errors[0].error for v in PATIENT_VALUES)


def test_full_life_denial_appeal_approval_units_exhausted(store: Store) -> None:
    rid = _one(store)
    r = q.submit(store, rid, reference="0042", on=DAY, today=DAY)
    assert (r.status, r.reference, r.next_due) == ("submitted", "0042", DAY + dt.timedelta(days=3))
    r = q.decide(store, rid, "denied", on=dt.date(2026, 11, 25), reason="fewer than four trials", today=DAY)
    assert (r.status, r.appeal_deadline, r.next_due) == ("denied", dt.date(2027, 1, 24), dt.date(2027, 1, 24))
    with store.reading() as s:
        tasks = s.scalars(select(Task).where(Task.request_id == rid).order_by(Task.id)).all()
        assert [(t.kind, t.done_at is None) for t in tasks] == [("submit", False), ("appeal", True)]
        assert tasks[1].due_on == dt.date(2027, 1, 24)
    r = q.submit(store, rid, on=dt.date(2026, 12, 1), today=DAY)
    assert (r.status, r.appeal_level) == ("appeal", 1)
    r = q.decide(store, rid, "approved", on=dt.date(2026, 12, 10), auth_number="0123", valid_to=dt.date(2027, 3, 10), units=[("90867", 1), ("90868", 35)], today=DAY)
    assert (r.status, r.auth_number, r.units_approved, r.valid_from, r.next_due) == ("approved", "0123", 36, dt.date(2026, 12, 10), dt.date(2027, 2, 24))
    r = q.record_use(store, rid, 30, on=dt.date(2026, 12, 20), today=DAY)
    assert (r.status, r.units_used, r.next_action) == ("approved", 30, "give treatment; request a continuation before the approval ends")
    r = q.record_use(store, rid, 1, on=dt.date(2026, 12, 21), today=DAY)
    assert (r.status, r.units_used, r.next_action, r.next_due) == ("approved", 31, "request a continuation (5 units left)", DAY)
    r = q.record_use(store, rid, 5, on=dt.date(2027, 1, 20), today=DAY)
    assert (r.status, r.next_action, r.next_due) == ("exhausted", None, None)
    shown = q.show_request(store, rid)
    assert [(d["outcome"], d["appeal_level"]) for d in shown["decisions"]] == [("denied", 0), ("approved", 1)]
    assert shown["decisions"][1]["units"] == [{"code": "90867", "units": 1}, {"code": "90868", "units": 35}]
    assert [(t["kind"], t["done"]) for t in shown["tasks"]] == [("submit", True), ("appeal", True), ("continuation", True)]


def test_tasks_follow_the_state(store: Store) -> None:
    rid = _one(store)
    q.submit(store, rid, on=DAY, today=DAY)
    q.decide(store, rid, "pended", on=DAY, today=DAY)
    open_tasks = [(t["kind"], t["due"]) for t in q.show_request(store, rid)["tasks"] if not t["done"]]
    assert open_tasks == [("information", DAY + dt.timedelta(days=14))]
    q.submit(store, rid, on=DAY, today=DAY)  # the information was sent
    assert [t for t in q.show_request(store, rid)["tasks"] if not t["done"]] == []


def test_approval_past_its_end_expires_on_refresh(store: Store) -> None:
    rid = _one(store)
    q.submit(store, rid, on=DAY, today=DAY)
    q.decide(store, rid, "approved", on=DAY, valid_to=dt.date(2026, 12, 31), today=DAY)
    assert q.refresh(store, today=dt.date(2026, 12, 31)) == 0
    assert q.refresh(store, today=dt.date(2027, 1, 1)) == 1
    shown = q.show_request(store, rid)
    assert (shown["status"], shown["history"][-1]["user"], shown["history"][-1]["detail"]) == ("expired", "priorauth", "approval ended; status approved -> expired")
    assert [r["id"] for r in q.list_requests(store)] == []
    assert [r["id"] for r in q.list_requests(store, closed=True)] == [rid]


def test_refused_moves_change_nothing(store: Store) -> None:
    rid = _one(store)
    before = _snapshot(store)
    with pytest.raises(TransitionError, match=f"request {rid} is ready: to record an approval it must be submitted, pended or in appeal"):
        q.decide(store, rid, "approved", valid_to=dt.date(2027, 1, 1), today=DAY)
    with pytest.raises(TransitionError, match="to record units used it must be approved or partially approved"):
        q.record_use(store, rid, 1, today=DAY)
    q.submit(store, rid, on=DAY, today=DAY)
    q.decide(store, rid, "approved", on=DAY, valid_to=dt.date(2027, 1, 1), today=DAY)
    middle = _snapshot(store)
    with pytest.raises(TransitionError, match=r"the date is outside the approval \(2026-11-18 to 2027-01-01\)"):
        q.record_use(store, rid, 1, on=dt.date(2027, 1, 2), today=DAY)
    assert _snapshot(store) == middle
    assert before != middle


def test_draft_is_submitted_only_with_anyway(store: Store) -> None:
    rid = _one(store, NOT_ELIGIBLE)
    with pytest.raises(TransitionError) as err:
        q.submit(store, rid, today=DAY)
    assert err.value.message.startswith(f"request {rid} is a draft: its case has gaps (")
    assert err.value.hint == "add the completed case with `priorauth queue add`, or submit anyway with --anyway"
    assert q.submit(store, rid, anyway=True, today=DAY).status == "submitted"


@pytest.mark.parametrize(
    ("outcome", "kwargs", "message"),
    [
        ("approved", {}, "an approval needs the date it ends: --valid-to YYYY-MM-DD"),
        ("approved", {"valid_to": dt.date(2026, 1, 1)}, "--valid-to is before the approval starts"),
        ("partial", {"valid_to": dt.date(2027, 1, 1)}, "a partial approval needs the units approved: --units CODE=N (or --units N)"),
        ("denied", {}, "a denial needs its reason: --reason TEXT"),
    ],
)
def test_decision_needs_its_facts(store: Store, outcome: str, kwargs: dict, message: str) -> None:
    rid = _one(store)
    q.submit(store, rid, on=DAY, today=DAY)
    with pytest.raises(PriorAuthError) as err:
        q.decide(store, rid, outcome, on=DAY, today=DAY, **kwargs)
    assert err.value.message == message


def test_typed_values_are_kept_exactly(store: Store) -> None:
    rid = _one(store)
    q.submit(store, rid, reference=" 0042-A ", on=DAY, today=DAY)
    q.decide(store, rid, "partial", on=DAY, auth_number="000123", valid_to=dt.date(2027, 1, 1), units=[("0090868", 20)], today=DAY)
    shown = q.show_request(store, rid)
    assert (shown["reference"], shown["auth_number"], shown["decisions"][0]["units"]) == (" 0042-A ", "000123", [{"code": "0090868", "units": 20}])


def test_audit_log_names_fields_never_values_and_is_append_only(store: Store, db_url: str) -> None:
    rid = _one(store)
    q.submit(store, rid, reference="REF-SECRET-1", on=DAY, today=DAY)
    q.add_note(store, rid, "spoke to the reviewer about José", today=DAY)
    q.set_fields(store, rid, assignee="maria")
    with store.reading() as s:
        lines = s.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
        assert {a.user for a in lines} == {"alice"}
        detail = " | ".join(f"{a.action} {a.detail}" for a in lines)
    assert "submitted; changed: reference; status ready -> submitted" in detail
    assert "request.set changed: assignee" in detail
    assert not any(v in detail for v in [*PATIENT_VALUES, "REF-SECRET-1", "maria"])
    with pytest.raises(StoreError) as err, store.writing() as s:
        s.execute(text("UPDATE audit_log SET detail = 'x'"))
    assert err.value.message.startswith("the database refused the change (") and "nothing was saved" in err.value.message
    with pytest.raises(StoreError), store.writing() as s:
        s.execute(text("DELETE FROM audit_log"))


def test_database_errors_never_carry_values(store: Store) -> None:
    _one(store)
    with pytest.raises(StoreError) as err, store.writing() as s:
        s.execute(text("INSERT INTO patients (id, key, created_at) VALUES (1, :k, :t)"), {"k": "DEMO-1001", "t": dt.datetime(2026, 1, 1)})
    text_ = err.value.render()
    assert "IntegrityError" in text_ and "DEMO-1001" not in text_ and "nothing was saved" in text_


def test_expected_version_refuses_a_stale_change(store: Store) -> None:
    rid = _one(store)
    seen = q.show_request(store, rid)["version"]
    q.set_fields(store, rid, assignee="maria", expected_version=seen)  # first person
    with pytest.raises(ConflictError) as err:
        q.set_fields(store, rid, assignee="sam", expected_version=seen)  # second, from the same view
    assert err.value.message == f"request {rid} was changed by someone else (it is at version {seen + 1}, you had version {seen}); nothing was saved"
    assert err.value.exit_code == 4
    assert q.show_request(store, rid)["assignee"] == "maria"


def test_concurrent_writers_never_overwrite_silently(store: Store) -> None:
    """Both read version N (say, two open forms); the first save wins, the second is refused."""
    rid = _one(store)
    first = Session(store.engine)
    second = Session(store.engine, expire_on_commit=False)
    try:
        b = second.get(Request, rid)
        second.commit()  # the form is on screen; no transaction stays open
        a = first.get(Request, rid)
        a.assignee = "maria"
        first.commit()
        b.assignee = "sam"
        with pytest.raises(ConflictError) as err, store._translated():
            second.commit()
        assert err.value.message == "someone else changed this request while you were changing it; nothing was saved"
        assert err.value.exit_code == 4
    finally:
        first.close()
        second.close()
    assert q.show_request(store, rid)["assignee"] == "maria"


def test_parallel_decisions_one_wins_the_other_is_refused(store: Store, db_url: str) -> None:
    rid = _one(store)
    q.submit(store, rid, on=DAY, today=DAY)
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def decide(outcome: str) -> None:
        other = open_store(db_url, user=outcome)
        barrier.wait()
        try:
            if outcome == "approved":
                q.decide(other, rid, "approved", on=DAY, valid_to=dt.date(2027, 1, 1), today=DAY)
            else:
                q.decide(other, rid, "denied", on=DAY, reason="r", today=DAY)
            outcomes.append("ok")
        except (TransitionError, ConflictError) as exc:
            outcomes.append(type(exc).__name__)
        finally:
            other.close()

    threads = [threading.Thread(target=decide, args=(o,)) for o in ("approved", "denied")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) in (["ConflictError", "ok"], ["TransitionError", "ok"])
    assert len(q.show_request(store, rid)["decisions"]) == 1


def test_attach_records_file_hash_and_versions(store: Store, tmp_path: Path) -> None:
    rid = _one(store)
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(b"%PDF-1.4 test")
    q.attach(store, rid, letter, "letter")
    shown = q.show_request(store, rid)
    assert shown["documents"] == [
        {
            "kind": "letter",
            "file": str(letter),
            "sha256": hashlib.sha256(b"%PDF-1.4 test").hexdigest(),
            "case_version": 1,
            "rule_version": shown["rule_version"],
            "by": "alice",
        }
    ]
    with pytest.raises(PriorAuthError, match="cannot read"):
        q.attach(store, rid, tmp_path / "missing.pdf", "letter")


def test_list_filters_and_order(store: Store) -> None:
    q.add_cases(store, [READY, NOT_ELIGIBLE, READY.parent / "cigna-spravato-ready.yaml"], today=DAY)
    q.set_fields(store, 3, priority="urgent")
    q.set_fields(store, 1, assignee="maria")
    assert [r["id"] for r in q.list_requests(store)] == [3, 1, 2]
    assert [r["id"] for r in q.list_requests(store, status=["draft"])] == [2]
    assert [r["id"] for r in q.list_requests(store, treatment="spravato")] == [3]
    assert [r["id"] for r in q.list_requests(store, assignee="maria")] == [1]
    assert [r["id"] for r in q.list_requests(store, payer="medicare")] == []
    with pytest.raises(PriorAuthError, match="unknown status 'sent'"):
        list(q.list_requests(store, status=["sent"]))
