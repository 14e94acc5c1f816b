"""TMS and Spravato side by side: which treatment a case is closer to getting approved.

For the case's payer (or every payer) both treatments are evaluated against the same
case, whatever ``request.treatment`` says, and each is summed up as its status, how many
criteria are not met or not documented, and the shortest list of what to do next. A
payer without a rule set for one treatment shows "no rule set" for it, not an error.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import computed_field

from priorauth.api import check_case, payer_of, plan
from priorauth.case import Case
from priorauth.outputs import to_jsonable
from priorauth.report import Report
from priorauth.rules import Registry

__all__ = ["TREATMENTS", "TreatmentResult", "PayerComparison", "Elsewhere", "Comparison", "compare_case", "next_steps"]

TREATMENTS = ("tms", "spravato")
CompareStatus = Literal["ready", "incomplete", "not_eligible", "no_rule_set"]


@dataclass(frozen=True)
class TreatmentResult:
    """One treatment at one payer."""

    treatment: str
    status: CompareStatus
    rule_set: str | None = None
    policy: str | None = None
    effective: str | None = None
    unmet: int | None = None  # criteria not met; None when there is no rule set
    unknown: int | None = None  # criteria the case does not document
    missing_documents: int | None = None
    next_steps: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        return self.status == "ready"


@dataclass(frozen=True)
class PayerComparison:
    payer: str
    payer_name: str
    tms: TreatmentResult
    spravato: TreatmentResult

    @property
    def results(self) -> tuple[TreatmentResult, TreatmentResult]:
        return (self.tms, self.spravato)


@dataclass(frozen=True)
class Elsewhere:
    """A treatment the case's payer has no rule set for, judged at a payer that has one."""

    payer: str
    payer_name: str
    result: TreatmentResult


@dataclass(frozen=True)
class Comparison:
    """``priorauth compare --format json``: these fields in order (tuples as arrays), then ``ready``."""

    case: str
    request_date: str
    as_of: str | None
    payers: tuple[PayerComparison, ...]
    # when one payer is compared and it has a rule set for one treatment only: the other
    # treatment at every payer that has one (for reference: not the patient's coverage)
    elsewhere: tuple[Elsewhere, ...] = ()

    @computed_field  # type: ignore[prop-decorator]  # pydantic reads it from the property
    @property
    def ready(self) -> list[str]:
        """Rule-set ids that are ready."""
        return [r.rule_set for p in self.payers for r in p.results if r.ready and r.rule_set]

    @property
    def exit_code(self) -> int:
        """0 when at least one treatment is ready somewhere, else 1."""
        return 0 if self.ready else 1

    def to_json(self) -> dict[str, Any]:
        return to_jsonable(self)


def next_steps(report: Report) -> list[str]:
    """The report's next steps, those of criteria not met first (they decide eligibility),
    then undocumented ones, then missing documents; each step once."""
    steps: list[str] = []
    for status in ("not_met", "unknown"):
        for c in report.criteria:
            if c.status == status and c.next_step and c.next_step not in steps:
                steps.append(c.next_step)
    for d in report.missing_documents:
        if d.next_step and d.next_step not in steps:
            steps.append(d.next_step)
    return steps


def _result(report: Report) -> TreatmentResult:
    return TreatmentResult(
        treatment=report.treatment,
        status=report.status,
        rule_set=report.rule_set.id,
        policy=report.rule_set.policy,
        effective=report.rule_set.effective,
        unmet=sum(1 for c in report.criteria if c.status == "not_met"),
        unknown=sum(1 for c in report.criteria if c.status == "unknown"),
        missing_documents=len(report.missing_documents),
        next_steps=tuple(next_steps(report)),
        notes=tuple(report.notes),
    )


def compare_case(case: Case, registry: Registry, payer: str | None = None, as_of: dt.date | None = None) -> Comparison:
    """Both treatments for ``payer`` (default: the case's coverage.payer; ``"all"``: every payer)."""
    # plan() rejects an unknown payer with the same message and hint as `check`.
    plan(case, registry, payer, "both")
    payers = registry.payers() if payer is not None and payer.strip().casefold() == "all" else [payer_of(case, registry, payer)]
    out: list[PayerComparison] = []
    for payer_id in payers:
        results: dict[str, TreatmentResult] = {}
        name = payer_id
        for treatment in TREATMENTS:
            if not registry.find_ids(payer_id, [treatment]):
                results[treatment] = TreatmentResult(treatment, "no_rule_set")
                continue
            report = check_case(case, registry, payer_id, treatment, as_of)[0]
            name = report.rule_set.payer_name
            results[treatment] = _result(report)
        out.append(PayerComparison(payer_id, name, results["tms"], results["spravato"]))
    elsewhere: list[Elsewhere] = []
    if len(out) == 1:
        missing = [r.treatment for r in out[0].results if r.status == "no_rule_set"]
        for treatment in missing:
            for other in registry.payers():
                if other != out[0].payer and registry.find_ids(other, [treatment]):
                    report = check_case(case, registry, other, treatment, as_of)[0]
                    elsewhere.append(Elsewhere(other, report.rule_set.payer_name, _result(report)))
    return Comparison(case.patient.id, case.request.date.isoformat(), as_of.isoformat() if as_of else None, tuple(out), tuple(elsewhere))
