"""``diagnosis``: the primary diagnosis (or any) is an accepted ICD-10 code and none is excluded."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from priorauth import catalog
from priorauth.case import Case
from priorauth.kinds.base import ICD, Context, Finding, Kind, RuleSetView, _Criterion, code_matches, join_words, ptr
from priorauth.vocabulary import cap


class DiagnosisCriterion(_Criterion):
    kind: Literal["diagnosis"]
    accepted: list[ICD] = Field(default_factory=list)  # exact codes
    accepted_prefixes: list[ICD] = Field(default_factory=list)  # "F33" accepts F33.0 ... F33.9
    excluded: list[ICD] = Field(default_factory=list)
    excluded_prefixes: list[ICD] = Field(default_factory=list)
    primary_only: bool = True  # judge the primary diagnosis; exclusions always look at every code

    @model_validator(mode="after")
    def _something(self) -> DiagnosisCriterion:
        if not (self.accepted or self.accepted_prefixes):
            raise ValueError("list accepted codes or accepted_prefixes")
        return self


def evaluate(c: DiagnosisCriterion, case: Case, ctx: Context) -> Finding:
    accepted_text = ", ".join(c.accepted + [p + ".x" for p in c.accepted_prefixes])
    for i, d in enumerate(case.diagnoses):
        if code_matches(d.code, c.excluded, c.excluded_prefixes):
            title = catalog.icd10_title(d.code) or "excluded diagnosis"
            return Finding("not_met", f"{d.code} ({title}) is excluded by this policy", [ptr("diagnoses", i)], "The policy excludes this diagnosis; review the diagnosis codes")
    candidates = [(i, d) for i, d in enumerate(case.diagnoses) if d is case.primary_diagnosis] if c.primary_only else list(enumerate(case.diagnoses))
    for i, d in candidates:
        if code_matches(d.code, c.accepted, c.accepted_prefixes):
            title = catalog.icd10_title(d.code) or "title not in the catalog"
            return Finding("met", f"{d.code} ({title}) is an accepted diagnosis", [ptr("diagnoses", i)])
    i, d = candidates[0]
    which = "primary diagnosis" if c.primary_only else "diagnoses"
    return Finding(
        "not_met",
        f"{cap(which)} {d.code} is not among the accepted codes ({accepted_text})",
        [ptr("diagnoses", i)],
        f"The policy accepts {accepted_text}; document a qualifying diagnosis if the clinical picture supports it",
    )


def _code_text(code: str, prefix: bool = False) -> str:
    title = catalog.icd10_title(code)
    text = f"any code under {code}" if prefix else code
    return f"{text} ({title})" if title else text


def describe(c: DiagnosisCriterion, rule_set: RuleSetView | None) -> str:
    # Titles help with a short list; a long one reads better as bare codes.
    titled = len(c.accepted) + len(c.accepted_prefixes) <= 4
    codes = [_code_text(x) if titled else x for x in c.accepted]
    codes += [_code_text(p, prefix=True) if titled else f"any code under {p}" for p in c.accepted_prefixes]
    who = "The primary diagnosis" if c.primary_only else "A diagnosis on the request"
    text = f"{who} is {join_words(codes)}" if len(codes) == 1 else f"{who} is one of {join_words(codes)}"
    excluded = list(c.excluded) + [f"any code under {p}" for p in c.excluded_prefixes]
    if excluded:
        text += f"; no diagnosis on the request is {join_words(excluded)}"
    return text


def fields_read(c: DiagnosisCriterion) -> list[str]:
    return ["diagnoses[].code", "diagnoses[].primary"]


KIND = Kind(DiagnosisCriterion, evaluate, describe, fields_read, label="Diagnosis", topic="diagnosis")
