"""`priorauth check`: evaluate one case and print the report."""

from __future__ import annotations

import datetime as dt

import click

from priorauth.cli.options import as_of_option, case_argument, fhir_case, payer_option, rules_dir_option, treatment_option
from priorauth.reporters import REPORTERS


@click.command()
@case_argument
@payer_option
@treatment_option
@click.option("--format", "fmt", type=click.Choice(sorted(REPORTERS)), default="text", show_default=True, help="Output format.")
@rules_dir_option
@as_of_option
@click.option(
    "--explain-changes",
    is_flag=True,
    help="Also say whether the case would fare differently under the previous version of each rule set, and which criteria changed.",
)
def check(case: str, payer: str | None, treatment: str | None, fmt: str, rules_dirs: tuple[str, ...], as_of: dt.date | None, explain_changes: bool) -> None:
    """Check CASE, a YAML or JSON case file, against a payer's TMS or Spravato criteria.

    CASE may also be a FHIR R4 Bundle file or Bulk NDJSON folder holding one patient's
    chart, imported in memory as `priorauth import fhir` would (give --treatment).

    Shows, criterion by criterion, what the chart meets, what it does not, what it
    does not document, and which documents are missing or stale, headed by the policy
    and its effective date.

    \b
    Examples:
      priorauth check samples/cigna-tms-ready.yaml
      priorauth check case.yaml --payer all --format markdown
      priorauth check case.yaml --treatment both --format json
      priorauth check chart.json --treatment tms
      priorauth check case.yaml --payer texas-medicaid --explain-changes

    Exit status: 0 every rule set ready; 1 incomplete or not eligible; 2 invalid input.
    """
    from priorauth.api import check as run_check
    from priorauth.api import check_case_sources
    from priorauth.report import exit_code
    from priorauth.rules import Registry

    imported = fhir_case(case, treatment, payer)
    if imported is not None:
        reports = [r for _, r in check_case_sources(imported[0], Registry(rules_dirs), payer, treatment, as_of, explain_changes)]
    else:
        reports = run_check(case, payer=payer, treatment=treatment, rules_dirs=rules_dirs, as_of=as_of, explain_changes=explain_changes)
    click.echo(REPORTERS[fmt](reports), nl=False)
    raise SystemExit(exit_code(reports))
