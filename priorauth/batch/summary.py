"""The summary of a batch: one row per case and rule set, as summary.csv and summary.json.

The parent keeps only these rows (a few hundred bytes each), whatever the cases wrote;
``exit_code`` turns them into the batch's exit status.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable
from pathlib import Path

from priorauth.output import write_atomic
from priorauth.outputs import ROW_FIELDS, Row, RowStatus

__all__ = ["STATUSES", "FIELDS", "SUMMARY_CSV", "SUMMARY_JSON", "RowStatus", "Row", "summary_csv", "summary_json", "write_summaries", "compact", "exit_code"]

STATUSES: tuple[RowStatus, ...] = ("ready", "incomplete", "not_eligible", "error")
SUMMARY_CSV = "summary.csv"
SUMMARY_JSON = "summary.json"
FIELDS = ROW_FIELDS


def write_summaries(folder: Path, rows: list[Row]) -> list[Path]:
    """Write summary.csv and summary.json into ``folder`` (replacing those of this run)."""
    return [
        write_atomic(folder / SUMMARY_CSV, summary_csv(rows), force=True),
        write_atomic(folder / SUMMARY_JSON, summary_json(rows), force=True),
    ]


def compact(row: Row) -> Row:
    # Rows arrive unpickled, each with its own copy of "cigna", "tms", "ready"...: share them.
    intern = sys.intern
    return Row(
        row.source,
        row.case,
        intern(row.payer) if row.payer else row.payer,
        intern(row.treatment) if row.treatment else row.treatment,
        intern(row.rule_set) if row.rule_set else row.rule_set,
        intern(row.status),  # type: ignore[arg-type]  # intern keeps the value, one of RowStatus
        tuple(intern(t) for t in row.unmet),
        tuple(intern(t) for t in row.unknown),
        tuple(intern(t) for t in row.missing_documents),
        row.files,
        row.error,
    )


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
