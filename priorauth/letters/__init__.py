"""Letters of medical necessity and documentation checklists, as DOCX and PDF.

``plan_documents`` evaluates a case, picks the template and renders every requested
document in memory (``render_documents`` does the rendering, for callers that evaluated
the case already); ``write_documents`` then writes them atomically. Nothing is written
until every document has rendered, so a failure never leaves part of a set behind.

``document_name`` is the one place output documents are named, for `letter`,
`checklist`, `batch` and its ``--resume``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from priorauth.api import check_case_sources
from priorauth.case import Case, load_case_with_digest
from priorauth.clinic import Clinic, load_clinic
from priorauth.documents import DocMeta, Document, Identifiers, Letterhead, write_docx, write_pdf
from priorauth.errors import PriorAuthError, UsageError
from priorauth.letters.appeal import Denial, check_denial
from priorauth.letters.context import build_context
from priorauth.letters.continuation import Authorization
from priorauth.letters.facts import document_facts
from priorauth.letters.render import environment, render_document
from priorauth.output import check_writable, confined, ensure_folder, output_name, safe_part, write_atomic
from priorauth.report import Report
from priorauth.rules import Registry, RuleSource
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


def name_part(patient_id: str, tag: str | None = None) -> str:
    """The patient part of the file names of a case's documents: its patient id, made safe.

    ``tag`` tells apart cases of one batch that share a patient id: ``<patient id>_<tag>``,
    where the tag names the input (``a`` for cases/a.yaml, ``export-line7``).
    """
    part = safe_part(patient_id)
    return safe_part(f"{part}_{tag}") if tag else part


def document_name(case: Case, report: Report, kind: DocKind, ext: str, *, part: str | None = None, template: str | None = None, draft: bool = False) -> str:
    """``<patient part>_<payer>_<treatment>_<word>.<ext>``: the one place documents are named.

    ``part`` is the :func:`name_part` a batch gave the case (default: its patient id);
    the word is the template's (letter, continuation, appeal, checklist), ``-draft`` added
    for a draft letter.
    """
    word = choose_template(kind, report, case, template)[1] + ("-draft" if draft and kind == "letter" else "")
    return output_name(part or name_part(case.patient.id), report.payer, report.treatment, word, ext=ext)


def check_document_date(kind: DocKind, case: Case, date: dt.date | None) -> None:
    """A letter is not dated before the request it supports: its history (trial lengths,
    the patient's age) is measured up to request.date. A checklist may be: it is how the
    request is prepared."""
    if kind == "letter" and date is not None and date < case.request.date:
        raise UsageError(
            "--date is before the case's request date (request.date): a letter cannot be dated before the request it supports",
            "date the letter on or after the request date, or correct request.date in the case",
        )


def _meta(ctx: dict[str, Any], kind: DocKind, draft: bool, clinic: Clinic | None, continuation: bool = False) -> DocMeta:
    pol = ctx["policy"]
    audit = ctx["audit"]
    practice = ctx["practice"]
    title = ("Prior authorization checklist" if pol["prior_authorization"] else "Documentation checklist") if kind == "checklist" else "Letter of medical necessity" if pol["prior_authorization"] else "Documentation summary of medical necessity"
    title += f": {TREATMENTS[ctx['request']['treatment']].full}"
    letterhead = Letterhead(
        practice_name=practice["name"],
        address_lines=tuple(practice["address_lines"]),
        phone=practice["phone"],
        fax=practice["fax"],
        logo=practice["logo"],
    )
    policy_text = f"{pol['payer_name']} {pol['number']}" + (f" (effective {pol['effective_iso']})" if pol["effective_iso"] else "")
    return DocMeta(
        identifiers=_identifiers(ctx, continuation),
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
        # the tool's version is in the metadata (keywords, producer), not on the pages
        audit_line=f"dated {ctx['letter']['iso_date']} · rule set {audit['rule_set']} effective {audit['effective']} · case SHA-256 {audit['case_sha256']}",
        watermark="DRAFT" if draft else None,
        letterhead=letterhead,
    )


def _identifiers(ctx: dict[str, Any], continuation: bool = False) -> Identifiers:
    """The running header of every page: the patient, and the case (the clinic's patient
    id) with, for an appeal, the denial it answers and, for a continuation letter, the
    original authorization it continues (when its number is known)."""
    reference = f"Patient ID {ctx['patient']['id']}"
    denial = (ctx.get("appeal") or {}).get("reference")
    if denial:
        reference += f" · Denial ref. {denial}"
    auth_number = (ctx.get("continuation") or {}).get("auth_number") if continuation else None
    if auth_number:
        reference += f" · Original auth. no. {auth_number}"
    return Identifiers(
        patient_name=ctx["patient"]["name"],
        birth_date=ctx["patient"]["birth_date"],
        member_id=ctx["coverage"]["member_id"],
        reference=reference,
    )


@dataclass(frozen=True)
class DocumentOptions:
    """What to write for a case, and how: the same for every rule set it is checked against."""

    kind: DocKind
    fmt: Format = "both"
    payer: str | None = None  # as `check --payer`: None is the case's coverage.payer; "all"
    treatment: str | None = None  # None: the case's request.treatment; or "both"
    as_of: dt.date | None = None  # the rule-set version in force then (default: request.date)
    rules_dirs: Sequence[str | Path] = ()
    clinic: str | Path | None = None  # clinic profile for the letterhead and signature
    templates_dir: str | Path | None = None
    template: str | None = None  # None or "auto": by treatment and request kind
    draft: bool = False  # letters only: DRAFT watermark, allowed when not ready
    extra: dict[str, Any] | None = field(default=None, hash=False)  # more template variables (an appeal's denial)
    date: dt.date | None = None  # the date the documents bear (default: request.date; nothing here reads the clock)
    denial: Denial | None = None  # the denial an appeal answers (required for letter-appeal)
    authorization: Authorization | None = None  # the approval a continuation letter continues

    @property
    def formats(self) -> list[str]:
        return ["pdf", "docx"] if self.fmt == "both" else [self.fmt]

    @property
    def draft_letter(self) -> bool:
        return self.draft and self.kind == "letter"

    @property
    def appeal(self) -> bool:
        return self.kind == "letter" and self.template == "letter-appeal"


def check_options(options: DocumentOptions, case: Case) -> None:
    """Dates and the denial, before anything else: the first things to fix."""
    check_document_date(options.kind, case, options.date)
    if options.appeal:
        check_denial(options.denial or Denial(), case.request.date, options.date or case.request.date)


def plan_documents(
    case_path: str | Path,
    options: DocumentOptions,
    *,
    output_dir: str | Path,
    registry: Registry | None = None,
    case_and_digest: tuple[Case, str] | None = None,
) -> list[Planned]:
    """Evaluate and render everything in memory; raise before anything is written."""
    case, digest = case_and_digest or load_case_with_digest(case_path)
    check_options(options, case)  # before the gaps: a wrong --date is the first thing to fix
    registry = registry or Registry(options.rules_dirs)
    checked = check_case_sources(case, registry, options.payer, options.treatment, options.as_of)
    if options.kind == "letter" and not options.draft and any(r.status != "ready" for _, r in checked):
        raise NotReadyError([r for _, r in checked])
    return render_documents(case, digest, checked, options, output_dir=output_dir)


def render_documents(
    case: Case,
    digest: str,
    checked: Sequence[tuple[RuleSource, Report]],
    options: DocumentOptions,
    *,
    output_dir: str | Path,
    part: str | None = None,
) -> list[Planned]:
    """Render the documents of reports already made, each with the rule-set version that
    judged it (:func:`priorauth.api.check_case_sources`). ``part`` replaces the patient
    part of the file names (see :func:`document_name`)."""
    check_options(options, case)
    clinic = load_clinic(options.clinic)[0] if options.clinic else None
    env = environment(options.templates_dir)
    folder = Path(output_dir)
    planned: list[Planned] = []
    for source, report in checked:
        name, word = choose_template(options.kind, report, case, options.template)
        ctx = build_context(case, report, source.rule_set, clinic, digest, draft=options.draft_letter, extra=options.extra, date=options.date)
        ctx.update(document_facts(case, report, source.rule_set, options.denial if options.appeal else None, options.authorization))
        doc: Document = render_document(env, name, ctx, functools.partial(_meta, ctx, options.kind, options.draft_letter, clinic, word == "continuation"))
        for ext in options.formats:
            file_name = document_name(case, report, options.kind, ext, part=part, template=options.template, draft=options.draft)
            data = write_pdf(doc) if ext == "pdf" else write_docx(doc)
            planned.append(Planned(folder / file_name, data, report))
    return planned


def write_documents(planned: list[Planned], output_dir: str | Path, force: bool = False) -> list[Path]:
    folder = ensure_folder(Path(output_dir))
    targets = [confined(folder, p.path.name) for p in planned]
    for target in targets:  # refuse before writing anything
        check_writable(target, force)
    return [write_atomic(target, p.data, force) for target, p in zip(targets, planned)]

