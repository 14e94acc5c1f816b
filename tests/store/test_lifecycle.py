"""The lifecycle's rules, without a database: allowed moves, refusals, next actions."""

from __future__ import annotations

import datetime as dt

import pytest

from priorauth.store import lifecycle
from priorauth.store.lifecycle import Facts, TransitionError, move, next_action

DAY = dt.date(2026, 11, 18)


@pytest.mark.parametrize(
    ("status", "event", "after"),
    [
        ("ready", "submit", "submitted"),
        ("pended", "submit", "submitted"),
        ("draft", "submit_anyway", "submitted"),
        ("denied", "appeal", "appeal"),
        ("submitted", "approve", "approved"),
        ("appeal", "approve_partly", "partial"),
        ("pended", "deny", "denied"),
        ("submitted", "pend", "pended"),
        ("approved", "exhaust", "exhausted"),
        ("partial", "expire", "expired"),
        ("denied", "withdraw", "withdrawn"),
    ],
)
def test_allowed_moves(status: str, event: str, after: str) -> None:
    assert move(7, status, event) == after


def test_every_state_is_reachable_and_closed_states_have_no_way_out() -> None:
    targets = {target for _, target in lifecycle.TRANSITIONS.values() if target}
    assert targets | {"draft", "ready"} == set(lifecycle.STATUSES)
    for closed in lifecycle.CLOSED:
        assert lifecycle.allowed_events(closed) == []


def test_refused_move_names_the_state_and_what_is_possible() -> None:
    with pytest.raises(TransitionError) as err:
        move(7, "approved", "submit")
    assert err.value.render() == "error: request 7 is approved: to submit it must be ready or pended\n  hint: from approved you can: withdraw it"
    with pytest.raises(TransitionError) as err:
        move(3, "expired", "approve")
    assert err.value.message == "request 3 is expired: to record an approval it must be submitted, pended or in appeal"
    assert err.value.hint == "it is closed; add the case again for a new request"


def test_next_actions_are_derived_from_state_and_dates() -> None:
    assert next_action(Facts("ready", DAY), DAY) == ("submit to the payer", DAY)
    submitted = Facts("submitted", DAY, submitted_on=DAY, last_contact=DAY + dt.timedelta(days=4))
    assert next_action(submitted, DAY) == ("confirm receipt and check status with the payer", DAY + dt.timedelta(days=7))
    assert next_action(Facts("pended", DAY, info_due=dt.date(2026, 12, 1)), DAY) == ("send the information the payer asked for", dt.date(2026, 12, 1))
    denied = Facts("denied", DAY, appeal_deadline=dt.date(2027, 1, 17), appeal_level=1)
    assert next_action(denied, DAY) == ("appeal the denial (level 2) or withdraw", dt.date(2027, 1, 17))
    approved = Facts("approved", DAY, valid_to=dt.date(2027, 3, 1), units_approved=36, units_used=10)
    assert next_action(approved, DAY) == ("give treatment; request a continuation before the approval ends", dt.date(2027, 2, 15))
    low = Facts("approved", DAY, valid_to=dt.date(2027, 3, 1), units_approved=36, units_used=35)
    assert next_action(low, DAY) == ("request a continuation (1 unit left)", DAY)
    assert next_action(Facts("withdrawn", DAY), DAY) == (None, None)
