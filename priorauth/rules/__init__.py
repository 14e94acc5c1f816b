"""Rule files: loading with file:line:key errors, and the registry of rule sets.

The registry looks in the user's folders first (``--rules-dir``, then the
``PRIORAUTH_RULES_DIR`` environment variable) and then in the shipped payer_rules/, so a
clinic's own file with the same id and effective date wins over the shipped one.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from priorauth.errors import Issue, PriorAuthError, RuleFileError, UsageError
from priorauth.loading import LoadedDocument, allowed_keys, format_path, load_file, match_word, parse_document, pydantic_issues, suggest_word, tag_models, vocabulary_key
from priorauth.resources import data_dir
from priorauth.rules import model as m
from priorauth.rules.model import RuleSet

__all__ = ["RuleSet", "RuleSource", "Registry", "load_rule_file", "load_rule_text", "ENV_RULES_DIR"]

ENV_RULES_DIR = "PRIORAUTH_RULES_DIR"

# each criterion kind (and each document kind) -> the model that validates it
_CRITERION_MODELS: dict[str, type[BaseModel]] = tag_models(getattr(m, name) for name in dir(m))


def _placeholders(data: Any, path: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """Where the file still holds a skeleton's placeholder: a text value starting with TODO."""
    if isinstance(data, str):
        return [path] if data.lstrip().startswith("TODO") else []
    if isinstance(data, dict):
        return [p for key, value in data.items() for p in _placeholders(value, (*path, key))]
    if isinstance(data, list):
        return [p for i, value in enumerate(data) for p in _placeholders(value, (*path, i))]
    return []


def rule_set_from_document(doc: LoadedDocument) -> RuleSet:
    try:
        rs = RuleSet.model_validate(doc.data)
    except ValidationError as exc:
        raise RuleFileError(doc.file, pydantic_issues(exc, doc, allowed_keys(RuleSet, doc.data, _CRITERION_MODELS))) from None
    # a skeleton's TODO values validate as text, but no report or letter may cite them
    todo = _placeholders(doc.data)
    if todo:
        hint = "replace it with what the source says; docs/rules.md explains each field"
        raise RuleFileError(doc.file, [Issue(format_path(p), "still holds the skeleton's TODO placeholder", line=doc.line_of(p), hint=hint) for p in todo])
    return rs


def load_rule_file(path: str | Path) -> RuleSet:
    return rule_set_from_document(load_file(Path(path), "rule file", RuleFileError))


def load_rule_text(text: str, name: str = "<rules>") -> RuleSet:
    return rule_set_from_document(parse_document(text, name, "rule file", RuleFileError, "yaml"))


@dataclass(frozen=True)
class RuleSource:
    """A loaded rule set and where it came from."""

    rule_set: RuleSet
    path: Path
    origin: str  # "shipped", "--rules-dir" or the environment variable's name


def _rule_files(folder: Path) -> list[Path]:
    # example cases live in examples/ folders beside the rule files; they are not rules
    return sorted(p for p in folder.rglob("*.yaml") if "examples" not in p.relative_to(folder).parts)


@cache
def _load_cached(path: Path, mtime_ns: int) -> RuleSet:
    return load_rule_file(path)


