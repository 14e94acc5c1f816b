"""The appeal of a denial: the denial it answers, and each criterion answered with its evidence.

:class:`Denial` is what the payer's denial letter says (typed by the user, or recorded in
the work queue); :func:`check_denial` refuses a denial that cannot be appealed from this
letter (no reference or date, a date before the request or after the letter);
:func:`appeal_facts` is the ``appeal`` variable of the appeal template: the denial, the
level and deadline, and one clinical sentence per criterion met, from the report and the
case (no field names, no rule syntax).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from priorauth import catalog
from priorauth.case import Case
from priorauth.errors import UsageError
from priorauth.kinds._trials import trial_days
from priorauth.kinds.age import age_on
from priorauth.letters.plain import plain, task
from priorauth.report import CriterionResult, Report
from priorauth.rules.model import RuleSet, walk
from priorauth.vocabulary import FLAG_LABELS, MODALITIES, SPECIALTY_LABELS, TREATMENTS, fmt_num

LEVELS: dict[str, str] = {
    "first": "first-level internal appeal",
    "second": "second-level internal appeal",
    "external": "external review by an independent review organization",
}
USUAL_APPEAL_DAYS = 180  # internal appeals, when the rule set states no deadline of its own
_POINTER = re.compile(r"^([a-z_]+)\[(\d+)\]$")


@dataclass(frozen=True)
class Denial:
    """The denial an appeal answers, as the payer's letter gives it (values exactly as typed)."""

    reference: str | None = None
    date: dt.date | None = None
    reason: str | None = None
    level: str = "first"  # a key of LEVELS: first, second or external
    expedited: bool = False


