"""The PAS request Bundle as plain dicts, every key in a fixed order.

Nothing here reads a clock, a file or the network: the document date, the attachments
and the identifiers come in, so the same inputs give the same JSON, byte for byte.
Values typed in the case (names, the member id, the NPI) go out exactly as typed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from typing import Any

from priorauth.case import Case
from priorauth.pas import codes as c
from priorauth.report import CriterionResult, Report
from priorauth.rules.model import RuleSet
from priorauth.service_lines import PlannedService, ServiceLine

Json = dict[str, Any]
STATUS_ANSWERS = {"met": "met", "not_met": "not met", "unknown": "not documented"}


@dataclass(frozen=True)
class Attachment:
    """A document carried inline: the letter, the checklist, or a file the case lists."""

    key: str  # stable name for its fullUrl: "letter", "checklist", "documents[2]"
    title: str
    content_type: str
    data: bytes
    report_type: tuple[str, str]  # X12 755 code and its name
    date: dt.date | None = None


@dataclass(frozen=True)
class Request:
    """Everything the Bundle is made from."""

    case: Case
    rule_set: RuleSet
    report: Report
    service: PlannedService
    date: dt.date  # the document date: Bundle.timestamp, Claim.created
    seed: str  # a digest of the inputs; every identifier is derived from it
    continuation: bool
    auth_number: str | None
    attachments: tuple[Attachment, ...]


def coding(system: str, code: str, display: str | None = None) -> Json:
    out: Json = {"system": system, "code": code}
    if display:
        out["display"] = display
    return out


def concept(system: str, code: str, display: str | None = None, text: str | None = None) -> Json:
    out: Json = {"coding": [coding(system, code, display)]}
    if text:
        out["text"] = text
    return out


class _Ids:
    """urn:uuid fullUrls, uuid5 of the request's seed and the resource's role."""

    def __init__(self, seed: str) -> None:
        self.namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"https://priorauth.invalid/pas/{seed}")

    def id(self, role: str) -> str:
        return str(uuid.uuid5(self.namespace, role))

    def url(self, role: str) -> str:
        return f"urn:uuid:{self.id(role)}"

    def ref(self, role: str) -> Json:
        return {"reference": self.url(role)}


def build_bundle(req: Request) -> Json:
    """The PAS request Bundle: the Claim first, then what it points to."""
    ids = _Ids(req.seed)
    case = req.case
    entries: list[tuple[str, Json]] = [("Claim", _claim(req, ids)), ("Patient", _patient(case, ids)), ("Coverage", _coverage(req, ids))]
    entries.append(("Organization/payer", _payer(req.rule_set, ids)))
    if case.facility is not None and case.facility.name:
        entries.append(("Organization/requester", _requester(case, ids)))
    entries.append(("Practitioner", _practitioner(case, ids)))
    entries.append(("PractitionerRole", _role(case, ids)))
    for att in req.attachments:
        entries.append((f"DocumentReference/{att.key}", _document(att, req, ids)))
    entries.append(("QuestionnaireResponse", _answers(req, ids)))
    return {
        "resourceType": "Bundle",
        "id": ids.id("Bundle"),
        "meta": {"profile": [c.PROFILE_BUNDLE]},
        "identifier": {"system": c.URI, "value": ids.url("Bundle.identifier")},
        "type": "collection",
        "timestamp": f"{req.date.isoformat()}T00:00:00Z",
        "entry": [{"fullUrl": ids.url(role), "resource": resource} for role, resource in entries],
    }


def _taxonomy(case: Case) -> tuple[str, str] | None:
    return c.TAXONOMY.get(case.prescriber.specialty or "")


def _claim(req: Request, ids: _Ids) -> Json:
    case = req.case
    diagnoses = sorted(case.diagnoses, key=lambda d: not d.primary)  # the primary first, the rest in the case's order
    taxonomy = _taxonomy(case)
    team: Json = {
        "extension": [{"url": c.EXT_CARE_TEAM_SCOPE, "valueBoolean": True}],
        "sequence": 1,
        "provider": ids.ref("PractitionerRole"),  # PAS takes an Organization or a PractitionerRole here
    }
    if taxonomy is not None:
        team["qualification"] = concept(c.NUCC, *taxonomy)
    info = [_supporting(i, att.report_type, ids.ref(f"DocumentReference/{att.key}")) for i, att in enumerate(req.attachments, 1)]
    info.append(_supporting(len(info) + 1, c.SUMMARY_REPORT, ids.ref("QuestionnaireResponse")))
    claim: Json = {
        "resourceType": "Claim",
        "id": ids.id("Claim"),
        "meta": {"profile": [c.PROFILE_CLAIM]},
        "identifier": [{"system": c.URI, "value": ids.url("Claim.identifier")}],
        "status": "active",
        "type": concept(c.CLAIM_TYPE, "professional"),
        "use": "preauthorization",
        "patient": ids.ref("Patient"),
        "created": req.date.isoformat(),
        "insurer": ids.ref("Organization/payer"),
        "provider": ids.ref("PractitionerRole"),
        "priority": concept(c.PRIORITY, "normal"),
        "careTeam": [team],
        "supportingInfo": info,
        "diagnosis": [{"sequence": i, "diagnosisCodeableConcept": concept(c.ICD10CM, d.code)} for i, d in enumerate(diagnoses, 1)],
        "insurance": [{"sequence": 1, "focal": True, "coverage": ids.ref("Coverage")}],
        "item": [_item(i, line, req, len(diagnoses), len(info)) for i, line in enumerate(req.service.counted, 1)],
    }
    return claim


def _supporting(sequence: int, report_type: tuple[str, str], value: Json) -> Json:
    return {
        "extension": [{"url": c.EXT_DOCUMENT_INFORMATION, "extension": [{"url": "reportTypeCode", "valueCodeableConcept": concept(c.X12_REPORT_TYPE, *report_type)}]}],
        "sequence": sequence,
        "category": concept(c.PAS_TEMP_CODES, "additionalInformation"),
        "valueReference": value,
    }


def _item(sequence: int, line: ServiceLine, req: Request, diagnoses: int, infos: int) -> Json:
    certification = c.CERTIFICATION["continuation" if req.continuation else "initial"]
    extensions: list[Json] = [
        {"url": c.EXT_REQUEST_TYPE, "valueCodeableConcept": concept(c.X12_REQUEST_TYPE, *c.REQUEST_TYPE)},
        {"url": c.EXT_CERTIFICATION_TYPE, "valueCodeableConcept": concept(c.X12_CERTIFICATION_TYPE, *certification)},
    ]
    if req.auth_number is not None:
        extensions.append({"url": c.EXT_AUTHORIZATION_NUMBER, "valueString": req.auth_number})
    item: Json = {
        "extension": extensions,
        "sequence": sequence,
        "careTeamSequence": [1],
        "diagnosisSequence": list(range(1, diagnoses + 1)),
        "informationSequence": list(range(1, infos + 1)),
        "category": concept(c.X12_SERVICE_CATEGORY, *c.CATEGORY),
        "productOrService": concept(c.PRODUCT_SYSTEMS[line.system], line.code, text=line.meaning or None),
    }
    start, end = req.service.start, req.service.end
    if start is not None and end is not None:
        item["servicedPeriod"] = {"start": start.isoformat(), "end": end.isoformat()}
    elif start is not None:
        item["servicedDate"] = start.isoformat()
    item["locationCodeableConcept"] = concept(c.POS, *c.PLACE_OF_SERVICE)
    quantity: Json = {"value": line.units}
    if line.unit == "mg":
        quantity.update({"unit": "mg", "system": c.UCUM, "code": "mg"})
    else:
        quantity["unit"] = line.unit
    item["quantity"] = quantity
    return item


def _patient(case: Case, ids: _Ids) -> Json:
    p = case.patient
    out: Json = {
        "resourceType": "Patient",
        "id": ids.id("Patient"),
        "identifier": [{"type": concept(c.IDENTIFIER_TYPE, "MR"), "value": p.id}],
        "name": [{"family": p.family_name, "given": [p.given_name]}],
    }
    if p.sex is not None:
        out["gender"] = p.sex
    out["birthDate"] = p.birth_date.isoformat()
    return out


def _coverage(req: Request, ids: _Ids) -> Json:
    cov = req.case.coverage
    out: Json = {
        "resourceType": "Coverage",
        "id": ids.id("Coverage"),
        "identifier": [{"type": concept(c.IDENTIFIER_TYPE, "MB"), "value": cov.member_id}],
        "status": "active",
        "subscriberId": cov.member_id,
        "beneficiary": ids.ref("Patient"),
        "payor": [ids.ref("Organization/payer")],
    }
    classes = []
    if cov.group_number:
        classes.append({"type": concept(c.COVERAGE_CLASS, "group"), "value": cov.group_number})
    if cov.plan:
        classes.append({"type": concept(c.COVERAGE_CLASS, "plan"), "value": cov.plan, "name": cov.plan})
    if classes:
        out["class"] = classes
    return out


def _payer(rule_set: RuleSet, ids: _Ids) -> Json:
    out: Json = {"resourceType": "Organization", "id": ids.id("Organization/payer")}
    if rule_set.payer_identifier is not None:
        out["identifier"] = [{"type": concept(c.PAYER_ID_TYPE, "payerid"), "value": rule_set.payer_identifier}]
    out.update({"active": True, "type": [concept(c.X12_ENTITY, "PR", "Payer")], "name": rule_set.payer_name})
    return out


def _requester(case: Case, ids: _Ids) -> Json:
    facility = case.facility
    assert facility is not None
    out: Json = {"resourceType": "Organization", "id": ids.id("Organization/requester")}
    if facility.npi:
        out["identifier"] = [{"system": c.NPI, "value": facility.npi}]
    out.update({"active": True, "type": [concept(c.X12_ENTITY, "1P", "Provider")], "name": facility.name})
    if facility.address:
        out["address"] = [{"text": facility.address}]
    return out


def _practitioner(case: Case, ids: _Ids) -> Json:
    pr = case.prescriber
    return {
        "resourceType": "Practitioner",
        "id": ids.id("Practitioner"),
        "identifier": [{"system": c.NPI, "value": pr.npi}],
        "name": [{"text": pr.name}],
    }


def _role(case: Case, ids: _Ids) -> Json:
    pr = case.prescriber
    out: Json = {"resourceType": "PractitionerRole", "id": ids.id("PractitionerRole"), "active": True, "practitioner": ids.ref("Practitioner")}
    if case.facility is not None and case.facility.name:
        out["organization"] = ids.ref("Organization/requester")
    taxonomy = _taxonomy(case)
    if taxonomy is not None:
        out["specialty"] = [concept(c.NUCC, *taxonomy)]
    telecom = [{"system": system, "value": value} for system, value in (("phone", pr.phone), ("fax", pr.fax)) if value]
    if telecom:
        out["telecom"] = telecom
    return out


def _document(att: Attachment, req: Request, ids: _Ids) -> Json:
    import base64

    out: Json = {
        "resourceType": "DocumentReference",
        "id": ids.id(f"DocumentReference/{att.key}"),
        "status": "current",
        "type": {"text": att.title},
        "subject": ids.ref("Patient"),
    }
    if att.date is not None:
        out["date"] = f"{att.date.isoformat()}T00:00:00Z"
    out["author"] = [ids.ref("PractitionerRole")]
    out["content"] = [{"attachment": {"contentType": att.content_type, "data": base64.b64encode(att.data).decode("ascii"), "title": att.title}}]
    return out


def _answers(req: Request, ids: _Ids) -> Json:
    return {
        "resourceType": "QuestionnaireResponse",
        "id": ids.id("QuestionnaireResponse"),
        "status": "completed",
        "subject": ids.ref("Patient"),
        "authored": req.date.isoformat(),
        "author": ids.ref("PractitionerRole"),
        "item": [_question(r) for r in req.report.criteria],
    }


def _question(result: CriterionResult) -> Json:
    # the finding as the report words it; its pointers into the case file mean nothing to the payer
    evidence = {"linkId": f"{result.id}.evidence", "text": "Evidence", "answer": [{"valueString": result.message}]}
    answer: Json = {"valueString": STATUS_ANSWERS[result.status], "item": [evidence]}
    answer["item"] += [_question(d) for d in result.details]
    return {"linkId": result.id, "text": result.label, "answer": [answer]}
