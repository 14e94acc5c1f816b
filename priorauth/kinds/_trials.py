"""Judging single medication and psychotherapy trials, three-valued.

A trial is ``True`` (counts), ``False`` (does not count, with the reason) or ``None``
(cannot tell: a fact the rule needs is not documented). Counting criteria then decide
from how many trials count and how many might.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from priorauth import catalog
from priorauth.case import Case, Medication, Psychotherapy
from priorauth.loading import format_path
from priorauth.vocabulary import fmt_num

Tri = bool | None

EVIDENCE_BASED = frozenset({"CBT", "IPT", "behavioral_activation", "DBT", "problem_solving"})
EPISODE_UNKNOWN = "the start of the current episode is not documented"
EPISODE_FIX = "Document when the current episode started (episode.current_start)"


def years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def weeks_text(days: int) -> str:
    weeks = days / 7
    return f"{weeks:.1f}".rstrip("0").rstrip(".") + (" week" if weeks == 1 else " weeks")


@dataclass
class TrialVerdict:
    index: int
    pointer: str
    counts: Tri
    name: str  # generic name, or the name as written when not in the catalog
    drug_class: str | None
    reasons: list[str] = field(default_factory=list)  # why it does not count, or what is missing
    in_current_episode: Tri = None
    drug: catalog.Drug | None = None
    fixes: list[str] = field(default_factory=list)  # what would let an undecided trial be judged, in clinician words

    def explain(self) -> str:
        label = f"{self.pointer} {self.name}" + (f" ({catalog.CLASS_LABELS.get(self.drug_class, self.drug_class)})" if self.drug_class else "")
        if self.counts is True:
            return f"{label}: counts" + (f" ({'; '.join(self.reasons)})" if self.reasons else "")
        verdict = "does not count" if self.counts is False else "cannot tell"
        return f"{label}: {verdict}: {'; '.join(self.reasons)}"

    def gap(self) -> str | None:
        """The line a report shows under its criterion when this trial does not count."""
        return None if self.counts is True else f"{self.pointer} {self.name}: {'; '.join(self.reasons)}"


def trial_days(start: dt.date | None, end: dt.date | None, today: dt.date) -> int | None:
    if start is None:
        return None
    return ((end or today) - start).days


def in_current_episode(case: Case, end: dt.date | None, today: dt.date) -> Tri:
    """A trial belongs to the current episode when it ended (or goes on) on or after its onset."""
    onset = case.episode_start
    if onset is None:
        return None
    last = end or today
    return last >= onset


@dataclass(frozen=True)
class TrialRule:
    """The parameters of a failed-trial criterion that a single trial is judged by."""

    outcomes: tuple[str, ...]
    min_days: int | None
    dose: str  # minimum | maximum | none
    outcome_overrides: dict[str, tuple[int | None, str | None]]  # outcome -> (min_days, dose)
    max_improvement_pct: float | None = None
    min_adherence_pct: float | None = None
    classes: tuple[str, ...] | None = None
    current_episode: bool = False
    within_years: int | None = None
    want_role: str = "any"  # monotherapy | augmentation | any
    agents: str = "antidepressants"  # antidepressants | augmenting | antidepressants+fda_adjunct | antidepressants+augmenting


def judge_medication(case: Case, index: int, med: Medication, rule: TrialRule, today: dt.date) -> TrialVerdict:
    pointer = format_path(("medications", index))
    drug = catalog.lookup_drug(med.drug)
    if drug is None:
        suggestion = catalog.suggest_drug(med.drug)
        hint = f"did you mean {suggestion}?" if suggestion else "use the generic or brand name from the drug catalog"
        return TrialVerdict(index, pointer, None, med.drug, None, ["not in the drug catalog", hint], fixes=[f"Correct the drug name of {pointer} ({hint})"])
    v = TrialVerdict(index, pointer, True, drug.generic, drug.drug_class, drug=drug)
    no: list[str] = []
    unknown: list[str] = []
    fixes: list[str] = []

    if drug.role == "not_a_trial":
        return TrialVerdict(index, pointer, False, drug.generic, None, [f"{drug.generic} is not an oral antidepressant trial and never counts"], drug=drug)
    if rule.want_role != "any" and med.role != rule.want_role:
        no.append(f"role is {med.role}, not {rule.want_role}")
    if drug.role == "augmenting_agent":
        ok = rule.agents in ("augmenting", "antidepressants+augmenting") or (rule.agents == "antidepressants+fda_adjunct" and drug.fda_adjunct)
        if not ok:
            no.append("an augmenting agent, not an antidepressant" if rule.agents != "antidepressants+fda_adjunct" else "not an FDA-approved adjunct for MDD")
    elif rule.agents == "augmenting" and med.role != "augmentation":
        no.append("not used as augmentation")
    if rule.classes is not None and drug.drug_class not in rule.classes:
        no.append(f"class {catalog.CLASS_LABELS.get(drug.drug_class, drug.drug_class)} is not one this policy counts")

    outcome = med.outcome
    min_days, dose_rule = rule.min_days, rule.dose
    if outcome is None:
        unknown.append("outcome not documented")
        fixes.append(f"Add the outcome of {pointer}")
    elif outcome in ("response", "ongoing"):
        no.append(f"outcome is {outcome.replace('_', ' ')}, not a failure")
    elif outcome not in rule.outcomes:
        no.append(f"{outcome.replace('_', ' ')} does not count under this policy")
    elif outcome in rule.outcome_overrides:
        o_days, o_dose = rule.outcome_overrides[outcome]
        min_days = o_days if o_days is not None else min_days
        dose_rule = o_dose or dose_rule

    # Dose, duration, adherence and improvement rules do not apply to an intolerance or a
    # contraindication (settled reading).
    judged_as_failure = outcome not in ("intolerance", "contraindicated")
    days = trial_days(med.start, med.end, today)
    if judged_as_failure:
        if min_days:
            if days is None:
                unknown.append("start date not documented")
                fixes.append(dates_fix(pointer, med.end))
            elif days < min_days:
                no.append(f"{weeks_text(days)} ({days} days), less than the {weeks_text(min_days)} ({min_days} days) required")
            else:
                v.reasons.append(f"{days} days")
        if dose_rule != "none":
            needed = drug.min_dose_for(med.drug) if dose_rule == "minimum" else drug.max_dose_mg
            if needed is None:
                pass  # the catalog has no figure (label-dose drugs): any documented trial is taken at label dose
            elif med.max_daily_dose_mg is None:
                unknown.append("maximum daily dose not documented")
                fixes.append(f"Add the highest daily dose reached in {pointer}")
            elif med.max_daily_dose_mg < needed:
                word = "minimum adequate" if dose_rule == "minimum" else "maximum (top of the usual range)"
                no.append(f"{fmt_num(med.max_daily_dose_mg)} mg/day is below the {word} dose of {fmt_num(needed)} mg/day")
            else:
                v.reasons.append(f"{fmt_num(med.max_daily_dose_mg)} mg/day")
        if rule.max_improvement_pct is not None and outcome in ("inadequate_response", "partial_response"):
            if med.improvement_pct is not None and med.improvement_pct > rule.max_improvement_pct:
                no.append(f"improvement above the {fmt_num(rule.max_improvement_pct)}% this policy allows")
            elif outcome == "partial_response" and med.improvement_pct is None:
                no.append(f"a partial response counts only with improvement_pct documented at or below {fmt_num(rule.max_improvement_pct)}%")
        if rule.min_adherence_pct is not None:
            if med.adherence_pct is None:
                unknown.append("adherence not documented")
                fixes.append(f"Document the adherence during {pointer} (the policy requires at least {fmt_num(rule.min_adherence_pct)}%)")
            elif med.adherence_pct < rule.min_adherence_pct:
                no.append(f"adherence below the {fmt_num(rule.min_adherence_pct)}% required")

    v.in_current_episode = in_current_episode(case, med.end, today)
    if rule.current_episode:
        if v.in_current_episode is None:
            unknown.append(EPISODE_UNKNOWN)
            fixes.append(EPISODE_FIX)
        elif not v.in_current_episode:
            no.append("ended before the current episode began")
    if rule.within_years is not None:
        last = med.end or today
        if last < years_before(today, rule.within_years):
            no.append(f"more than {rule.within_years} years ago")

    if no:
        v.counts, v.reasons = False, no
    elif unknown:
        v.counts, v.reasons, v.fixes = None, unknown, fixes
    return v


def dates_fix(pointer: str, end: dt.date | None) -> str:
    # no end date reads as "still taking it", so without a start both dates may be missing
    return f"Add the start date of {pointer}" if end is not None else f"Add the start and end dates of {pointer} (leave the end out if it is still taken)"


def best_per_drug(verdicts: list[TrialVerdict]) -> list[TrialVerdict]:
    """Two trials of one drug count once: keep each drug's best verdict."""
    rank = {True: 2, None: 1, False: 0}
    best: dict[str, TrialVerdict] = {}
    for v in verdicts:
        key = v.name.lower()
        if key not in best or rank[v.counts] > rank[best[key].counts]:
            best[key] = v
    return list(best.values())


