"""``augmentation``: failed augmentation trials (``role: augmentation`` in medications)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from priorauth import catalog
from priorauth.case import Case
from priorauth.kinds._trials import TrialRule, TrialVerdict, best_per_drug, dates_fix, judge_medication
from priorauth.kinds.base import (
    INITIAL_ONLY,
    Context,
    Days,
    DoseRule,
    DrugClass,
    Finding,
    Kind,
    RuleSetView,
    TrialOutcomeName,
    Weeks,
    Years,
    _Criterion,
    duration,
    join_steps,
    join_words,
    min_days,
    plural,
    weeks_phrase,
)
from priorauth.kinds.failed_trials import DEFAULT_OUTCOMES, TRIAL_FIELDS, count_outcome, gaps, outcomes_text, rule_set_trial_days
from priorauth.vocabulary import DOSE_PHRASES


class AugmentationCriterion(_Criterion):
    """Failed augmentation trials (``role: augmentation``)."""

    kind: Literal["augmentation"]
    count: Annotated[int, Field(ge=1, le=10)] = 1
    min_weeks: Weeks | None = None  # None: the rule set's failed_trials minimum (program default)
    min_days: Days | None = None
    distinct_strategies: bool = False  # qualchoice: 2 augmentation strategies = 2 different classes
    agents: list[DrugClass] | None = None  # limit to these agent classes
    outcomes: list[TrialOutcomeName] = Field(default_factory=lambda: list(DEFAULT_OUTCOMES))
    current_episode: bool = False
    within_years: Years | None = None
    dose: DoseRule = "minimum"


def _added_to_another_class(case: Case, v: TrialVerdict, ctx: Context) -> TrialVerdict:
    """An antidepressant added as augmentation counts when it differs in class from a base drug taken at the same time."""
    if v.drug is None or v.drug.role != "antidepressant" or v.counts is False:
        return v
    med = case.meds[v.index]
    if med.start is None:
        v.counts, v.reasons, v.fixes = None, ["start date not documented, so the base antidepressant is unknown"], [dates_fix(v.pointer, med.end)]
        return v
    different = False
    for j, other in enumerate(case.meds):
        if j == v.index or other.role != "monotherapy" or other.start is None:
            continue
        base = catalog.lookup_drug(other.drug)
        if base is None or base.role != "antidepressant":
            continue
        if other.start <= (med.end or ctx.today) and med.start <= (other.end or ctx.today) and base.drug_class != v.drug.drug_class:
            different = True
    if not different:
        v.counts, v.reasons = False, ["not added to an antidepressant of a different class"]
    return v


def evaluate(c: AugmentationCriterion, case: Case, ctx: Context) -> Finding:
    days = min_days(c.min_weeks, c.min_days) or rule_set_trial_days(ctx.rule_set)
    rule = TrialRule(
        outcomes=tuple(c.outcomes),
        min_days=days,
        dose=c.dose,
        outcome_overrides={},
        classes=tuple(c.agents) if c.agents else None,
        current_episode=c.current_episode,
        within_years=c.within_years,
        want_role="augmentation",
        agents="antidepressants+augmenting",
    )
    verdicts = [_added_to_another_class(case, judge_medication(case, i, med, rule, ctx.today), ctx) for i, med in enumerate(case.meds) if med.role == "augmentation"]
    counted = best_per_drug(verdicts)
    status, yes, _ = count_outcome(counted, c.count, c.count if c.distinct_strategies else None, None)
    what = f"failed augmentation {plural(c.count, 'trial')}" + (" of different strategies" if c.distinct_strategies and c.count > 1 else "")
    quals = [weeks_phrase(days)]
    if c.current_episode:
        quals.append("in the current episode")
    if c.within_years:
        quals.append(f"within {c.within_years} years")
    msg = f"{len(yes)} of {c.count} required {what} ({', '.join(q for q in quals if q)})"
    if not verdicts:
        msg += "; no trial in medications has role: augmentation"
    step = None
    if status == "unknown":
        step = join_steps([f for v in counted if v.counts is None for f in v.fixes])
    elif status == "not_met":
        step = f"Document {c.count - len(yes)} more failed augmentation {plural(c.count - len(yes), 'trial')} (an antipsychotic, lithium, liothyronine, buspirone, or a second antidepressant of another class, {weeks_phrase(days)}), with role: augmentation"
    return Finding(status, msg, [v.pointer for v in yes], step, [v.explain() for v in verdicts], gaps(verdicts))


def describe(c: AugmentationCriterion, rule_set: RuleSetView | None) -> str:
    text = f"At least {c.count} failed augmentation {'trial' if c.count == 1 else 'trials'}"
    if c.distinct_strategies and c.count > 1:
        text += " of different strategies (different agent classes)"
    agents = join_words([catalog.CLASS_LABELS.get(k, k) for k in c.agents]) if c.agents else "an antipsychotic, lithium, liothyronine, buspirone or an antidepressant of another class"
    text += f" ({agents} added to an antidepressant)"
    length = duration(c.min_weeks, c.min_days)
    each = "each " if c.count > 1 else ""
    if length:
        text += f", {each}at least {length} {DOSE_PHRASES[c.dose]}"
    else:
        days = rule_set_trial_days(rule_set)
        same = "program default 6 weeks" if rule_set is None else (duration(days / 7, None) if days % 7 == 0 else duration(None, days))
        text += f", {each}at least as long as the policy's antidepressant trials ({same}) {DOSE_PHRASES[c.dose]}"
    if c.current_episode:
        text += ", in the current episode"
    if c.within_years is not None:
        text += f", within the past {c.within_years} years"
    return text + ". " + outcomes_text(list(c.outcomes))


def fields_read(c: AugmentationCriterion) -> list[str]:
    return list(TRIAL_FIELDS) + (["episode.current_start"] if c.current_episode else [])


KIND = Kind(AugmentationCriterion, evaluate, describe, fields_read, label="Augmentation trial", topic="augmentation", applies_to=INITIAL_ONLY)
