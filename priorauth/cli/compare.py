"""`priorauth compare`: TMS and Spravato side by side for one case."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from typing import TYPE_CHECKING

import click

from priorauth.cli.options import as_of_option, case_argument, fhir_case, rules_dir_option
from priorauth.cli.text import table

if TYPE_CHECKING:
    from priorauth.compare import Comparison, TreatmentResult

TREATMENT_LABELS = {"tms": "TMS", "spravato": "Spravato"}
STATUS_WORDS = {"ready": "ready", "incomplete": "incomplete", "not_eligible": "not eligible", "no_rule_set": "no rule set"}


@click.command()
@case_argument
@click.option("--payer", metavar="ID|all", help="Payer id (default: the case's coverage.payer); `all` compares at every payer.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
@rules_dir_option
@as_of_option
def compare(case: str, payer: str | None, fmt: str, rules_dirs: tuple[str, ...], as_of: dt.date | None) -> None:
    """Compare TMS and Spravato side by side for CASE, at its payer or every payer.

    CASE may also be a FHIR R4 Bundle file or Bulk NDJSON folder holding one patient's
    chart, imported in memory as `priorauth import fhir` would.

    Evaluates the case against the payer's TMS and Spravato rule sets, whichever
    treatment it requests, and shows for each: the status, how many criteria are not
    met and not documented, and what to do next (criteria not met first). A treatment
    the payer has no rule set for shows as "no rule set", said plainly, and that
    treatment is then shown at every payer that has a rule set for it.

    \b
    Examples:
      priorauth compare samples/cigna-tms-not-eligible.yaml
      priorauth compare case.yaml --payer all
      priorauth compare case.yaml --format json

    Exit status: 0 at least one treatment is ready; 1 neither is ready (at any payer
    compared); 2 invalid input.
    """
    from priorauth.case import load_case
    from priorauth.compare import compare_case
    from priorauth.rules import Registry

    imported = fhir_case(case, "both", payer)
    result = compare_case(imported[0] if imported is not None else load_case(case), Registry(rules_dirs), payer, as_of)
    if fmt == "json":
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        click.echo("\n".join(text_lines(result)))
    raise SystemExit(result.exit_code)


def _cell(r: TreatmentResult) -> str:
    if r.status == "no_rule_set":
        return "no rule set"
    counts = f"{r.unmet} unmet, {r.unknown} unknown"
    if r.missing_documents:
        counts += f", {r.missing_documents} missing document{'s' if r.missing_documents != 1 else ''}"
    return f"{STATUS_WORDS[r.status]} ({counts})"


def text_lines(result: Comparison) -> list[str]:
    lines = [f"Case {result.case}, request of {result.request_date}" + (f", rules as of {result.as_of}" if result.as_of else "") + ": TMS and Spravato side by side", ""]
    lines += table(["PAYER", "TMS", "SPRAVATO"], [[p.payer, _cell(p.tms), _cell(p.spravato)] for p in result.payers], indent="  ")
    for p in result.payers:
        lines += ["", f"{p.payer_name} ({p.payer})"]
        for r in p.results:
            label = TREATMENT_LABELS[r.treatment]
            if r.status == "no_rule_set":
                lines += textwrap.wrap(
                    f"{label}: priorauth has no {label} criteria for {p.payer_name}, so it cannot say whether or how this plan covers {label}; ask the plan."
                    + (f" {label} at the payers priorauth has criteria for is shown below, for reference." if result.elsewhere else ""),
                    width=96,
                    initial_indent="  ",
                    subsequent_indent="    ",
                )
                continue
            head = f"  {label} ({r.rule_set}, policy {r.policy}): {STATUS_WORDS[r.status]}"
            lines.append(head + ("; next steps:" if r.next_steps else "; nothing left to do" if r.ready else ""))
            for i, step in enumerate(r.next_steps, 1):
                wrapped = textwrap.wrap(step, width=92) or [""]
                lines.append(f"    {i}. {wrapped[0]}")
                lines += [f"       {w}" for w in wrapped[1:]]
            for note in r.notes:
                lines += textwrap.wrap(f"note: {note}", width=96, initial_indent="    ", subsequent_indent="      ")
    for treatment in dict.fromkeys(e.result.treatment for e in result.elsewhere):
        label = TREATMENT_LABELS[treatment]
        lines.append("")
        lines += textwrap.wrap(f"{label} at the payers priorauth has criteria for (for reference: this case judged by each payer's rules; not this patient's coverage):", width=96)
        lines += table(["PAYER", label.upper(), "RULE SET"], [[e.payer, _cell(e.result), e.result.rule_set or ""] for e in result.elsewhere if e.result.treatment == treatment], indent="  ")
    lines.append("")
    ready = [f"{p.payer} {TREATMENT_LABELS[r.treatment]}" for p in result.payers for r in p.results if r.ready]
    lines.append("Ready: " + ", ".join(ready) if ready else "Neither treatment is ready yet.")
    return lines
