"""Cases for the queue tests, written from the samples."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from priorauth.store import open_store
from priorauth.store.maintenance import dump
from tests.helpers import SAMPLES

READY = SAMPLES / "cigna-tms-ready.yaml"
NOT_ELIGIBLE = SAMPLES / "cigna-tms-not-eligible.yaml"
# Values from the samples that must never reach an error, a log or an audit line.
PATIENT_VALUES = ["DEMO-1001", "José", "Muñoz-Ñúñez", "U0000000001", "1981-04-02", "DEMO-1002", "Maria", "Lopez", "U0000000002"]


def sample(name: Path = READY) -> dict[str, Any]:
    return yaml.safe_load(name.read_text(encoding="utf-8"))


def write_case(folder: Path, name: str, data: dict[str, Any]) -> Path:
    path = folder / name
    path.write_text(json.dumps(data, default=str, ensure_ascii=False), encoding="utf-8")
    return path


def incomplete(folder: Path) -> Path:
    """The ready sample without its documents: the same patient, a draft."""
    data = sample()
    data.pop("documents")
    return write_case(folder, "incomplete.json", data)


def jsonl(folder: Path, count: int, name: str = "cases.jsonl") -> Path:
    """``count`` ready cases of different patients, one per line."""
    base = sample()
    path = folder / name
    with path.open("w", encoding="utf-8") as handle:
        for i in range(count):
            base["patient"]["id"] = f"P-{i:05d}"
            handle.write(json.dumps(base, default=str, ensure_ascii=False) + "\n")
    return path


def db_rows(db: str) -> list[dict[str, Any]]:
    """Every row of every table, in a stable order (as a backup holds them)."""
    store = open_store(db)
    try:
        return [rec for rec in dump(store) if "row" in rec]
    finally:
        store.close()
