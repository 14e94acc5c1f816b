"""``rems``: the Spravato REMS: a certified setting and, if asked, an enrolled patient."""

from __future__ import annotations

from typing import Literal

from priorauth.case import Case
from priorauth.kinds.base import Context, Finding, Kind, RuleSetView, _Criterion, join_words
from priorauth.vocabulary import cap


class RemsCriterion(_Criterion):
    kind: Literal["rems"]
    setting_certified: bool = True
    patient_enrolled: bool = False


def evaluate(c: RemsCriterion, case: Case, ctx: Context) -> Finding:
    rems = case.rems
    parts: list[tuple[str, bool | None, str]] = []
    if c.setting_certified:
        parts.append(("rems.setting_certified", rems.setting_certified if rems else None, "treatment setting certified under the Spravato REMS"))
    if c.patient_enrolled:
        parts.append(("rems.patient_enrolled", rems.patient_enrolled if rems else None, "patient enrolled in the Spravato REMS"))
    no = [p for p in parts if p[1] is False]
    unknown = [p for p in parts if p[1] is None]
    if no:
        return Finding("not_met", "Not " + " and not ".join(p[2] for p in no), [p[0] for p in no], "Spravato may only be given in a REMS-certified setting to an enrolled patient: complete the REMS certification/enrollment")
    if unknown:
        return Finding("unknown", ", ".join(p[0] for p in unknown) + " not documented", [], "Document " + " and ".join(p[0] for p in unknown))
    return Finding("met", "; ".join(cap(p[2]) for p in parts), [p[0] for p in parts])


def describe(c: RemsCriterion, rule_set: RuleSetView | None) -> str:
    parts = []
    if c.setting_certified:
        parts.append("the treating healthcare setting is certified under the Spravato REMS")
    if c.patient_enrolled:
        parts.append("the patient is enrolled in the Spravato REMS")
    return join_words(parts, "and") if parts else "Spravato REMS (nothing is checked: both parts are switched off)"


def fields_read(c: RemsCriterion) -> list[str]:
    return (["rems.setting_certified"] if c.setting_certified else []) + (["rems.patient_enrolled"] if c.patient_enrolled else [])


KIND = Kind(RemsCriterion, evaluate, describe, fields_read, label="Spravato REMS", topic="rems")
