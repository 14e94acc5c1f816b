"""Every command has help text with examples and appears in the README's tour."""

from __future__ import annotations

import click
import pytest

from priorauth.cli import _all_commands, main
from tests.helpers import ROOT, invoke

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _leaves(name: str, command: click.Command) -> list[tuple[str, click.Command]]:
    if isinstance(command, click.Group):
        return [leaf for sub, cmd in command.commands.items() for leaf in _leaves(f"{name} {sub}", cmd)]
    return [(name, command)]


COMMANDS = sorted(_all_commands())


@pytest.mark.parametrize("name", COMMANDS)
def test_command_has_help_with_examples_and_is_in_readme(name: str) -> None:
    command = main.get_command(click.Context(main), name)
    assert command is not None
    for full, leaf in _leaves(name, command):
        result = invoke(*full.split(), "--help")
        assert result.exit_code == 0, full
        assert leaf.help and len(leaf.help.strip()) > 40, full
        assert "Example" in result.stdout, f"{full}: no Examples section"
    assert f"priorauth {name}" in README, f"{name} is missing from the README"


@pytest.mark.parametrize("name", COMMANDS)
def test_the_listing_and_the_command_help_say_the_same(name: str) -> None:
    # One text per command: `priorauth --help` lists the registry's summary without
    # importing the command, and the command's help starts with that same sentence.
    command = main.get_command(click.Context(main), name)
    assert command is not None and command.help
    first_paragraph = " ".join(command.help.strip().split("\n\n")[0].split())
    assert first_paragraph == _all_commands()[name][1]
    listing = invoke("--help").stdout
    assert " ".join(_all_commands()[name][1].split()) in " ".join(listing.split())
