"""Batch runs: many cases checked at once, with letters, checklists and a summary.

The inputs are case files, folders of them, and JSON Lines exports (one case object per
line). The work is in three parts:

- :mod:`priorauth.batch.discover`: finding the cases (``discover``, ``case_inputs``,
  ``load_input``), reusable by anything that takes the same inputs;
- :mod:`priorauth.batch.run`: running them (``run_batch`` and its options and events);
- :mod:`priorauth.batch.summary`: the rows, summary.csv and summary.json, the exit code.

The names below are the public interface; import them from here.
"""

from __future__ import annotations

from priorauth.batch.discover import CASE_SUFFIXES, JSONL_SUFFIX, CaseInput, Source, at_line, case_inputs, discover, load_input
from priorauth.batch.run import (
    CHUNK_EVALUATE,
    CHUNKS_IN_FLIGHT_PER_WORKER,
    LETTER_FORMATS,
    BatchAborted,
    BatchEvent,
    BatchFinished,
    BatchOptions,
    BatchStarted,
    CaseDone,
    chunks,
    default_jobs,
    error_text,
    internal_error,
    run_batch,
)
from priorauth.batch.summary import FIELDS, STATUSES, SUMMARY_CSV, SUMMARY_JSON, Row, RowStatus, exit_code, summary_csv, summary_json

__all__ = [
    "LETTER_FORMATS",
    "STATUSES",
    "FIELDS",
    "SUMMARY_CSV",
    "SUMMARY_JSON",
    "CASE_SUFFIXES",
    "JSONL_SUFFIX",
    "BatchOptions",
    "CaseInput",
    "Source",
    "Row",
    "RowStatus",
    "BatchStarted",
    "CaseDone",
    "BatchFinished",
    "BatchEvent",
    "BatchAborted",
    "run_batch",
    "discover",
    "case_inputs",
    "load_input",
    "at_line",
    "default_jobs",
    "error_text",
    "internal_error",
    "chunks",
    "CHUNK_EVALUATE",
    "CHUNKS_IN_FLIGHT_PER_WORKER",
    "summary_csv",
    "summary_json",
    "exit_code",
]
