"""Benchmark of the FHIR import against baselines measured in the same run.

    python benchmarks/fhir.py            # 5 MB bundle; NDJSON exports of 100 and 1,000 patients; bundles of 3,000 and 12,000
    python benchmarks/fhir.py --quick    # smaller numbers: a smoke run

- speed: importing a Bundle of about 5 MB, against ``json.load`` of the same file, each
  run several times in turn (min, median and max; the ratios are of the medians, and of
  the minimums, measured in the same run; and of the median of ``json.load`` alone in a
  fresh process, which is faster; and of the CPU times, which the other processes of a
  busy shared machine disturb less): reading it into the narrow models, the whole
  import (reading, mapping every patient, rendering every case file in memory), and the
  same writing the files as ``priorauth import fhir`` does (atomic, fsync'd: disk-bound).
  The issue's bar: within 3x.
- memory: ``priorauth import fhir`` of Bulk NDJSON exports of 100 and 1,000 patients, each
  in its own process, writing the case files: peak resident memory (``VmHWM``, in a
  run without tracemalloc, whose own tables count there) and the peak of Python
  allocations during the import (``tracemalloc``, interpreter and imported modules
  excluded). The bar: the peak at 1,000 within 1.5x of the peak at 100.
- memory of one large Bundle file: the same, for a single Bundle of 3,000 and of 12,000
  patients (11 and 43 MB, above the size held in memory). The bar: 1.5x.

The charts are those of the tests (tests/fhir/charts.py), with ids varied per patient.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import statistics
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


def times(fns: dict[str, Any], runs: int) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Each function run ``runs`` times, in turn (so that a busy moment of the shared
    machine falls on all of them alike): its wall-clock times, and its CPU times (which
    the other processes of a busy machine disturb less)."""
    wall: dict[str, list[float]] = {name: [] for name in fns}
    cpu: dict[str, list[float]] = {name: [] for name in fns}
    for _ in range(runs):
        for name, fn in fns.items():
            start, start_cpu = time.perf_counter(), time.process_time()
            fn()
            cpu[name].append(time.process_time() - start_cpu)
            wall[name].append(time.perf_counter() - start)
    return wall, cpu


def speed(folder: Path, megabytes: float, runs: int) -> dict[str, Any]:
    from priorauth.fhir import Options, case_yaml, imports, write_imports
    from priorauth.fhir.read import read_charts

    path = folder / "bundle.json"
    patients = big_bundle(path, megabytes)
    options = Options("tms", None, dt.date(2025, 11, 1))
    out = folder / "speed-cases"

    def load() -> None:
        with path.open("rb") as handle:
            json.load(handle)

    def run_import() -> None:
        for imp in imports([path], options):
            case_yaml(imp)

    def run_read() -> None:
        for _ in read_charts([path]):
            pass

    def run_write() -> None:
        for _ in write_imports(imports([path], options), out, force=True):
            pass

    run_import()  # warm: catalog and tables loaded once per process
    measured, cpu = times({"json_load": load, "read": run_read, "import": run_import, "import_writing": run_write}, runs)
    # json.load alone in a fresh process is faster than between the import's runs (whose
    # freed memory and collector counts it inherits): the ratios against it are given too
    fresh = subprocess.run([sys.executable, "-c", _FRESH_LOAD, str(path), str(runs)], capture_output=True, text=True, check=True)
    measured["json_load_fresh"] = [float(x) for x in fresh.stdout.split()]
    result: dict[str, Any] = {"bundle_mb": round(path.stat().st_size / 1e6, 2), "patients": patients, "runs": runs}
    base = measured["json_load"]
    for name, values in measured.items():
        result[f"{name}_s"] = {"min": round(min(values), 4), "median": round(statistics.median(values), 4), "max": round(max(values), 4)}
        if not name.startswith("json_load"):
            result[f"{name}_ratio"] = {"median": round(statistics.median(values) / statistics.median(base), 2), "min": round(min(values) / min(base), 2)}
            fresh_median = statistics.median(measured["json_load_fresh"])
            result[f"{name}_ratio_fresh"] = {"median": round(statistics.median(values) / fresh_median, 2)}
    for name, values in cpu.items():
        if name != "json_load":
            result[f"{name}_ratio_cpu"] = {"median": round(statistics.median(values) / statistics.median(cpu["json_load"]), 2), "min": round(min(values) / min(cpu["json_load"]), 2)}
    return result


_FRESH_LOAD = """
import json, sys, time
times = []
for _ in range(int(sys.argv[2])):
    start = time.perf_counter()
    with open(sys.argv[1], "rb") as handle:
        json.load(handle)
    times.append(time.perf_counter() - start)
print(*times)
"""

_CHILD = """
import resource, sys, tracemalloc
from priorauth.cli import main
import priorauth.case, priorauth.fhir, priorauth.fhir.mapping, priorauth.catalog, priorauth.output
priorauth.catalog.all_drugs()
if sys.argv[3] == "traced":
    tracemalloc.start()
try:
    main(["import", "fhir", sys.argv[1], "-o", sys.argv[2], "--treatment", "tms", "--request-date", "2025-11-01", "--force"], prog_name="priorauth", standalone_mode=False)
finally:
    peak = tracemalloc.get_traced_memory()[1]
    try:  # this process's own peak: ru_maxrss keeps the parent's from before exec
        with open("/proc/self/status") as status:
            rss = next(int(x.split()[1]) for x in status if x.startswith("VmHWM:"))
    except (OSError, StopIteration):
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("PEAK", peak, rss, file=sys.stderr)
"""


def memory(folder: Path, patients: int, bundle: bool = False) -> dict[str, Any]:
    if bundle:
        export = charts.large_bundle(folder / f"bundle-{patients}.json", patients)
    else:
        export = charts.ndjson_export(folder / f"export-{patients}", patients)
    out = folder / f"cases-{'bundle' if bundle else 'ndjson'}-{patients}"
    peaks = []
    for mode in ("traced", "resident"):  # tracemalloc's own tables would count in the resident peak
        done = subprocess.run([sys.executable, "-c", _CHILD, str(export), str(out), mode], capture_output=True, text=True, check=True)
        line = next(x for x in done.stderr.splitlines() if x.startswith("PEAK"))
        peaks.append(line.split())
    traced, rss = peaks[0][1], peaks[1][2]
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
    print(f"bundle {fast['bundle_mb']} MB, {fast['patients']} patients, {fast['runs']} runs each (min / median / max):")
    labels = (("json_load", "json.load"), ("json_load_fresh", "json.load in a fresh process"), ("read", "read into the models"),
              ("import", "whole import"), ("import_writing", "whole import writing the files"))
    for name, label in labels:
        t = fast[f"{name}_s"]
        ratio = ""
        if not name.startswith("json_load"):
            r = fast[f"{name}_ratio"]
            c = fast[f"{name}_ratio_cpu"]
            ratio = (f" ({r['median']}x of the median, {r['min']}x of the min; {fast[f'{name}_ratio_fresh']['median']}x of the fresh median;"
                     f" in CPU time {c['median']}x of the median, {c['min']}x of the min; bar 3x)")
        print(f"  {label}: {t['min']} / {t['median']} / {t['max']} s{ratio}")
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
