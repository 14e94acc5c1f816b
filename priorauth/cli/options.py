"""Options shared by several commands, defined once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import click

F = Callable[..., Any]


class DateType(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> dt.date:
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail("must be a date written YYYY-MM-DD, such as 2026-11-18", param, ctx)


def payer_option(f: F) -> F:
    return click.option("--payer", metavar="ID|all", help="Payer id (default: the case's coverage.payer); `all` checks every payer.")(f)


def treatment_option(f: F) -> F:
    return click.option(
        "--treatment",
        type=click.Choice(["tms", "spravato", "both"], case_sensitive=False),
        help="Treatment to check (default: the case's request.treatment).",
    )(f)


def rules_dir_option(f: F) -> F:
    return click.option(
        "--rules-dir",
        "rules_dirs",
        multiple=True,
        type=click.Path(file_okay=False),
        help="Folder of your own rule files; they take precedence over the shipped ones (also PRIORAUTH_RULES_DIR).",
    )(f)


def as_of_option(f: F) -> F:
    return click.option("--as-of", type=DateType(), help="Use the rule-set version in force on this date (default: request.date).")(f)


def today() -> dt.date:
    """The default document date, read once per command (tests replace this function)."""
    return dt.date.today()


def date_option(f: F) -> F:
    return click.option(
        "--date",
        "date",
        type=DateType(),
        help="The date the letters and checklists bear (default: today). Look-back windows are still measured from the request date in the case; a letter may not be dated before it.",
    )(f)


def case_argument(f: F) -> F:
    # a case file, or a FHIR Bundle file or Bulk NDJSON folder (see fhir_case)
    return click.argument("case", type=click.Path())(f)


def fhir_case(case: str, treatment: str | None, payer: str | None) -> Any:
    """(Case, digest) when CASE is a FHIR source, imported in memory exactly as
    `priorauth import fhir` writes it (request date: today); None for a case file."""
    from pathlib import Path

    from priorauth.loading.sniff import is_fhir_source

    if not is_fhir_source(Path(case)):
        return None
    from priorauth.fhir import Options, load_fhir_case

    chosen = treatment.lower() if treatment else None
    given = payer if payer and payer.strip().casefold() != "all" else None
    return load_fhir_case(case, Options("tms" if chosen == "both" else chosen, given, today()))


def clinic_option(f: F) -> F:
    return click.option("--clinic", type=click.Path(dir_okay=False), help="Clinic profile for the letterhead and signature; see `priorauth init`.")(f)


def templates_dir_option(f: F) -> F:
    return click.option("--templates-dir", type=click.Path(file_okay=False), help="Folder of your own templates; they override built-in ones by name.")(f)


def force_option(help: str = "Overwrite files that already exist.") -> Callable[[F], F]:
    """``--force``; ``help`` says what exactly it overwrites for this command."""
    return click.option("--force", is_flag=True, help=help)
