"""``severity``: a fresh score on a validated depression scale at or above (or strictly above) a threshold."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from priorauth.case import Assessment, Case, Instrument
from priorauth.kinds._trials import EPISODE_FIX
from priorauth.kinds.base import ICD, Context, Days, Finding, Kind, RuleSetView, _Criterion, _Strict, join_words, ptr
from priorauth.vocabulary import VALIDATED_SCALES, fmt_num


class Threshold(_Strict):
    instrument: Instrument
    min: float | None = None  # inclusive; None: any documented score
    above: float | None = None  # strictly greater ("PHQ-9 > 15"); use min or above, not both

    @model_validator(mode="after")
    def _one(self) -> Threshold:
        if self.min is not None and self.above is not None:
            raise ValueError("give min (inclusive) or above (strict), not both")
        return self

    @property
    def bound(self) -> tuple[float | None, bool]:
        """(threshold, strict); (None, False) accepts any documented score."""
        return (self.above, True) if self.above is not None else (self.min, False)


class SeverityCriterion(_Criterion):
    kind: Literal["severity"]
    alternatives: list[Threshold] = Field(default_factory=list)  # empty: any validated scale
    max_age_days: Days = 30  # program default freshness
    current_episode: bool = False
    severe_codes: list[ICD] = Field(default_factory=list)  # an ICD code that states severity also meets it


def evaluate(c: SeverityCriterion, case: Case, ctx: Context) -> Finding:
    wanted: dict[str, tuple[float | None, bool]] = {t.instrument: t.bound for t in c.alternatives} if c.alternatives else dict.fromkeys(VALIDATED_SCALES, (None, False))

    def passes(instrument: str, score: float) -> bool:
        bound, strict = wanted[instrument]
        return bound is None or (score > bound if strict else score >= bound)

    def phrase(instrument: str) -> str:
        bound, strict = wanted[instrument]
        return instrument if bound is None else f"{instrument} {'>' if strict else '>='} {fmt_num(bound)}"

    want_text = " or ".join(phrase(k) for k in wanted) if c.alternatives else "a validated depression scale"
    fresh: dict[str, tuple[int, Assessment]] = {}
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
        return Finding("met", f"{a.instrument} {fmt_num(a.score)} on {a.date} ({window}): {verdict}", [ptr("assessments", i)])
    if severe_code is not None:
        d = case.diagnoses[severe_code]
        return Finding("met", f"{d.code} states a severe episode ({want_text} not shown by a score {window})", [ptr("diagnoses", severe_code)])
    if c.current_episode and case.episode_start is None and case.scales:
        return Finding("unknown", "episode.current_start is not documented, so a baseline in the current episode cannot be shown", [], EPISODE_FIX)
    if fresh:
        parts = ", ".join(f"{a.instrument} {fmt_num(a.score)} on {a.date}" for _, a in fresh.values())
        return Finding("not_met", f"{parts}: below {want_text}", [ptr("assessments", i) for i, _ in fresh.values()], f"The policy requires {want_text}; a current score below it does not qualify")
    msg = f"No {want_text if c.alternatives else 'validated depression scale'} score {window}"
    if stale:
        msg += f"; the score in {ptr('assessments', stale[-1])} is older than {c.max_age_days} days"
    return Finding("unknown", msg, [ptr("assessments", i) for i in stale], f"Record a current score ({want_text}) dated within {c.max_age_days} days of the request")


def _score_text(t: Threshold) -> str:
    bound, strict = t.bound
    if bound is None:
        return f"a documented {t.instrument} score"
    if strict:
        return f"{t.instrument} score above {fmt_num(bound)} (> {fmt_num(bound)})"
    return f"{t.instrument} score of at least {fmt_num(bound)}"


def describe(c: SeverityCriterion, rule_set: RuleSetView | None) -> str:
    if c.alternatives:
        text = join_words([_score_text(t) for t in c.alternatives])
    else:
        text = f"A score on a validated depression scale ({join_words(list(VALIDATED_SCALES))})"
    text += f", dated within {c.max_age_days} days of the request"
    if c.current_episode:
        text += " and in the current episode"
    if c.severe_codes:
        text += f"; or a diagnosis code that states a severe episode ({join_words(list(c.severe_codes))})"
    return text


def fields_read(c: SeverityCriterion) -> list[str]:
    scores = ["assessments[].instrument", "assessments[].score", "assessments[].date"]
    return scores + (["episode.current_start"] if c.current_episode else []) + (["diagnoses[].code"] if c.severe_codes else [])


KIND = Kind(SeverityCriterion, evaluate, describe, fields_read, label="Depression severity", topic="severity")
