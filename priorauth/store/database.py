"""Opening the queue's database: one SQLite file by default, or any PostgreSQL URL.

The same models and migrations serve both. SQLite runs in WAL mode with full syncs, so a
killed process or a power cut leaves the last committed state; a write transaction
starts with ``BEGIN IMMEDIATE`` so two writers queue up instead of failing half-way.
Errors from the database are turned into :class:`StoreError` messages that never carry
the statement's values (the engine is created with ``hide_parameters=True`` as well).
"""

from __future__ import annotations

import contextlib
import getpass
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.orm import Session

from priorauth.errors import PriorAuthError

ENV_DB = "PRIORAUTH_DB"
ENV_USER = "PRIORAUTH_USER"
HEAD = "0002"  # the newest migration (a test checks that it is Alembic's head)
REVISIONS = ("0001", "0002")
SQLITE_MAGIC = b"SQLite format 3\x00"
BUSY_MS = 30_000


class StoreError(PriorAuthError):
    """The database cannot be opened or used; exit status 2."""


class ConflictError(StoreError):
    """Someone else changed the request meanwhile; nothing was saved. Exit status 4."""

    exit_code = 4


def default_path() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir("priorauth", appauthor=False)) / "queue.sqlite3"


def current_user(given: str | None = None) -> str:
    """Who makes a change: --user, then PRIORAUTH_USER, then the login name."""
    if given:
        return given
    if os.environ.get(ENV_USER):
        return os.environ[ENV_USER]
    try:
        return getpass.getuser()
    except Exception:  # no login name (some containers)
        return "unknown"


def resolve(db: str | None) -> str:
    """The SQLAlchemy URL for --db / PRIORAUTH_DB / the default file."""
    value = db or os.environ.get(ENV_DB) or str(default_path())
    if "://" not in value:
        return "sqlite:///" + str(Path(value).expanduser().absolute())
    for plain in ("postgresql://", "postgres://"):
        if value.startswith(plain):  # psycopg 3 is the driver we ship with
            return "postgresql+psycopg://" + value[len(plain) :]
    return value


def shown(url: str) -> str:
    """The URL without its password, for messages."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "the database URL"


def _sqlite_file(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    return Path(u.database)


def _prepare_sqlite_file(path: Path, create: bool) -> None:
    """Refuse a file that is not SQLite; create a new one 0600 in a 0700 folder."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(SQLITE_MAGIC))
    except FileNotFoundError:
        if not create:
            raise StoreError(f"no queue database at {path}", "give the right --db, or run `priorauth db upgrade` to create one") from None
        try:
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError as exc:
            raise StoreError(f"cannot create the queue database {path}: {exc.strerror}", "check the path and its permissions") from None
        return
    except IsADirectoryError:
        raise StoreError(f"{path} is a folder, not a queue database", "give --db a file name such as queue.sqlite3") from None
    except OSError as exc:
        raise StoreError(f"cannot read the queue database {path}: {exc.strerror}", "check the path and its permissions") from None
    if head and head != SQLITE_MAGIC:
        raise StoreError(f"{path} is not a priorauth queue database (not an SQLite file)", "give --db the queue's file; nothing was changed")


