"""The facts a letter or checklist may say, taken from the case and its evaluation.

Everything a template prints comes from here: plain dicts and lists of strings, already
worded for a reviewer ("200 mg/day", "inadequate response"). Nothing is invented: an
absent fact is left out or says "not documented".
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from priorauth import catalog
from priorauth.case import Case
from priorauth.clinic import Clinic
from priorauth.kinds._trials import trial_days
from priorauth.kinds.age import age_on
from priorauth.report import Report
from priorauth.resources import version
from priorauth.rules.model import RuleSet
from priorauth.letters.clinical import drug_name, score_text, statements, tasks
from priorauth.service_lines import CODE_MEANINGS as PROCEDURE_CODES
from priorauth.service_lines import plan
from priorauth.vocabulary import DOCUMENT_LABELS, ECT_WORDS, FLAG_LABELS, MODALITIES, SPECIALTY_LABELS, TREATMENTS, fmt_num, severity_band

INDICATIONS = {
    "trd": "treatment-resistant depression (TRD)",
    "mdsi": "major depressive disorder with acute suicidal ideation or behavior (MDSI)",
}
PROTOCOLS = {"standard": "standard rTMS", "theta_burst": "theta burst stimulation", "deep": "deep TMS", "accelerated": "accelerated TMS"}


def words(value: str | None) -> str:
    return value.replace("_", " ") if value else "not documented"


def long_date(day: dt.date | None) -> str:
    return f"{day:%B} {day.day}, {day.year}" if day else "not documented"


def iso(day: dt.date | None) -> str:
    return day.isoformat() if day else "not documented"


def _span(start: dt.date | None, end: dt.date | None) -> str:
    if start is None:
        return f"until {end.isoformat()}" if end else "not documented"
    return f"{start.isoformat()} to {end.isoformat()}" if end else f"since {start.isoformat()} (ongoing)"


def _medications(case: Case, today: dt.date) -> list[dict[str, Any]]:
    rows = []
    for i, m in enumerate(case.meds):
        drug = catalog.lookup_drug(m.drug)
        generic = drug.generic if drug else m.drug
        name = generic if drug is None or generic.lower() == m.drug.lower() else f"{generic} ({m.drug})"
        days = trial_days(m.start, m.end, today)
        rows.append(
            {
                "pointer": f"medications[{i}]",
                "name": name,
                "generic": generic,
                # "NDRI", not "NDRI (bupropion)" after the drug's own name
                "drug_class": catalog.CLASS_LABELS.get(drug.drug_class, drug.drug_class).removesuffix(f" ({generic})") if drug else "not in catalog",
                "dose": f"{fmt_num(m.max_daily_dose_mg)} mg/day" if m.max_daily_dose_mg is not None else "not documented",
                "start": iso(m.start),
                "end": iso(m.end) if m.end else ("ongoing" if m.start else "not documented"),
                "dates": _span(m.start, m.end),
                "weeks": f"{days / 7:.1f}" if days is not None else "not documented",
                "outcome": words(m.outcome),
                "augmentation": m.role == "augmentation",
                "role": "augmentation" if m.role == "augmentation" else "monotherapy",
                "adherence": f"{fmt_num(m.adherence_pct)}%" if m.adherence_pct is not None else None,
                "improvement": f"{fmt_num(m.improvement_pct)}%" if m.improvement_pct is not None else None,
                "reason": m.reason or None,
                "duration": f"{days / 7:.0f} weeks" if days is not None else "not documented",
                # why it stopped (or how it is going), in words: "intolerance: akathisia"
                "result": ", ".join(
                    [words(m.outcome) + (f": {m.reason}" if m.reason else "")]
                    + ([f"{fmt_num(m.improvement_pct)}% improvement"] if m.improvement_pct is not None else [])
                    + ([f"{fmt_num(m.adherence_pct)}% adherence"] if m.adherence_pct is not None else [])
                ),
            }
        )
    return rows


def continuing_antidepressant(case: Case) -> str | None:
    """The oral antidepressant that goes on alongside Spravato, by name and dose: the
    antidepressants still taken (no end date, not stopped for intolerance)."""
    names = []
    for m in case.meds:
        drug = catalog.lookup_drug(m.drug)
        if drug is None or drug.role != "antidepressant" or m.end is not None or m.outcome in ("intolerance", "contraindicated"):
            continue
        names.append(drug_name(m.drug) + (f" {fmt_num(m.max_daily_dose_mg)} mg a day" if m.max_daily_dose_mg is not None else ""))
    return ", ".join(names) or None


def _screening(case: Case) -> list[dict[str, str]]:
    out = []
    flags = case.flags
    for name, label in FLAG_LABELS.items():
        value = getattr(flags, name)
        if value is None:
            continue
        if isinstance(value, bool):
            text = "present" if value else "none"
        else:
            text = words(value)
        out.append({"name": name, "label": label[:1].upper() + label[1:], "finding": text})
    if flags.implanted_devices:
        out.append({"name": "implanted_devices", "label": "Implanted devices", "finding": ", ".join(flags.implanted_devices)})
    if flags.concurrent_treatments is not None:
        out.append({"name": "concurrent_treatments", "label": "Concurrent treatments", "finding": ", ".join(flags.concurrent_treatments) or "none"})
    if flags.pdmp_checked is not None:
        out.append({"name": "pdmp_checked", "label": "Prescription drug monitoring program reviewed", "finding": "yes" if flags.pdmp_checked else "no"})
    if flags.oral_antidepressant_continuing is not None:
        oral = continuing_antidepressant(case)
        finding = (oral or "yes, drug not named in the medication list") if flags.oral_antidepressant_continuing else "none"
        out.append({"name": "oral_antidepressant_continuing", "label": "Oral antidepressant continuing alongside", "finding": finding})
    return out


def _criteria(report: Report) -> list[dict[str, Any]]:
    return [
        {
            "id": c.id,
            "label": c.label,
            "topic": c.topic,
            "status": c.status,
            "met": c.status == "met",
            "message": c.message,
            "next_step": c.next_step,
            # a criterion the source does not confirm is never quoted as the policy's words
            "source": None if c.unverified else c.source,
            "unverified": c.unverified is not None,
        }
        for c in report.criteria
    ]


def _months_between(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (1 if end.day < start.day else 0)


def duration_words(start: dt.date | None, today: dt.date) -> str | None:
    """'7 years', '17 months', '3 weeks': how long something has lasted by ``today``."""
    if start is None:
        return None
    months = _months_between(start, today)
    if months >= 24:
        return f"{months // 12} years"
    if months >= 2:
        return f"{months} months"
    weeks = (today - start).days // 7
    return f"{weeks} week{'s' if weeks != 1 else ''}" if weeks >= 1 else f"{(today - start).days} days"


def called(given: str, family: str, sex: str | None) -> str:
    """How a letter names the patient in its sentences: title and family name, or the full
    name when the sex gives no title; never the first name alone."""
    title = {"male": "Mr.", "female": "Ms."}.get(sex or "")
    return f"{title} {family}" if title else f"{given} {family}"


def prior_authorization_needed(rule_set: RuleSet, case: Case) -> bool:
    """False where the payer has no prior-authorization step for this case: none at all
    (Original Medicare), or a dated waiver whose network condition the case meets."""
    if not rule_set.prior_authorization:
        return False
    return not any(case.coverage.network == w.network and case.request.date >= w.since for w in rule_set.no_prior_authorization)


def _waiver(rule_set: RuleSet, case: Case) -> dict[str, Any] | None:
    """The payer's waiver that bears on this case, for the letter to say so."""
    for w in rule_set.no_prior_authorization:
        if case.request.date >= w.since:
            return {
                "since": long_date(w.since),
                "network": w.network.replace("_", "-"),
                "source": w.source,
                "still_required": w.still_required,
                "applies": case.coverage.network == w.network,
                "case_network": {"in_network": "in network", "out_of_network": "out of network"}.get(case.coverage.network or ""),
            }
    return None


