"""Backing up, restoring, copying and checking the queue's database.

A backup is a JSON Lines file: a header line, then one line per row, table by table. It
is read in one transaction (a snapshot: REPEATABLE READ on PostgreSQL, one read
transaction on SQLite in WAL mode), so it is consistent while others keep working. The
same format moves a queue between engines: ``db copy`` is a backup read straight into
another database. A restore goes into a new, empty database, in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Date, DateTime, func, insert, select, text

from priorauth.store.database import HEAD, Store, StoreError, revision, upgrade
from priorauth.store.models import TABLES, AuditEntry, Patient, Request, table_of, utcnow

FORMAT = "priorauth-queue-backup"
FORMAT_VERSION = 1
CHUNK = 1000


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def dump(store: Store) -> Iterator[dict[str, Any]]:
    """The header, then every row of every table, from one consistent snapshot."""
    conn_engine = store.engine
    if store.dialect == "postgresql":
        conn_engine = conn_engine.execution_options(isolation_level="REPEATABLE READ")
    with store._translated(), conn_engine.connect() as conn, conn.begin():
        rev = revision(conn)
        yield {"format": FORMAT, "version": FORMAT_VERSION, "schema": rev, "made": utcnow().isoformat() + "Z", "tables": [m.__tablename__ for m in TABLES]}
        for model in TABLES:
            table = table_of(model)
            names = [c.name for c in table.columns]
            for row in conn.execute(select(table).order_by(table.c.id)).yield_per(CHUNK):
                yield {"table": table.name, "row": {n: _plain(v) for n, v in zip(names, row)}}


def backup_bytes(store: Store) -> bytes:
    return b"".join(json.dumps(rec, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n" for rec in dump(store))


def backup(store: Store, path: Path, force: bool = False) -> tuple[Path, int]:
    """Write the backup file (0600, atomically); (path, rows)."""
    from priorauth.output import write_atomic

    data = backup_bytes(store)
    write_atomic(path, data, force=force)
    return path, data.count(b"\n") - 1


def read_backup(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a backup file; refuses anything else with the line that is wrong."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise StoreError(f"cannot read the backup {path}: {exc.strerror}", "give the file that `priorauth db backup` wrote") from None
    with handle:
        for number, line in enumerate(handle, 1):
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if number == 1 and not (isinstance(record, dict) and record.get("format") == FORMAT):
                raise StoreError(f"{path} is not a priorauth queue backup", "give the file that `priorauth db backup` wrote")
            if not isinstance(record, dict) or (number > 1 and not isinstance(record.get("row"), dict)):
                raise StoreError(f"{path}:{number}: the line is damaged; nothing was restored", "use another backup")
            yield record


def _converters(model: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column in model.__table__.columns:
        if isinstance(column.type, DateTime):
            out[column.name] = dt.datetime.fromisoformat
        elif isinstance(column.type, Date):
            out[column.name] = dt.date.fromisoformat
    return out


def load(store: Store, records: Iterable[dict[str, Any]]) -> int:
    """Restore records into an empty database (the schema is made if needed); rows added."""
    with store._translated(), store.engine.connect() as conn:
        rev = revision(conn)
        conn.rollback()
    if rev is None:
        upgrade(store)
    it = iter(records)
    header = next(it, None)
    if header is None or header.get("format") != FORMAT:
        raise StoreError("the backup has no header: it is not a priorauth queue backup")
    if header.get("version") != FORMAT_VERSION or header.get("schema") not in (HEAD, None):
        raise StoreError("the backup was made by another version of priorauth", "restore it with that version, or upgrade priorauth")
    models = {m.__tablename__: m for m in TABLES}
    converters = {name: _converters(m) for name, m in models.items()}
    total = 0
    with store.writing() as s:
        conn = s.connection()
        present = sum(conn.execute(select(func.count()).select_from(m.__table__)).scalar_one() for m in (Patient, Request, AuditEntry))
        if present:
            raise StoreError("the target database is not empty; nothing was restored", "restore into a new database: give --db a new file or an empty PostgreSQL database")
        pending: list[dict[str, Any]] = []
        current: str | None = None

        def flush() -> None:
            if pending and current is not None:
                conn.execute(insert(table_of(models[current])), pending)
                pending.clear()

        for number, record in enumerate(it, 2):
            name = record.get("table")
            if name not in models:
                raise StoreError(f"backup line {number}: unknown table; nothing was restored", "use another backup")
            if name != current:
                flush()
                current = name
            row = dict(record["row"])
            try:
                for key, convert in converters[name].items():
                    if row.get(key) is not None:
                        row[key] = convert(row[key])
            except (TypeError, ValueError):
                raise StoreError(f"backup line {number}: a date is damaged; nothing was restored", "use another backup") from None
            pending.append(row)
            total += 1
            if len(pending) >= CHUNK:
                flush()
        flush()
        if store.dialect == "postgresql":
            for model in TABLES:
                t = model.__tablename__
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), COALESCE((SELECT MAX(id) FROM {t}), 0) + 1, false)"))
    return total


def check(store: Store) -> list[tuple[str, bool, str]]:
    """(what, ok, words) for each check of ``db check``."""
    out: list[tuple[str, bool, str]] = []
    with store._translated(), store.engine.connect() as conn:
        rev = revision(conn)
        if rev is None:
            out.append(("schema", False, "the database is empty: run `priorauth db upgrade`"))
            return out
        out.append(("schema", rev == HEAD, f"revision {rev}" + ("" if rev == HEAD else f"; run `priorauth db upgrade` to reach {HEAD}")))
        if store.dialect == "sqlite":
            result = conn.exec_driver_sql("PRAGMA integrity_check").scalars().all()
            out.append(("integrity", result == ["ok"], "ok" if result == ["ok"] else f"{len(result)} problems: restore from a backup"))
            mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
            out.append(("journal", mode == "wal", f"journal mode {mode}"))
        counts = {m.__tablename__: conn.execute(select(func.count()).select_from(m.__table__)).scalar_one() for m in TABLES}
        out.append(("rows", True, ", ".join(f"{n} {t}" for t, n in counts.items())))
        orphans = conn.execute(
            select(func.count()).select_from(Request.__table__).where(~Request.__table__.c.patient_id.in_(select(Patient.__table__.c.id)))
        ).scalar_one()
        out.append(("links", orphans == 0, "every request has its patient" if orphans == 0 else f"{orphans} requests without a patient"))
        conn.rollback()
    return out
