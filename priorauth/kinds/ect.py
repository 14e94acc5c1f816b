"""``ect``: electroconvulsive therapy has one of the listed statuses."""

from __future__ import annotations

from typing import Literal

from priorauth.case import Case
from priorauth.kinds.base import Context, Finding, Kind, RuleSetView, _Criterion, join_words
from priorauth.vocabulary import ECT_WORDS


class EctCriterion(_Criterion):
    kind: Literal["ect"]
    statuses: list[Literal["not_tried", "declined", "contraindicated", "failed", "responded", "current"]]


def evaluate(c: EctCriterion, case: Case, ctx: Context) -> Finding:
    wanted = " or ".join(s.replace("_", " ") for s in c.statuses)
    if case.ect is None:
        return Finding("unknown", "ECT history is not documented", [], f"Document ect.status (the policy looks for: {wanted})")
    ok = case.ect.status in c.statuses
    return Finding("met" if ok else "not_met", f"ECT status is {case.ect.status.replace('_', ' ')}; the policy looks for {wanted}", ["ect.status"], f"The policy requires ECT {wanted}")


def describe(c: EctCriterion, rule_set: RuleSetView | None) -> str:
    return "ECT " + join_words([ECT_WORDS[s] for s in c.statuses])


def fields_read(c: EctCriterion) -> list[str]:
    return ["ect.status"]


KIND = Kind(EctCriterion, evaluate, describe, fields_read, label="ECT", topic="ect")