@dataclass
class TherapyVerdict:
    index: int
    pointer: str
    counts: Tri
    reasons: list[str]
    fixes: list[str] = field(default_factory=list)

    def explain(self, modality: str) -> str:
        verdict = {True: "counts", False: "does not count", None: "cannot tell"}[self.counts]
        return f"{self.pointer} {modality}: {verdict}" + (f": {'; '.join(self.reasons)}" if self.reasons else "")

    def gap(self, modality: str) -> str | None:
        return None if self.counts is True else f"{self.pointer} {modality}: {'; '.join(self.reasons)}"


def judge_therapy(
    case: Case,
    index: int,
    t: Psychotherapy,
    *,
    modalities: frozenset[str] | None,
    outcomes: tuple[str, ...],
    min_sessions: int,
    min_weeks: float,
    current_episode: bool,
    today: dt.date,
    unclear: frozenset[str] = frozenset(),
) -> TherapyVerdict:
    pointer = format_path(("psychotherapy", index))
    no: list[str] = []
    unknown: list[str] = []
    fixes: list[str] = []
    if modalities is not None and t.modality in unclear:
        unknown.append(f"a modality recorded as '{t.modality}' may be one the policy names that the case vocabulary does not have")
        fixes.append(f"Ask which therapy {pointer} was and whether the policy accepts it")
    elif modalities is not None and t.modality not in modalities:
        no.append(f"{t.modality} is not an accepted (evidence-based) modality")
    days = trial_days(t.start, t.end, today)
    long_enough: Tri
    if (t.sessions is not None and t.sessions >= min_sessions) or (days is not None and days >= min_weeks * 7):
        long_enough = True
    elif t.sessions is None and days is None:
        long_enough = None
    else:
        long_enough = False
    if long_enough is None:
        unknown.append("neither the number of sessions nor the dates are documented")
        fixes.append(f"Add the number of sessions or the start and end dates of {pointer}")
    elif not long_enough:
        no.append(f"shorter than {min_sessions} sessions or {fmt_num(min_weeks)} weeks")
    if t.outcome is None:
        unknown.append("outcome not documented")
        fixes.append(f"Add the outcome of {pointer}")
    elif t.outcome not in outcomes:
        no.append(f"outcome is {t.outcome.replace('_', ' ')}")
    elif t.outcome == "ongoing" and not (t.sessions is not None and t.sessions >= min_sessions):
        no.append(f"an ongoing therapy counts after {min_sessions} sessions")
    if current_episode:
        inside = in_current_episode(case, t.end, today)
        if inside is None:
            unknown.append(EPISODE_UNKNOWN)
            fixes.append(EPISODE_FIX)
        elif not inside:
            no.append("ended before the current episode began")
    counts: Tri = False if no else (None if unknown else True)
    return TherapyVerdict(index, pointer, counts, no or unknown, [] if no else fixes)
