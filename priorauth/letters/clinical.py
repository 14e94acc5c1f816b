"""The policy met point by point, in the sentences a clinician writes to a reviewer.

A report's criterion message is written for the person preparing the request: it names
case fields ("documented: no"), counts against the rule ("2 required from 2 classes") and
is terse ("PDMP reviewed"). A letter says the same facts as clinical sentences about the
patient, taken from the case entries the criterion rests on (its ``evidence`` pointers):
the drugs by name with dose, dates and outcome, the score with its severity band, the
screening answers. Nothing here invents a fact: a criterion whose kind has no sentence of
its own falls back to its label and the plain part of its message.

:func:`tasks` words the open gaps of a draft the same way ("Record the seizure-history
screening answer"), never as field paths.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from priorauth import catalog
from priorauth.case import Case
from priorauth.kinds._trials import trial_days
from priorauth.kinds.base import walk
from priorauth.report import CriterionResult, Report
from priorauth.vocabulary import ECT_WORDS, FLAG_LABELS, MODALITIES, OUTCOME_WORDS, SPECIALTY_LABELS, TREATMENTS, cap, fmt_num, severity_band

_POINTER = re.compile(r"^([a-z_]+)\[(\d+)\]$")
# what a sentence meant for people must never carry: a field path, a YAML value, rule syntax
FIELD_PATH = re.compile(r"\b[a-z_]+\.[a-z_]+\b")
RULE_SYNTAX = re.compile(r">=|<=|[<>] ?\d|\(documented:|required from|\bMet: |\btrue or false\b|\bnot_met\b|role: |kind: |outcome: ")


def long_date(day: dt.date | None) -> str:
    return f"{day:%B} {day.day}, {day.year}" if day else "an undocumented date"


def _indexes(result: CriterionResult, section: str) -> list[int]:
    out = []
    for pointer in result.evidence:
        m = _POINTER.match(pointer)
        if m and m.group(1) == section and int(m.group(2)) not in out:
            out.append(int(m.group(2)))
    return out


def drug_name(raw: str) -> str:
    drug = catalog.lookup_drug(raw)
    if drug is None:
        return raw
    return drug.generic if drug.generic.lower() == raw.lower() else f"{drug.generic} ({raw})"


def weeks_text(days: int | None) -> str | None:
    if days is None:
        return None
    weeks = days / 7
    return f"{weeks:.0f} weeks" if weeks >= 2 else f"{days} days"


def trial_text(case: Case, i: int) -> str:
    """'sertraline (Zoloft) up to 200 mg/day from June 15, 2025 to September 1, 2025 (11 weeks): inadequate response, 10% improvement'."""
    m = case.meds[i]
    parts = [drug_name(m.drug)]
    if m.max_daily_dose_mg is not None:
        parts.append(f"up to {fmt_num(m.max_daily_dose_mg)} mg a day")
    if m.start and m.end:
        parts.append(f"from {long_date(m.start)} to {long_date(m.end)}")
    elif m.start:
        parts.append(f"since {long_date(m.start)}")
    length = weeks_text(trial_days(m.start, m.end, case.request.date))
    text = " ".join(parts) + (f" ({length})" if length else "")
    outcome = OUTCOME_WORDS.get(m.outcome or "", (m.outcome or "outcome not recorded").replace("_", " "))
    extra = []
    if m.improvement_pct is not None:
        extra.append(f"{fmt_num(m.improvement_pct)}% improvement")
    if m.reason:
        extra.append(m.reason)
    if m.adherence_pct is not None:
        extra.append(f"{fmt_num(m.adherence_pct)}% adherence")
    return f"{text}: {outcome}" + (f" ({'; '.join(extra)})" if extra else "")


def _therapy_text(case: Case, i: int) -> str:
    t = case.therapies[i]
    text = MODALITIES[t.modality].full
    if t.sessions is not None:
        text = f"{t.sessions} sessions of {text[:1].lower() + text[1:] if not text[:3].isupper() else text}"
    if t.start and t.end:
        text += f" from {long_date(t.start)} to {long_date(t.end)}"
    elif t.start:
        text += f" since {long_date(t.start)}"
    outcome = {"inadequate_response": "without adequate improvement", "partial_response": "with only partial improvement", "response": "with response", "ongoing": "ongoing"}.get(t.outcome or "", "outcome not recorded")
    return f"{text}, {outcome}"


def score_text(instrument: str, score: float, day: dt.date | None) -> str:
    band = severity_band(instrument, score)
    text = f"{instrument} score of {fmt_num(score)}" + (f" ({band})" if band else "")
    return text + (f" on {long_date(day)}" if day else "")


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return "; ".join(items[:-1]) + "; and " + items[-1]


def _flag_sentence(case: Case, flag: str, who: str) -> str:
    value = getattr(case.flags, flag)
    label = FLAG_LABELS[flag].removeprefix("a ")  # "no neurological condition", not "no a ..."
    if flag == "suicidal_ideation":
        return {
            "none": f"{who} denies suicidal ideation on the current assessment.",
            "passive": f"{who} reports passive suicidal ideation, without intent.",
            "active_with_intent": f"{who} has active suicidal ideation with intent.",
        }.get(value or "", f"Suicidal ideation: {label}.")
    if flag == "substance_use_disorder":
        return {"none": f"{who} has no substance use disorder.", "remission": f"{who}'s substance use disorder is in remission.", "active": f"{who} has an active substance use disorder."}.get(value or "", "")
    if value is False:
        return f"The safety screening found no {label}."
    if value is True:
        return f"The screening documents {label}."  # met only with an attestation: the caller adds it
    return f"The screening answer for {label} is not yet recorded."


def _met_sentence(r: CriterionResult, case: Case, ctx: dict[str, Any]) -> str:
    who = ctx["patient"]["called"]
    kind = r.kind
    if kind in ("all_of", "any_of", "n_of"):
        subs = [d for d in r.details if d.status == "met"] if r.status == "met" else list(r.details)
        if kind == "any_of" and subs:
            subs = subs[:1]
        return " ".join(_met_sentence(d, case, ctx) if d.status == "met" else _open_sentence(d) for d in subs)
    if kind == "age":
        return f"{who} is {ctx['patient']['age']} years old (born {ctx['patient']['birth_date']})."
    if kind == "diagnosis":
        idx = _indexes(r, "diagnoses")
        d = case.diagnoses[idx[0]] if idx else case.primary_diagnosis
        title = catalog.icd10_title(d.code)
        return f"{who} has {title[:1].lower() + title[1:] if title else 'a diagnosis'} ({d.code})" + (f", diagnosed on {long_date(d.diagnosed_on)}." if d.diagnosed_on else ".")
    if kind in ("failed_trials", "augmentation"):
        idx = _indexes(r, "medications")
        if not idx:
            return f"{cap(r.label)}: documented in the enclosed medication history."
        what = "augmentation trial" if kind == "augmentation" else "antidepressant trial"
        plural = "s" if len(idx) > 1 else ""
        classes = sorted({catalog.CLASS_LABELS.get(drug.drug_class, drug.drug_class).removesuffix(f" ({drug.generic})") for i in idx if (drug := catalog.lookup_drug(case.meds[i].drug))})
        tail = f", from {len(classes)} different classes ({', '.join(classes)})" if len(classes) > 1 else ""
        return f"{who} has had {len(idx)} adequate {what}{plural} without sufficient benefit{tail}: " + _join([trial_text(case, i) for i in idx]) + "."
    if kind == "psychotherapy":
        idx = _indexes(r, "psychotherapy")
        if not idx:
            return f"{cap(r.label)}: documented in the enclosed psychotherapy notes."
        return f"{who} completed " + _join([_therapy_text(case, i) for i in idx]) + "."
    if kind == "severity":
        idx = _indexes(r, "assessments")
        if idx:
            a = case.scales[idx[0]]
            return f"{who}'s {score_text(a.instrument, a.score, a.date)} documents the current severity of the depression."
        d_idx = _indexes(r, "diagnoses")
        if d_idx:
            return f"The diagnosis {case.diagnoses[d_idx[0]].code} states a severe episode."
    if kind == "contraindication":
        flags = [p.split(".", 1)[1] for p in r.evidence if p.startswith("clinical.")]
        if len(r.evidence) > 1:  # present, with the attestation that allows it
            return _plain(r)
        if flags and flags[0] in FLAG_LABELS:
            return _flag_sentence(case, flags[0], who)
    if kind == "suicidal_ideation":
        return _flag_sentence(case, "suicidal_ideation", who)
    if kind == "prescriber":
        p = case.prescriber
        if p.specialty == "psychiatry" or "prescriber.specialty" in r.evidence:
            return f"Treatment is prescribed by {p.name}, a {'board-certified ' if p.board_certified else ''}{SPECIALTY_LABELS.get(p.specialty or '', 'clinician')}."
        return f"Treatment is prescribed by {p.name}, in consultation with a psychiatrist."
    if kind == "rems":
        site = ctx["providers"]["rems_site"]
        parts = []
        if "rems.setting_certified" in r.evidence:
            parts.append(f"Spravato will be given at {site}, a healthcare setting certified under the Spravato REMS" if site else "Spravato will be given in a healthcare setting certified under the Spravato REMS")
        if "rems.patient_enrolled" in r.evidence:
            parts.append(f"{who} is enrolled in the Spravato REMS")
        return "; ".join(parts) + "."
    if kind == "pdmp":
        pdmp = [d for d in case.docs if d.kind == "pdmp_report" and d.date]
        when = f" on {long_date(max(d.date for d in pdmp if d.date))}" if pdmp else ""
        return f"The state prescription drug monitoring program was reviewed{when} before prescribing."
    if kind == "oral_antidepressant":
        oral = ctx["request"]["oral_antidepressant"]
        return f"{who} will continue {oral} alongside Spravato." if oral else f"{who} will continue an oral antidepressant alongside Spravato."
    if kind == "ect":
        return f"Electroconvulsive therapy: {ECT_WORDS[case.ect.status]}." if case.ect else ""
    if kind == "episode_window":
        return f"The current depressive episode began on {long_date(case.episode_start)}." if case.episode_start else ""
    if kind == "sessions":
        return f"The request is for {case.request.sessions} sessions, within the number the policy allows ({ctx['limits']['sessions']})." if ctx["limits"]["sessions"] else f"The request is for {case.request.sessions} sessions."
    if kind == "devices":
        return f"The request is for {case.request.devices} devices of 28 mg, within the number the policy allows ({ctx['limits']['devices']})." if ctx["limits"]["devices"] else f"The request is for {case.request.devices} devices of 28 mg."
    if kind == "prior_response":
        idx = _indexes(r, "prior_courses")
        if idx:
            c = case.courses[idx[0]]
            text = f"A prior {TREATMENTS[c.treatment].short} course from {long_date(c.start)} to {long_date(c.end)}"
            if c.baseline_score is not None and c.final_score is not None and c.baseline_score:
                pct = (c.baseline_score - c.final_score) / c.baseline_score * 100
                text += f" improved the {c.instrument or 'rating scale'} score from {fmt_num(c.baseline_score)} to {fmt_num(c.final_score)} ({pct:.0f}% improvement)"
            if c.relapse_date:
                text += f"; symptoms returned on {long_date(c.relapse_date)}"
            return text + "."
    if kind == "concurrent_treatments":
        given = case.flags.concurrent_treatments or []
        return f"Concurrent treatments: {', '.join(given)}, documented and justified in the enclosed attestation." if given else "No ketamine or esketamine is given at the same time."
    return _plain(r)


def _plain(r: CriterionResult) -> str:
    """A kind without a sentence of its own: its label and the message, minus field paths."""
    message = plain_words(r.message)
    if r.kind == "prior_response" and not r.evidence:
        return "No prior course of this treatment is documented, as the policy allows."
    return f"{cap(message)}." if message else f"{cap(plain_label(r.label))}: documented in the enclosed records."


def _open_sentence(r: CriterionResult) -> str:
    return "The record does not yet show this." if r.status == "not_met" else "Not yet documented in the record."


def statements(report: Report, case: Case, ctx: dict[str, Any]) -> list[dict[str, Any]]:
    """One plain clinical sentence per criterion of the report, in the policy's order."""
    out = []
    for r in report.criteria:
        text = _met_sentence(r, case, ctx) if r.status == "met" else _open_sentence(r)
        out.append({"id": r.id, "label": plain_label(r.label), "status": r.status, "met": r.status == "met", "text": text, "unverified": r.unverified is not None})
    return out


