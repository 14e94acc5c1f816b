"""`priorauth users`: accounts for the web interface (needed by `serve --allow-remote`)."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from priorauth.store import Store

from priorauth.cli.queue import closed_with_command, db_options

_STDIN = click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input (for scripts), instead of asking twice.")


@click.group()
def users() -> None:
    """Add, list and disable the accounts that log in to the web interface.

    Passwords are asked twice with hidden input (never an argument: it would stay in the
    shell's history) and only an Argon2 hash is kept in the queue's database.

    \b
    Examples:
      priorauth users add maria --db postgresql://clinic@dbserver/priorauth
      priorauth users list
      priorauth users disable maria
    """


def _password(from_stdin: bool) -> str:
    from priorauth.errors import UsageError

    if from_stdin:
        password = sys.stdin.readline().removesuffix("\n").removesuffix("\r")  # the line as typed, nothing else stripped
        if not password:
            raise UsageError("--password-stdin: standard input holds no password", "send the password as the first line")
        return password
    try:
        value: str = click.prompt("Password", hide_input=True, confirmation_prompt="Password again")
    except click.Abort:
        raise UsageError("no password was given; nothing was changed", "type the password twice, or use --password-stdin") from None
    return value


def _open(db: str | None, user: str | None) -> Store:
    from priorauth.store import open_store

    return closed_with_command(open_store(db, user))


@users.command()
@click.argument("name")
@_STDIN
@db_options
def add(name: str, password_stdin: bool, db: str | None, user: str | None) -> None:
    """Add an account NAME; its password is asked twice (hidden).

    \b
    Examples:
      priorauth users add maria
      printf '%s\\n' "$PASSWORD" | priorauth users add frontdesk --password-stdin --db postgresql://clinic@dbserver/priorauth
    """
    from priorauth.store import accounts

    accounts.check_name(name)
    store = _open(db, user)
    accounts.add_user(store, name, accounts.check_new_password(_password(password_stdin)))
    click.echo(f"added account {name}")


@users.command("list")
@db_options
def list_(db: str | None, user: str | None) -> None:
    """List the accounts: name, when added, active or disabled.

    \b
    Examples:
      priorauth users list
      priorauth users list --db postgresql://clinic@dbserver/priorauth
    """
    from priorauth.store import accounts

    found = accounts.list_users(_open(db, user))
    if not found:
        click.echo("no accounts yet: add one with `priorauth users add NAME`")
    for account in found:
        click.echo(f"{account.name}\t{account.created_at}\t{'disabled' if account.disabled else 'active'}")


@users.command()
@click.argument("name")
@db_options
def disable(name: str, db: str | None, user: str | None) -> None:
    """Disable the account NAME: it can no longer log in (`users passwd` enables it again).

    \b
    Examples:
      priorauth users disable maria
    """
    from priorauth.store import accounts

    changed = accounts.disable_user(_open(db, user), name)
    click.echo(f"disabled account {name}" if changed else f"account {name} was already disabled")


@users.command()
@click.argument("name")
@_STDIN
@db_options
def passwd(name: str, password_stdin: bool, db: str | None, user: str | None) -> None:
    """Set a new password for the account NAME (asked twice, hidden); enables it if disabled.

    \b
    Examples:
      priorauth users passwd maria
    """
    from priorauth.store import accounts

    store = _open(db, user)
    accounts.get_user(store, name)  # an unknown name is refused before the password is asked
    accounts.set_password(store, name, accounts.check_new_password(_password(password_stdin)))
    click.echo(f"changed the password of account {name}")
