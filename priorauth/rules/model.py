"""Rule-file models: one payer's criteria for one treatment, as typed data.

A rule file is validated completely when it is loaded (``extra="forbid"``, a
discriminated union on ``kind``), so a rule file that loads always evaluates. The
criterion models live with their kinds in :mod:`priorauth.kinds` (one module per kind,
the union built by its registry); their parameters carry the program defaults of
shared/reference/payer-criteria.md as field defaults, and a rule file states in
``notes`` which defaults it relies on.
"""

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator, model_validator

from priorauth.case import Date, DocumentKind, Indication, RequestKind, Treatment
from priorauth.kinds import COMBINATORS, KINDS, Criterion
from priorauth.kinds.age import AgeCriterion
from priorauth.kinds.augmentation import AugmentationCriterion
from priorauth.kinds.base import ICD, ClinicalFlag, Days, DoseRule, DrugClass, Pct, Topic, TrialOutcomeName, Weeks, Years, _Criterion, _Strict
from priorauth.kinds.base import walk as _walk
from priorauth.kinds.combinators import AllOf, AnyOf, NOf
from priorauth.kinds.concurrent_treatments import ConcurrentCriterion
from priorauth.kinds.contraindication import ContraindicationCriterion
from priorauth.kinds.devices import DevicesCriterion
from priorauth.kinds.diagnosis import DiagnosisCriterion
from priorauth.kinds.document import DocumentCriterion
from priorauth.kinds.ect import EctCriterion
from priorauth.kinds.episode_window import EpisodeWindowCriterion
from priorauth.kinds.failed_trials import FailedTrialsCriterion, OutcomeRule
from priorauth.kinds.not_covered import NotCoveredCriterion
from priorauth.kinds.oral_antidepressant import OralAntidepressantCriterion
from priorauth.kinds.pdmp import PdmpCriterion
from priorauth.kinds.prescriber import PrescriberCriterion
from priorauth.kinds.prior_response import PriorResponseCriterion
from priorauth.kinds.psychotherapy import PsychotherapyCriterion
from priorauth.kinds.rems import RemsCriterion
from priorauth.kinds.sessions import SessionsCriterion
from priorauth.kinds.severity import SeverityCriterion, Threshold
from priorauth.kinds.suicidal_ideation import SuicidalIdeationCriterion

# The criterion models live with their kinds (priorauth/kinds/); they are named here too
# because rule-file code and tests know them as part of the rule-file model.
__all__ = [
    "AgeCriterion", "AllOf", "AnyOf", "AugmentationCriterion", "ClinicalFlag", "Codes", "COMBINATORS", "ConcurrentCriterion",
    "ContraindicationCriterion", "Criterion", "Days", "DevicesCriterion", "DiagnosisCriterion", "DocumentCriterion", "DoseRule",
    "DrugClass", "EctCriterion", "EpisodeWindowCriterion", "Evidence", "FailedTrialsCriterion", "ICD", "KINDS", "Limits", "NOf", "NotCoveredCriterion",
    "OralAntidepressantCriterion", "OutcomeRule", "PdmpCriterion", "Pct", "PrescriberCriterion", "PriorResponseCriterion",
    "PsychotherapyCriterion", "RemsCriterion", "RequiredDocument", "RuleSet", "SessionsCriterion", "Submission", "SeverityCriterion", "SuicidalIdeationCriterion",
    "Threshold", "Topic", "TrialOutcomeName", "Weeks", "Years", "walk",
]

Evidence = Literal["primary", "secondary", "partial"]


class RequiredDocument(_Strict):
    kind: DocumentKind
    max_age_days: Days | None = None  # None: any date
    label: str | None = None
    applies_to: list[RequestKind] | None = None
    indication: list[Indication] | None = None


class Limits(_Strict):
    sessions: int | None = None
    devices: int | None = None
    approval: str | None = None  # "6 months", free text shown in letters
    notes: list[str] = Field(default_factory=list)


