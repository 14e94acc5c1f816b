"""Rule sets in plain English, the way a prescriber or a reviewer reads them.

``describe_criterion`` turns one criterion of any kind into a sentence ("At least 2
failed antidepressant trials from 2 different classes, each at least 4 weeks at a
therapeutic dose, in the current episode"); ``describe_rule_set`` renders a whole rule
set (metadata, criteria as nested lists, documents, limits, codes, notes) as text lines.
``rule_set_summary`` is the one-row form that ``priorauth rules list`` shows.

Each kind's sentence lives in its kind module, beside the evaluator it must agree with
(priorauth/kinds/); this module arranges them. Nothing here prints; commands and letters
decide where the text goes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from priorauth.kinds import COMBINATORS, default_applies_to, describe_criterion, kind_of
from priorauth.kinds.base import join_words as _join
from priorauth.kinds.base import walk
from priorauth.kinds.combinators import head as _combinator_head
from priorauth.rules import Registry, RuleSource, _load_cached, _rule_files
from priorauth.rules import model as m
from priorauth.vocabulary import DOCUMENT_LABELS, TREATMENTS, cap, in_force_text, unverified_mark

__all__ = [
    "Described",
    "describe",
    "describe_criterion",
    "describe_document",
    "describe_rule_set",
    "applies_text",
    "rule_set_summary",
    "validity_text",
    "hidden_files",
    "version_conflicts",
]


_REQUEST_WORDS = {"retreatment": "retreatment (a continuation after a relapse)", "course_continuation": "course-continuation (no relapse)"}


def applies_text(item: Any) -> str | None:
    """'initial requests only', 'TRD only' or None when the item applies to every request."""
    kinds = item.applies_to if item.applies_to is not None else default_applies_to(item)
    parts = []
    if set(kinds) != {"initial", "continuation"}:
        parts.append(_join([_REQUEST_WORDS.get(k, k) for k in kinds]) + " requests")
    if item.indication is not None:
        parts.append(_join([k.upper() for k in item.indication]))
    return " and ".join(parts) + " only" if parts else None


@dataclass
class Described:
    """A criterion as text, with its metadata and (for combinators) its parts."""

    id: str
    kind: str
    topic: str
    text: str  # the sentence; for combinators the heading ("One of:")
    label: str | None = None
    applies: str | None = None
    source: str | None = None
    note: str | None = None
    children: list[Described] = field(default_factory=list)
    unverified: str | None = None

    def own_lines(self) -> list[str]:
        """This criterion alone: the sentence, applicability, policy text, note, verification mark."""
        out = [self.text]
        if self.applies:
            out.append(f"Applies to: {self.applies}.")
        if self.source:
            out.append(f'Policy text: "{self.source}"')
        if self.note:
            out.append(f"Note: {self.note}")
        if self.unverified:
            out.append(f"{cap(unverified_mark(self.unverified))}.")
        return out

    def lines(self, indent: str = "", marker: str = "- ") -> list[str]:
        """Nested-list text: the sentence, then source, note and applicability."""
        pad = indent + " " * len(marker)
        first, *rest = self.own_lines()
        out = [f"{indent}{marker}{first}"] + [pad + line for line in rest]
        meta = f"id {self.id}, topic {self.topic}" + (f', label "{self.label}"' if self.label else "")
        out.append(f"{pad}({meta})")
        for child in self.children:
            out += child.lines(pad, "- ")
        return out


def describe(c: Any, rule_set: m.RuleSet | None = None) -> Described:
    """A criterion as a :class:`Described` tree (combinators keep their parts)."""
    topic = c.topic
    if c.kind in COMBINATORS:
        children = [describe(s, rule_set) for s in c.criteria]
        text = _combinator_head(c)
        topic = topic or (children[0].topic if children else "other")
    else:
        children = []
        topic = topic or kind_of(c).topic
        text = describe_criterion(c, rule_set)
    return Described(c.id, c.kind, topic or "other", text, c.label, applies_text(c), c.source, c.note, children, c.unverified)


def describe_document(d: m.RequiredDocument) -> str:
    """'Psychiatric evaluation, dated within 90 days of the request'."""
    text = DOCUMENT_LABELS[d.kind] + (f", dated within {d.max_age_days} days of the request" if d.max_age_days is not None else ", any date")
    applies = applies_text(d)
    return text + (f" ({applies})" if applies else "")


def validity_text(rs: m.RuleSet) -> str:
    return in_force_text(_iso(rs.effective), _iso(rs.ends), _iso(rs.checked))


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def describe_rule_set(rs: m.RuleSet, source: RuleSource | None = None, other_versions: Sequence[m.RuleSet] = ()) -> list[str]:
    """A whole rule set as text lines, for ``priorauth rules show`` and for letters."""
    treatment = TREATMENTS[rs.treatment].short
    out = [
        f"{rs.id}: {rs.payer_name}, {treatment}",
        f"Policy {rs.policy}: {rs.title}",
        f"URL: {rs.url}" if rs.url else "URL: none given",
        f"In force: {validity_text(rs)}" + ("" if rs.ends else " (no end date known)"),
        *([f"Criteria checked against the source: {rs.checked}"] if rs.checked and rs.effective else []),
        f"Evidence: {rs.evidence}" + (f" ({rs.evidence_note})" if rs.evidence_note else ""),
        f"Source: {rs.source}",
    ]
    if source is not None:
        out.append(f"Rule file: {source.path} ({source.origin})")
    for other in other_versions:
        out.append(f"Other version: {validity_text(other)} (see --as-of {other.effective or other.ends})")
    if rs.report_notes:
        out += ["", "Shown in every report:"] + [f"  - {n}" for n in rs.report_notes]
    out += ["", "Criteria (every one must be met):"]
    for c in rs.criteria:
        out += describe(c, rs).lines("  ")
    if rs.documents:
        out += ["", "Required documents:"] + [f"  - {describe_document(d)}" for d in rs.documents]
    limits = rs.limits
    limit_lines = []
    if limits.sessions is not None:
        limit_lines.append(f"Sessions: up to {limits.sessions}")
    if limits.devices is not None:
        limit_lines.append(f"Devices: up to {limits.devices} (28 mg each)")
    if limits.approval:
        limit_lines.append(f"Approval: {limits.approval}")
    limit_lines += list(limits.notes)
    if limit_lines:
        out += ["", "Limits:"] + [f"  - {x}" for x in limit_lines]
    sub = rs.submission
    sub_lines = [f"{label}: {value}" for label, value in (("Fax", sub.fax), ("Appeals fax", sub.appeals_fax), ("Portal", sub.portal), ("Phone", sub.phone)) if value]
    if sub.appeal_days is not None:
        sub_lines.append(f"Internal appeal: within {sub.appeal_days} days of the denial")
    if sub.source and sub_lines:
        sub_lines.append(f"Read from: {sub.source}")
    if sub_lines:
        out += ["", "Submission:"] + [f"  - {x}" for x in sub_lines]
    code_lines = ([f"Procedure codes: {', '.join(rs.codes.procedure)}"] if rs.codes.procedure else []) + list(rs.codes.notes)
    if code_lines:
        out += ["", "Codes:"] + [f"  - {x}" for x in code_lines]
    if rs.notes:
        out += ["", "Notes (how the policy was read, defaults used):"] + [f"  - {n}" for n in rs.notes]
    return out


def rule_set_summary(source: RuleSource) -> dict[str, Any]:
    """The fields of one rule-set version that ``rules list`` shows (JSON-ready)."""
    rs = source.rule_set
    return {
        "id": rs.id,
        "payer": rs.payer,
        "payer_name": rs.payer_name,
        "treatment": rs.treatment,
        "policy": rs.policy,
        "title": rs.title,
        "url": rs.url,
        "effective": _iso(rs.effective),
        "checked": _iso(rs.checked),
        "ends": _iso(rs.ends),
        "evidence": rs.evidence,
        "unverified": [{"id": c.id, "reason": c.unverified} for c in walk(rs.criteria) if c.unverified],
        "origin": source.origin,
        "path": str(source.path),
    }



def hidden_files(registry: Registry) -> dict[Path, list[tuple[Path, str]]]:
    """Rule files that the registry ignores, keyed by the file that hides them.

    A file is hidden by an earlier one (user folders before shipped, then path order)
    with the same id and effective date. ``rules list`` shows this so that a clinic sees
    its own file win, and an author sees an accidental duplicate.
    """
    first: dict[tuple[str, dt.date | None], Path] = {}
    out: dict[Path, list[tuple[Path, str]]] = {}
    for folder, origin in registry.dirs:
        for path in _rule_files(folder):
            rs = _load_cached(path, path.stat().st_mtime_ns)
            key = (rs.id, rs.effective)
            if key in first:
                out.setdefault(first[key], []).append((path, origin))
            else:
                first[key] = path
    return out


def version_conflicts(rule_sets: Sequence[tuple[str, m.RuleSet]]) -> list[tuple[str, str]]:
    """Versions of one rule set whose dates overlap: (name, message) for the later file.

    Two versions in force on the same day make the choice depend on file order, so
    ``rules validate`` reports it when the files are checked together.
    """
    out: list[tuple[str, str]] = []
    for i, (name, rs) in enumerate(rule_sets):
        for other_name, other in rule_sets[:i]:
            if other.id != rs.id:
                continue
            start = max(rs.starts, other.starts)
            ends = [d for d in (rs.ends, other.ends) if d is not None]
            if not ends or start <= min(ends):
                if rs.effective == other.effective:
                    message = f"same id ({rs.id}) and effective date as {other_name}; only one of them is used"
                else:
                    day = "any date" if start == dt.date.min else str(start)
                    message = f"{rs.id} {validity_text(rs)} overlaps {other_name} ({validity_text(other)}): both in force on {day}"
                out.append((name, message))
    return out
