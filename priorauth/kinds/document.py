"""``document``: a document of one kind is on file, within a freshness window."""

from __future__ import annotations

from typing import Literal

from priorauth.case import Case, DocumentKind
from priorauth.kinds._records import newest, records, scale_instruments
from priorauth.kinds.base import Context, Days, Finding, Kind, RuleSetView, _Criterion
from priorauth.vocabulary import DOCUMENT_LABELS, document_noun


class DocumentCriterion(_Criterion):
    kind: Literal["document"]
    document: DocumentKind
    max_age_days: Days | None = None


def evaluate(c: DocumentCriterion, case: Case, ctx: Context) -> Finding:
    name = DOCUMENT_LABELS[c.document]
    found = records(case, c.document, scale_instruments(ctx.rule_set))
    fresh = [r for r in found if r.fresh(c.max_age_days, ctx.today)]
    window = f" dated within {c.max_age_days} days" if c.max_age_days is not None else ""
    filed = [r for r in fresh if r.is_document]
    if filed:
        return Finding("met", f"{name} on file", [filed[0].pointer])
    proof = newest(fresh)
    if proof is not None:
        return Finding("met", f"{name} on file per {proof.pointer} ({proof.date}); attach {proof.attach}", [proof.pointer])
    noun = document_noun(c.document)
    return Finding("unknown", f"No {noun}{window} on file", [], f"File a {noun}{window} (documents, kind: {c.document})")


def describe(c: DocumentCriterion, rule_set: RuleSetView | None) -> str:
    window = f" dated within {c.max_age_days} days of the request" if c.max_age_days is not None else ""
    return f"{DOCUMENT_LABELS[c.document]}{window} is on file"


def fields_read(c: DocumentCriterion) -> list[str]:
    return ["documents[].kind", "documents[].date"]


KIND = Kind(DocumentCriterion, evaluate, describe, fields_read, label=lambda c: DOCUMENT_LABELS[c.document], topic="documentation")
