"""One patient's FHIR chart -> case data, the source of every fact, and what is left to complete.

What FHIR can say is read (fhir.md maps it); what it cannot say (a trial's outcome,
adherence, REMS, PDMP review, documented negatives) is left absent, so a check reports it
as *not documented*, and listed in :attr:`Imported.todo` for the prescriber.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, cast

from priorauth.catalog import lookup_drug
from priorauth.fhir import models as m
from priorauth.fhir.read import Chart, key_of
from priorauth.fhir.tables import Tables

__all__ = ["Options", "ToComplete", "Imported", "map_chart"]

ICD10 = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CPT = "http://www.ama-assn.org/go/cpt"
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
NPI = "http://hl7.org/fhir/sid/us-npi"
NUCC = "http://nucc.org/provider-taxonomy"

_BILLING = (CPT, HCPCS)
MERGE_GAP_DAYS = 90  # orders of one drug this close together are one trial (refills, titration)
COURSE_GAP_DAYS = 90  # sessions this close together are one course
SNOMED_DEPRESSION = {"370143000": "major depressive disorder", "36923009": "major depression, single episode", "35489007": "depressive disorder"}
SNOMED_SUICIDAL_IDEATION = "6471006"
PHQ2 = "55758-7"
PHQ9_TEEN = ("89204-2", "89206-7")
_NOT_SEVERITY = frozenset((PHQ2, *PHQ9_TEEN))  # screens the assessments leave out
# Psychotherapy codes: CPT (modality not coded) and SNOMED (modality coded).
THERAPY_CPT = {"90832", "90834", "90837", "90833", "90836", "90838", "90853", "90846", "90847"}
THERAPY_SNOMED = {"228557008": "CBT", "304822001": "psychodynamic", "425680009": "other"}
ECT_CPT = {"90870"}
TMS_CPT = {"90867", "90868", "90869"}
SPRAVATO_HCPCS = {"G2082", "G2083"}
SUBSTANCE_USE = {f"F1{i}" for i in range(10)}  # ICD-10-CM F10-F19
SCHIZOPHRENIA_SPECTRUM = {f"F2{i}" for i in range(10)}  # ICD-10-CM F20-F29
_UNDOTTED = re.compile(r"[A-Z]\d{2}[0-9A-Z]{1,4}")  # F332: an ICD-10-CM code written without its dot
# Whole-number totals and their range, per scale.
SCALE_RANGE = {"PHQ-9": (0, 27), "HAM-D17": (0, 52), "MADRS": (0, 60), "BDI-II": (0, 63), "QIDS-SR16": (0, 27), "IDS-C": (0, 84), "GDS": (0, 15), "CGI-S": (1, 7)}
FREQ_CODES = {"QD": 1.0, "BID": 2.0, "TID": 3.0, "QID": 4.0, "AM": 1.0, "PM": 1.0, "QOD": 0.5, "Q12H": 2.0, "Q8H": 3.0, "Q6H": 4.0}
PER_DAY = {"d": 1.0, "h": 24.0, "wk": 1 / 7, "mo": 1 / 30, "min": 1440.0}
UNIT_WORDS = {"", "1", "tablet", "tablets", "tab", "capsule", "capsules", "cap", "{tbl}", "{tablet}", "{capsule}", "{cap}", "each", "ea"}
_SCD = re.compile(r"^(?:\d+ (?:HR|DAY) )?(?P<ing>[A-Za-z][A-Za-z ,\-]*?) (?P<mg>\d+(?:\.\d+)?) MG(?![/\w])", re.IGNORECASE)
SCREENING = (
    ("clinical.seizure_history", "seizures or epilepsy"),
    ("clinical.implanted_metal_near_head", "metal or implants in or near the head"),
    ("clinical.bipolar_disorder", "bipolar disorder"),
    ("clinical.psychotic_features", "psychotic features"),
    ("clinical.substance_use_disorder", "substance use"),
    ("clinical.pregnant", "pregnancy"),
)

# SCREENING as map_chart reads it: (path, its clinical field, why it is to complete)
_SCREENING = [(path, path.split(".")[1], f"not in the chart: write false only if the chart documents that the patient has no {words}") for path, words in SCREENING]


@dataclass(frozen=True)
class Options:
    treatment: str | None = None
    payer: str | None = None
    request_date: dt.date | None = None


@dataclass(frozen=True, slots=True)  # slots: made by the thousand, and cheaper to make frozen with them
class ToComplete:
    """A fact FHIR could not give: where it goes in the case, and why it is missing."""

    path: str
    why: str


# The same few items are to complete in every chart: one frozen ToComplete each, shared
# (bounded, so memory stays flat over a large export).
_to_complete = functools.lru_cache(maxsize=1024)(ToComplete)


@dataclass
class Imported:
    fhir_id: str
    source: str
    data: dict[str, Any]
    notes: dict[str, list[str]] = field(default_factory=dict)  # "medications[0].max_daily_dose_mg" -> source lines
    todo: list[ToComplete] = field(default_factory=list)
    attachments: list[tuple[int, str, str]] = field(default_factory=list)  # (documents index, suffix, base64 data)

    def note(self, path: str, *lines: str) -> None:
        self.notes.setdefault(path, []).extend(lines)

    def need(self, path: str, why: str) -> None:
        self.todo.append(_to_complete(path, why))


def _cite(resource: m.Resource, when: dt.date | str | None = None) -> str:
    return _cite_key(key_of(resource), when)


def _cite_key(key: str, when: dt.date | str | None = None) -> str:
    """How a note cites a resource: "Type/id, date" (the date when there is one)."""
    return f"{key}, {when}" if when else key


def _iso(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _status(concept: m.CodeableConcept | None) -> str | None:
    """The first code of ``concept`` (a status, a class type, a timing code)."""
    if concept is not None:
        for c in concept.coding:
            if c.code:
                return c.code
    return None


def _all_codes(concepts: Iterable[m.CodeableConcept | None], system: str) -> list[str]:
    return [code for c in concepts if c is not None for code in c.codes(system)]


# ---- patient, coverage, request -------------------------------------------------------------------------


def _patient(chart: Chart, out: Imported) -> None:
    p = chart.patient
    data: dict[str, Any] = {}
    mrn = None
    for i in p.identifier:
        if i.value and i.has_type("MR"):
            mrn = i
            break
    data["id"] = mrn.value if mrn else p.id
    out.note("patient.id", f"{key_of(p)}" + (" identifier MR" if mrn else " id (no MR identifier)"))
    name = next((n for n in p.name if n.use == "official"), p.name[0] if p.name else None)
    if name is not None and name.given:
        data["given_name"] = " ".join(name.given)
    else:
        out.need("patient.given_name", "the Patient resource has no given name")
    if name is not None and name.family:
        data["family_name"] = name.family
    else:
        out.need("patient.family_name", "the Patient resource has no family name")
    birth = m.day(p.birthDate)
    if birth is not None:
        data["birth_date"] = birth.isoformat()
    else:
        out.need("patient.birth_date", "the Patient resource has no full birth date")
    if p.gender in ("female", "male", "other", "unknown"):
        data["sex"] = p.gender
    out.data["patient"] = data


def _coverage(chart: Chart, opts: Options, tables: Tables, out: Imported) -> None:
    coverages = [c for c in chart.of_type(m.Coverage) if c.status not in ("cancelled", "entered-in-error")]
    data: dict[str, Any] = {}
    chosen = None
    if coverages:
        coverages.sort(key=lambda c: (c.status == "active", (c.period.start or "") if c.period else ""), reverse=True)
        chosen = coverages[0]
        out.note("coverage", _cite(chosen) + (f" (also in the chart: {', '.join(key_of(c) for c in coverages[1:])})" if len(coverages) > 1 else ""))
    payer_org = None
    if chosen is not None:
        for ref in chosen.payor:
            org = chart.pool.get(ref.reference, chosen)
            if isinstance(org, m.Organization):
                payer_org = org
                break
    if opts.payer:
        data["payer"] = opts.payer
        out.note("coverage.payer", "given with --payer")
    else:
        names = [payer_org.name] if payer_org is not None and payer_org.name else []
        names += [i.value for i in (payer_org.identifier if payer_org else []) if i.value]
        names += [r.display for r in (chosen.payor if chosen else []) if r.display]
        found = next(filter(None, (tables.lookup("payers", n) for n in names)), None)
        if found:
            data["payer"] = str(found)
            out.note("coverage.payer", f"{key_of(payer_org) if payer_org else _cite(chosen) if chosen else ''} via the payer table")
        elif chosen is None:
            out.need("coverage.payer", "the chart has no Coverage: write the payer's id (`priorauth rules list`), or use --payer")
        else:
            label = f"'{names[0]}'" if names else "of the Coverage"
            out.need("coverage.payer", f"the payer {label} is not in the payer table: write its id (`priorauth rules list`), use --payer, or add it to your --tables file")
    if chosen is None:
        out.need("coverage.member_id", "the chart has no Coverage: copy the member id from the insurance card")
        out.data["coverage"] = data
        return
    member = next((i.value for i in chosen.identifier if i.has_type("MB") and i.value), None) or chosen.subscriberId
    if member:
        data["member_id"] = member
        out.note("coverage.member_id", _cite(chosen))
    else:
        out.need("coverage.member_id", f"{key_of(chosen)} has no member id: copy it from the insurance card")
    for cls in chosen.class_:
        kind = _status(cls.type)
        if kind == "plan" and (cls.name or cls.value):
            data["plan"] = cls.name or cls.value
        elif kind == "group" and cls.value:
            data["group_number"] = cls.value
    out.data["coverage"] = data


def _request(opts: Options, out: Imported) -> None:
    data: dict[str, Any] = {}
    if opts.treatment:
        data["treatment"] = opts.treatment
    else:
        out.need("request.treatment", "FHIR does not say which treatment is requested: write tms or spravato, or use --treatment")
    if opts.request_date:
        data["date"] = opts.request_date.isoformat()
    else:
        out.need("request.date", "the date of the request: write it, or use --request-date")
    out.data["request"] = data


# ---- prescriber -------------------------------------------------------------------------------------------------


def _practitioner_of(chart: Chart, ref: str | None, owner: m.Resource | None) -> tuple[m.Practitioner | None, list[m.PractitionerRole]]:
    found = chart.pool.get(ref, owner)
    roles: list[m.PractitionerRole] = []
    if isinstance(found, m.PractitionerRole):
        roles.append(found)
        found = chart.pool.get(found.practitioner.reference if found.practitioner else None, found)
    if not isinstance(found, m.Practitioner):
        return None, roles
    roles += [r for r in chart.pool.roles_of(found) if isinstance(r, m.PractitionerRole) and r not in roles]
    return found, roles


@functools.lru_cache(maxsize=1024)  # an export names the same few prescribers again and again
def _valid_npi(npi: str) -> bool:
    from priorauth.case import _check_npi

    try:
        _check_npi(npi)
    except ValueError:
        return False
    return True


def _prescriber(chart: Chart, orders: list[m.MedicationRequest], tables: Tables, out: Imported) -> None:
    data: dict[str, Any] = {}
    # the order of the treatment itself first (a ServiceRequest), then the latest drug order
    services = sorted(chart.of_type(m.ServiceRequest), key=lambda o: o.authoredOn or "", reverse=True)
    refs: list[tuple[str | None, m.Resource]] = [(o.requester.reference, o) for o in services if o.requester and o.status not in ("entered-in-error", "revoked")]
    refs += [(o.requester.reference, o) for o in sorted(orders, key=lambda o: o.authoredOn or "", reverse=True) if o.requester]
    refs += [(r.reference, chart.patient) for r in chart.patient.generalPractitioner]
    practitioner: m.Practitioner | None = None
    roles: list[m.PractitionerRole] = []
    for ref, owner in refs:
        practitioner, roles = _practitioner_of(chart, ref, owner)
        if practitioner is not None:
            break
    if practitioner is None:
        out.need("prescriber.name", "no order in the chart names its prescriber: write the prescriber's name and credentials")
        out.need("prescriber.npi", "write the prescriber's 10-digit NPI")
        out.data["prescriber"] = data
        return
    name = next((n for n in practitioner.name if n.use == "official"), practitioner.name[0] if practitioner.name else None)
    if name is not None and (name.text or name.family):
        text = name.text or " ".join([*name.given, name.family or ""]).strip()
        if name.suffix and not name.text:
            text += ", " + " ".join(name.suffix)
        data["name"] = text
    else:
        out.need("prescriber.name", f"{key_of(practitioner)} has no name")
    npi = next((i.value for i in practitioner.identifier if i.system == NPI and i.value), None)
    if npi:
        data["npi"] = npi
        if not _valid_npi(npi):
            out.need("prescriber.npi", f"the NPI of {key_of(practitioner)} is not a valid NPI (10 digits with a matching check digit): correct it")
    else:
        out.need("prescriber.npi", f"{key_of(practitioner)} has no NPI identifier")
    taxonomy = _all_codes([*(s for r in roles for s in r.specialty), *(q.code for q in practitioner.qualification)], NUCC)
    specialty = None
    for code in taxonomy:  # the first code in the table
        specialty = tables.lookup("taxonomy", code)
        if specialty:
            break
    cite = ", ".join([key_of(practitioner), *(key_of(r) for r in roles)])
    out.note("prescriber", cite)
    if specialty:
        data["specialty"] = str(specialty)
    else:
        out.need("prescriber.specialty", "no NUCC taxonomy code of the prescriber is in the taxonomy table: write psychiatry, psychiatric_nurse_practitioner, primary_care or other")
    out.need("prescriber.board_certified", "FHIR does not record board certification: write true or false")
    if specialty != "psychiatry":
        out.need("prescriber.psychiatrist_consulted", "when the prescriber is not a psychiatrist: was a psychiatrist consulted (true or false)")
    out.data["prescriber"] = data


# ---- diagnoses and clinical flags -----------------------------------------------------------------------------


_DEPRESSION = ("F32", "F33", "F34.1", "F06.3", "F53")


@functools.lru_cache(maxsize=4096)  # an export codes the same few diagnoses again and again
def _icd(code: str) -> tuple[str, bool, bool, str | None]:
    """What an ICD-10-CM code says: (the code as a case writes it, upper case with its dot;
    whether the source wrote it without its dot; whether it is a depression diagnosis;
    the clinical flag it raises, if any)."""
    upper = code.upper().strip()
    was_undotted = _UNDOTTED.fullmatch(upper) is not None
    if was_undotted:
        upper = f"{upper[:3]}.{upper[3:]}"
    flag = None
    if upper.startswith(_DEPRESSION):
        if upper.startswith(("F32.3", "F33.3")):
            flag = "psychotic_features"
    elif upper.startswith("F31"):
        flag = "bipolar_disorder"
    elif upper[:3] in SCHIZOPHRENIA_SPECTRUM:
        flag = "schizophrenia_spectrum"
    elif upper.startswith("G40"):
        flag = "seizure_history"
    elif upper[:3] in SUBSTANCE_USE:
        flag = "substance_use_disorder"
    return upper, was_undotted, upper.startswith(_DEPRESSION), flag


def _conditions(chart: Chart, req: dt.date | None, out: Imported) -> dict[str, Any]:
    clinical: dict[str, Any] = {}
    diagnoses: dict[str, tuple[dt.date | None, m.Condition]] = {}
    snomed_only: list[tuple[m.Condition, str]] = []
    substance: list[str] = []
    cites: dict[str, list[str]] = {}
    undotted: dict[str, str] = {}
    for cond in chart.of_type(m.Condition):
        if _status(cond.verificationStatus) in ("refuted", "entered-in-error") or cond.code is None:
            continue
        onset = m.day(cond.onsetDateTime) or m.day(cond.recordedDate)
        if req is not None and onset is not None and onset > req:
            continue
        icd = cond.code.codes(ICD10)
        snomed = cond.code.codes(SNOMED)
        cite = None
        for code in icd:
            upper, was_undotted, depression, flag = _icd(code)
            if was_undotted:
                undotted[upper] = code
            if depression and _status(cond.clinicalStatus) not in ("resolved", "inactive"):
                prev = diagnoses.get(upper)
                if prev is None or (onset and (prev[0] is None or onset < prev[0])):
                    diagnoses[upper] = (onset, cond)
            if flag is not None:
                if cite is None:
                    cite = _cite(cond, _iso(onset))
                if flag == "substance_use_disorder":
                    substance.append(upper)  # its value (active or in remission) is worked out below
                else:
                    clinical[flag] = True
                cites.setdefault(flag, []).append(cite)
        if not icd and snomed and any(c in SNOMED_DEPRESSION for c in snomed):
            snomed_only.append((cond, next(SNOMED_DEPRESSION[c] for c in snomed if c in SNOMED_DEPRESSION)))
        if SNOMED_SUICIDAL_IDEATION in snomed:
            out.need("clinical.suicidal_ideation", f"{_cite(cond, _iso(onset))} records suicidal ideation: write passive or active_with_intent (FHIR does not say which)")
    if substance:
        # ICD-10-CM F1x.11 / F1x.21 are "in remission"
        clinical["substance_use_disorder"] = "remission" if all(c.endswith((".11", ".21")) for c in substance) else "active"
    for flag, lines in cites.items():
        out.note(f"clinical.{flag}", *lines)
    rows = sorted(diagnoses.items(), key=lambda kv: (kv[1][0] or dt.date.min, kv[0]))
    data = []
    for n, (code, (onset, cond)) in enumerate(rows):
        item: dict[str, Any] = {"code": code}
        out.note(f"diagnoses[{n}]", _cite(cond, _iso(onset)) + (f" (written {undotted[code]} in the source)" if code in undotted else ""))
        if onset is not None:
            item["diagnosed_on"] = onset.isoformat()
        data.append(item)
    primary = next((i for i in range(len(data) - 1, -1, -1) if data[i]["code"].startswith(("F32", "F33"))), len(data) - 1)
    if data:
        data[primary] = {"code": data[primary]["code"], "primary": True, **{k: v for k, v in data[primary].items() if k != "code"}}
        out.note(f"diagnoses[{primary}].primary", "the latest depression code: check it is the one this request is for")
    for cond, label in snomed_only:
        out.need("diagnoses", f"{_cite(cond, _iso(m.day(cond.onsetDateTime)))} is coded in SNOMED only ({label}): give its ICD-10-CM code (F32.x or F33.x); severity, psychotic features and recurrence cannot be read from it")
    if not data and not snomed_only:
        out.need("diagnoses", "the chart has no depression diagnosis with an ICD-10-CM code: give the code (F32.x or F33.x)")
    out.data["diagnoses"] = data
    return clinical


def _devices_allergies(chart: Chart, clinical: dict[str, Any], out: Imported) -> None:
    names: list[str] = []
    cites: list[str] = []
    for dev in chart.of_type(m.Device):
        if dev.status in ("inactive", "entered-in-error"):
            continue
        label = next((d.name for d in dev.deviceName if d.name), None) or (dev.type.label() if dev.type else None)
        if label and label not in names:
            names.append(label)
            cites.append(_cite(dev))
    if names:
        clinical["implanted_devices"] = names
        out.note("clinical.implanted_devices", *cites)
    for allergy in chart.of_type(m.AllergyIntolerance):
        if _status(allergy.verificationStatus) in ("refuted", "entered-in-error") or allergy.code is None:
            continue
        words = " ".join(filter(None, [allergy.code.text, *(c.display for c in allergy.code.coding)])).lower()
        if "ketamine" in words:
            clinical["ketamine_hypersensitivity"] = True
            out.note("clinical.ketamine_hypersensitivity", _cite(allergy))


# ---- medications -----------------------------------------------------------------------------------------------


@dataclass(slots=True)  # slots: one per medication order, cheaper to make
class _Use:
    resource: m.Resource
    key: str  # key_of(resource), worked out once: it sorts the uses and cites them
    drug: str
    role: str
    start: dt.date
    end: dt.date | None
    ongoing: bool
    dose: float | None
    recipe: tuple[Any, ...] | None  # how the daily dose was computed: see _how


def _concept(chart: Chart, use: m._MedicationUse) -> m.CodeableConcept | None:
    if use.medicationCodeableConcept is not None:
        return use.medicationCodeableConcept
    med = chart.pool.get(use.medicationReference.reference if use.medicationReference else None, use)
    return med.code if isinstance(med, m.Medication) else None


def resolve_drug(concept: m.CodeableConcept, tables: Tables) -> tuple[str, str, float | None] | None:
    """(catalog generic name, role, strength of one unit in mg) of a medication concept
    (remembered per concept: an export names the same few drugs again and again)."""
    coding = concept.coding
    if len(coding) == 1:  # the usual case, without a comprehension's frame
        c = coding[0]
        key: tuple[Any, ...] = (concept.text, (c.system, c.code, c.display))
    else:
        key = (concept.text, *[(c.system, c.code, c.display) for c in coding])
    cache = tables.memo.setdefault("drugs", {})
    found = cache.get(key, cache)  # the cache itself: not looked up yet (None is an answer)
    if found is cache:
        found = cache[key] = _resolve_drug(concept, tables)
    return found


def _resolve_drug(concept: m.CodeableConcept, tables: Tables) -> tuple[str, str, float | None] | None:
    for code in concept.codes(RXNORM):
        entry = tables.lookup("rxnorm", code)
        if isinstance(entry, dict) and entry.get("drug"):
            drug = lookup_drug(str(entry["drug"]))
            if drug is not None:
                strength = entry.get("strength_mg")
                return drug.generic, drug.role, float(strength) if strength else _strength(concept)
    texts = [t for t in [concept.text, *(c.display for c in concept.coding)] if t]
    for text in texts:
        match = _SCD.match(text.strip())
        if match:
            drug = lookup_drug(match.group("ing"))
            if drug is not None:
                return drug.generic, drug.role, float(match.group("mg"))
        drug = lookup_drug(text)
        if drug is not None:
            return drug.generic, drug.role, None
    return None


def _strength(concept: m.CodeableConcept) -> float | None:
    for text in [concept.text, *(c.display for c in concept.coding)]:
        match = _SCD.match((text or "").strip())
        if match:
            return float(match.group("mg"))
    return None


def _per_day(dosage: m.Dosage) -> float | None:
    timing = dosage.timing
    if timing is None:
        return None
    rep = timing.repeat
    if rep is not None and rep.frequency and rep.period and rep.periodUnit in PER_DAY:
        return rep.frequency * PER_DAY[rep.periodUnit] / rep.period
    code = _status(timing.code)
    return FREQ_CODES.get(code.upper()) if code else None


# How a daily dose was computed: a recipe (one of these templates, then its numbers) is
# kept with each order, and written out only for the order whose dose a trial cites.
_MG_A_DAY = "{:g} mg x {:g}/day"
_UNITS_A_DAY = "{:g} mg x {:g} x {:g}/day"
_SUPPLY = "{:g} mg x {:g} / {:g} days"


def _how(recipe: tuple[Any, ...]) -> str:
    return str(recipe[0]).format(*recipe[1:])


def daily_dose(dosages: list[m.Dosage], strength: float | None) -> tuple[float | None, str | None]:
    """The highest daily dose the instructions give, in mg, and how it was computed."""
    mg, recipe = _dose(dosages, strength)
    return mg, _how(recipe) if recipe is not None else None


def _dose(dosages: list[m.Dosage], strength: float | None) -> tuple[float | None, tuple[Any, ...] | None]:
    """:func:`daily_dose`, with the recipe of its computation instead of the text."""
    best: float | None = None
    recipe: tuple[Any, ...] | None = None
    for dosage in dosages:
        per_day = _per_day(dosage)
        if per_day is None:  # no dose of these instructions counts
            continue
        for dr in dosage.doseAndRate:
            q = dr.doseQuantity
            if q is None or q.value is None:
                continue
            unit = (q.unit or q.code or "").strip().lower()
            how: tuple[Any, ...]
            if unit == "mg":
                mg, how = q.value * per_day, (_MG_A_DAY, q.value, per_day)
            elif unit in UNIT_WORDS and strength:
                mg, how = strength * q.value * per_day, (_UNITS_A_DAY, strength, q.value, per_day)
            else:
                continue
            if best is None or mg > best:
                best, recipe = round(mg, 2), how
    return best, recipe


def _num(x: float) -> str:
    return f"{x:g}"


_NOT_TAKEN = frozenset(("entered-in-error", "cancelled", "draft", "not-taken", "declined"))
_ENDED = frozenset(("completed", "stopped"))
_ONGOING = frozenset(("active", "on-hold", "intended"))
# The subclasses of m._MedicationUse (the only ones): a type test per resource instead of
# isinstance with the abstract class, and the uses stay in chart order.
_USE_TYPES = frozenset((m.MedicationRequest, m.MedicationStatement, m.MedicationDispense))


def _uses(chart: Chart, tables: Tables, req: dt.date | None) -> list[_Use]:
    out: list[_Use] = []
    for r in chart.resources:
        if type(r) not in _USE_TYPES:
            continue
        use = cast(m._MedicationUse, r)
        if use.status in _NOT_TAKEN:
            continue
        concept = _concept(chart, use)
        found = resolve_drug(concept, tables) if concept is not None else None
        if found is None:
            continue
        drug, role, strength = found
        if role == "not_a_trial":
            continue
        # The dose is worked out after the dates: an order dated after the request is skipped.
        end = None
        supply = None  # a dispense's quantity and days supply
        if isinstance(use, m.MedicationRequest):
            start = m.day(use.authoredOn)
            if use.dispenseRequest and use.dispenseRequest.validityPeriod and use.status in _ENDED:
                end = m.day(use.dispenseRequest.validityPeriod.end)
            dosages = use.dosageInstruction
        elif isinstance(use, m.MedicationStatement):
            period = use.effectivePeriod
            start = m.day(use.effectiveDateTime) or (m.day(period.start) if period else None)
            end = m.day(period.end) if period and use.status in _ENDED else None
            dosages = use.dosage
        else:
            assert isinstance(use, m.MedicationDispense)
            start = m.day(use.whenHandedOver)
            dosages = use.dosageInstruction
            supply = (use.quantity, use.daysSupply)
        if start is None or (req is not None and start > req):
            continue
        dose, recipe = _dose(dosages, strength)
        if supply is not None:
            q, days = supply
            if dose is None and strength and q and q.value and days and days.value:
                dose, recipe = round(strength * q.value / days.value, 2), (_SUPPLY, strength, q.value, days.value)
        if end is not None and (end < start or (req is not None and end > req)):
            end = None
        ongoing = supply is None and use.status in _ONGOING
        out.append(_Use(use, key_of(use), drug, role, start, end, ongoing, dose, recipe))
    return out


_USE_ORDER = operator.attrgetter("drug", "start", "key")


def _medications(chart: Chart, tables: Tables, req: dt.date | None, out: Imported) -> None:
    uses = sorted(_uses(chart, tables, req), key=_USE_ORDER)
    trials: list[list[_Use]] = []
    reach = dt.date.min  # the latest end (or start) of the last trial's orders
    for use in uses:
        if trials and trials[-1][0].drug == use.drug and (use.start - reach).days <= MERGE_GAP_DAYS:
            trials[-1].append(use)
            reach = max(reach, use.end or use.start)
        else:
            trials.append([use])
            reach = use.end or use.start
    trials.sort(key=lambda t: (t[0].start, t[0].drug))
    data = []
    for n, trial in enumerate(trials):
        first = trial[0]
        item: dict[str, Any] = {"drug": first.drug}
        path = f"medications[{n}]"
        out.note(path, *[_cite_key(u.key, u.start) for u in trial])
        top, most = None, 0.0  # the first order with the highest dose (as max() finds it)
        for u in trial:
            if u.dose is not None and (top is None or u.dose > most):
                top, most = u, u.dose
        if top is not None:
            item["max_daily_dose_mg"] = top.dose
            out.note(f"{path}.max_daily_dose_mg", f"{top.key}: {_how(top.recipe) if top.recipe is not None else None}")
        else:
            out.need(f"{path}.max_daily_dose_mg", "no order of this trial gives strength, dose and frequency: write the highest daily dose in mg")
        item["start"] = first.start.isoformat()
        final = trial[-1]
        if final.ongoing:
            item["outcome"] = "ongoing"
            out.note(f"{path}.outcome", f"{final.key} is {getattr(final.resource, 'status', None)}")
        else:
            ends = [u.end for u in trial if u.end is not None]
            if ends:
                item["end"] = max(ends).isoformat()
            else:
                out.need(f"{path}.end", "the orders say the trial stopped but not when: write the end date")
            out.need(f"{path}.outcome", "FHIR does not record why a trial ended: write inadequate_response, partial_response, intolerance, contraindicated or response")
        if first.role == "augmenting_agent":
            item["role"] = "augmentation"
        out.need(f"{path}.adherence_pct", "FHIR does not record adherence: write it if the chart documents it")
        data.append(item)
    if data:
        out.data["medications"] = data


# ---- assessments -----------------------------------------------------------------------------------------------


def _scale_of(concept: m.CodeableConcept | None, tables: Tables) -> str | None:
    if concept is None:
        return None
    for c in concept.coding:
        found = tables.lookup("scales", f"{c.system or ''}|{c.code or ''}")
        if found:
            return str(found)
    return None


@functools.lru_cache(maxsize=1024)  # scores are a few small numbers, over and over
def _round(value: float) -> int:
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _assessments(chart: Chart, tables: Tables, req: dt.date | None, out: Imported) -> None:
    rows: dict[tuple[str, str], tuple[int, list[str]]] = {}
    skipped: list[str] = []
    for obs in chart.of_type(m.Observation):
        if obs.status in ("entered-in-error", "cancelled", "registered"):
            continue
        when = m.day(obs.effectiveDateTime) or (m.day(obs.effectivePeriod.start) if obs.effectivePeriod else None)
        loinc = obs.code.codes(LOINC) if obs.code else []
        if not _NOT_SEVERITY.isdisjoint(loinc):
            skipped.append(_cite(obs, _iso(when)))
            continue
        candidates: list[tuple[str | None, float | None]] = [(_scale_of(obs.code, tables), _value(obs.valueQuantity, obs.valueInteger))]
        candidates += [(_scale_of(c.code, tables), _value(c.valueQuantity, c.valueInteger)) for c in obs.component]
        for scale, value in candidates:
            if scale is None or value is None:
                continue
            if when is None or (req is not None and when > req):
                if when is None:
                    out.need("assessments", f"{key_of(obs)} ({scale}) has no full date: add it by hand with its date")
                continue
            score = _round(value)
            low, high = SCALE_RANGE.get(scale, (0, 200))
            if not low <= score <= high:
                out.need("assessments", f"{key_of(obs)} ({scale}) is outside the scale's range {low}-{high}: check the chart")
                continue
            line = _cite(obs, when.isoformat()) + ("" if score == value else f" (the source value {_num(value)} rounded to a whole number)")
            key = (scale, when.isoformat())
            if key in rows and rows[key][0] == score:
                rows[key][1].append(line)
            else:
                rows[key if key not in rows else (scale, f"{when.isoformat()}#{key_of(obs)}")] = (score, [line])
    data: list[dict[str, Any]] = []
    for n, ((scale, dated), (score, lines)) in enumerate(sorted(rows.items(), key=lambda kv: (kv[0][1], kv[0][0]))):
        data.append({"instrument": scale, "score": score, "date": dated[:10]})
        out.note(f"assessments[{n}]", *lines)
    if data:
        out.data["assessments"] = data
    if skipped:
        out.note("assessments", "not imported: PHQ-2 screens and PHQ-9 modified for teens are not the severity scales these policies read (" + "; ".join(skipped) + ")")


def _value(q: m.Quantity | None, integer: float | None) -> float | None:
    if q is not None and q.value is not None:
        return q.value
    return integer


def _improvement(out: Imported) -> None:
    """A trial's improvement_pct, from scores of one scale within 30 days before its start
    and within 30 days of its end; the comment names both."""
    scores = [(i, a["instrument"], dt.date.fromisoformat(a["date"]), a["score"]) for i, a in enumerate(out.data.get("assessments", []))]
    for n, trial in enumerate(out.data.get("medications", [])):
        if "start" not in trial or "end" not in trial:
            continue
        start, end = dt.date.fromisoformat(trial["start"]), dt.date.fromisoformat(trial["end"])
        for scale in dict.fromkeys(s[1] for s in scores):
            before = [s for s in scores if s[1] == scale and 0 <= (start - s[2]).days <= 30]
            after = [s for s in scores if s[1] == scale and s[2] > start and abs((s[2] - end).days) <= 30]
            if not before or not after:
                continue
            b, a = max(before, key=lambda s: s[2]), min(after, key=lambda s: abs((s[2] - end).days))
            if b[3] <= 0:
                continue
            pct = round((b[3] - a[3]) / b[3] * 100, 1)
            if -100 <= pct <= 100:
                trial["improvement_pct"] = pct
                out.note(f"medications[{n}].improvement_pct", f"computed from the {scale} scores of assessments[{b[0]}] ({_num(b[3])} on {b[2]}) and assessments[{a[0]}] ({_num(a[3])} on {a[2]})")
            break


# ---- procedures: psychotherapy, ECT, earlier courses ------------------------------------------------------------


# What a CPT/HCPCS code bills, as bits: one dict look-up per code instead of a set test
# per kind (a chart has hundreds of sessions).
_THERAPY, _ECT, _TMS, _SPRAVATO = 1, 2, 4, 8
_BILLED = {
    code: (_THERAPY if code in THERAPY_CPT else 0) | (_ECT if code in ECT_CPT else 0) | (_TMS if code in TMS_CPT else 0) | (_SPRAVATO if code in SPRAVATO_HCPCS else 0)
    for code in THERAPY_CPT | ECT_CPT | TMS_CPT | SPRAVATO_HCPCS
}
_PROCEDURE_NOT_DONE = frozenset(("not-done", "entered-in-error", "stopped", "preparation"))
_ENCOUNTER_NOT_DONE = frozenset(("cancelled", "entered-in-error", "planned"))

# A session: (day, "Type/id"), the resource's key worked out once for sorting and citing.
_Session = tuple[dt.date, str]


def _events(chart: Chart, req: dt.date | None) -> list[tuple[_Session, int, str | None]]:
    """((day, key), what its CPT/HCPCS codes bill (_THERAPY | _ECT | _TMS | _SPRAVATO), the
    psychotherapy modality of its first SNOMED code that names one) of done procedures
    and encounters, procedures first, each in chart order."""
    out: list[tuple[_Session, int, str | None]] = []
    for r in chart.of_type(m.Procedure):
        if r.status in _PROCEDURE_NOT_DONE:
            continue
        when = m.day(r.performedDateTime) or (m.day(r.performedPeriod.start) if r.performedPeriod else None)
        if when is None or (req is not None and when > req):
            continue
        out.append(_event(r, when, (r.code,)))
    for r in chart.of_type(m.Encounter):
        if r.status in _ENCOUNTER_NOT_DONE:
            continue
        when = m.day(r.period.start) if r.period else None
        if when is None or (req is not None and when > req):
            continue
        out.append(_event(r, when, r.type))
    return out


def _event(r: m.Resource, when: dt.date, concepts: Iterable[m.CodeableConcept | None]) -> tuple[_Session, int, str | None]:
    billed = 0
    modality = None
    for concept in concepts:
        for c in concept.coding if concept is not None else ():
            code = c.code
            if not code:
                continue
            if c.system in _BILLING:
                billed |= _BILLED.get(code.upper(), 0)
            elif modality is None and c.system == SNOMED:
                modality = THERAPY_SNOMED.get(code)
    return (when, key_of(r)), billed, modality


def _cites(group: list[_Session], most: int = 5) -> str:
    return ", ".join(key for _, key in group[:most]) + (", ..." if len(group) > most else "")


def _session_notes(group: list[_Session]) -> list[str]:
    return [_cite_key(key, when) for when, key in group]


def _courses(items: list[_Session]) -> list[list[_Session]]:
    """Sessions by day (then key), in groups no more than COURSE_GAP_DAYS apart."""
    groups: list[list[_Session]] = []
    group: list[_Session] = []
    last = None
    for item in sorted(items):  # (day, key) tuples: the order of (day, key_of(resource))
        if last is not None and (item[0] - last).days <= COURSE_GAP_DAYS:
            group.append(item)
        else:
            group = [item]
            groups.append(group)
        last = item[0]
    return groups


def _modality(snomed: list[str]) -> str | None:
    """The psychotherapy modality of the first SNOMED code that names one."""
    for code in snomed:
        if code in THERAPY_SNOMED:
            return THERAPY_SNOMED[code]
    return None


def _care_plans(chart: Chart, req: dt.date | None) -> list[tuple[str, m.CarePlan, dt.date, dt.date | None]]:
    """(modality, care plan, start, end) of psychotherapy activities done or under way."""
    out = []
    for plan in chart.of_type(m.CarePlan):
        if plan.status in ("entered-in-error", "revoked", "draft"):
            continue
        for activity in plan.activity:
            detail = activity.detail
            if detail is None or detail.code is None or detail.status not in ("completed", "in-progress", None):
                continue
            modality = _modality(detail.code.codes(SNOMED))
            period = detail.scheduledPeriod or plan.period
            start = m.day(period.start) if period else None
            if modality is None or start is None or (req is not None and start > req):
                continue
            end = m.day(period.end) if period else None
            out.append((modality, plan, start, end if end is not None and (req is None or end <= req) and end >= start else None))
    return out


def _procedures(chart: Chart, req: dt.date | None, out: Imported) -> None:
    therapy: dict[str, list[_Session]] = {}
    ect: list[_Session] = []
    prior: dict[str, list[_Session]] = {"tms": [], "spravato": []}
    for session, billed, modality in _events(chart, req):
        if modality is None and billed & _THERAPY:
            modality = "unknown"
        if modality is not None:
            therapy.setdefault(modality, []).append(session)
        if billed & _ECT:
            ect.append(session)
        if billed & _TMS:
            prior["tms"].append(session)
        if billed & _SPRAVATO:
            prior["spravato"].append(session)
    planned = _care_plans(chart, req)
    rows = []
    for modality, items in therapy.items():
        for group in _courses(items):
            rows.append((modality, group))
    rows.sort(key=lambda x: (x[1][0][0], x[0]))
    data: list[dict[str, Any]] = []
    for modality, group in rows:
        days = sorted({d for d, _ in group})
        if modality == "unknown":
            # A billing code says psychotherapy, not which kind: an entry needs its
            # modality, and "other" would read as "not evidence-based". Left to complete.
            out.need(
                "psychotherapy",
                f"{len(days)} psychotherapy session(s) from {days[0]} to {days[-1]} are billed without saying which therapy "
                f"({_cites(group)}): add an entry with its modality (CBT, IPT, ...), these dates and sessions, and its outcome",
            )
            continue
        path = f"psychotherapy[{len(data)}]"
        data.append({"modality": modality, "start": days[0].isoformat(), "end": days[-1].isoformat(), "sessions": len(days)})
        out.note(path, *_session_notes(group))
        out.need(f"{path}.outcome", "FHIR does not record the outcome of psychotherapy: write inadequate_response, partial_response, response or ongoing")
    for modality, plan, start, end in planned:
        if modality in therapy:
            continue  # its sessions are read from the procedures
        path = f"psychotherapy[{len(data)}]"
        item: dict[str, Any] = {"modality": modality, "start": start.isoformat()}
        if end is not None:
            item["end"] = end.isoformat()
        data.append(item)
        out.note(path, _cite(plan, start.isoformat()) + " (a care plan activity: its sessions are not counted)")
        out.need(f"{path}.sessions", "a care plan does not say how many sessions took place: write the count")
        out.need(f"{path}.outcome", "FHIR does not record the outcome of psychotherapy: write inadequate_response, partial_response, response or ongoing")
    if data:
        out.data["psychotherapy"] = data
    if ect:
        days = sorted({d for d, _ in ect})
        out.need("ect", f"{len(days)} ECT session(s) from {days[0]} to {days[-1]} ({_cites(ect)}): write status failed or responded")
    else:
        out.need("ect", "no ECT in the chart: write not_tried, declined or contraindicated if the chart says so")
    courses: list[tuple[dict[str, Any], list[_Session]]] = []
    for treatment, items in prior.items():
        for group in _courses(items):
            days = sorted({d for d, _ in group})
            courses.append(({"treatment": treatment, "start": days[0].isoformat(), "end": days[-1].isoformat(), "sessions": len(days)}, group))
    courses.sort(key=lambda c: str(c[0]["start"]))
    for n, (_, group) in enumerate(courses):
        out.note(f"prior_courses[{n}]", *_session_notes(group[:10]), *(["..."] if len(group) > 10 else []))
        out.need(f"prior_courses[{n}].baseline_score", "write the scale scores before and after the course, and any relapse date")
    if courses:
        out.data["prior_courses"] = [c for c, _ in courses]


# ---- documents -------------------------------------------------------------------------------------------------------


def _documents(chart: Chart, tables: Tables, req: dt.date | None, out: Imported) -> None:
    data: list[dict[str, Any]] = []
    for doc in chart.of_type(m.DocumentReference):
        if doc.status == "entered-in-error" or doc.type is None:
            continue
        kind = None
        for c in doc.type.coding:  # the first coding in the table
            kind = tables.lookup("documents", f"{c.system or ''}|{c.code or ''}")
            if kind:
                break
        if not kind:
            continue
        when = m.day(doc.date)
        if when is not None and req is not None and when > req:
            continue
        item: dict[str, Any] = {"kind": str(kind)}
        if when is not None:
            item["date"] = when.isoformat()
        attachment = next((c.attachment for c in doc.content if c.attachment is not None), None)
        title = doc.description or (attachment.title if attachment else None) or doc.type.label()
        if title:
            item["title"] = title
        n = len(data)
        out.note(f"documents[{n}]", _cite(doc, _iso(when)) + (f", attachment at {attachment.url}" if attachment and attachment.url and not attachment.data else ""))
        if attachment is not None and attachment.data:
            out.attachments.append((n, _suffix(attachment.contentType), attachment.data))
        data.append(item)
    if data:
        out.data["documents"] = data


_SUFFIXES = {"application/pdf": ".pdf", "text/plain": ".txt", "text/html": ".html", "image/png": ".png", "image/jpeg": ".jpg"}


def _suffix(content_type: str | None) -> str:
    return _SUFFIXES.get((content_type or "").split(";")[0].strip().lower(), ".bin")


# ---- the whole case -------------------------------------------------------------------------------------------------


def map_chart(chart: Chart, opts: Options, tables: Tables) -> Imported:
    out = Imported(key_of(chart.patient), chart.source, {"format": 1})
    req = opts.request_date
    _patient(chart, out)
    _coverage(chart, opts, tables, out)
    _request(opts, out)
    orders = list(chart.of_type(m.MedicationRequest))
    prescriber_at = len(out.data)
    clinical = _conditions(chart, req, out)
    _medications(chart, tables, req, out)
    _procedures(chart, req, out)
    _assessments(chart, tables, req, out)
    _devices_allergies(chart, clinical, out)
    _improvement(out)
    for path, name, why in _SCREENING:
        if name not in clinical:
            out.need(path, why)
    out.need("clinical.pdmp_checked", "FHIR does not record a PDMP review: write true once it is done")
    out.need("episode.current_start", "FHIR does not say when the current depressive episode began: write the date if the chart gives it")
    if clinical:
        out.data["clinical"] = clinical
    if opts.treatment == "spravato":
        out.need("rems.patient_enrolled", "FHIR does not record REMS enrollment: write true or false")
        out.need("rems.setting_certified", "write whether the treatment setting is REMS certified")
    _documents(chart, tables, req, out)
    # the prescriber goes after the request, as in every case file
    _prescriber(chart, orders, tables, out)
    items = list(out.data.items())
    prescriber = items.pop()
    items.insert(prescriber_at, prescriber)
    out.data = dict(items)
    return out
