"""A real PostgreSQL server for the tests that need one (the store's and the web interface's).

The server is Debian's (``apt-get install postgresql``; .ci/run installs it). As root it
runs through ``runuser -u postgres`` in a temporary folder owned by that user, since
PostgreSQL refuses to run as root. In CI (CI=true) a server that cannot start fails the
tests; on a developer's machine without PostgreSQL they are skipped with the reason.

tests/conftest.py makes the fixtures below available everywhere; one server serves the
whole session.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")



def _pg_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if found:
        return Path(found[-1]).parent
    on_path = shutil.which("pg_ctl")
    return Path(on_path).parent if on_path else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PgServer:
    def __init__(self) -> None:
        self.bin = _pg_bin()
        if self.bin is None:
            raise RuntimeError("PostgreSQL is not installed (apt-get install postgresql)")
        self.root = os.geteuid() == 0
        self.tmp = Path(tempfile.mkdtemp(prefix="priorauth-pg-"))
        self.data = self.tmp / "data"
        self.port = _free_port()
        self.user = "postgres" if self.root else pwd.getpwuid(os.getuid()).pw_name
        if self.root:
            pw = pwd.getpwnam("postgres")
            os.chown(self.tmp, pw.pw_uid, pw.pw_gid)
        self._names = itertools.count(1)

    def _run(self, *args: str) -> None:
        cmd = [str(self.bin / args[0]), *args[1:]]
        if self.root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {done.stderr.strip() or done.stdout.strip()}")

    def start(self) -> None:
        self._run("initdb", "-A", "trust", "--no-sync", "-U", self.user, "-D", str(self.data))
        opts = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.tmp} -c fsync=off -c max_connections=50"
        self._run("pg_ctl", "-w", "-D", str(self.data), "-l", str(self.tmp / "log"), "-o", opts, "start")

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        import psycopg

        name = f"queue_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(f"host=127.0.0.1 port={self.port} user={self.user} dbname=postgres", autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    try:
        server = PgServer()
        server.start()
    except (RuntimeError, OSError, subprocess.SubprocessError, KeyError) as exc:
        if IN_CI:
            pytest.fail(f"PostgreSQL tests must run in CI, but the server could not start: {exc}", pytrace=False)
        pytest.skip(f"no PostgreSQL server to test against: {exc}")
    try:
        yield server
    finally:
        server.stop()


# The PostgreSQL half starts a server once per session: part of the full run, not the fast one.
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.slow)])
def engine_name(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def db_url(engine_name: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A new, empty queue database on each engine: a file path, or a PostgreSQL URL."""
    if engine_name == "sqlite":
        return str(tmp_path / "queue.sqlite3")
    server: PgServer = request.getfixturevalue("pg_server")
    return server.new_database()


@pytest.fixture(autouse=True)
def _no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("PRIORAUTH_DB", "PRIORAUTH_USER", "PRIORAUTH_RULES_DIR"):
        monkeypatch.delenv(name, raising=False)
