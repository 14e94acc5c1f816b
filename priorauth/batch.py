"""Batch runs: many cases checked at once, with letters, checklists and a summary.

The inputs are case files, folders of them, and JSON Lines exports (one case object per
line). Every case is judged on its own: a case that cannot be read or evaluated becomes
one ``error`` row with a message that names the file, line and field (never a patient
value), and the batch goes on. The run writes ``summary.csv`` and ``summary.json`` into
the output folder and yields events for the command to print; it never prints.

Memory stays flat however long the batch: inputs are streamed (a JSON Lines file is read
line by line, never whole), at most a few chunks of work are in flight at a time, and
workers write their documents themselves and send back only the small summary rows;
the summary's rows (a few hundred bytes each) are all the parent keeps.

``--resume`` re-evaluates each case (a few milliseconds, against hundreds for rendering
a letter) to learn which files it should have, and renders only what is missing. No
manifest is kept: the files on disk are the record (they are written atomically, so a
file that exists is complete), and a file deleted by hand is simply produced again.

File names are decided before any worker starts: when documents are written, the parent
reads every case once (milliseconds, against a tenth of a second for a letter) and gives
the cases that share a patient id names of their own, so two cases never write over, or
list, each other's files. A folder holding an earlier run's summary is refused unless
``--resume`` or ``--force``: that summary is the earlier run's record.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from priorauth.api import check_case
from priorauth.case import Case, load_case_text, load_case_with_digest
from priorauth.errors import CaseFileError, InputFileError, Issue, OutputError, PriorAuthError, UsageError
from priorauth.loading import MAX_FILE_BYTES, decode_text, did_you_mean
from priorauth.output import confined, ensure_folder, safe_part, write_atomic
from priorauth.outputs import ROW_FIELDS, Row, RowStatus
from priorauth.report import Report
from priorauth.rules import Registry

if TYPE_CHECKING:
    from priorauth.letters import Planned

__all__ = [
    "LETTER_FORMATS",
    "STATUSES",
    "FIELDS",
    "BatchOptions",
    "CaseInput",
    "Row",
    "BatchStarted",
    "CaseDone",
    "BatchFinished",
    "BatchAborted",
    "run_batch",
    "discover",
    "default_jobs",
    "summary_csv",
    "summary_json",
    "exit_code",
]

LetterFormat = Literal["none", "pdf", "docx", "both"]

LETTER_FORMATS: tuple[LetterFormat, ...] = ("none", "pdf", "docx", "both")
STATUSES: tuple[RowStatus, ...] = ("ready", "incomplete", "not_eligible", "error")
CASE_SUFFIXES = (".yaml", ".yml", ".json")
JSONL_SUFFIX = ".jsonl"
SUMMARY_CSV = "summary.csv"
SUMMARY_JSON = "summary.json"
FIELDS = ROW_FIELDS
MAX_ISSUES = 10  # per error row; the summary is a table, not a validation report

# Cases per unit of work sent to a worker. Evaluating a case takes milliseconds, so
# without documents many go together to amortise the inter-process round trip; a letter
# takes a tenth of a second or more, so then one at a time keeps the workers evenly busy.
CHUNK_EVALUATE = 32
CHUNK_DOCUMENTS = 1
CHUNKS_IN_FLIGHT_PER_WORKER = 2


@dataclass(frozen=True)
class BatchOptions:
    """What to do with each case; the same for every case of the batch."""

    output_dir: Path
    letters: LetterFormat = "none"
    checklists: bool = False
    payer: str | None = None  # None: each case's own coverage.payer; "all": every payer
    treatment: str | None = None  # None: each case's own request.treatment; or "both"
    rules_dirs: tuple[str, ...] = ()
    clinic: str | None = None  # clinic profile for the letterhead and signature
    templates_dir: str | None = None
    force: bool = False
    resume: bool = False
    jobs: int = 1
    date: dt.date | None = None  # the date documents bear (the command passes today's); None: each request.date

    @property
    def writes_documents(self) -> bool:
        return self.letters != "none" or self.checklists

    @property
    def letter_formats(self) -> list[str]:
        return [] if self.letters == "none" else (["pdf", "docx"] if self.letters == "both" else [self.letters])

    @property
    def checklist_formats(self) -> list[str]:
        # Checklists follow the letters' format; alone, both formats, like `priorauth checklist`.
        if not self.checklists:
            return []
        return self.letter_formats or ["pdf", "docx"]


@dataclass(frozen=True)
class CaseInput:
    """One case to process: a file, or one line of a JSON Lines file (read by the parent)."""

    source: str  # as shown to the user: "cases/a.yaml" or "export.jsonl:17"
    path: str
    line: int | None = None  # JSON Lines: the line number
    data: bytes | None = None  # JSON Lines: the line's bytes
    problem: str | None = None  # the input could not be read at all (too long a line, unreadable file)
    part: str | None = None  # patient part of its file names, when its patient id is shared (see _unique_parts)


@dataclass(frozen=True)
class BatchStarted:
    total: int  # cases (a JSON Lines file counts one per non-blank line)
    workers: int  # 1: in this process


@dataclass(frozen=True)
class CaseDone:
    index: int  # 1-based, in input order
    total: int
    source: str
    rows: tuple[Row, ...]
    resumed: bool = False  # --resume found every file of this case already written


@dataclass(frozen=True)
class BatchFinished:
    rows: list[Row]
    summary_files: list[Path]
    counts: dict[str, int]
    cases: int
    resumed: int
    exit_code: int


BatchEvent = BatchStarted | CaseDone | BatchFinished


@dataclass(frozen=True)
class _Outcome:
    """What a worker sends back: small, whatever the case wrote."""

    source: str
    rows: tuple[Row, ...]
    resumed: bool = False


# ---- finding the inputs ---------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    path: Path
    shown: str
    jsonl: bool
    count: int  # cases in it
    problem: str | None = None  # e.g. a folder without case files: one error row


def default_jobs() -> int:
    """The CPUs this process may use (a container's limit, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def _folder_files(folder: Path) -> list[tuple[Path, str]]:
    """(path, identity) of the case and JSON Lines files under ``folder``, sorted by path.

    The identity (the real path) tells a file given twice apart from two files; it is
    built from the folder's real path without a system call per file.
    """
    real = os.path.realpath(folder)
    found: list[tuple[Path, str]] = []
    for root, dirs, files in os.walk(folder):
        # Dot-folders and dot-files (.git, editor backups, our own ".name.part"
        # temporaries) hold no cases; not walking them also keeps a big .git cheap.
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel = os.path.relpath(root, folder)
        for name in files:
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in (*CASE_SUFFIXES, JSONL_SUFFIX):
                found.append((Path(root, name), os.path.normpath(os.path.join(real, rel, name))))
    found.sort(key=lambda item: item[0].parts)
    return found


def discover(inputs: Sequence[str | Path], output_dir: Path) -> list[_Source]:
    """The case files and JSON Lines files named by ``inputs``, in order, each once.

    Folders are searched recursively and sorted. A path that does not exist, or a folder
    without case files, is kept, so that it becomes one error row instead of stopping
    the batch.
    """
    own = os.path.realpath(output_dir / SUMMARY_JSON)  # a previous run's summary is not a case
    seen: set[str] = set()
    out: list[_Source] = []

    def add(path: Path, identity: str) -> None:
        if identity in seen or identity == own:
            return
        seen.add(identity)
        jsonl = path.suffix.lower() == JSONL_SUFFIX
        out.append(_Source(path, str(path), jsonl, _count_jsonl(path) if jsonl else 1))

    for given in inputs:
        path = Path(given)
        if path.is_dir():
            found = _folder_files(path)
            if not found:
                out.append(_Source(path, str(path), False, 1, "no case files in this folder (they end in .yaml, .yml, .json or .jsonl)"))
            for file, identity in found:
                add(file, identity)
        else:
            add(path, os.path.realpath(path))
    return out


def _jsonl_lines(path: Path) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) of each non-blank line; ``None`` for a line too long to be a case.

    Reads at most one case's worth of bytes at a time, so neither a huge file nor a huge
    line is ever held in memory.
    """
    with path.open("rb") as handle:
        number = 0
        while True:
            line = handle.readline(MAX_FILE_BYTES + 1)
            if not line:
                return
            number += 1
            if len(line) > MAX_FILE_BYTES and not line.endswith(b"\n"):
                while True:  # skip the rest of the line without keeping it
                    rest = handle.readline(1 << 20)
                    if not rest or rest.endswith(b"\n"):
                        break
                yield number, None
            elif line.strip():
                yield number, line.rstrip(b"\r\n")


def _count_jsonl(path: Path) -> int:
    try:
        return sum(1 for _ in _jsonl_lines(path)) or 1  # an empty export is still one (bad) input
    except OSError:
        return 1


def _items(sources: Iterable[_Source]) -> Iterator[CaseInput]:
    """Every case, lazily: JSON Lines files are read as the workers ask for more."""
    for src in sources:
        if not src.jsonl:
            yield CaseInput(src.shown, src.shown, problem=src.problem)
            continue
        try:
            empty = True
            for number, data in _jsonl_lines(src.path):
                empty = False
                if data is None:
                    problem = f"the line is longer than {MAX_FILE_BYTES // 1048576} MB; one case is a few kilobytes"
                    yield CaseInput(f"{src.shown}:{number}", src.shown, number, problem=problem)
                else:
                    yield CaseInput(f"{src.shown}:{number}", src.shown, number, data)
            if empty:
                yield CaseInput(src.shown, src.shown, problem="the file has no cases (every line is blank)")
        except FileNotFoundError:
            yield CaseInput(src.shown, src.shown, problem="file not found (check the path)")
        except OSError as exc:
            # Lines already sent stay processed; the rest of the file is one error.
            yield CaseInput(src.shown, src.shown, problem=f"cannot read the file ({exc.strerror})")


# ---- one case -------------------------------------------------------------------------------


def _error_text(exc: PriorAuthError, source: str) -> str:
    """One line for the summary. The error classes never quote a value from the case."""
    if isinstance(exc, InputFileError):
        shown = exc.issues[:MAX_ISSUES]
        text = "; ".join(issue.render(exc.file) for issue in shown) or f"{exc.file}: {exc.message}"
        if len(exc.issues) > len(shown):
            text += f"; and {len(exc.issues) - len(shown)} more"
    else:
        text = f"{source}: {exc.message}"
    if exc.hint:
        text += f" (hint: {exc.hint})"
    return " ".join(text.split())  # a CSV cell and a table line: no line breaks


def _internal_error(source: str, exc: BaseException) -> str:
    # The exception's text may quote the case: name only its type.
    return f"{source}: unexpected internal error ({type(exc).__name__}); this is a bug in priorauth"


def _row(source: str, report: Report) -> Row:
    return Row(
        source=source,
        case=report.case,
        payer=report.payer,
        treatment=report.treatment,
        rule_set=report.rule_set.id,
        status=report.status,
        unmet=tuple(report.topics("not_met")),
        unknown=tuple(report.topics("unknown")),
        missing_documents=tuple(d.kind for d in report.missing_documents),
    )


def _load(item: CaseInput) -> tuple[Case, str]:
    if item.problem is not None:
        raise CaseFileError(item.path, Issue("", item.problem, line=item.line))
    if item.line is None:
        return load_case_with_digest(item.path)
    assert item.data is not None
    try:
        text = decode_text(item.data, item.path, "case file", CaseFileError)
        case = load_case_text(text, item.path, "json")
    except InputFileError as exc:
        # A line is its own one-line document; its line in the file is the one to name.
        raise CaseFileError(exc.file, [dataclasses.replace(i, line=item.line) for i in exc.issues], exc.hint) from None
    # The digest of the line as exported, so the letter's audit line can be checked against it.
    return case, hashlib.sha256(item.data).hexdigest()


class _Worker:
    """Processes cases with one registry; one per process (or one for ``--jobs 1``)."""

    def __init__(self, options: BatchOptions) -> None:
        self.options = options
        self.registry = Registry(options.rules_dirs)
        self.folder = options.output_dir

    def process(self, item: CaseInput) -> _Outcome:
        try:
            return self._process(item)
        except Exception as exc:  # a bug must cost one case, not the batch
            return _Outcome(item.source, (Row(item.source, None, None, None, None, "error", error=_internal_error(item.source, exc)),))

    def _process(self, item: CaseInput) -> _Outcome:
        opts = self.options
        try:
            case, digest = _load(item)
        except PriorAuthError as exc:
            return _Outcome(item.source, (Row(item.source, None, None, None, None, "error", error=_error_text(exc, item.source)),))
        try:
            reports = check_case(case, self.registry, opts.payer, opts.treatment)
        except PriorAuthError as exc:
            payer = opts.payer if opts.payer not in (None, "all") else case.coverage.payer
            treatment = opts.treatment if opts.treatment not in (None, "both") else case.request.treatment
            row = Row(item.source, case.patient.id, payer, treatment, None, "error", error=_error_text(exc, item.source))
            return _Outcome(item.source, (row,))
        rows = [_row(item.source, r) for r in reports]
        if not opts.writes_documents:
            return _Outcome(item.source, tuple(rows))
        try:
            files, resumed = self._documents(item, case, digest, reports)
        except PriorAuthError as exc:
            message = _error_text(exc, item.source)
            return _Outcome(item.source, tuple(dataclasses.replace(r, status="error", error=message) for r in rows))
        return _Outcome(item.source, tuple(dataclasses.replace(r, files=tuple(files.get(r.rule_set or "", ()))) for r in rows), resumed)

    def _expected(self, case: Case, part: str, reports: list[Report]) -> list[tuple[str, str, str, str]]:
        """(rule set id, kind, format, file name) of every document this case should have."""
        from priorauth.letters import choose_template, document_name

        opts = self.options
        out = []
        for report in reports:
            for kind, formats in (("letter", opts.letter_formats if report.status == "ready" else []), ("checklist", opts.checklist_formats)):
                word = choose_template(kind, report, case, None)[1]  # type: ignore[arg-type]
                for ext in formats:
                    out.append((report.rule_set.id, kind, ext, document_name(part, report, word, ext)))
        return out

    def _documents(self, item: CaseInput, case: Case, digest: str, reports: list[Report]) -> tuple[dict[str, list[str]], bool]:
        """Render and write the letters (ready rule sets only) and checklists of one case."""
        from priorauth.letters import name_part, plan_documents

        opts = self.options
        part = item.part or name_part(case)
        expected = self._expected(case, part, reports)
        files: dict[str, list[str]] = {}
        for rule_id, _, _, name in expected:
            files.setdefault(rule_id, []).append(name)
        missing = {(rule_id, kind) for rule_id, kind, _, name in expected if not (self.folder / name).exists()}
        if opts.resume and not missing:
            return files, bool(expected)

        common: dict[str, Any] = {
            "output_dir": self.folder,
            "registry": self.registry,
            "case_and_digest": (case, digest),
            "clinic_path": opts.clinic,
            "templates_dir": opts.templates_dir,
            "date": opts.date,
            "part": part,
        }
        planned: list[Planned] = []
        by_id = {r.rule_set.id: r for r in reports}
        for rule_id, kind, fmt in _groups(expected, opts):
            if opts.resume and (rule_id, kind) not in missing:
                continue
            report = by_id[rule_id]
            # One rule set at a time: with --payer all or --treatment both, a ready rule set
            # gets its letter even when another one of the case is not ready.
            planned += plan_documents(item.source, kind, fmt=fmt, payer=report.payer, treatment=report.treatment, **common)  # type: ignore[arg-type]

        targets = [(confined(self.folder, p.path.name), p) for p in planned]
        if opts.resume:
            targets = [(t, p) for t, p in targets if not t.exists()]
        elif not opts.force:
            existing = [t.name for t, _ in targets if t.exists()]
            if existing:
                raise OutputError(
                    f"{existing[0]} already exists in the output folder" + (f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""),
                    "--resume keeps what an earlier run wrote and adds what is missing; --force overwrites",
                )
        for target, p in targets:  # every document rendered before the first is written
            write_atomic(target, p.data, force=opts.force)
        # The names plan_documents chose are the truth; they match _expected unless the
        # naming changed there, and then the written files must still be listed.
        for rule_id in files:
            names = [p.path.name for p in planned if p.report.rule_set.id == rule_id]
            kept = [n for n in files[rule_id] if opts.resume and n not in names and (self.folder / n).exists()]
            order = {n: i for i, n in enumerate(files[rule_id])}
            files[rule_id] = sorted(kept + [n for n in names if n not in kept], key=lambda n: order.get(n, len(order)))
        return files, False


def _groups(expected: list[tuple[str, str, str, str]], opts: BatchOptions) -> list[tuple[str, str, str]]:
    """(rule set id, kind, plan_documents format) for each document kind to render."""
    out: list[tuple[str, str, str]] = []
    for rule_id, kind, _, _ in expected:
        formats = opts.letter_formats if kind == "letter" else opts.checklist_formats
        group = (rule_id, kind, "both" if len(formats) == 2 else formats[0])
        if group not in out:
            out.append(group)
    return out


# ---- file names ----------------------------------------------------------------------------


def _tag(item: CaseInput) -> str:
    """Where a case came from, for a file name: ``a`` for cases/a.yaml, ``export-line17``."""
    stem = Path(item.path).stem
    return f"{stem}-line{item.line}" if item.line is not None else stem


def _unique_parts(items: Iterable[CaseInput]) -> dict[int, str]:
    """The file-name part of every case (by 1-based input number) whose patient id another
    case of the batch shares; decided here, before any worker starts.

    Each such case gets its own part, ``<patient id>_<input file>`` (with the line of a
    JSON Lines export), so neither can write over the other's documents, and no summary
    row can list another case's file. Cases whose ids differ only in letter case count as
    shared too: on Windows and macOS they would be one file. Other cases keep the plain
    name from :func:`priorauth.letters.name_part`, which the workers also use.
    """
    from priorauth.letters import name_part

    seen: dict[str, list[tuple[int, str, str]]] = {}
    for index, item in enumerate(items, 1):
        try:
            part = name_part(_load(item)[0])
        except Exception:  # the worker reports it, in its row
            continue
        seen.setdefault(part.casefold(), []).append((index, part, _tag(item)))
    taken = set(seen)
    out: dict[int, str] = {}
    for members in seen.values():
        if len(members) < 2:
            continue
        for index, part, tag in members:
            unique = safe_part(f"{part}_{tag}")
            n = 1
            while unique.casefold() in taken:  # two files of the same name in different folders
                n += 1
                unique = safe_part(f"{part}_{tag}-{n}")
            taken.add(unique.casefold())
            out[index] = unique
    return out


def _named(items: Iterator[CaseInput], parts: dict[int, str]) -> Iterator[CaseInput]:
    for index, item in enumerate(items, 1):
        yield dataclasses.replace(item, part=parts[index]) if index in parts else item


# ---- running many ---------------------------------------------------------------------------

_WORKER: _Worker | None = None  # set in each pool process by _init_worker


def _init_worker(options: BatchOptions) -> None:
    import signal

    # Ctrl-C is the parent's to handle; workers that caught it too would print a traceback each.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    global _WORKER
    _WORKER = _Worker(options)


def _process_chunk(items: list[CaseInput]) -> list[_Outcome]:
    assert _WORKER is not None
    return [_WORKER.process(item) for item in items]


def _chunks(items: Iterator[CaseInput], size: int) -> Iterator[list[CaseInput]]:
    chunk: list[CaseInput] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class BatchAborted(PriorAuthError):
    """A worker process died (killed, out of memory): the batch cannot go on."""


def _execute(items: Iterator[CaseInput], options: BatchOptions, workers: int) -> Iterator[_Outcome]:
    """Outcomes in input order; with a pool, only a few chunks are ever in flight."""
    if workers <= 1:
        worker = _Worker(options)
        for item in items:
            yield worker.process(item)
        return
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    size = CHUNK_DOCUMENTS if options.writes_documents else CHUNK_EVALUATE
    window = workers * CHUNKS_IN_FLIGHT_PER_WORKER
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_init_worker, initargs=(options,))
    pending: deque[Future[list[_Outcome]]] = deque()
    try:
        for chunk in _chunks(items, size):
            pending.append(pool.submit(_process_chunk, chunk))
            while len(pending) >= window:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    except BrokenProcessPool:
        raise BatchAborted(
            "a worker process stopped unexpectedly (out of memory, or killed); the batch was stopped",
            "rerun with --resume to keep the documents already written, or with fewer --jobs",
        ) from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _check_options(options: BatchOptions, registry: Registry) -> None:
    """Refuse, before any case runs, what would make every case fail the same way."""
    if options.resume and options.force:
        raise UsageError("--resume and --force contradict each other", "--resume keeps the files an earlier run wrote; --force overwrites them")
    if options.writes_documents and options.clinic:
        from priorauth.clinic import load_clinic

        load_clinic(options.clinic)
    if options.writes_documents and options.templates_dir:
        from priorauth.letters.render import environment

        environment(options.templates_dir)
    if options.payer in (None, "all"):
        return
    known = registry.payers()
    if options.payer not in known:
        guess = did_you_mean(options.payer, known)
        raise UsageError(f"--payer: no rule sets for payer '{options.payer}'", (f"did you mean '{guess}'? " if guess else "") + "see `priorauth rules list`")
    treatments = ["tms", "spravato"] if options.treatment in (None, "both") else [options.treatment]
    if options.treatment and not registry.find_ids(options.payer, treatments):
        raise UsageError(f"payer '{options.payer}' has no rule set for {options.treatment}", "pick another --treatment or --payer")


def _check_earlier_run(options: BatchOptions) -> None:
    """The summaries of an earlier run are its record: never replaced unasked."""
    if options.force or options.resume:
        return
    found = [name for name in (SUMMARY_CSV, SUMMARY_JSON) if os.path.lexists(options.output_dir / name)]
    if found:
        raise UsageError(
            f"{options.output_dir} already holds the summary of an earlier run ({' and '.join(found)}); nothing was run and it was kept",
            "--resume continues that run (writes only the missing documents, then a new summary); --force runs again and overwrites; or choose another folder with -o",
        )


def run_batch(inputs: Sequence[str | Path], options: BatchOptions) -> Iterator[BatchEvent]:
    """Process every case; yield ``BatchStarted``, one ``CaseDone`` per case, ``BatchFinished``.

    Raises :class:`UsageError` before anything runs when the options cannot work at all
    (unknown --payer, --resume with --force, an output folder that cannot be made, the
    summary of an earlier run without --resume or --force); everything about one case is
    reported in its rows instead. An interrupted batch still writes the summary of the
    cases finished so far.

    When documents are written, every case is read once before the workers start, to
    give cases that share a patient id file names of their own (see ``_unique_parts``).
    """
    if not inputs:
        raise UsageError("no case files given")
    _check_options(options, Registry(options.rules_dirs))
    _check_earlier_run(options)
    folder = ensure_folder(options.output_dir)
    options = dataclasses.replace(options, output_dir=folder)
    sources = discover(inputs, folder)
    total = sum(s.count for s in sources)
    workers = max(1, min(options.jobs, total))
    parts = _unique_parts(_items(sources)) if options.writes_documents else {}
    yield BatchStarted(total, workers)

    rows: list[Row] = []
    resumed = 0
    index = 0
    try:
        for index, outcome in enumerate(_execute(_named(_items(sources), parts), options, workers), 1):
            case_rows = tuple(_compact(r) for r in outcome.rows)
            rows.extend(case_rows)
            resumed += outcome.resumed
            yield CaseDone(index, total, outcome.source, case_rows, outcome.resumed)
    except (KeyboardInterrupt, BatchAborted):
        # What was done stays on record: the summary of the cases finished so far.
        _write_summaries(folder, rows)
        raise

    summary = _write_summaries(folder, rows)
    counts = {s: sum(1 for r in rows if r.status == s) for s in STATUSES}
    yield BatchFinished(rows, summary, counts, index, resumed, exit_code(rows))


def _write_summaries(folder: Path, rows: list[Row]) -> list[Path]:
    return [
        write_atomic(folder / SUMMARY_CSV, summary_csv(rows), force=True),
        write_atomic(folder / SUMMARY_JSON, summary_json(rows), force=True),
    ]


def _compact(row: Row) -> Row:
    # Rows arrive unpickled, each with its own copy of "cigna", "tms", "ready"...: share them.
    intern = sys.intern
    return Row(
        row.source,
        row.case,
        intern(row.payer) if row.payer else row.payer,
        intern(row.treatment) if row.treatment else row.treatment,
        intern(row.rule_set) if row.rule_set else row.rule_set,
        intern(row.status),  # type: ignore[arg-type]
        tuple(intern(t) for t in row.unmet),
        tuple(intern(t) for t in row.unknown),
        tuple(intern(t) for t in row.missing_documents),
        row.files,
        row.error,
    )


# ---- the summary ----------------------------------------------------------------------------


def summary_csv(rows: Iterable[Row]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(FIELDS)
    for row in rows:
        writer.writerow(row.to_csv())
    return buffer.getvalue().encode("utf-8")


def summary_json(rows: Iterable[Row]) -> bytes:
    """A JSON array with one row per line: readable, diffable, and built row by row, so
    that a long batch never holds every row as a dict at once."""
    parts = [b"["]
    for i, row in enumerate(rows):
        parts.append((",\n  " if i else "\n  ").encode() + json.dumps(row.to_json(), ensure_ascii=False).encode("utf-8"))
    parts.append(b"\n]\n" if len(parts) > 1 else b"]\n")
    return b"".join(parts)


def exit_code(rows: Iterable[Row]) -> int:
    """2 if any case was invalid or failed, else 1 if any has gaps, else 0."""
    statuses = {r.status for r in rows}
    if "error" in statuses:
        return 2
    return 0 if statuses <= {"ready"} else 1
