"""Every `rules` subcommand has help with examples, is registered, and appears in docs/rules.md."""

from __future__ import annotations

import pytest

from priorauth.rules.model import KINDS
from tests.helpers import ROOT, invoke, lines

SUBCOMMANDS = ["list", "show", "validate", "test", "new"]
DOCS = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")


def test_rules_is_a_top_level_command() -> None:
    out = lines(invoke("--help"))
    assert any(line.split() == ["rules", "List,", "show,", "validate,", "test", "and", "start", "rule", "sets."] for line in out)


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_subcommand_help_has_examples(name: str) -> None:
    result = invoke("rules", name, "--help")
    assert result.exit_code == 0
    assert "Examples:" in result.output
    assert f"priorauth rules {name}" in result.output.split("Examples:")[1]


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_subcommand_is_documented(name: str) -> None:
    assert f"priorauth rules {name}" in DOCS


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_is_documented_with_an_example(kind: str) -> None:
    assert f"### `{kind}`" in DOCS
    assert f"kind: {kind}" in DOCS
