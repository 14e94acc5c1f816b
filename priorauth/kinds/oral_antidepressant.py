"""``oral_antidepressant``: an oral antidepressant continues alongside Spravato."""

from __future__ import annotations

from typing import Literal

from priorauth import catalog
from priorauth.case import Case
from priorauth.kinds._trials import trial_days
from priorauth.kinds.base import Context, Finding, Kind, RuleSetView, Weeks, _Criterion, duration, join_steps, min_days, ptr, weeks_phrase

FAILED = ("inadequate_response", "partial_response", "intolerance", "contraindicated")


class OralAntidepressantCriterion(_Criterion):
    kind: Literal["oral_antidepressant"]
    min_weeks_stable: Weeks | None = None  # qualchoice: 2
    not_a_failed_drug: bool = False


def evaluate(c: OralAntidepressantCriterion, case: Case, ctx: Context) -> Finding:
    flag = case.flags.oral_antidepressant_continuing
    failed_drugs = set()
    for med in case.meds:
        drug = catalog.lookup_drug(med.drug)
        if med.outcome in FAILED:
            failed_drugs.add(drug.generic if drug else med.drug.lower())
    current: list[tuple[int, str]] = []  # (index, generic name)
    blocked: list[str] = []  # documented antidepressants that do not qualify
    unclear: list[str] = []  # ones that might, but a fact is missing
    unclear_fixes: list[str] = []
    stable_days = min_days(c.min_weeks_stable, None)
    stable_text = weeks_phrase(stable_days)[3:] if stable_days else ""
    for i, med in enumerate(case.meds):
        drug = catalog.lookup_drug(med.drug)
        if drug is None or drug.role != "antidepressant" or med.end is not None or med.outcome in ("intolerance", "contraindicated"):
            continue
        pointer = ptr("medications", i)
        if c.not_a_failed_drug and drug.generic in failed_drugs:
            blocked.append(f"{pointer} {drug.generic} is one of the failed drugs")
            continue
        days = trial_days(med.start, None, ctx.today)
        if stable_days and days is None:
            unclear.append(f"{pointer} {drug.generic}: start date not documented")
            unclear_fixes.append(f"Add the start date of {pointer}")
            continue
        if stable_days and days is not None and days < stable_days:
            blocked.append(f"{pointer} {drug.generic}: taken {days} days, not yet stable for {stable_text}")
            continue
        current.append((i, drug.generic))
    need = "an oral antidepressant continuing alongside Spravato" + (f", stable for {stable_text}" if stable_days else "") + (", not one of the failed drugs" if c.not_a_failed_drug else "")
    if flag is False:
        return Finding("not_met", "No oral antidepressant continues alongside Spravato (clinical.oral_antidepressant_continuing: false)", ["clinical.oral_antidepressant_continuing"], f"The policy requires {need}")
    if current:
        names = ", ".join(name for _, name in current)
        return Finding("met", f"Oral antidepressant continuing: {names}", [ptr("medications", i) for i, _ in current], explanations=blocked + unclear)
    if flag is True and not (stable_days or c.not_a_failed_drug):
        return Finding("met", "An oral antidepressant continues alongside Spravato", ["clinical.oral_antidepressant_continuing"])
    if unclear:
        return Finding("unknown", f"The policy requires {need}; " + "; ".join(unclear), [], join_steps(unclear_fixes), blocked + unclear)
    if blocked:
        return Finding("not_met", f"The policy requires {need}; " + "; ".join(blocked), [], f"The policy requires {need}", blocked)
    return Finding("unknown", f"The policy requires {need}; none is documented in medications", [], "List the current oral antidepressant in medications (no end date) and set clinical.oral_antidepressant_continuing")


def describe(c: OralAntidepressantCriterion, rule_set: RuleSetView | None) -> str:
    text = "An oral antidepressant continues alongside Spravato"
    if c.min_weeks_stable is not None:
        text += f", taken for at least {duration(c.min_weeks_stable, None)}"
    if c.not_a_failed_drug:
        text += ", and it is not one of the failed drugs"
    return text


def fields_read(c: OralAntidepressantCriterion) -> list[str]:
    return ["clinical.oral_antidepressant_continuing", "medications[].drug", "medications[].start", "medications[].end", "medications[].outcome"]


KIND = Kind(OralAntidepressantCriterion, evaluate, describe, fields_read, label="Oral antidepressant alongside Spravato", topic="concurrent_treatment")
