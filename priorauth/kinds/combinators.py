"""``all_of``, ``any_of``, ``n_of``: criteria made of other criteria.

A combinator judges its parts that apply to the request and keeps them as details, so a
report can show which alternative is met or what is missing in each. Its parts are any
criteria (combinators too), so the models refer to the whole union, which the registry
builds after this module is loaded and then fills in here (``model_rebuild``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, model_validator

from priorauth.case import Case
from priorauth.kinds.base import Context, Finding, Kind, RuleSetView, _Criterion
from priorauth.report import Status

if TYPE_CHECKING:
    from priorauth.kinds.registry import Criterion


class AllOf(_Criterion):
    kind: Literal["all_of"]
    criteria: Annotated[list[Criterion], Field(min_length=1)]


class AnyOf(_Criterion):
    kind: Literal["any_of"]
    criteria: Annotated[list[Criterion], Field(min_length=2)]


class NOf(_Criterion):
    kind: Literal["n_of"]
    n: Annotated[int, Field(ge=1)]
    criteria: Annotated[list[Criterion], Field(min_length=2)]

    @model_validator(mode="after")
    def _n(self) -> NOf:
        if self.n > len(self.criteria):
            raise ValueError("n is larger than the number of criteria")
        return self


Combinator = AllOf | AnyOf | NOf


def evaluate(c: Combinator, case: Case, ctx: Context) -> Finding:
    # the registry imports this module to build the union it judges the parts by
    from priorauth.kinds.registry import applies, judge

    subs = [judge(s, case, ctx) for s in c.criteria if applies(s, case, ctx.treatment)]
    met = [s for s in subs if s.status == "met"]
    unknown = [s for s in subs if s.status == "unknown"]
    if isinstance(c, AllOf):
        need = len(subs)
    elif isinstance(c, AnyOf):
        need = 1 if subs else 0
    else:
        need = min(c.n, len(subs))
    status: Status = "met" if len(met) >= need else ("not_met" if len(met) + len(unknown) < need else "unknown")
    if isinstance(c, AnyOf):
        if met:
            message = "Met: " + met[0].message
        else:
            message = "None of the alternatives is met: " + " | ".join(s.message for s in subs)
    elif isinstance(c, AllOf):
        message = f"{len(met)} of {len(subs)} required parts met: " + " | ".join(s.message for s in subs if s.status != "met") if status != "met" else "; ".join(s.message for s in subs)
    else:
        message = f"{len(met)} of {need} required (of {len(subs)}) met: " + " | ".join(s.message for s in subs)
    # the shortest way forward: an unknown branch before a failed one
    pending = unknown + [s for s in subs if s.status == "not_met"]
    step: str | None
    if isinstance(c, AnyOf):
        step = "Either: " + " — or: ".join(s.next_step for s in pending if s.next_step) if pending else None
        if len(pending) == 1:
            step = pending[0].next_step
    else:
        step = "; ".join(s.next_step for s in pending if s.next_step) or None
    evidence: list[str] = []
    for s in met if status == "met" else subs:
        evidence += [e for e in s.evidence if e not in evidence]
    label = f"{need} of" if isinstance(c, NOf) else None
    return Finding(status, message, evidence, step, label=label, topic=subs[0].topic if subs else None, details=subs)


def head(c: Combinator) -> str:
    """The heading of a combinator's list of parts: 'All of:', 'One of:', 'At least 2 of:'."""
    if isinstance(c, AllOf):
        return "All of:"
    if isinstance(c, AnyOf):
        return "One of:"
    return f"At least {c.n} of:"


def describe(c: Combinator, rule_set: RuleSetView | None) -> str:
    """The inline form: 'One of: (1) ...; (2) ...'."""
    from priorauth.kinds.registry import describe_criterion

    subs = [describe_criterion(s, rule_set).rstrip(".") for s in c.criteria]
    return head(c) + " " + "; ".join(f"({i}) {s}" for i, s in enumerate(subs, 1))


def fields_read(c: Combinator) -> list[str]:
    return []  # the parts read their own fields


ALL_OF = Kind(AllOf, evaluate, describe, fields_read, label="All of", topic="other")
ANY_OF = Kind(AnyOf, evaluate, describe, fields_read, label="One of", topic="other")
N_OF = Kind(NOf, evaluate, describe, fields_read, label=lambda c: f"{c.n} of", topic="other")
