"""`priorauth packet`: one PDF to fax or upload, cover sheet first."""

from __future__ import annotations

import datetime as dt

import click

from priorauth.cli import options
from priorauth.cli.documents import _letter_inputs, _letter_options, _request_basis, _request_options
from priorauth.cli.options import (
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


@click.command()
@case_argument
@payer_option
@treatment_option
@click.option("-o", "--output", "output", type=click.Path(file_okay=False), default=".", show_default=True, help="Folder to write into (created if needed).")
@clinic_option
@templates_dir_option
@force_option("Overwrite a packet that already exists.")
@rules_dir_option
@as_of_option
@date_option
@_request_options
@click.option("--draft", is_flag=True, help="Write a packet with a DRAFT letter that lists the open gaps, even when the case is not ready.")
@_letter_options
def packet(case: str, payer: str | None, treatment: str | None, output: str, clinic: str | None, templates_dir: str | None, force: bool, rules_dirs: tuple[str, ...], as_of: dt.date | None, date: dt.date | None, request_id: int | None, db: str | None, user: str | None, draft: bool, template: str, denial_ref: str | None, denial_date: dt.date | None, denial_reason: str | None, level: str | None, expedited: bool, auth_number: str | None, units_approved: int | None, units_used: int | None, plan: str) -> None:
    """Write one PDF to fax or upload for CASE: cover sheet, letter, checklist, records.

    In order: a fax cover sheet (to the payer, from the practice, the date, the page count,
    the patient's identifiers, the contents with the first page of each part and a
    confidentiality notice), the letter of medical necessity, the checklist, then every
    document the case lists with a `path` (relative to the case file's folder): PDF pages
    as they are, PNG, JPEG and TIFF images one page each. Every part has a bookmark and
    every page says "Packet page N of M" at its foot.

    A record that cannot go in (no file, not a PDF or image, an encrypted PDF, a damaged
    file) is listed on the cover sheet under "Not included" and named in a warning; the
    packet is still written. As with `letter`, a case that is not ready gets no packet
    (exit 1) unless --draft.

    The letter is chosen as `letter` chooses it, with the same options: --template
    letter-appeal (with the denial: --denial-reference, --denial-date, or --request for
    the denial the queue recorded) makes an appeal packet, its cover sheet addressed to the
    payer's appeals department with the denial's reference, named ..._appeal-packet.pdf;
    --template letter-continuation (with --auth-number, --units-approved, --units-used,
    --plan, or --request for the recorded approval) a continuation packet.

    \b
    Examples:
      priorauth packet samples/cigna-tms-ready.yaml -o out/
      priorauth packet case.yaml --clinic clinic.yaml -o out/
      priorauth packet case.yaml --draft -o drafts/
      priorauth packet case.yaml --request 12 -o out/   # for queue request 12, and recorded there
      priorauth packet case.yaml --template letter-appeal --denial-reference PA-123 --denial-date 2026-11-25 -o out/
      priorauth packet case.yaml --template letter-continuation --auth-number A-778 --units-approved 36 --units-used 30 -o out/

    The packet is named <patient id>_<payer>_<treatment>_packet.pdf, readable by you
    only, and never overwritten without --force. The same case, records, options and
    --date give the same file, byte for byte.
    """
    from priorauth.letters import DocumentOptions, write_documents
    from priorauth.packet import plan_packets

    date = date or options.today()
    chosen, from_queue = _letter_inputs(template, denial_ref, denial_date, denial_reason, level, expedited, auth_number, units_approved, units_used, plan)
    kw = {"payer": payer, "treatment": treatment}
    store, basis = _request_basis(case, request_id, db, user, kw) if request_id is not None else (None, None)
    if store is not None and request_id is not None:
        chosen.update(from_queue(store, request_id))
    imported = options.fhir_case(case, kw["treatment"], kw["payer"])
    doc_options = DocumentOptions(kind="letter", fmt="pdf", payer=kw["payer"], treatment=kw["treatment"], as_of=as_of, rules_dirs=rules_dirs, clinic=clinic, templates_dir=templates_dir, draft=draft, date=date, **chosen)
    packets = plan_packets(case, doc_options, output_dir=output, case_and_digest=imported)
    written = write_documents(list(packets), output, force=force)
    for path, planned in zip(written, packets):
        click.echo(f"wrote {path} ({planned.parts[-1].first + planned.parts[-1].pages - 1} pages)")
    # the same records go into every packet of the case: each left out is named once
    for s in packets[0].skipped if packets else []:
        click.echo(f"warning: {s.pointer} ({s.kind}) is not in the packet: {s.reason}; it is listed on the cover sheet under \"Not included\"", err=True)
    if store is not None and basis is not None:
        from priorauth.store import queue as q

        for path in written:
            q.attach(store, basis.request_id, path, "packet")
        click.echo(f"request {basis.request_id}: {len(written)} file(s) recorded as packet")
