"""Evaluating a case against a rule set: every criterion, three-valued, never stopping early.

Each criterion is judged by its kind (:mod:`priorauth.kinds`); this module walks the rule
set, checks the required documents and assembles the report.
"""

from __future__ import annotations

import datetime as dt

from priorauth.case import Case
from priorauth.kinds import Context, applies, indication_of, judge
from priorauth.kinds._records import newest, records, scale_instruments
from priorauth.report import CriterionResult, DocumentStatus, Report, RuleSetInfo
from priorauth.rules import RuleSource
from priorauth.rules import model as m
from priorauth.vocabulary import DOCUMENT_LABELS, document_noun

__all__ = ["evaluate", "applies", "indication_of"]


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


def _required_by(results: list[CriterionResult]) -> list[tuple[str, int | None]]:
    out: list[tuple[str, int | None]] = []
    for r in results:
        out += r.requires + _required_by(r.details)
    return out


def evaluate(case: Case, source: RuleSource, treatment: str | None = None, notes: list[str] | None = None, as_of: dt.date | None = None) -> Report:
    """Judge ``case`` by one rule set. Pure: reads nothing, writes nothing. ``as_of``: the
    date ``source`` was chosen for (default: request.date); the case is judged on request.date."""
    rs = source.rule_set
    treatment = treatment or rs.treatment
    today = case.request.date
    ctx = Context(today=today, rule_set=rs, treatment=treatment)
    criteria = [judge(c, case, ctx) for c in rs.criteria if applies(c, case, treatment)]
    instruments = scale_instruments(rs)
    documents = [_document_status(d, case, today, instruments) for d in rs.documents if applies(d, case, treatment)]
    # settled reading (v2): a document a criterion rests on for this case (a prescriber
    # attestation) is a required document too, missing or stale like any other
    listed = {d.kind for d in documents}
    for kind, days in _required_by(criteria):
        if kind not in listed:
            listed.add(kind)
            documents.append(_document_status(m.RequiredDocument.model_validate({"kind": kind, "max_age_days": days}), case, today, instruments))
    info = RuleSetInfo(
        id=rs.id,
        payer=rs.payer,
        payer_name=rs.payer_name,
        treatment=rs.treatment,
        policy=rs.policy,
        title=rs.title,
        url=rs.url,
        effective=rs.effective.isoformat() if rs.effective else None,
        checked=rs.checked.isoformat() if rs.checked else None,
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
