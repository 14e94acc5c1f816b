"""``contraindication``: a clinical screening flag that must be documented as absent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from pydantic import Field, model_validator

from priorauth.case import Case, DocumentKind
from priorauth.kinds.base import ICD, ClinicalFlag, Context, Days, Finding, Kind, RuleSetView, _Criterion, code_matches, fresh_documents, join_words, ptr
from priorauth.vocabulary import FLAG_LABELS, SHORT_FLAG_LABELS, cap, document_noun

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
_ALLOWED_VALUES = {"substance_use_disorder": {"none", "remission", "active"}, "suicidal_ideation": {"none", "passive", "active_with_intent"}}


class ContraindicationCriterion(_Criterion):
    """A clinical screening flag that must be documented as absent."""

    kind: Literal["contraindication"]
    flag: ClinicalFlag
    fail_values: list[str] | None = None  # for non-boolean flags; default per flag
    codes: list[ICD] = Field(default_factory=list)  # ICD prefixes that also show the condition
    unless_document: DocumentKind | None = None  # e.g. a prescriber attestation overrides
    unless_document_days: Days = 90

    @model_validator(mode="after")
    def _fail_values(self) -> ContraindicationCriterion:
        allowed = _ALLOWED_VALUES
        if self.fail_values is not None:
            if self.flag not in allowed:
                raise ValueError(f"fail_values applies only to substance_use_disorder and suicidal_ideation; {self.flag} is true/false and fails when true")
            wrong = [v for v in self.fail_values if v not in allowed[self.flag]]
            if wrong:
                raise ValueError(f"fail_values for {self.flag} must be among: {', '.join(sorted(allowed[self.flag]))}")
        return self


def evaluate(c: ContraindicationCriterion, case: Case, ctx: Context) -> Finding:
    what = FLAG_LABELS[c.flag]
    value = getattr(case.flags, c.flag)
    pointer = ptr("clinical", c.flag)
    codes = c.codes or DEFAULT_FLAG_CODES.get(c.flag, [])
    coded = next((i for i, d in enumerate(case.diagnoses) if code_matches(d.code, [], codes) or d.code in codes), None)
    configured: Sequence[object] | None = c.fail_values or DEFAULT_FAIL_VALUES.get(c.flag)
    fail_values: list[object] = list(configured) if configured else [True]
    present = coded is not None or (value is not None and value in fail_values)
    if present:
        evidence = [ptr("diagnoses", coded)] if coded is not None else [pointer]
        attest = fresh_documents(case, c.unless_document, c.unless_document_days, ctx.today)
        requires: list[tuple[str, int | None]] = [(c.unless_document, c.unless_document_days)] if c.unless_document else []
        if attest and c.unless_document is not None:
            return Finding("met", f"{cap(what)} documented, with a {document_noun(c.unless_document)} that benefit outweighs risk", evidence + [ptr("documents", attest[0])], requires=requires)
        step = f"The policy excludes patients with {what}"
        if c.unless_document:
            step += f" unless a {document_noun(c.unless_document)} is on file"
        return Finding("not_met", f"{cap(what)} is documented", evidence, step, requires=requires)
    if value is None:
        choices = {"substance_use_disorder": "none, remission or active", "suicidal_ideation": "none, passive or active_with_intent"}.get(c.flag, "true or false")
        return Finding("unknown", f"Screening for {what} is not documented", [], f"Document {pointer} ({choices}) from the screening")
    shown = value if isinstance(value, str) else "no"
    return Finding("met", f"No {what} (documented: {shown})", [pointer])


def describe(c: ContraindicationCriterion, rule_set: RuleSetView | None) -> str:
    what = FLAG_LABELS[c.flag]
    fail_values = c.fail_values or DEFAULT_FAIL_VALUES.get(c.flag)
    if fail_values and fail_values == DEFAULT_FAIL_VALUES.get(c.flag) and c.flag in SHORT_FLAG_LABELS:
        text = f"No {SHORT_FLAG_LABELS[c.flag]} (clinical.{c.flag} must be documented; any other value passes)"
    elif fail_values:
        shown = join_words([str(v).replace("_", " ") for v in fail_values])
        text = f"No {what} documented as {shown} (clinical.{c.flag} must be documented)"
    else:
        text = f"Screening documents no {what} (clinical.{c.flag}: false)"
    codes = list(c.codes or DEFAULT_FLAG_CODES.get(c.flag, []))
    if codes:
        text += f"; a diagnosis coded {join_words(codes)} also shows it"
    if c.unless_document:
        text += f"; allowed when a {document_noun(c.unless_document)} dated within {c.unless_document_days} days is on file"
    return text


def fields_read(c: ContraindicationCriterion) -> list[str]:
    out = [f"clinical.{c.flag}", "diagnoses[].code"]
    if c.unless_document:
        out += ["documents[].kind", "documents[].date"]
    return out


def _label(c: ContraindicationCriterion) -> str:
    return "No " + SHORT_FLAG_LABELS.get(c.flag, FLAG_LABELS[c.flag])


KIND = Kind(ContraindicationCriterion, evaluate, describe, fields_read, label=_label, topic="contraindications")
