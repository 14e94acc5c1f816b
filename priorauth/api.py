"""The library entry points that the commands call: one call per command, no printing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from priorauth.case import Case, case_error, load_case
from priorauth.engine import evaluate
from priorauth.errors import PriorAuthError, UsageError
from priorauth.report import Report
from priorauth.rules import Registry, RuleSource


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
    raise _unknown_payer(registry, given, None if payer else case)


def _unknown_payer(registry: Registry, given: str, case: Case | None) -> PriorAuthError:
    """The error for a payer no rule set names: at the case's coverage.payer, or --payer."""
    guess = registry.suggest_payer(given)
    hint = (f"did you mean '{guess}'? " if guess else "") + "see `priorauth rules list` for the payers known here"
    message = f"no rule sets for payer '{given}'"
    located = case_error(case, ("coverage", "payer"), message, hint) if case is not None else None
    if located is not None:
        return located
    return UsageError(f"{'coverage.payer' if case is not None else '--payer'}: {message}", hint)


def _every_payer(payer: str | None) -> bool:
    return payer is not None and payer.strip().casefold() == "all"


def _treatments(treatment: str) -> list[str]:
    return ["tms", "spravato"] if treatment == "both" else [treatment]


def _payer_ids(registry: Registry, payer_id: str, treatments: list[str]) -> list[str]:
    ids = registry.find_ids(payer_id, treatments)
    if not ids:
        have = sorted({rid.split("/")[1] for rid in registry.find_ids(payer_id, ["tms", "spravato"])})
        raise UsageError(
            f"payer '{payer_id}' has no rule set for {' or '.join(treatments)} (it has: {', '.join(have)})",
            "pick another --treatment or --payer",
        )
    return ids


def plan(case: Case, registry: Registry, payer: str | None = None, treatment: str | None = None) -> list[str]:
    """The rule-set ids to evaluate. ``--treatment`` wins over ``request.treatment``."""
    treatments = _treatments(treatment or case.request.treatment)
    if _every_payer(payer):
        ids = registry.find_ids(None, treatments)
        if not ids:
            raise UsageError(f"no rule sets for {' or '.join(treatments)}")
        return ids
    return _payer_ids(registry, payer_of(case, registry, payer), treatments)


def check_choice(registry: Registry, payer: str | None = None, treatment: str | None = None) -> None:
    """Refuse, before any case is read, a ``--payer`` (and ``--treatment``) that no case
    could be checked with: what :func:`plan` would refuse for every case of a batch."""
    if payer is None or _every_payer(payer):
        return
    payer_id = registry.payer_id(payer)
    if payer_id is None:
        raise _unknown_payer(registry, payer, None)
    if treatment is not None:
        _payer_ids(registry, payer_id, _treatments(treatment))


def check_case(
    case: Case,
    registry: Registry,
    payer: str | None = None,
    treatment: str | None = None,
    as_of: dt.date | None = None,
) -> list[Report]:
    """Evaluate one case against every selected rule set, in force on ``as_of`` (default: request.date)."""
    return [report for _, report in check_case_sources(case, registry, payer, treatment, as_of)]


def check_case_sources(
    case: Case,
    registry: Registry,
    payer: str | None = None,
    treatment: str | None = None,
    as_of: dt.date | None = None,
    explain_changes: bool = False,
) -> list[tuple[RuleSource, Report]]:
    """:func:`check_case`, with the rule-set version each report was judged by: letters
    need its wording, and resolving it again could pick another version. With
    ``explain_changes`` each report notes how the case fares under the previous version."""
    day = as_of or case.request.date
    out = []
    for rule_id in plan(case, registry, payer, treatment):
        source, warning = registry.resolve(rule_id, day)
        report = evaluate(case, source, notes=[warning] if warning else None, as_of=day)
        if explain_changes:
            from priorauth.changes import change_note

            report.notes.append(change_note(case, registry, source, report, day))
        out.append((source, report))
    return out


def check(
    case_path: str | Path,
    payer: str | None = None,
    treatment: str | None = None,
    rules_dirs: Sequence[str | Path] = (),
    as_of: dt.date | None = None,
    explain_changes: bool = False,
) -> list[Report]:
    return [report for _, report in check_case_sources(load_case(case_path), Registry(rules_dirs), payer, treatment, as_of, explain_changes)]
