"""Narrow pydantic models of the FHIR R4 resources the import reads.

Only the resources and elements that become case fields are modelled; every other
element (extensions, narrative, meta, elements of later versions) is ignored, and a
resource type not listed here is skipped by the reader. No maintained Python library
parses plain R4 with pydantic v2 (``fhir.resources`` 8 is R5, its R4 releases need
pydantic v1), hence these models of our own.

Dates stay text: FHIR allows partial dates ("2025", "2025-08") and date-times with a
zone; :func:`day` takes the calendar day when there is one.

The models are pydantic dataclasses with slots, not ``BaseModel`` subclasses: pydantic's
core validates them the same way (the same checks and error locations), but they are
made and freed in about two thirds of the time, with no instance dictionary and no
record of the fields set; an import makes tens of thousands of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from pydantic import ConfigDict, Field
from pydantic.dataclasses import dataclass

# Unknown elements (extensions, narrative, meta, later versions' elements) are ignored.
_CONFIG = ConfigDict(extra="ignore", populate_by_name=True)


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Coding:
    system: str | None = None
    code: str | None = None
    display: str | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class CodeableConcept:
    coding: list[Coding] = Field(default_factory=list)
    text: str | None = None

    def codes(self, system: str) -> list[str]:
        return [c.code for c in self.coding if c.system == system and c.code]

    def label(self) -> str | None:
        """The text a person reads: ``text``, else the first coding's display."""
        if self.text:
            return self.text
        return next((c.display for c in self.coding if c.display), None)


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Reference:
    reference: str | None = None
    display: str | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Identifier:
    system: str | None = None
    value: str | None = None
    type: CodeableConcept | None = None

    def has_type(self, code: str) -> bool:
        return self.type is not None and any(c.code == code for c in self.type.coding)


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Period:
    start: str | None = None
    end: str | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Quantity:
    value: float | None = None
    unit: str | None = None
    code: str | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class HumanName:
    use: str | None = None
    text: str | None = None
    family: str | None = None
    given: list[str] = Field(default_factory=list)
    prefix: list[str] = Field(default_factory=list)
    suffix: list[str] = Field(default_factory=list)


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Resource:
    resourceType: str
    id: str | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Patient(Resource):
    identifier: list[Identifier] = Field(default_factory=list)
    name: list[HumanName] = Field(default_factory=list)
    birthDate: str | None = None
    gender: str | None = None
    generalPractitioner: list[Reference] = Field(default_factory=list)


@dataclass(frozen=True, slots=True, config=_CONFIG)
class CoverageClass:
    type: CodeableConcept | None = None
    value: str | None = None
    name: str | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Coverage(Resource):
    status: str | None = None
    beneficiary: Reference | None = None
    subscriberId: str | None = None
    identifier: list[Identifier] = Field(default_factory=list)
    payor: list[Reference] = Field(default_factory=list)
    class_: list[CoverageClass] = Field(default_factory=list, alias="class")
    period: Period | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Organization(Resource):
    name: str | None = None
    identifier: list[Identifier] = Field(default_factory=list)


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Condition(Resource):
    subject: Reference | None = None
    code: CodeableConcept | None = None
    clinicalStatus: CodeableConcept | None = None
    verificationStatus: CodeableConcept | None = None
    onsetDateTime: str | None = None
    recordedDate: str | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Repeat:
    frequency: float | None = None
    period: float | None = None
    periodUnit: str | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Timing:
    repeat: Repeat | None = None
    code: CodeableConcept | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class DoseAndRate:
    doseQuantity: Quantity | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Dosage:
    text: str | None = None
    timing: Timing | None = None
    doseAndRate: list[DoseAndRate] = Field(default_factory=list)


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Medication(Resource):
    code: CodeableConcept | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class DispenseRequest:
    validityPeriod: Period | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class _MedicationUse(Resource):
    status: str | None = None
    subject: Reference | None = None
    medicationCodeableConcept: CodeableConcept | None = None
    medicationReference: Reference | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class MedicationRequest(_MedicationUse):
    authoredOn: str | None = None
    requester: Reference | None = None
    dosageInstruction: list[Dosage] = Field(default_factory=list)
    dispenseRequest: DispenseRequest | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class MedicationStatement(_MedicationUse):
    effectiveDateTime: str | None = None
    effectivePeriod: Period | None = None
    dosage: list[Dosage] = Field(default_factory=list)