def _providers(case: Case, clinic: Clinic | None, practice: dict[str, Any]) -> dict[str, Any]:
    """The requesting provider (the prescriber) and the servicing provider (the facility or
    the clinic), each with NPI and TIN where the case or the profile gives them."""
    p = case.prescriber
    f = case.facility
    tin = (f.tax_id if f and f.tax_id else None) or (clinic.tax_id if clinic else None)
    name = (f.name if f and f.name else None) or practice["name"]
    servicing = {
        "name": name,
        # no facility and no profile: the prescriber is the servicing provider too
        "npi": (f.npi if f and f.npi else None) or practice["npi"] or (p.npi if name == p.name else None),
        "tin": tin,
        "address": (f.address if f and f.address else None) or (", ".join(practice["address_lines"]) or None),
        "phone": practice["phone"],
        "fax": practice["fax"],
    }
    rems_site = (clinic.rems_site if clinic and clinic.rems_site else None)
    if rems_site is None and case.rems and case.rems.setting_certified:
        rems_site = ", ".join(x for x in (servicing["name"], servicing["address"]) if x) or None
    return {
        "requesting": {"name": p.name, "npi": p.npi, "tin": tin, "specialty": SPECIALTY_LABELS.get(p.specialty or ""), "phone": p.phone or practice["phone"], "fax": p.fax or practice["fax"]},
        "servicing": servicing,
        "network": {"in_network": "in network", "out_of_network": "out of network"}.get(case.coverage.network or ""),
        "rems_site": rems_site,
        "tms_device": clinic.tms_device if clinic else None,
    }


