"""The editable tables of the FHIR import (``tables.yaml``, and a clinic's own file on top)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml

from priorauth.errors import InputFileError, Issue

__all__ = ["Tables", "TablesFileError", "load_tables", "norm"]

SECTIONS = ("payers", "scales", "rxnorm", "taxonomy", "documents")


class TablesFileError(InputFileError):
    what = "FHIR tables file"


_SPACES = re.compile(r"\s+")


@functools.lru_cache(maxsize=1024)  # an export names the same few codes and payers again and again
def norm(text: str) -> str:
    return _SPACES.sub(" ", text.strip()).casefold()


@dataclass(frozen=True)
class Tables:
    payers: dict[str, str] = field(default_factory=dict)
    scales: dict[str, str] = field(default_factory=dict)
    rxnorm: dict[str, dict[str, Any]] = field(default_factory=dict)
    taxonomy: dict[str, str] = field(default_factory=dict)
    documents: dict[str, str] = field(default_factory=dict)
    memo: dict[str, dict[Any, Any]] = field(default_factory=dict, compare=False, repr=False)  # answers worked out from the tables

    def lookup(self, section: str, key: str | None) -> Any:
        if not key:
            return None
        return getattr(self, section).get(norm(key))


def _read(text: str, name: str) -> dict[str, dict[str, Any]]:
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise TablesFileError(name, Issue("", "is not valid YAML", line=mark.line + 1 if mark else None)) from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise TablesFileError(name, Issue("", "must be a mapping of the sections " + ", ".join(SECTIONS)))
    out: dict[str, dict[str, Any]] = {}
    for section, entries in raw.items():
        if section not in SECTIONS:
            raise TablesFileError(name, Issue(str(section), "is not a section of the tables", hint="the sections are " + ", ".join(SECTIONS)))
        if entries is None:
            continue
        if not isinstance(entries, dict):
            raise TablesFileError(name, Issue(str(section), "must be a mapping of codes or names to values"))
        out[section] = {norm(str(k)): v for k, v in entries.items()}
    return out


@functools.lru_cache(maxsize=1)
def _shipped() -> dict[str, dict[str, Any]]:
    return _read(files("priorauth.fhir").joinpath("tables.yaml").read_text(encoding="utf-8"), "tables.yaml")


def load_tables(path: str | Path | None = None) -> Tables:
    """The shipped tables, with the entries of ``path`` added (and winning)."""
    from priorauth.loading import read_text

    merged = {section: dict(entries) for section, entries in _shipped().items()}
    if path is not None:
        own = _read(read_text(Path(path), "FHIR tables file", TablesFileError), str(path))
        for section, entries in own.items():
            merged[section] = {**merged.get(section, {}), **entries}
    return Tables(**{s: merged.get(s, {}) for s in SECTIONS})
