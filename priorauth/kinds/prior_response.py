"""``prior_response``: a prior course of the treatment helped (and, if asked, relapse followed)."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Annotated, Literal

from pydantic import Field

from priorauth.case import Case, Instrument, Treatment
from priorauth.kinds.base import Context, Days, Finding, Kind, Pct, RuleSetView, Weeks, _Criterion, duration, join_words, ptr
from priorauth.vocabulary import TREATMENTS, fmt_num


class PriorResponseCriterion(_Criterion):
    kind: Literal["prior_response"]
    treatment: Treatment | None = None  # default: the rule set's treatment
    min_improvement_pct: Pct | None = None
    strictly_greater: bool = False  # "> 50%" rather than ">= 50%"
    instrument: Instrument | None = None  # the prior course must be scored on this scale
    relapse_required: bool = False
    min_days_since_end: Days | None = None
    min_weeks_held: Weeks | None = None  # improvement held this long (relapse, if any, after it)
    # the same in calendar months ("sustained >= 2 months"): held until at least the same
    # day of the month N months after the course ended (the last day of a shorter month)
    min_months_held: Annotated[int, Field(ge=1, le=24)] | None = None
    none_ok: bool = False  # no prior course at all also meets it


def evaluate(c: PriorResponseCriterion, case: Case, ctx: Context) -> Finding:
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
            return Finding("met", f"No prior {treatment} course documented (allowed)")
        return Finding("not_met", f"No prior {treatment} course is documented; the policy requires a prior course with {need_text}", [], f"Add the prior {treatment} course to prior_courses with its dates, instrument, baseline and final scores")
    i, pc = max(courses, key=lambda x: (x[1].end or x[1].start or dt.date.min, x[0]))
    pointer = ptr("prior_courses", i)
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
    if c.min_months_held:
        if pc.end is None:
            unknown.append("end of the prior course not documented")
        else:
            held_to = pc.relapse_date or ctx.today
            months = f"{c.min_months_held} month" + ("s" if c.min_months_held > 1 else "")
            if held_to < _add_months(pc.end, c.min_months_held):
                no.append(f"improvement held {(held_to - pc.end).days} days after the course ended ({pc.end}), less than {months}")
            else:
                facts.append(f"improvement held at least {months} after the course ended ({pc.end})")
    if no:
        return Finding("not_met", f"Prior {treatment} course: " + "; ".join(no), [pointer], f"The policy requires a prior course with {need_text}")
    if unknown:
        return Finding("unknown", f"Prior {treatment} course: " + "; ".join(unknown), [pointer], f"Complete {pointer}: " + "; ".join(unknown))
    return Finding("met", f"Prior {treatment} course: " + "; ".join(facts or ["documented"]), [pointer])


def _add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def describe(c: PriorResponseCriterion, rule_set: RuleSetView | None) -> str:
    treatment = c.treatment or (rule_set.treatment if rule_set is not None else None)
    name = TREATMENTS[treatment].short + " course" if treatment else "course of this treatment"
    text = f"A prior {name}"
    needs = []
    if c.min_improvement_pct == 0 and c.strictly_greater:
        needs.append("some improvement (final score below baseline" + (f" on {c.instrument})" if c.instrument else " on the same scale)"))
    elif c.min_improvement_pct is not None:
        more = "more than" if c.strictly_greater else "at least"
        needs.append(f"{more} {fmt_num(c.min_improvement_pct)}% improvement (baseline to final score" + (f" on {c.instrument})" if c.instrument else " on the same scale)"))
    if c.relapse_required:
        needs.append("a relapse after it")
    if c.min_days_since_end is not None:
        needs.append(f"at least {c.min_days_since_end} days since it ended")
    if c.min_weeks_held is not None:
        needs.append(f"the improvement held for at least {duration(c.min_weeks_held, None)}")
    if c.min_months_held is not None:
        needs.append(f"the improvement sustained for at least {c.min_months_held} month{'s' if c.min_months_held > 1 else ''} after the course ended")
    text += (" with " + join_words(needs, "and")) if needs else " is documented"
    if c.none_ok:
        text += "; or no prior course at all"
    return text


def fields_read(c: PriorResponseCriterion) -> list[str]:
    out = ["prior_courses[].treatment", "prior_courses[].start", "prior_courses[].end", "prior_courses[].baseline_score", "prior_courses[].final_score", "prior_courses[].instrument"]
    if c.relapse_required or c.min_weeks_held or c.min_months_held:
        out.append("prior_courses[].relapse_date")
    return out


KIND = Kind(PriorResponseCriterion, evaluate, describe, fields_read, label="Response to the prior course", topic="prior_response", applies_to=("continuation",))
