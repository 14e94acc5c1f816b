"""What every criterion kind is built from: the common fields, the parameter types, the
evaluation context, the finding an evaluator returns, and the phrase helpers.

A kind module (``priorauth/kinds/age.py`` and its siblings) defines one pydantic model,
``evaluate``, ``describe``, ``fields_read``, and ends with ``KIND = Kind(...)``; the
registry in :mod:`priorauth.kinds` collects them. Nothing here knows any single kind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Generic, Literal, Protocol, TypeVar

from pydantic import ConfigDict, Field

from priorauth.case import Case, Indication, RequestKind
from priorauth.loading import format_path
from priorauth.report import Status
from priorauth.scalars import FileModel
from priorauth.vocabulary import fmt_num

Topic = Literal[
    "age",
    "diagnosis",
    "severity",
    "medication_trials",
    "augmentation",
    "psychotherapy",
    "ect",
    "contraindications",
    "prescriber",
    "rems",
    "concurrent_treatment",
    "prior_response",
    "sessions",
    "documentation",
    "other",
]
TrialOutcomeName = Literal["inadequate_response", "partial_response", "intolerance", "contraindicated"]
DoseRule = Literal["minimum", "maximum", "none"]
ClinicalFlag = Literal[
    "seizure_history",
    "implanted_metal_near_head",
    "psychotic_features",
    "bipolar_disorder",
    "schizophrenia_spectrum",
    "substance_use_disorder",
    "suicidal_ideation",
    "neurological_condition",
    "uncontrolled_hypertension",
    "aneurysmal_vascular_disease",
    "intracerebral_hemorrhage_history",
    "ketamine_hypersensitivity",
    "pregnant",
]
DrugClass = Literal[
    "ssri", "snri", "tca", "maoi", "bupropion", "mirtazapine", "serotonin_modulator", "nmda", "other",
    "antipsychotic", "lithium", "thyroid", "buspirone",
]
ICD = Annotated[str, Field(pattern=r"^[A-Z]\d{2}(\.[0-9A-Z]{0,4})?$")]
Years = Annotated[int, Field(ge=1, le=100)]
Weeks = Annotated[float, Field(gt=0, le=104)]
Days = Annotated[int, Field(ge=0, le=3650)]
Pct = Annotated[float, Field(ge=0, le=100)]

# what a criterion may apply to: a request kind, or one of the two readings of a
# continuation request (settled reading, v2): a retreatment when the most recent prior
# course of the treatment has a relapse date, else a continuation of that course
AppliesTo = Literal["initial", "continuation", "retreatment", "course_continuation"]

BOTH_REQUESTS: tuple[RequestKind, ...] = ("initial", "continuation")
INITIAL_ONLY: tuple[RequestKind, ...] = ("initial",)
PROGRAM_DEFAULT_TRIAL_DAYS = 42  # 6 weeks


# the case fields that tell a retreatment from a continuation of the course
RELAPSE_FIELDS = ["prior_courses[].treatment", "prior_courses[].start", "prior_courses[].end", "prior_courses[].relapse_date"]


def is_retreatment(case: Case, treatment: str) -> bool:
    """A continuation request whose most recent prior course of ``treatment`` relapsed."""
    if case.request.kind != "continuation":
        return False
    courses = [(i, pc) for i, pc in enumerate(case.courses) if pc.treatment == treatment]
    if not courses:
        return False
    _, latest = max(courses, key=lambda x: (x[1].end or x[1].start or dt.date.min, x[0]))
    return latest.relapse_date is not None


def request_kinds(case: Case, treatment: str) -> frozenset[str]:
    """The ``applies_to`` values a request matches: initial; or continuation and one of
    retreatment / course_continuation."""
    if case.request.kind == "initial":
        return frozenset({"initial"})
    return frozenset({"continuation", "retreatment" if is_retreatment(case, treatment) else "course_continuation"})


class _Strict(FileModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Criterion(_Strict):
    """Fields every criterion has."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
    label: str | None = None  # short name shown in reports; defaults from the kind
    topic: Topic | None = None  # defaults from the kind
    source: str | None = None  # where in the policy this comes from ("section II.A")
    note: str | None = None  # the author's reading of the source, shown by `rules show`
    applies_to: list[AppliesTo] | None = None  # default depends on the kind
    indication: list[Indication] | None = None  # spravato: only for these indications
    next_step: str | None = None  # overrides the generated next step
    # why the source does not confirm this criterion's number or wording (a third-party
    # summary, an older version, an inference); None: the source shows it
    unverified: str | None = None


class RuleSetView(Protocol):
    """What a kind may read of the rest of its rule set (defaults that depend on it)."""

    @property
    def treatment(self) -> str: ...

    @property
    def criteria(self) -> Sequence[Any]: ...