def plain_words(text: str) -> str | None:
    """A report's step in words for people, or None when it still names a field or a rule."""
    text = text.replace(">= ", "at least ").replace("<= ", "at most ").replace("> ", "more than ").replace("< ", "less than ")
    text = text.replace(", with role: augmentation", ", marked as augmentation")
    text = re.sub(r" \(documented: [^)]*\)| \(documents, kind: [a-z_]+\)|outcome: [a-z_]+, ", "", text).replace(" in reason)", ")")
    text = re.sub(r"\btms\b", "TMS", re.sub(r"\bspravato\b", "Spravato", text))
    return None if FIELD_PATH.search(text) or RULE_SYNTAX.search(text) else text


def plain_label(label: str) -> str:
    """A criterion's label from a rule file, with its comparison signs in words."""
    return re.sub(r"\s*(>=|<=|>|<)\s*", lambda m: {">=": " at least ", "<=": " at most ", ">": " more than ", "<": " less than "}[m.group(1)], label).strip()


_OPEN_TASKS = {
    "rems": "Record whether the treatment setting is certified under the Spravato REMS (and, where the policy asks, the patient enrolled)",
    "pdmp": "Record the review of the prescription drug monitoring program (PDMP)",
    "oral_antidepressant": "Record the oral antidepressant that continues alongside Spravato, with its dose and start date",
    "concurrent_treatments": "Record the concurrent treatments (such as ketamine or esketamine) and, if any, the prescriber's justification",
    "sessions": "Record the number of sessions requested",
    "devices": "Record the number of Spravato devices (28 mg each) requested",
    "suicidal_ideation": "Record the screening answer for suicidal ideation (none, passive, or active with intent)",
}


