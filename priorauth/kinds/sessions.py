"""``sessions``: the number of TMS sessions requested is within the policy's limit."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from priorauth.case import Case, Protocol
from priorauth.kinds.base import Context, Finding, Kind, RuleSetView, _Criterion, RELAPSE_FIELDS, is_retreatment


class SessionsCriterion(_Criterion):
    kind: Literal["sessions"]
    max: Annotated[int, Field(ge=1, le=500)]
    by_protocol: dict[Protocol, Annotated[int, Field(ge=1, le=500)]] = Field(default_factory=dict)
    continuation_max: Annotated[int, Field(ge=1, le=500)] | None = None


def evaluate(c: SessionsCriterion, case: Case, ctx: Context) -> Finding:
    req = case.request
    limit, why = c.max, "the policy's limit"
    if req.kind == "continuation" and c.continuation_max is not None and not is_retreatment(case, ctx.treatment):
        limit, why = c.continuation_max, "the limit for a continuation"
    elif req.protocol is not None and req.protocol in c.by_protocol:
        limit, why = c.by_protocol[req.protocol], f"the limit for {req.protocol.replace('_', ' ')} TMS"
    if req.sessions is None:
        return Finding("unknown", f"Number of sessions requested is not documented (limit {limit})", [], f"Document request.sessions (at most {limit})")
    ok = req.sessions <= limit
    return Finding("met" if ok else "not_met", f"{req.sessions} sessions requested; {why} is {limit}", ["request.sessions"], f"Request at most {limit} sessions")


def describe(c: SessionsCriterion, rule_set: RuleSetView | None) -> str:
    text = f"At most {c.max} sessions requested"
    if c.by_protocol:
        text += " (" + "; ".join(f"{p.replace('_', ' ')}: at most {n}" for p, n in c.by_protocol.items()) + ")"
    if c.continuation_max is not None:
        text += f"; at most {c.continuation_max} for a continuation of the course (a retreatment after a relapse has the initial limit)"
    return text


def fields_read(c: SessionsCriterion) -> list[str]:
    return ["request.sessions"] + (["request.protocol"] if c.by_protocol else []) + (RELAPSE_FIELDS if c.continuation_max is not None else [])


KIND = Kind(SessionsCriterion, evaluate, describe, fields_read, label="Sessions requested", topic="sessions")
