"""`priorauth rules`: list, show, validate, test and start rule sets.

Each subcommand parses its arguments, makes one or two library calls
(priorauth.rules, .describe, .examples, .skeleton) and formats what they return.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import click

from priorauth.cli.options import DateType, force_option, rules_dir_option
from priorauth.cli.text import table
from priorauth.vocabulary import STATUS_MARKS



def _shown(path: Path | str) -> str:
    """A path as the user would type it: relative to the current folder when inside it."""
    path = Path(path)
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


@click.group()
def rules() -> None:
    """List, show, validate, test and start rule sets.

    A rule set is one payer's criteria for one treatment (TMS or Spravato), in a YAML
    file under payer_rules/<payer>/<treatment>.yaml. Your own folders (--rules-dir,
    PRIORAUTH_RULES_DIR) come before the shipped rule sets. docs/rules.md is the
    authoring guide.

    \b
    Examples:
      priorauth rules list
      priorauth rules show cigna/tms
      priorauth rules validate payer_rules/acme/tms.yaml
      priorauth rules test
      priorauth rules new acme tms -o my_rules
    """


# ---- list ---------------------------------------------------------------------------------------


@rules.command("list")
@click.option("--treatment", type=click.Choice(["tms", "spravato"], case_sensitive=False), help="Only rule sets for this treatment.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
@rules_dir_option
def list_rules(treatment: str | None, fmt: str, rules_dirs: tuple[str, ...]) -> None:
    """List every rule set and each of its dated versions.

    Shows the id, payer, treatment, policy, the dates it is in force, the evidence
    level, and where the file comes from: shipped, --rules-dir or PRIORAUTH_RULES_DIR.
    A file of yours with the same id and effective date as a shipped one replaces it.

    \b
    Examples:
      priorauth rules list
      priorauth rules list --treatment spravato
      priorauth rules list --rules-dir my_rules --format json
    """
    from priorauth.rules import Registry
    from priorauth.rules.describe import hidden_files, rule_set_summary

    registry = Registry(rules_dirs)
    sources = [s for s in registry.sources() if treatment in (None, s.rule_set.treatment)]
    hidden = hidden_files(registry)
    if fmt == "json":
        items = []
        for s in sources:
            item = rule_set_summary(s)
            item["overrides"] = [{"path": str(p), "origin": o} for p, o in hidden.get(s.path, [])]
            items.append(item)
        click.echo(json.dumps(items, indent=2))
        return
    if not sources:
        click.echo("no rule sets" + (f" for {treatment}" if treatment else ""))
        return
    rows = [
        [
            rs.id,
            rs.payer_name,
            rs.treatment,
            rs.policy,
            rs.effective.isoformat() if rs.effective else "not published",
            rs.ends.isoformat() if rs.ends else "-",
            rs.checked.isoformat() if rs.checked else "-",
            rs.evidence,
            s.origin,
            _shown(s.path),
        ]
        for s in sources
        for rs in [s.rule_set]
    ]
    lines = table(["ID", "PAYER", "TREATMENT", "POLICY", "EFFECTIVE", "ENDS", "CHECKED", "EVIDENCE", "FROM", "FILE"], rows)
    shown_paths = {s.path for s in sources}
    for winner, losers in hidden.items():
        if winner in shown_paths:
            for path, origin in losers:
                lines.append(f"note: {_shown(winner)} replaces {_shown(path)} ({origin}): same id and effective date")
    click.echo("\n".join(lines))


# ---- show ---------------------------------------------------------------------------------------


@rules.command("show")
@click.argument("rule_id", metavar="ID")
@click.option("--as-of", type=DateType(), help="Show the version in force on this date (default: today).")
@rules_dir_option
def show(rule_id: str, as_of: dt.date | None, rules_dirs: tuple[str, ...]) -> None:
    """Show rule set ID's criteria in plain English.

    Prints the policy, its dates and evidence level, each criterion as a prescriber
    would read it with the policy text it rests on, the required documents and their
    freshness windows, limits, codes and the author's notes on how the policy was read.

    \b
    Examples:
      priorauth rules show cigna/tms
      priorauth rules show texas-medicaid/spravato --as-of 2025-03-01
      priorauth rules show acme/tms --rules-dir my_rules
    """
    from priorauth.errors import UsageError
    from priorauth.loading import did_you_mean
    from priorauth.rules import Registry
    from priorauth.rules.describe import describe_rule_set

    registry = Registry(rules_dirs)
    if not registry.versions(rule_id):
        guess = did_you_mean(rule_id, registry.ids())
        raise UsageError(f"no rule set '{rule_id}'", (f"did you mean '{guess}'? " if guess else "") + "see `priorauth rules list`")
    source, warning = registry.resolve(rule_id, as_of or dt.date.today())
    others = [v.rule_set for v in registry.versions(rule_id) if v.path != source.path]
    lines = describe_rule_set(source.rule_set, source, others)
    if warning:
        lines = [f"note: {warning}", ""] + lines
    click.echo("\n".join(lines))


# ---- diff ---------------------------------------------------------------------------------------


@rules.command("diff")
@click.argument("rule_id", metavar="ID")
@click.option("--from", "from_day", type=DateType(), help="The older version: the one in force on this date (default: the version before --to's).")
@click.option("--to", "to_day", type=DateType(), help="The newer version: the one in force on this date (default: the newest).")
@rules_dir_option
def diff(rule_id: str, from_day: dt.date | None, to_day: dt.date | None, rules_dirs: tuple[str, ...]) -> None:
    """Show what changed between two dated versions of rule set ID, criterion by criterion.

    Each added, removed or changed criterion is shown before and after in plain
    English with the policy text it rests on, then the required documents, limits and
    policy details that changed.

    \b
    Examples:
      priorauth rules diff texas-medicaid/spravato
      priorauth rules diff texas-medicaid/spravato --from 2024-06-01 --to 2025-06-01
    """
    from priorauth.changes import diff_versions
    from priorauth.rules import Registry

    click.echo("\n".join(diff_versions(Registry(rules_dirs), rule_id, from_day, to_day).lines()))


# ---- validate -----------------------------------------------------------------------------------


@rules.command("validate")
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
def validate(files: tuple[str, ...]) -> None:
    """Check rule files (and example cases) without running them.

    Prints "ok" with the id and dates of each valid file; for an invalid one, each
    problem with its file, line and key path, and a suggestion for a misspelled key or
    kind. Versions of one rule set given together must not overlap in time.

    \b
    Examples:
      priorauth rules validate payer_rules/acme/tms.yaml
      priorauth rules validate payer_rules/*/*.yaml
      priorauth rules validate payer_rules/acme/examples/*.yaml

    Exit status: 0 every file is valid; 2 at least one is not.
    """
    from priorauth.rules.validate import Valid, validate_files

    result = validate_files(files)
    for finding in result.findings:
        if isinstance(finding, Valid):
            click.echo(f"ok  {finding.file}  ({finding.what})")
        else:
            click.echo(finding.error.render(), err=True)
    if result.files > 1:
        click.echo(f"{result.valid} valid, {len(result.invalid)} invalid")
    raise SystemExit(result.exit_code)


# ---- test ---------------------------------------------------------------------------------------


def _topics(values: Any) -> str:
    return "[" + ", ".join(values) + "]" if isinstance(values, list) else str(values)


def _failure_lines(result: Any) -> list[str]:
    from priorauth.rules.describe import validity_text

    ex, rs, report = result.example, result.source.rule_set, result.report
    lines = [f"FAIL {_shown(ex.path)}"]
    lines.append(f"  rule set {rs.id}, {validity_text(rs)} ({_shown(result.source.path)}); judged as of {report.as_of}")
    if ex.description:
        lines.append(f"  {ex.description}")
    for note in result.notes:
        lines.append(f"  note: {note}")
    for mm in result.mismatches:
        lines.append(f"  {mm.field}: expected {_topics(mm.expected)}, got {_topics(mm.got)}")
    gaps = [c for c in report.criteria if c.status != "met"]
    if gaps or report.missing_documents:
        lines.append("  the report's gaps:")
    for c in gaps:
        lines.append(f"    {STATUS_MARKS[c.status]} {c.topic}: {c.label}: {c.message}")
    for d in report.missing_documents:
        lines.append(f"    [ ] document {d.kind}: {d.state}")
    return lines


@rules.command("test")
@click.argument("target", required=False, metavar="[ID|PATH]")
@rules_dir_option
@click.option("-v", "--verbose", is_flag=True, help="Also list the examples that pass.")
def test(target: str | None, rules_dirs: tuple[str, ...], verbose: bool) -> None:
    """Run the example cases of rule sets and compare what they expect.

    Without an argument, runs the examples of every rule set: each file in
    <rules folder>/<payer>/examples/ of the shipped folder and of your own folders.
    With a rule-set ID, only that rule set's examples; with a PATH, that example file,
    or every example in that folder. Each example is judged by the version of its rule
    set in force on its as_of date (or its request.date). docs/examples-format.md
    describes the format.

    \b
    Examples:
      priorauth rules test
      priorauth rules test cigna/tms
      priorauth rules test payer_rules/cigna/examples/tms-ready-two-classes-exactly-4-weeks.yaml
      priorauth rules test acme/tms --rules-dir my_rules

    Exit status: 0 every example passes; 1 at least one mismatch; 2 an invalid example file.
    """
    from priorauth.rules import Registry
    from priorauth.rules.examples import run_examples, select_examples

    registry = Registry(rules_dirs)
    paths = select_examples(registry, target)
    run = run_examples(paths, registry)
    out: list[str] = []
    for result in run.results:
        if not result.passed:
            out += _failure_lines(result)
        elif verbose:
            out.append(f"ok   {_shown(result.example.path)}  ({result.example.rule_set}: {result.report.status})")
    for error in run.errors:
        out.append(error.render())
    summary = f"{run.passed} passed, {run.failed} failed"
    if run.errors:
        summary += f", {len(run.errors)} invalid"
    if not paths:
        summary += " (no example files found)"
    out.append(summary)
    click.echo("\n".join(out))
    raise SystemExit(run.exit_code)


# ---- new ----------------------------------------------------------------------------------------


@rules.command("new")
@click.argument("payer")
@click.argument("treatment", type=click.Choice(["tms", "spravato"], case_sensitive=False))
@click.option("-o", "--output-dir", "out_dir", type=click.Path(file_okay=False), default="payer_rules", show_default=True, help="Rules folder to write into.")
@force_option()
def new(payer: str, treatment: str, out_dir: str, force: bool) -> None:
    """Start a rule set: write a commented skeleton for PAYER and TREATMENT.

    Writes DIR/<payer>/<treatment>.yaml, with every field explained and a few typical
    criteria to edit, and DIR/<payer>/examples/<treatment>-ready-example.yaml, an
    example case that the skeleton judges ready. Both validate as written. Existing
    files are never overwritten without --force.

    \b
    Examples:
      priorauth rules new acme tms
      priorauth rules new acme-health spravato -o my_rules
    """
    from priorauth.rules.skeleton import write_skeleton

    folder = Path(out_dir)
    written = write_skeleton(payer, treatment, folder, dt.date.today(), force=force)
    for path in written:
        click.echo(f"wrote {_shown(path)}")
    rule_file = _shown(written[0])
    rules_dir = _shown(folder)
    click.echo("next: edit every TODO (docs/rules.md explains each field), then run")
    click.echo(f"  priorauth rules validate {rule_file}")
    click.echo(f"  priorauth rules test {payer}/{treatment} --rules-dir {rules_dir}")
