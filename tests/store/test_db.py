"""`priorauth db`: migrations, backups while in use, restore, copy between engines, refusals."""

from __future__ import annotations

import json
import os
import sqlite3
import stat
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from priorauth.store import open_store
from priorauth.store import queue as q
from priorauth.store.database import HEAD
from tests.helpers import SAMPLES, invoke
from tests.store.util import READY, db_rows, jsonl

pytestmark = pytest.mark.slow  # backups, restores, copies and damaged files: whole databases each


def test_head_is_alembics_head_and_migrations_go_down_and_up(db_url: str) -> None:
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import priorauth.store.database as database

    store = open_store(db_url, migrate=False)
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(database.__file__).parent / "migrations"))
    assert ScriptDirectory.from_config(cfg).get_current_head() == HEAD
    assert database.upgrade(store) == (None, HEAD)
    for target in ("base", "head"):
        with store.engine.execution_options(priorauth_write=True).begin() as conn:
            cfg.attributes["connection"] = conn
            (command.downgrade if target == "base" else command.upgrade)(cfg, target)
    assert database.upgrade(store) == (HEAD, HEAD)
    store.close()
    code, out, _ = invoke("db", "upgrade", "--db", db_url)
    assert code == 0 and out.endswith(f"already at revision {HEAD}\n")


def test_backup_restore_round_trip(db_url: str, tmp_path: Path) -> None:
    invoke("queue", "add", str(SAMPLES), "--db", db_url)
    invoke("queue", "submit", "1", "--ref", "0123", "--db", db_url)
    invoke("queue", "decide", "1", "approved", "--valid-to", "2030-01-01", "--units", "90868=36", "--auth", "007", "--db", db_url)
    backup = tmp_path / "queue.jsonl"
    code, out, _ = invoke("db", "backup", str(backup), "--db", db_url)
    assert code == 0 and out.startswith(f"wrote {backup} (")
    assert stat.S_IMODE(os.stat(backup).st_mode) == 0o600
    code, _, err = invoke("db", "backup", str(backup), "--db", db_url)
    assert code == 2 and "already exists" in err
    target = str(tmp_path / "restored.sqlite3")
    code, out, _ = invoke("db", "restore", str(backup), "--db", target)
    assert code == 0 and out == f"restored {len(db_rows(db_url))} rows\n"
    assert db_rows(target) == db_rows(db_url)
    code, _, err = invoke("db", "restore", str(backup), "--db", target)
    assert (code, err.splitlines()[0]) == (2, "error: the target database is not empty; nothing was restored")
    # the restored queue keeps working: new ids do not collide
    assert invoke("queue", "add", str(jsonl(tmp_path, 1)), "--db", target)[1].startswith("request 5 opened")


def test_copy_sqlite_into_postgresql_and_back(tmp_path: Path, pg_server) -> None:  # type: ignore[no-untyped-def]
    lite = str(tmp_path / "laptop.sqlite3")
    invoke("queue", "add", str(SAMPLES), "--db", lite)
    invoke("queue", "note", "2", "Called; José's file is complete", "--db", lite)
    pg = pg_server.new_database()
    code, out, err = invoke("db", "copy", "--db", lite, "--to", pg)
    assert (code, err) == (0, "")
    assert out.startswith("copied ") and "postgresql+psycopg://" in out
    assert db_rows(pg) == db_rows(lite)
    assert invoke("queue", "add", str(jsonl(tmp_path, 1)), "--db", pg)[1].startswith("request 5 opened")
    back = str(tmp_path / "back.sqlite3")
    assert invoke("db", "copy", "--db", pg, "--to", back)[0] == 0
    assert db_rows(back) == db_rows(pg)


def test_backup_is_consistent_while_the_queue_is_in_use(db_url: str, tmp_path: Path) -> None:
    invoke("queue", "add", str(READY), "--db", db_url)
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        store = open_store(db_url, user="writer")
        try:
            while not stop.is_set():
                q.add_note(store, 1, "called the payer")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            store.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        for i in range(5):
            backup = tmp_path / f"b{i}.jsonl"
            assert invoke("db", "backup", str(backup), "--db", db_url)[0] == 0
            records = [json.loads(line) for line in backup.read_text(encoding="utf-8").splitlines()]
            notes = sum(1 for r in records if r.get("table") == "notes")
            audited = sum(1 for r in records if r.get("table") == "audit_log" and r["row"]["action"] == "request.note")
            version = next(r["row"]["version"] for r in records if r.get("table") == "requests")
            assert notes == audited and version == 1 + notes  # one snapshot: never half a change
    finally:
        stop.set()
        thread.join(60)
    assert errors == []
    store = open_store(db_url)
    try:
        assert len(q.show_request(store, 1)["notes"]) > 0  # the queue was in use meanwhile
    finally:
        store.close()


