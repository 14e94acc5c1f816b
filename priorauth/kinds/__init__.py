"""Criterion kinds: one module per kind, registered in :mod:`priorauth.kinds.registry`.

Each kind module holds, side by side, the pydantic model of the criterion, how it is
evaluated against a case, how it reads in plain English, its default label, topic and
applicability, and the case fields it reads. See docs/rules.md, "Adding a criterion kind".
"""

from priorauth.kinds.base import Context, Finding, Kind
from priorauth.kinds.registry import (
    COMBINATORS,
    KINDS,
    REGISTRY,
    Criterion,
    applies,
    default_applies_to,
    describe_criterion,
    fields_read,
    indication_of,
    judge,
    kind_of,
)

__all__ = [
    "COMBINATORS",
    "KINDS",
    "REGISTRY",
    "Context",
    "Criterion",
    "Finding",
    "Kind",
    "applies",
    "default_applies_to",
    "describe_criterion",
    "fields_read",
    "indication_of",
    "judge",
    "kind_of",
]
