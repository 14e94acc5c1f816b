"""Benchmark of the web interface's Queue page under load, against a static health endpoint.

    python benchmarks/web_queue.py                  # 10,000 requests, 8 clients, 30 s per endpoint
    python benchmarks/web_queue.py --duration 5     # shorter
    python benchmarks/web_queue.py --requests 1000  # a smaller queue (a smoke run)
    python benchmarks/web_queue.py --pg             # also on a PostgreSQL server it starts

It fills a new SQLite queue with about 10,000 requests (synthetic cases, as
benchmarks/queue.py), starts `priorauth serve` on it (waitress, its own process), logs in
with the printed address, then runs 8 concurrent clients (threads of this process, each
with its own keep-alive connection) for DURATION seconds against GET /health, and then as
long against GET /queue (the first page: 50 rows, counts per status, the filters). For each
it reports the requests answered, the errors (any status but 200, or a failed connection),
and the median and 95th percentile of the response time seen by the client (the server's
time, waiting for a thread included). Target: the queue's p95 within 5x the health
endpoint's, with 0 errors.
"""

from __future__ import annotations

import sys
from pathlib import Path

# benchmarks/queue.py hides the standard library's `queue` (psycopg imports it) when this
# folder is on the path, as it is for a script: take it off before anything else is imported.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse
import http.client
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Sequence

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.run import ENV, PRIORAUTH, run_cli, write_jsonl_cases

CLIENTS = 8
TARGET = 5.0


def _fill(db: str, work: Path, count: int) -> int:
    """A queue of about ``count`` requests; how many it holds."""
    cases = write_jsonl_cases(work / "cases.jsonl", count * 103 // 100, seed=15)  # ~3% invalid on purpose
    run_cli(["queue", "add", str(cases), "--db", db])
    from priorauth.store import open_store
    from priorauth.store import queue as q

    store = open_store(db)
    try:
        return sum(q.status_counts(store).values())
    finally:
        store.close()


def _start(db: str, work: Path) -> tuple[subprocess.Popen[str], str, int, str]:
    """`priorauth serve` on a free port: (process, host, port, session cookie)."""
    proc = subprocess.Popen(
        [*PRIORAUTH, "serve", "--port", "0", "--db", db, "--data-dir", str(work / "files")], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    proc.stdout.readline()
    address = proc.stdout.readline().strip()  # http://127.0.0.1:PORT/login?token=...
    host_port, _, path = address.removeprefix("http://").partition("/")
    host, _, port = host_port.partition(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    conn.request("GET", "/" + path)
    answer = conn.getresponse()
    answer.read()
    cookie = (answer.getheader("Set-Cookie") or "").split(";")[0]
    conn.close()
    if answer.status != 303 or not cookie:
        proc.kill()
        raise SystemExit(f"could not log in: {answer.status}")
    return proc, host, int(port), cookie


def _load(host: str, port: int, cookie: str, path: str, duration: float, clients: int) -> tuple[list[float], int]:
    """``clients`` threads asking for ``path`` for ``duration`` seconds: (response times, errors)."""
    times: list[list[float]] = [[] for _ in range(clients)]
    errors = [0] * clients
    stop = time.perf_counter() + duration

    def client(i: int) -> None:
        conn = http.client.HTTPConnection(host, port, timeout=60)
        while time.perf_counter() < stop:
            start = time.perf_counter()
            try:
                conn.request("GET", path, headers={"Cookie": cookie})
                answer = conn.getresponse()
                answer.read()
                ok = answer.status == 200
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(host, port, timeout=60)
            times[i].append(time.perf_counter() - start)
            if not ok:
                errors[i] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return [t for ts in times for t in ts], sum(errors)


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def _measure(engine: str, db: str, work: Path, args: argparse.Namespace) -> tuple[int, dict[str, tuple[list[float], int]]]:
    held = _fill(db, work, args.requests)
    proc, host, port, cookie = _start(db, work)
    try:
        _load(host, port, cookie, "/queue", 2, args.clients)  # warm up: imports, caches, connections
        return held, {path: _load(host, port, cookie, path, args.duration, args.clients) for path in ("/health", "/queue")}
    finally:
        proc.terminate()
        proc.wait(10)


def _report(engine: str, held: int, results: dict[str, tuple[list[float], int]], args: argparse.Namespace) -> bool:
    print(f"{engine}: {held:,} requests in the queue; {args.clients} clients, {args.duration:g} s per endpoint")
    print("| endpoint | answered | errors | median | p95 |\n|---|---|---|---|---|")
    for path, (times, errors) in results.items():
        print(f"| GET {path} | {len(times):,} | {errors} | {statistics.median(times) * 1000:.1f} ms | {_p95(times) * 1000:.1f} ms |")
    ratio = _p95(results["/queue"][0]) / _p95(results["/health"][0])
    errors = sum(e for _, e in results.values())
    met = ratio <= TARGET and errors == 0
    print(f"queue p95 / health p95: {ratio:.2f}x (target within {TARGET:g}x, 0 errors): {'met' if met else 'NOT met'}\n")
    return met


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of load per endpoint (default 30)")
    parser.add_argument("--requests", type=int, default=10_000, help="about how many requests the queue holds (default 10,000)")
    parser.add_argument("--clients", type=int, default=CLIENTS, help=f"concurrent clients (default {CLIENTS})")
    parser.add_argument("--pg", action="store_true", help="also on a PostgreSQL server started for the run (as tests/pg.py does)")
    args = parser.parse_args(argv)
    met = True
    with tempfile.TemporaryDirectory(prefix="priorauth-web-bench-") as tmp:
        work = Path(tmp)
        held, results = _measure("SQLite", str(work / "queue.sqlite3"), work, args)
        met &= _report("SQLite", held, results, args)
        if args.pg:
            from tests.pg import PgServer

            server = PgServer()
            server.start()
            try:
                held, results = _measure("PostgreSQL", server.new_database(), work, args)
            finally:
                server.stop()
            met &= _report("PostgreSQL", held, results, args)
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
