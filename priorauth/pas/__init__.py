"""A Da Vinci PAS 2.2.1 prior-authorization request: a ready case as a FHIR R4 Bundle.

``export_request`` checks the case against one payer's rule set, refuses what cannot be
sent (a case with gaps, a payer with no prior-authorization step, a service line without
its units), renders the letter and the checklist as PDF, reads the files the case lists,
and returns the Bundle's JSON bytes. Nothing is written here; nothing reads the clock (the
document date comes in). See docs/pas.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from priorauth.case import Case, load_case_with_digest
from priorauth.errors import PriorAuthError, UsageError
from priorauth.pas import codes
from priorauth.pas.bundle import Attachment, Request, build_bundle
from priorauth.report import Report
from priorauth.rules import Registry, RuleSource
from priorauth.service_lines import PlannedService, ServiceLine, plan
from priorauth.vocabulary import DOCUMENT_LABELS

__all__ = ["NotReadyError", "PasOptions", "PasRequest", "export_request"]


class NotReadyError(PriorAuthError):
    """The request cannot be sent as the case stands: exit 1, nothing written."""

    exit_code = 1


@dataclass(frozen=True)
class PasOptions:
    date: dt.date  # the document date: the Bundle's timestamp, the letter's and checklist's date
    payer: str | None = None  # None: the case's coverage.payer
    treatment: str | None = None  # None: the case's request.treatment
    as_of: dt.date | None = None
    rules_dirs: Sequence[str | Path] = ()
    clinic: str | Path | None = None
    templates_dir: str | Path | None = None
    continuation: bool = False
    auth_number: str | None = None  # the earlier authorization a continuation extends


@dataclass
class PasRequest:
    data: bytes  # the Bundle as JSON (UTF-8, two-space indent, a final newline)
    report: Report
    source: RuleSource
    attached: list[str] = field(default_factory=list)  # what travels inline, in words
    skipped: list[str] = field(default_factory=list)  # listed documents not attached, and why
    notes: list[str] = field(default_factory=list)


def export_request(case_path: str | Path, options: PasOptions, *, registry: Registry | None = None, case_and_digest: tuple[Case, str] | None = None) -> PasRequest:
    """The PAS request Bundle of ``case_path``; raises before anything could be written."""
    from priorauth.api import check_case_sources

    case, digest = case_and_digest or load_case_with_digest(case_path)
    _check_kind(case, options)
    if options.payer is not None and options.payer.strip().casefold() == "all":
        raise UsageError("--payer all: a prior-authorization request goes to one payer", "give the payer's id, or leave --payer out for the case's coverage.payer")
    registry = registry or Registry(options.rules_dirs)
    checked = check_case_sources(case, registry, options.payer, options.treatment, options.as_of)
    if len(checked) != 1:
        raise UsageError("a prior-authorization request is for one treatment at one payer", "give --treatment tms or --treatment spravato")
    source, report = checked[0]
    rule_set = source.rule_set
    if not rule_set.prior_authorization:
        raise UsageError(
            f"this payer has no prior authorization step; {rule_set.id} ({rule_set.policy}) is checked at claim review, so there is no request to send",
            "keep the documentation in the chart (`priorauth letter` writes a documentation summary), or give the payer that needs the request with --payer",
        )
    if report.status != "ready":
        lines = [f"{rule_set.id} ({rule_set.policy}): {report.status.replace('_', ' ')}"] + [f"  - {step}" for step in report.next_steps]
        raise NotReadyError(
            "the case is not ready for a prior-authorization request; nothing was written\n" + "\n".join(lines),
            "close the gaps above, then export again; `priorauth checklist` lists what to attach",
        )
    service = plan(case, rule_set.codes.procedure)
    _check_units(service)
    attachments, attached, skipped = _attachments(case, digest, source, report, options, Path(case_path))
    seed = hashlib.sha256(
        "\n".join([digest, rule_set.id, str(rule_set.effective), options.date.isoformat(), str(options.continuation), options.auth_number or ""]).encode()
    ).hexdigest()
    request = Request(case, rule_set, report, service, options.date, seed, options.continuation, options.auth_number, tuple(attachments))
    data = (json.dumps(build_bundle(request), indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    notes = [_left_out(line) for line in service.lines if line.units is None]
    if case.prescriber.specialty not in codes.TAXONOMY:
        notes.append("prescriber.specialty has no single NUCC taxonomy code here: the request names the prescriber without one (add it in your EHR or clearinghouse if the payer asks)")
    if rule_set.payer_identifier is None:
        notes.append(f"the rule set {rule_set.id} gives no payer identifier: the payer Organization carries its name only (your clearinghouse or the payer's API adds it)")
    if service.start is None:
        notes.append("request.start_date is not given: the service lines carry no dates")
    return PasRequest(data, report, source, attached, skipped, notes)


def _check_kind(case: Case, options: PasOptions) -> None:
    """--continuation and --auth-number agree with the case's request.kind."""
    kind = case.request.kind
    if options.auth_number is not None and not options.continuation:
        raise UsageError("--auth-number goes with --continuation: it names the authorization a continuation extends", "add --continuation, or leave --auth-number out")
    if options.continuation and kind != "continuation":
        raise UsageError(
            "--continuation: the case's request.kind is initial, so it is checked against the initial criteria",
            "set request.kind: continuation in the case for a continuation, or leave --continuation out",
        )
    if kind == "continuation" and not options.continuation:
        raise UsageError(
            "the case's request.kind is continuation: a continuation request names the authorization it extends",
            "add --continuation --auth-number N (the earlier approval's authorization number)",
        )
    if options.continuation and not options.auth_number:
        raise UsageError("--continuation needs --auth-number: the number of the authorization it extends", "add --auth-number N from the payer's earlier approval")


