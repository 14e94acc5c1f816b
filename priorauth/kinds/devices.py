"""``devices``: the number of Spravato 28 mg devices requested is within the policy's limit."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from priorauth.case import Case
from priorauth.kinds.base import Context, Finding, Kind, RuleSetView, _Criterion


class DevicesCriterion(_Criterion):
    kind: Literal["devices"]
    max: Annotated[int, Field(ge=1, le=500)]


def evaluate(c: DevicesCriterion, case: Case, ctx: Context) -> Finding:
    n = case.request.devices
    if n is None:
        return Finding("unknown", f"Number of 28 mg devices requested is not documented (limit {c.max})", [], f"Document request.devices (at most {c.max})")
    ok = n <= c.max
    return Finding("met" if ok else "not_met", f"{n} devices requested; the limit is {c.max}", ["request.devices"], f"Request at most {c.max} devices")


def describe(c: DevicesCriterion, rule_set: RuleSetView | None) -> str:
    return f"At most {c.max} Spravato 28 mg devices requested"


def fields_read(c: DevicesCriterion) -> list[str]:
    return ["request.devices"]


KIND = Kind(DevicesCriterion, evaluate, describe, fields_read, label="Devices requested", topic="sessions")