class Registry:
    """Every rule set visible from the configured folders, user folders first."""

    def __init__(self, user_dirs: Sequence[str | Path] = (), use_env: bool = True, include_shipped: bool = True) -> None:
        dirs: list[tuple[Path, str]] = [(Path(d), "--rules-dir") for d in user_dirs]
        env = os.environ.get(ENV_RULES_DIR) if use_env else None
        if env:
            dirs += [(Path(d), ENV_RULES_DIR) for d in env.split(os.pathsep) if d]
        for folder, origin in dirs:
            if not folder.is_dir():
                raise UsageError(f"rules folder not found: {folder} (from {origin})", "give an existing folder of rule YAML files")
        if include_shipped:
            dirs.append((data_dir("payer_rules"), "shipped"))
        self.dirs = dirs
        self._sources: list[RuleSource] | None = None
        self._paths: list[tuple[str, Path, str]] | None = None
        self._names: dict[str, str] | None = None

    def _index(self) -> list[tuple[str, Path, str]]:
        """(rule id, path, origin) of every rule file, from the path alone: no file is parsed.

        A rule file lives at ``<folder>/<payer>/<treatment>.yaml`` (dated versions:
        ``<treatment>-<anything>.yaml``); loading checks that its ``id`` agrees.
        """
        if self._paths is None:
            self._paths = []
            for folder, origin in self.dirs:
                for path in _rule_files(folder):
                    treatment = path.stem.split("-", 1)[0].split("@", 1)[0]
                    self._paths.append((f"{path.parent.name}/{treatment}", path, origin))
        return self._paths

    def _load(self, path: Path, expected_id: str) -> RuleSet:
        try:
            mtime = path.stat().st_mtime_ns
        except OSError:  # a dangling link in a rules folder
            return load_rule_file(path)  # raises RuleFileError with a plain message
        rs = _load_cached(path, mtime)
        if rs.id != expected_id:
            raise RuleFileError(
                str(path),
                Issue("id", f"id is '{rs.id}' but the file's place says '{expected_id}'", hint=f"keep rule files at <folder>/{rs.payer}/{rs.treatment}.yaml"),
            )
        return rs

    def _sources_for(self, entries: Iterable[tuple[str, Path, str]]) -> list[RuleSource]:
        seen: set[tuple[str, dt.date | None]] = set()
        out: list[RuleSource] = []
        for rule_id, path, origin in entries:  # user folders come first and win
            rs = self._load(path, rule_id)
            key = (rs.id, rs.effective)
            if key in seen:
                continue
            seen.add(key)
            out.append(RuleSource(rs, path, origin))
        out.sort(key=lambda s: (s.rule_set.id, s.rule_set.starts))
        return out

    def sources(self) -> list[RuleSource]:
        """All rule sets; a user file shadows a shipped one with the same id and effective date."""
        if self._sources is None:
            self._sources = self._sources_for(self._index())
        return self._sources

    def ids(self, treatment: str | None = None) -> list[str]:
        return sorted({rid for rid, _, _ in self._index() if treatment in (None, rid.split("/")[1])})

    def payers(self) -> list[str]:
        return sorted({rid.split("/")[0] for rid, _, _ in self._index()})

    def versions(self, rule_id: str) -> list[RuleSource]:
        if self._sources is not None:
            return [s for s in self._sources if s.rule_set.id == rule_id]
        return self._sources_for(e for e in self._index() if e[0] == rule_id)

    def resolve(self, rule_id: str, on: dt.date) -> tuple[RuleSource, str | None]:
        """The version in force on ``on``, and a warning when none was in force."""
        versions = self.versions(rule_id)
        if not versions:
            raise UsageError(f"no rule set '{rule_id}'", f"known rule sets: {', '.join(self.ids()) or 'none'}")
        in_force = [v for v in versions if v.rule_set.in_force(on)]
        if in_force:
            return in_force[-1], None
        earlier = [v for v in versions if v.rule_set.starts <= on]
        chosen = earlier[-1] if earlier else versions[0]
        rs = chosen.rule_set
        if rs.ends is not None and rs.ends < on:
            warn = f"no version of {rule_id} is known to be in force on {on}; using the one in force until {rs.ends}"
        else:
            warn = f"{rule_id} as known here took effect on {rs.effective}, after {on}; it is applied anyway"
        return chosen, warn

    def payer_names(self) -> dict[str, str]:
        """Other names of each payer, from its rule files: ``payer_name`` with and without
        its parenthesis, and the parenthesis alone ("UnitedHealthcare (Optum Behavioral
        Health)"). A name that two payers share names neither."""
        if self._names is None:
            seen: dict[str, set[str]] = {}
            for rule_id, path, _ in self._index():
                try:
                    rs = self._load(path, rule_id)
                except PriorAuthError:  # a broken file is reported when its rule set is used
                    continue
                full = rs.payer_name.strip()
                outside = re.sub(r"\s*\([^)]*\)", "", full).strip()
                inside = re.findall(r"\(([^)]*)\)", full)
                for name in {full, outside, *inside} - {""}:
                    seen.setdefault(vocabulary_key(name), set()).add(rs.payer)
            self._names = {key: next(iter(ids)) for key, ids in seen.items() if len(ids) == 1}
        return self._names

    def payer_id(self, name: str) -> str | None:
        """The payer id that ``name`` spells: an id in any letter case or with other
        separators ("Cigna", "Florida Blue"), or the payer's name in its rule files
        ("UnitedHealthcare"). None when it names no payer, or more than one."""
        known = self.payers()
        found = match_word(name.strip(), known)
        if found is not None or not vocabulary_key(name):
            return found
        return self.payer_names().get(vocabulary_key(name))

    def suggest_payer(self, name: str) -> str | None:
        """A payer id for a 'did you mean' ("united": uhc)."""
        return suggest_word(name, self.payers(), self.payer_names())

    def find_ids(self, payer: str | None, treatments: Iterable[str]) -> list[str]:
        out = []
        for t in treatments:
            for rid in self.ids(t):
                if payer is None or rid.split("/")[0] == payer:
                    out.append(rid)
        return out