def _task(r: CriterionResult, case: Case, flags: dict[str, str]) -> str:
    if r.kind in ("all_of", "any_of", "n_of"):
        return "; ".join(_task(d, case, flags) for d in r.details if d.status != "met")
    if r.status == "unknown":
        if r.kind == "contraindication" and r.id in flags:
            return f"Record the screening answer for {FLAG_LABELS[flags[r.id]].removeprefix('a ')}"
        if r.kind in _OPEN_TASKS:
            return _OPEN_TASKS[r.kind]
    step = plain_words(r.next_step or "")
    if step:
        return cap(step)
    if r.status == "not_met":
        return f"{cap(plain_label(r.label))}: the record does not meet this point; review it with the prescriber"
    return f"Record this point in the chart: {plain_label(r.label)}"


def tasks(report: Report, case: Case, criteria: list[Any] | tuple[Any, ...] = ()) -> list[str]:
    """The open gaps of a draft, each worded as a task for people (no field paths).
    ``criteria`` (the rule set's) tell which screening flag each criterion asks about."""
    flags = {c.id: c.flag for c in walk(criteria) if getattr(c, "flag", None) in FLAG_LABELS}
    out: list[str] = []
    for r in report.criteria:
        if r.status != "met":
            task = _task(r, case, flags)
            if task not in out:
                out.append(task)
    for d in report.missing_documents:
        step = plain_words(d.next_step or "")
        if step and step not in out:
            out.append(step)
    return out
