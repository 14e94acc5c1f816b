"""One small evaluator per criterion kind, registered by name.

Each evaluator takes the criterion, the case and the evaluation context, and returns an
explainable :class:`CriterionResult`: a status, a message with the numbers, pointers into
the case, and the next step that would close the gap. Absent facts are ``unknown``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from priorauth import catalog
from priorauth.case import Case
from priorauth.engine.records import newest, records, scale_instruments
from priorauth.engine.trials import (
    EPISODE_FIX,
    EVIDENCE_BASED,
    TrialRule,
    TrialVerdict,
    best_per_drug,
    dates_fix,
    judge_medication,
    judge_therapy,
    trial_days,
    years_before,
)
from priorauth.report import CriterionResult, Status
from priorauth.rules import model as m
from priorauth.vocabulary import DOCUMENT_LABELS, DOSE_PHRASES, FLAG_LABELS, SHORT_FLAG_LABELS, SPECIALTY_LABELS, VALIDATED_SCALES, cap, document_noun, fmt_num

Evaluator = Callable[[Any, Case, "Context"], CriterionResult]
EVALUATORS: dict[str, Evaluator] = {}

DEFAULT_FLAG_CODES: dict[str, list[str]] = {
    # settled readings: an ICD-10 code that states the condition fails the criterion too
    "psychotic_features": ["F32.3", "F33.3"],
    "bipolar_disorder": ["F31"],
    "schizophrenia_spectrum": ["F20", "F25"],
}
DEFAULT_FAIL_VALUES: dict[str, list[str]] = {
    "substance_use_disorder": ["active"],
    "suicidal_ideation": ["active_with_intent"],
}


@dataclass
class Context:
    today: dt.date  # request.date: "today" for every look-back window
    rule_set: m.RuleSet
    treatment: str

    @property
    def default_trial_days(self) -> int:
        for c in m.walk(self.rule_set.criteria):
            if isinstance(c, m.FailedTrialsCriterion):
                return _min_days(c.min_weeks, c.min_days) or 42
        return 42


def register(kind: str) -> Callable[[Evaluator], Evaluator]:
    def deco(fn: Evaluator) -> Evaluator:
        EVALUATORS[kind] = fn
        return fn

    return deco


def result(
    c: Any,
    status: Status,
    message: str,
    evidence: list[str] | None = None,
    next_step: str | None = None,
    explanations: list[str] | None = None,
    default_label: str = "",
    gaps: list[str] | None = None,
) -> CriterionResult:
    return CriterionResult(
        id=c.id,
        kind=c.kind,
        topic=c.topic or m.DEFAULT_TOPICS.get(c.kind, "other"),
        label=c.label or default_label or c.id.replace("-", " "),
        status=status,
        message=message,
        evidence=evidence or [],
        next_step=None if status == "met" else (c.next_step or next_step),
        explanations=explanations or [],
        source=c.source,
        gaps=[] if status == "met" else list(gaps or []),
    )


def join_steps(steps: list[str]) -> str | None:
    """Several fixes as one next step, each named once: 'Add X; correct Y'."""
    unique = list(dict.fromkeys(steps))
    if not unique:
        return None
    return "; ".join([unique[0]] + [s[:1].lower() + s[1:] for s in unique[1:]])


def _min_days(weeks: float | None, days: int | None) -> int | None:
    if days is not None:
        return days
    if weeks is not None:
        return round(weeks * 7)
    return None


def _weeks_phrase(days: int | None) -> str:
    if not days:
        return ""
    if days % 7 == 0:
        return f">= {days // 7} weeks"
    return f">= {days} days"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return word if n == 1 else (plural or word + "s")


def _fresh_docs(case: Case, kind: str, max_age: int | None, today: dt.date) -> list[int]:
    return [
        i
        for i, d in enumerate(case.docs)
        if d.kind == kind and (max_age is None or (d.date is not None and (today - d.date).days <= max_age))
    ]


# ---- age, diagnosis ------------------------------------------------------------------------


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


@register("age")
def _age(c: m.AgeCriterion, case: Case, ctx: Context) -> CriterionResult:
    age = age_on(case.patient.birth_date, ctx.today)
    if c.min is not None and c.max is not None:
        need = f"{c.min} to {c.max}"
    elif c.min is not None:
        need = f"{c.min} or older"
    else:
        need = f"{c.max} or younger"
    ok = (c.min is None or age >= c.min) and (c.max is None or age <= c.max)
    msg = f"Age {age} on {ctx.today}; the policy covers patients {need}"
    return result(c, "met" if ok else "not_met", msg, ["patient.birth_date"], f"This policy covers ages {need} only; check the birth date or another treatment", default_label="Age")


def _code_matches(code: str, exact: list[str], prefixes: list[str]) -> bool:
    return code in exact or any(code == p or code.startswith(p + ".") or code.startswith(p) and "." in p for p in prefixes)


@register("diagnosis")
def _diagnosis(c: m.DiagnosisCriterion, case: Case, ctx: Context) -> CriterionResult:
    accepted_text = ", ".join(c.accepted + [p + ".x" for p in c.accepted_prefixes])
    for i, d in enumerate(case.diagnoses):
        if _code_matches(d.code, c.excluded, c.excluded_prefixes):
            title = catalog.icd10_title(d.code) or "excluded diagnosis"
            return result(c, "not_met", f"{d.code} ({title}) is excluded by this policy", [f"diagnoses[{i}]"], "The policy excludes this diagnosis; review the diagnosis codes", default_label="Diagnosis")
    candidates = [(i, d) for i, d in enumerate(case.diagnoses) if d is case.primary_diagnosis] if c.primary_only else list(enumerate(case.diagnoses))
    for i, d in candidates:
        if _code_matches(d.code, c.accepted, c.accepted_prefixes):
            title = catalog.icd10_title(d.code) or "title not in the catalog"
            return result(c, "met", f"{d.code} ({title}) is an accepted diagnosis", [f"diagnoses[{i}]"], default_label="Diagnosis")
    i, d = candidates[0]
    which = "primary diagnosis" if c.primary_only else "diagnoses"
    return result(
        c,
        "not_met",
        f"{cap(which)} {d.code} is not among the accepted codes ({accepted_text})",
        [f"diagnoses[{i}]"],
        f"The policy accepts {accepted_text}; document a qualifying diagnosis if the clinical picture supports it",
        default_label="Diagnosis",
    )


# ---- failed trials, augmentation ------------------------------------------------------------


def _trial_rule(c: m.FailedTrialsCriterion) -> TrialRule:
    agents = {"none": "antidepressants", "fda_adjunct": "antidepressants+fda_adjunct", "all": "antidepressants+augmenting"}[c.augmenting_agents_count]
    overrides = {o: (_min_days(r.min_weeks, r.min_days), r.dose) for o, r in c.outcome_rules.items()}
    return TrialRule(
        outcomes=tuple(c.outcomes),
        min_days=_min_days(c.min_weeks, c.min_days),
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


def _dose_phrase(dose: str) -> str:
    return DOSE_PHRASES[dose]


def _trial_qualifiers(c: m.FailedTrialsCriterion) -> str:
    """'each >= 4 weeks at a therapeutic dose, in the current episode'."""
    quals = []
    weeks = _weeks_phrase(_min_days(c.min_weeks, c.min_days))
    quals.append(f"{weeks} {_dose_phrase(c.dose)}" if weeks else _dose_phrase(c.dose))
    if c.max_improvement_pct is not None:
        quals.append(f"<= {fmt_num(c.max_improvement_pct)}% improvement")
    if c.min_adherence_pct is not None:
        quals.append(f">= {fmt_num(c.min_adherence_pct)}% adherence")
    if c.current_episode:
        quals.append("in the current episode")
    if c.within_years:
        quals.append(f"within {c.within_years} years")
    return ", ".join(quals)


def _describe_trials(c: m.FailedTrialsCriterion) -> str:
    """'failed antidepressant trials from 2 classes (>= 4 weeks at a therapeutic dose) in the current episode'."""
    text = "failed antidepressant " + _plural(c.count, "trial")
    if c.distinct_classes and c.distinct_classes > 1:
        text += f" from {c.distinct_classes} classes"
    quals = []
    weeks = _weeks_phrase(_min_days(c.min_weeks, c.min_days))
    if weeks:
        quals.append(f"{weeks} {_dose_phrase(c.dose)}")
    elif c.dose != "none":
        quals.append(_dose_phrase(c.dose))
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


def _count_outcome(verdicts: list[TrialVerdict], need: int, need_classes: int | None, need_in_episode: int | None) -> tuple[Status, list[TrialVerdict], set[str]]:
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


@register("failed_trials")
def _failed_trials(c: m.FailedTrialsCriterion, case: Case, ctx: Context) -> CriterionResult:
    rule = _trial_rule(c)
    verdicts = [judge_medication(case, i, med, rule, ctx.today) for i, med in enumerate(case.meds)]
    counted = best_per_drug(verdicts) if c.distinct_drugs else verdicts
    status, yes, classes = _count_outcome(counted, c.count, c.distinct_classes, c.min_in_current_episode)
    desc = _describe_trials(c)
    msg = f"{len(yes)} of {c.count} required {desc}"
    names = ", ".join(sorted(catalog.CLASS_LABELS.get(k, k) for k in classes)) or "none"
    if status == "met":
        # "3 of 2 required" reads oddly in a letter: say how many qualify against the need
        required = f"{c.count} required" + (f" from {c.distinct_classes} classes" if c.distinct_classes and c.distinct_classes > 1 else "")
        quals = _trial_qualifiers(c)
        msg = f"{len(yes)} qualifying failed antidepressant {_plural(len(yes), 'trial')} ({required}; {quals})"
        if c.distinct_classes and c.distinct_classes > 1:
            msg += f"; classes: {names}"
    elif c.distinct_classes and c.distinct_classes > 1:
        if len(yes) >= c.count and len(classes) < c.distinct_classes:
            # enough trials, too few classes: say so plainly rather than "2 of 2"
            msg = f"{len(yes)} failed antidepressant {_plural(len(yes), 'trial')} count, but from only {len(classes)} of the {c.distinct_classes} classes required"
        msg += f"; classes so far: {names}"
    if c.min_in_current_episode:
        msg += f"; at least {c.min_in_current_episode} in the current episode"
    explanations = [v.explain() for v in verdicts]
    evidence = [v.pointer for v in sorted(yes, key=lambda v: v.index)]
    step = None
    if status == "unknown":
        step = join_steps([f for v in counted if v.counts is None for f in v.fixes])
    elif status == "not_met":
        missing = max(c.count - len(yes), 1)
        need_cls = (c.distinct_classes or 0) - len(classes)
        quals = _trial_qualifiers(c)
        step = f"Document {missing} more failed antidepressant {_plural(missing, 'trial')}" + (f" ({quals})" if quals else "")
        if need_cls > 0:
            step += f", from a class other than {', '.join(sorted(catalog.CLASS_LABELS.get(k, k) for k in classes))}" if classes else f", from {c.distinct_classes} different classes"
    return result(c, status, msg, evidence, step, explanations, default_label="Failed antidepressant trials", gaps=_gaps(verdicts))


def _gaps(verdicts: list[TrialVerdict]) -> list[str]:
    return [g for g in (v.gap() for v in verdicts) if g]


def _augmentation_ok(case: Case, v: TrialVerdict, ctx: Context) -> TrialVerdict:
    """An antidepressant added as augmentation counts when it differs in class from a base drug taken at the same time."""
    if v.drug is None or v.drug.role != "antidepressant" or v.counts is False:
        return v
    med = case.meds[v.index]
    overlap_known = med.start is not None
    different = False
    for j, other in enumerate(case.meds):
        if j == v.index or other.role != "monotherapy" or other.start is None or not overlap_known:
            continue
        base = catalog.lookup_drug(other.drug)
        if base is None or base.role != "antidepressant":
            continue
        if other.start <= (med.end or ctx.today) and med.start <= (other.end or ctx.today) and base.drug_class != v.drug.drug_class:  # type: ignore[operator]
            different = True
    if not overlap_known:
        v.counts, v.reasons, v.fixes = None, ["start date not documented, so the base antidepressant is unknown"], [dates_fix(v.pointer, med.end)]
    elif not different:
        v.counts, v.reasons = False, ["not added to an antidepressant of a different class"]
    return v


@register("augmentation")
def _augmentation(c: m.AugmentationCriterion, case: Case, ctx: Context) -> CriterionResult:
    min_days = _min_days(c.min_weeks, c.min_days) or ctx.default_trial_days
    rule = TrialRule(
        outcomes=tuple(c.outcomes),
        min_days=min_days,
        dose=c.dose,
        outcome_overrides={},
        classes=tuple(c.agents) if c.agents else None,
        current_episode=c.current_episode,
        within_years=c.within_years,
        want_role="augmentation",
        agents="antidepressants+augmenting",
    )
    verdicts = [_augmentation_ok(case, judge_medication(case, i, med, rule, ctx.today), ctx) for i, med in enumerate(case.meds) if med.role == "augmentation"]
    counted = best_per_drug(verdicts)
    status, yes, classes = _count_outcome(counted, c.count, c.count if c.distinct_strategies else None, None)
    what = f"failed augmentation {_plural(c.count, 'trial')}" + (" of different strategies" if c.distinct_strategies and c.count > 1 else "")
    quals = [_weeks_phrase(min_days)]
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
        step = f"Document {c.count - len(yes)} more failed augmentation {_plural(c.count - len(yes), 'trial')} (an antipsychotic, lithium, liothyronine, buspirone, or a second antidepressant of another class, {_weeks_phrase(min_days)}), with role: augmentation"
    return result(c, status, msg, [v.pointer for v in yes], step, [v.explain() for v in verdicts], default_label="Augmentation trial", gaps=_gaps(verdicts))


# ---- psychotherapy ---------------------------------------------------------------------------


@register("psychotherapy")
def _psychotherapy(c: m.PsychotherapyCriterion, case: Case, ctx: Context) -> CriterionResult:
    therapies = case.therapies
    label = "Psychotherapy trial"
    kind = "evidence-based psychotherapy" if (c.evidence_based or c.modalities) else "psychotherapy"
    if not therapies:
        status: Status = c.if_absent
        return result(c, status, f"No {kind} documented", [], f"Document a trial of {kind} (>= {c.min_sessions} sessions or {fmt_num(c.min_weeks)} weeks) with its outcome in psychotherapy", default_label=label)
    if c.any_entry:
        return result(c, "met", f"Psychotherapy tried ({len(therapies)} documented)", [f"psychotherapy[{i}]" for i in range(len(therapies))], default_label=label)
    modalities = frozenset(c.modalities) if c.modalities else (EVIDENCE_BASED if c.evidence_based else None)
    verdicts = [
        judge_therapy(case, i, t, modalities=modalities, outcomes=tuple(c.outcomes), min_sessions=c.min_sessions, min_weeks=c.min_weeks, current_episode=c.current_episode, today=ctx.today)
        for i, t in enumerate(therapies)
    ]
    yes = [v for v in verdicts if v.counts is True]
    maybe = [v for v in verdicts if v.counts is None]
    explanations = [v.explain(therapies[v.index].modality) for v in verdicts]
    gaps = [g for g in (v.gap(therapies[v.index].modality) for v in verdicts) if g]
    where = " in the current episode" if c.current_episode else ""
    if yes:
        return result(c, "met", f"Adequate trial of {kind}{where} without sufficient improvement ({len(yes)} documented)", [v.pointer for v in yes], explanations=explanations, default_label=label)
    if maybe:
        return result(c, "unknown", f"{cap(kind)} is documented but cannot be judged adequate", [v.pointer for v in maybe], join_steps([f for v in maybe for f in v.fixes]), explanations, default_label=label, gaps=gaps)
    return result(
        c,
        "not_met",
        f"No adequate trial of {kind}{where} (>= {c.min_sessions} sessions or {fmt_num(c.min_weeks)} weeks, without sufficient improvement)",
        [],
        f"Document an adequate trial of {kind}{where} (>= {c.min_sessions} sessions or {fmt_num(c.min_weeks)} weeks) and its outcome",
        explanations,
        default_label=label,
        gaps=gaps,
    )


# ---- severity, episode -----------------------------------------------------------------------


@register("severity")
def _severity(c: m.SeverityCriterion, case: Case, ctx: Context) -> CriterionResult:
    label = "Depression severity"
    # instrument -> (threshold, strict); (None, False) accepts any documented score
    wanted = {t.instrument: ((t.above, True) if t.above is not None else (t.min, False)) for t in c.alternatives} if c.alternatives else {i: (None, False) for i in VALIDATED_SCALES}

    def passes(instrument: str, score: float) -> bool:
        bound, strict = wanted[instrument]
        return bound is None or (score > bound if strict else score >= bound)

    def phrase(instrument: str) -> str:
        bound, strict = wanted[instrument]
        return instrument if bound is None else f"{instrument} {'>' if strict else '>='} {fmt_num(bound)}"

    want_text = " or ".join(phrase(k) for k in wanted) if c.alternatives else "a validated depression scale"
    fresh: dict[str, tuple[int, Any]] = {}
    stale: list[int] = []
    for i, a in enumerate(case.scales):
        if a.instrument not in wanted:
            continue
        age = (ctx.today - a.date).days
        if age > c.max_age_days or (c.current_episode and case.episode_start is not None and a.date < case.episode_start):
            stale.append(i)
            continue
        if a.instrument not in fresh or a.date >= fresh[a.instrument][1].date:
            fresh[a.instrument] = (i, a)
    met = [(i, a) for i, a in fresh.values() if passes(a.instrument, a.score)]
    severe_code = next((i for i, d in enumerate(case.diagnoses) if d.code in c.severe_codes), None)
    window = f"within {c.max_age_days} days" + (" in the current episode" if c.current_episode else "")
    if met:
        i, a = met[0]
        verdict = f"meets {want_text}" if c.alternatives and wanted[a.instrument][0] is not None else "a validated depression scale on file"
        return result(c, "met", f"{a.instrument} {fmt_num(a.score)} on {a.date} ({window}): {verdict}", [f"assessments[{i}]"], default_label=label)
    if severe_code is not None:
        d = case.diagnoses[severe_code]
        return result(c, "met", f"{d.code} states a severe episode ({want_text} not shown by a score {window})", [f"diagnoses[{severe_code}]"], default_label=label)
    if c.current_episode and case.episode_start is None and case.scales:
        return result(c, "unknown", "episode.current_start is not documented, so a baseline in the current episode cannot be shown", [], EPISODE_FIX, default_label=label)
    if fresh:
        parts = ", ".join(f"{a.instrument} {fmt_num(a.score)} on {a.date}" for _, a in fresh.values())
        return result(c, "not_met", f"{parts}: below {want_text}", [f"assessments[{i}]" for i, _ in fresh.values()], f"The policy requires {want_text}; a current score below it does not qualify", default_label=label)
    msg = f"No {want_text} score {window}"
    if stale:
        msg += f"; the score in assessments[{stale[-1]}] is older than {c.max_age_days} days"
    return result(c, "unknown", msg, [f"assessments[{i}]" for i in stale], f"Record a current score ({want_text}) dated within {c.max_age_days} days of the request", default_label=label)


@register("episode_window")
def _episode_window(c: m.EpisodeWindowCriterion, case: Case, ctx: Context) -> CriterionResult:
    label = "Current episode"
    onset = case.episode_start
    if onset is None:
        return result(c, "unknown", "Onset of the current episode is not documented", [], EPISODE_FIX, default_label=label)
    limit = years_before(ctx.today, c.within_years)
    ok = onset >= limit
    msg = f"Current episode began {onset}, {'within' if ok else 'more than'} {c.within_years} years before the request"
    return result(c, "met" if ok else "not_met", msg, ["episode.current_start"], f"The policy covers episodes that began on or after {limit}", default_label=label)


# ---- screening flags ---------------------------------------------------------------------------


def _attested(case: Case, kind: str | None, days: int, ctx: Context) -> list[int]:
    return _fresh_docs(case, kind, days, ctx.today) if kind else []


@register("contraindication")
def _contraindication(c: m.ContraindicationCriterion, case: Case, ctx: Context) -> CriterionResult:
    what = FLAG_LABELS[c.flag]
    label = "No " + SHORT_FLAG_LABELS.get(c.flag, what)
    value = getattr(case.flags, c.flag)
    pointer = f"clinical.{c.flag}"
    codes = c.codes or DEFAULT_FLAG_CODES.get(c.flag, [])
    coded = next((i for i, d in enumerate(case.diagnoses) if _code_matches(d.code, [], codes) or d.code in codes), None)
    fail_values = c.fail_values or DEFAULT_FAIL_VALUES.get(c.flag, [True])
    present = coded is not None or (value is not None and value in fail_values)
    if present:
        evidence = [f"diagnoses[{coded}]"] if coded is not None else [pointer]
        attest = _attested(case, c.unless_document, c.unless_document_days, ctx)
        if attest:
            return result(c, "met", f"{cap(what)} documented, with a {document_noun(c.unless_document)} that benefit outweighs risk", evidence + [f"documents[{attest[0]}]"], default_label=label)  # type: ignore[index]
        step = f"The policy excludes patients with {what}"
        if c.unless_document:
            step += f" unless a {document_noun(c.unless_document)} is on file"
        return result(c, "not_met", f"{cap(what)} is documented", evidence, step, default_label=label)
    if value is None:
        choices = {"substance_use_disorder": "none, remission or active", "suicidal_ideation": "none, passive or active_with_intent"}.get(c.flag, "true or false")
        return result(c, "unknown", f"Screening for {what} is not documented", [], f"Document {pointer} ({choices}) from the screening", default_label=label)
    shown = value if isinstance(value, str) else "no"
    return result(c, "met", f"No {what} (documented: {shown})", [pointer], default_label=label)


@register("prescriber")
def _prescriber(c: m.PrescriberCriterion, case: Case, ctx: Context) -> CriterionResult:
    p = case.prescriber
    wanted = " or ".join(SPECIALTY_LABELS[s] for s in c.specialties)
    need = wanted + (", or in consultation with a psychiatrist" if c.consult_counts else "")
    label = "Prescriber"
    if c.board_certified and p.board_certified is False:
        return result(c, "not_met", "The prescriber is not board certified", ["prescriber.board_certified"], "The policy requires a board-certified prescriber", default_label=label)
    if p.specialty in c.specialties:
        if c.board_certified and p.board_certified is None:
            return result(c, "unknown", "Board certification is not documented", [], "Document prescriber.board_certified", default_label=label)
        return result(c, "met", f"Prescribed by a {SPECIALTY_LABELS[p.specialty]}", ["prescriber.specialty"], default_label=label)
    if c.consult_counts and p.psychiatrist_consulted:
        return result(c, "met", "A psychiatrist was consulted", ["prescriber.psychiatrist_consulted"], default_label=label)
    if p.specialty is None:
        return result(c, "unknown", "The prescriber's specialty is not documented", [], f"Document prescriber.specialty (the policy requires: {need})", default_label=label)
    if c.consult_counts and p.psychiatrist_consulted is None:
        return result(c, "unknown", f"Prescriber is {SPECIALTY_LABELS[p.specialty]}; a psychiatrist consultation is not documented", ["prescriber.specialty"], "Document prescriber.psychiatrist_consulted and attach the consultation note", default_label=label)
    return result(c, "not_met", f"Prescriber is {SPECIALTY_LABELS[p.specialty]}; the policy requires {need}", ["prescriber.specialty"], f"Have the request come from (or be reviewed by) a {need}", default_label=label)


def _bool_fact(c: Any, value: bool | None, pointer: str, yes: str, no: str, unknown_step: str, no_step: str, label: str) -> CriterionResult:
    if value is True:
        return result(c, "met", yes, [pointer], default_label=label)
    if value is False:
        return result(c, "not_met", no, [pointer], no_step, default_label=label)
    return result(c, "unknown", f"{pointer} is not documented", [], unknown_step, default_label=label)


@register("pdmp")
def _pdmp(c: m.PdmpCriterion, case: Case, ctx: Context) -> CriterionResult:
    return _bool_fact(c, case.flags.pdmp_checked, "clinical.pdmp_checked", "PDMP reviewed", "The PDMP has not been reviewed", "Review the state PDMP and record clinical.pdmp_checked", "Review the state PDMP before the request and attach the report", "PDMP reviewed")


@register("rems")
def _rems(c: m.RemsCriterion, case: Case, ctx: Context) -> CriterionResult:
    rems = case.rems
    parts: list[tuple[str, bool | None, str]] = []
    if c.setting_certified:
        parts.append(("rems.setting_certified", rems.setting_certified if rems else None, "treatment setting certified under the Spravato REMS"))
    if c.patient_enrolled:
        parts.append(("rems.patient_enrolled", rems.patient_enrolled if rems else None, "patient enrolled in the Spravato REMS"))
    no = [p for p in parts if p[1] is False]
    unknown = [p for p in parts if p[1] is None]
    label = "Spravato REMS"
    if no:
        return result(c, "not_met", "Not " + " and not ".join(p[2] for p in no), [p[0] for p in no], "Spravato may only be given in a REMS-certified setting to an enrolled patient: complete the REMS certification/enrollment", default_label=label)
    if unknown:
        return result(c, "unknown", ", ".join(p[0] for p in unknown) + " not documented", [], "Document " + " and ".join(p[0] for p in unknown), default_label=label)
    return result(c, "met", "; ".join(cap(p[2]) for p in parts), [p[0] for p in parts], default_label=label)


# ---- concurrent treatment ----------------------------------------------------------------------


FAILED = ("inadequate_response", "partial_response", "intolerance", "contraindicated")


@register("oral_antidepressant")
def _oral_antidepressant(c: m.OralAntidepressantCriterion, case: Case, ctx: Context) -> CriterionResult:
    label = "Oral antidepressant alongside Spravato"
    flag = case.flags.oral_antidepressant_continuing
    failed_drugs = set()
    for med in case.meds:
        drug = catalog.lookup_drug(med.drug)
        if med.outcome in FAILED:
            failed_drugs.add(drug.generic if drug else med.drug.lower())
    current: list[int] = []
    blocked: list[str] = []  # documented antidepressants that do not qualify
    unclear: list[str] = []  # ones that might, but a fact is missing
    unclear_fixes: list[str] = []
    min_days = _min_days(c.min_weeks_stable, None)
    stable_text = _weeks_phrase(min_days)[3:] if min_days else ""
    for i, med in enumerate(case.meds):
        drug = catalog.lookup_drug(med.drug)
        if drug is None or drug.role != "antidepressant" or med.end is not None or med.outcome in ("intolerance", "contraindicated"):
            continue
        if c.not_a_failed_drug and drug.generic in failed_drugs:
            blocked.append(f"medications[{i}] {drug.generic} is one of the failed drugs")
            continue
        days = trial_days(med.start, None, ctx.today)
        if min_days and days is None:
            unclear.append(f"medications[{i}] {drug.generic}: start date not documented")
            unclear_fixes.append(f"Add the start date of medications[{i}]")
            continue
        if min_days and days is not None and days < min_days:
            blocked.append(f"medications[{i}] {drug.generic}: taken {days} days, not yet stable for {stable_text}")
            continue
        current.append(i)
    need = "an oral antidepressant continuing alongside Spravato" + (f", stable for {stable_text}" if min_days else "") + (", not one of the failed drugs" if c.not_a_failed_drug else "")
    if flag is False:
        return result(c, "not_met", "No oral antidepressant continues alongside Spravato (clinical.oral_antidepressant_continuing: false)", ["clinical.oral_antidepressant_continuing"], f"The policy requires {need}", default_label=label)
    if current:
        names = ", ".join(catalog.lookup_drug(case.meds[i].drug).generic for i in current)  # type: ignore[union-attr]
        return result(c, "met", f"Oral antidepressant continuing: {names}", [f"medications[{i}]" for i in current], explanations=blocked + unclear, default_label=label)
    if flag is True and not (min_days or c.not_a_failed_drug):
        return result(c, "met", "An oral antidepressant continues alongside Spravato", ["clinical.oral_antidepressant_continuing"], default_label=label)
    if unclear:
        return result(c, "unknown", f"The policy requires {need}; " + "; ".join(unclear), [], join_steps(unclear_fixes), blocked + unclear, default_label=label)
    if blocked:
        return result(c, "not_met", f"The policy requires {need}; " + "; ".join(blocked), [], f"The policy requires {need}", blocked, default_label=label)
    return result(c, "unknown", f"The policy requires {need}; none is documented in medications", [], "List the current oral antidepressant in medications (no end date) and set clinical.oral_antidepressant_continuing", default_label=label)


@register("concurrent_treatments")
def _concurrent(c: m.ConcurrentCriterion, case: Case, ctx: Context) -> CriterionResult:
    label = "No conflicting concurrent treatment"
    listed = case.flags.concurrent_treatments
    current = {t.strip().lower() for t in listed or []}
    if case.ect is not None and case.ect.status == "current":
        current.add("ect")
    forbidden = [f for f in c.forbidden if f.lower() in current]
    names = ", ".join(c.forbidden)
    if forbidden:
        attest = _attested(case, c.unless_document, c.unless_document_days, ctx)
        if attest:
            return result(c, "met", f"Concurrent {', '.join(forbidden)} documented and justified", ["clinical.concurrent_treatments", f"documents[{attest[0]}]"], default_label=label)
        step = f"Stop {', '.join(forbidden)} before this treatment" + (f", or file a {document_noun(c.unless_document)} justifying it" if c.unless_document else "")
        if c.unless_document and c.without_document == "unknown":
            return result(c, "unknown", f"Concurrent {', '.join(forbidden)} is documented without a {document_noun(c.unless_document)} justifying it", ["clinical.concurrent_treatments"], f"File a {document_noun(c.unless_document)} (within {c.unless_document_days} days) that documents and justifies concurrent {', '.join(forbidden)}", default_label=label)
        return result(c, "not_met", f"Concurrent {', '.join(forbidden)} is documented; the policy does not allow {names} at the same time" + (" without a documented justification" if c.unless_document else ""), ["clinical.concurrent_treatments"], step, default_label=label)
    if listed is None:
        return result(c, "unknown", f"Concurrent treatments are not documented (the policy excludes {names})", [], "Record clinical.concurrent_treatments (an empty list when there are none)", default_label=label)
    return result(c, "met", f"None of {names} is given at the same time", ["clinical.concurrent_treatments"], default_label=label)


@register("ect")
def _ect(c: m.EctCriterion, case: Case, ctx: Context) -> CriterionResult:
    label = "ECT"
    wanted = " or ".join(s.replace("_", " ") for s in c.statuses)
    if case.ect is None:
        return result(c, "unknown", "ECT history is not documented", [], f"Document ect.status (the policy looks for: {wanted})", default_label=label)
    ok = case.ect.status in c.statuses
    return result(c, "met" if ok else "not_met", f"ECT status is {case.ect.status.replace('_', ' ')}; the policy looks for {wanted}", ["ect.status"], f"The policy requires ECT {wanted}", default_label=label)


# ---- prior course, sessions ---------------------------------------------------------------------


@register("prior_response")
def _prior_response(c: m.PriorResponseCriterion, case: Case, ctx: Context) -> CriterionResult:
    label = "Response to the prior course"
    treatment = c.treatment or ctx.treatment
    courses = [(i, pc) for i, pc in enumerate(case.courses) if pc.treatment == treatment]
    need: list[str] = []
    if c.min_improvement_pct is not None:
        need.append(f"{'>' if c.strictly_greater else '>='} {fmt_num(c.min_improvement_pct)}% improvement" + (f" on {c.instrument}" if c.instrument else ""))
    if c.relapse_required:
        need.append("a relapse after it")
    if c.min_days_since_end:
        need.append(f"at least {c.min_days_since_end} days since it ended")
    if c.min_weeks_held:
        need.append(f"improvement held >= {fmt_num(c.min_weeks_held)} weeks")
    need_text = ", ".join(need) or "documented"
    if not courses:
        if c.none_ok:
            return result(c, "met", f"No prior {treatment} course documented (allowed)", [], default_label=label)
        return result(c, "not_met", f"No prior {treatment} course is documented; the policy requires a prior course with {need_text}", [], f"Add the prior {treatment} course to prior_courses with its dates, instrument, baseline and final scores", default_label=label)
    i, pc = max(courses, key=lambda x: (x[1].end or x[1].start or dt.date.min, x[0]))
    ptr = f"prior_courses[{i}]"
    no: list[str] = []
    unknown: list[str] = []
    facts: list[str] = []
    if c.min_improvement_pct is not None:
        if pc.baseline_score is None or pc.final_score is None or not pc.baseline_score:
            unknown.append("baseline and final scores not documented")
        elif c.instrument and pc.instrument != c.instrument:
            unknown.append(f"scored on {pc.instrument or 'an undocumented instrument'}, not {c.instrument}")
        else:
            pct = (pc.baseline_score - pc.final_score) / pc.baseline_score * 100
            facts.append(f"{pct:.0f}% improvement ({pc.instrument or 'scale'} {fmt_num(pc.baseline_score)} to {fmt_num(pc.final_score)})")
            good = pct > c.min_improvement_pct if c.strictly_greater else pct >= c.min_improvement_pct - 1e-9
            if not good:
                need_word = f"more than {fmt_num(c.min_improvement_pct)}%" if c.strictly_greater else f"at least {fmt_num(c.min_improvement_pct)}%"
                no.append(f"{pct:.0f}% improvement; the policy requires {need_word}")
    if c.relapse_required:
        if pc.relapse_date is None:
            unknown.append("relapse not documented")
        else:
            facts.append(f"relapse on {pc.relapse_date}")
    if c.min_days_since_end:
        if pc.end is None:
            unknown.append("end of the prior course not documented")
        else:
            gap = (ctx.today - pc.end).days
            facts.append(f"ended {gap} days ago")
            if gap < c.min_days_since_end:
                no.append(f"ended {gap} days before the request, less than {c.min_days_since_end}")
    if c.min_weeks_held:
        if pc.end is None:
            unknown.append("end of the prior course not documented")
        else:
            held = ((pc.relapse_date or ctx.today) - pc.end).days
            if held < c.min_weeks_held * 7:
                no.append(f"improvement held {held} days, less than {fmt_num(c.min_weeks_held)} weeks")
            else:
                facts.append(f"improvement held {held} days")
    if no:
        return result(c, "not_met", f"Prior {treatment} course: " + "; ".join(no), [ptr], f"The policy requires a prior course with {need_text}", default_label=label)
    if unknown:
        return result(c, "unknown", f"Prior {treatment} course: " + "; ".join(unknown), [ptr], f"Complete {ptr}: " + "; ".join(unknown), default_label=label)
    return result(c, "met", f"Prior {treatment} course: " + "; ".join(facts or ["documented"]), [ptr], default_label=label)


@register("sessions")
def _sessions(c: m.SessionsCriterion, case: Case, ctx: Context) -> CriterionResult:
    label = "Sessions requested"
    req = case.request
    cap, why = c.max, "the policy's limit"
    if req.kind == "continuation" and c.continuation_max is not None:
        cap, why = c.continuation_max, "the limit for a continuation"
    elif req.protocol in c.by_protocol:
        cap, why = c.by_protocol[req.protocol], f"the limit for {req.protocol.replace('_', ' ')} TMS"  # type: ignore[index]
    if req.sessions is None:
        return result(c, "unknown", f"Number of sessions requested is not documented (limit {cap})", [], f"Document request.sessions (at most {cap})", default_label=label)
    ok = req.sessions <= cap
    return result(c, "met" if ok else "not_met", f"{req.sessions} sessions requested; {why} is {cap}", ["request.sessions"], f"Request at most {cap} sessions", default_label=label)


@register("devices")
def _devices(c: m.DevicesCriterion, case: Case, ctx: Context) -> CriterionResult:
    label = "Devices requested"
    n = case.request.devices
    if n is None:
        return result(c, "unknown", f"Number of 28 mg devices requested is not documented (limit {c.max})", [], f"Document request.devices (at most {c.max})", default_label=label)
    ok = n <= c.max
    return result(c, "met" if ok else "not_met", f"{n} devices requested; the limit is {c.max}", ["request.devices"], f"Request at most {c.max} devices", default_label=label)


@register("document")
def _document(c: m.DocumentCriterion, case: Case, ctx: Context) -> CriterionResult:
    name = DOCUMENT_LABELS[c.document]
    found = records(case, c.document, scale_instruments(ctx.rule_set))
    fresh = [r for r in found if r.fresh(c.max_age_days, ctx.today)]
    window = f" dated within {c.max_age_days} days" if c.max_age_days is not None else ""
    filed = [r for r in fresh if r.is_document]
    if filed:
        return result(c, "met", f"{name} on file", [filed[0].pointer], default_label=name)
    proof = newest(fresh)
    if proof is not None:
        return result(c, "met", f"{name} on file per {proof.pointer} ({proof.date}); attach {proof.attach}", [proof.pointer], default_label=name)
    noun = document_noun(c.document)
    return result(c, "unknown", f"No {noun}{window} on file", [], f"File a {noun}{window} (documents, kind: {c.document})", default_label=name)
