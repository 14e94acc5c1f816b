"""The JSON that priorauth writes, as typed models: one place to read each output's shape.

- :class:`ReportDocument`: one check report, the JSON contract v1 of
  shared/spec/report-format.md (``priorauth check --format json``; fields may be added,
  never renamed). ``priorauth schema report`` prints its JSON Schema.
- :class:`Row`: one line of a batch's summary.json and summary.csv.
- The comparison of ``priorauth compare --format json`` is typed by its own dataclasses
  in :mod:`priorauth.compare`, serialised by :func:`to_jsonable`.

The report document is a model of its own rather than the engine's :class:`Report`,
because the report carries more than the JSON (reasons shown in text reports, the rule
file it came from): the document reads the report's attributes of its field names, so
what is in the JSON is stated here only. Key order, ``null`` for an absent value, and
keys present only when set (``details``, ``satisfied_by``/``attach``/``note``) are part
of the contract: they are the field order, the types and ``exclude_if``.

Validators are built on first use (``defer_build``), so that commands that print no JSON
pay little for them at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from priorauth.report import DocumentState, Overall, Status

if TYPE_CHECKING:
    from priorauth.report import Report

__all__ = [
    "CriterionDocument",
    "DocumentEntry",
    "MissingDocument",
    "ReportDocument",
    "RequestInfo",
    "ROW_FIELDS",
    "Row",
    "RowStatus",
    "RuleSetDocument",
    "csv_cell",
    "report_schema",
    "reports_adapter",
    "to_jsonable",
]

RowStatus = Literal["ready", "incomplete", "not_eligible", "error"]


def _unset(value: Any) -> bool:
    return not value


class _Output(BaseModel):
    # from_attributes: the engine's report objects are read by field name (their other
    # attributes stay out of the JSON); JSON input is validated as usual.
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True, from_attributes=True)


class RuleSetDocument(_Output):
    """The rule set (payer policy) the case was judged by."""

    id: str = Field(description="payer/treatment, e.g. cigna/tms")
    policy: str = Field(description="the payer's policy number or name")
    title: str
    url: str | None
    effective: str | None = Field(description="YYYY-MM-DD the policy took effect; null when the payer published none")
    evidence: str = Field(description="how directly the rules were read from the payer's policy")
    ends: str | None = Field(description="YYYY-MM-DD the version stops applying; null when open-ended")
    checked: str | None = Field(description="YYYY-MM-DD the criteria were last checked against the source; null when not recorded")
    payer_name: str
    origin: str = Field(description='"shipped", or the rules folder the rule file came from')


class CriterionDocument(_Output):
    """One criterion of the rule set and how the case fares against it."""

    id: str
    topic: str = Field(description="what the criterion is about (see report-format.md: age, diagnosis, severity, ...)")
    status: Status
    message: str
    evidence: list[str] = Field(description='pointers into the case: "medications[1]"')
    kind: str
    label: str
    next_step: str | None
    explanations: list[str] = Field(description='per-item reasons: "medications[2]: ..."')
    details: Annotated[list[CriterionDocument], Field(exclude_if=_unset, description="sub-results of all_of / any_of / n_of; only when there are some")] = []
    unverified: Annotated[str | None, Field(exclude_if=_unset, description="why the source does not confirm this criterion's number or wording; only when it does not")] = None


class MissingDocument(_Output):
    kind: str
    label: str
    state: DocumentState
    next_step: str | None


class RequestInfo(_Output):
    kind: str = Field(description="initial or continuation")
    date: str = Field(description="YYYY-MM-DD of the request")
    indication: str | None = Field(description="Spravato: trd or mdsi; null for TMS")


class DocumentEntry(_Output):
    """A document the rule set requires, and whether the case has it on file."""

    kind: str
    label: str
    state: DocumentState
    max_age_days: int | None
    evidence: list[str] = Field(description="documents[i] that satisfy it (or the stale ones)")
    date: str | None = Field(description="date of the newest document of this kind")
    next_step: str | None
    # Only when a case field stands for the document ("assessments[0]"): which, what to
    # attach for it, and the sentence that says so.
    satisfied_by: Annotated[str | None, Field(exclude_if=_unset, description="a case field that stands for the document")] = None
    attach: Annotated[str | None, Field(exclude_if=lambda v: v is None, description="what to attach for it")] = None
    note: Annotated[str | None, Field(exclude_if=lambda v: v is None)] = None


class ReportDocument(_Output):
    """One case judged by one rule set: ``priorauth check --format json``."""

    case: str = Field(description="the patient id of the case")
    payer: str
    treatment: str
    rule_set: RuleSetDocument
    status: Overall
    criteria: list[CriterionDocument] = Field(description="every criterion of the rule set, never short-circuited")
    missing_documents: list[MissingDocument]
    next_steps: list[str]
    request: RequestInfo
    as_of: str = Field(description="YYYY-MM-DD: the rule-set version in force on this date was used")
    documents: list[DocumentEntry]
    notes: list[str]

    @classmethod
    def of(cls, report: Report) -> ReportDocument:
        """The report's JSON document: its attributes (and properties) of these names."""
        return cls.model_validate(report)


@cache
def reports_adapter() -> TypeAdapter[ReportDocument | list[ReportDocument]]:
    """What ``check --format json`` prints: one report, or an array when several rule sets
    were evaluated."""
    return TypeAdapter(ReportDocument | list[ReportDocument])


def report_schema() -> dict[str, Any]:
    data = reports_adapter().json_schema(mode="serialization")
    data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    data["title"] = "priorauth check report (JSON contract v1)"
    return data


# ---- batch summary rows -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)  # slots: a batch keeps one per case x rule set
class Row:
    """One line of a batch summary: one case against one rule set, or one case that failed.
    The fields, in order, are the keys of summary.json and the columns of summary.csv."""

    source: str  # as shown to the user: "cases/a.yaml" or "export.jsonl:17"
    case: str | None
    payer: str | None
    treatment: str | None
    rule_set: str | None
    status: RowStatus
    unmet: tuple[str, ...] = ()  # topics of criteria not met
    unknown: tuple[str, ...] = ()  # topics of criteria the case does not document
    missing_documents: tuple[str, ...] = ()  # document kinds missing or stale
    files: tuple[str, ...] = ()  # names inside the output folder
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return to_jsonable(self)

    def to_csv(self) -> list[str]:
        """The summary.csv cells: lists joined by ";", an absent value empty."""
        return [csv_cell(";".join(v) if isinstance(v, list) else (v or "")) for v in self.to_json().values()]


ROW_FIELDS: tuple[str, ...] = tuple(Row.__dataclass_fields__)


def csv_cell(text: str) -> str:
    # Billing staff open the summary in a spreadsheet: a cell starting with = + - @ would
    # be run as a formula there (CSV injection), and case ids come from outside.
    if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not text.lstrip("+-").replace(".", "", 1).isdigit():
        return "'" + text
    return text


# ---- dataclasses ---------------------------------------------------------------------------


@cache
def _adapter(cls: type) -> TypeAdapter[Any]:
    return TypeAdapter(cls)


def to_jsonable(obj: Any) -> Any:
    """A typed output dataclass (a :class:`Row`, a comparison) as JSON-ready data: its
    fields in order, tuples as lists, then its computed fields."""
    cls: type = type(obj)
    return _adapter(cls).dump_python(obj, mode="json")
