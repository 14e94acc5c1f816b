"""The life of a request, in one place: its states, the allowed moves, and what is due next.

Pure Python (no database): the store calls :func:`move` before it writes anything, so a
refused move changes nothing. The next action and its due date are derived from the
state and the dates (:func:`next_action`), never typed by a person.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from priorauth.errors import PriorAuthError

# status -> words for people
STATUSES: dict[str, str] = {
    "draft": "draft (the case has gaps)",
    "ready": "ready to submit",
    "submitted": "submitted, waiting for the payer",
    "pended": "pended: the payer asked for information",
    "approved": "approved",
    "partial": "partially approved",
    "denied": "denied",
    "appeal": "in appeal",
    "expired": "expired",
    "exhausted": "exhausted (every approved unit used)",
    "withdrawn": "withdrawn",
}
ACTIVE_APPROVAL = ("approved", "partial")
CLOSED = ("expired", "exhausted", "withdrawn")

# event -> (states it may start from, state it leads to; None: decided by the event)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "check": (("draft", "ready"), None),  # a new case version re-checked: draft or ready
    "submit": (("ready", "pended"), "submitted"),
    "submit_anyway": (("draft",), "submitted"),  # --anyway: sent with known gaps
    "appeal": (("denied",), "appeal"),
    "approve": (("submitted", "pended", "appeal"), "approved"),
    "approve_partly": (("submitted", "pended", "appeal"), "partial"),
    "deny": (("submitted", "pended", "appeal"), "denied"),
    "pend": (("submitted", "appeal"), "pended"),
    "use": (ACTIVE_APPROVAL, None),  # stays, or exhausted when no unit is left
    "exhaust": (ACTIVE_APPROVAL, "exhausted"),
    "expire": (ACTIVE_APPROVAL, "expired"),
    "withdraw": (("draft", "ready", "submitted", "pended", "denied", "appeal", "approved", "partial"), "withdrawn"),
}

# Defaults when the payer's letter gives no date (documented in docs/queue.md).
APPEAL_DAYS = 60  # many commercial plans allow 180 days; Medicare's first level 60
INFO_DAYS = 14  # information requested: due in two weeks unless the payer says otherwise
STATUS_CHECK_DAYS = 3  # after a submission or a contact: call the payer again
CONTINUATION_DAYS = 14  # ask for a continuation two weeks before the approval ends
UNITS_LOW = 5  # ... or when five units or fewer are left


class TransitionError(PriorAuthError):
    """A move the lifecycle does not allow; nothing was changed."""


def allowed_events(status: str) -> list[str]:
    return [event for event, (sources, _) in TRANSITIONS.items() if status in sources]


_EVENT_WORDS = {
    "check": "re-check the case",
    "submit": "submit",
    "submit_anyway": "submit with gaps",
    "appeal": "submit an appeal",
    "approve": "record an approval",
    "approve_partly": "record a partial approval",
    "deny": "record a denial",
    "pend": "record a request for information",
    "use": "record units used",
    "exhaust": "mark it exhausted",
    "expire": "mark it expired",
    "withdraw": "withdraw it",
}


def move(request_id: int, status: str, event: str, to: str | None = None) -> str:
    """The state after ``event``, or :class:`TransitionError` naming what is possible instead."""
    sources, target = TRANSITIONS[event]
    if status not in sources:
        could = [_EVENT_WORDS[e] for e in allowed_events(status) if e not in ("check", "use", "exhaust", "expire")]
        names = [_label(s) for s in sources]
        where = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        hint = f"from {_label(status)} you can: {', '.join(could)}" if could else "it is closed; add the case again for a new request"
        raise TransitionError(f"request {request_id} is {_label(status)}: to {_EVENT_WORDS[event]} it must be {where}", hint)
    result = to or target
    assert result is not None
    return result


def _label(status: str) -> str:
    return {"partial": "partially approved", "pended": "pended", "appeal": "in appeal"}.get(status, status)


@dataclass(frozen=True)
class Facts:
    """What the next action depends on; read from the request and its latest decision."""

    status: str
    created_on: dt.date
    submitted_on: dt.date | None = None
    last_contact: dt.date | None = None  # the latest note or submission
    info_due: dt.date | None = None
    appeal_deadline: dt.date | None = None
    appeal_level: int = 0
    valid_to: dt.date | None = None
    units_approved: int | None = None
    units_used: int = 0


def next_action(f: Facts, today: dt.date) -> tuple[str | None, dt.date | None]:
    """(what to do next, by when) for a request; (None, None) once it is closed."""
    s = f.status
    if s == "draft":
        return "complete the case (see its gaps), then add it again", f.created_on
    if s == "ready":
        return "submit to the payer", f.created_on
    if s in ("submitted", "appeal"):
        since = max((d for d in (f.submitted_on, f.last_contact) if d is not None), default=f.created_on)
        what = "check the appeal's status with the payer" if s == "appeal" else "confirm receipt and check status with the payer"
        return what, since + dt.timedelta(days=STATUS_CHECK_DAYS)
    if s == "pended":
        return "send the information the payer asked for", f.info_due
    if s == "denied":
        return f"appeal the denial (level {f.appeal_level + 1}) or withdraw", f.appeal_deadline
    if s in ACTIVE_APPROVAL:
        due = f.valid_to - dt.timedelta(days=CONTINUATION_DAYS) if f.valid_to else None
        if f.units_approved is not None:
            left = f.units_approved - f.units_used
            if left <= UNITS_LOW:
                return f"request a continuation ({left} unit{'s' if left != 1 else ''} left)", min(due, today) if due else today
        return "give treatment; request a continuation before the approval ends", due
    return None, None


def task_for(status: str, f: Facts) -> tuple[str, dt.date | None] | None:
    """The task a state opens (kind, due): the appeal, the information, the continuation."""
    if status == "denied":
        return "appeal", f.appeal_deadline
    if status == "pended":
        return "information", f.info_due
    if status in ACTIVE_APPROVAL:
        return "continuation", f.valid_to - dt.timedelta(days=CONTINUATION_DAYS) if f.valid_to else None
    if status == "ready":
        return "submit", f.created_on
    return None
