"""Benchmarks of priorauth against baselines measured in the same run.

    python benchmarks/run.py            # the full run (a few minutes on 2 cores)
    python benchmarks/run.py --quick    # smaller numbers: a smoke run
    python benchmarks/run.py --json results.json

Generates synthetic cases (seeded: different payers among the shipped rule sets, drugs
from the catalog, varied durations, doses, scales and documents, a few invalid ones)
into a temporary folder and measures:

- evaluations per second (case x rule set, in this process), against PyYAML parsing the
  same files (``yaml.load`` with ``CSafeLoader`` when available);
- ``priorauth batch`` wall time for 1,000 cases without letters, against PyYAML parsing
  the same 1,000 files;
- ``priorauth batch --letters pdf`` wall time for 100 letters, and milliseconds per PDF
  and per DOCX letter, against plain reportlab and python-docx documents of the same
  length (the same paragraphs as a letter) x100, and LibreOffice's DOCX-to-PDF conversion
  when ``soffice`` is installed;
- ``priorauth --version`` start time, and ``priorauth check`` of one sample case as a whole
  process (start to exit: imports, building the case and rule models, reading the rule
  set and the catalog, the report), each against a bare Click program, run in turn;
- peak memory of the batch (``getrusage(RUSAGE_CHILDREN).ru_maxrss``: the largest
  process of the tree; and the sum over the tree, sampled from /proc) for 1,000 and
  10,000 cases from JSON Lines with ``--jobs 2``.

Timings are wall-clock medians of several runs where a run is short; the batch runs
use the default --jobs (the number of CPUs) unless stated.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml

from priorauth import catalog
from priorauth.rules import Registry

YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
YAML_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
ENV.pop("PRIORAUTH_RULES_DIR", None)  # the shipped rule sets only
# An installed package has its bytecode compiled; a checkout run with
# PYTHONDONTWRITEBYTECODE would compile every module at every start. Keep the cache in
# the temporary folder (set in main) rather than in the checkout.
ENV.pop("PYTHONDONTWRITEBYTECODE", None)
PRIORAUTH = [sys.executable, "-m", "priorauth"]


@dataclass(frozen=True)
class Sizes:
    cases: int  # synthetic cases for evaluation and the no-letter batch
    memory_small: int
    memory_large: int
    pdf_batch: int  # letters written by the letter batch
    pdf_each: int  # letters timed one by one in this process
    docx_each: int
    baseline_docs: int  # plain reportlab / python-docx documents
    soffice: int  # letters converted by LibreOffice
    starts: int  # runs of each start-time measurement


FULL = Sizes(1000, 1000, 10000, 100, 30, 15, 100, 5, 15)
QUICK = Sizes(100, 100, 1000, 10, 5, 3, 10, 2, 5)


# ---- synthetic cases ------------------------------------------------------------------------

REQUEST_DATE = dt.date(2026, 11, 18)
GIVEN = ["Ana", "Ben", "Chen", "Dana", "Eli", "Fatima", "Grace", "Hugo", "Ines", "Jon", "Kofi", "Lena", "Mateo", "Nora", "Omar", "Priya"]
FAMILY = ["Alvarez", "Brooks", "Cohen", "Diaz", "Evans", "Fischer", "Garcia", "Huang", "Ito", "Jones", "Khan", "Lopez", "Miller", "Nguyen"]
CODES = ["F33.2", "F33.1", "F32.2", "F32.1", "F33.0", "F32.9", "F33.3"]
SCALES = {"PHQ-9": (5, 27), "HAM-D17": (8, 40), "MADRS": (10, 50), "BDI-II": (10, 55), "QIDS-SR16": (6, 25)}
DOC_KINDS = [
    "psychiatric_evaluation",
    "medication_history",
    "rating_scale",
    "psychotherapy_notes",
    "treatment_plan",
    "safety_screening",
    "rems_enrollment",
    "pdmp_report",
    "prescriber_attestation",
    "progress_notes",
]
FLAGS = [
    "seizure_history",
    "implanted_metal_near_head",
    "psychotic_features",
    "bipolar_disorder",
    "schizophrenia_spectrum",
    "neurological_condition",
    "uncontrolled_hypertension",
    "aneurysmal_vascular_disease",
    "intracerebral_hemorrhage_history",
    "ketamine_hypersensitivity",
    "pregnant",
]


def _day(days_before: int) -> str:
    return (REQUEST_DATE - dt.timedelta(days=days_before)).isoformat()


def _npi(rng: random.Random) -> str:
    """A random NPI with a valid Luhn check digit (over the "80840" prefix)."""
    body = [rng.randint(1, 9)] + [rng.randint(0, 9) for _ in range(8)]
    digits = [8, 0, 8, 4, 0] + body
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            d = d - 9 if d > 9 else d
        total += d
    return "".join(map(str, body)) + str((10 - total % 10) % 10)


def _medications(rng: random.Random, episode_days: int, thorough: bool) -> list[dict[str, Any]]:
    antidepressants = [d for d in catalog.all_drugs() if d.role == "antidepressant" and d.min_dose_mg]
    augmenting = [d for d in catalog.all_drugs() if d.role == "augmenting_agent" and d.min_dose_mg]
    classes_used: set[str] = set()
    meds = []
    start = episode_days - rng.randint(5, 30)
    for _ in range(rng.randint(3, 5) if thorough else rng.randint(0, 4)):
        pool = [d for d in antidepressants if d.drug_class not in classes_used] if thorough else antidepressants
        drug = rng.choice(pool or antidepressants) if thorough or rng.random() < 0.8 or not augmenting else rng.choice(augmenting)
        classes_used.add(drug.drug_class)
        weeks = rng.choice([8, 10, 12]) if thorough else rng.choice([2, 3, 4, 5, 6, 8, 10, 12, 16])
        low = drug.min_dose_mg or 10
        high = max(drug.max_dose_mg or low * 2, low)
        dose = rng.uniform(low, high) if thorough else rng.uniform(low * 0.5, high)
        begin = max(start, weeks * 7 + 5)
        med: dict[str, Any] = {
            "drug": rng.choice([drug.generic, *drug.brands]),
            "max_daily_dose_mg": max(round(dose, 1), 0.1),
            "start": _day(begin),
            "outcome": "inadequate_response" if thorough else rng.choice(["inadequate_response", "inadequate_response", "partial_response", "intolerance", "response"]),
            "role": "augmentation" if drug.role == "augmenting_agent" else "monotherapy",
            "adherence_pct": rng.randint(80, 100),
            "improvement_pct": rng.randint(0, 20) if thorough else rng.randint(0, 60),
        }
        if thorough or rng.random() < 0.85:
            med["end"] = _day(begin - weeks * 7)
        meds.append(med)
        start = begin - weeks * 7 - rng.randint(3, 20)
        if start < 30:
            break
    return meds


def synthetic_case(rng: random.Random, index: int, offers: dict[str, list[str]]) -> dict[str, Any]:
    """One case: a random payer and one of its treatments. About half are "thorough"
    charts (adequate trials of several classes, every screening fact and document on
    file) so that a good share is ready; the others leave random gaps."""
    payer = rng.choice(sorted(offers))
    treatment = rng.choice(offers[payer])
    thorough = rng.random() < 0.5
    episode_days = rng.randint(400, 1500) if thorough else rng.randint(120, 1500)
    case: dict[str, Any] = {
        "format": 1,
        "patient": {
            "id": f"BM-{index:05d}",
            "given_name": rng.choice(GIVEN),
            "family_name": rng.choice(FAMILY),
            "birth_date": _day(365 * (rng.randint(25, 60) if thorough else rng.randint(16, 85)) + rng.randint(0, 364)),
            "sex": rng.choice(["female", "male", "other", "unknown"]),
        },
        "coverage": {"payer": payer, "plan": "Synthetic Plan", "member_id": f"M{rng.randint(10**8, 10**9)}"},
        "request": {"treatment": treatment, "kind": "continuation" if rng.random() < 0.05 else "initial", "date": REQUEST_DATE.isoformat()},
        "prescriber": {
            "name": f"Dr {rng.choice(FAMILY)}",
            "npi": _npi(rng),
            "specialty": "psychiatry" if thorough else rng.choice(["psychiatry", "psychiatric_nurse_practitioner", "primary_care"]),
            "board_certified": thorough or rng.random() < 0.8,
        },
        "diagnoses": [{"code": "F33.2" if thorough else rng.choice(CODES), "primary": True, "diagnosed_on": _day(episode_days + rng.randint(0, 2000))}],
        "episode": {"current_start": _day(episode_days)},
        "medications": _medications(rng, episode_days, thorough),
    }
    if treatment == "tms":
        case["request"].update({"procedure_codes": ["90867", "90868"], "sessions": 36 if thorough else rng.choice([30, 36, 40]), "protocol": "standard" if thorough else rng.choice(["standard", "theta_burst", "deep"])})
    else:
        case["request"].update({"indication": "trd" if thorough else rng.choice(["trd", "mdsi"]), "procedure_codes": ["G2082"], "devices": 23 if thorough else rng.choice([23, 28, 56])})
        case["rems"] = {k: thorough or rng.random() < 0.8 for k in ("patient_enrolled", "setting_certified") if thorough or rng.random() < 0.8}
    if thorough or rng.random() < 0.7:
        case["psychotherapy"] = [
            {"modality": rng.choice(["CBT", "IPT", "DBT", "behavioral_activation"]), "start": _day(300), "end": _day(300 - 7 * rng.randint(10, 20)), "sessions": rng.randint(12, 24), "outcome": "inadequate_response"}
        ]
    if thorough or rng.random() < 0.5:
        case["ect"] = {"status": "declined" if thorough else rng.choice(["not_tried", "declined", "contraindicated", "failed"])}
    names = ["PHQ-9", "HAM-D17"] if thorough else rng.sample(sorted(SCALES), rng.randint(0, 3))
    case["assessments"] = [
        {"instrument": name, "score": SCALES[name][1] - rng.randint(0, 4) if thorough else rng.randint(*SCALES[name]), "date": _day(rng.choice([3, 10] if thorough else [3, 10, 25, 45, 120]))}
        for name in names
    ]
    clinical: dict[str, Any] = {flag: not thorough and rng.random() < 0.07 for flag in FLAGS if thorough or rng.random() < 0.75}  # absent = not documented
    if thorough or rng.random() < 0.7:
        clinical["substance_use_disorder"] = "none" if thorough else rng.choice(["none", "remission", "active"])
    if thorough or rng.random() < 0.7:
        clinical["suicidal_ideation"] = "passive" if thorough else rng.choice(["none", "passive", "active_with_intent"])
    if thorough or rng.random() < 0.6:
        clinical["pdmp_checked"] = thorough or rng.random() < 0.8
    clinical["concurrent_treatments"] = []
    clinical["implanted_devices"] = []
    if treatment == "spravato" and (thorough or rng.random() < 0.8):
        clinical["oral_antidepressant_continuing"] = thorough or rng.random() < 0.85
    case["clinical"] = clinical
    kinds = DOC_KINDS if thorough else rng.sample(DOC_KINDS, rng.randint(2, len(DOC_KINDS)))
    case["documents"] = [{"kind": kind, "date": _day(rng.choice([2, 7] if thorough else [2, 14, 40, 100, 400]))} for kind in kinds]
    if rng.random() < 0.03:  # a few invalid cases, as a real export has
        _break(rng, case)
    return case


def _break(rng: random.Random, case: dict[str, Any]) -> None:
    how = rng.randrange(4)
    if how == 0:
        del case["coverage"]["member_id"]
    elif how == 1:
        case["prescriber"]["npi"] = "1234567890"  # bad check digit
    elif how == 2:
        case["episode"]["current_start"] = "2026-02-30"
    else:
        case["request"]["sessoins"] = 36


def rule_offers() -> dict[str, list[str]]:
    registry = Registry(use_env=False)
    return {p: sorted({rid.split("/")[1] for rid in registry.find_ids(p, ["tms", "spravato"])}) for p in registry.payers()}


def write_yaml_cases(folder: Path, count: int, seed: int) -> list[Path]:
    rng = random.Random(seed)
    offers = rule_offers()
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"case-{i:05d}.yaml"
        path.write_text(yaml.dump(synthetic_case(rng, i, offers), Dumper=YAML_DUMPER, sort_keys=False, allow_unicode=True), encoding="utf-8")
        paths.append(path)
    return paths


def write_jsonl_cases(path: Path, count: int, seed: int) -> Path:
    rng = random.Random(seed)
    offers = rule_offers()
    with path.open("w", encoding="utf-8") as handle:
        for i in range(count):
            handle.write(json.dumps(synthetic_case(rng, i, offers), ensure_ascii=False) + "\n")
    return path


def ready_cases(folder: Path, count: int) -> list[Path]:
    """``count`` cases that are ready (so each gets a letter): the ready samples and the
    ready example cases of the shipped rule sets, each under new patient ids."""
    from priorauth.api import check_case
    from priorauth.case import Case

    registry = Registry(use_env=False)
    seeds: list[dict[str, Any]] = []
    sources = sorted((ROOT / "samples").glob("*ready*.yaml")) + sorted((ROOT / "payer_rules").glob("*/examples/*ready*.yaml"))
    for path in sources:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)
        data = data.get("case", data)
        data = json.loads(json.dumps(data, default=str))
        try:
            if all(r.status == "ready" for r in check_case(Case.model_validate(data), registry)):
                seeds.append(data)
        except Exception:  # an example another engineer is changing: not a seed
            continue
    if not seeds:
        raise SystemExit("no ready sample or example case to write letters for")
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        data = json.loads(json.dumps(seeds[i % len(seeds)]))
        data["patient"]["id"] = f"LT-{i:04d}"
        path = folder / f"ready-{i:04d}.yaml"
        path.write_text(yaml.dump(data, Dumper=YAML_DUMPER, sort_keys=False, allow_unicode=True), encoding="utf-8")
        paths.append(path)
    return paths


# ---- measuring ------------------------------------------------------------------------------


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_cli(args: Sequence[str], ok: Sequence[int] = (0, 1, 2)) -> tuple[float, float]:
    """(wall seconds, CPU seconds of the command and its workers)."""
    cpu = _children_cpu()  # a reaped child's usage includes that of the workers it reaped
    start = time.perf_counter()
    proc = subprocess.run([*PRIORAUTH, *args], env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in ok:
        raise SystemExit(f"priorauth {' '.join(args)} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return elapsed, _children_cpu() - cpu


# Runs a command as its child and reports its peak memory: ru_maxrss of RUSAGE_CHILDREN is
# the largest resident set among the waited-for descendants (the batch and its workers);
# the sum over the live process tree is sampled from /proc as well.
MEMORY_PROBE = textwrap.dedent(
    """
    import json, os, resource, subprocess, sys, time

    def tree(pid):
        out, todo = [], [pid]
        while todo:
            p = todo.pop()
            out.append(p)
            try:
                with open(f"/proc/{p}/task/{p}/children") as f:
                    todo += [int(c) for c in f.read().split()]
            except OSError:
                pass
        return out

    def rss_kb(pid):
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    start = time.perf_counter()
    proc = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        if os.path.exists("/proc"):
            peak = max(peak, sum(rss_kb(p) for p in tree(proc.pid)))
        time.sleep(0.02)
    wall = time.perf_counter() - start
    maxrss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(json.dumps({"code": proc.returncode, "maxrss_kb": maxrss, "tree_kb": peak, "wall": wall}))
    """
)


def peak_memory(args: Sequence[str]) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", MEMORY_PROBE, *PRIORAUTH, *args], env=ENV, capture_output=True, text=True, check=True)
    result = json.loads(proc.stdout)
    if result["code"] not in (0, 1, 2):
        raise SystemExit(f"priorauth {' '.join(args)} failed ({result['code']})")
    return result


def start_times(commands: Sequence[list[str]], runs: int) -> list[float]:
    """The median wall time of each command from start to exit, the commands run in turn
    (A B A B ...) so that a machine slowing down during the measurement slows them alike."""
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for command, spent in zip(commands, times):
            start = time.perf_counter()
            subprocess.run(command, env=ENV, stdout=subprocess.DEVNULL, check=True)
            spent.append(time.perf_counter() - start)
    return [statistics.median(spent) for spent in times]


BARE_CLICK = textwrap.dedent(
    """
    import click

    @click.group()
    @click.version_option("0.1.0", prog_name="bare")
    def main() -> None:
        pass

    main()
    """
)

# What any command that validates with pydantic pays before its own models: importing
# Click, PyYAML and pydantic, and pydantic's first model (its plugin lookup included).
PYDANTIC_FLOOR = "import click, yaml\nfrom pydantic import BaseModel\nclass M(BaseModel):\n    x: int\nM(x=1)"


def pdf_pages(data: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page[^s]", data))


def letter_paragraphs(case_path: Path) -> list[str]:
    """The paragraphs of a real letter (its DOCX: body paragraphs and table cells)."""
    import docx

    from priorauth.letters import DocumentOptions, plan_documents

    [planned] = plan_documents(case_path, DocumentOptions("letter", "docx"), output_dir=".")
    document = docx.Document(io.BytesIO(planned.data))
    texts = [p.text for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        for table_row in table.rows:
            texts += [cell.text for cell in table_row.cells if cell.text.strip()]
    return texts


def reportlab_plain(paragraphs: list[str], pages: int = 1) -> bytes:
    """The paragraphs in reportlab's default style, spread over ``pages`` pages (at least)."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import letter
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate

    buffer = io.BytesIO()
    style = getSampleStyleSheet()["Normal"]
    flow: list[Any] = []
    per_page = -(-len(paragraphs) // max(pages, 1))
    for i, text in enumerate(paragraphs):
        if i and i % per_page == 0:
            flow.append(PageBreak())  # the letter's page count, though plain text is denser
        flow.append(Paragraph(escape(text), style))
    SimpleDocTemplate(buffer, pagesize=letter).build(flow)
    return buffer.getvalue()


def docx_plain(paragraphs: list[str]) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def soffice_per_letter(letters: list[Path], work: Path) -> float | None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        return None
    profile = (work / "lo-profile").as_uri()  # our own profile: never touch a running user's one
    command = [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf", "--outdir", str(work / "lo-out")]
    try:
        subprocess.run([*command, str(letters[0])], capture_output=True, timeout=180, check=True)  # first start creates the profile
        start = time.perf_counter()
        subprocess.run([*command, *map(str, letters)], capture_output=True, timeout=300, check=True)
        return (time.perf_counter() - start) / len(letters)
    except (subprocess.SubprocessError, OSError):
        return None


# ---- the report -----------------------------------------------------------------------------


@dataclass
class Figure:
    name: str
    value: float
    unit: str
    baseline_name: str | None = None
    baseline: float | None = None
    target: float | None = None  # the largest ratio value/baseline allowed

    @property
    def ratio(self) -> float | None:
        if self.baseline in (None, 0):
            return None
        return self.value / self.baseline  # type: ignore[operator]

    @property
    def met(self) -> str:
        if self.target is None or self.ratio is None:
            return ""
        return "yes" if self.ratio <= self.target else "NO"

    def cells(self) -> list[str]:
        ratio = self.ratio
        return [
            self.name,
            fmt(self.value, self.unit),
            self.baseline_name or "",
            fmt(self.baseline, self.unit) if self.baseline is not None else "",
            f"{ratio:.2f}x" if ratio is not None else "",
            f"<= {self.target:g}x" if self.target is not None else "",
            self.met,
        ]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "unit": self.unit, "baseline_name": self.baseline_name, "baseline": self.baseline, "ratio": self.ratio, "target": self.target, "met": self.met or None}


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return ""
    if unit == "s":
        return f"{value:.2f} s"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "MB":
        return f"{value:.0f} MB"
    if unit == "/s":
        return f"{value:,.0f}/s"
    return f"{value:g} {unit}"


def table(figures: list[Figure]) -> str:
    rows = [["measure", "value", "baseline", "baseline value", "ratio", "target", "met"]] + [f.cells() for f in figures]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |" for r in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small numbers, for a smoke run")
    parser.add_argument("--seed", type=int, default=20261118, help="seed of the synthetic cases")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    args = parser.parse_args(argv)
    sizes = QUICK if args.quick else FULL
    work = Path(tempfile.mkdtemp(prefix="priorauth-bench-"))
    ENV["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    figures: list[Figure] = []
    notes: list[str] = []

    def step(text: str) -> None:
        print(f"... {text}", file=sys.stderr, flush=True)

    try:
        step(f"generating {sizes.cases} case files, {sizes.memory_large} JSON Lines cases, {sizes.pdf_batch} ready cases in {work}")
        case_files = write_yaml_cases(work / "cases", sizes.cases, args.seed)
        jsonl_small = write_jsonl_cases(work / "small.jsonl", sizes.memory_small, args.seed + 1)
        jsonl_large = write_jsonl_cases(work / "large.jsonl", sizes.memory_large, args.seed + 1)
        ready = ready_cases(work / "ready", sizes.pdf_batch)
        warm = "import priorauth.cli.batch, priorauth.batch, priorauth.letters, priorauth.documents.pdf_writer, priorauth.documents.docx_writer"
        subprocess.run([sys.executable, "-c", warm], env=ENV, check=True)  # compile the bytecode once

        # PyYAML alone on the same files: what reading the input costs at the very least.
        step("baseline: PyYAML parse")

        def parse_all() -> None:
            for path in case_files:
                yaml.load(path.read_text(encoding="utf-8"), Loader=YAML_LOADER)

        parse_all()  # warm the page cache: both sides then read from memory
        yaml_time = min(timed(parse_all) for _ in range(3))
        cpu = time.process_time()
        parse_all()
        yaml_cpu = time.process_time() - cpu

        step("evaluations in this process")
        from priorauth.api import check_case
        from priorauth.case import load_case
        from priorauth.errors import PriorAuthError

        registry = Registry(use_env=False)
        loaded = []
        for path in case_files:
            try:
                loaded.append(load_case(path))
            except PriorAuthError:
                pass
        for case in loaded[:50]:
            check_case(case, registry)  # load the rule sets first
        evaluations = 0
        start = time.perf_counter()
        for case in loaded:
            evaluations += len(check_case(case, registry))
        eval_time = time.perf_counter() - start
        figures.append(Figure("evaluations per second (case x rule set, 1 core)", evaluations / eval_time, "/s", "PyYAML parses per second (same files)", len(case_files) / yaml_time))
        notes.append(f"{len(loaded)} of {len(case_files)} synthetic cases are valid; {evaluations} evaluations")

        step(f"priorauth batch: {sizes.cases} cases, no letters")
        batch_runs = [run_cli(["batch", str(work / "cases"), "-o", str(work / f"out-{i}")]) for i in range(3)]
        figures.append(Figure(f"batch {sizes.cases:,} cases, no letters (wall)", min(w for w, _ in batch_runs), "s", f"PyYAML parse of the {sizes.cases:,} files", yaml_time, target=2))
        figures.append(Figure(f"batch {sizes.cases:,} cases, no letters (CPU, all processes)", min(c for _, c in batch_runs), "s", "PyYAML parse (CPU)", yaml_cpu))
        summary = json.loads((work / "out-0" / "summary.json").read_text(encoding="utf-8"))
        counts = {s: sum(1 for r in summary if r["status"] == s) for s in ("ready", "incomplete", "not_eligible", "error")}
        notes.append("batch statuses: " + ", ".join(f"{k} {v}" for k, v in counts.items()))

        # Plain documents with the paragraphs of a real letter: the same length and pages.
        step("baselines: plain reportlab and python-docx documents")
        from priorauth.letters import DocumentOptions, plan_documents

        paragraphs = letter_paragraphs(ready[0])
        pages = pdf_pages(plan_documents(ready[0], DocumentOptions("letter", "pdf"), output_dir=".")[0].data)
        plain_pdf = reportlab_plain(paragraphs, pages)
        docx_plain(paragraphs)
        cpu = time.process_time()
        reportlab_time = timed(lambda: [reportlab_plain(paragraphs, pages) for _ in range(sizes.baseline_docs)])
        reportlab_cpu = time.process_time() - cpu
        docx_time = timed(lambda: [docx_plain(paragraphs) for _ in range(sizes.baseline_docs)])

        step(f"priorauth batch: {sizes.pdf_batch} PDF letters")
        letters_out = work / "letters"
        letter_batch, letter_cpu = run_cli(["batch", str(work / "ready"), "-o", str(letters_out), "--letters", "pdf"], ok=(0,))
        written = sorted(letters_out.glob("*.pdf"))  # letters, or continuation letters
        if len(written) != sizes.pdf_batch:
            raise SystemExit(f"expected {sizes.pdf_batch} letters, found {len(written)}")
        figures.append(
            Figure(f"batch {sizes.pdf_batch} PDF letters (wall)", letter_batch, "s", f"reportlab plain document x{sizes.baseline_docs}", reportlab_time * sizes.pdf_batch / sizes.baseline_docs, target=2)
        )
        figures.append(Figure(f"batch {sizes.pdf_batch} PDF letters (CPU, all processes)", letter_cpu, "s", "reportlab plain documents (CPU)", reportlab_cpu * sizes.pdf_batch / sizes.baseline_docs))
        notes.append(f"a letter: {len(paragraphs)} paragraphs, {pages} PDF pages; the plain reportlab document: the same paragraphs, {pdf_pages(plain_pdf)} pages")

        step("letters one by one in this process")
        plan_documents(ready[0], DocumentOptions("letter", "pdf"), output_dir=".", registry=registry)  # fonts and templates loaded once
        plan_documents(ready[0], DocumentOptions("letter", "docx"), output_dir=".", registry=registry)
        pdf_ms = 1000 * timed(lambda: [plan_documents(p, DocumentOptions("letter", "pdf"), output_dir=".", registry=registry) for p in ready[: sizes.pdf_each]]) / sizes.pdf_each
        docx_ms = 1000 * timed(lambda: [plan_documents(p, DocumentOptions("letter", "docx"), output_dir=".", registry=registry) for p in ready[: sizes.docx_each]]) / sizes.docx_each
        figures.append(Figure("ms per PDF letter (evaluate + render, 1 core)", pdf_ms, "ms", "reportlab plain document", 1000 * reportlab_time / sizes.baseline_docs))
        figures.append(Figure("ms per DOCX letter (evaluate + render, 1 core)", docx_ms, "ms", "python-docx plain document", 1000 * docx_time / sizes.baseline_docs))

        step("LibreOffice DOCX-to-PDF conversion")
        docx_dir = work / "docx"
        docx_dir.mkdir()
        docx_letters = []
        for i, path in enumerate(ready[: sizes.soffice]):
            [planned] = plan_documents(path, DocumentOptions("letter", "docx"), output_dir=docx_dir, registry=registry)
            target = docx_dir / f"letter-{i}.docx"
            target.write_bytes(planned.data)
            docx_letters.append(target)
        soffice = soffice_per_letter(docx_letters, work)
        if soffice is None:
            notes.append("LibreOffice (soffice) not installed or failed: no conversion baseline")
        else:
            figures.append(Figure("ms per PDF letter, against LibreOffice", pdf_ms, "ms", f"LibreOffice DOCX->PDF ({sizes.soffice} letters)", 1000 * soffice))

        step("start time")
        bare = work / "bare_click.py"
        bare.write_text(BARE_CLICK, encoding="utf-8")
        bare_click = [sys.executable, str(bare), "--version"]
        check_sample = [*PRIORAUTH, "check", str(ROOT / "samples" / "cigna-tms-ready.yaml")]
        start_times([[*PRIORAUTH, "--version"], check_sample, bare_click], 2)  # warm the file cache
        ours, theirs = start_times([[*PRIORAUTH, "--version"], bare_click], sizes.starts)
        figures.append(Figure("priorauth --version start (median)", 1000 * ours, "ms", "bare Click program start", 1000 * theirs, target=1.5))
        ours, theirs, floor = start_times([check_sample, bare_click, [sys.executable, "-c", PYDANTIC_FLOOR]], sizes.starts)
        figures.append(Figure("priorauth check <sample>, whole process (median)", 1000 * ours, "ms", "bare Click program start", 1000 * theirs, target=2.5))
        figures.append(Figure("  the floor: Click + PyYAML + pydantic, one model", 1000 * floor, "ms", "bare Click program start", 1000 * theirs))

        step(f"peak memory: {sizes.memory_small:,} and {sizes.memory_large:,} JSON Lines cases, --jobs 2")
        small = peak_memory(["batch", str(jsonl_small), "-o", str(work / "mem-small"), "--jobs", "2"])
        large = peak_memory(["batch", str(jsonl_large), "-o", str(work / "mem-large"), "--jobs", "2"])
        figures.append(Figure(f"peak RSS, largest process, {sizes.memory_small:,} cases", small["maxrss_kb"] / 1024, "MB"))
        figures.append(Figure(f"peak RSS, largest process, {sizes.memory_large:,} cases", large["maxrss_kb"] / 1024, "MB", f"same, {sizes.memory_small:,} cases", small["maxrss_kb"] / 1024, target=1.5))
        if large["tree_kb"] and small["tree_kb"]:
            figures.append(Figure(f"peak RSS, process tree sum, {sizes.memory_large:,} cases", large["tree_kb"] / 1024, "MB", f"same, {sizes.memory_small:,} cases", small["tree_kb"] / 1024, target=1.5))
        notes.append(f"batch wall time from JSON Lines, --jobs 2: {small['wall']:.2f} s for {sizes.memory_small:,} cases, {large['wall']:.2f} s for {sizes.memory_large:,}")
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    print(f"priorauth benchmarks ({'quick' if args.quick else 'full'} run; Python {sys.version.split()[0]}, {cpus} CPUs, load average {load} at the end, PyYAML {'with' if YAML_LOADER is not yaml.SafeLoader else 'without'} libyaml)")
    print()
    print(table(figures))
    print()
    for note in notes:
        print(f"- {note}")
    if args.json:
        Path(args.json).write_text(json.dumps({"figures": [f.to_json() for f in figures], "notes": notes}, indent=2), encoding="utf-8")
    missed = [f.name for f in figures if f.met == "NO"]
    if missed:
        print("\ntargets missed: " + "; ".join(missed))
    if args.quick:
        print("\n(--quick: small numbers, where start-up dominates; the targets are for the full run)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
