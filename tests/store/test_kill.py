"""A process killed with SIGKILL mid-import or mid-decision leaves the queue as before.

The child runs the real command; a listener kills it (SIGKILL, no clean-up of any kind)
just before its Nth INSERT or UPDATE statement: rows are written, nothing is committed.
The kill takes the command's process group, or the command alone: its checking workers
must then end by themselves, never linger.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import ROOT, invoke

from tests.store.util import READY, db_rows, jsonl

pytestmark = [
    pytest.mark.slow,  # each test kills a child process at a chosen statement
    pytest.mark.skipif(not os.path.isdir("/proc"), reason="reads processes from /proc (Linux)"),
]

CHILD = """
import os, signal, sys
from sqlalchemy import event
from sqlalchemy.engine import Engine

target, seen, group = int(sys.argv[1]), [0], sys.argv[2] == "group"

@event.listens_for(Engine, "before_cursor_execute")
def _die(conn, cursor, statement, parameters, context, executemany):
    if statement.lstrip().upper().startswith(("INSERT", "UPDATE")):
        seen[0] += 1
        if seen[0] == target:
            if group:
                os.killpg(0, signal.SIGKILL)  # the command and its worker processes
            os.kill(os.getpid(), signal.SIGKILL)

from priorauth.cli import main
main(sys.argv[3:], prog_name="priorauth")
"""


def _killed_at(statement: int, *args: str, group: bool = True) -> int:
    """Run the command, killed before its Nth INSERT/UPDATE; its exit status."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(statement), "group" if group else "alone", *args],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own process group, to find its workers
    )
    try:
        return proc.wait(120)
    finally:
        _gone(proc.pid)


def _running(group: int) -> list[int]:
    """Processes of the group that still run (a zombie has ended: it only waits to be reaped)."""
    out = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as handle:
                fields = handle.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group and fields[0] != b"Z":  # state, ppid, process group
            out.append(int(name))
    return out


def _gone(group: int) -> None:
    """Every process of the group has ended within 10 s; a straggler fails the test."""
    deadline = time.monotonic() + 10
    while _running(group):
        if time.monotonic() > deadline:
            os.killpg(group, signal.SIGKILL)
            pytest.fail("worker processes outlived the killed command")
        time.sleep(0.05)


@pytest.mark.parametrize("statement", [3, 12])  # 12: the command alone is killed; its workers follow
def test_kill_in_the_middle_of_an_import(db_url: str, tmp_path: Path, statement: int) -> None:
    invoke("queue", "add", str(READY), "--db", db_url)
    before = db_rows(db_url)
    cases = jsonl(tmp_path, 600)  # several chunks of INSERTs: the 12th statement is in the second
    assert _killed_at(statement, "queue", "add", str(cases), "--jobs", "2", "--db", db_url, group=statement == 3) == -signal.SIGKILL
    assert db_rows(db_url) == before
    # nothing is left locked or half-written: the same import now goes through whole
    code, out, _ = invoke("queue", "add", str(cases), "--db", db_url)
    assert code == 0 and out.splitlines()[-1] == "600 opened, 0 updated, 0 unchanged, 0 not added"
    assert invoke("db", "check", "--db", db_url)[0] == 0


@pytest.mark.parametrize("statement", [1, 3])
def test_kill_in_the_middle_of_a_decision(db_url: str, statement: int) -> None:
    invoke("queue", "add", str(READY), "--db", db_url)
    invoke("queue", "submit", "1", "--ref", "0042", "--db", db_url)
    before = db_rows(db_url)
    args = ("queue", "decide", "1", "approved", "--valid-to", "2030-01-01", "--units", "90868=36", "--db", db_url)
    assert _killed_at(statement, *args) == -signal.SIGKILL
    assert db_rows(db_url) == before
    assert _killed_at(10_000, *args) == 0  # not killed: the whole decision is there
    after = db_rows(db_url)
    assert sum(1 for r in after if r["table"] == "decisions") == 1
    assert next(r["row"]["status"] for r in after if r["table"] == "requests") == "approved"
