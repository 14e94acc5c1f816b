"""Narrow pydantic models of the FHIR R4 resources the import reads.

Only the resources and elements that become case fields are modelled; every other
element (extensions, narrative, meta, elements of later versions) is ignored, and a
resource type not listed here is skipped by the reader. No maintained Python library
parses plain R4 with pydantic v2 (``fhir.resources`` 8 is R5, its R4 releases need
pydantic v1), hence these models of our own.

Dates stay text: FHIR allows partial dates ("2025", "2025-08") and date-times with a
zone; :func:`day` takes the calendar day when there is one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _E(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class Coding(_E):
    system: str | None = None
    code: str | None = None
    display: str | None = None


class CodeableConcept(_E):
    coding: list[Coding] = Field(default_factory=list)
    text: str | None = None

    def codes(self, system: str) -> list[str]:
        return [c.code for c in self.coding if c.system == system and c.code]

    def label(self) -> str | None:
        """The text a person reads: ``text``, else the first coding's display."""
        if self.text:
            return self.text
        return next((c.display for c in self.coding if c.display), None)


class Reference(_E):
    reference: str | None = None
    display: str | None = None


class Identifier(_E):
    system: str | None = None
    value: str | None = None
    type: CodeableConcept | None = None

    def has_type(self, code: str) -> bool:
        return self.type is not None and any(c.code == code for c in self.type.coding)


class Period(_E):
    start: str | None = None
    end: str | None = None


class Quantity(_E):
    value: float | None = None
    unit: str | None = None
    code: str | None = None


class HumanName(_E):
    use: str | None = None
    text: str | None = None
    family: str | None = None
    given: list[str] = Field(default_factory=list)
    prefix: list[str] = Field(default_factory=list)
    suffix: list[str] = Field(default_factory=list)


class Resource(_E):
    resourceType: str
    id: str | None = None


class Patient(Resource):
    identifier: list[Identifier] = Field(default_factory=list)
    name: list[HumanName] = Field(default_factory=list)
    birthDate: str | None = None
    gender: str | None = None
    generalPractitioner: list[Reference] = Field(default_factory=list)


class CoverageClass(_E):
    type: CodeableConcept | None = None
    value: str | None = None
    name: str | None = None


class Coverage(Resource):
    status: str | None = None
    beneficiary: Reference | None = None
    subscriberId: str | None = None
    identifier: list[Identifier] = Field(default_factory=list)
    payor: list[Reference] = Field(default_factory=list)
    class_: list[CoverageClass] = Field(default_factory=list, alias="class")
    period: Period | None = None


class Organization(Resource):
    name: str | None = None
    identifier: list[Identifier] = Field(default_factory=list)


class Condition(Resource):
    subject: Reference | None = None
    code: CodeableConcept | None = None
    clinicalStatus: CodeableConcept | None = None
    verificationStatus: CodeableConcept | None = None
    onsetDateTime: str | None = None
    recordedDate: str | None = None


class Repeat(_E):
    frequency: float | None = None
    period: float | None = None
    periodUnit: str | None = None


class Timing(_E):
    repeat: Repeat | None = None
    code: CodeableConcept | None = None


class DoseAndRate(_E):
    doseQuantity: Quantity | None = None


class Dosage(_E):
    text: str | None = None
    timing: Timing | None = None
    doseAndRate: list[DoseAndRate] = Field(default_factory=list)


class Medication(Resource):
    code: CodeableConcept | None = None


class DispenseRequest(_E):
    validityPeriod: Period | None = None


class _MedicationUse(Resource):
    status: str | None = None
    subject: Reference | None = None
    medicationCodeableConcept: CodeableConcept | None = None
    medicationReference: Reference | None = None


class MedicationRequest(_MedicationUse):
    authoredOn: str | None = None
    requester: Reference | None = None
    dosageInstruction: list[Dosage] = Field(default_factory=list)
    dispenseRequest: DispenseRequest | None = None


class MedicationStatement(_MedicationUse):
    effectiveDateTime: str | None = None
    effectivePeriod: Period | None = None
    dosage: list[Dosage] = Field(default_factory=list)


class MedicationDispense(_MedicationUse):
    whenHandedOver: str | None = None
    quantity: Quantity | None = None
    daysSupply: Quantity | None = None
    dosageInstruction: list[Dosage] = Field(default_factory=list)


class Component(_E):
    code: CodeableConcept | None = None
    valueQuantity: Quantity | None = None
    valueInteger: float | None = None


class Observation(Resource):
    status: str | None = None
    subject: Reference | None = None
    code: CodeableConcept | None = None
    valueQuantity: Quantity | None = None
    valueInteger: float | None = None
    effectiveDateTime: str | None = None
    effectivePeriod: Period | None = None
    component: list[Component] = Field(default_factory=list)


class Procedure(Resource):
    status: str | None = None
    subject: Reference | None = None
    code: CodeableConcept | None = None
    performedDateTime: str | None = None
    performedPeriod: Period | None = None


class Encounter(Resource):
    status: str | None = None
    subject: Reference | None = None
    type: list[CodeableConcept] = Field(default_factory=list)
    period: Period | None = None


class ServiceRequest(Resource):
    status: str | None = None
    subject: Reference | None = None
    code: CodeableConcept | None = None
    authoredOn: str | None = None
    requester: Reference | None = None


class ActivityDetail(_E):
    status: str | None = None
    code: CodeableConcept | None = None
    scheduledPeriod: Period | None = None


class CarePlanActivity(_E):
    detail: ActivityDetail | None = None


class CarePlan(Resource):
    status: str | None = None
    subject: Reference | None = None
    period: Period | None = None
    activity: list[CarePlanActivity] = Field(default_factory=list)


class Qualification(_E):
    code: CodeableConcept | None = None


class Practitioner(Resource):
    identifier: list[Identifier] = Field(default_factory=list)
    name: list[HumanName] = Field(default_factory=list)
    qualification: list[Qualification] = Field(default_factory=list)


class PractitionerRole(Resource):
    practitioner: Reference | None = None
    specialty: list[CodeableConcept] = Field(default_factory=list)
    code: list[CodeableConcept] = Field(default_factory=list)


class DeviceName(_E):
    name: str | None = None


class Device(Resource):
    status: str | None = None
    patient: Reference | None = None
    type: CodeableConcept | None = None
    deviceName: list[DeviceName] = Field(default_factory=list)


class AllergyIntolerance(Resource):
    patient: Reference | None = None
    code: CodeableConcept | None = None
    verificationStatus: CodeableConcept | None = None


class Attachment(_E):
    contentType: str | None = None
    data: str | None = None
    url: str | None = None
    title: str | None = None


class DocumentContent(_E):
    attachment: Attachment | None = None


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