def _check_units(service: PlannedService) -> None:
    if service.missing:
        raise NotReadyError(
            "a service line of the request has no number of units; nothing was written\n" + "\n".join(f"  - {task}" for task in service.missing),
            "complete the case, then export again",
        )
    if not service.counted:
        raise NotReadyError(
            "the request has no service line with a number of units (its codes are billed as they happen, or their units are not known here); nothing was written",
            "list the codes whose units the request sets in request.procedure_codes: TMS 90867 and 90868; Spravato J0013 with the dose and sessions",
        )


def _left_out(line: ServiceLine) -> str:
    """Why a line of the case is not among the items (it has no number of units)."""
    if line.as_needed:
        return f"{line.code} is not sent: it is billed {line.basis}"
    return f"{line.code} is not sent: its number of units is not known here ({line.basis}); add it in your EHR or clearinghouse if the payer needs it"


def _attachments(
    case: Case, digest: str, source: RuleSource, report: Report, options: PasOptions, case_path: Path
) -> tuple[list[Attachment], list[str], list[str]]:
    """The letter and the checklist as PDF, then the case's listed documents whose files exist."""
    from priorauth.letters import DocumentOptions, render_documents

    out: list[Attachment] = []
    rendered: tuple[tuple[Literal["letter", "checklist"], str, tuple[str, str]], ...] = (
        ("letter", "Letter of medical necessity", codes.LETTER_REPORT),
        ("checklist", "Prior authorization checklist", codes.SUMMARY_REPORT),
    )
    for kind, title, report_type in rendered:
        doc_options = DocumentOptions(
            kind=kind,
            fmt="pdf",
            payer=options.payer,
            treatment=options.treatment,
            as_of=options.as_of,
            rules_dirs=options.rules_dirs,
            clinic=options.clinic,
            templates_dir=options.templates_dir,
            date=options.date,
        )
        planned = render_documents(case, digest, [(source, report)], doc_options, output_dir=".")
        out.append(Attachment(kind, title, "application/pdf", planned[0].data, report_type, options.date))
    attached = ["the letter of medical necessity (PDF)", "the documentation checklist (PDF)"]
    skipped: list[str] = []
    folder = case_path.parent
    for i, doc in enumerate(case.docs):
        pointer = f"documents[{i}]"
        if not doc.path:
            continue
        path = Path(doc.path) if Path(doc.path).is_absolute() else folder / doc.path
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            skipped.append(f"{pointer}: its file was not found (path is resolved from the case file's folder)")
            continue
        except OSError as exc:
            skipped.append(f"{pointer}: its file cannot be read ({exc.strerror})")
            continue
        content_type = next((ct for magic, ct in codes.CONTENT_TYPES if data.startswith(magic)), None)
        if content_type is None:
            skipped.append(f"{pointer}: its file is not a PDF or an image (PNG, JPEG, TIFF)")
            continue
        title = doc.title or DOCUMENT_LABELS[doc.kind]
        out.append(Attachment(pointer, title, content_type, data, codes.REPORT_TYPES.get(doc.kind, codes.OTHER_REPORT), doc.date))
        attached.append(f"{pointer} ({DOCUMENT_LABELS[doc.kind].lower()}, {content_type})")
    return out, attached, skipped
