"""``failed_trials``: failed antidepressant (or augmentation) trials: count, classes, weeks, dose."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator

from priorauth import catalog
from priorauth.case import Case
from priorauth.kinds._trials import TrialRule, TrialVerdict, best_per_drug, judge_medication
from priorauth.kinds.base import (
    INITIAL_ONLY,
    PROGRAM_DEFAULT_TRIAL_DAYS,
    Context,
    Days,
    DoseRule,
    DrugClass,
    Finding,
    Kind,
    Pct,
    RuleSetView,
    TrialOutcomeName,
    Weeks,
    Years,
    _Criterion,
    _Strict,
    duration,
    join_steps,
    join_words,
    min_days,
    plural,
    walk,
    weeks_phrase,
)
from priorauth.report import Status
from priorauth.vocabulary import DOSE_PHRASES, OUTCOME_WORDS, fmt_num

DEFAULT_OUTCOMES: list[TrialOutcomeName] = ["inadequate_response", "partial_response", "intolerance"]


class OutcomeRule(_Strict):
    min_weeks: Weeks | None = None
    min_days: Days | None = None
    dose: DoseRule | None = None


class FailedTrialsCriterion(_Criterion):
    """Failed antidepressant (or augmentation) trials: count, classes, weeks, dose."""

    kind: Literal["failed_trials"]
    count: Annotated[int, Field(ge=1, le=10)]
    distinct_classes: Annotated[int, Field(ge=1, le=10)] | None = None
    distinct_drugs: bool = True  # two trials of the same drug count once
    min_weeks: Weeks | None = 6  # program default: 6 weeks
    min_days: Days | None = None  # instead of min_weeks, for "more than 4 weeks" (29 days)
    dose: DoseRule = "minimum"  # minimum: >= min adequate dose; maximum: >= top of the usual range
    outcomes: list[TrialOutcomeName] = Field(default_factory=lambda: list(DEFAULT_OUTCOMES))
    # per-outcome overrides, e.g. highmark: partial_response only after 8 weeks at the maximum dose
    outcome_rules: dict[TrialOutcomeName, OutcomeRule] = Field(default_factory=dict)
    max_improvement_pct: Pct | None = None  # "<= 25% improvement" policies
    min_adherence_pct: Pct | None = None  # triple-s: 80
    classes: list[DrugClass] | None = None  # only trials of these classes count
    current_episode: bool = False
    within_years: Years | None = None  # the trial's last day is within N years of request.date
    min_in_current_episode: Annotated[int, Field(ge=1, le=10)] | None = None  # highmark: >= 1 of them
    role: Literal["monotherapy", "augmentation", "any"] = "any"
    # independence: a failed trial of an FDA-approved adjunct is a failed trial whose class counts
    augmenting_agents_count: Literal["none", "fda_adjunct", "all"] = "none"

    @model_validator(mode="after")
    def _duration(self) -> FailedTrialsCriterion:
        if self.min_days is not None:
            object.__setattr__(self, "min_weeks", None)
        if self.distinct_classes is not None and self.distinct_classes > self.count:
            raise ValueError("distinct_classes cannot exceed count")
        return self


def rule_set_trial_days(rule_set: RuleSetView | None) -> int:
    """The rule set's failed-trial minimum in days: its first failed_trials criterion's, else 6 weeks.

    An augmentation criterion without its own minimum borrows it.
    """
    for c in walk(rule_set.criteria if rule_set is not None else ()):
        if isinstance(c, FailedTrialsCriterion):
            return min_days(c.min_weeks, c.min_days) or PROGRAM_DEFAULT_TRIAL_DAYS
    return PROGRAM_DEFAULT_TRIAL_DAYS


# ---- evaluation -----------------------------------------------------------------------------------


def _trial_rule(c: FailedTrialsCriterion) -> TrialRule:
    agents = {"none": "antidepressants", "fda_adjunct": "antidepressants+fda_adjunct", "all": "antidepressants+augmenting"}[c.augmenting_agents_count]
    overrides: dict[str, tuple[int | None, str | None]] = {o: (min_days(r.min_weeks, r.min_days), r.dose) for o, r in c.outcome_rules.items()}
    return TrialRule(
        outcomes=tuple(c.outcomes),
        min_days=min_days(c.min_weeks, c.min_days),
        dose=c.dose,
        outcome_overrides=overrides,
        max_improvement_pct=c.max_improvement_pct,
        min_adherence_pct=c.min_adherence_pct,
        classes=tuple(c.classes) if c.classes else None,
        current_episode=c.current_episode,
        within_years=c.within_years,
        want_role=c.role,
        agents=agents,
    )


def _trial_qualifiers(c: FailedTrialsCriterion) -> str:
    """'>= 4 weeks at a therapeutic dose, in the current episode'."""
    quals = []
    weeks = weeks_phrase(min_days(c.min_weeks, c.min_days))
    quals.append(f"{weeks} {DOSE_PHRASES[c.dose]}" if weeks else DOSE_PHRASES[c.dose])
    if c.max_improvement_pct is not None:
        quals.append(f"<= {fmt_num(c.max_improvement_pct)}% improvement")
    if c.min_adherence_pct is not None:
        quals.append(f">= {fmt_num(c.min_adherence_pct)}% adherence")
    if c.current_episode:
        quals.append("in the current episode")
    if c.within_years:
        quals.append(f"within {c.within_years} years")
    return ", ".join(quals)


def _requirement(c: FailedTrialsCriterion) -> str:
    """'failed antidepressant trials from 2 classes (>= 4 weeks at a therapeutic dose) in the current episode'."""
    text = "failed antidepressant " + plural(c.count, "trial")
    if c.distinct_classes and c.distinct_classes > 1:
        text += f" from {c.distinct_classes} classes"
    quals = []
    weeks = weeks_phrase(min_days(c.min_weeks, c.min_days))
    if weeks:
        quals.append(f"{weeks} {DOSE_PHRASES[c.dose]}")
    elif c.dose != "none":
        quals.append(DOSE_PHRASES[c.dose])
    if c.max_improvement_pct is not None:
        quals.append(f"<= {fmt_num(c.max_improvement_pct)}% improvement")
    if c.min_adherence_pct is not None:
        quals.append(f">= {fmt_num(c.min_adherence_pct)}% adherence")
    if quals:
        text += " (" + ", ".join(quals) + ")"
    if c.current_episode:
        text += " in the current episode"
    if c.within_years:
        text += f" within {c.within_years} years"
    return text


def count_outcome(verdicts: list[TrialVerdict], need: int, need_classes: int | None, need_in_episode: int | None) -> tuple[Status, list[TrialVerdict], set[str]]:
    """Met when enough trials count; not met when even the undecided ones could not make it up."""
    yes = [v for v in verdicts if v.counts is True]
    maybe = [v for v in verdicts if v.counts is None]
    classes = {v.drug_class for v in yes if v.drug_class}
    possible_classes = len(classes | {v.drug_class for v in maybe if v.drug_class}) + sum(1 for v in maybe if v.drug_class is None)
    in_episode_yes = sum(1 for v in yes if v.in_current_episode is True)
    in_episode_possible = sum(1 for v in yes + maybe if v.in_current_episode is not False)
    ok = len(yes) >= need and (not need_classes or len(classes) >= need_classes) and (not need_in_episode or in_episode_yes >= need_in_episode)
    impossible = (
        len(yes) + len(maybe) < need
        or (need_classes is not None and possible_classes < need_classes)
        or (need_in_episode is not None and in_episode_possible < need_in_episode)
    )
    status: Status = "met" if ok else ("not_met" if impossible else "unknown")
    return status, yes, classes


def gaps(verdicts: list[TrialVerdict]) -> list[str]:
    return [g for g in (v.gap() for v in verdicts) if g]


def _class_names(classes: set[str] | list[str]) -> str:
    return ", ".join(sorted(catalog.CLASS_LABELS.get(k, k) for k in classes))


def evaluate(c: FailedTrialsCriterion, case: Case, ctx: Context) -> Finding:
    rule = _trial_rule(c)
    verdicts = [judge_medication(case, i, med, rule, ctx.today) for i, med in enumerate(case.meds)]
    counted = best_per_drug(verdicts) if c.distinct_drugs else verdicts
    status, yes, classes = count_outcome(counted, c.count, c.distinct_classes, c.min_in_current_episode)
    msg = f"{len(yes)} of {c.count} required {_requirement(c)}"
    names = _class_names(classes) or "none"
    if status == "met":
        # "3 of 2 required" reads oddly in a letter: say how many qualify against the need
        required = f"{c.count} required" + (f" from {c.distinct_classes} classes" if c.distinct_classes and c.distinct_classes > 1 else "")
        msg = f"{len(yes)} qualifying failed antidepressant {plural(len(yes), 'trial')} ({required}; {_trial_qualifiers(c)})"
        if c.distinct_classes and c.distinct_classes > 1:
            msg += f"; classes: {names}"
    elif c.distinct_classes and c.distinct_classes > 1:
        if len(yes) >= c.count and len(classes) < c.distinct_classes:
            # enough trials, too few classes: say so plainly rather than "2 of 2"
            msg = f"{len(yes)} failed antidepressant {plural(len(yes), 'trial')} count, but from only {len(classes)} of the {c.distinct_classes} classes required"
        msg += f"; classes so far: {names}"
    if c.min_in_current_episode:
        msg += f"; at least {c.min_in_current_episode} in the current episode"
    step = None
    if status == "unknown":
        step = join_steps([f for v in counted if v.counts is None for f in v.fixes])
    elif status == "not_met":
        missing = max(c.count - len(yes), 1)
        need_cls = (c.distinct_classes or 0) - len(classes)
        quals = _trial_qualifiers(c)
        step = f"Document {missing} more failed antidepressant {plural(missing, 'trial')}" + (f" ({quals})" if quals else "")
        if need_cls > 0:
            step += f", from a class other than {_class_names(classes)}" if classes else f", from {c.distinct_classes} different classes"
    evidence = [v.pointer for v in sorted(yes, key=lambda v: v.index)]
    return Finding(status, msg, evidence, step, [v.explain() for v in verdicts], gaps(verdicts))


# ---- description ----------------------------------------------------------------------------------


def outcomes_text(outcomes: list[str]) -> str:
    words = [OUTCOME_WORDS.get(o, o.replace("_", " ")) for o in outcomes]
    text = "Counts as failed: " + ", ".join(words)
    exempt = [OUTCOME_WORDS[o] for o in outcomes if o in ("intolerance", "contraindicated")]
    if exempt:
        text += f" (duration and dose do not apply to {join_words(exempt)})"
    return text


def describe(c: FailedTrialsCriterion, rule_set: RuleSetView | None) -> str:
    role = {"monotherapy": " as monotherapy", "augmentation": " as augmentation", "any": ""}[c.role]
    text = f"At least {c.count} failed antidepressant {'trial' if c.count == 1 else 'trials'}{role}"
    if c.distinct_classes and c.distinct_classes > 1:
        text += f" from {c.distinct_classes} different classes"
    if c.classes:
        text += f" (counting only {join_words([catalog.CLASS_LABELS.get(k, k) for k in c.classes])})"
    each = "each " if c.count > 1 else "lasting "
    length = duration(c.min_weeks, c.min_days)
    parts: list[str] = []
    if length:
        parts.append(f"{each}at least {length} {DOSE_PHRASES[c.dose]}")
    elif c.dose != "none":
        parts.append(("each " if c.count > 1 else "") + DOSE_PHRASES[c.dose])
    if c.max_improvement_pct is not None:
        parts.append(f"with no more than {fmt_num(c.max_improvement_pct)}% improvement")
    if c.min_adherence_pct is not None:
        parts.append(f"with at least {fmt_num(c.min_adherence_pct)}% adherence")
    if c.current_episode:
        parts.append("in the current episode")
    if c.within_years is not None:
        parts.append(f"within the past {c.within_years} years")
    if parts:
        text += ", " + ", ".join(parts)
    sentences = [text]
    if c.min_in_current_episode:
        sentences.append(f"At least {c.min_in_current_episode} of them in the current episode")
    sentences.append(outcomes_text(list(c.outcomes)))
    for outcome, rule in c.outcome_rules.items():
        bits = []
        length = duration(rule.min_weeks, rule.min_days)
        if length:
            bits.append(f"at least {length}")
        if rule.dose:
            bits.append(DOSE_PHRASES[rule.dose])
        if bits:
            word = OUTCOME_WORDS.get(outcome, outcome)
            sentences.append(f"{'An' if word[0] in 'aeiou' else 'A'} {word} counts only after {' '.join(bits)}")
    if c.max_improvement_pct is not None and "partial_response" in c.outcomes:
        sentences.append(f"A partial response counts only with a documented improvement of at most {fmt_num(c.max_improvement_pct)}%")
    if c.augmenting_agents_count == "fda_adjunct":
        sentences.append("FDA-approved adjunctive agents count toward the trials and classes")
    elif c.augmenting_agents_count == "all":
        sentences.append("Augmenting agents (antipsychotics, lithium, liothyronine, buspirone) count toward the trials and classes")
    if not c.distinct_drugs:
        sentences.append("Repeated trials of the same drug count separately")
    return ". ".join(sentences)


TRIAL_FIELDS = ["medications[].drug", "medications[].max_daily_dose_mg", "medications[].start", "medications[].end", "medications[].outcome", "medications[].role"]


def fields_read(c: FailedTrialsCriterion) -> list[str]:
    out = list(TRIAL_FIELDS)
    if c.max_improvement_pct is not None:
        out.append("medications[].improvement_pct")
    if c.min_adherence_pct is not None:
        out.append("medications[].adherence_pct")
    if c.current_episode or c.min_in_current_episode:
        out.append("episode.current_start")
    return out


KIND = Kind(FailedTrialsCriterion, evaluate, describe, fields_read, label="Failed antidepressant trials", topic="medication_trials", applies_to=INITIAL_ONLY)
