"""``concurrent_treatments``: none of the listed treatments is given at the same time (unless justified)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from priorauth.case import Case, DocumentKind
from priorauth.kinds.base import Context, Days, Finding, Kind, RuleSetView, _Criterion, fresh_documents, join_words, ptr
from priorauth.vocabulary import document_noun


class ConcurrentCriterion(_Criterion):
    kind: Literal["concurrent_treatments"]
    forbidden: list[Annotated[str, Field(min_length=1)]]
    unless_document: DocumentKind | None = None
    unless_document_days: Days = 90
    # not_met: a forbidden treatment without the document fails; unknown: it is a documentation
    # gap (centene: "must be documented and justified", not an exclusion)
    without_document: Literal["not_met", "unknown"] = "not_met"


def evaluate(c: ConcurrentCriterion, case: Case, ctx: Context) -> Finding:
    listed = case.flags.concurrent_treatments
    current = {t.strip().lower() for t in listed or []}
    if case.ect is not None and case.ect.status == "current":
        current.add("ect")
    forbidden = [f for f in c.forbidden if f.lower() in current]
    names = ", ".join(c.forbidden)
    if forbidden:
        given = ", ".join(forbidden)
        attest = fresh_documents(case, c.unless_document, c.unless_document_days, ctx.today)
        requires: list[tuple[str, int | None]] = [(c.unless_document, c.unless_document_days)] if c.unless_document else []
        if attest:
            return Finding("met", f"Concurrent {given} documented and justified", ["clinical.concurrent_treatments", ptr("documents", attest[0])], requires=requires)
        step = f"Stop {given} before this treatment" + (f", or file a {document_noun(c.unless_document)} justifying it" if c.unless_document else "")
        if c.unless_document and c.without_document == "unknown":
            noun = document_noun(c.unless_document)
            return Finding("unknown", f"Concurrent {given} is documented without a {noun} justifying it", ["clinical.concurrent_treatments"], f"File a {noun} (within {c.unless_document_days} days) that documents and justifies concurrent {given}", requires=requires)
        return Finding("not_met", f"Concurrent {given} is documented; the policy does not allow {names} at the same time" + (" without a documented justification" if c.unless_document else ""), ["clinical.concurrent_treatments"], step, requires=requires)
    if listed is None:
        return Finding("unknown", f"Concurrent treatments are not documented (the policy excludes {names})", [], "Record clinical.concurrent_treatments (an empty list when there are none)")
    return Finding("met", f"None of {names} is given at the same time", ["clinical.concurrent_treatments"])


def describe(c: ConcurrentCriterion, rule_set: RuleSetView | None) -> str:
    text = f"Not receiving {join_words(list(c.forbidden))} at the same time"
    if c.unless_document:
        text += f", unless a {document_noun(c.unless_document)} dated within {c.unless_document_days} days justifies it"
        if c.without_document == "unknown":
            text += " (without it, a gap to close rather than an exclusion)"
    return text


def fields_read(c: ConcurrentCriterion) -> list[str]:
    out = ["clinical.concurrent_treatments", "ect.status"]
    if c.unless_document:
        out += ["documents[].kind", "documents[].date"]
    return out


KIND = Kind(ConcurrentCriterion, evaluate, describe, fields_read, label="No conflicting concurrent treatment", topic="concurrent_treatment")
