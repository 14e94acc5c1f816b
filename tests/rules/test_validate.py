"""`priorauth rules validate`: ok lines, located errors with suggestions, exit codes, no tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from tests.helpers import invoke, lines
from tests.rules.conftest import SHIPPED, acme_example, acme_rule, write

CIGNA_TMS = SHIPPED / "cigna" / "tms.yaml"


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def _variant(tmp_path: Path, name: str, old: str, new: str) -> tuple[Path, str]:
    text = CIGNA_TMS.read_text(encoding="utf-8")
    assert old in text
    text = text.replace(old, new, 1)
    return write(tmp_path / name, text), text


def test_valid_file() -> None:
    result = invoke("rules", "validate", "payer_rules/cigna/tms.yaml")
    assert (result.exit_code, lines(result)) == (0, ["ok  payer_rules/cigna/tms.yaml  (cigna/tms, effective 2026-03-15)"])


def test_dated_version_shows_its_end(tmp_path: Path) -> None:
    path = write(tmp_path / "acme" / "tms-2024.yaml", acme_rule("2024-01-01", ends="2025-12-31"))
    assert lines(invoke("rules", "validate", str(path))) == [f"ok  {path}  (acme/tms, effective 2024-01-01 to 2025-12-31)"]


def test_misspelled_key_has_line_and_suggestion(tmp_path: Path) -> None:
    path, text = _variant(tmp_path, "key.yaml", "    min_weeks: 4\n", "    min_wekes: 4\n")
    result = invoke("rules", "validate", str(path))
    assert result.exit_code == 2
    line = _line_of(text, "min_wekes")
    assert lines(result) == [f"error: {path}:{line}: criteria[4].min_wekes: unknown key 'min_wekes' (did you mean 'min_weeks'?)"]


def test_misspelled_top_level_key(tmp_path: Path) -> None:
    path, text = _variant(tmp_path, "top.yaml", "payer_name:", "payer_nmae:")
    out = lines(invoke("rules", "validate", str(path)))
    assert f"  {path}:{_line_of(text, 'payer_nmae')}: payer_nmae: unknown key 'payer_nmae' (did you mean 'payer_name'?)" in out


def test_misspelled_kind_has_suggestion(tmp_path: Path) -> None:
    path, text = _variant(tmp_path, "kind.yaml", "kind: failed_trials", "kind: failed_trial")
    result = invoke("rules", "validate", str(path))
    assert result.exit_code == 2
    (message,) = lines(result)
    assert message.startswith(f"error: {path}:{_line_of(text, 'kind: failed_trial')}: criteria[4].kind: unknown kind; expected one of 'age', ")
    assert message.endswith(" (did you mean 'failed_trials'?)")


def test_misspelled_kind_inside_a_combinator(tmp_path: Path) -> None:
    text = acme_rule().replace(
        "  - id: age\n    kind: age\n    min: 18\n",
        "  - id: either\n    kind: any_of\n    criteria:\n      - {id: a, kind: age, min: 18}\n      - {id: e, kind: etc, statuses: [current]}\n",
    )
    path = write(tmp_path / "acme" / "tms.yaml", text)
    (message,) = lines(invoke("rules", "validate", str(path)))
    assert message.startswith(f"error: {path}:{_line_of(text, 'kind: etc')}: criteria[0].criteria[1].kind: unknown kind;")
    assert message.endswith("(did you mean 'ect'?)")


def test_duplicate_key(tmp_path: Path) -> None:
    path, text = _variant(tmp_path, "dup.yaml", "evidence: secondary\n", "evidence: secondary\nevidence: primary\n")
    result = invoke("rules", "validate", str(path))
    assert result.exit_code == 2
    first = _line_of(text, "evidence: secondary")
    assert lines(result) == [f"error: {path}:{first + 1}: duplicate key 'evidence' (first on line {first}) (keep one of them)"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("list.yaml", "- id: acme/tms\n", ":1: the top level is a list; a rule file must be a mapping of keys to values"),
        ("scalar.yaml", "just words\n", ":1: the top level is a single value; a rule file must be a mapping of keys to values"),
        ("empty.yaml", "", ": the file is empty (a rule file is a YAML or JSON mapping)"),
        ("bad.yaml", "id: [unclosed\n", ":2: not valid YAML: "),
        ("bad.json", '{"id": "acme/tms",}', ":1: not valid JSON: "),
    ],
)
def test_files_that_are_not_rule_files(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = write(tmp_path / name, content)
    result = invoke("rules", "validate", str(path))
    assert result.exit_code == 2
    assert result.output.startswith(f"error: {path}{message}")
    assert "Traceback" not in result.output


def test_folder_and_missing_file(tmp_path: Path) -> None:
    result = invoke("rules", "validate", str(tmp_path), str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    out = lines(result)
    # the loader's hint wording may change; the located message is what matters here
    assert out[0].startswith(f"error: {tmp_path}: is a folder, not a rule file")
    assert out[1:] == [f"error: {tmp_path / 'nope.yaml'}: file not found (check the path)", "0 valid, 2 invalid"]


def test_json_rule_file(tmp_path: Path) -> None:
    data = yaml.safe_load(CIGNA_TMS.read_text(encoding="utf-8"))
    data["effective"] = str(data["effective"])
    data["checked"] = str(data["checked"])
    path = write(tmp_path / "tms.json", json.dumps(data, indent=2))
    assert lines(invoke("rules", "validate", str(path))) == [f"ok  {path}  (cigna/tms, effective 2026-03-15)"]


def test_every_file_is_reported_and_the_exit_code_is_2(tmp_path: Path) -> None:
    bad, _ = _variant(tmp_path, "bad.yaml", "kind: severity", "kind: severty")
    result = invoke("rules", "validate", "payer_rules/cigna/tms.yaml", str(bad), "payer_rules/medicare/tms.yaml")
    assert result.exit_code == 2
    out = lines(result)
    assert out[0] == "ok  payer_rules/cigna/tms.yaml  (cigna/tms, effective 2026-03-15)"
    assert out[1].startswith(f"error: {bad}:")
    assert out[2:] == ["ok  payer_rules/medicare/tms.yaml  (medicare/tms, effective 2022-12-11)", "2 valid, 1 invalid"]


def test_overlapping_versions_given_together(tmp_path: Path) -> None:
    old = write(tmp_path / "acme" / "tms-2024.yaml", acme_rule("2024-01-01"))
    new = write(tmp_path / "acme" / "tms.yaml", acme_rule("2026-01-01"))
    result = invoke("rules", "validate", str(old), str(new))
    assert result.exit_code == 2
    assert lines(result)[2:] == [
        f"error: {new}: acme/tms effective 2026-01-01 overlaps {old} (effective 2024-01-01): both in force on 2026-01-01 "
        "(give the older version an `ends` date before the newer one's `effective`)",
        "1 valid, 1 invalid",
    ]
    write(old, acme_rule("2024-01-01", ends="2025-12-31"))
    assert invoke("rules", "validate", str(old), str(new)).exit_code == 0


def test_example_files_are_validated_as_examples(tmp_path: Path) -> None:
    good = write(tmp_path / "tms-ready-x.yaml", acme_example("ready"))
    text = acme_example("ready").replace("date: 2026-11-18", "date: 2026-02-30")
    bad = write(tmp_path / "tms-ready-y.yaml", text)
    result = invoke("rules", "validate", str(good), str(bad))
    assert lines(result) == [
        f"ok  {good}  (example of acme/tms, expects ready)",
        f"error: {bad}:{_line_of(text, '2026-02-30')}: case.request.date: is not a real calendar date (check the day and month)",
        "1 valid, 1 invalid",
    ]


def test_validation_result_keeps_every_finding_in_order(tmp_path: Path) -> None:
    # The library decides validity and the exit code; the command only prints this.
    from priorauth.errors import RuleFileError, UsageError
    from priorauth.rules.validate import Invalid, Valid, validate_files

    old = write(tmp_path / "acme" / "tms-2024.yaml", acme_rule("2024-01-01"))
    new = write(tmp_path / "acme" / "tms.yaml", acme_rule("2026-01-01"))
    broken = write(tmp_path / "broken.yaml", acme_rule().replace("payer_name:", "payer_nmae:"))
    example = write(tmp_path / "tms-ready-x.yaml", acme_example("ready"))
    result = validate_files([str(old), str(broken), str(new), str(example)])
    assert [(type(f).__name__, f.file) for f in result.findings] == [
        ("Valid", str(old)),
        ("Invalid", str(broken)),
        ("Valid", str(new)),
        ("Valid", str(example)),
        ("Invalid", str(new)),  # overlaps the 2024 version: found once every file is read
    ]
    assert [f.what for f in result.findings if isinstance(f, Valid)] == ["acme/tms, effective 2024-01-01", "acme/tms, effective 2026-01-01", "example of acme/tms, expects ready"]
    errors = [f.error for f in result.findings if isinstance(f, Invalid)]
    assert isinstance(errors[0], RuleFileError) and isinstance(errors[1], UsageError)
    assert (result.files, result.valid, result.invalid, result.exit_code) == (4, 2, {str(broken), str(new)}, 2)
    # the 2024 version checked alone still overlaps the version beside it
    assert validate_files([str(old), str(example)]).exit_code == 2
    new.unlink()
    assert validate_files([str(old), str(example)]).exit_code == 0
