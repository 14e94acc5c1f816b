"""`priorauth import fhir`: FHIR R4 bundles and Bulk NDJSON exports into case files."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from priorauth.cli.options import DateType, force_option, today


@click.group(name="import")
def import_group() -> None:
    """Import cases from an EHR export: FHIR R4 bundles and Bulk NDJSON folders.

    \b
    Examples:
      priorauth import fhir chart.json -o cases/ --treatment tms
      priorauth import fhir bulk-export/ -o cases/ --treatment spravato --request-date 2026-11-18
    """


def tables_option(f: click.decorators.FC) -> click.decorators.FC:
    return click.option(
        "--tables",
        type=click.Path(dir_okay=False),
        help="Your own tables of payer names, local scale codes, drug codes, NUCC taxonomy and document types, added to the shipped ones (see docs/fhir.md).",
    )(f)


@import_group.command(name="fhir")
@click.argument("sources", metavar="SOURCE...", nargs=-1, required=True, type=click.Path())
@click.option("-o", "--output-dir", "output_dir", type=click.Path(file_okay=False), required=True, help="Folder for the case files (created if missing).")
@click.option("--treatment", type=click.Choice(["tms", "spravato"], case_sensitive=False), help="The treatment requested (FHIR does not say; otherwise left to complete).")
@click.option("--payer", metavar="ID", help="The payer id of every case (default: from Coverage.payor through the payer table).")
@click.option("--request-date", type=DateType(), help="The date of the request (default: today); facts dated after it are left out.")
@click.option("--as-json", is_flag=True, help="Write JSON case files (without the comments) instead of commented YAML.")
@tables_option
@force_option("Overwrite case files that already exist.")
def fhir(sources: tuple[str, ...], output_dir: str, treatment: str | None, payer: str | None, request_date: dt.date | None, as_json: bool, tables: str | None, force: bool) -> None:
    """Import FHIR R4 charts into case files, one per patient, with what is left to complete.

    SOURCE is a Bundle JSON file (transaction, collection, searchset or document), a
    folder of them, or a Bulk-export folder of NDJSON files (Patient.ndjson,
    Condition.ndjson, ...). Every imported fact carries a comment naming the resource it
    came from; what FHIR cannot say (trial outcomes, adherence, REMS, PDMP review,
    documented negatives) is left out, listed after the import, and written as a
    TO COMPLETE comment at its field, so `priorauth check` reports it as not documented.

    \b
    Examples:
      priorauth import fhir chart.json -o cases/ --treatment tms
      priorauth import fhir bulk-export/ -o cases/ --treatment spravato --payer uhc
      priorauth import fhir charts/ -o cases/ --treatment tms --tables my-tables.yaml --force

    Exit status: 0 imported; 2 invalid input (the file, entry or line, and the element).
    """
    from priorauth.fhir import Options, imports, load_tables, todo_lines, write_imports

    options = Options(treatment.lower() if treatment else None, payer, request_date or today())
    count = 0
    for written in write_imports(imports(sources, options, load_tables(tables)), Path(output_dir), force, as_json):
        count += 1
        todo = todo_lines(written.imported)
        extra = f" and {len(written.attachments)} document(s)" if written.attachments else ""
        click.echo(f"wrote {written.path}{extra} ({written.imported.fhir_id}): {len(todo)} fact(s) to complete")
        for line in todo:
            click.echo(f"  {line}")
    if count == 0:
        from priorauth.errors import UsageError

        raise UsageError("no Patient resource in the FHIR source: nothing to import", "export the Patient resources with the rest of the chart")
