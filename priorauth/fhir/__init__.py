"""Importing a chart exported from an EHR as FHIR R4 into case files.

``imports(sources, options)`` reads Bundle files (transaction, collection, searchset,
document), folders of them and Bulk-export NDJSON folders (:mod:`.read`), and maps each
patient's chart to case data, a source for every fact and the list of facts FHIR cannot
give (:mod:`.mapping`). :func:`write_imports` writes them as case files;
:func:`cases_from_fhir` validates them as :class:`~priorauth.case.Case` in memory, for
``check``, ``compare``, ``letter`` and ``batch``. docs/fhir.md describes the mapping.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from priorauth.errors import InputFileError
from priorauth.fhir.mapping import Imported, Options, ToComplete, map_chart
from priorauth.fhir.read import FhirFileError, is_fhir_source, read_charts
from priorauth.fhir.tables import Tables, TablesFileError, load_tables
from priorauth.fhir.write import case_json, case_yaml, todo_lines

if TYPE_CHECKING:
    from priorauth.case import Case

__all__ = [
    "FhirFileError",
    "Imported",
    "Options",
    "Tables",
    "TablesFileError",
    "ToComplete",
    "Written",
    "batch_cases",
    "load_fhir_case",
    "cases_from_fhir",
    "case_json",
    "case_yaml",
    "imports",
    "is_fhir_source",
    "load_tables",
    "todo_lines",
    "write_imports",
]


def imports(sources: Sequence[str | Path], options: Options, tables: Tables | None = None) -> Iterator[Imported]:
    """Every patient of ``sources`` as imported case data, one at a time."""
    tables = tables or load_tables()
    for chart in read_charts(sources):
        yield map_chart(chart, options, tables)


@dataclass(frozen=True)
class Written:
    imported: Imported
    path: Path
    attachments: list[Path]


def write_imports(items: Iterator[Imported], folder: Path, force: bool = False, as_json: bool = False) -> Iterator[Written]:
    """Write each imported case into ``folder`` (named from its patient id, atomic, 0600,
    never overwriting without ``force``), with its document attachments beside it."""
    from priorauth.output import check_writable, confined, ensure_folder, output_name, safe_part, write_atomic

    first = next(items, None)  # the sources are read and checked whole before this returns
    if first is None:
        return
    ensure_folder(folder)
    used: set[str] = set()
    for imp in itertools.chain([first], items):
        patient_id = str(imp.data["patient"].get("id") or imp.fhir_id.split("/", 1)[-1])
        stem = output_name(patient_id, ext="x")[:-2]
        if stem in used:  # two patients with one medical record number
            stem = f"{stem}_{safe_part(imp.fhir_id.split('/', 1)[-1])}"
        used.add(stem)
        target = confined(folder, f"{stem}.{'json' if as_json else 'yaml'}")
        check_writable(target, force)  # before its documents are written
        attachments = []
        for index, suffix, data in imp.attachments:
            try:
                raw = base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError):
                imp.todo.append(ToComplete(f"documents[{index}].path", "the attachment's data is not valid base64: attach the document by hand"))
                continue
            name = f"{stem}_document-{index + 1}{suffix}"
            attachments.append(write_atomic(confined(folder, name), raw, force))
            imp.data["documents"][index]["path"] = name
        text = case_json(imp) if as_json else case_yaml(imp)
        path = write_atomic(target, text.encode("utf-8"), force)
        yield Written(imp, path, attachments)


def cases_from_fhir(sources: Sequence[str | Path], options: Options, tables: Tables | None = None) -> Iterator[tuple[Imported, Case, str]]:
    """(imported data, :class:`~priorauth.case.Case`, SHA-256 of its YAML) of every patient,
    validated in memory exactly as the written case file would be."""
    from priorauth.case import case_from_document
    from priorauth.loading import parse_document

    for imp in imports(sources, options, tables):
        text = case_yaml(imp)
        name = f"{imp.source} ({imp.fhir_id})"
        doc = parse_document(text, name, "case file", _case_error())
        yield imp, case_from_document(doc), hashlib.sha256(text.encode("utf-8")).hexdigest()


def _case_error() -> type[InputFileError]:
    from priorauth.errors import CaseFileError

    return CaseFileError


def load_fhir_case(source: str | Path, options: Options, tables: Tables | None = None) -> tuple[Case, str]:
    """The case of the one patient in ``source``, in memory, exactly as `priorauth import
    fhir` would write it, and the SHA-256 of that text (for a letter's audit line)."""
    from priorauth.errors import UsageError

    if options.treatment is None:
        raise UsageError(f"{source}: a FHIR chart does not say which treatment is requested", "give --treatment tms or --treatment spravato")
    found = list(itertools.islice(cases_from_fhir([source], options, tables), 2))
    if not found:
        raise UsageError(f"{source}: no Patient resource in the FHIR source", "export the Patient resources with the rest of the chart")
    if len(found) > 1:
        raise UsageError(f"{source}: holds the charts of more than one patient", "check them all with `priorauth batch`, or import them with `priorauth import fhir`")
    _, case, digest = found[0]
    return case, digest


def batch_cases(source: str | Path, options: Options) -> list[tuple[str, bytes]]:
    """(label, case YAML) of every patient of ``source``, for ``priorauth batch``."""
    return [(f"{imp.source} ({imp.fhir_id})", case_yaml(imp).encode("utf-8")) for imp in imports([source], options)]