def long_date(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


def check_denial(denial: Denial, request_date: dt.date, letter_date: dt.date | None) -> None:
    """Refuse a denial an appeal letter cannot answer; messages name the option to give."""
    if not denial.reference:
        raise UsageError(
            "an appeal needs the denial's reference number: --denial-reference is missing",
            "give --denial-reference REF as printed on the payer's denial letter, or --request ID --db FILE for a request whose denial the queue recorded with --reference",
        )
    if denial.date is None:
        raise UsageError(
            "an appeal needs the date of the denial: --denial-date is missing",
            "give --denial-date YYYY-MM-DD from the payer's denial letter, or --request ID --db FILE for a request whose denial the queue recorded",
        )
    if denial.date < request_date:
        raise UsageError(
            f"--denial-date {denial.date.isoformat()} is before the case's request date (request.date): a denial cannot come before the request it decides",
            "check the date on the payer's denial letter, or correct request.date in the case",
        )
    if letter_date is not None and letter_date < denial.date:
        raise UsageError(
            f"the letter would be dated {letter_date.isoformat()}, before the denial it answers (--denial-date {denial.date.isoformat()})",
            "an appeal is written after the denial: give --date on or after the denial date (default: today)",
        )


def check_denial_not_future(denial: Denial, today: dt.date) -> None:
    """A denial dated after today has not happened: a typo in the date, most likely."""
    if denial.date is not None and denial.date > today:
        raise UsageError(
            f"--denial-date {denial.date.isoformat()} is in the future (today is {today.isoformat()})",
            "give the date printed on the payer's denial letter",
        )


def appeal_facts(denial: Denial, case: Case, report: Report, rule_set: RuleSet) -> dict[str, Any]:
    """The ``appeal`` template variable."""
    assert denial.date is not None  # check_denial ran first
    internal = denial.level != "external"
    days = rule_set.submission.appeal_days
    if not internal:
        deadline = None
        deadline_text = "External review is requested within the time the final internal denial letter states."
    elif days is not None:
        deadline = denial.date + dt.timedelta(days=days)
        deadline_text = f"{rule_set.payer_name} allows {days} days from the denial for an internal appeal: this appeal is due by {long_date(deadline)}."
    else:
        deadline = denial.date + dt.timedelta(days=USUAL_APPEAL_DAYS)
        deadline_text = (
            f"The usual deadline for an internal appeal is {USUAL_APPEAL_DAYS} days from the denial, {long_date(deadline)}; "
            f"this is the usual deadline, not one stated by {rule_set.payer_name}: the denial letter gives the plan's own."
        )
    flags = {c.id: getattr(c, "flag", None) for c in walk(rule_set.criteria)}
    return {
        "reference": denial.reference,
        "date": long_date(denial.date),
        "iso_date": denial.date.isoformat(),
        "reason": denial.reason,
        "level": denial.level,
        "level_text": LEVELS[denial.level],
        "expedited": denial.expedited,
        "deadline": long_date(deadline) if deadline else None,
        "deadline_text": deadline_text,
        "answers": [{"label": c.label, "text": answer(c, case, rule_set)} for c in report.criteria if c.status == "met"],
        "open": [{"label": c.label, "text": task(c, flags.get(c.id))} for c in report.criteria if c.status != "met"],
    }


def answer(result: CriterionResult, case: Case, rule_set: RuleSet) -> str:
    """One criterion met, with its evidence, as a clinical sentence."""
    if result.details:
        parts = [answer(d, case, rule_set) for d in result.details if d.status == "met"]
        if parts:
            return " ".join(parts)
    items = [_item(p, case) for p in result.evidence]
    kind = result.kind
    p = case.patient
    if kind == "age":
        return f"The patient is {age_on(p.birth_date, case.request.date)} years old (born {long_date(p.birth_date)})."
    if kind == "diagnosis":
        d = case.primary_diagnosis
        title = catalog.icd10_title(d.code)
        return f"The diagnosis is {title[:1].lower() + title[1:]} ({d.code})." if title else f"The diagnosis is coded {d.code}."
    if kind in ("failed_trials", "augmentation") and items:
        trials = [i for i in items if i[0] == "medications"]
        if trials:
            noun = "augmentation trial" if kind == "augmentation" else "antidepressant trial"
            count = f"{len(trials)} adequate {noun}{'s' if len(trials) > 1 else ''}"
            return f"The records document {count} without sufficient response: " + "; ".join(_trial(case, i[1]) for i in trials) + "."
    if kind == "psychotherapy" and items:
        return "; ".join(_therapy(case, i[1]) for i in items if i[0] == "psychotherapy") + "."
    if kind == "severity" and items:
        scores = [case.scales[i[1]] for i in items if i[0] == "assessments"]
        if scores:
            return "; ".join(f"{a.instrument} score {fmt_num(a.score)} on {long_date(a.date)}" for a in scores) + ", on a validated depression scale."
    if kind == "prior_response" and items:
        courses = [case.courses[i[1]] for i in items if i[0] == "prior_courses"]
        if courses:
            return " ".join(_course(c) for c in courses)
    if kind == "prescriber" and case.prescriber.specialty:
        return f"The prescriber, {case.prescriber.name}, is a {SPECIALTY_LABELS.get(case.prescriber.specialty, 'prescriber')}."
    if kind == "sessions" and case.request.sessions:
        limit = next((getattr(c, "max", None) for c in walk(rule_set.criteria) if c.id == result.id), None)
        return f"{case.request.sessions} sessions are requested" + (f", within the policy's limit of {limit}." if limit else ".")
    if kind == "rems" and case.rems is not None:
        said = [text for known, text in ((case.rems.setting_certified, "the treatment setting is certified under the Spravato REMS"), (case.rems.patient_enrolled, "the patient is enrolled in the Spravato REMS")) if known]
        if said:
            text = " and ".join(said)
            return text[:1].upper() + text[1:] + "."
    if kind == "pdmp":
        return "The state prescription drug monitoring program was reviewed before prescribing."
    if kind == "contraindication":
        flags = [i[1] for i in items if i[0] == "clinical"]
        if flags:
            return " ".join(_screening(case, f) for f in flags)
    return plain(result.message).rstrip(".") + "."


def _item(pointer: str, case: Case) -> tuple[str, Any]:
    m = _POINTER.match(pointer)
    if m:
        return m.group(1), int(m.group(2))
    section, _, name = pointer.partition(".")
    return section, name


def _trial(case: Case, index: int) -> str:
    m = case.meds[index]
    drug = catalog.lookup_drug(m.drug)
    name = drug.generic if drug else m.drug
    if drug and drug.generic.lower() != m.drug.lower():
        name += f" ({m.drug})"
    parts = [name]
    if m.max_daily_dose_mg is not None:
        parts.append(f"up to {fmt_num(m.max_daily_dose_mg)} mg a day")
    days = trial_days(m.start, m.end, case.request.date)
    if days is not None:
        parts.append(f"for {days // 7} weeks")
    text = " ".join(parts)
    if m.outcome:
        text += f", {m.outcome.replace('_', ' ')}"
    if m.reason:
        text += f" ({m.reason})"
    return text


def _therapy(case: Case, index: int) -> str:
    t = case.therapies[index]
    text = MODALITIES[t.modality].full
    if t.sessions is not None:
        text += f", {t.sessions} sessions"
    if t.start:
        text += f" from {long_date(t.start)}" + (f" to {long_date(t.end)}" if t.end else "")
    if t.outcome:
        text += f", {t.outcome.replace('_', ' ')}"
    return text


def _course(c: Any) -> str:
    text = f"A prior course of {TREATMENTS[c.treatment].full}"
    if c.start and c.end:
        text += f" from {long_date(c.start)} to {long_date(c.end)}"
    if c.baseline_score is not None and c.final_score is not None and c.baseline_score:
        pct = (c.baseline_score - c.final_score) / c.baseline_score * 100
        text += f" lowered the {c.instrument or 'rating scale'} score from {fmt_num(c.baseline_score)} to {fmt_num(c.final_score)}, a {pct:.0f}% improvement"
    return text + "."


def _screening(case: Case, flag: str) -> str:
    value = getattr(case.flags, flag, None)
    label = FLAG_LABELS.get(flag, flag.replace("_", " "))
    if value is False:
        return f"Screening documents no {label}."
    if isinstance(value, str):
        return f"Screening documents {label}: {value.replace('_', ' ')}."
    return f"Screening documents {label}."
