"""Dated versions of a rule set: the one in force on request.date (or --as-of) is used,
and the boundaries (effective and ends are both inclusive) fall on the right side."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from priorauth.rules import Registry
from tests.helpers import ROOT, invoke

EXAMPLE = ROOT / "payer_rules" / "texas-medicaid" / "examples" / "spravato-ready-postpartum-f53-0-from-2025-05-01.yaml"


@pytest.mark.parametrize(
    ("day", "effective"),
    [
        ("2021-01-01", "2021-01-01"),
        ("2025-04-30", "2021-01-01"),
        ("2025-05-01", "2025-05-01"),
        ("2025-09-30", "2025-05-01"),
        ("2025-10-01", "2025-10-01"),
        ("2026-11-18", "2025-10-01"),
    ],
)
def test_version_in_force_at_the_boundaries(day: str, effective: str) -> None:
    source, warning = Registry(use_env=False).resolve("texas-medicaid/spravato", dt.date.fromisoformat(day))
    assert source.rule_set.effective.isoformat() == effective
    assert warning is None


def test_before_the_first_version_uses_it_with_a_note() -> None:
    source, warning = Registry(use_env=False).resolve("texas-medicaid/spravato", dt.date(2020, 12, 31))
    assert source.rule_set.effective == dt.date(2021, 1, 1)
    assert warning == "texas-medicaid/spravato as known here took effect on 2021-01-01, after 2020-12-31; it is applied anyway"


def _check(case: Path, *extra: str) -> dict:
    result = invoke("check", str(case), "--format", "json", *extra)
    assert result.exit_code in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_request_date_and_as_of_pick_the_version(tmp_path: Path) -> None:
    data = yaml.safe_load(EXAMPLE.read_text())["case"]
    data["diagnoses"] = [{"code": "F53.0", "primary": True}]  # accepted from 2025-05-01 only
    case = tmp_path / "case.yaml"
    case.write_text(yaml.safe_dump(data))
    request_date = str(data["request"]["date"])
    report = _check(case)
    assert report["rule_set"]["effective"] == "2025-05-01"  # the example is dated mid-2025
    assert report["as_of"] == request_date
    assert {c["status"] for c in report["criteria"] if c["topic"] == "diagnosis"} == {"met"}
    old = _check(case, "--as-of", "2025-04-30")
    assert (old["rule_set"]["effective"], old["rule_set"]["ends"]) == ("2021-01-01", "2025-04-30")
    assert old["request"]["date"] == request_date  # --as-of never changes request.date
    assert "not_met" in {c["status"] for c in old["criteria"] if c["topic"] == "diagnosis"}
    assert _check(case, "--as-of", "2025-10-01")["rule_set"]["effective"] == "2025-10-01"
