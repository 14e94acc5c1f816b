"""Benchmark: opening a case and its report in the web interface, against `priorauth check`
of the same case in-process.

    python benchmarks/web_case.py            # 300 rounds of each, in turn
    python benchmarks/web_case.py --rounds 50

- web: ``GET /cases/<id>`` through Flask's test client, in-process (the case page: the
  newest case version read from the queue database, validated, checked against its rule
  sets and rendered, criterion by criterion, with its documents, requests and versions);
- check: :func:`priorauth.api.check` of the same case file (reading the file, validating
  it, loading the rule sets and evaluating them), as `priorauth check` does without the
  printing.

Both run in turn in one process, after a warm-up, on the shipped samples (a ready case
and a case with gaps). The figures are the medians and 95th percentiles in milliseconds;
the issue's bar: the web page within 2x of the check (medians).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from priorauth.api import check
from tests.web.util import add_sample, log_in, make_app

SAMPLES = (("cigna-tms-ready.yaml", "cigna", "tms"), ("medicare-tms-incomplete.yaml", "medicare", "tms"))


def _ms(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[max(0, int(len(ordered) * 0.95) - 1)] * 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    worst = 0.0
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "queue.sqlite3")
        for name, payer, treatment in SAMPLES:
            add_sample(db, name, payer, treatment)
        app = make_app(db, Path(tmp) / "data")
        client = app.test_client()
        log_in(client)
        print(f"{'case':<32} {'web median':>11} {'web p95':>9} {'check median':>13} {'check p95':>10} {'ratio':>6}")
        for patient, (name, _, _) in enumerate(SAMPLES, 1):
            path = ROOT / "samples" / name
            url = f"/cases/{patient}"
            for _ in range(20):  # warm-up: templates compiled, rule files cached
                assert client.get(url).status_code == 200
                check(path)
            web: list[float] = []
            cli: list[float] = []
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                answer = client.get(url)
                t1 = time.perf_counter()
                check(path)
                t2 = time.perf_counter()
                assert answer.status_code == 200
                web.append(t1 - t0)
                cli.append(t2 - t1)
            (wm, wp), (cm, cp) = _ms(web), _ms(cli)
            ratio = wm / cm
            worst = max(worst, ratio)
            print(f"{name:<32} {wm:>9.2f}ms {wp:>7.2f}ms {cm:>11.2f}ms {cp:>8.2f}ms {ratio:>5.2f}x")
        app.extensions["priorauth_store"].close()
    print(f"worst ratio {worst:.2f}x (bar: 2x) -> {'ok' if worst <= 2 else 'OVER'}")
    return 0 if worst <= 2 else 1


if __name__ == "__main__":
    raise SystemExit(main())
