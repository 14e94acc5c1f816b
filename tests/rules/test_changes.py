"""`priorauth rules diff` and `priorauth check --explain-changes`: what changed between two
dated versions of a rule set, and whether it changes a case's status."""

from __future__ import annotations

from pathlib import Path

import yaml

from tests.helpers import invoke, lines
from tests.rules.conftest import SHIPPED

TEXAS = SHIPPED / "texas-medicaid" / "examples"


def test_diff_defaults_to_the_newest_version_and_the_one_before() -> None:
    result = invoke("rules", "diff", "texas-medicaid/spravato")
    assert result.exit_code == 0
    out = lines(result)
    assert out[0] == "texas-medicaid/spravato: what changed from the version effective 2025-05-01 to 2025-09-30 to the version effective 2025-10-01"
    block = out[out.index("Changed criterion (diagnosis):") :][:6]
    assert block[1] == "  codes accepted, added: F32.3"
    assert block[2].startswith("  before: The primary diagnosis is one of F32.0, F32.1, F32.2, F32.4,")
    assert block[4].startswith("  after:  The primary diagnosis is one of F32.0, F32.1, F32.2, F32.3, F32.4,")
    assert "  - Procedure codes: S0013 -> J0013" in out
    assert out[-1] == "Unchanged: 10 criteria."


def test_diff_between_the_versions_in_force_on_two_dates() -> None:
    out = lines(invoke("rules", "diff", "texas-medicaid/spravato", "--from", "2024-06-01", "--to", "2025-06-01"))
    assert out[0] == "texas-medicaid/spravato: what changed from the version effective 2021-01-01 to 2025-04-30 to the version effective 2025-05-01 to 2025-09-30"
    assert out[out.index("Added criterion (oral-antidepressant-mdsi):") + 1 :][:2] == [
        "  after:  An oral antidepressant continues alongside Spravato.",
        "          Applies to: MDSI only.",
    ]
    assert out[out.index("Removed criterion (oral-antidepressant):") + 1] == "  before: An oral antidepressant continues alongside Spravato."
    # the dates may be given in either order
    assert lines(invoke("rules", "diff", "texas-medicaid/spravato", "--from", "2025-06-01", "--to", "2024-06-01")) == out


def test_diff_needs_two_versions() -> None:
    result = invoke("rules", "diff", "cigna/tms")
    assert (result.exit_code, lines(result)[0]) == (2, "error: cigna/tms has one version only (effective 2026-03-15): there is nothing to compare")
    same = invoke("rules", "diff", "texas-medicaid/spravato", "--from", "2025-10-02", "--to", "2026-01-01")
    assert (same.exit_code, lines(same)[0]) == (2, "error: texas-medicaid/spravato: the same version (effective 2025-10-01) is in force on both dates")


def _case(tmp_path: Path, example: str) -> Path:
    data = yaml.safe_load((TEXAS / example).read_text(encoding="utf-8"))["case"]
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_explain_changes_says_when_the_previous_version_judges_differently(tmp_path: Path) -> None:
    case = _case(tmp_path, "spravato-not_eligible-as-of-2024-needs-oral-antidepressant.yaml")
    _, out, _ = invoke("check", str(case), "--explain-changes", "--as-of", "2025-06-01")
    assert (
        "  note: Changes: this case is ready under the version in force (effective 2025-05-01 to\n"
        "  2025-09-30), but would have been not eligible under the previous version (effective 2021-01-01\n"
        "  to 2025-04-30). What changed for this case: Oral antidepressant alongside Spravato (no longer\n"
        "  a criterion; was not met).\n"
    ) in out
    _, out, _ = invoke("check", str(case), "--explain-changes")
    assert "  note: Changes: under the previous version (effective 2025-05-01 to 2025-09-30) this case would\n  also be ready.\n" in out
    _, plain, _ = invoke("check", str(case))
    assert "Changes:" not in plain


def test_explain_changes_for_a_rule_set_with_one_version() -> None:
    _, out, _ = invoke("check", str(SHIPPED.parent / "samples" / "cigna-tms-ready.yaml"), "--explain-changes", "--format", "json")
    assert '"Changes: no earlier version of cigna/tms is known, so there is nothing to compare."' in out
