"""The corpus of broken files: each gives exactly its expected message, exit 2, no traceback.

Adding a case means adding two files: ``corpus/cases/<name>.<ext>`` and
``<name>.<ext>.expected`` (the exact stderr, with ``{file}`` for the path). Rule files
live in ``corpus/rules/`` and go through `rules validate` and `check --rules-dir`.
Values planted in the files (see util.CANARIES) must never be shown.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import pytest
import yaml

from tests.hardening.util import CASE_CORPUS, READY_TMS, RULE_CORPUS, assert_clean_error, assert_no_canary, assert_no_traceback
from tests.helpers import invoke

CASES = sorted(p for p in CASE_CORPUS.iterdir() if p.suffix != ".expected")
RULES = sorted(RULE_CORPUS.glob("*.yaml"))


def expected(path: Path) -> str:
    return path.with_name(path.name + ".expected").read_text(encoding="utf-8").replace("{file}", str(path))


def assert_message(actual: str, wanted: str) -> None:
    # The expected syntax messages are libyaml's; PyYAML's own parser words them differently.
    if not yaml.__with_libyaml__ and "not valid YAML:" in wanted:
        wanted = wanted.split("not valid YAML:")[0]
        assert actual.startswith(wanted), actual
    else:
        assert actual == wanted


def test_every_corpus_file_has_its_expected_message() -> None:
    for folder in (CASE_CORPUS, RULE_CORPUS):
        names = {p.name for p in folder.iterdir()}
        for name in names:
            if name.endswith(".expected"):
                assert name.removesuffix(".expected") in names, f"{name} describes no file"
            else:
                assert name + ".expected" in names, f"{name} has no .expected file"


@pytest.mark.parametrize("path", CASES, ids=[p.name for p in CASES])
def test_check_gives_the_expected_message(path: Path) -> None:
    start = time.monotonic()
    result = invoke("check", path)
    assert time.monotonic() - start < 5
    assert_clean_error(result)
    assert_message(result.stderr, expected(path))
    assert_no_canary(result.stderr)


@pytest.mark.parametrize("command", ["letter", "checklist", "compare"])
def test_other_case_commands_give_the_same_message(command: str, tmp_path: Path) -> None:
    for path in CASES:
        args = [command, path] + (["-o", tmp_path] if command != "compare" else [])
        result = invoke(*args)
        assert_clean_error(result)
        assert_message(result.stderr, expected(path))
    assert list(tmp_path.iterdir()) == []  # nothing written for a bad case


@pytest.mark.parametrize("path", RULES, ids=[p.name for p in RULES])
def test_rules_validate_gives_the_expected_message(path: Path) -> None:
    result = invoke("rules", "validate", path)
    assert_no_traceback(result)
    assert result.exit_code == 2
    assert_message(result.stderr, expected(path))  # errors go to stderr; the "ok" lines to stdout


@pytest.mark.parametrize("path", RULES, ids=[p.name for p in RULES])
def test_check_with_a_broken_rules_dir(path: Path, tmp_path: Path) -> None:
    rule = tmp_path / "cigna" / "tms.yaml"
    rule.parent.mkdir()
    shutil.copyfile(path, rule)
    result = invoke("check", READY_TMS, "--rules-dir", tmp_path)
    assert_clean_error(result)
    assert_message(result.stderr, expected(path).replace(str(path), str(rule)))


def test_no_file_asked_the_loader_to_run_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the payloads would write "pwned" / "PWNED" here
    for path in CASES:
        invoke("check", path)
    for path in RULES:
        invoke("rules", "validate", path)
    assert list(tmp_path.iterdir()) == []


def test_batch_turns_every_corpus_file_into_one_error_row(tmp_path: Path) -> None:
    pytest.importorskip("priorauth.cli.batch")
    import json

    cases = tmp_path / "cases"
    shutil.copytree(CASE_CORPUS, cases, ignore=shutil.ignore_patterns("*.expected"))
    out = tmp_path / "out"
    result = invoke("batch", cases, "-o", out, "--jobs", "1")
    assert_no_traceback(result)
    assert result.exit_code == 2
    rows = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    batchable = [p for p in CASES if p.suffix in (".yaml", ".yml", ".json")]
    assert len(rows) == len(batchable)
    assert {r["status"] for r in rows} == {"error"}
    for r in rows:
        assert "unexpected internal error" not in r["error"], r
    assert_no_canary(result.output, (out / "summary.json").read_text(encoding="utf-8"), (out / "summary.csv").read_text(encoding="utf-8"))
