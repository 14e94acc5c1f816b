"""``age``: the patient's age on the date of the request, within a range."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, model_validator

from priorauth.case import Case
from priorauth.kinds.base import Context, Finding, Kind, RuleSetView, _Criterion


class AgeCriterion(_Criterion):
    kind: Literal["age"]
    min: Annotated[int, Field(ge=0, le=120)] | None = None
    max: Annotated[int, Field(ge=0, le=120)] | None = None  # inclusive

    @model_validator(mode="after")
    def _bounds(self) -> AgeCriterion:
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.max < self.min:
            raise ValueError("max is below min")
        return self


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _range(c: AgeCriterion) -> str:
    if c.min is not None and c.max is not None:
        return f"{c.min} to {c.max}"
    if c.min is not None:
        return f"{c.min} or older"
    return f"{c.max} or younger"


def evaluate(c: AgeCriterion, case: Case, ctx: Context) -> Finding:
    age = age_on(case.patient.birth_date, ctx.today)
    need = _range(c)
    ok = (c.min is None or age >= c.min) and (c.max is None or age <= c.max)
    msg = f"Age {age} on {ctx.today}; the policy covers patients {need}"
    return Finding("met" if ok else "not_met", msg, ["patient.birth_date"], f"This policy covers ages {need} only; check the birth date or another treatment")


def describe(c: AgeCriterion, rule_set: RuleSetView | None) -> str:
    inclusive = " (inclusive)" if c.min is not None and c.max is not None else ""
    return f"Age {_range(c)}{inclusive} on the date of the request"


def fields_read(c: AgeCriterion) -> list[str]:
    return ["patient.birth_date"]


KIND = Kind(AgeCriterion, evaluate, describe, fields_read, label="Age", topic="age")