@dataclass(frozen=True, slots=True, config=_CONFIG)
class MedicationDispense(_MedicationUse):
    whenHandedOver: str | None = None
    quantity: Quantity | None = None
    daysSupply: Quantity | None = None
    dosageInstruction: list[Dosage] = Field(default_factory=list)


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Component:
    code: CodeableConcept | None = None
    valueQuantity: Quantity | None = None
    valueInteger: float | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Observation(Resource):
    status: str | None = None
    subject: Reference | None = None
    code: CodeableConcept | None = None
    valueQuantity: Quantity | None = None
    valueInteger: float | None = None
    effectiveDateTime: str | None = None
    effectivePeriod: Period | None = None
    component: list[Component] = Field(default_factory=list)


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Procedure(Resource):
    status: str | None = None
    subject: Reference | None = None
    code: CodeableConcept | None = None
    performedDateTime: str | None = None
    performedPeriod: Period | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Encounter(Resource):
    status: str | None = None
    subject: Reference | None = None
    type: list[CodeableConcept] = Field(default_factory=list)
    period: Period | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class ServiceRequest(Resource):
    status: str | None = None
    subject: Reference | None = None
    code: CodeableConcept | None = None
    authoredOn: str | None = None
    requester: Reference | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class ActivityDetail:
    status: str | None = None
    code: CodeableConcept | None = None
    scheduledPeriod: Period | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class CarePlanActivity:
    detail: ActivityDetail | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class CarePlan(Resource):
    status: str | None = None
    subject: Reference | None = None
    period: Period | None = None
    activity: list[CarePlanActivity] = Field(default_factory=list)


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Qualification:
    code: CodeableConcept | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Practitioner(Resource):
    identifier: list[Identifier] = Field(default_factory=list)
    name: list[HumanName] = Field(default_factory=list)
    qualification: list[Qualification] = Field(default_factory=list)


@dataclass(frozen=True, slots=True, config=_CONFIG)
class PractitionerRole(Resource):
    practitioner: Reference | None = None
    specialty: list[CodeableConcept] = Field(default_factory=list)
    code: list[CodeableConcept] = Field(default_factory=list)


@dataclass(frozen=True, slots=True, config=_CONFIG)
class DeviceName:
    name: str | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Device(Resource):
    status: str | None = None
    patient: Reference | None = None
    type: CodeableConcept | None = None
    deviceName: list[DeviceName] = Field(default_factory=list)


@dataclass(frozen=True, slots=True, config=_CONFIG)
class AllergyIntolerance(Resource):
    patient: Reference | None = None
    code: CodeableConcept | None = None
    verificationStatus: CodeableConcept | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class Attachment:
    contentType: str | None = None
    data: str | None = None
    url: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class DocumentContent:
    attachment: Attachment | None = None


@dataclass(frozen=True, slots=True, config=_CONFIG)
class DocumentReference(Resource):
    status: str | None = None
    subject: Reference | None = None
    type: CodeableConcept | None = None
    date: str | None = None
    description: str | None = None
    content: list[DocumentContent] = Field(default_factory=list)


MODELS: dict[str, type[Resource]] = {
    m.__name__: m
    for m in (
        Patient, Coverage, Organization, Condition, Medication, MedicationRequest, MedicationStatement, MedicationDispense,
        Observation, Procedure, Encounter, Practitioner, PractitionerRole, Device, AllergyIntolerance, DocumentReference,
        ServiceRequest, CarePlan,
    )
}
PATIENT_LINKS = ("subject", "patient", "beneficiary")


def validator(cls: type[Resource]) -> Callable[[Any], Resource]:
    """The compiled validator of a model: what reads a resource's parsed JSON into it
    (pydantic puts one on every pydantic dataclass; mypy does not know of it)."""
    validate: Callable[[Any], Resource] = cls.__pydantic_validator__.validate_python  # type: ignore[attr-defined]  # set by the decorator
    return validate


def day(text: str | None) -> dt.date | None:
    """The calendar day of a FHIR date or date-time; None for a partial date ("2025-08")."""
    if not text or len(text) < 10:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        return None


def patient_link(raw: dict[str, Any]) -> str | None:
    """The reference text that ties a raw resource to its patient, if any."""
    for name in PATIENT_LINKS:
        ref = raw.get(name)
        if isinstance(ref, dict) and isinstance(ref.get("reference"), str):
            return str(ref["reference"])
    return None
