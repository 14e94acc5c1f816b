"""`priorauth rules test` and priorauth.rules.examples: every shipped example passes, mismatches are reported."""

from __future__ import annotations

from pathlib import Path

import pytest

from priorauth.rules import Registry
from priorauth.rules.examples import discover_examples, load_example, run_example
from tests.helpers import ROOT, invoke, lines
from tests.rules.conftest import SHIPPED, acme_example, acme_rule, write

SHIPPED_EXAMPLES = discover_examples(Registry(use_env=False))


@pytest.mark.parametrize("path", SHIPPED_EXAMPLES, ids=lambda p: str(p.relative_to(SHIPPED)))
def test_shipped_example_passes(path: Path) -> None:
    result = run_example(load_example(path), Registry(use_env=False))
    details = [f"{m.field}: expected {m.expected}, got {m.got}" for m in result.mismatches]
    details += [f"{c.status} {c.topic}: {c.message}" for c in result.report.criteria if c.status != "met"]
    assert result.passed, "\n".join(details)


@pytest.mark.parametrize("rule_id", ["medicare/tms", "cigna/tms", "cigna/spravato"])
def test_our_rule_sets_have_an_example_of_every_status(rule_id: str) -> None:
    examples = [load_example(p) for p in SHIPPED_EXAMPLES]
    statuses = {e.expect.status for e in examples if e.rule_set == rule_id}
    assert statuses == {"ready", "incomplete", "not_eligible"}


def test_file_names_follow_the_format() -> None:
    for path in SHIPPED_EXAMPLES:
        example = load_example(path)
        assert path.name.startswith(f"{example.rule_set.split('/')[1]}-{example.expect.status}-"), path


def test_one_rule_set_through_the_command() -> None:
    result = invoke("rules", "test", "cigna/tms")
    n = sum(1 for p in SHIPPED_EXAMPLES if load_example(p).rule_set == "cigna/tms")
    assert (result.exit_code, lines(result)) == (0, [f"{n} passed, 0 failed"])


def test_one_file_and_verbose() -> None:
    rel = "payer_rules/cigna/examples/tms-not_eligible-two-ssris-one-class.yaml"
    result = invoke("rules", "test", rel, "-v")
    assert (result.exit_code, lines(result)) == (0, [f"ok   {rel}  (cigna/tms: not_eligible)", "1 passed, 0 failed"])


def test_a_wrong_expectation_is_a_mismatch(tmp_path: Path) -> None:
    text = (SHIPPED / "cigna" / "examples" / "tms-not_eligible-two-ssris-one-class.yaml").read_text(encoding="utf-8")
    text = text.replace("status: not_eligible", "status: ready").replace("not_met: [medication_trials]", "not_met: []")
    text = text.replace("unknown: []", "unknown: [severity]")
    path = write(tmp_path / "tms-ready-wrong.yaml", text)
    result = invoke("rules", "test", str(tmp_path))
    assert result.exit_code == 1
    out = lines(result)
    assert out[0] == f"FAIL {path}"
    assert out[1] == "  rule set cigna/tms, effective 2026-03-15 (payer_rules/cigna/tms.yaml); judged as of 2026-11-18"
    assert out[3:8] == [
        "  status: expected ready, got not_eligible",
        "  not_met: expected [], got [medication_trials]",
        "  unknown: expected [severity], got []",
        "  the report's gaps:",
        "    [!] medication_trials: Failed antidepressant trials: 2 failed antidepressant trials count, "
        "but from only 1 of the 2 classes required; classes so far: SSRI",
    ]
    assert out[-1] == "0 passed, 1 failed"


def test_missing_documents_mismatch(tmp_path: Path) -> None:
    text = (SHIPPED / "medicare" / "examples" / "tms-incomplete-unscreened-stale-screening.yaml").read_text(encoding="utf-8")
    path = write(tmp_path / "x.yaml", text.replace("missing_documents: [safety_screening]", "missing_documents: []"))
    out = lines(invoke("rules", "test", str(path)))
    assert "  missing_documents: expected [], got [safety_screening]" in out
    assert "    [ ] document safety_screening: stale" in out


def test_invalid_example_points_into_the_example_file(tmp_path: Path) -> None:
    text = acme_example("ready").replace("diagnoses: [{code: F33.2, primary: true}]", "diagnoses: [{code: F33.2, primary: yes please}]")
    path = write(tmp_path / "ex" / "tms-ready-bad.yaml", text)
    write(tmp_path / "ex" / "tms-ready-good.yaml", acme_example("ready"))
    rules = write(tmp_path / "rules" / "acme" / "tms.yaml", acme_rule())
    result = invoke("rules", "test", str(tmp_path / "ex"), "--rules-dir", str(rules.parent.parent))
    assert result.exit_code == 2
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "yes please" in t)
    assert lines(result) == [
        f"error: {path}:{line}: case.diagnoses[0].primary: input should be a valid boolean, unable to interpret input",
        "1 passed, 0 failed, 1 invalid",
    ]


def test_unknown_rule_set_in_an_example(tmp_path: Path) -> None:
    path = write(tmp_path / "tms-ready-x.yaml", acme_example("ready", rule_set="cgna/tms"))
    result = invoke("rules", "test", str(path))
    assert result.exit_code == 2
    assert lines(result)[0] == f"error: {path}:1: rule_set: no rule set 'cgna/tms' is known here (did you mean 'cigna/tms'? pass --rules-dir for a rule set of your own)"


def test_examples_are_judged_by_the_version_in_force(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    write(rules / "acme" / "tms-2024.yaml", acme_rule("2024-01-01", ends="2025-12-31"))
    write(rules / "acme" / "tms.yaml", acme_rule("2026-01-01", age=21))
    # 19 years old on 2026-11-18: the 2026 version asks for 21, the 2024 one for 18
    write(rules / "acme" / "examples" / "tms-not_eligible-age.yaml", acme_example("not_eligible", birth="2007-05-01", not_met="[age]"))
    write(rules / "acme" / "examples" / "tms-ready-as-of.yaml", acme_example("ready", birth="2007-05-01", as_of="2025-06-01"))
    result = invoke("rules", "test", "acme/tms", "--rules-dir", str(rules), "-v")
    assert result.exit_code == 0, result.output
    assert lines(result)[-1] == "2 passed, 0 failed"


@pytest.mark.slow
def test_all_examples_of_every_folder(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    write(rules / "acme" / "tms.yaml", acme_rule())
    write(rules / "acme" / "examples" / "tms-ready-adult.yaml", acme_example("ready"))
    result = invoke("rules", "test", "--rules-dir", str(rules))
    n = len(SHIPPED_EXAMPLES) + 1
    assert (result.exit_code, lines(result)[-1]) == (0, f"{n} passed, 0 failed")


def test_unknown_target() -> None:
    result = invoke("rules", "test", "cigna/tsm")
    assert result.exit_code == 2
    assert lines(result) == [
        "error: 'cigna/tsm' is neither a rule-set id known here nor an example file or folder",
        "  hint: did you mean 'cigna/tms'? see `priorauth rules list`",
    ]


def test_shipped_examples_are_not_loaded_as_rules() -> None:
    ids = Registry(use_env=False).ids()
    assert all("examples" not in rule_id for rule_id in ids)
    assert (ROOT / "payer_rules" / "cigna" / "examples").is_dir()
