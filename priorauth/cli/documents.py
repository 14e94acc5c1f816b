"""`priorauth letter`, `checklist`, `init` and `templates`: documents for the payer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from priorauth.cli import options
from priorauth.cli.options import (
    DateType,
    as_of_option,
    case_argument,
    clinic_option,
    date_option,
    force_option,
    payer_option,
    rules_dir_option,
    templates_dir_option,
    treatment_option,
)

F = Callable[..., Any]


def _document_options(f: F) -> F:
    decorators: list[Callable[[F], F]] = [
        case_argument,
        payer_option,
        treatment_option,
        click.option("--format", "fmt", type=click.Choice(["docx", "pdf", "both"]), default="both", show_default=True, help="File format(s) to write."),
        click.option("-o", "--output", "output", type=click.Path(file_okay=False), default=".", show_default=True, help="Folder to write into (created if needed)."),
        clinic_option,
        templates_dir_option,
        force_option(),
        rules_dir_option,
        as_of_option,
        date_option,
    ]
    for deco in reversed(decorators):
        f = deco(f)
    return f


def _request_options(f: F) -> F:
    """--request ID (with --db and --user): write for a request of the work queue, and record it there."""
    from priorauth.cli.queue import db_options

    f = db_options(f)
    return click.option(
        "--request",
        "request_id",
        type=click.IntRange(min=1),
        metavar="ID",
        help="Write for request ID of the work queue: its payer and treatment, checked against the case version it stands on; the files are recorded against it.",
    )(f)


def _run(case: str, output: str, force: bool, request_id: int | None = None, db: str | None = None, user: str | None = None, from_queue: Callable[[Any, int], dict[str, Any]] | None = None, **kw: Any) -> None:
    from priorauth.letters import DocumentOptions, plan_documents, write_documents

    kw["date"] = kw["date"] or options.today()
    store, basis = None, None
    if request_id is not None:
        store, basis = _request_basis(case, request_id, db, user, kw)
        if from_queue is not None:
            kw.update(from_queue(store, request_id))
    imported = options.fhir_case(case, kw.get("treatment"), kw.get("payer"))
    planned = plan_documents(case, DocumentOptions(**kw), output_dir=output, case_and_digest=imported)
    written = write_documents(planned, output, force=force)
    for path in written:
        click.echo(f"wrote {path}")
    if store is not None and basis is not None:
        from priorauth.store import queue as q

        kind = "appeal" if kw.get("template") == "letter-appeal" else kw["kind"]
        for path in written:
            q.attach(store, basis.request_id, path, kind)
        click.echo(f"request {basis.request_id}: {len(written)} file(s) recorded as {kind}")


def _request_basis(case: str, request_id: int, db: str | None, user: str | None, kw: dict[str, Any]) -> tuple[Any, Any]:
    """Open the queue and refuse, before anything is written, a case file that is not the
    version the request stands on, or options that name another rule set."""
    import hashlib
    from pathlib import Path

    from priorauth.cli.queue import _open
    from priorauth.errors import CaseFileError, UsageError
    from priorauth.loading import read_bytes
    from priorauth.store import queue as q

    store = _open(db, user)
    basis = q.request_basis(store, request_id)
    for name, value in (("payer", basis.payer), ("treatment", basis.treatment)):
        given = kw.get(name)
        if given is not None and given.casefold() != value:
            raise UsageError(f"--{name}: request {request_id} is for {basis.rule_set}", f"leave --{name} out: the request decides it")
        kw[name] = value
    if hashlib.sha256(read_bytes(Path(case), "case file", CaseFileError)).hexdigest() != basis.case_sha256:
        raise UsageError(
            f"{case} is not the case version request {request_id} stands on (version {basis.case_version}); nothing was written",
            f"add the case to the queue again (priorauth queue add {case}) so the request moves to it, then write the document",
        )
    return store, basis


def _letter_options(f: F) -> F:
    """--template and the appeal's and continuation's options, shared by `letter` and `packet`."""
    decorators: list[Callable[[F], F]] = [
        click.option(
            "--template",
            type=click.Choice(["auto", "letter-tms", "letter-spravato", "letter-continuation", "letter-appeal"]),
            default="auto",
            show_default=True,
            help="Which letter: auto picks by treatment, and continuation for a continuation request; letter-appeal after a denial. A name from --templates-dir also works.",
        ),
        click.option("--denial-reference", "--denial-ref", "denial_ref", metavar="REF", help="Appeal: the payer's reference number of the denial, as printed on its letter (required for letter-appeal, unless --request takes it from the queue)."),
        click.option("--denial-date", type=DateType(), help="Appeal: the date of the denial, YYYY-MM-DD (required for letter-appeal, unless --request takes it from the queue)."),
        click.option("--denial-reason", metavar="TEXT", help="Appeal: the denial's reason, quoted in the letter exactly as typed (default with --request: the reason the queue recorded)."),
        click.option("--level", type=click.Choice(["first", "second", "external"]), help="Appeal: first-level internal, second-level internal, or external review (default: first; with --request, the level after the recorded denial)."),
        click.option("--expedited", is_flag=True, help="Appeal: ask for an expedited (72-hour) decision, when waiting could seriously harm the patient."),
        click.option("--auth-number", metavar="TEXT", help="Continuation: the original authorization number (default with --request: the queue's approval)."),
        click.option("--units-approved", type=click.IntRange(min=0), metavar="N", help="Continuation: units (sessions or devices) the original authorization approved."),
        click.option("--units-used", type=click.IntRange(min=0), metavar="N", help="Continuation: units used so far."),
        click.option("--plan", type=click.Choice(["extension", "taper", "maintenance"]), default="extension", show_default=True, help="Continuation: the plan the letter asks for."),
    ]
    for deco in reversed(decorators):
        f = deco(f)
    return f


def _letter_inputs(template: str, denial_ref: str | None, denial_date: dt.date | None, denial_reason: str | None, level: str | None, expedited: bool, auth_number: str | None, units_approved: int | None, units_used: int | None, plan: str) -> tuple[dict[str, Any], Callable[[Any, int], dict[str, Any]]]:
    """The denial and authorization the options give (checked), and how --request
    completes them from the queue: typed options win over what the queue recorded."""
    from priorauth.errors import UsageError
    from priorauth.letters.appeal import Denial, check_denial_not_future
    from priorauth.letters.continuation import Authorization

    if units_approved is not None and units_used is not None and units_used > units_approved:
        raise UsageError("--units-used is more than --units-approved", "check both numbers on the payer's approval letter and your treatment log")
    denial = Denial(denial_ref, denial_date, denial_reason, level or "first", expedited)
    auth = Authorization(auth_number, units_approved, units_used, plan=plan)

    def from_queue(store: Any, rid: int) -> dict[str, Any]:
        from priorauth.store.letters import approval, latest_denial

        out: dict[str, Any] = {}
        if template == "letter-appeal":
            rec = latest_denial(store, rid)
            if rec is not None:
                queued_level = ("first", "second", "external")[min(rec.level, 2)]
                out["denial"] = Denial(denial_ref or rec.reference, denial_date or rec.date, denial_reason if denial_reason is not None else rec.reason, level or queued_level, expedited)
                check_denial_not_future(out["denial"], options.today())
        else:
            got = approval(store, rid)
            if got is not None:
                out["authorization"] = Authorization(
                    auth_number or got.auth_number,
                    units_approved if units_approved is not None else got.units_approved,
                    units_used if units_used is not None else got.units_used,
                    got.valid_from,
                    got.valid_to,
                    plan,
                )
        return out

    if template == "letter-appeal":
        check_denial_not_future(denial, options.today())
    return {"template": template, "denial": denial, "authorization": auth}, from_queue


@click.command()
@_document_options
@_request_options
@click.option("--draft", is_flag=True, help="Write a letter watermarked DRAFT that lists the open gaps, even when the case is not ready.")
@_letter_options
def letter(case: str, payer: str | None, treatment: str | None, fmt: str, output: str, clinic: str | None, templates_dir: str | None, force: bool, rules_dirs: tuple[str, ...], as_of: dt.date | None, date: dt.date | None, request_id: int | None, db: str | None, user: str | None, draft: bool, template: str, denial_ref: str | None, denial_date: dt.date | None, denial_reason: str | None, level: str | None, expedited: bool, auth_number: str | None, units_approved: int | None, units_used: int | None, plan: str) -> None:
    """Write the letter of medical necessity for CASE as DOCX and PDF.

    The letter states the history the policy asks for, criterion by criterion, and cites
    the policy. When the case is not ready, nothing is written and the gaps are listed
    (exit 1); --draft writes a DRAFT-watermarked letter that lists them instead.

    \b
    Examples:
      priorauth letter samples/cigna-tms-ready.yaml -o letters/
      priorauth letter case.yaml --clinic clinic.yaml --format pdf -o out/
      priorauth letter case.yaml --draft -o drafts/
      priorauth letter case.yaml --template letter-appeal --denial-reference PA-123 --denial-date 2026-11-25 --denial-reason "Not medically necessary" -o out/
      priorauth letter case.yaml --template letter-appeal --level second --expedited --request 12 -o out/
      priorauth letter case.yaml --template letter-continuation --auth-number A-778 --units-approved 36 --units-used 30 -o out/
      priorauth letter case.yaml --date 2026-12-01 -o out/
      priorauth letter case.yaml --request 12 -o out/   # for queue request 12, and recorded there

    An appeal (--template letter-appeal) needs the denial's reference and date: typed, or
    with --request, the denial the queue recorded (typed options win). It is addressed to
    the payer's appeals department, quotes the denial reason and answers it criterion by
    criterion. A continuation letter gives the original authorization, units approved and
    used, the course dates and the scores before and now.

    The letter is dated today unless --date says otherwise; it may not be dated before
    the case's request date (its history is measured up to that date), nor an appeal
    before its --denial-date. The same case, options and --date give the same files,
    byte for byte.

    Files are named <patient id>_<payer>_<treatment>_letter.<ext>, readable by you only,
    and never overwritten without --force.
    """
    date = date or options.today()
    chosen, from_queue = _letter_inputs(template, denial_ref, denial_date, denial_reason, level, expedited, auth_number, units_approved, units_used, plan)
    _run(case, output, force, request_id, db, user, from_queue, kind="letter", payer=payer, treatment=treatment, fmt=fmt, clinic=clinic, templates_dir=templates_dir, rules_dirs=rules_dirs, as_of=as_of, date=date, draft=draft, **chosen)


@click.command()
@_document_options
@_request_options
def checklist(case: str, payer: str | None, treatment: str | None, fmt: str, output: str, clinic: str | None, templates_dir: str | None, force: bool, rules_dirs: tuple[str, ...], as_of: dt.date | None, date: dt.date | None, request_id: int | None, db: str | None, user: str | None) -> None:
    """Write the documentation checklist for CASE as DOCX and PDF.

    Each criterion with its status, each required document as on file, missing or stale,
    and what to attach. Always allowed, whatever the case's status.

    \b
    Examples:
      priorauth checklist samples/medicare-tms-incomplete.yaml -o out/
      priorauth checklist case.yaml --payer all --format pdf -o out/
      priorauth checklist case.yaml --date 2026-11-10 -o out/
      priorauth checklist case.yaml --request 12 -o out/   # for queue request 12, recorded there

    The checklist says it was prepared today unless --date says otherwise; it may be
    dated before the case's request date (it is how the request is prepared).
    """
    _run(case, output, force, request_id, db, user, kind="checklist", payer=payer, treatment=treatment, fmt=fmt, clinic=clinic, templates_dir=templates_dir, rules_dirs=rules_dirs, as_of=as_of, date=date)


@click.command()
@click.argument("path", required=False, type=click.Path())
@click.option("-o", "--output", "output", type=click.Path(), help="File to write, or a folder to write clinic.yaml into (default: ./clinic.yaml).")
@force_option("Overwrite an existing file.")
def init(path: str | None, output: str | None, force: bool) -> None:
    """Write a commented clinic profile to fill in (default: ./clinic.yaml).

    Every value in it is a placeholder starting with REPLACE: letters, checklists and
    batch refuse the profile, naming each line still to fill in, until you replace them
    with your practice's details (or delete the optional ones). A folder (an existing
    one, or a path ending in /) gets clinic.yaml inside it; an existing file is kept
    unless --force.

    \b
    Examples:
      priorauth init && $EDITOR clinic.yaml
      priorauth init -o office/
      priorauth letter case.yaml --clinic office/clinic.yaml -o out/
    """
    from priorauth.clinic import CLINIC_TEMPLATE
    from priorauth.output import ensure_folder, write_atomic

    if path is not None and output is not None:
        raise click.UsageError("give the file either as PATH or with -o/--output, not both")
    given = output or path or "clinic.yaml"
    target = Path(given)
    if given.endswith(("/", "\\")) or target.is_dir():
        target = ensure_folder(target) / "clinic.yaml"
    write_atomic(target, CLINIC_TEMPLATE.encode(), force=force)
    click.echo(f"wrote {target}: replace every REPLACE value with your practice's details, then pass it with --clinic {target}")


@click.group()
def templates() -> None:
    """List and check letter and checklist templates."""


@templates.command("list")
@templates_dir_option
@click.option("--variables", is_flag=True, help="Also list the variables a template can use.")
def list_templates(templates_dir: str | None, variables: bool) -> None:
    """List the templates and where each comes from.

    \b
    Example:
      priorauth templates list --templates-dir my_templates/
    """
    from priorauth.letters.render import template_names

    for name, origin in template_names(templates_dir):
        click.echo(f"{name:<22} {origin}")
    if variables:
        from priorauth.letters.sample import sample_context

        click.echo("\nVariables:")
        for key, value in sample_context().items():
            if isinstance(value, dict):
                click.echo(f"  {key}: " + ", ".join(sorted(value)))
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                click.echo(f"  {key}[]: " + ", ".join(sorted(value[0])))
            else:
                click.echo(f"  {key}")


@templates.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
def check_template(file: str) -> None:
    """Render template FILE against a sample case and report any error.

    Errors name the template, line and variable. Templates run sandboxed: they can only
    read the letter's variables.

    \b
    Example:
      priorauth templates check my_templates/letter-tms.md.j2
    """
    from priorauth.letters.render import check_template_file
    from priorauth.letters.sample import sample_context

    blocks = check_template_file(file, sample_context())
    click.echo(f"ok  {file}  ({blocks} blocks)")
