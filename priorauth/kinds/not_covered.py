"""``not_covered``: the payer covers the treatment for no one; every request fails it.

A rule set for a payer whose policy says the treatment is not medically necessary (or
investigational) has this one criterion, so the report says so plainly and points to
the only ways forward the source leaves: an exception request or an appeal.
"""

from __future__ import annotations

from typing import Literal

from priorauth.case import Case
from priorauth.kinds.base import Context, Finding, Kind, RuleSetView, _Criterion

_STEP = "The policy covers this treatment for no one: ask the payer for a coverage exception, or appeal a denial with the letter of medical necessity"


class NotCoveredCriterion(_Criterion):
    kind: Literal["not_covered"]
    reason: str  # the policy's own words for why ("not medically necessary for TRD or MDSI")


def evaluate(c: NotCoveredCriterion, case: Case, ctx: Context) -> Finding:
    return Finding("not_met", f"Not covered by this policy: {c.reason}", [], _STEP)


def describe(c: NotCoveredCriterion, rule_set: RuleSetView | None) -> str:
    return f"The treatment is not covered: {c.reason}. Every request fails this; only an exception request or an appeal remains"


def fields_read(c: NotCoveredCriterion) -> list[str]:
    return ["request.treatment"]


KIND = Kind(NotCoveredCriterion, evaluate, describe, fields_read, label="Covered by the policy", topic="other")
