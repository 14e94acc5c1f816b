"""Whole outputs against golden files: the text and markdown reports of every sample and of
example cases with criteria not met and not documented, the JSON report, and `rules show`
of every shipped rule set. Regenerate after a reviewed change: `python -m pytest tests/cli
--update-golden` (docs/testing.md)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from priorauth.resources import data_dir
from priorauth.rules import Registry, RuleSource
from tests.golden import GOLDEN, check_golden
from tests.helpers import ROOT, SAMPLES, invoke

FORMATS = {"text": "txt", "markdown": "md"}
EXIT = {"ready": 0, "not_eligible": 1, "incomplete": 1}

# Example cases whose reports show what the samples do not: criteria not met, criteria
# not documented, documents missing, and an earlier version chosen by --as-of.
EXAMPLES = [
    "aetna/examples/tms-not_eligible-episode-over-5-years-active-sud.yaml",
    "bcbsma/examples/spravato-not_eligible-three-trials-low-hamd.yaml",
    "carefirst/examples/spravato-incomplete-augmentation-dose-and-substance-use-undocumented.yaml",
    "cigna/examples/tms-incomplete-no-scale-old-therapy-notes.yaml",
    "texas-medicaid/examples/spravato-not_eligible-as-of-2024-needs-oral-antidepressant.yaml",
]


def _example_case(example: Path, folder: Path) -> tuple[Path, list[str], str]:
    """The `case:` part of an example file as a case file of its own (kept as typed), the
    options that give the example's rule set and date, and the expected status."""
    text = example.read_text(encoding="utf-8")
    head, body = text.split("\ncase:\n", 1)
    header = yaml.safe_load(head)
    case = folder / example.name
    case.write_text(textwrap.dedent(body), encoding="utf-8")
    options = ["--as-of", header["as_of"].isoformat()] if header.get("as_of") else []
    return case, options, header["expect"]["status"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.yaml")))
def test_sample_report(request: pytest.FixtureRequest, sample: str, fmt: str) -> None:
    code, out, err = invoke("check", SAMPLES / sample, "--format", fmt)
    assert err == ""
    assert code == (0 if "-ready" in sample else 1)  # the file name says the status
    check_golden(request, out, GOLDEN / "reports" / f"{Path(sample).stem}.{FORMATS[fmt]}")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.replace("/examples/", "/").removesuffix(".yaml"))
def test_example_report(request: pytest.FixtureRequest, tmp_path: Path, example: str, fmt: str) -> None:
    case, options, status = _example_case(ROOT / "payer_rules" / example, tmp_path)
    code, out, err = invoke("check", case, *options, "--format", fmt)
    assert err == ""
    assert code == EXIT[status]
    check_golden(request, out, GOLDEN / "reports" / f"{example.split('/')[0]}-{Path(example).stem}.{FORMATS[fmt]}")


def test_json_report(request: pytest.FixtureRequest) -> None:
    code, out, err = invoke("check", SAMPLES / "cigna-tms-not-eligible.yaml", "--format", "json")
    assert (code, err) == (1, "")
    check_golden(request, out, GOLDEN / "cigna-tms-not-eligible.json")


SHIPPED: list[RuleSource] = Registry(use_env=False).sources()


@pytest.mark.parametrize("source", SHIPPED, ids=lambda s: f"{s.rule_set.id}@{s.rule_set.effective or 'unpublished'}")
def test_rules_show(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, source: RuleSource) -> None:
    monkeypatch.delenv("PRIORAUTH_RULES_DIR", raising=False)
    rs = source.rule_set
    code, out, err = invoke("rules", "show", rs.id, "--as-of", str(rs.effective or rs.checked))  # a rule set without effective has checked
    assert (code, err) == (0, "")
    # the shipped folder is inside the checkout or inside site-packages: not part of the golden text
    out = out.replace(str(data_dir("payer_rules")), "<shipped payer_rules>")
    check_golden(request, out, GOLDEN / "rules-show" / f"{rs.id.replace('/', '-')}@{rs.effective or 'unpublished'}.txt")
