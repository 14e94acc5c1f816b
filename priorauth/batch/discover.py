"""Finding the cases of a batch: case files, folders of them, and JSON Lines exports.

``discover`` turns what the user named into sources (each file once, folders searched
and sorted); ``case_inputs`` streams every case of them (a JSON Lines file line by line,
never whole); ``load_input`` reads one case, with errors that name the file, the line
and the field. Used by ``priorauth batch`` and by anything else that takes the same
inputs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from priorauth.batch.summary import SUMMARY_JSON
from priorauth.case import Case, load_case_text, load_case_with_digest
from priorauth.errors import CaseFileError, InputFileError, Issue, PriorAuthError
from priorauth.loading import MAX_FILE_BYTES, decode_text

__all__ = ["CASE_SUFFIXES", "JSONL_SUFFIX", "CaseInput", "Source", "discover", "case_inputs", "load_input", "at_line"]

CASE_SUFFIXES = (".yaml", ".yml", ".json")
JSONL_SUFFIX = ".jsonl"


@dataclass(frozen=True)
class CaseInput:
    """One case to process: a file, or one line of a JSON Lines file (read by the parent)."""

    source: str  # as shown to the user: "cases/a.yaml" or "export.jsonl:17"
    path: str
    line: int | None = None  # JSON Lines: the line number
    data: bytes | None = None  # JSON Lines: the line's bytes
    problem: str | None = None  # the input could not be read at all (too long a line, unreadable file)
    part: str | None = None  # patient part of its file names, when its patient id is shared (see priorauth.batch.run)


@dataclass(frozen=True)
class Source:
    """One input as given or found in a folder: a case file, or a JSON Lines file of ``count`` cases."""

    path: Path
    shown: str
    jsonl: bool
    count: int  # cases in it
    problem: str | None = None  # e.g. a folder without case files: one error row
    cases: tuple[tuple[str, bytes], ...] = ()  # a FHIR source: (label, case YAML) of each patient, imported in memory


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


def discover(inputs: Sequence[str | Path], output_dir: Path | None = None, fhir: Any = None) -> list[Source]:
    """The case files and JSON Lines files named by ``inputs``, in order, each once.

    ``inputs`` are case files (.yaml, .yml, .json), JSON Lines files (.jsonl) and folders
    of them, searched recursively (dot-files and dot-folders skipped) and sorted. A path
    that does not exist, or a folder without case files, is kept, so that it becomes one
    error instead of stopping the run. ``output_dir``'s summary.json, the record of an
    earlier batch, is never taken for a case. :func:`case_inputs` then gives every case
    of the sources, and :func:`load_input` reads one.

    A FHIR Bundle file, or a folder holding Bulk-export NDJSON files, is imported in
    memory with ``fhir`` (:class:`priorauth.fhir.Options`): one case per patient.
    """
    own = os.path.realpath(output_dir / SUMMARY_JSON) if output_dir is not None else None
    seen: set[str] = set()
    out: list[Source] = []

    def add(path: Path, identity: str) -> None:
        if identity in seen or identity == own:
            return
        seen.add(identity)
        if path.suffix.lower() == ".json" and _is_fhir(path):
            out.append(_fhir_source(path, fhir))
            return
        jsonl = path.suffix.lower() == JSONL_SUFFIX
        out.append(Source(path, str(path), jsonl, _count_jsonl(path) if jsonl else 1))

    for given in inputs:
        path = Path(given)
        if path.is_dir() and any(p.suffix.lower() == ".ndjson" for p in path.iterdir()):
            if os.path.realpath(path) not in seen:
                seen.add(os.path.realpath(path))
                out.append(_fhir_source(path, fhir))
        elif path.is_dir():
            found = _folder_files(path)
            if not found:
                out.append(Source(path, str(path), False, 1, "no case files in this folder (they end in .yaml, .yml, .json or .jsonl)"))
            for file, identity in found:
                add(file, identity)
        else:
            add(path, os.path.realpath(path))
    return out


def _is_fhir(path: Path) -> bool:
    from priorauth.loading.sniff import is_fhir_source

    return is_fhir_source(path)


def _fhir_source(path: Path, options: Any) -> Source:
    """Every patient of a FHIR source as a case, imported now (a problem: one error row)."""
    from priorauth.fhir import batch_cases

    if options is None or options.treatment is None:
        return Source(path, str(path), False, 1, "a FHIR chart does not say which treatment is requested: give --treatment tms or spravato")
    try:
        cases = batch_cases(path, options)
    except InputFileError as exc:
        text = "; ".join((f"line {i.line}: " if i.line else "") + (f"{i.path}: " if i.path else "") + i.message for i in exc.issues)
        return Source(path, exc.file, False, 1, text)
    except PriorAuthError as exc:
        return Source(path, str(path), False, 1, exc.message)
    if not cases:
        return Source(path, str(path), False, 1, "no Patient resource in the FHIR source")
    return Source(path, str(path), False, len(cases), cases=tuple(cases))


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


def case_inputs(sources: Iterable[Source]) -> Iterator[CaseInput]:
    """Every case of ``sources``, in order, lazily: a JSON Lines file is read line by line as
    the caller asks for more. An input that cannot be read at all is one ``CaseInput``
    with a ``problem``, which :func:`load_input` raises as a :class:`CaseFileError`."""
    for src in sources:
        if src.cases:
            for label, case_text in src.cases:
                yield CaseInput(label, src.shown, data=case_text)
            continue
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


def load_input(item: CaseInput) -> tuple[Case, str]:
    """The case and the SHA-256 of its bytes as given; errors name the file, line and field."""
    if item.problem is not None:
        raise CaseFileError(item.path, Issue("", item.problem, line=item.line))
    if item.line is None and item.data is not None:  # a patient of a FHIR source, imported in memory
        text = item.data.decode("utf-8")
        return load_case_text(text, item.source, "yaml"), hashlib.sha256(item.data).hexdigest()
    if item.line is None:
        return load_case_with_digest(item.path)
    assert item.data is not None
    try:
        text = decode_text(item.data, item.path, "case file", CaseFileError)
        case = load_case_text(text, item.path, "json")
    except InputFileError as exc:
        raise at_line(exc, item) from None
    # The digest of the line as exported, so the letter's audit line can be checked against it.
    return case, hashlib.sha256(item.data).hexdigest()


def at_line(exc: InputFileError, item: CaseInput) -> InputFileError:
    """``exc`` naming ``item``'s line of its JSON Lines file; unchanged for a case file.

    A line is parsed as its own one-line document, so errors about it (loading it, or
    its coverage.payer later) say line 1; the line in the file is the one to name.
    """
    if item.line is None:
        return exc
    return CaseFileError(exc.file, [dataclasses.replace(i, line=item.line) for i in exc.issues], exc.hint)
