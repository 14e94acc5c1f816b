"""``pdmp``: the state prescription drug monitoring program has been reviewed."""

from __future__ import annotations

from typing import Literal

from priorauth.case import Case
from priorauth.kinds.base import Context, Finding, Kind, RuleSetView, _Criterion


class PdmpCriterion(_Criterion):
    kind: Literal["pdmp"]


def evaluate(c: PdmpCriterion, case: Case, ctx: Context) -> Finding:
    pointer = "clinical.pdmp_checked"
    value = case.flags.pdmp_checked
    if value is True:
        return Finding("met", "PDMP reviewed", [pointer])
    if value is False:
        return Finding("not_met", "The PDMP has not been reviewed", [pointer], "Review the state PDMP before the request and attach the report")
    return Finding("unknown", f"{pointer} is not documented", [], "Review the state PDMP and record clinical.pdmp_checked")


def describe(c: PdmpCriterion, rule_set: RuleSetView | None) -> str:
    return "The state prescription drug monitoring program (PDMP) has been reviewed (clinical.pdmp_checked: true)"


def fields_read(c: PdmpCriterion) -> list[str]:
    return ["clinical.pdmp_checked"]


KIND = Kind(PdmpCriterion, evaluate, describe, fields_read, label="PDMP reviewed", topic="prescriber")