class Codes(_Strict):
    procedure: list[str] = Field(default_factory=list)  # CPT / HCPCS carried into letters
    notes: list[str] = Field(default_factory=list)


class Submission(_Strict):
    """Where and how the payer takes requests: only what the rule file's cited source
    states (never a number from memory); absent, checklists say to look it up."""

    fax: Annotated[str, Field(min_length=1, max_length=40)] | None = None  # as the source prints it
    appeals_fax: Annotated[str, Field(min_length=1, max_length=40)] | None = None  # the appeals fax, where it differs
    portal: Annotated[str, Field(min_length=1, max_length=300)] | None = None  # name or https:// address
    phone: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    appeal_days: Annotated[int, Field(ge=1, le=3650)] | None = None  # days from a denial to file an internal appeal
    source: str | None = None  # where these were read when not the rule file's own source (a form, a manual page, with its date)


class NoPriorAuthorization(_Strict):
    """A dated condition under which the payer needs no prior authorization, as its source states it."""

    network: Literal["in_network"]  # for whom: providers in the plan's network
    since: Date  # first day without prior authorization
    source: str  # the notice that says so, with its date
    still_required: str | None = None  # where it is still required, in the source's words


class RuleSet(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*/(tms|spravato)$")]
    payer: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    payer_name: str
    treatment: Treatment
    policy: str
    title: str
    url: str | None = None
    effective: Date | None  # first day in force; null when the payer published none
    checked: Date | None = None  # the day the criteria were last checked against the source
    ends: Date | None = None  # last day in force (inclusive)
    evidence: Evidence
    evidence_note: str | None = None
    source: str  # what the criteria were read from
    notes: list[str] = Field(default_factory=list)  # what the source leaves unsaid, defaults used
    report_notes: list[str] = Field(default_factory=list)  # shown in every report (e.g. PA waived)
    # false: the payer has no prior-authorization step (Original Medicare: coverage is checked
    # at claim review); letters are then a documentation summary for the chart
    prior_authorization: bool = True
    # conditions under which this payer waives prior authorization (Cigna TMS in network since
    # 2026-03-06); the case's coverage.network and request.date decide whether one applies
    no_prior_authorization: list[NoPriorAuthorization] = Field(default_factory=list)
    # the payer's identifier for electronic requests (a PAS Organization identifier), only as
    # the payer publishes it; absent when unknown, never invented
    payer_identifier: str | None = None
    codes: Codes = Field(default_factory=Codes)
    limits: Limits = Field(default_factory=Limits)
    submission: Submission = Field(default_factory=Submission)  # fax, portal, phone, appeal deadline
    criteria: Annotated[list[Criterion], Field(min_length=1)]
    documents: list[RequiredDocument] = Field(default_factory=list)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("https://", "http://")):
            raise ValueError("must start with https://")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "RuleSet":
        payer, _, treatment = self.id.partition("/")
        if payer != self.payer or treatment != self.treatment:
            raise ValueError(f"id must be '{self.payer}/{self.treatment}' (payer/treatment)")
        if self.effective is None and self.checked is None:
            raise ValueError("effective is null: give `checked`, the date the criteria were last checked against the source")
        if self.ends is not None and self.ends < self.starts:
            raise ValueError("ends is before effective")
        seen: set[str] = set()
        for crit in walk(self.criteria):
            if crit.id in seen:
                raise ValueError(f"criterion id '{crit.id}' is used twice; ids must be unique in a rule set")
            seen.add(crit.id)
        return self

    @property
    def starts(self) -> dt.date:
        """The first day in force: ``effective``, or the earliest date when it is not published
        (such a rule set is in force for any request date unless an end date or a later
        version says otherwise)."""
        return self.effective or dt.date.min

    def in_force(self, day: dt.date) -> bool:
        return self.starts <= day and (self.ends is None or day <= self.ends)


def walk(criteria: list[Any]) -> list[_Criterion]:
    """Every criterion of a list, each combinator followed by its parts."""
    return _walk(criteria)
