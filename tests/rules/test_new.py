"""`priorauth rules new`: a skeleton whose TODOs `rules validate` refuses line by line, that
passes its own example once they are filled in, and is never overwritten silently."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from priorauth.rules import load_rule_file
from priorauth.rules.skeleton import skeleton_rule_file
from tests.helpers import invoke, lines


@pytest.mark.parametrize("treatment", ["tms", "spravato"])
def test_skeleton_fails_until_its_todos_are_filled_then_its_example_passes(tmp_path: Path, treatment: str) -> None:
    out_dir = tmp_path / "my_rules"
    result = invoke("rules", "new", "acme-health", treatment, "-o", str(out_dir))
    assert result.exit_code == 0, result.output
    rule_file = out_dir / "acme-health" / f"{treatment}.yaml"
    example = out_dir / "acme-health" / "examples" / f"{treatment}-ready-example.yaml"
    assert lines(result)[:3] == [f"wrote {rule_file}", f"wrote {example}", "next: edit every TODO (docs/rules.md explains each field), then run"]
    text = rule_file.read_text(encoding="utf-8")
    refused = invoke("rules", "validate", str(rule_file))
    assert refused.exit_code == 2
    todo_lines = [i for i, line in enumerate(text.splitlines(), 1) if re.search(r'^\s*(- )?"?TODO|: "TODO', line)]
    reported = lines(refused)[1:]
    assert len(reported) == len(todo_lines) > 0
    for number, line in zip(todo_lines, reported, strict=True):
        assert line.startswith(f"  {rule_file}:{number}: ") and line.endswith(
            ": still holds the skeleton's TODO placeholder (replace it with what the source says; docs/rules.md explains each field)"
        )
    # the author fills in every placeholder with what the source says
    rule_file.write_text(re.sub(r'"TODO[^"]*"', '"read in the Acme policy"', text), encoding="utf-8")
    rs = load_rule_file(rule_file)
    assert (rs.id, rs.payer_name, rs.effective, rs.checked) == (f"acme-health/{treatment}", "Acme Health", None, dt.date.today())
    validated = invoke("rules", "validate", str(rule_file), str(example))
    assert validated.exit_code == 0, validated.output
    tested = invoke("rules", "test", f"acme-health/{treatment}", "--rules-dir", str(out_dir))
    assert (tested.exit_code, lines(tested)) == (0, ["1 passed, 0 failed"])


def test_skeleton_explains_every_metadata_field() -> None:
    text = skeleton_rule_file("acme", "tms", dt.date(2026, 11, 18))
    for field in ("id:", "payer:", "payer_name:", "treatment:", "policy:", "title:", "url:", "effective:", "checked:", "# ends:", "evidence:",
                  "evidence_note:", "source:", "notes:", "report_notes:", "codes:", "limits:"):
        line = next(t for t in text.splitlines() if t.startswith(field))
        assert "#" in line.removeprefix("# "), f"{field} has no comment"
    assert "\ncriteria:\n" in text and "\ndocuments:\n" in text
    for kind in ("age", "diagnosis", "failed_trials", "severity", "contraindication", "prescriber", "sessions"):
        assert f"kind: {kind}\n" in text


def test_default_folder_is_payer_rules_of_the_current_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = invoke("rules", "new", "acme", "spravato")
    assert result.exit_code == 0
    assert lines(result)[:2] == ["wrote payer_rules/acme/spravato.yaml", "wrote payer_rules/acme/examples/spravato-ready-example.yaml"]
    assert lines(result)[-1] == "  priorauth rules test acme/spravato --rules-dir payer_rules"
    assert (tmp_path / "payer_rules" / "acme" / "spravato.yaml").is_file()


def test_never_overwrites_without_force(tmp_path: Path) -> None:
    assert invoke("rules", "new", "acme", "tms", "-o", str(tmp_path)).exit_code == 0
    rule_file = tmp_path / "acme" / "tms.yaml"
    rule_file.write_text("# my edits\n", encoding="utf-8")
    example = tmp_path / "acme" / "examples" / "tms-ready-example.yaml"
    again = invoke("rules", "new", "acme", "tms", "-o", str(tmp_path))
    assert again.exit_code == 2
    assert lines(again) == [f"error: {rule_file}, {example} already exist", "  hint: pass --force to overwrite, or pick another -o folder"]
    assert rule_file.read_text(encoding="utf-8") == "# my edits\n"
    forced = invoke("rules", "new", "acme", "tms", "-o", str(tmp_path), "--force")
    assert forced.exit_code == 0
    assert rule_file.read_text(encoding="utf-8").startswith("# Acme: TMS rule set")


def test_bad_payer_id(tmp_path: Path) -> None:
    result = invoke("rules", "new", "Acme Health", "tms", "-o", str(tmp_path))
    assert result.exit_code == 2
    assert lines(result) == ["error: payer id 'Acme Health' must be lower-case letters, digits and dashes", "  hint: for example: aetna, florida-blue"]
    assert not any(tmp_path.iterdir())


def test_bad_treatment() -> None:
    result = invoke("rules", "new", "acme", "ect")
    assert result.exit_code == 2
    assert "Invalid value for '{tms|spravato}'" in result.output