def _addressee(rule_set: RuleSet, needed: bool) -> dict[str, Any]:
    """Who the letter goes to: the payer's utilization-management department and its fax or
    portal from the rule set's ``submission``; the chart when there is no request to send."""
    sub = rule_set.submission
    return {
        "department": "Utilization Management (prior authorization)" if needed else None,
        "fax": sub.fax if sub and needed else None,
        "portal": sub.portal if sub and needed else None,
        "phone": sub.phone if sub and needed else None,
        "payer_identifier": rule_set.payer_identifier if needed else None,
    }


def _units(units: int | None, unit: str, as_needed: bool) -> str:
    """'35 sessions', '1 session', '448 mg', 'as needed'."""
    if units is None:
        return "as needed" if as_needed else "not documented"
    return f"{units} {unit}" + ("s" if units != 1 and unit != "mg" else "")


def _request_plan(case: Case, rule_set: RuleSet) -> dict[str, Any]:
    """The request as service lines with units per code, the dose, frequency and dates."""
    planned = plan(case, rule_set.codes.procedure)
    lines = [
        {
            "code": line.code,
            "meaning": line.meaning,
            "units": _units(line.units, line.unit, line.as_needed),
            "unit": line.unit,
            "basis": line.basis,
        }
        for line in planned.lines
    ]
    return {
        "lines": lines,
        "sessions": planned.sessions,
        "dose": f"{planned.dose_mg} mg" if planned.dose_mg else None,
        "frequency": planned.frequency,
        "weeks": planned.weeks,
        "start": long_date(planned.start) if planned.start else None,
        "end": long_date(planned.end) if planned.end else None,
        "missing": list(planned.missing),
    }


