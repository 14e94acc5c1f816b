"""Letters of medical necessity and documentation checklists, as DOCX and PDF.

``plan_documents`` evaluates a case, picks the template and renders every requested
document in memory; ``write_documents`` then writes them atomically. Nothing is written
until every document has rendered, so a failure never leaves part of a set behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from priorauth.api import check_case
from priorauth.case import Case, load_case_with_digest
from priorauth.clinic import Clinic, load_clinic
from priorauth.documents import DocMeta, Document, Letterhead, write_docx, write_pdf
from priorauth.errors import PriorAuthError, UsageError
from priorauth.letters.context import build_context
from priorauth.letters.render import environment, render_document
from priorauth.output import check_writable, confined, ensure_folder, output_name, safe_part, write_atomic
from priorauth.report import Report
from priorauth.rules import Registry
from priorauth.vocabulary import TREATMENTS

DocKind = Literal["letter", "checklist"]
Format = Literal["pdf", "docx", "both"]


class NotReadyError(PriorAuthError):
    """A letter was asked for a case with open gaps: exit 1, nothing written."""

    exit_code = 1

    def __init__(self, reports: list[Report]) -> None:
        lines = []
        for r in reports:
            if r.status == "ready":
                continue
            lines.append(f"{r.rule_set.id} ({r.rule_set.policy}): {r.status.replace('_', ' ')}")
            lines += [f"  - {step}" for step in r.next_steps]
        super().__init__(
            "the case is not ready for a letter of medical necessity; nothing was written\n" + "\n".join(lines),
            "close the gaps above, or use --draft for a DRAFT letter that lists them; `priorauth checklist` is always allowed",
        )


@dataclass
class Planned:
    path: Path
    data: bytes
    report: Report


def choose_template(kind: DocKind, report: Report, case: Case, template: str | None) -> tuple[str, str]:
    """(template name, word used in the file name)."""
    if kind == "checklist":
        return (template or "checklist"), "checklist"
    if template and template != "auto":
        word = template.removeprefix("letter-") if template.startswith("letter-") and template[7:] in ("appeal", "continuation") else "letter"
        return template, word
    if case.request.kind == "continuation":
        return "letter-continuation", "continuation"
    return f"letter-{report.treatment}", "letter"


def name_part(case: Case) -> str:
    """The patient part of the file names of a case's documents (its patient id, made safe)."""
    return safe_part(case.patient.id)


def document_name(part: str, report: Report, word: str, ext: str) -> str:
    """``<patient part>_<payer>_<treatment>_<word>.<ext>``: the one place documents are named.

    ``part`` is :func:`name_part` of the case, or the unique part a batch gave it when two
    of its cases share a patient id.
    """
    return output_name(part, report.payer, report.treatment, word, ext=ext)


def check_document_date(kind: DocKind, case: Case, date: dt.date | None) -> None:
    """A letter is not dated before the request it supports: its history (trial lengths,
    the patient's age) is measured up to request.date. A checklist may be: it is how the
    request is prepared."""
    if kind == "letter" and date is not None and date < case.request.date:
        raise UsageError(
            "--date is before the case's request date (request.date): a letter cannot be dated before the request it supports",
            "date the letter on or after the request date, or correct request.date in the case",
        )


def _meta(ctx: dict[str, Any], kind: DocKind, draft: bool, clinic: Clinic | None) -> DocMeta:
    pol = ctx["policy"]
    audit = ctx["audit"]
    practice = ctx["practice"]
    title = "Prior authorization checklist" if kind == "checklist" else "Letter of medical necessity"
    title += f": {TREATMENTS[ctx['request']['treatment']].full}"
    letterhead = Letterhead(
        practice_name=practice["name"],
        address_lines=tuple(practice["address_lines"]),
        phone=practice["phone"],
        fax=practice["fax"],
        logo=practice["logo"],
    )
    policy_text = f"{pol['payer_name']} {pol['number']} (effective {pol['effective_iso']})"
    return DocMeta(
        title=title,
        author=ctx["prescriber"]["name"],
        subject=f"{pol['id']}: {policy_text}",
        keywords=(
            f"date={ctx['letter']['iso_date']}",
            f"rule-set={audit['rule_set']}",
            f"effective={audit['effective']}",
            f"priorauth={audit['version']}",
            f"case-sha256={audit['case_sha256']}",
        ),
        producer=f"priorauth {audit['version']}",
        header_left=practice["name"],
        header_right=("DRAFT · " if draft else "") + f"Patient ID {ctx['patient']['id']}",
        footer_text=f"Patient ID {ctx['patient']['id']} · {policy_text}",
        audit_line=f"dated {ctx['letter']['iso_date']} · priorauth {audit['version']} · rule set {audit['rule_set']} effective {audit['effective']} · case SHA-256 {audit['case_sha256']}",
        watermark="DRAFT" if draft else None,
        letterhead=letterhead,
    )


def plan_documents(
    case_path: str | Path,
    kind: DocKind,
    *,
    output_dir: str | Path,
    fmt: Format = "both",
    payer: str | None = None,
    treatment: str | None = None,
    clinic_path: str | Path | None = None,
    templates_dir: str | Path | None = None,
    template: str | None = None,
    draft: bool = False,
    force: bool = False,
    rules_dirs: Sequence[str | Path] = (),
    as_of: dt.date | None = None,
    extra: dict[str, Any] | None = None,
    registry: Registry | None = None,
    case_and_digest: tuple[Case, str] | None = None,
    date: dt.date | None = None,
    part: str | None = None,
) -> list[Planned]:
    """Evaluate and render everything in memory; raise before anything is written.

    ``date`` is the date the documents bear (default: the case's request date; the
    command passes today's or --date: nothing here reads the clock). ``part`` replaces
    the patient part of the file names (see :func:`document_name`).
    """
    case, digest = case_and_digest or load_case_with_digest(case_path)
    check_document_date(kind, case, date)
    registry = registry or Registry(rules_dirs)
    reports = check_case(case, registry, payer, treatment, as_of)
    if kind == "letter" and not draft and any(r.status != "ready" for r in reports):
        raise NotReadyError(reports)
    clinic = load_clinic(clinic_path)[0] if clinic_path else None
    env = environment(templates_dir)
    folder = Path(output_dir)
    formats = ["pdf", "docx"] if fmt == "both" else [fmt]
    planned: list[Planned] = []
    for report in reports:
        name, word = choose_template(kind, report, case, template)
        source = registry.resolve(report.rule_set.id, dt.date.fromisoformat(report.as_of))[0]
        ctx = build_context(case, report, source.rule_set, clinic, digest, draft=draft and kind == "letter", extra=extra, date=date)
        meta_draft = draft and kind == "letter"
        doc: Document = render_document(env, name, ctx, lambda: _meta(ctx, kind, meta_draft, clinic))
        for ext in formats:
            file_name = document_name(part or name_part(case), report, word + ("-draft" if meta_draft else ""), ext)
            data = write_pdf(doc) if ext == "pdf" else write_docx(doc)
            planned.append(Planned(folder / file_name, data, report))
    return planned


def write_documents(planned: list[Planned], output_dir: str | Path, force: bool = False) -> list[Path]:
    folder = ensure_folder(Path(output_dir))
    targets = [confined(folder, p.path.name) for p in planned]
    for target in targets:  # refuse before writing anything
        check_writable(target, force)
    return [write_atomic(target, p.data, force) for target, p in zip(targets, planned)]

