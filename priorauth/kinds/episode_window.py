"""``episode_window``: the current episode began within N years of the request."""

from __future__ import annotations

from typing import Literal

from priorauth.case import Case
from priorauth.kinds._trials import EPISODE_FIX, years_before
from priorauth.kinds.base import Context, Finding, Kind, RuleSetView, Years, _Criterion


class EpisodeWindowCriterion(_Criterion):
    kind: Literal["episode_window"]
    within_years: Years


def evaluate(c: EpisodeWindowCriterion, case: Case, ctx: Context) -> Finding:
    onset = case.episode_start
    if onset is None:
        return Finding("unknown", "Onset of the current episode is not documented", [], EPISODE_FIX)
    limit = years_before(ctx.today, c.within_years)
    ok = onset >= limit
    msg = f"Current episode began {onset}, {'within' if ok else 'more than'} {c.within_years} years before the request"
    return Finding("met" if ok else "not_met", msg, ["episode.current_start"], f"The policy covers episodes that began on or after {limit}")


def describe(c: EpisodeWindowCriterion, rule_set: RuleSetView | None) -> str:
    return f"The current depressive episode began within the past {c.within_years} {'year' if c.within_years == 1 else 'years'}"


def fields_read(c: EpisodeWindowCriterion) -> list[str]:
    return ["episode.current_start"]


KIND = Kind(EpisodeWindowCriterion, evaluate, describe, fields_read, label="Current episode", topic="medication_trials")