@dataclass(frozen=True)
class Context:
    """What an evaluator knows besides the criterion and the case."""

    today: dt.date  # request.date: "today" for every look-back window
    rule_set: RuleSetView
    treatment: str


@dataclass
class Finding:
    """An evaluator's answer; the registry adds the criterion's id, label, topic and source."""

    status: Status
    message: str
    evidence: list[str] = field(default_factory=list)
    next_step: str | None = None
    explanations: list[str] = field(default_factory=list)
    gaps: list[str] = field(default_factory=list)
    label: str | None = None  # a label only evaluation can tell ("2 of"); None: the kind's
    topic: str | None = None  # a topic only evaluation can tell (a combinator's first part)
    details: list[Any] = field(default_factory=list)  # a combinator's parts (CriterionResult)
    # documents this case's result rests on, (kind, max age in days): a prescriber
    # attestation that turns a contraindication into met is then a required document
    requires: list[tuple[str, int | None]] = field(default_factory=list)


C = TypeVar("C", bound=_Criterion)


@dataclass(frozen=True)
class Kind(Generic[C]):
    """One criterion kind: its model and everything said and done about it.

    ``label`` is the report's default name for a criterion of this kind (a text, or a
    function of the criterion when the name depends on a parameter); ``topic`` and
    ``applies_to`` are the defaults of the criterion's own fields; ``fields_read`` lists
    the case fields the evaluator reads, its anchor field first.
    """

    model: type[C]
    evaluate: Callable[[C, Case, Context], Finding]
    describe: Callable[[C, RuleSetView | None], str]
    fields_read: Callable[[C], list[str]]
    label: str | Callable[[C], str]
    topic: Topic
    applies_to: tuple[RequestKind, ...] = BOTH_REQUESTS

    @property
    def name(self) -> str:
        return str(self.model.model_fields["kind"].annotation.__args__[0])  # type: ignore[union-attr]  # Literal["age"] -> "age"

    def label_for(self, c: C) -> str:
        return self.label if isinstance(self.label, str) else self.label(c)


# ---- small helpers the kinds share ---------------------------------------------------------------


def ptr(*parts: str | int) -> str:
    """A pointer into the case: ``ptr("medications", 2)`` -> ``medications[2]``."""
    return format_path(parts)


def min_days(weeks: float | None, days: int | None) -> int | None:
    if days is not None:
        return days
    if weeks is not None:
        return round(weeks * 7)
    return None


def walk(criteria: Sequence[Any]) -> list[Any]:
    """Every criterion, parts of a combinator after the combinator itself."""
    out: list[Any] = []
    for c in criteria:
        out.append(c)
        out.extend(walk(getattr(c, "criteria", ())))  # only combinators have parts
    return out


def weeks_phrase(days: int | None) -> str:
    """'>= 6 weeks', '>= 29 days' or '' (the report's compact form)."""
    if not days:
        return ""
    if days % 7 == 0:
        return f">= {days // 7} weeks"
    return f">= {days} days"


def plural(n: int, word: str, plural: str | None = None) -> str:
    return word if n == 1 else (plural or word + "s")


def join_words(items: Sequence[str], word: str = "or") -> str:
    """'a', 'a or b', 'a, b or c'."""
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    if len(items) == 2:
        return f"{items[0]} {word} {items[1]}"
    return ", ".join(items[:-1]) + f" {word} {items[-1]}"


def duration(weeks: float | None, days: int | None) -> str | None:
    """'4 weeks', '29 days' or None when the criterion sets no minimum (the description's form)."""
    if days is not None:
        return f"{days} {'day' if days == 1 else 'days'}"
    if weeks is not None:
        return f"{fmt_num(weeks)} {'week' if weeks == 1 else 'weeks'}"
    return None


def join_steps(steps: list[str]) -> str | None:
    """Several fixes as one next step, each named once: 'Add X; correct Y'."""
    unique = list(dict.fromkeys(steps))
    if not unique:
        return None
    return "; ".join([unique[0]] + [s[:1].lower() + s[1:] for s in unique[1:]])


def fresh_documents(case: Case, kind: str | None, max_age: int | None, today: dt.date) -> list[int]:
    """Indexes of the case's documents of ``kind`` dated within ``max_age`` days (none when kind is None)."""
    if kind is None:
        return []
    return [
        i
        for i, d in enumerate(case.docs)
        if d.kind == kind and (max_age is None or (d.date is not None and (today - d.date).days <= max_age))
    ]


def code_matches(code: str, exact: Sequence[str], prefixes: Sequence[str]) -> bool:
    return code in exact or any(code == p or code.startswith(p + ".") or (code.startswith(p) and "." in p) for p in prefixes)
