"""Local rule sets (--rules-dir, PRIORAUTH_RULES_DIR) take precedence over shipped ones."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from priorauth.rules import ENV_RULES_DIR
from tests.helpers import invoke, lines
from tests.rules.conftest import SHIPPED, write


@pytest.fixture()
def local_cigna(tmp_path: Path) -> Path:
    """A clinic's copy of cigna/tms with the same id and effective date, retitled."""
    text = (SHIPPED / "cigna" / "tms.yaml").read_text(encoding="utf-8")
    write(tmp_path / "local" / "cigna" / "tms.yaml", text.replace("title: Transcranial Magnetic Stimulation", "title: Clinic copy of EN0383"))
    return tmp_path / "local"


def _entry(output: str, rule_id: str) -> dict:
    return next(item for item in json.loads(output) if item["id"] == rule_id)


def test_rules_dir_replaces_the_shipped_file(local_cigna: Path) -> None:
    result = invoke("rules", "list", "--rules-dir", str(local_cigna), "--format", "json")
    entry = _entry(result.output, "cigna/tms")
    assert entry["title"] == "Clinic copy of EN0383"
    assert entry["origin"] == "--rules-dir"
    assert entry["path"] == str(local_cigna / "cigna" / "tms.yaml")
    assert entry["overrides"] == [{"path": str(SHIPPED / "cigna" / "tms.yaml"), "origin": "shipped"}]
    # other rule sets still come from the shipped folder
    assert _entry(result.output, "cigna/spravato")["origin"] == "shipped"


def test_text_list_says_where_each_comes_from(local_cigna: Path) -> None:
    out = lines(invoke("rules", "list", "--rules-dir", str(local_cigna)))
    row = next(line for line in out if line.startswith("cigna/tms "))
    assert row.split()[-2:] == ["--rules-dir", str(local_cigna / "cigna" / "tms.yaml")]
    assert f"note: {local_cigna / 'cigna' / 'tms.yaml'} replaces payer_rules/cigna/tms.yaml (shipped): same id and effective date" in out


def test_environment_variable(local_cigna: Path) -> None:
    result = invoke("rules", "list", "--format", "json", env={ENV_RULES_DIR: str(local_cigna)})
    entry = _entry(result.output, "cigna/tms")
    assert (entry["origin"], entry["title"]) == (ENV_RULES_DIR, "Clinic copy of EN0383")


def test_rules_dir_comes_before_the_environment_variable(local_cigna: Path, tmp_path: Path) -> None:
    text = (SHIPPED / "cigna" / "tms.yaml").read_text(encoding="utf-8")
    other = tmp_path / "other"
    write(other / "cigna" / "tms.yaml", text.replace("title: Transcranial Magnetic Stimulation", "title: From the command line"))
    result = invoke("rules", "list", "--format", "json", "--rules-dir", str(other), env={ENV_RULES_DIR: str(local_cigna)})
    entry = _entry(result.output, "cigna/tms")
    assert (entry["origin"], entry["title"]) == ("--rules-dir", "From the command line")
    assert [o["origin"] for o in entry["overrides"]] == [ENV_RULES_DIR, "shipped"]


def test_show_uses_the_local_file(local_cigna: Path) -> None:
    out = lines(invoke("rules", "show", "cigna/tms", "--rules-dir", str(local_cigna)))
    assert "Policy EN0383: Clinic copy of EN0383" in out
    assert f"Rule file: {local_cigna / 'cigna' / 'tms.yaml'} (--rules-dir)" in out


def test_show_uses_the_environment_variable(local_cigna: Path) -> None:
    out = lines(invoke("rules", "show", "cigna/tms", env={ENV_RULES_DIR: str(local_cigna)}))
    assert "Policy EN0383: Clinic copy of EN0383" in out
    assert f"Rule file: {local_cigna / 'cigna' / 'tms.yaml'} ({ENV_RULES_DIR})" in out
