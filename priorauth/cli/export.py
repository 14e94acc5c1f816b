"""`priorauth export pas`: a ready case as a Da Vinci PAS request Bundle (FHIR R4 JSON)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from priorauth.cli import options
from priorauth.cli.documents import _request_basis, _request_options
from priorauth.cli.options import as_of_option, case_argument, clinic_option, date_option, force_option, rules_dir_option, templates_dir_option


@click.group(name="export")
def export_group() -> None:
    """Export a ready case for electronic submission: a Da Vinci PAS request (FHIR R4).

    \b
    Examples:
      priorauth export pas samples/cigna-tms-ready.yaml -o request.json
      priorauth export pas case.yaml --continuation --auth-number PA-0042 -o request.json
    """


@export_group.command(name="pas")
@case_argument
@click.option("--payer", metavar="ID", help="Payer id (default: the case's coverage.payer).")
@click.option("--treatment", type=click.Choice(["tms", "spravato"], case_sensitive=False), help="Treatment requested (default: the case's request.treatment).")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), required=True, help="The JSON file to write.")
@force_option("Overwrite the output file if it exists.")
@click.option("--continuation", is_flag=True, help="A continuation (X12 certification type 4, extension) of an earlier authorization; the case's request.kind must be continuation.")
@click.option("--auth-number", metavar="N", help="With --continuation: the number of the authorization it extends, exactly as the payer gave it (default with --request: the approval the queue recorded).")
@click.option("--appeal", is_flag=True, help="Refused: PAS does not carry appeals (the message says how to send one).")
@clinic_option
@templates_dir_option
@rules_dir_option
@as_of_option
@date_option
@_request_options
def pas(
    case: str,
    payer: str | None,
    treatment: str | None,
    output: str,
    force: bool,
    continuation: bool,
    auth_number: str | None,
    appeal: bool,
    clinic: str | None,
    templates_dir: str | None,
    rules_dirs: tuple[str, ...],
    as_of: dt.date | None,
    date: dt.date | None,
    request_id: int | None,
    db: str | None,
    user: str | None,
) -> None:
    """Write a Da Vinci PAS prior-authorization request for CASE: a FHIR R4 Bundle (JSON).

    The Bundle holds the Claim (use preauthorization) with its service lines (TMS 90867 x 1
    and 90868 x sessions - 1; Spravato G2082 or G2083 per session and J0013 in mg), the
    patient, the coverage with the member id, the payer, the prescriber with NPI and NUCC
    taxonomy, the diagnoses in ICD-10-CM, and the evidence inline: the letter and the
    checklist as PDF, the case's listed documents whose files exist, and the criteria
    answered one by one. See docs/pas.md.

    \b
    Examples:
      priorauth export pas samples/cigna-tms-ready.yaml -o request.json
      priorauth export pas case.yaml --payer uhc --treatment tms -o request.json
      priorauth export pas case.yaml --continuation --auth-number PA-0042 -o request.json
      priorauth export pas case.yaml --date 2026-12-01 --clinic clinic.yaml -o request.json
      priorauth export pas case.yaml --request 12 -o request.json   # for queue request 12, recorded there
      priorauth export pas case.yaml --continuation --request 14 -o request.json   # the authorization number the queue recorded

    Refused, with nothing written: a case that is not ready (exit 1, with the gaps), a
    service line without its number of units (exit 1, with what to record), a payer with
    no prior-authorization step, and appeals (exit 2). The request is dated today unless
    --date says otherwise; the same case, options and --date give the same file, byte for
    byte, readable by you only and never overwritten without --force.
    """
    if appeal:
        raise _no_appeals("PAS does not carry appeals")
    from priorauth.output import check_writable, ensure_folder, write_atomic
    from priorauth.pas import PasOptions, export_request

    date = date or options.today()
    kw: dict[str, str | None] = {"payer": payer, "treatment": treatment.lower() if treatment else None}
    store, basis = None, None
    if request_id is not None:
        store, basis = _request_basis(case, request_id, db, user, kw)
        _refuse_an_appeal(store, request_id)
        if continuation and auth_number is None:
            auth_number = _recorded_auth_number(store, request_id)
    target = Path(output)
    check_writable(target, force)  # before the work: an existing file is the first thing to say
    imported = options.fhir_case(case, kw["treatment"], kw["payer"])
    built = export_request(
        case,
        PasOptions(date, kw["payer"], kw["treatment"], as_of, rules_dirs, clinic, templates_dir, continuation, auth_number),
        case_and_digest=imported,
    )
    ensure_folder(target.parent)
    write_atomic(target, built.data, force)
    click.echo(f"wrote {target}: a PAS request to {built.source.rule_set.payer_name} ({built.source.rule_set.id}) with {len(built.attached)} attachment(s)")
    for line in built.attached:
        click.echo(f"  attached {line}")
    for line in built.skipped:
        click.echo(f"  not attached {line}")
    for note in built.notes:
        click.echo(f"  note: {note}")
    if store is not None and basis is not None:
        from priorauth.store import queue as q

        q.attach(store, basis.request_id, target, "packet")
        click.echo(f"request {basis.request_id}: the file recorded as packet")


def _recorded_auth_number(store: Any, request_id: int) -> str | None:
    """The authorization number of the approval a continuation extends, as the queue recorded
    it (the request's own, else the patient's earlier approval for the rule set): the one
    `priorauth letter --template letter-continuation --request` gives its letter."""
    from priorauth.store.letters import approval

    got = approval(store, request_id)
    return got.auth_number if got is not None else None


def _no_appeals(reason: str) -> Exception:
    from priorauth.errors import UsageError

    return UsageError(
        f"{reason}: a PAS request asks for an authorization (initial or an extension), not a review of a denial; nothing was written",
        "send the appeal as the denial notice says (the payer's appeals fax, portal or address); `priorauth letter CASE --template letter-appeal` writes the letter",
    )


def _refuse_an_appeal(store: Any, request_id: int) -> None:
    """A queue request that was denied, or is in appeal, goes on as an appeal: not through PAS."""
    from priorauth.store.lifecycle import STATUSES
    from priorauth.store.models import Request

    with store.reading() as session:
        status = session.get(Request, request_id).status
    if status in ("denied", "appeal"):
        raise _no_appeals(f"request {request_id} is {STATUSES[status]}, and PAS does not carry appeals")