def _sqlite_events(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we send BEGIN ourselves (below)
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {BUSY_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = FULL")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("priorauth_write") else "BEGIN")


def describe_error(exc: BaseException, url: str) -> StoreError:
    """A message for a database error, built from its kind only (never its text: values)."""
    if isinstance(exc, StaleDataError):
        return ConflictError("someone else changed this request while you were changing it; nothing was saved", "show it again and repeat your change")
    orig = getattr(exc, "orig", None)
    name = type(orig).__name__ if orig is not None else type(exc).__name__
    first = str(orig).strip().splitlines()[0] if orig is not None and str(orig).strip() else ""
    if "locked" in first or "could not serialize" in first or name in ("SerializationFailure", "LockNotAvailable"):
        return ConflictError("the queue is busy with another change; nothing was saved", "try again")
    if "not a database" in first or "malformed" in first or "disk image" in first:
        return StoreError(f"{shown(url)} is damaged or not a queue database", "restore it from a backup: `priorauth db restore BACKUP --db NEW`")
    if "readonly" in first or "read-only" in first:
        return StoreError(f"{shown(url)} is read-only", "check the file's permissions")
    if name in ("OperationalError", "InterfaceError") and ("connect" in first or "connection" in first):
        # connection errors name the host and port, never case data
        return StoreError(f"cannot connect to {shown(url)}: {first}", "check the URL and that the server is running")
    return StoreError(f"the database refused the change ({type(exc).__name__}); nothing was saved", "run `priorauth db check`; if it persists, this is a bug")


class Store:
    """An open queue database. ``with store.writing() as s:`` is one transaction."""

    def __init__(self, url: str, engine: Engine, user: str) -> None:
        self.url = url
        self.engine = engine
        self.user = user
        self.dialect = engine.dialect.name

    def close(self) -> None:
        self.engine.dispose()

    @contextlib.contextmanager
    def writing(self) -> Iterator[Session]:
        """A write transaction: committed at the end, rolled back on any error."""
        with self._translated(), Session(self.engine.execution_options(priorauth_write=True), expire_on_commit=False) as session, session.begin():
            yield session

    @contextlib.contextmanager
    def reading(self) -> Iterator[Session]:
        with self._translated(), Session(self.engine) as session, session.begin():
            yield session

    @contextlib.contextmanager
    def _translated(self) -> Iterator[None]:
        try:
            yield
        except PriorAuthError:
            raise
        except (DBAPIError, StaleDataError) as exc:
            raise describe_error(exc, self.url) from None


def make_engine(url: str) -> Engine:
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, hide_parameters=True, connect_args={"timeout": BUSY_MS / 1000})
            _sqlite_events(engine)
        else:
            engine = create_engine(url, hide_parameters=True, pool_pre_ping=False)
    except (ArgumentError, NoSuchModuleError) as exc:
        kind = "unknown database driver" if isinstance(exc, NoSuchModuleError) else "not a database URL"
        raise StoreError(f"--db: {kind}: {shown(url)}", "give a file path, or postgresql://user@host/dbname") from None
    except ImportError:
        raise StoreError("PostgreSQL needs the psycopg package", 'install it: pip install "psycopg[binary]"') from None
    return engine


def revision(conn: Any) -> str | None:
    """The schema revision; None for an empty database. Refuses a foreign one."""
    tables = set(inspect(conn).get_table_names())
    if not tables:
        return None
    if "alembic_version" not in tables or "requests" not in tables:
        raise StoreError("the database holds other tables: it is not a priorauth queue database", "give --db the queue's database; nothing was changed")
    rows = conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    if len(rows) != 1 or rows[0] not in REVISIONS:
        raise StoreError(
            "the database was made by a newer priorauth (or by another program)", "upgrade priorauth, or give --db the right database; nothing was changed"
        )
    return rows[0]


def upgrade(store: Store) -> tuple[str | None, str]:
    """Run the migrations up to the newest; (revision before, after)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with store._translated(), store.engine.execution_options(priorauth_write=True).begin() as conn:
        before = revision(conn)
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        return before, revision(conn) or HEAD


def open_store(db: str | None = None, user: str | None = None, create: bool = True, migrate: bool = True) -> Store:
    """Open the queue. A new (empty) database gets the schema; an old one must be upgraded.

    ``migrate=False`` leaves the schema alone (``db upgrade`` and ``db restore`` do it).
    """
    url = resolve(db)
    path = _sqlite_file(url)
    if path is not None:
        _prepare_sqlite_file(path, create)
    store = Store(url, make_engine(url), current_user(user))
    try:
        with store._translated(), store.engine.connect() as conn:
            rev = revision(conn)
            conn.rollback()
    except (PriorAuthError, SQLAlchemyError) as exc:
        store.close()
        if isinstance(exc, PriorAuthError):
            raise
        raise describe_error(exc, url) from None
    if migrate and rev is None:
        upgrade(store)
    elif migrate and rev != HEAD:
        store.close()
        raise StoreError("the queue database uses an older layout", "back it up, then run `priorauth db upgrade`")
    return store
