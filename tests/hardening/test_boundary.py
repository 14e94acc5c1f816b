"""The one error boundary: every command turns an unexpected error into a short message
(exit 3) that names no value, `--debug` shows the traceback, usage errors exit 2."""

from __future__ import annotations

from typing import Any

import click
import pytest

from priorauth.cli import main
from tests.hardening.util import READY_TMS, assert_no_canary
from tests.helpers import invoke

# (command path, arguments that reach the command's body)
COMMANDS: list[tuple[tuple[str, ...], list[str]]] = [
    (("check",), [str(READY_TMS)]),
    (("letter",), [str(READY_TMS)]),
    (("checklist",), [str(READY_TMS)]),
    (("packet",), [str(READY_TMS)]),
    (("compare",), [str(READY_TMS)]),
    (("batch",), [str(READY_TMS), "-o", "out"]),
    (("schema",), ["case"]),
    (("init",), ["clinic.yaml"]),
    (("templates", "list"), []),
    (("templates", "check"), ["letter.md.j2"]),
    (("rules", "list"), []),
    (("rules", "show"), ["cigna/tms"]),
    (("rules", "validate"), ["x.yaml"]),
    (("rules", "test"), []),
    (("rules", "new"), ["acme", "tms"]),
    (("new",), ["--payer", "cigna", "--treatment", "tms"]),
    (("queue", "add"), [str(READY_TMS), "--db", "q.sqlite3"]),
    (("queue", "list"), ["--db", "q.sqlite3"]),
    (("queue", "decide"), ["1", "denied", "--db", "q.sqlite3"]),
    (("db", "check"), ["--db", "q.sqlite3"]),
    (("db", "backup"), ["b.jsonl", "--db", "q.sqlite3"]),
    (("import", "fhir"), ["chart.json", "-o", "out"]),
    (("export", "pas"), [str(READY_TMS), "-o", "request.json"]),
    (("serve",), ["--db", "q.sqlite3"]),
    (("users", "add"), ["maria", "--password-stdin", "--db", "q.sqlite3"]),
    (("users", "list"), ["--db", "q.sqlite3"]),
    (("users", "disable"), ["maria", "--db", "q.sqlite3"]),
    (("users", "passwd"), ["maria", "--password-stdin", "--db", "q.sqlite3"]),
]
IDS = [" ".join(path) for path, _ in COMMANDS]


def test_every_command_is_covered() -> None:
    ctx = click.Context(main)
    listed = set(main.list_commands(ctx))
    assert listed <= {path[0] for path, _ in COMMANDS}, listed


def _leaf(path: tuple[str, ...]) -> click.Command:
    ctx = click.Context(main)
    command: Any = main.get_command(ctx, path[0])
    if command is None:
        pytest.skip(f"`{path[0]}` is not available in this checkout")
    for name in path[1:]:
        command = command.commands[name]
    return command


def _explode(*_args: Any, **_kwargs: Any) -> None:
    raise RuntimeError("patient Zqxcanary Vwycanary, member CANARY-MEMBER-991, born 1933-03-03")


@pytest.mark.parametrize(("path", "args"), COMMANDS, ids=IDS)
def test_unexpected_error_is_a_short_message(path: tuple[str, ...], args: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(_leaf(path), "callback", _explode)
    result = invoke(*path, *args)
    assert result.exit_code == 3
    assert result.stdout == ""
    assert result.stderr == (
        "error: unexpected internal error (RuntimeError). This is a bug in priorauth.\n"
        "  hint: rerun with `priorauth --debug ...` to see the traceback (it may contain patient data: do not share it unredacted)\n"
    )
    assert_no_canary(result.output)


@pytest.mark.parametrize(("path", "args"), COMMANDS, ids=IDS)
def test_debug_shows_the_traceback(path: tuple[str, ...], args: list[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(_leaf(path), "callback", _explode)
    for result in (invoke("--debug", *path, *args), invoke(*path, *args, env={"PRIORAUTH_DEBUG": "1"})):
        assert result.exit_code == 3
        assert "Traceback (most recent call last)" in result.stderr
        assert "in _explode" in result.stderr
        assert "RuntimeError: patient Zqxcanary" in result.stderr  # the developer asked for it
        assert result.stderr.rstrip().endswith("hint: the traceback above may contain patient data: do not share it unredacted")


@pytest.mark.parametrize(("path", "args"), COMMANDS, ids=IDS)
def test_usage_errors_exit_2_without_traceback(path: tuple[str, ...], args: list[str]) -> None:
    _leaf(path)
    result = invoke(*path, *args, "--no-such-option")
    assert result.exit_code == 2
    # Click words this "No such option: --x" before 8.4 and "No such option '--x'" since.
    assert "No such option" in result.stderr and "--no-such-option" in result.stderr
    assert "Traceback" not in result.output


def test_unknown_command_and_missing_argument() -> None:
    result = invoke("chek", str(READY_TMS))
    assert result.exit_code == 2 and "No such command 'chek'" in result.stderr
    result = invoke("check")
    assert result.exit_code == 2 and "Missing argument 'CASE'" in result.stderr


def test_interrupt_is_exit_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupt(*_args: Any, **_kwargs: Any) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(_leaf(("check",)), "callback", interrupt)
    result = invoke("check", str(READY_TMS))
    assert (result.exit_code, result.stderr) == (130, "interrupted\n")


def test_a_closed_pipe_is_not_a_bug(monkeypatch: pytest.MonkeyPatch) -> None:
    def closed(*_args: Any, **_kwargs: Any) -> None:
        raise BrokenPipeError

    monkeypatch.setattr(_leaf(("rules", "list")), "callback", closed)
    result = invoke("rules", "list")
    assert result.exit_code == 1
    assert "internal error" not in result.output
