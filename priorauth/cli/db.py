"""`priorauth db`: create, upgrade, back up, restore, copy and check the queue's database."""

from __future__ import annotations

from pathlib import Path

import click

from priorauth.cli.queue import db_options


@click.group()
def db() -> None:
    """Look after the work queue's database (an SQLite file, or PostgreSQL).

    \b
    Examples:
      priorauth db upgrade
      priorauth db backup queue-2026-11-18.jsonl
      priorauth db copy --to postgresql://clinic@dbserver/priorauth
    """


@db.command()
@db_options
def upgrade(db: str | None, user: str | None) -> None:
    """Create the queue's database, or bring it to this version's layout.

    Back the database up first: an upgrade cannot be undone by priorauth.

    \b
    Examples:
      priorauth db upgrade
      priorauth db upgrade --db postgresql://clinic@dbserver/priorauth
    """
    from priorauth.cli.queue import closed_with_command as _closed
    from priorauth.store import database, open_store

    store = _closed(open_store(db, user, migrate=False))
    before, after = database.upgrade(store)
    where = database.shown(store.url)
    click.echo(f"{where}: already at revision {after}" if before == after else f"{where}: upgraded from {before or 'empty'} to revision {after}")


@db.command()
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@db_options
def backup(file: str, force: bool, db: str | None, user: str | None) -> None:
    """Write a consistent backup of the queue to FILE (JSON Lines, 0600).

    It is safe while others use the queue: it reads one snapshot. The file holds
    patient data: keep it where the database itself may be kept.

    \b
    Examples:
      priorauth db backup queue-2026-11-18.jsonl
      priorauth db backup /secure/backups/queue.jsonl --force
    """
    from priorauth.cli.queue import closed_with_command as _closed
    from priorauth.store import maintenance, open_store

    path, rows = maintenance.backup(_closed(open_store(db, user)), Path(file), force)
    click.echo(f"wrote {path} ({rows} rows)")


@db.command()
@click.argument("file", type=click.Path(dir_okay=False))
@db_options
def restore(file: str, db: str | None, user: str | None) -> None:
    """Restore a backup FILE into a new, empty database (--db).

    A database that already holds requests is refused: nothing is overwritten.

    \b
    Examples:
      priorauth db restore queue-2026-11-18.jsonl --db restored.sqlite3
      priorauth db restore queue.jsonl --db postgresql://clinic@dbserver/priorauth_new
    """
    from priorauth.cli.queue import closed_with_command as _closed
    from priorauth.store import maintenance, open_store

    store = _closed(open_store(db, user, migrate=False))
    rows = maintenance.load(store, maintenance.read_backup(Path(file)))
    click.echo(f"restored {rows} rows")


@db.command()
@click.option("--to", "target", required=True, metavar="PATH|URL", help="The new, empty database to copy into.")
@db_options
def copy(target: str, db: str | None, user: str | None) -> None:
    """Copy the whole queue into another (empty) database: SQLite to PostgreSQL, or back.

    The source (--db) is read in one snapshot; the copy is written in one transaction.

    \b
    Examples:
      priorauth db copy --to postgresql://clinic@dbserver/priorauth
      priorauth db copy --db postgresql://clinic@dbserver/priorauth --to laptop.sqlite3
    """
    from priorauth.cli.queue import closed_with_command as _closed
    from priorauth.store import database, maintenance, open_store

    source = _closed(open_store(db, user))
    dest = _closed(open_store(target, user, migrate=False))
    rows = maintenance.load(dest, maintenance.dump(source))
    click.echo(f"copied {rows} rows from {database.shown(source.url)} to {database.shown(dest.url)}")


@db.command()
@db_options
def check(db: str | None, user: str | None) -> None:
    """Check the queue's database: its layout, its integrity and its rows.

    \b
    Examples:
      priorauth db check
      PRIORAUTH_DB=postgresql://clinic@dbserver/priorauth priorauth db check

    Exit status: 0 every check passed; 1 some check failed; 2 not a queue database.
    """
    from priorauth.cli.queue import closed_with_command as _closed
    from priorauth.store import database, maintenance, open_store

    store = _closed(open_store(db, user, create=False, migrate=False))
    results = maintenance.check(store)
    click.echo(database.shown(store.url))
    for name, ok, words in results:
        click.echo(f"  {'ok  ' if ok else 'FAIL'} {name}: {words}")
    raise SystemExit(0 if all(ok for _, ok, _ in results) else 1)
