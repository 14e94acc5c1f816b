"""A continuation / reauthorization: the authorization being continued and the response to it.

:class:`Authorization` is the payer's approval of the course so far (typed by the user, or
recorded in the work queue); :func:`continuation_facts` is the ``continuation`` variable
of the continuation template: the authorization number, units approved and used, the
course dates, the baseline and current scores with the percentage improvement, and the
plan. Scores come from the case's assessments: the baseline is the last score before the
course started, the current one the latest, on the same scale.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from priorauth.case import Assessment, Case
from priorauth.vocabulary import TREATMENTS, fmt_num

PLANS = ("extension", "taper", "maintenance")


@dataclass(frozen=True)
class Authorization:
    """The approval being continued, as the payer's approval letter gives it."""

    number: str | None = None
    units_approved: int | None = None
    units_used: int | None = None
    valid_from: dt.date | None = None
    valid_to: dt.date | None = None
    plan: str = "extension"  # one of PLANS


def long_date(day: dt.date | None) -> str:
    return f"{day:%B} {day.day}, {day.year}" if day else "not documented"


def _score(a: Assessment | None) -> dict[str, str] | None:
    return {"instrument": a.instrument, "score": fmt_num(a.score), "date": long_date(a.date), "iso_date": a.date.isoformat()} if a else None


def continuation_facts(auth: Authorization | None, case: Case, treatment: str) -> dict[str, Any]:
    """The ``continuation`` template variable."""
    auth = auth or Authorization()
    courses = sorted((c for c in case.courses if c.treatment == treatment and c.start), key=lambda c: c.start or dt.date.min)
    course = courses[-1] if courses else None
    start = course.start if course else auth.valid_from
    end = course.end if course else None
    scales = sorted(case.scales, key=lambda a: a.date)
    # current: the latest score, preferring (on the same day) a scale also scored before the course
    before = {a.instrument: a for a in scales if start is not None and a.date < start}
    current = max(scales, key=lambda a: (a.date, a.instrument in before), default=None)
    baseline = before.get(current.instrument) if current is not None else None
    improvement = None
    if baseline is not None and current is not None and baseline.score:
        improvement = f"{(baseline.score - current.score) / baseline.score * 100:.0f}%"
    left = auth.units_approved - auth.units_used if auth.units_approved is not None and auth.units_used is not None else None
    name = TREATMENTS[treatment].full
    sessions = case.request.sessions
    devices = case.request.devices
    amount = f"{sessions} sessions" if sessions else f"{devices} devices" if devices else None
    plan_text = {
        "extension": f"Extend the course{f' by {amount}' if amount else ''} to complete the response.",
        "taper": f"Taper {name}{f' over {amount}' if amount else ''}, spacing the treatments out to hold the response.",
        "maintenance": f"Maintenance {name}{f': {amount}' if amount else ''}, to prevent relapse.",
    }[auth.plan]
    earlier = []
    for c in case.courses:
        if c is course:
            continue
        text = f"{TREATMENTS[c.treatment].full}" + (f", {long_date(c.start)} to {long_date(c.end)}" if c.start else "")
        if c.sessions is not None:
            text += f", {c.sessions} sessions"
        if c.instrument and c.baseline_score is not None and c.final_score is not None:
            text += f": {c.instrument} {fmt_num(c.baseline_score)} before and {fmt_num(c.final_score)} after"
            if c.baseline_score:
                text += f", a {(c.baseline_score - c.final_score) / c.baseline_score * 100:.0f}% improvement"
        if c.relapse_date:
            text += f"; relapse on {long_date(c.relapse_date)}"
        earlier.append(text)
    return {
        "earlier": earlier,
        "auth_number": auth.number,
        "units_approved": str(auth.units_approved) if auth.units_approved is not None else None,
        "units_used": str(auth.units_used) if auth.units_used is not None else None,
        "units_left": str(left) if left is not None else None,
        "valid_from": long_date(auth.valid_from) if auth.valid_from else None,
        "valid_to": long_date(auth.valid_to) if auth.valid_to else None,
        "course_start": long_date(start) if start else None,
        "course_end": long_date(end) if end else None,  # None with a start: still going
        "course_sessions": str(course.sessions) if course and course.sessions is not None else None,
        "baseline": _score(baseline),
        "current": _score(current),
        "improvement": improvement,
        "plan": auth.plan,
        "plan_text": plan_text,
    }
