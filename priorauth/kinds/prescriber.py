"""``prescriber``: the prescriber's specialty (or a psychiatrist's consultation) and board certification."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from priorauth.case import Case, Specialty
from priorauth.kinds.base import Context, Finding, Kind, RuleSetView, _Criterion, join_words
from priorauth.vocabulary import SPECIALTY_LABELS


class PrescriberCriterion(_Criterion):
    kind: Literal["prescriber"]
    specialties: list[Specialty] = Field(default_factory=lambda: ["psychiatry"])  # type: ignore[arg-type]  # mypy reads the literal as list[str]
    consult_counts: bool = False  # psychiatrist_consulted: true satisfies it
    board_certified: bool = False


def evaluate(c: PrescriberCriterion, case: Case, ctx: Context) -> Finding:
    p = case.prescriber
    wanted = " or ".join(SPECIALTY_LABELS[s] for s in c.specialties)
    need = wanted + (", or in consultation with a psychiatrist" if c.consult_counts else "")
    if c.board_certified and p.board_certified is False:
        return Finding("not_met", "The prescriber is not board certified", ["prescriber.board_certified"], "The policy requires a board-certified prescriber")
    if p.specialty in c.specialties:
        if c.board_certified and p.board_certified is None:
            return Finding("unknown", "Board certification is not documented", [], "Document prescriber.board_certified")
        return Finding("met", f"Prescribed by a {SPECIALTY_LABELS[p.specialty]}", ["prescriber.specialty"])
    if c.consult_counts and p.psychiatrist_consulted:
        return Finding("met", "A psychiatrist was consulted", ["prescriber.psychiatrist_consulted"])
    if p.specialty is None:
        return Finding("unknown", "The prescriber's specialty is not documented", [], f"Document prescriber.specialty (the policy requires: {need})")
    if c.consult_counts and p.psychiatrist_consulted is None:
        return Finding("unknown", f"Prescriber is {SPECIALTY_LABELS[p.specialty]}; a psychiatrist consultation is not documented", ["prescriber.specialty"], "Document prescriber.psychiatrist_consulted and attach the consultation note")
    return Finding("not_met", f"Prescriber is {SPECIALTY_LABELS[p.specialty]}; the policy requires {need}", ["prescriber.specialty"], f"Have the request come from (or be reviewed by) a {need}")


def describe(c: PrescriberCriterion, rule_set: RuleSetView | None) -> str:
    who = join_words([SPECIALTY_LABELS[s] for s in c.specialties])
    article = "an" if who[:1] in "aeiou" else "a"
    text = f"Prescribed by {article} {'board-certified ' if c.board_certified else ''}{who}"
    if c.consult_counts:
        text += ", or in consultation with a psychiatrist"
    return text


def fields_read(c: PrescriberCriterion) -> list[str]:
    return ["prescriber.specialty"] + (["prescriber.board_certified"] if c.board_certified else []) + (["prescriber.psychiatrist_consulted"] if c.consult_counts else [])


KIND = Kind(PrescriberCriterion, evaluate, describe, fields_read, label="Prescriber", topic="prescriber")
