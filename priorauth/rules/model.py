"""Rule-file models: one payer's criteria for one treatment, as typed data.

A rule file is validated completely when it is loaded (``extra="forbid"``, a
discriminated union on ``kind``), so a rule file that loads always evaluates. Each
criterion kind has parameters with the program defaults of
shared/reference/payer-criteria.md written out as field defaults; a rule file states
in ``notes`` which defaults it relies on.
"""

import datetime as dt
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from priorauth.case import Date, DocumentKind, Indication, Instrument, Modality, Protocol, RequestKind, Specialty, Treatment
from priorauth.scalars import FileModel

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
Evidence = Literal["primary", "secondary", "partial"]
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


class _Strict(FileModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Criterion(_Strict):
    """Fields every criterion has."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
    label: str | None = None  # short name shown in reports; defaults from the kind
    topic: Topic | None = None  # defaults from the kind (see DEFAULT_TOPICS)
    source: str | None = None  # where in the policy this comes from ("section II.A")
    note: str | None = None  # the author's reading of the source, shown by `rules show`
    applies_to: list[RequestKind] | None = None  # default depends on the kind
    indication: list[Indication] | None = None  # spravato: only for these indications
    next_step: str | None = None  # overrides the generated next step


class AgeCriterion(_Criterion):
    kind: Literal["age"]
    min: Annotated[int, Field(ge=0, le=120)] | None = None
    max: Annotated[int, Field(ge=0, le=120)] | None = None  # inclusive

    @model_validator(mode="after")
    def _bounds(self) -> "AgeCriterion":
        if self.min is None and self.max is None:
            raise ValueError("give min, max or both")
        if self.min is not None and self.max is not None and self.max < self.min:
            raise ValueError("max is below min")
        return self


class DiagnosisCriterion(_Criterion):
    kind: Literal["diagnosis"]
    accepted: list[ICD] = Field(default_factory=list)  # exact codes
    accepted_prefixes: list[ICD] = Field(default_factory=list)  # "F33" accepts F33.0 ... F33.9
    excluded: list[ICD] = Field(default_factory=list)
    excluded_prefixes: list[ICD] = Field(default_factory=list)
    primary_only: bool = True  # judge the primary diagnosis; exclusions always look at every code

    @model_validator(mode="after")
    def _something(self) -> "DiagnosisCriterion":
        if not (self.accepted or self.accepted_prefixes):
            raise ValueError("list accepted codes or accepted_prefixes")
        return self


Pct = Annotated[float, Field(ge=0, le=100)]


class OutcomeRule(_Strict):
    min_weeks: Weeks | None = None
    min_days: Days | None = None
    dose: DoseRule | None = None


class FailedTrialsCriterion(_Criterion):
    """Failed antidepressant (or augmentation) trials: count, classes, weeks, dose."""

    kind: Literal["failed_trials"]
    count: Annotated[int, Field(ge=1, le=10)]
    distinct_classes: Annotated[int, Field(ge=1, le=10)] | None = None
    distinct_drugs: bool = True  # two trials of the same drug count once
    min_weeks: Weeks | None = 6  # program default: 6 weeks
    min_days: Days | None = None  # instead of min_weeks, for "more than 4 weeks" (29 days)
    dose: DoseRule = "minimum"  # minimum: >= min adequate dose; maximum: >= top of the usual range
    outcomes: list[TrialOutcomeName] = Field(default_factory=lambda: ["inadequate_response", "partial_response", "intolerance"])
    # per-outcome overrides, e.g. highmark: partial_response only after 8 weeks at the maximum dose
    outcome_rules: dict[TrialOutcomeName, OutcomeRule] = Field(default_factory=dict)
    max_improvement_pct: Pct | None = None  # "<= 25% improvement" policies
    min_adherence_pct: Pct | None = None  # triple-s: 80
    classes: list[DrugClass] | None = None  # only trials of these classes count
    current_episode: bool = False
    within_years: Years | None = None  # the trial's last day is within N years of request.date
    min_in_current_episode: Annotated[int, Field(ge=1, le=10)] | None = None  # highmark: >= 1 of them
    role: Literal["monotherapy", "augmentation", "any"] = "any"
    # independence: a failed trial of an FDA-approved adjunct is a failed trial whose class counts
    augmenting_agents_count: Literal["none", "fda_adjunct", "all"] = "none"

    @model_validator(mode="after")
    def _duration(self) -> "FailedTrialsCriterion":
        if self.min_days is not None:
            object.__setattr__(self, "min_weeks", None)
        if self.distinct_classes is not None and self.distinct_classes > self.count:
            raise ValueError("distinct_classes cannot exceed count")
        return self


class AugmentationCriterion(_Criterion):
    """Failed augmentation trials (``role: augmentation``)."""

    kind: Literal["augmentation"]
    count: Annotated[int, Field(ge=1, le=10)] = 1
    min_weeks: Weeks | None = None  # None: the rule set's failed_trials minimum (program default)
    min_days: Days | None = None
    distinct_strategies: bool = False  # qualchoice: 2 augmentation strategies = 2 different classes
    agents: list[DrugClass] | None = None  # limit to these agent classes
    outcomes: list[TrialOutcomeName] = Field(default_factory=lambda: ["inadequate_response", "partial_response", "intolerance"])
    current_episode: bool = False
    within_years: Years | None = None
    dose: DoseRule = "minimum"


class PsychotherapyCriterion(_Criterion):
    kind: Literal["psychotherapy"]
    min_sessions: Annotated[int, Field(ge=1, le=200)] = 6
    min_weeks: Weeks = 6  # either sessions or weeks is enough
    evidence_based: bool = False
    modalities: list[Modality] | None = None  # overrides evidence_based
    outcomes: list[Literal["inadequate_response", "partial_response", "ongoing"]] = Field(
        default_factory=lambda: ["inadequate_response", "partial_response", "ongoing"]
    )
    current_episode: bool = False
    if_absent: Literal["not_met", "unknown"] = "not_met"
    any_entry: bool = False  # medical-mutual "tried if available": any entry satisfies it


class Threshold(_Strict):
    instrument: Instrument
    min: float | None = None  # inclusive; None: any documented score
    above: float | None = None  # strictly greater ("PHQ-9 > 15"); use min or above, not both

    @model_validator(mode="after")
    def _one(self) -> "Threshold":
        if self.min is not None and self.above is not None:
            raise ValueError("give min (inclusive) or above (strict), not both")
        return self


class SeverityCriterion(_Criterion):
    kind: Literal["severity"]
    alternatives: list[Threshold] = Field(default_factory=list)  # empty: any validated scale
    max_age_days: Days = 30  # program default freshness
    current_episode: bool = False
    severe_codes: list[ICD] = Field(default_factory=list)  # an ICD code that states severity also meets it


class EpisodeWindowCriterion(_Criterion):
    kind: Literal["episode_window"]
    within_years: Years


class ContraindicationCriterion(_Criterion):
    """A clinical screening flag that must be documented as absent."""

    kind: Literal["contraindication"]
    flag: ClinicalFlag
    fail_values: list[str] | None = None  # for non-boolean flags; default per flag
    codes: list[ICD] = Field(default_factory=list)  # ICD prefixes that also show the condition
    unless_document: DocumentKind | None = None  # e.g. a prescriber attestation overrides
    unless_document_days: Days = 90

    @model_validator(mode="after")
    def _fail_values(self) -> "ContraindicationCriterion":
        allowed = {"substance_use_disorder": {"none", "remission", "active"}, "suicidal_ideation": {"none", "passive", "active_with_intent"}}
        if self.fail_values is not None:
            if self.flag not in allowed:
                raise ValueError(f"fail_values applies only to substance_use_disorder and suicidal_ideation; {self.flag} is true/false and fails when true")
            wrong = [v for v in self.fail_values if v not in allowed[self.flag]]
            if wrong:
                raise ValueError(f"fail_values for {self.flag} must be among: {', '.join(sorted(allowed[self.flag]))}")
        return self


class PrescriberCriterion(_Criterion):
    kind: Literal["prescriber"]
    specialties: list[Specialty] = Field(default_factory=lambda: ["psychiatry"])
    consult_counts: bool = False  # psychiatrist_consulted: true satisfies it
    board_certified: bool = False


class PdmpCriterion(_Criterion):
    kind: Literal["pdmp"]


class RemsCriterion(_Criterion):
    kind: Literal["rems"]
    setting_certified: bool = True
    patient_enrolled: bool = False


class OralAntidepressantCriterion(_Criterion):
    kind: Literal["oral_antidepressant"]
    min_weeks_stable: Weeks | None = None  # qualchoice: 2
    not_a_failed_drug: bool = False


class ConcurrentCriterion(_Criterion):
    kind: Literal["concurrent_treatments"]
    forbidden: list[Annotated[str, Field(min_length=1)]]
    unless_document: DocumentKind | None = None
    unless_document_days: Days = 90
    # not_met: a forbidden treatment without the document fails; unknown: it is a documentation
    # gap (centene: "must be documented and justified", not an exclusion)
    without_document: Literal["not_met", "unknown"] = "not_met"


class EctCriterion(_Criterion):
    kind: Literal["ect"]
    statuses: list[Literal["not_tried", "declined", "contraindicated", "failed", "responded", "current"]]


class PriorResponseCriterion(_Criterion):
    kind: Literal["prior_response"]
    treatment: Treatment | None = None  # default: the rule set's treatment
    min_improvement_pct: Pct | None = None
    strictly_greater: bool = False  # "> 50%" rather than ">= 50%"
    instrument: Instrument | None = None  # the prior course must be scored on this scale
    relapse_required: bool = False
    min_days_since_end: Days | None = None
    min_weeks_held: Weeks | None = None  # improvement held this long (relapse, if any, after it)
    none_ok: bool = False  # no prior course at all also meets it


class SessionsCriterion(_Criterion):
    kind: Literal["sessions"]
    max: Annotated[int, Field(ge=1, le=500)]
    by_protocol: dict[Protocol, Annotated[int, Field(ge=1, le=500)]] = Field(default_factory=dict)
    continuation_max: Annotated[int, Field(ge=1, le=500)] | None = None


class DevicesCriterion(_Criterion):
    kind: Literal["devices"]
    max: Annotated[int, Field(ge=1, le=500)]


class DocumentCriterion(_Criterion):
    kind: Literal["document"]
    document: DocumentKind
    max_age_days: Days | None = None


class AllOf(_Criterion):
    kind: Literal["all_of"]
    criteria: Annotated[list["Criterion"], Field(min_length=1)]


class AnyOf(_Criterion):
    kind: Literal["any_of"]
    criteria: Annotated[list["Criterion"], Field(min_length=2)]


class NOf(_Criterion):
    kind: Literal["n_of"]
    n: Annotated[int, Field(ge=1)]
    criteria: Annotated[list["Criterion"], Field(min_length=2)]

    @model_validator(mode="after")
    def _n(self) -> "NOf":
        if self.n > len(self.criteria):
            raise ValueError("n is larger than the number of criteria")
        return self


Criterion = Annotated[
    Union[
        AgeCriterion,
        DiagnosisCriterion,
        FailedTrialsCriterion,
        AugmentationCriterion,
        PsychotherapyCriterion,
        SeverityCriterion,
        EpisodeWindowCriterion,
        ContraindicationCriterion,
        PrescriberCriterion,
        PdmpCriterion,
        RemsCriterion,
        OralAntidepressantCriterion,
        ConcurrentCriterion,
        EctCriterion,
        PriorResponseCriterion,
        SessionsCriterion,
        DevicesCriterion,
        DocumentCriterion,
        AllOf,
        AnyOf,
        NOf,
    ],
    Field(discriminator="kind"),
]

KINDS: tuple[str, ...] = (
    "age", "diagnosis", "failed_trials", "augmentation", "psychotherapy", "severity", "episode_window",
    "contraindication", "prescriber", "pdmp", "rems", "oral_antidepressant", "concurrent_treatments", "ect",
    "prior_response", "sessions", "devices", "document", "all_of", "any_of", "n_of",
)

DEFAULT_TOPICS: dict[str, str] = {
    "age": "age",
    "diagnosis": "diagnosis",
    "failed_trials": "medication_trials",
    "augmentation": "augmentation",
    "psychotherapy": "psychotherapy",
    "severity": "severity",
    "episode_window": "medication_trials",
    "contraindication": "contraindications",
    "prescriber": "prescriber",
    "pdmp": "prescriber",
    "rems": "rems",
    "oral_antidepressant": "concurrent_treatment",
    "concurrent_treatments": "concurrent_treatment",
    "ect": "ect",
    "prior_response": "prior_response",
    "sessions": "sessions",
    "devices": "sessions",
    "document": "documentation",
}

# A continuation is judged without re-applying the history of an initial request, and
# a retreatment criterion only applies to a continuation (settled reading in the sheet).
DEFAULT_APPLIES_TO: dict[str, tuple[str, ...]] = {
    "failed_trials": ("initial",),
    "augmentation": ("initial",),
    "psychotherapy": ("initial",),
    "prior_response": ("continuation",),
}


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


class RuleSet(_Strict):
    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*/(tms|spravato)$")]
    payer: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    payer_name: str
    treatment: Treatment
    policy: str
    title: str
    url: str | None = None
    effective: Date
    ends: Date | None = None  # last day in force (inclusive)
    evidence: Evidence
    evidence_note: str | None = None
    source: str  # what the criteria were read from
    notes: list[str] = Field(default_factory=list)  # what the source leaves unsaid, defaults used
    report_notes: list[str] = Field(default_factory=list)  # shown in every report (e.g. PA waived)
    codes: Codes = Field(default_factory=Codes)
    limits: Limits = Field(default_factory=Limits)
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
        if self.ends is not None and self.ends < self.effective:
            raise ValueError("ends is before effective")
        seen: set[str] = set()
        for crit in walk(self.criteria):
            if crit.id in seen:
                raise ValueError(f"criterion id '{crit.id}' is used twice; ids must be unique in a rule set")
            seen.add(crit.id)
        return self

    def in_force(self, day: dt.date) -> bool:
        return self.effective <= day and (self.ends is None or day <= self.ends)


def walk(criteria: list[Any]) -> list[_Criterion]:
    out: list[_Criterion] = []
    for c in criteria:
        out.append(c)
        if isinstance(c, (AllOf, AnyOf, NOf)):
            out.extend(walk(c.criteria))
    return out


for _model in (AllOf, AnyOf, NOf):
    _model.model_rebuild()
