"""`priorauth new`: start a case, by questions (the default) or as a commented skeleton."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from typing import Any

import click

from priorauth.cli.options import force_option, rules_dir_option

_SECTION_QUESTIONS = {
    "diagnoses": "Add another diagnosis?",
    "medications": "Add a medication trial?",
    "psychotherapy": "Add a course of psychotherapy?",
    "assessments": "Add a rating-scale score?",
    "prior_courses": "Add an earlier TMS or Spravato course?",
    "documents": "Add a document on file?",
}


_OPTIONAL_SECTIONS = {
    "episode": "Does the chart say when the current episode began?",
    "clinical": "Answer the screening questions now?",
    "rems": "Answer the Spravato REMS questions now?",
    "ect": "Does the chart say anything about ECT?",
    "facility": "Is the treatment given at a separate facility?",
}


class _Cancelled(Exception):
    pass


def _ask(text: str, default: str = "") -> str:
    try:
        return click.prompt(text, default=default, show_default=bool(default), prompt_suffix=": ")
    except click.exceptions.Abort:
        raise _Cancelled from None


def _yes(text: str, default: bool = False) -> bool:
    try:
        return click.confirm(text, default=default)
    except click.exceptions.Abort:
        raise _Cancelled from None


def _question(f: Any) -> str:
    words = f.entry.meaning if f.entry else f.name
    if f.allowed and len(f.allowed) > 1:
        words += "\n    " + "  ".join(f"{i}) {v}" for i, v in enumerate(f.allowed, 1))
    elif f.kind != "text" and not f.is_list:
        words += f" [{f.kind}]"
    if f.is_list:
        words += " [separate with commas]"
    return f"  {f.path.replace('[]', '')}: {words}" + ("" if f.required else "\n    (Enter to leave it out)")


def _ask_field(f: Any, context: dict[str, Any]) -> Any:
    from priorauth.case_new import check_answer

    while True:
        text = _ask(_question(f))
        if not text.strip():
            if not f.required:
                return None
            click.echo("    ! required: please answer")
            continue
        answer = check_answer(f, text, context)
        if answer.error:
            click.echo(f"    ! {answer.error}")
            continue
        if answer.note:
            click.echo(f"    = {answer.note}")
        if f.kind == "a date, YYYY-MM-DD":
            context["_last_date"] = dt.date.fromisoformat(text.strip())
        return answer.value


def _ask_mapping(p: Any, section: str, context: dict[str, Any], fixed: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    context.pop("start", None)
    for f in p.leaves(section):
        if f.path in fixed:
            out[f.name] = fixed[f.path]
            continue
        value = _ask_field(f, context)
        if value is not None:
            out[f.name] = value
            if f.name == "start":
                context["start"] = context["_last_date"]
            if f.path == "request.date":
                context["request_date"] = context["_last_date"]
    return out


def _interview(p: Any, fixed: dict[str, Any]) -> dict[str, Any]:
    context: dict[str, Any] = {}
    data: dict[str, Any] = {}
    order = sorted(p.sections(), key=lambda f: 0 if f.path == "request" else 1)  # the request date first
    for sec in order:
        notes = p.notes.get(sec.path, [])
        click.echo(f"\n{sec.path.upper()}: {sec.entry.meaning if sec.entry else ''}")
        for line in notes:
            click.echo(f"  ({line})")
        if sec.is_list:
            items: list[Any] = []
            question = _SECTION_QUESTIONS.get(sec.path, f"Add an entry to {sec.path}?")
            while (sec.required and not items) or _yes(question, default=not items):
                click.echo(f"  -- {sec.path} entry {len(items) + 1}")
                items.append(_ask_mapping(p, sec.path + "[]", context, fixed))
            if items:
                data[sec.path] = items
        else:
            if not sec.required and not _yes(_OPTIONAL_SECTIONS.get(sec.path, f"Fill in {sec.path} now?"), default=True):
                continue
            values = _ask_mapping(p, sec.path, context, fixed)
            if values:
                data[sec.path] = values
    return {key: data[key] for key in [f.path for f in p.sections()] if key in data}


def _choose(label: str, choices: list[str], default: str | None = None) -> str:
    from priorauth.loading import did_you_mean

    click.echo(f"{label}: " + ", ".join(choices))
    while True:
        text = _ask(f"{label}", default or "").strip()
        if text in choices:
            return text
        lowered = {c.lower(): c for c in choices}
        if text.lower() in lowered:
            return lowered[text.lower()]
        guess = did_you_mean(text.lower(), choices)
        click.echo("    ! not one of the choices" + (f"; did you mean {guess}?" if guess else ""))


def _completion(words: list[str]) -> Any:
    """Tab completion of drug names when a terminal is attached (readline, where available)."""
    if not sys.stdin.isatty():
        return None
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        return None

    def complete(text: str, state: int) -> str | None:
        matches = [w for w in words if w.lower().startswith(text.lower())]
        return matches[state] if state < len(matches) else None

    readline.set_completer(complete)
    readline.parse_and_bind("tab: complete")
    return readline


@click.command()
@click.option("--payer", metavar="ID", help="Payer id (see `priorauth rules list`); with --treatment, writes a skeleton instead of asking.")
@click.option("--treatment", type=click.Choice(["tms", "spravato"], case_sensitive=False), help="tms or spravato; with --payer, writes a skeleton instead of asking.")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False), help="Case file to write (default: <patient id>.yaml, or <payer>-<treatment>-case.yaml for a skeleton).")
@force_option("Overwrite the output file if it exists.")
@rules_dir_option
def new(payer: str | None, treatment: str | None, output: str | None, force: bool, rules_dirs: tuple[str, ...]) -> None:
    """Start a case file: answer questions, or get a commented skeleton to fill in.

    Without --payer and --treatment it asks, one question at a time, for exactly what
    the payer's rules read: patient, insurance, request, diagnosis, medication trials,
    scales, screening and documents. Every answer is checked as you type it (dates,
    choices, drug names from the catalog, ICD-10 codes with their titles) and asked again
    when it is wrong. What you type is written exactly as typed. The new file is then
    checked like `priorauth check` does, and the next steps are shown. Ctrl-D or Ctrl-C
    stops without writing anything.

    With --payer and --treatment it writes a skeleton instead: the fields that rule set
    reads, with what each criterion needs written above it, and TODO where a value goes.

    Existing files are never overwritten without --force.

    \b
    Examples:
      priorauth new
      priorauth new -o maria-lopez.yaml
      priorauth new --payer cigna --treatment tms -o case.yaml
    """
    from priorauth.api import check_choice
    from priorauth.output import check_writable
    from priorauth.rules import Registry

    registry = Registry(rules_dirs)
    if payer is not None:
        check_choice(registry, payer)  # an unknown --payer, refused with a suggestion
        payer = registry.payer_id(payer)
    if output is not None:
        check_writable(Path(output), force)
    today = dt.date.today()
    if payer is not None and treatment is not None:
        _write_skeleton(registry, payer, treatment, output, force, today)
        return
    try:
        path = _interactive(registry, payer, treatment, output, force, today)
    except _Cancelled:
        click.echo("\ncancelled: nothing was written", err=True)
        raise SystemExit(1) from None
    _check_and_advise(path, registry)


def _rule_set(registry: Any, payer: str, treatment: str, today: dt.date) -> Any:
    from priorauth.errors import UsageError

    rule_id = f"{payer}/{treatment}"
    if not registry.versions(rule_id):
        have = sorted({rid.split("/")[1] for rid in registry.ids() if rid.split("/")[0] == payer})
        raise UsageError(f"payer '{payer}' has no rule set for {treatment} (it has: {', '.join(have)})", "pick another --treatment")
    return registry.resolve(rule_id, today)[0].rule_set


def _write_skeleton(registry: Any, payer: str, treatment: str, output: str | None, force: bool, today: dt.date) -> None:
    from priorauth.case_new import plan, skeleton
    from priorauth.output import write_atomic

    rs = _rule_set(registry, payer, treatment, today)
    path = Path(output or f"{payer}-{treatment}-case.yaml")
    write_atomic(path, skeleton(plan(rs), today).encode("utf-8"), force=force)
    click.echo(f"wrote {path}")
    click.echo("next: replace every TODO (docs/cases.md explains each field), delete what the chart does not say, then run")
    click.echo(f"  priorauth check {path}")


def _interactive(registry: Any, payer: str | None, treatment: str | None, output: str | None, force: bool, today: dt.date) -> Path:
    from priorauth.case_new import drug_names, plan
    from priorauth.case_yaml import Raw, dump, quote
    from priorauth.output import output_name, write_atomic
    from priorauth.errors import OutputError

    click.echo("A new case: answer each question (Enter leaves an optional one out; Ctrl-D stops).")
    if payer is None:
        payer = _choose("Payer", registry.payers())
    treatments = sorted({rid.split("/")[1] for rid in registry.ids() if rid.split("/")[0] == payer})
    if treatment is None:
        treatment = treatments[0] if len(treatments) == 1 else _choose("Treatment", treatments)
        if len(treatments) == 1:
            click.echo(f"Treatment: {treatment} (the only rule set for {payer})")
    rs = _rule_set(registry, payer, treatment, today)
    click.echo(f"Rule set {rs.id}: {rs.payer_name}, policy {rs.policy}. Only what it reads is asked.")
    p = plan(rs)
    fixed = {"coverage.payer": Raw(quote(payer)), "request.treatment": Raw(quote(treatment))}
    readline = _completion(drug_names())
    try:
        data = _interview(p, fixed)
    finally:
        if readline is not None:
            readline.set_completer(None)
    text = f"# Case file written by `priorauth new` for rule set {rs.id}. docs/cases.md explains every field.\n" + dump(data)
    patient_id = _raw_text(data["patient"]["id"])
    path = Path(output) if output else Path(output_name(patient_id, ext="yaml"))
    while True:
        try:
            write_atomic(path, text.encode("utf-8"), force=force)
            break
        except OutputError as exc:
            click.echo(f"    ! {exc.message}")
            path = Path(_ask("Write the case to another file name").strip() or str(path))
    click.echo(f"\nwrote {path}")
    return path


def _raw_text(value: Any) -> str:
    import json

    return json.loads(value.text)


def _check_and_advise(path: Path, registry: Any) -> None:
    from priorauth.api import check_case
    from priorauth.case import load_case
    from priorauth.errors import PriorAuthError
    from priorauth.reporters import STATUS_WORDS

    try:
        case = load_case(path)
    except PriorAuthError as exc:
        click.echo(exc.render(), err=True)
        click.echo(f"next: correct the lines above in {path}, then run: priorauth check {path}", err=True)
        raise SystemExit(2) from None
    for report in check_case(case, registry):
        counts = {s: sum(1 for c in report.criteria if c.status == s) for s in ("met", "not_met", "unknown")}
        missing = [d for d in report.documents if d.state != "on_file"]
        click.echo(f"check: {STATUS_WORDS[report.status]}")
        click.echo(f"  {counts['met']} criteria met, {counts['not_met']} not met, {counts['unknown']} not documented; {len(missing)} documents missing or out of date")
    click.echo("next:")
    click.echo(f"  priorauth check {path}              # each gap, with the step that closes it")
    click.echo(f"  priorauth checklist {path} -o out/  # the documents to gather")
    click.echo(f"  priorauth letter {path} -o out/     # the letter, once the check says ready")
