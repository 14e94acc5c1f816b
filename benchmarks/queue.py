"""Benchmarks of the work queue (issue 14) against baselines measured in the same run.

    python benchmarks/queue.py                 # SQLite, and PostgreSQL when it can start one
    python benchmarks/queue.py --quick         # smaller numbers: a smoke run
    python benchmarks/queue.py --json results.json

On each engine it measures:

- ``priorauth queue add`` of 1,000 synthetic cases (the same generator as
  benchmarks/run.py) into an existing, empty queue, against ``priorauth batch`` of the
  same cases without letters (target: within 2x); both with the default --jobs (the
  CPUs), medians of five runs;
- listing 10,000 requests as ``queue list`` does (refresh, the query, each line
  rendered) against a bare ``SELECT`` of the same rows and columns through SQLAlchemy
  (target: within 3x), medians of five runs in this process;
- peak memory of ``priorauth queue list --all --format json`` with 1,000 and with
  10,000 requests (10,300 cases, 3% of them invalid on purpose) (target: the larger within 1.5x of the smaller), and of ``queue add``.

A PostgreSQL server is started as tests/pg.py does (``runuser -u postgres``
when run as root); without one (or with --no-pg) the PostgreSQL rows are left out.
"""

from __future__ import annotations

import sys
from pathlib import Path

# This file's name hides the standard library's `queue` (psycopg and others import it)
# when run as a script: take its folder off the path before anything else is imported.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import io
import json
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.run import Figure, peak_memory, run_cli, table, write_jsonl_cases


def _median(fn: Callable[[], Any], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _list_as_command(db: str) -> Callable[[], None]:
    """What `queue list --all` does, minus the process start: refresh, query, render."""
    import datetime as dt

    from priorauth.cli.queue import _list_line
    from priorauth.store import open_store
    from priorauth.store import queue as q

    store = open_store(db)
    today = dt.date.today()

    def run() -> None:
        q.refresh(store)
        out = io.StringIO()
        for row in q.list_requests(store, closed=True):
            out.write(_list_line(row, today) + "\n")

    return run


def _bare_select(db: str) -> tuple[Callable[[], None], int]:
    from sqlalchemy import select

    from priorauth.store import open_store
    from priorauth.store.models import Patient, Request
    from priorauth.store.queue import LIST_FIELDS

    store = open_store(db)
    cols = [getattr(Request, f) for f in LIST_FIELDS if f != "patient"]
    query = select(*cols, Patient.key).join(Patient, Patient.id == Request.patient_id)

    def run() -> None:
        with store.engine.connect() as conn:
            conn.execute(query).all()

    with store.engine.connect() as conn:
        count = len(conn.execute(query).all())
    return run, count


def bench_engine(name: str, new_db: Callable[[], str], work: Path, small: int, large: int, runs: int, runs_cli: int = 5) -> list[Figure]:
    figures: list[Figure] = []
    cases = work / "cases"
    if not cases.exists():
        cases.mkdir()
        write_jsonl_cases(cases / "cases.jsonl", small, seed=14)
        # about 3% of the synthetic cases are invalid on purpose: 3% more gives the requests
        write_jsonl_cases(work / "large.jsonl", large * 103 // 100, seed=15)
    batch_times, add_times = [], []
    for i in range(runs_cli):
        batch_times.append(run_cli(["batch", str(cases), "-o", str(work / f"out-{name}-{i}")])[0])
        small_db = new_db()
        run_cli(["db", "upgrade", "--db", small_db])  # an existing (empty) queue: creating it is not timed
        add_times.append(run_cli(["queue", "add", str(cases), "--db", small_db])[0])
    figures.append(Figure(f"{name}: queue add, {small:,} cases", statistics.median(add_times), "s", "batch, no letters", statistics.median(batch_times), 2))

    large_db = new_db()
    mem_add_large = peak_memory(["queue", "add", str(work / "large.jsonl"), "--db", large_db])
    figures.append(Figure(f"{name}: queue add, {large * 103 // 100:,} cases (wall)", mem_add_large["wall"], "s"))
    list_run = _list_as_command(large_db)
    bare_run, count = _bare_select(large_db)
    list_run()  # warm caches
    bare_run()
    figures.append(Figure(f"{name}: list {count:,} requests", _median(list_run, runs), "s", "bare SELECT, same rows", _median(bare_run, runs), 3))

    mem_small = peak_memory(["queue", "list", "--all", "--format", "json", "--db", small_db])
    mem_large = peak_memory(["queue", "list", "--all", "--format", "json", "--db", large_db])
    figures.append(Figure(f"{name}: queue list memory, {count:,} requests", mem_large["maxrss_kb"] / 1024, "MB", f"same, {small:,}", mem_small["maxrss_kb"] / 1024, 1.5))
    mem_add_small = peak_memory(["queue", "add", str(cases), "--db", new_db()])
    figures.append(Figure(f"{name}: queue add memory, {large * 103 // 100:,} cases", mem_add_large["maxrss_kb"] / 1024, "MB", f"same, {small:,}", mem_add_small["maxrss_kb"] / 1024, 1.5))
    return figures


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="100 and 1,000 instead of 1,000 and 10,000")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    small, large = (100, 1000) if args.quick else (1000, 10000)
    figures: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="priorauth-queue-bench-") as tmp:
        work = Path(tmp)
        counter = iter(range(1, 1000))
        figures += bench_engine("SQLite", lambda: str(work / f"q{next(counter)}.sqlite3"), work, small, large, runs=5)
        server = None
        if not args.no_pg:
            try:
                from tests.pg import PgServer

                server = PgServer()
                server.start()
                figures += bench_engine("PostgreSQL", server.new_database, work, small, large, runs=5)
            except (RuntimeError, OSError) as exc:
                print(f"PostgreSQL left out: {exc}", file=sys.stderr)
            finally:
                if server is not None:
                    server.stop()
    print(table(figures))
    if args.json:
        Path(args.json).write_text(json.dumps([f.to_json() for f in figures], indent=2) + "\n", encoding="utf-8")
    return 0 if all(f.met != "NO" for f in figures) else 1


if __name__ == "__main__":
    raise SystemExit(main())
