"""Evaluating a case against a rule set: every criterion, three-valued, never stopping early."""

from __future__ import annotations

import datetime as dt
from typing import Any

from priorauth.case import DOCUMENT_LABELS, Case, document_noun
from priorauth.engine.criteria import EVALUATORS, Context, result
from priorauth.engine.records import newest, records, scale_instruments
from priorauth.report import CriterionResult, DocumentStatus, Report, RuleSetInfo, Status
from priorauth.rules import RuleSource
from priorauth.rules import model as m

__all__ = ["evaluate", "applies", "indication_of"]


def indication_of(case: Case, treatment: str) -> str | None:
    """Spravato requests are judged as TRD unless the case says MDSI."""
    if treatment != "spravato":
        return None
    return case.request.indication or "trd"


def applies(item: Any, case: Case, treatment: str) -> bool:
    kinds = item.applies_to
    if kinds is None:
        kinds = m.DEFAULT_APPLIES_TO.get(getattr(item, "kind", ""), ("initial", "continuation"))
    if case.request.kind not in kinds:
        return False
    if item.indication is not None and indication_of(case, treatment) not in item.indication:
        return False
    return True


def _evaluate(c: Any, case: Case, ctx: Context) -> CriterionResult:
    if isinstance(c, (m.AllOf, m.AnyOf, m.NOf)):
        return _combine(c, case, ctx)
    return EVALUATORS[c.kind](c, case, ctx)


def _combine(c: m.AllOf | m.AnyOf | m.NOf, case: Case, ctx: Context) -> CriterionResult:
    subs = [_evaluate(s, case, ctx) for s in c.criteria if applies(s, case, ctx.treatment)]
    met = [s for s in subs if s.status == "met"]
    unknown = [s for s in subs if s.status == "unknown"]
    if isinstance(c, m.AllOf):
        need = len(subs)
    elif isinstance(c, m.AnyOf):
        need = 1 if subs else 0
    else:
        need = min(c.n, len(subs))
    status: Status = "met" if len(met) >= need else ("not_met" if len(met) + len(unknown) < need else "unknown")
    if isinstance(c, m.AnyOf):
        if met:
            message = "Met: " + met[0].message
        else:
            message = "None of the alternatives is met: " + " | ".join(s.message for s in subs)
    elif isinstance(c, m.AllOf):
        message = f"{len(met)} of {len(subs)} required parts met: " + " | ".join(s.message for s in subs if s.status != "met") if status != "met" else "; ".join(s.message for s in subs)
    else:
        message = f"{len(met)} of {need} required (of {len(subs)}) met: " + " | ".join(s.message for s in subs)
    # the shortest way forward: an unknown branch before a failed one
    pending = unknown + [s for s in subs if s.status == "not_met"]
    if isinstance(c, m.AnyOf):
        step = "Either: " + " — or: ".join(s.next_step for s in pending if s.next_step) if pending else None
        if len(pending) == 1:
            step = pending[0].next_step
    else:
        step = "; ".join(s.next_step for s in pending if s.next_step) or None
    evidence: list[str] = []
    for s in met if status == "met" else subs:
        evidence += [e for e in s.evidence if e not in evidence]
    label = {"all_of": "All of", "any_of": "One of", "n_of": f"{need} of"}[c.kind]
    out = result(c, status, message, evidence, step, default_label=label)
    if c.topic is None and subs:
        out.topic = subs[0].topic
    out.details = subs
    return out


def _document_status(req: m.RequiredDocument, case: Case, today: dt.date, instruments: frozenset[str]) -> DocumentStatus:
    name = DOCUMENT_LABELS[req.kind]
    window = f" within {req.max_age_days} days" if req.max_age_days is not None else ""
    label = req.label or f"{name}{window}"
    found = records(case, req.kind, instruments)
    filed = [r for r in found if r.is_document]
    fresh = [r for r in filed if r.fresh(req.max_age_days, today)]
    if fresh:
        latest = newest(filed)
        return DocumentStatus(req.kind, label, "on_file", req.max_age_days, [r.pointer for r in fresh], latest.date.isoformat() if latest and latest.date else None)
    proof = newest([r for r in found if not r.is_document and r.fresh(req.max_age_days, today)])
    if proof is not None and proof.date is not None:
        return DocumentStatus(req.kind, label, "on_file", req.max_age_days, [proof.pointer], proof.date.isoformat(), satisfied_by=proof.pointer, attach=proof.attach)
    if not found:
        step = f"File the {document_noun(req.kind)}{' dated' + window if window else ''} (documents, kind: {req.kind})"
        return DocumentStatus(req.kind, label, "missing", req.max_age_days, [], None, step)
    latest = newest(found)
    if latest is None or latest.date is None:
        return DocumentStatus(req.kind, label, "undated", req.max_age_days, [r.pointer for r in found], None, f"Add the date of the {document_noun(req.kind)} ({found[0].pointer}.date)")
    where = "" if latest.is_document else f", {latest.pointer}"
    step = f"Update the {document_noun(req.kind)}: the newest on file ({latest.date}{where}) is older than {req.max_age_days} days"
    return DocumentStatus(req.kind, label, "stale", req.max_age_days, [r.pointer for r in found], latest.date.isoformat(), step)


def evaluate(case: Case, source: RuleSource, treatment: str | None = None, notes: list[str] | None = None, as_of: dt.date | None = None) -> Report:
    """Judge ``case`` by one rule set. Pure: reads nothing, writes nothing. ``as_of``: the
    date ``source`` was chosen for (default: request.date); the case is judged on request.date."""
    rs = source.rule_set
    treatment = treatment or rs.treatment
    today = case.request.date
    ctx = Context(today=today, rule_set=rs, treatment=treatment)
    criteria = [_evaluate(c, case, ctx) for c in rs.criteria if applies(c, case, treatment)]
    instruments = scale_instruments(rs)
    documents = [_document_status(d, case, today, instruments) for d in rs.documents if applies(d, case, treatment)]
    info = RuleSetInfo(
        id=rs.id,
        payer=rs.payer,
        payer_name=rs.payer_name,
        treatment=rs.treatment,
        policy=rs.policy,
        title=rs.title,
        url=rs.url,
        effective=rs.effective.isoformat(),
        ends=rs.ends.isoformat() if rs.ends else None,
        evidence=rs.evidence,
        evidence_note=rs.evidence_note,
        source_file=str(source.path),
        origin=source.origin,
    )
    return Report(
        case=case.patient.id,
        payer=rs.payer,
        treatment=rs.treatment,
        request_kind=case.request.kind,
        indication=indication_of(case, rs.treatment),
        request_date=today.isoformat(),
        as_of=(as_of or today).isoformat(),
        rule_set=info,
        criteria=criteria,
        documents=documents,
        notes=list(rs.report_notes) + list(notes or []),
    )
