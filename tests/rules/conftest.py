"""Fixtures for the `priorauth rules` tests: a clean environment and rule files to write."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from priorauth.rules import ENV_RULES_DIR
from tests.helpers import ROOT

SHIPPED = ROOT / "payer_rules"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # a developer's own PRIORAUTH_RULES_DIR must not leak into the expected output
    monkeypatch.delenv(ENV_RULES_DIR, raising=False)
    monkeypatch.chdir(ROOT)
    yield


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


RULE_HEAD = """\
id: acme/tms
payer: acme
payer_name: Acme Health
treatment: tms
policy: ACME-1
title: Acme TMS policy
effective: {effective}
{ends}evidence: primary
source: unit test
criteria:
  - id: age
    kind: age
    min: {age}
"""


def acme_rule(effective: str = "2026-01-01", age: int = 18, ends: str | None = None, title: str | None = None) -> str:
    text = RULE_HEAD.format(effective=effective, age=age, ends=f"ends: {ends}\n" if ends else "")
    if title:
        text = text.replace("title: Acme TMS policy", f"title: {title}")
    return text


CASE = """\
case:
  patient: {{id: EX-1, given_name: Test, family_name: Example, birth_date: {birth}}}
  coverage: {{payer: acme, member_id: M1}}
  request: {{treatment: tms, date: 2026-11-18}}
  prescriber: {{name: Dr Example, npi: "1234567893"}}
  diagnoses: [{{code: F33.2, primary: true}}]
"""


def acme_example(status: str, birth: str = "1980-01-01", as_of: str | None = None, not_met: str = "[]", rule_set: str = "acme/tms") -> str:
    head = f"rule_set: {rule_set}\ndescription: test example\n" + (f"as_of: {as_of}\n" if as_of else "")
    head += f"expect:\n  status: {status}\n  not_met: {not_met}\n  unknown: []\n"
    return head + CASE.format(birth=birth)