def build_context(
    case: Case,
    report: Report,
    rule_set: RuleSet,
    clinic: Clinic | None,
    case_sha256: str,
    draft: bool = False,
    extra: dict[str, Any] | None = None,
    date: dt.date | None = None,
) -> dict[str, Any]:
    """The whole template context for one case and one rule set.

    ``date`` is the date the document bears (the caller's, never the clock's; default:
    the request date). Ages and trial lengths are still measured up to request.date.
    """
    today = case.request.date
    dated = date or today
    p = case.prescriber
    rs = report.rule_set
    primary = case.primary_diagnosis
    facility = case.facility
    if clinic is not None:
        practice = {
            "name": clinic.practice_name,
            "address_lines": list(clinic.address),
            "phone": clinic.phone,
            "fax": clinic.fax,
            "email": clinic.email,
            "npi": clinic.npi,
            "logo": clinic.logo,
            "contact_name": clinic.contact_name,
        }
    else:
        practice = {
            "name": (facility.name if facility and facility.name else p.name),
            "address_lines": [facility.address] if facility and facility.address else [],
            "phone": p.phone,
            "fax": p.fax,
            "email": None,
            "npi": facility.npi if facility else None,
            "logo": None,
            "contact_name": None,
        }
    # the profile's default prescriber is this case's prescriber when the NPIs match (or,
    # without an NPI in the profile, the names)
    own = clinic is not None and clinic.prescriber is not None and (clinic.prescriber.npi == p.npi if clinic.prescriber.npi else clinic.prescriber.name == p.name)
    credentials = list(clinic.prescriber.credentials) if own and clinic and clinic.prescriber else []
    if not credentials and p.specialty:
        label = SPECIALTY_LABELS[p.specialty]
        credentials = [("Board-certified " + label) if p.board_certified else label[:1].upper() + label[1:]]
    # the signature image is the clinician's own mark: only on the letter of the prescriber it
    # belongs to (by NPI), and never on a draft
    signer = (clinic.signature_npi or (clinic.prescriber.npi if clinic.prescriber else None)) if clinic else None
    signature_image = clinic.signature_image if clinic and not draft and signer == p.npi else None
    needed = prior_authorization_needed(rule_set, case)
    courses = []
    for i, c in enumerate(case.courses):
        pct = None
        if c.baseline_score and c.final_score is not None:
            pct = f"{(c.baseline_score - c.final_score) / c.baseline_score * 100:.0f}%"
        courses.append(
            {
                "pointer": f"prior_courses[{i}]",
                "treatment": TREATMENTS[c.treatment].full,
                "start": iso(c.start),
                "end": iso(c.end),
                "sessions": str(c.sessions) if c.sessions is not None else "not documented",
                "instrument": c.instrument or "scale not documented",
                "baseline": fmt_num(c.baseline_score) if c.baseline_score is not None else "not documented",
                "final": fmt_num(c.final_score) if c.final_score is not None else "not documented",
                "improvement": pct or "not documented",
                "relapse": iso(c.relapse_date) if c.relapse_date else None,
            }
        )
    codes = case.request.procedure_codes or list(rule_set.codes.procedure)
    providers = _providers(case, clinic, practice)
    ctx: dict[str, Any] = {
        # the open gaps of a draft, worded as tasks for people (never field paths)
        "letter": {"date": long_date(dated), "iso_date": dated.isoformat(), "draft": draft, "gaps": tasks(report, case, rule_set.criteria)},
        "practice": practice,
        "patient": {
            "id": case.patient.id,
            "name": f"{case.patient.given_name} {case.patient.family_name}",
            "given_name": case.patient.given_name,
            "family_name": case.patient.family_name,
            "birth_date": long_date(case.patient.birth_date),
            "age": age_on(case.patient.birth_date, today),
            "sex": case.patient.sex or "not documented",
            # how sentences name the patient: "Mr. Muñoz-Ñúñez" (never the first name alone)
            "called": called(case.patient.given_name, case.patient.family_name, case.patient.sex),
            "person": {"male": "man", "female": "woman"}.get(case.patient.sex or "", "patient"),
        },
        # what every page of a faxed letter must carry (the layout's running header)
        "identifiers": {
            "name": f"{case.patient.given_name} {case.patient.family_name}",
            "birth_date": case.patient.birth_date.isoformat(),
            "member_id": case.coverage.member_id,
            "reference": case.patient.id,
        },
        "coverage": {
            "payer": case.coverage.payer,
            "payer_name": rs.payer_name,
            "plan": case.coverage.plan,
            "member_id": case.coverage.member_id,
            "group_number": case.coverage.group_number,
        },
        "request": {
            "treatment": report.treatment,
            "treatment_name": TREATMENTS[report.treatment].full,
            "kind": case.request.kind,
            "continuation": case.request.kind == "continuation",
            "indication": report.indication,
            "indication_text": INDICATIONS.get(report.indication or ""),
            "codes": [{"code": code, "meaning": PROCEDURE_CODES.get(code, "")} for code in codes],
            "sessions": case.request.sessions,
            "devices": case.request.devices,
            "protocol": PROTOCOLS.get(case.request.protocol or ""),
            "start_date": long_date(case.request.start_date) if case.request.start_date else None,
            "plan": _request_plan(case, rule_set),
            "oral_antidepressant": continuing_antidepressant(case) if case.flags.oral_antidepressant_continuing is not False else None,
        },
        "providers": providers,
        "addressee": _addressee(rule_set, needed),
        "prescriber": {
            "name": p.name,
            "npi": p.npi,
            "specialty": SPECIALTY_LABELS.get(p.specialty or "", None),
            "credentials": credentials,
            "phone": p.phone,
            "fax": p.fax,
            "signature_image": signature_image,
        },
        "diagnosis": {
            "code": primary.code,
            "title": catalog.icd10_title(primary.code) or "title not in the catalog",
            "since": long_date(primary.diagnosed_on) if primary.diagnosed_on else None,
            "duration": duration_words(primary.diagnosed_on, today),
        },
        "episode_duration": duration_words(case.episode_start, today),
        "clinical": {"symptoms": list(case.flags.symptoms or []), "functional_impact": case.flags.functional_impact},
        "diagnoses": [{"code": d.code, "title": catalog.icd10_title(d.code) or "", "primary": d is primary} for d in case.diagnoses],
        "episode_start": long_date(case.episode_start) if case.episode_start else None,
        "medications": _medications(case, today),
        "psychotherapy": [
            {
                "modality": MODALITIES[t.modality].full,
                "start": iso(t.start),
                "end": iso(t.end) if t.end else ("ongoing" if t.start else "not documented"),
                "dates": _span(t.start, t.end),
                "sessions": str(t.sessions) if t.sessions is not None else "not documented",
                "outcome": words(t.outcome),
            }
            for t in case.therapies
        ],
        "ect": ECT_WORDS[case.ect.status] if case.ect else None,
        "assessments": [
            {"instrument": a.instrument, "score": fmt_num(a.score), "date": iso(a.date), "band": severity_band(a.instrument, a.score), "text": score_text(a.instrument, a.score, a.date)}
            for a in sorted(case.scales, key=lambda a: a.date, reverse=True)
        ],
        "prior_courses": courses,
        "screening": _screening(case),
        "rems": {
            "setting_certified": case.rems.setting_certified if case.rems else None,
            "patient_enrolled": case.rems.patient_enrolled if case.rems else None,
        },
        "policy": {
            "id": rs.id,
            "payer_name": rs.payer_name,
            "number": rs.policy,
            "title": rs.title,
            "url": rs.url,
            # None when the payer published no effective date: letters then cite the policy
            # by number and title only
            "effective": long_date(dt.date.fromisoformat(rs.effective)) if rs.effective else None,
            "effective_iso": rs.effective,
            "evidence": rs.evidence,
            "evidence_note": rs.evidence_note,
            # false: no prior-authorization step (Original Medicare); the letter is a
            # documentation summary kept with the chart, addressed to no PA department
            "prior_authorization": needed,
            # a dated waiver of prior authorization that bears on this case (Cigna TMS in network)
            "waiver": _waiver(rule_set, case),
        },
        "status": report.status,
        "criteria": _criteria(report),
        "documents": [
            {"kind": d.kind, "label": d.label, "name": DOCUMENT_LABELS[d.kind], "state": d.state, "on_file": d.on_file, "date": d.date, "max_age_days": d.max_age_days, "next_step": d.next_step, "note": d.note}
            for d in report.documents
        ],
        "attachments": [
            {"kind": doc.kind, "name": doc.title or DOCUMENT_LABELS[doc.kind], "date": iso(doc.date)} for doc in case.docs
        ]
        # a document that a case field stands for (the scored scale in assessments) goes with the request too
        + [{"kind": d.kind, "name": f"{DOCUMENT_LABELS[d.kind]}: {d.attach}", "date": d.date} for d in report.documents if d.satisfied_by],
        "notes": list(report.notes),
        "limits": {"sessions": rule_set.limits.sessions, "devices": rule_set.limits.devices, "approval": rule_set.limits.approval},
        "audit": {"version": version(), "rule_set": rs.id, "effective": rs.effective or "not published", "case_sha256": case_sha256},
    }
    # the policy met point by point, in clinical sentences (after the rest: they use it)
    ctx["points"] = statements(report, case, ctx)
    if extra:
        ctx.update(extra)
    return ctx
