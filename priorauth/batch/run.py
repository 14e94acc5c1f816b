"""Running a batch: every case checked on its own, in worker processes, documents written.

Every case is judged on its own: a case that cannot be read or evaluated becomes one
``error`` row with a message that names the file, line and field (never a patient
value), and the batch goes on. ``run_batch`` yields events for the command to print; it
never prints.

Memory stays flat however long the batch: inputs are streamed (see
:mod:`priorauth.batch.discover`), at most a few chunks of work are in flight at a time,
and workers write their documents themselves and send back only the small summary rows.

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

import dataclasses
import datetime as dt
import os
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from priorauth.api import check_case_sources, check_choice
from priorauth.batch.discover import CaseInput, at_line, case_inputs, discover, load_input
from priorauth.batch.summary import STATUSES, SUMMARY_CSV, SUMMARY_JSON, Row, compact, exit_code, write_summaries
from priorauth.case import Case
from priorauth.errors import InputFileError, OutputError, PriorAuthError, UsageError
from priorauth.output import confined, ensure_folder, write_atomic
from priorauth.report import Report
from priorauth.rules import Registry, RuleSource

if TYPE_CHECKING:
    from priorauth.letters import DocKind, Format, Planned

__all__ = ["LETTER_FORMATS", "CHUNK_EVALUATE", "CHUNKS_IN_FLIGHT_PER_WORKER", "error_text", "internal_error", "chunks", "BatchOptions", "BatchStarted", "CaseDone", "BatchFinished", "BatchEvent", "BatchAborted", "run_batch", "default_jobs"]

LetterFormat = Literal["none", "pdf", "docx", "both"]

LETTER_FORMATS: tuple[LetterFormat, ...] = ("none", "pdf", "docx", "both")
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



def default_jobs() -> int:
    """The CPUs this process may use (a container's limit, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)



# ---- one case -------------------------------------------------------------------------------


def error_text(exc: PriorAuthError, source: str) -> str:
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


def internal_error(source: str, exc: BaseException) -> str:
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
            return _Outcome(item.source, (Row(item.source, None, None, None, None, "error", error=internal_error(item.source, exc)),))

    def _process(self, item: CaseInput) -> _Outcome:
        opts = self.options
        try:
            case, digest = load_input(item)
        except PriorAuthError as exc:
            return _Outcome(item.source, (Row(item.source, None, None, None, None, "error", error=error_text(exc, item.source)),))
        try:
            checked = check_case_sources(case, self.registry, opts.payer, opts.treatment)
        except PriorAuthError as exc:
            if isinstance(exc, InputFileError):  # the case's coverage.payer, at its line
                exc = at_line(exc, item)
            payer = opts.payer if opts.payer not in (None, "all") else case.coverage.payer
            treatment = opts.treatment if opts.treatment not in (None, "both") else case.request.treatment
            row = Row(item.source, case.patient.id, payer, treatment, None, "error", error=error_text(exc, item.source))
            return _Outcome(item.source, (row,))
        rows = [_row(item.source, r) for _, r in checked]
        if not opts.writes_documents:
            return _Outcome(item.source, tuple(rows))
        try:
            files, resumed = self._documents(item, case, digest, checked)
        except PriorAuthError as exc:
            message = error_text(exc, item.source)
            return _Outcome(item.source, tuple(dataclasses.replace(r, status="error", error=message) for r in rows))
        return _Outcome(item.source, tuple(dataclasses.replace(r, files=tuple(files.get(r.rule_set or "", ()))) for r in rows), resumed)

    def _expected(self, case: Case, part: str | None, reports: list[Report]) -> list[tuple[str, DocKind, str, str]]:
        """(rule set id, kind, format, file name) of every document this case should have."""
        from priorauth.letters import document_name

        opts = self.options
        out: list[tuple[str, DocKind, str, str]] = []
        for report in reports:
            kinds: tuple[tuple[DocKind, list[str]], ...] = (("letter", opts.letter_formats if report.status == "ready" else []), ("checklist", opts.checklist_formats))
            for kind, formats in kinds:
                for ext in formats:
                    out.append((report.rule_set.id, kind, ext, document_name(case, report, kind, ext, part=part)))
        return out

    def _documents(self, item: CaseInput, case: Case, digest: str, checked: list[tuple[RuleSource, Report]]) -> tuple[dict[str, list[str]], bool]:
        """Render and write the letters (ready rule sets only) and checklists of one case.

        The file names are :func:`priorauth.letters.document_name`'s, the function that
        names the rendered documents too, so what --resume looks for is what was written.
        """
        from priorauth.letters import DocumentOptions, render_documents

        opts = self.options
        expected = self._expected(case, item.part, [r for _, r in checked])
        files: dict[str, list[str]] = {}
        for rule_id, _, _, name in expected:
            files.setdefault(rule_id, []).append(name)
        missing = {(rule_id, kind) for rule_id, kind, _, name in expected if not (self.folder / name).exists()}
        if opts.resume and not missing:
            return files, bool(expected)

        planned: list[Planned] = []
        by_id = {r.rule_set.id: (source, r) for source, r in checked}
        for rule_id, kind, fmt in _groups(expected, opts):
            if opts.resume and (rule_id, kind) not in missing:
                continue
            # One rule set at a time: with --payer all or --treatment both, a ready rule set
            # gets its letter even when another one of the case is not ready.
            options = DocumentOptions(kind, fmt, clinic=opts.clinic, templates_dir=opts.templates_dir, date=opts.date)
            planned += render_documents(case, digest, [by_id[rule_id]], options, output_dir=self.folder, part=item.part)

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
        return files, False


def _groups(expected: list[tuple[str, DocKind, str, str]], opts: BatchOptions) -> list[tuple[str, DocKind, Format]]:
    """(rule set id, kind, render format) for each document kind to render."""
    out: list[tuple[str, DocKind, Format]] = []
    for rule_id, kind, _, _ in expected:
        formats = opts.letter_formats if kind == "letter" else opts.checklist_formats
        fmt: Format = "both" if len(formats) == 2 else formats[0]  # type: ignore[assignment]  # formats hold "pdf" and "docx" only
        group = (rule_id, kind, fmt)
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
    JSON Lines export; :func:`priorauth.letters.name_part` with a tag), so neither can
    write over the other's documents, and no summary row can list another case's file.
    Cases whose ids differ only in letter case count as shared too: on Windows and macOS
    they would be one file. Other cases keep the plain
    name from :func:`priorauth.letters.name_part`, which the workers also use.
    """
    from priorauth.letters import name_part

    seen: dict[str, list[tuple[int, str, str]]] = {}
    for index, item in enumerate(items, 1):
        try:
            patient_id = load_input(item)[0].patient.id
        except Exception:  # the worker reports it, in its row
            continue
        seen.setdefault(name_part(patient_id).casefold(), []).append((index, patient_id, _tag(item)))
    taken = set(seen)
    out: dict[int, str] = {}
    for members in seen.values():
        if len(members) < 2:
            continue
        for index, patient_id, tag in members:
            unique = name_part(patient_id, tag)
            n = 1
            while unique.casefold() in taken:  # two files of the same name in different folders
                n += 1
                unique = name_part(patient_id, f"{tag}-{n}")
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


def chunks(items: Iterator[CaseInput], size: int) -> Iterator[list[CaseInput]]:
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
        for chunk in chunks(items, size):
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
    check_choice(registry, options.payer, options.treatment)


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


def _fhir_options(options: BatchOptions) -> Any:
    """How a FHIR source among the inputs is imported: --treatment and --payer, and the
    documents' date (today, from the command) as the request date."""
    from priorauth.fhir import Options

    treatment = options.treatment if options.treatment in ("tms", "spravato") else ("tms" if options.treatment == "both" else None)
    payer = options.payer if options.payer and options.payer.strip().casefold() != "all" else None
    return Options(treatment, payer, options.date)


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
    sources = discover(inputs, folder, _fhir_options(options))
    total = sum(s.count for s in sources)
    workers = max(1, min(options.jobs, total))
    parts = _unique_parts(case_inputs(sources)) if options.writes_documents else {}
    yield BatchStarted(total, workers)

    rows: list[Row] = []
    resumed = 0
    index = 0
    try:
        for index, outcome in enumerate(_execute(_named(case_inputs(sources), parts), options, workers), 1):
            case_rows = tuple(compact(r) for r in outcome.rows)
            rows.extend(case_rows)
            resumed += outcome.resumed
            yield CaseDone(index, total, outcome.source, case_rows, outcome.resumed)
    except (KeyboardInterrupt, BatchAborted):
        # What was done stays on record: the summary of the cases finished so far.
        write_summaries(folder, rows)
        raise

    summary = write_summaries(folder, rows)
    counts: dict[str, int] = {s: sum(1 for r in rows if r.status == s) for s in STATUSES}
    yield BatchFinished(rows, summary, counts, index, resumed, exit_code(rows))


