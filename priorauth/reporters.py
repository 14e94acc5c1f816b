"""Reporters: a list of reports as text, JSON or Markdown, picked by name from one registry."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable

from priorauth.report import CriterionResult, DocumentStatus, Report
from priorauth.vocabulary import DOCUMENT_MARKS, STATUS_MARKS, unverified_mark

STATUS_WORDS = {
    "ready": "READY: every criterion met and every document on file",
    "incomplete": "INCOMPLETE: nothing fails, but the chart leaves gaps",
    "not_eligible": "NOT ELIGIBLE: at least one criterion is not met by what the chart documents",
}


def _heading(r: Report) -> list[str]:
    rs = r.rule_set
    lines = [
        f"{rs.payer_name} — {r.treatment.upper()} — policy {rs.policy}: {rs.title}",
        f"  {rs.in_force}; evidence: {rs.evidence}" + (f" ({rs.evidence_note})" if rs.evidence_note else ""),
    ]
    if rs.url:
        lines.append(f"  {rs.url}")
    if rs.origin != "shipped":
        lines.append(f"  rule file: {rs.source_file} (from {rs.origin})")
    what = f"{r.request_kind} request of {r.request_date}" + (f", indication {r.indication.upper()}" if r.indication else "")
    lines.append(f"  case {r.case}: {what}" + (f"; rules as of {r.as_of}" if r.as_of != r.request_date else ""))
    return lines


def _doc_state(d: DocumentStatus) -> str:
    if d.note:
        return d.note
    return {"on_file": "on file", "missing": "MISSING", "stale": f"STALE (newest {d.date})", "undated": "UNDATED"}[d.state]


def _wrap(text: str, indent: str, width: int = 96) -> list[str]:
    return textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=indent) or [indent]


def _hanging(text: str, indent: str, more: str = "  ") -> list[str]:
    """A wrapped line whose continuation is indented further, so each item reads as one."""
    lines = _wrap(text, indent)
    return [lines[0]] + [indent + more + line.strip() for line in lines[1:]]


def _criterion_lines(c: CriterionResult, depth: int = 0) -> list[str]:
    pad = "  " * depth
    lines = _wrap(f"{STATUS_MARKS[c.status]} {c.label}: {c.message}", "  " + pad)
    lines = [lines[0]] + [("      " + pad) + line.strip() for line in lines[1:]]
    if c.unverified:
        lines += _hanging(unverified_mark(c.unverified), "      " + pad)
    if c.evidence and depth == 0:
        lines += _wrap("see " + ", ".join(c.evidence), "      " + pad)
    for gap in c.gaps:
        lines += _hanging(gap, "      " + pad)
    if c.status != "met" and c.next_step and depth == 0:
        lines += _wrap("-> " + c.next_step, "      " + pad)
    for d in c.details:
        lines += _criterion_lines(d, depth + 1)
    return lines


def text_report(reports: list[Report]) -> str:
    out: list[str] = []
    for r in reports:
        out += _heading(r)
        out.append("")
        for c in r.criteria:
            out += _criterion_lines(c)
        if r.documents:
            out.append("")
            out.append("  Documents:")
            for d in r.documents:
                out += _hanging(f"{DOCUMENT_MARKS[d.state]} {d.label}: {_doc_state(d)}", "  ", "    ")
        for note in r.notes:
            out += _wrap("note: " + note, "  ")
        out.append("")
        out.append(f"  {STATUS_WORDS[r.status]}")
        if r.next_steps:
            out.append("  Next steps:")
            for i, step in enumerate(r.next_steps, 1):
                out += [f"   {i}. " + line.strip() if j == 0 else "      " + line.strip() for j, line in enumerate(_wrap(step, ""))]
        out.append("")
    if len(reports) > 1:
        out.append("Summary: " + ", ".join(f"{r.rule_set.id} {r.status}" for r in reports))
    out.append("Legend: [x] met  [!] not met  [?] not documented  [ ] document missing  [~] document stale or undated")
    return "\n".join(out) + "\n"


def json_report(reports: list[Report]) -> str:
    """The JSON contract v1: one :class:`~priorauth.outputs.ReportDocument`, or an array."""
    from priorauth.outputs import ReportDocument

    docs = [ReportDocument.of(r).model_dump(mode="json") for r in reports]
    return json.dumps(docs[0] if len(docs) == 1 else docs, indent=2, ensure_ascii=False) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_report(reports: list[Report]) -> str:
    out: list[str] = []
    for r in reports:
        rs = r.rule_set
        out.append(f"## {rs.payer_name} — {r.treatment.upper()} — {rs.policy}")
        out.append("")
        out.append(f"*{rs.title}*, {rs.in_force}; evidence: **{rs.evidence}**" + (f" — <{rs.url}>" if rs.url else ""))
        out.append("")
        out.append(f"**Status: {r.status}** (case {r.case}, {r.request_kind} request of {r.request_date})")
        out.append("")
        out.append("| | Criterion | Finding | Next step |")
        out.append("|---|---|---|---|")
        for c in r.criteria:
            icon = {"met": "✅", "not_met": "❌", "unknown": "❓"}[c.status]
            label = c.label + (f" *({unverified_mark(c.unverified)})*" if c.unverified else "")
            out.append(f"| {icon} | {_md_cell(label)} | {_md_cell(c.message)} | {_md_cell(c.next_step or '')} |")
            out += [f"| | | ↳ {_md_cell(gap)} | |" for gap in c.gaps]
        if r.documents:
            out.append("")
            out.append("| | Document | State |")
            out.append("|---|---|---|")
            for d in r.documents:
                out.append(f"| {'✅' if d.on_file else '❌'} | {_md_cell(d.label)} | {_md_cell(d.note or d.state.replace('_', ' '))} |")
        if r.next_steps:
            out.append("")
            out.append("**Next steps**")
            out.append("")
            out += [f"1. {_md_cell(s)}" for s in r.next_steps]
        for note in r.notes:
            out.append("")
            out.append(f"> {note}")
        out.append("")
    return "\n".join(out)


REPORTERS: dict[str, Callable[[list[Report]], str]] = {
    "text": text_report,
    "json": json_report,
    "markdown": markdown_report,
}
