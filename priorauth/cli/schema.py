"""`priorauth schema`: JSON Schemas for editors (case files and rule files) and for tools
that read the check report."""

from __future__ import annotations

import json

import click


@click.command()
@click.argument("which", type=click.Choice(["case", "rules", "report"]))
def schema(which: str) -> None:
    """Print the JSON Schema of case files, rule files or check reports.

    `case`: a case file; `rules`: a rule file; `report`: what `priorauth check --format
    json` prints (one report, or an array of them).

    \b
    Examples (point your editor's YAML language server at the file for autocompletion):
      priorauth schema rules > rules.schema.json
      priorauth schema case > case.schema.json
      # first line of a rule file: # yaml-language-server: $schema=rules.schema.json
      priorauth schema report > report.schema.json   # for tools that read check reports
    """
    if which == "report":
        from priorauth.outputs import report_schema

        data = report_schema()
    elif which == "case":
        from priorauth.case_guide import case_schema

        data = case_schema()  # with every field's description from the case guide (docs/cases.md)
    else:
        from priorauth.rules.model import RuleSet

        data = RuleSet.model_json_schema()
        data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        data["title"] = "priorauth rule file"
    click.echo(json.dumps(data, indent=2, sort_keys=True))
