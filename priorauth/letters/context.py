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
from priorauth.service_lines import CODE_MEANINGS as PROCEDURE_CODES
from priorauth.vocabulary import DOCUMENT_LABELS, ECT_WORDS, FLAG_LABELS, MODALITIES, SPECIALTY_LABELS, TREATMENTS, fmt_num

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
                "drug_class": catalog.CLASS_LABELS.get(drug.drug_class, drug.drug_class) if drug else "not in catalog",
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
            }
        )
    return rows


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
        out.append({"name": "oral_antidepressant_continuing", "label": "Oral antidepressant continues alongside", "finding": "yes" if flags.oral_antidepressant_continuing else "no"})
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
    credentials = list(clinic.prescriber.credentials) if clinic and clinic.prescriber and clinic.prescriber.name == p.name else []
    if not credentials and p.specialty:
        credentials = [("Board-certified " if p.board_certified else "") + SPECIALTY_LABELS[p.specialty].replace("psychiatrist", "psychiatrist")]
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
    ctx: dict[str, Any] = {
        "letter": {"date": long_date(dated), "iso_date": dated.isoformat(), "draft": draft, "gaps": report.next_steps},
        "practice": practice,
        "patient": {
            "id": case.patient.id,
            "name": f"{case.patient.given_name} {case.patient.family_name}",
            "given_name": case.patient.given_name,
            "family_name": case.patient.family_name,
            "birth_date": long_date(case.patient.birth_date),
            "age": age_on(case.patient.birth_date, today),
            "sex": case.patient.sex or "not documented",
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
        },
        "prescriber": {
            "name": p.name,
            "npi": p.npi,
            "specialty": SPECIALTY_LABELS.get(p.specialty or "", None),
            "credentials": credentials,
            "phone": p.phone,
            "fax": p.fax,
            "signature_image": clinic.signature_image if clinic else None,
        },
        "diagnosis": {"code": primary.code, "title": catalog.icd10_title(primary.code) or "title not in the catalog"},
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
        "assessments": [{"instrument": a.instrument, "score": fmt_num(a.score), "date": iso(a.date)} for a in sorted(case.scales, key=lambda a: a.date, reverse=True)],
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
            "prior_authorization": rule_set.prior_authorization,
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
    if extra:
        ctx.update(extra)
    return ctx
