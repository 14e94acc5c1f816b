"""``suicidal_ideation``: an MDSI request documents the suicidal ideation it is made for.

Settled reading (v2): a Spravato request with ``indication: mdsi`` is judged on
``clinical.suicidal_ideation``: ``passive`` or ``active_with_intent`` meets it, ``none``
does not, and an absent value is unknown.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from priorauth.case import Case
from priorauth.kinds.base import Context, Finding, Kind, RuleSetView, _Criterion, join_words

_WORDS = {"none": "none", "passive": "passive", "active_with_intent": "active with intent"}


class SuicidalIdeationCriterion(_Criterion):
    kind: Literal["suicidal_ideation"]
    meets: list[Literal["passive", "active_with_intent"]] = Field(default_factory=lambda: ["passive", "active_with_intent"])  # type: ignore[arg-type]  # mypy reads the literal as list[str]


def evaluate(c: SuicidalIdeationCriterion, case: Case, ctx: Context) -> Finding:
    value = case.flags.suicidal_ideation
    accepted = join_words([_WORDS[v] for v in c.meets])
    if value is None:
        return Finding("unknown", "Suicidal ideation is not documented", [], f"Document clinical.suicidal_ideation ({accepted}) from the evaluation")
    if value in c.meets:
        return Finding("met", f"Suicidal ideation documented: {_WORDS[value]}", ["clinical.suicidal_ideation"])
    return Finding("not_met", f"Suicidal ideation documented as {_WORDS[value]}; the request needs {accepted}", ["clinical.suicidal_ideation"], "An MDSI request needs documented suicidal ideation; otherwise request for another indication")


def describe(c: SuicidalIdeationCriterion, rule_set: RuleSetView | None) -> str:
    return f"Suicidal ideation documented ({join_words([_WORDS[v] for v in c.meets])})"


def fields_read(c: SuicidalIdeationCriterion) -> list[str]:
    return ["clinical.suicidal_ideation"]


KIND = Kind(SuicidalIdeationCriterion, evaluate, describe, fields_read, label="Suicidal ideation documented", topic="diagnosis")
