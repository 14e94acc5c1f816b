"""What the queue recorded for a request that its letters need: the denial an appeal
answers, and the approval a continuation continues."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from priorauth.store.database import Store, StoreError
from priorauth.store.models import Decision, Request


@dataclass(frozen=True)
class RecordedDenial:
    reference: str | None
    date: dt.date
    reason: str | None
    level: int  # the appeal level the denial answered: 0 the initial request, 1 a first appeal, ...


@dataclass(frozen=True)
class RecordedApproval:
    auth_number: str | None
    units_approved: int | None
    units_used: int
    valid_from: dt.date | None
    valid_to: dt.date | None


def _request(s: Session, request_id: int) -> Request:
    r = s.get(Request, request_id)
    if r is None:
        raise StoreError(f"there is no request {request_id}", "see `priorauth queue list --all` for the requests")
    return r


def latest_denial(store: Store, request_id: int) -> RecordedDenial | None:
    """The request's newest denial, or None when the queue recorded none."""
    with store.reading() as s:
        _request(s, request_id)
        d = s.scalars(select(Decision).where(Decision.request_id == request_id, Decision.outcome == "denied").order_by(Decision.decided_on.desc(), Decision.id.desc()).limit(1)).first()
        return RecordedDenial(d.reference, d.decided_on, d.denial_reason, d.appeal_level) if d else None


def approval(store: Store, request_id: int) -> RecordedApproval | None:
    """The approval the request continues: its own when it has one, else the newest approval
    of an earlier request of the same patient and rule set; None when there is none."""
    with store.reading() as s:
        r = _request(s, request_id)
        if r.auth_number is not None or r.units_approved is not None or r.valid_to is not None:
            return RecordedApproval(r.auth_number, r.units_approved, r.units_used, r.valid_from, r.valid_to)
        prior = s.scalars(
            select(Request)
            .where(Request.patient_id == r.patient_id, Request.rule_set == r.rule_set, Request.id != r.id, Request.valid_to.is_not(None))
            .order_by(Request.valid_to.desc(), Request.id.desc())
            .limit(1)
        ).first()
        return RecordedApproval(prior.auth_number, prior.units_approved, prior.units_used, prior.valid_from, prior.valid_to) if prior else None
