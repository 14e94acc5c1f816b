"""The library entry points that the commands call: one call per command, no printing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from priorauth.case import Case, case_error, load_case
from priorauth.engine import evaluate
from priorauth.errors import UsageError
from priorauth.report import Report
from priorauth.rules import Registry


def payer_of(case: Case, registry: Registry, payer: str | None = None) -> str:
    """The payer id to check: ``--payer`` or the case's coverage.payer, as the registry
    spells it ("Cigna" and "UnitedHealthcare" are cigna and uhc).

    An unknown payer is refused where it was written: ``--payer``, or the case file's
    line of coverage.payer. The payer id is a code, not patient data, so it is named.
    """
    given = payer or case.coverage.payer
    found = registry.payer_id(given)
    if found is not None:
        return found
    guess = registry.suggest_payer(given)
    hint = (f"did you mean '{guess}'? " if guess else "") + "see `priorauth rules list` for the payers known here"
    message = f"no rule sets for payer '{given}'"
    located = None if payer else case_error(case, ("coverage", "payer"), message, hint)
    if located is not None:
        raise located
    raise UsageError(f"{'--payer' if payer else 'coverage.payer'}: {message}", hint)


def plan(case: Case, registry: Registry, payer: str | None = None, treatment: str | None = None) -> list[str]:
    """The rule-set ids to evaluate. ``--treatment`` wins over ``request.treatment``."""
    treatments = ["tms", "spravato"] if treatment == "both" else [treatment or case.request.treatment]
    if payer is not None and payer.strip().casefold() == "all":
        ids = registry.find_ids(None, treatments)
        if not ids:
            raise UsageError(f"no rule sets for {' or '.join(treatments)}")
        return ids
    payer_id = payer_of(case, registry, payer)
    ids = registry.find_ids(payer_id, treatments)
    if not ids:
        have = sorted({rid.split('/')[1] for rid in registry.find_ids(payer_id, ["tms", "spravato"])})
        raise UsageError(
            f"payer '{payer_id}' has no rule set for {' or '.join(treatments)} (it has: {', '.join(have)})",
            "pick another --treatment or --payer",
        )
    return ids


def check_case(
    case: Case,
    registry: Registry,
    payer: str | None = None,
    treatment: str | None = None,
    as_of: dt.date | None = None,
) -> list[Report]:
    """Evaluate one case against every selected rule set, in force on ``as_of`` (default: request.date)."""
    day = as_of or case.request.date
    reports = []
    for rule_id in plan(case, registry, payer, treatment):
        source, warning = registry.resolve(rule_id, day)
        reports.append(evaluate(case, source, notes=[warning] if warning else None, as_of=day))
    return reports


def check(
    case_path: str | Path,
    payer: str | None = None,
    treatment: str | None = None,
    rules_dirs: Sequence[str | Path] = (),
    as_of: dt.date | None = None,
) -> list[Report]:
    return check_case(load_case(case_path), Registry(rules_dirs), payer, treatment, as_of)