def test_check_reports_each_check(db_url: str) -> None:
    invoke("queue", "add", str(READY), "--db", db_url)
    code, out, _ = invoke("db", "check", "--db", db_url)
    assert code == 0
    assert f"  ok   schema: revision {HEAD}" in out.splitlines()
    assert "  ok   links: every request has its patient" in out.splitlines()
    assert ("  ok   integrity: ok" in out.splitlines()) == ("postgresql" not in out)


def test_database_of_a_newer_version_or_another_program_is_refused(db_url: str, tmp_path: Path) -> None:
    invoke("queue", "add", str(READY), "--db", db_url)
    store = open_store(db_url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    store.close()
    code, out, err = invoke("queue", "list", "--db", db_url)
    assert (code, out) == (2, "")
    assert err.splitlines()[0] == "error: the database was made by a newer priorauth (or by another program)"


def test_foreign_database_is_refused(engine_name: str, db_url: str) -> None:
    store = open_store(db_url, migrate=False)
    with store.engine.begin() as conn:
        conn.execute(text("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER)"))
    store.close()
    code, _, err = invoke("queue", "list", "--db", db_url)
    assert (code, err.splitlines()[0]) == (2, "error: the database holds other tables: it is not a priorauth queue database")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"name,member_id\nx,y\n", "is not a priorauth queue database (not an SQLite file)"),
        (b"SQLite format 3\x00" + b"\xff" * 4000, "is damaged or not a queue database"),
    ],
)
def test_corrupt_or_foreign_file_is_refused_without_a_traceback(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "queue.sqlite3"
    path.write_bytes(content)
    for args in (["queue", "list"], ["db", "check"], ["queue", "add", str(READY)]):
        code, out, err = invoke(*args, "--db", str(path))
        assert (code, out) == (2, ""), args
        assert message in err.splitlines()[0] and "Traceback" not in err
    assert path.read_bytes() == content  # untouched


def test_damaged_pages_are_found_by_check(tmp_path: Path) -> None:
    path = tmp_path / "queue.sqlite3"
    invoke("queue", "add", str(SAMPLES), "--db", str(path))
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(path.read_bytes())
    page = 4096
    for i in range(page * 3, min(len(data), page * 6)):
        data[i] = 0x55
    path.write_bytes(bytes(data))
    code, out, err = invoke("db", "check", "--db", str(path))
    assert code in (1, 2) and "Traceback" not in err
    assert ("FAIL integrity" in out) or ("damaged" in err)


def test_missing_database_for_check_and_bad_urls(tmp_path: Path) -> None:
    code, _, err = invoke("db", "check", "--db", str(tmp_path / "none.sqlite3"))
    assert (code, err.splitlines()[0]) == (2, f"error: no queue database at {tmp_path / 'none.sqlite3'}")
    assert not (tmp_path / "none.sqlite3").exists()
    code, _, err = invoke("queue", "list", "--db", "mysql+nodriver://u:secret@h/d")
    assert code == 2 and "unknown database driver" in err and "secret" not in err
    code, _, err = invoke("queue", "list", "--db", "postgresql://u:secret@127.0.0.1:1/d")
    assert code == 2 and err.startswith("error: cannot connect to postgresql+psycopg://u:***@127.0.0.1:1/d") and "secret" not in err


def test_restore_refuses_what_is_not_a_backup(tmp_path: Path) -> None:
    bogus = tmp_path / "b.jsonl"
    bogus.write_text('{"table": "patients"}\n', encoding="utf-8")
    code, _, err = invoke("db", "restore", str(bogus), "--db", str(tmp_path / "n.sqlite3"))
    assert (code, err.splitlines()[0]) == (2, f"error: {bogus} is not a priorauth queue backup")
