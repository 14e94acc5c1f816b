"""``psychotherapy``: an adequate trial of psychotherapy (sessions or weeks) without sufficient improvement."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from priorauth.case import Case, Modality
from priorauth.kinds._trials import EVIDENCE_BASED, judge_therapy
from priorauth.kinds.base import INITIAL_ONLY, Context, Finding, Kind, RuleSetView, Weeks, _Criterion, join_steps, join_words, ptr
from priorauth.vocabulary import MODALITIES, OUTCOME_WORDS, cap, fmt_num


class PsychotherapyCriterion(_Criterion):
    kind: Literal["psychotherapy"]
    min_sessions: Annotated[int, Field(ge=1, le=200)] = 6
    min_weeks: Weeks = 6  # either sessions or weeks is enough
    evidence_based: bool = False
    modalities: list[Modality] | None = None  # overrides evidence_based
    # recorded modalities that may stand for a therapy the policy accepts but the case
    # vocabulary cannot name (CareFirst's "ST" and "PEI" recorded as other): unknown, not failed
    unclear_modalities: list[Modality] = Field(default_factory=list)
    outcomes: list[Literal["inadequate_response", "partial_response", "ongoing"]] = Field(
        default_factory=lambda: ["inadequate_response", "partial_response", "ongoing"]  # type: ignore[arg-type]  # mypy reads the literal as list[str]
    )
    current_episode: bool = False
    if_absent: Literal["not_met", "unknown"] = "not_met"
    any_entry: bool = False  # medical-mutual "tried if available": any entry satisfies it


def evaluate(c: PsychotherapyCriterion, case: Case, ctx: Context) -> Finding:
    therapies = case.therapies
    kind = "evidence-based psychotherapy" if (c.evidence_based or c.modalities) else "psychotherapy"
    if not therapies:
        return Finding(c.if_absent, f"No {kind} documented", [], f"Document a trial of {kind} (>= {c.min_sessions} sessions or {fmt_num(c.min_weeks)} weeks) with its outcome in psychotherapy")
    if c.any_entry:
        return Finding("met", f"Psychotherapy tried ({len(therapies)} documented)", [ptr("psychotherapy", i) for i in range(len(therapies))])
    modalities = frozenset(c.modalities) if c.modalities else (EVIDENCE_BASED if c.evidence_based else None)
    verdicts = [
        judge_therapy(case, i, t, modalities=modalities, outcomes=tuple(c.outcomes), min_sessions=c.min_sessions, min_weeks=c.min_weeks, current_episode=c.current_episode, today=ctx.today, unclear=frozenset(c.unclear_modalities))
        for i, t in enumerate(therapies)
    ]
    yes = [v for v in verdicts if v.counts is True]
    maybe = [v for v in verdicts if v.counts is None]
    explanations = [v.explain(therapies[v.index].modality) for v in verdicts]
    gaps = [g for g in (v.gap(therapies[v.index].modality) for v in verdicts) if g]
    where = " in the current episode" if c.current_episode else ""
    if yes:
        return Finding("met", f"Adequate trial of {kind}{where} without sufficient improvement ({len(yes)} documented)", [v.pointer for v in yes], explanations=explanations)
    if maybe:
        return Finding("unknown", f"{cap(kind)} is documented but cannot be judged adequate", [v.pointer for v in maybe], join_steps([f for v in maybe for f in v.fixes]), explanations, gaps)
    return Finding(
        "not_met",
        f"No adequate trial of {kind}{where} (>= {c.min_sessions} sessions or {fmt_num(c.min_weeks)} weeks, without sufficient improvement)",
        [],
        f"Document an adequate trial of {kind}{where} (>= {c.min_sessions} sessions or {fmt_num(c.min_weeks)} weeks) and its outcome",
        explanations,
        gaps,
    )


def describe(c: PsychotherapyCriterion, rule_set: RuleSetView | None) -> str:
    if c.any_entry:
        text = "Psychotherapy has been tried (any documented psychotherapy counts)"
    else:
        if c.modalities:
            kind = "psychotherapy (" + join_words([MODALITIES[x].short for x in c.modalities]) + ")"
        elif c.evidence_based:
            # the evidence-based set is a frozenset: show it in the vocabulary's order
            kind = "evidence-based psychotherapy (" + join_words([name.short for key, name in MODALITIES.items() if key in EVIDENCE_BASED]) + ")"
        else:
            kind = "psychotherapy"
        text = f"An adequate trial of {kind}: at least {c.min_sessions} sessions or {fmt_num(c.min_weeks)} weeks, without sufficient improvement"
        if c.current_episode:
            text += ", in the current episode"
        if c.unclear_modalities:
            text += ". A therapy recorded as " + join_words([MODALITIES[x].short for x in c.unclear_modalities], "or") + " cannot be judged and is reported as not documented"
        failing = [o for o in c.outcomes if o != "ongoing"]
        text += ". Counts: " + join_words([OUTCOME_WORDS[o] for o in failing])
        if "ongoing" in c.outcomes:
            text += f", or ongoing therapy after {c.min_sessions} sessions"
    if c.if_absent == "unknown":
        text += ". When no psychotherapy is documented the criterion is reported as not documented, not as failed"
    return text


def fields_read(c: PsychotherapyCriterion) -> list[str]:
    out = ["psychotherapy[].modality", "psychotherapy[].start", "psychotherapy[].end", "psychotherapy[].sessions", "psychotherapy[].outcome"]
    return out + (["episode.current_start"] if c.current_episode else [])


KIND = Kind(PsychotherapyCriterion, evaluate, describe, fields_read, label="Psychotherapy trial", topic="psychotherapy", applies_to=INITIAL_ONLY)
