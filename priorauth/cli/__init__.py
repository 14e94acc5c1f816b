"""The `priorauth` command: the only place that imports Click, prints or exits.

Subcommands are imported only when they run, so `priorauth --help` and `--version` stay
as fast as a bare Click program, and `check` never imports reportlab or python-docx.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from typing import Any

import click

from priorauth.errors import PriorAuthError

# name -> ("module:attribute" loaded on first use, one-line summary: the first paragraph
# of the command's own help, word for word)
COMMANDS: dict[str, tuple[str, str]] = {
    "check": ("priorauth.cli.check:check", "Check CASE, a YAML or JSON case file, against a payer's TMS or Spravato criteria."),
    "schema": ("priorauth.cli.schema:schema", "Print the JSON Schema of case files, rule files or check reports."),
}
# Further commands are listed in priorauth/cli/registry.py with the same shape.


class LazyGroup(click.Group):
    """A group whose subcommands are imported on demand, with one error boundary."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(_all_commands())

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        spec = _all_commands().get(name)
        if spec is None:
            return None
        module, _, attr = spec[0].partition(":")
        return getattr(importlib.import_module(module), attr)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help comes from the table above: listing commands must not import them.
        rows = [(name, help_) for name, (_, help_) in sorted(_all_commands().items())]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PriorAuthError as exc:
            click.echo(exc.render(), err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            ctx.exit(130)
        except BrokenPipeError:
            # The reader went away (`priorauth rules list | head`): not an error of ours.
            _silence_stdout()
            ctx.exit(1)
        except Exception as exc:  # the last line of defence: never a traceback with patient data
            debug = bool(ctx.obj and ctx.obj.get("debug"))
            if debug:
                traceback.print_exc(file=sys.stderr)
            click.echo(
                f"error: unexpected internal error ({type(exc).__name__}). This is a bug in priorauth.\n"
                + (
                    "  hint: the traceback above may contain patient data: do not share it unredacted"
                    if debug
                    else "  hint: rerun with `priorauth --debug ...` to see the traceback (it may contain patient data: do not share it unredacted)"
                ),
                err=True,
            )
            ctx.exit(3)


def _silence_stdout() -> None:
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (tests)
        pass


def _all_commands() -> dict[str, tuple[str, str]]:
    from priorauth.cli.registry import EXTRA

    return {**COMMANDS, **EXTRA}


def _version() -> str:
    from priorauth.resources import version

    return version()


def _print_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        click.echo(f"priorauth {_version()}")
        ctx.exit(0)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version, help="Show the version and exit.")
@click.option("--debug", is_flag=True, envvar="PRIORAUTH_DEBUG", help="Show tracebacks of unexpected errors (may contain patient data).")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Prior authorization for TMS and Spravato: check a patient's case against a payer's
    criteria, and write the letter of medical necessity and the documentation checklist.

    \b
    Examples:
      priorauth check samples/cigna-tms-ready.yaml
      priorauth check case.yaml --payer all --treatment both
      priorauth check case.yaml --format json > report.json

    Exit status: 0 ready, 1 gaps (incomplete or not eligible), 2 invalid input.
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def run() -> None:
    """Console-script entry point."""
    # Click maps a usage error to exit 2 already; everything else is handled in invoke().
    main(prog_name="priorauth")


if __name__ == "__main__":  # pragma: no cover
    run()
