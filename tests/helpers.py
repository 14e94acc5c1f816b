"""Builders for tests: a minimal valid case, and a rule set around one criterion."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, NamedTuple

from priorauth.case import Case
from priorauth.engine import evaluate
from priorauth.report import CriterionResult, Report
from priorauth.rules import RuleSource
from priorauth.rules.model import RuleSet

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"

BASE_CASE: dict[str, Any] = {
    "patient": {"id": "T-1", "given_name": "Test", "family_name": "Patient", "birth_date": "1980-01-01"},
    "coverage": {"payer": "cigna", "member_id": "M1"},
    "request": {"treatment": "tms", "date": "2026-11-18"},
    "prescriber": {"name": "Dr Test", "npi": "1234567893"},
    "diagnoses": [{"code": "F33.2", "primary": True}],
    "episode": {"current_start": "2025-01-01"},
}


class _Outcome(NamedTuple):
    exit_code: int
    stdout: str
    stderr: str


class Run(_Outcome):
    """What one command did: a tuple (exit_code, stdout, stderr), also by name, so both
    `code, out, err = invoke(...)` and `result.stderr` read well; `output` is stdout and
    stderr interleaved, the way a terminal shows them."""

    output: str


def invoke(*args: str | Path, env: dict[str, str] | None = None, input: str | None = None) -> Run:
    """The one way tests run the CLI: `priorauth ARGS...` in this process, through Click's runner.

    Arguments may be paths; `env` adds to the environment, `input` is typed on stdin. An
    exception that escapes the command (a crash, not an exit) fails the test loudly with its
    own traceback; exit statuses, including 3 for an internal error, come back in the result.
    """
    from click.testing import CliRunner

    from priorauth.cli import main

    result = CliRunner().invoke(main, [str(a) for a in args], env=env, input=input)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    run = Run(result.exit_code, result.stdout, result.stderr)
    run.output = result.output
    return run


def lines(result: Run) -> list[str]:
    """The lines a terminal shows for RESULT (stdout and stderr together)."""
    return result.output.splitlines()


def make_case(**sections: Any) -> Case:
    """A valid case; keyword arguments replace (or, for dicts, update) whole sections."""
    data = copy.deepcopy(BASE_CASE)
    for key, value in sections.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key].update(value)
        else:
            data[key] = value
    return Case.model_validate(data)


def med(drug: str, start: str, end: str | None, dose: float | None, outcome: str | None = "inadequate_response", **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"drug": drug, "start": start, "outcome": outcome}
    if end is not None:
        out["end"] = end
    if dose is not None:
        out["max_daily_dose_mg"] = dose
    out.update(extra)
    return out


def rule_set(*criteria: dict[str, Any], treatment: str = "tms", documents: list[dict[str, Any]] | None = None) -> RuleSet:
    return RuleSet.model_validate(
        {
            "id": f"test/{treatment}",
            "payer": "test",
            "payer_name": "Test Payer",
            "treatment": treatment,
            "policy": "T-1",
            "title": "Test policy",
            "effective": "2020-01-01",
            "evidence": "primary",
            "source": "unit test",
            "criteria": list(criteria),
            "documents": documents or [],
        }
    )


def report_for(case: Case, *criteria: dict[str, Any], treatment: str = "tms", documents: list[dict[str, Any]] | None = None) -> Report:
    rs = rule_set(*criteria, treatment=treatment, documents=documents)
    return evaluate(case, RuleSource(rs, Path("test.yaml"), "test"))


def judge(criterion: dict[str, Any], case: Case, treatment: str = "tms") -> CriterionResult:
    criterion = {"id": "c", **criterion}
    results = report_for(case, criterion, treatment=treatment).criteria
    assert len(results) == 1, "criterion did not apply"
    return results[0]
