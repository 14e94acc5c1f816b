"""Benchmark of the FHIR import against baselines measured in the same run.

    python benchmarks/fhir.py            # 5 MB bundle; NDJSON exports of 100 and 1,000 patients; bundles of 3,000 and 12,000
    python benchmarks/fhir.py --quick    # smaller numbers: a smoke run

- speed: importing a Bundle of about 5 MB, against ``json.load`` of the same file, the
  fastest of several runs of each: reading it streamed into the narrow models, and the
  whole import (reading, mapping every patient, rendering every case file in memory).
  The issue's bar: within 3x.
- memory: ``priorauth import fhir`` of Bulk NDJSON exports of 100 and 1,000 patients, each
  in its own process, writing the case files: peak resident memory (``ru_maxrss``) and
  the peak of Python allocations during the import (``tracemalloc``, interpreter and
  imported modules excluded). The bar: the peak at 1,000 within 1.5x of the peak at 100.
- memory of one large Bundle file: the same, for a single Bundle of 3,000 and of 12,000
  patients (11 and 43 MB, above the size held in memory). The bar: 1.5x.

The charts are those of the tests (tests/fhir/charts.py), with ids varied per patient.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "fhir"))
import charts


def big_bundle(path: Path, megabytes: float) -> int:
    """A searchset of US Core-style charts of about ``megabytes``, every id (and every
    reference to it) made unique per patient; the number of patients."""
    template = json.dumps(charts.us_core_bundle()["entry"])
    entries: list[dict[str, Any]] = []
    size = 0
    n = 0
    while size < megabytes * 1_000_000:
        text = re.sub(r'"id": "([^"#]+)"', rf'"id": "\1-{n}"', template)
        text = re.sub(r'("(?:reference|fullUrl)": "[^"]*/)([^"/]+)"', rf'\1\2-{n}"', text)
        text = text.replace("MRN-004217", f"MRN-{n:06d}")
        entries.extend(json.loads(text))
        size += len(text)
        n += 1
    path.write_text(json.dumps({"resourceType": "Bundle", "type": "searchset", "entry": entries}), encoding="utf-8")
    return n


def best_time(fn: Any, runs: int) -> float:
    """The fastest of ``runs`` runs: on a shared machine the others measure the neighbours."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def speed(folder: Path, megabytes: float, runs: int) -> dict[str, Any]:
    from priorauth.fhir import Options, case_yaml, imports
    from priorauth.fhir.read import read_charts

    path = folder / "bundle.json"
    patients = big_bundle(path, megabytes)
    options = Options("tms", None, dt.date(2025, 11, 1))

    def load() -> None:
        with path.open("rb") as handle:
            json.load(handle)

    def run_import() -> None:
        for imp in imports([path], options):
            case_yaml(imp)

    def run_read() -> None:
        for _ in read_charts([path]):
            pass

    run_import()  # warm: catalog and tables loaded once per process
    base = best_time(load, runs)
    read = best_time(run_read, runs)
    ours = best_time(run_import, runs)
    return {
        "bundle_mb": round(path.stat().st_size / 1e6, 2),
        "patients": patients,
        "json_load_s": round(base, 4),
        "read_s": round(read, 4),
        "read_ratio": round(read / base, 2),
        "import_s": round(ours, 4),
        "ratio": round(ours / base, 2),
    }


_CHILD = """
import resource, sys, tracemalloc
from priorauth.cli import main
import priorauth.case, priorauth.fhir, priorauth.fhir.mapping, priorauth.catalog, priorauth.output
priorauth.catalog.all_drugs()
tracemalloc.start()
try:
    main(["import", "fhir", sys.argv[1], "-o", sys.argv[2], "--treatment", "tms", "--request-date", "2025-11-01"], prog_name="priorauth", standalone_mode=False)
finally:
    peak = tracemalloc.get_traced_memory()[1]
    print("PEAK", peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)
"""


def memory(folder: Path, patients: int, bundle: bool = False) -> dict[str, Any]:
    if bundle:
        export = charts.large_bundle(folder / f"bundle-{patients}.json", patients)
    else:
        export = charts.ndjson_export(folder / f"export-{patients}", patients)
    out = folder / f"cases-{'bundle' if bundle else 'ndjson'}-{patients}"
    done = subprocess.run([sys.executable, "-c", _CHILD, str(export), str(out)], capture_output=True, text=True, check=True)
    line = next(x for x in done.stderr.splitlines() if x.startswith("PEAK"))
    _, traced, rss = line.split()
    size = export.stat().st_size if bundle else sum(p.stat().st_size for p in export.iterdir())
    return {"patients": patients, "export_mb": round(size / 1e6, 2), "cases": len(list(out.iterdir())), "traced_peak_mb": round(int(traced) / 1e6, 2), "rss_peak_mb": round(int(rss) / 1024, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        fast = speed(folder, 1.0 if args.quick else 5.0, 3 if args.quick else 7)
        small, large = (memory(folder, n) for n in ((20, 200) if args.quick else (100, 1000)))
        b_small, b_large = (memory(folder, n, bundle=True) for n in ((2500, 5000) if args.quick else (3000, 12000)))
    result = {
        "speed": fast,
        "memory": [small, large],
        "memory_ratio_traced": round(large["traced_peak_mb"] / small["traced_peak_mb"], 2),
        "memory_ratio_rss": round(large["rss_peak_mb"] / small["rss_peak_mb"], 2),
        "bundle_memory": [b_small, b_large],
        "bundle_memory_ratio_traced": round(b_large["traced_peak_mb"] / b_small["traced_peak_mb"], 2),
        "bundle_memory_ratio_rss": round(b_large["rss_peak_mb"] / b_small["rss_peak_mb"], 2),
    }
    print(
        f"bundle {fast['bundle_mb']} MB, {fast['patients']} patients: json.load {fast['json_load_s']} s; "
        f"read into the models {fast['read_s']} s ({fast['read_ratio']}x); whole import {fast['import_s']} s ({fast['ratio']}x; bar 3x)"
    )
    for m in result["memory"]:
        print(f"NDJSON {m['patients']} patients ({m['export_mb']} MB, {m['cases']} cases): peak {m['traced_peak_mb']} MB allocated, {m['rss_peak_mb']} MB resident")
    print(f"peak ratio {large['patients']} / {small['patients']} patients: {result['memory_ratio_traced']}x allocated, {result['memory_ratio_rss']}x resident (bar 1.5x)")
    for m in result["bundle_memory"]:
        print(f"one Bundle of {m['patients']} patients ({m['export_mb']} MB, {m['cases']} cases): peak {m['traced_peak_mb']} MB allocated, {m['rss_peak_mb']} MB resident")
    print(f"peak ratio {b_large['patients']} / {b_small['patients']} patients: {result['bundle_memory_ratio_traced']}x allocated, {result['bundle_memory_ratio_rss']}x resident (bar 1.5x)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
