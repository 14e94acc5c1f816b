"""The case file (format v1): pydantic models and loading with file:line:field errors.

The field names are a public contract (see shared/spec/case-format.md): add, never
rename. Absent clinical facts stay ``None`` so the engine can tell "not documented"
from a documented ``false``.
"""


import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from priorauth.errors import CaseFileError, Issue
from priorauth.loading import LoadedDocument, allowed_keys, format_path, load_file, parse_document, pydantic_issues
from priorauth.scalars import Aliases, FileModel

_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _parse_date(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a date and time")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        if not _ISO_DATE.match(text):
            raise ValueError("must be a date written YYYY-MM-DD")
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError("is not a real calendar date (check the day and month)") from None
    raise ValueError("must be a date written YYYY-MM-DD")


Date = Annotated[dt.date, BeforeValidator(_parse_date)]
Sex = Literal["female", "male", "other", "unknown"]
Treatment = Literal["tms", "spravato"]
RequestKind = Literal["initial", "continuation"]
Indication = Literal["trd", "mdsi"]
Protocol = Literal["standard", "theta_burst", "deep", "accelerated"]
Specialty = Literal["psychiatry", "psychiatric_nurse_practitioner", "primary_care", "other"]
TrialOutcome = Literal["inadequate_response", "partial_response", "intolerance", "contraindicated", "response", "ongoing"]
Role = Literal["monotherapy", "augmentation"]
Modality = Literal["CBT", "IPT", "behavioral_activation", "DBT", "psychodynamic", "problem_solving", "other"]
TherapyOutcome = Literal["inadequate_response", "partial_response", "response", "ongoing"]
EctStatus = Literal["not_tried", "declined", "contraindicated", "failed", "responded", "current"]
# Other names of the same scales. 'HAM-D' alone is read as the 17-item version and 'QIDS-SR'
# as the 16-item one (the versions this vocabulary records, as the rule files read them);
# other versions (HAM-D21, QIDS-C16) stay errors with a 'did you mean'.
INSTRUMENT_ALIASES = {
    "HAMD": "HAM-D17", "HDRS": "HAM-D17", "HRSD": "HAM-D17", "HDRS17": "HAM-D17", "HRSD17": "HAM-D17",
    "BDI-2": "BDI-II", "QIDS-SR": "QIDS-SR16", "IDS-C30": "IDS-C", "GDS-15": "GDS",
}
Instrument = Annotated[Literal["PHQ-9", "HAM-D17", "MADRS", "BDI-II", "QIDS-SR16", "IDS-C", "GDS", "CGI-S"], Aliases(INSTRUMENT_ALIASES)]
SubstanceUse = Literal["none", "remission", "active"]
SuicidalIdeation = Literal["none", "passive", "active_with_intent"]
DocumentKind = Literal[
    "psychiatric_evaluation",
    "medication_history",
    "rating_scale",
    "psychotherapy_notes",
    "treatment_plan",
    "safety_screening",
    "rems_enrollment",
    "pdmp_report",
    "ect_evaluation",
    "prior_course_records",
    "informed_consent",
    "prescriber_attestation",
    "progress_notes",
    "lab_results",
]
Text = Annotated[str, Field(max_length=2000)]
Name = Annotated[str, Field(min_length=1, max_length=200)]
Score = Annotated[float, Field(ge=0, le=200)]
Pct = Annotated[float, Field(ge=0, le=100)]
Dose = Annotated[float, Field(gt=0, le=100000)]
Count = Annotated[int, Field(ge=0, le=1000)]


class _Model(FileModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True, str_strip_whitespace=True, allow_inf_nan=False)


def _luhn_npi_ok(npi: str) -> bool:
    # NPIs use the Luhn check digit over "80840" + the first nine digits.
    digits = [int(c) for c in "80840" + npi[:9]]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return (10 - total % 10) % 10 == int(npi[9])


def _check_npi(value: str | None) -> str | None:
    if value is None:
        return value
    if not re.fullmatch(r"\d{10}", value):
        raise ValueError("an NPI is exactly 10 digits")
    if not _luhn_npi_ok(value):
        raise ValueError("is not a valid NPI (its check digit does not match)")
    return value


class Patient(_Model):
    id: Name
    given_name: Name
    family_name: Name
    birth_date: Date
    sex: Sex | None = None

    @field_validator("id")
    @classmethod
    def _id_printable(cls, value: str) -> str:
        if any(ord(c) < 32 for c in value):
            raise ValueError("must not contain control characters")
        return value


class Coverage(_Model):
    payer: Annotated[str, Field(min_length=1, max_length=80)]
    plan: Text | None = None
    member_id: Name
    group_number: Text | None = None
    # whether the treating provider is in the plan's network (some payers waive prior
    # authorization in network: Cigna TMS since 2026-03-06)
    network: Literal["in_network", "out_of_network"] | None = None


class Request(_Model):
    treatment: Treatment
    kind: RequestKind = "initial"
    date: Date
    indication: Indication | None = None
    procedure_codes: list[Annotated[str, Field(max_length=20)]] = Field(default_factory=list, max_length=50)
    sessions: Annotated[int, Field(ge=1, le=500)] | None = None
    devices: Annotated[int, Field(ge=1, le=500)] | None = None  # spravato: 28 mg devices requested
    dose_mg: Literal[56, 84] | None = None  # spravato: the planned dose per session
    protocol: Protocol | None = None
    start_date: Date | None = None


class Prescriber(_Model):
    name: Name
    npi: str
    specialty: Specialty | None = None
    board_certified: bool | None = None
    psychiatrist_consulted: bool | None = None
    phone: Text | None = None
    fax: Text | None = None

    _npi = field_validator("npi")(classmethod(lambda cls, v: _check_npi(v)))


class Facility(_Model):
    name: Text | None = None
    npi: str | None = None
    address: Text | None = None
    tax_id: Annotated[str, Field(max_length=20)] | None = None  # the billing TIN (EIN), as on claims

    _npi = field_validator("npi")(classmethod(lambda cls, v: _check_npi(v)))


class Diagnosis(_Model):
    code: Annotated[str, Field(min_length=3, max_length=10)]
    primary: bool = False
    diagnosed_on: Date | None = None

    @field_validator("code")
    @classmethod
    def _code_shape(cls, value: str) -> str:
        code = value.upper()
        if not re.fullmatch(r"[A-Z]\d{2}(\.[0-9A-Z]{1,4})?", code):
            raise ValueError("must be an ICD-10-CM code with its dot, such as F33.2")
        return code


class Episode(_Model):
    current_start: Date | None = None


class Medication(_Model):
    drug: Name
    max_daily_dose_mg: Dose | None = None
    start: Date | None = None
    end: Date | None = None
    outcome: TrialOutcome | None = None
    role: Role = "monotherapy"
    adherence_pct: Pct | None = None
    improvement_pct: Annotated[float, Field(ge=-100, le=100)] | None = None
    reason: Text | None = None


class Psychotherapy(_Model):
    modality: Modality
    start: Date | None = None
    end: Date | None = None
    sessions: Count | None = None
    outcome: TherapyOutcome | None = None


class Ect(_Model):
    status: EctStatus


class Assessment(_Model):
    instrument: Instrument
    score: Score
    date: Date


class PriorCourse(_Model):
    treatment: Treatment
    start: Date | None = None
    end: Date | None = None
    sessions: Count | None = None
    baseline_score: Score | None = None
    final_score: Score | None = None
    instrument: Instrument | None = None
    relapse_date: Date | None = None


class Clinical(_Model):
    seizure_history: bool | None = None
    implanted_metal_near_head: bool | None = None
    implanted_devices: list[Annotated[str, Field(max_length=200)]] | None = Field(default=None, max_length=50)
    psychotic_features: bool | None = None
    bipolar_disorder: bool | None = None
    schizophrenia_spectrum: bool | None = None
    substance_use_disorder: SubstanceUse | None = None
    suicidal_ideation: SuicidalIdeation | None = None
    neurological_condition: bool | None = None
    uncontrolled_hypertension: bool | None = None
    aneurysmal_vascular_disease: bool | None = None
    intracerebral_hemorrhage_history: bool | None = None
    ketamine_hypersensitivity: bool | None = None
    pregnant: bool | None = None
    concurrent_treatments: list[Annotated[str, Field(max_length=60)]] | None = Field(default=None, max_length=50)
    pdmp_checked: bool | None = None
    oral_antidepressant_continuing: bool | None = None
    # the current symptoms and their effect on daily life, in the prescriber's words (letters)
    symptoms: list[Annotated[str, Field(max_length=300)]] | None = Field(default=None, max_length=30)
    functional_impact: Text | None = None


class Rems(_Model):
    patient_enrolled: bool | None = None
    setting_certified: bool | None = None


class Document(_Model):
    kind: DocumentKind
    date: Date | None = None
    title: Text | None = None
    path: Text | None = None


class Case(_Model):
    format: Literal[1] = 1
    patient: Patient
    coverage: Coverage
    request: Request
    prescriber: Prescriber
    facility: Facility | None = None
    diagnoses: Annotated[list[Diagnosis], Field(min_length=1, max_length=50)]
    episode: Episode | None = None
    medications: Annotated[list[Medication], Field(max_length=200)] | None = None
    psychotherapy: Annotated[list[Psychotherapy], Field(max_length=200)] | None = None
    ect: Ect | None = None
    assessments: Annotated[list[Assessment], Field(max_length=500)] | None = None
    prior_courses: Annotated[list[PriorCourse], Field(max_length=100)] | None = None
    clinical: Clinical | None = None
    rems: Rems | None = None
    documents: Annotated[list[Document], Field(max_length=500)] | None = None

    # Convenience accessors: absent lists mean "none documented".
    @property
    def meds(self) -> list[Medication]:
        return list(self.medications or [])

    @property
    def therapies(self) -> list[Psychotherapy]:
        return list(self.psychotherapy or [])

    @property
    def scales(self) -> list[Assessment]:
        return list(self.assessments or [])

    @property
    def courses(self) -> list[PriorCourse]:
        return list(self.prior_courses or [])

    @property
    def docs(self) -> list[Document]:
        return list(self.documents or [])

    @property
    def flags(self) -> Clinical:
        return self.clinical or Clinical()

    @property
    def episode_start(self) -> dt.date | None:
        return self.episode.current_start if self.episode else None

    @property
    def primary_diagnosis(self) -> Diagnosis:
        for d in self.diagnoses:
            if d.primary:
                return d
        return self.diagnoses[0]


# ---- loading ---------------------------------------------------------------------------

_HEADER_CODES = {"F32", "F33", "F32.8", "F33.4"}


def _semantic_issues(case: Case) -> list[tuple[tuple[str | int, ...], str, str | None]]:
    """Checks across fields: dates in order and not after the request date."""
    out: list[tuple[tuple[str | int, ...], str, str | None]] = []
    today = case.request.date
    later = "is after request.date; a history cannot be dated in the future"

    def not_future(path: tuple[str | int, ...], value: dt.date | None) -> None:
        if value is not None and value > today:
            out.append((path, later, "check the year, or the request date"))

    if case.patient.birth_date > today:
        out.append((("patient", "birth_date"), later, "check the year"))
    for i, d in enumerate(case.diagnoses):
        if d.code in _HEADER_CODES:
            out.append((("diagnoses", i, "code"), "is a category header, not a billable ICD-10-CM code", "give the full code, such as F33.2 or F32.1"))
        not_future(("diagnoses", i, "diagnosed_on"), d.diagnosed_on)
    if case.episode is not None:
        not_future(("episode", "current_start"), case.episode.current_start)

    def span(section: str, items: list[Any]) -> None:
        for i, item in enumerate(items):
            not_future((section, i, "start"), item.start)
            not_future((section, i, "end"), item.end)
            if item.start is not None and item.end is not None and item.end < item.start:
                out.append(((section, i, "end"), "is before start", "swap the dates or correct the year"))

    span("medications", case.meds)
    span("psychotherapy", case.therapies)
    span("prior_courses", case.courses)
    for i, c in enumerate(case.courses):
        if c.relapse_date is not None and c.end is not None and c.relapse_date < c.end:
            out.append((("prior_courses", i, "relapse_date"), "is before the course ended", None))
        not_future(("prior_courses", i, "relapse_date"), c.relapse_date)
    for i, a in enumerate(case.scales):
        not_future(("assessments", i, "date"), a.date)
    for i, doc in enumerate(case.docs):
        not_future(("documents", i, "date"), doc.date)
    if sum(1 for d in case.diagnoses if d.primary) > 1:
        out.append((("diagnoses",), "more than one diagnosis is marked primary: true", "mark exactly one"))
    return out


def case_from_document(doc: LoadedDocument) -> Case:
    try:
        case = Case.model_validate(doc.data)
    except ValidationError as exc:
        raise CaseFileError(doc.file, pydantic_issues(exc, doc, allowed_keys(Case))) from None
    issues = [Issue(format_path(p), msg, line=doc.line_of(p), hint=hint) for p, msg, hint in _semantic_issues(case)]
    if issues:
        raise CaseFileError(doc.file, issues)
    # Where the case came from, for problems found later (a payer with no rule set). Not
    # a field: two loads of the same case from different files stay equal.
    object.__setattr__(case, _ORIGIN, (doc.file, dict(doc.lines)))
    return case


_ORIGIN = "_priorauth_origin"


def case_error(case: Case, path: tuple[str | int, ...], message: str, hint: str | None = None) -> CaseFileError | None:
    """A :class:`CaseFileError` at ``path`` of the file ``case`` was loaded from (None
    when it was not loaded from a file)."""
    origin = case.__dict__.get(_ORIGIN)
    if origin is None:
        return None
    file, lines = origin
    return CaseFileError(file, Issue(format_path(path), message, line=LoadedDocument(file, None, lines).line_of(path), hint=hint))


def load_case(path: str | Path) -> Case:
    """Load and validate a case file, raising :class:`CaseFileError` with every problem."""
    return case_from_document(load_file(Path(path), "case file", CaseFileError))


def load_case_with_digest(path: str | Path) -> tuple[Case, str]:
    """The case and the SHA-256 of the file's bytes, for the audit line of a letter."""
    import hashlib

    from priorauth.loading import decode_text, read_bytes

    raw = read_bytes(Path(path), "case file", CaseFileError)
    text = decode_text(raw, str(path), "case file", CaseFileError)
    return case_from_document(parse_document(text, str(path), "case file", CaseFileError)), hashlib.sha256(raw).hexdigest()


def load_case_text(text: str, name: str, fmt: str | None = None) -> Case:
    return case_from_document(parse_document(text, name, "case file", CaseFileError, fmt))
