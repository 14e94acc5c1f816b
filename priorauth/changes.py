"""What changed between two dated versions of a rule set, and what that means for a case.

``diff_versions`` compares two versions criterion by criterion (by criterion id, nested
ones included), in the plain English of ``rules show``: ``priorauth rules diff``.
``change_note`` tells a prescriber whether a case's status under the version in force
differs from its status under the previous version: ``priorauth check --explain-changes``.
Nothing here prints; the library never reads the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from priorauth.case import Case
from priorauth.engine import evaluate
from priorauth.errors import UsageError
from priorauth.kinds.base import walk
from priorauth.report import Report
from priorauth.rules import Registry, RuleSource
from priorauth.rules.describe import describe, describe_document, validity_text
from priorauth.rules.model import RuleSet

__all__ = ["CriterionChange", "RuleSetDiff", "diff_versions", "previous_version", "change_note"]

_STATUS_WORDS = {"ready": "ready", "incomplete": "incomplete", "not_eligible": "not eligible"}


@dataclass(frozen=True)
class CriterionChange:
    """One criterion that differs: added, removed, or changed (its sentence, applicability,
    policy text or verification mark)."""

    id: str
    change: Literal["added", "removed", "changed"]
    before: list[str] = field(default_factory=list)
    after: list[str] = field(default_factory=list)
    summary: str | None = None  # "codes added: F32.3" when a list of codes changed


@dataclass
class RuleSetDiff:
    rule_id: str
    old: RuleSource
    new: RuleSource
    criteria: list[CriterionChange]
    documents: list[str]
    other: list[str]
    unchanged: int

    def lines(self) -> list[str]:
        """The diff as text lines for people: no rule syntax, one block per change."""
        old, new = self.old.rule_set, self.new.rule_set
        out = [f"{self.rule_id}: what changed from the version {validity_text(old)} to the version {validity_text(new)}"]
        if not (self.criteria or self.documents or self.other):
            return out + ["No criterion, document or limit changed."]
        words = {"added": "Added", "removed": "Removed", "changed": "Changed"}
        for c in self.criteria:
            out += ["", f"{words[c.change]} criterion ({c.id}):"]
            if c.summary:
                out.append(f"  {c.summary}")
            if c.before:
                out += ["  before: " + c.before[0]] + ["          " + x for x in c.before[1:]]
            if c.after:
                out += ["  after:  " + c.after[0]] + ["          " + x for x in c.after[1:]]
        if self.documents:
            out += ["", "Required documents:"] + [f"  - {d}" for d in self.documents]
        if self.other:
            out += ["", "Policy details:"] + [f"  - {x}" for x in self.other]
        out += ["", f"Unchanged: {self.unchanged} criteria."]
        return out


def _criteria(rs: RuleSet) -> dict[str, list[str]]:
    return {c.id: describe(c, rs).own_lines() for c in walk(rs.criteria)}


def _other(old: RuleSet, new: RuleSet) -> list[str]:
    out = []
    for name, label in (("policy", "Policy number"), ("title", "Title"), ("evidence", "Evidence"), ("source", "Source"), ("url", "Address")):
        before, after = getattr(old, name), getattr(new, name)
        if before != after:
            out.append(f"{label}: {before or 'none'} -> {after or 'none'}")
    for name, label in (("sessions", "Sessions"), ("devices", "Devices"), ("approval", "Approval")):
        before, after = getattr(old.limits, name), getattr(new.limits, name)
        if before != after:
            out.append(f"{label} limit: {before if before is not None else 'none'} -> {after if after is not None else 'none'}")
    for name, label in (("fax", "Fax"), ("portal", "Portal"), ("phone", "Phone"), ("appeal_days", "Appeal days")):
        before, after = getattr(old.submission, name), getattr(new.submission, name)
        if before != after:
            out.append(f"{label}: {before if before is not None else 'none'} -> {after if after is not None else 'none'}")
    if old.codes.procedure != new.codes.procedure:
        out.append(f"Procedure codes: {', '.join(old.codes.procedure) or 'none'} -> {', '.join(new.codes.procedure) or 'none'}")
    for note in new.report_notes:
        if note not in old.report_notes:
            out.append(f"New note in every report: {note}")
    return out


def _code_summary(old: Any, new: Any) -> str | None:
    """For a diagnosis criterion whose accepted or excluded codes changed: which ones."""
    parts = []
    for name, label in (("accepted", "codes accepted"), ("excluded", "codes excluded")):
        was, now = getattr(old, name, None) or [], getattr(new, name, None) or []
        added, removed = [c for c in now if c not in was], [c for c in was if c not in now]
        if added:
            parts.append(f"{label}, added: {', '.join(added)}")
        if removed:
            parts.append(f"{label}, removed: {', '.join(removed)}")
    return "; ".join(parts) or None


def compare(old: RuleSource, new: RuleSource) -> RuleSetDiff:
    """Two versions of one rule set, criterion by criterion."""
    before, after = _criteria(old.rule_set), _criteria(new.rule_set)
    old_items = {c.id: c for c in walk(old.rule_set.criteria)}
    new_items = {c.id: c for c in walk(new.rule_set.criteria)}
    changes: list[CriterionChange] = []
    unchanged = 0
    for cid, text in after.items():
        if cid not in before:
            changes.append(CriterionChange(cid, "added", after=text))
        elif before[cid] != text:
            changes.append(CriterionChange(cid, "changed", before[cid], text, _code_summary(old_items[cid], new_items[cid])))
        else:
            unchanged += 1
    changes += [CriterionChange(cid, "removed", before=text) for cid, text in before.items() if cid not in after]
    old_docs = [describe_document(d) for d in old.rule_set.documents]
    new_docs = [describe_document(d) for d in new.rule_set.documents]
    documents = [f"added: {d}" for d in new_docs if d not in old_docs] + [f"removed: {d}" for d in old_docs if d not in new_docs]
    return RuleSetDiff(new.rule_set.id, old, new, changes, documents, _other(old.rule_set, new.rule_set), unchanged)


def previous_version(registry: Registry, source: RuleSource) -> RuleSource | None:
    """The version that took effect before ``source``, or None when it is the first."""
    versions = registry.versions(source.rule_set.id)
    earlier = [v for v in versions if v.rule_set.starts < source.rule_set.starts]
    return earlier[-1] if earlier else None


def diff_versions(registry: Registry, rule_id: str, from_day: dt.date | None = None, to_day: dt.date | None = None) -> RuleSetDiff:
    """The versions in force on ``from_day`` and ``to_day`` compared; by default the newest
    version and the one before it."""
    versions = registry.versions(rule_id)
    if not versions:
        raise UsageError(f"no rule set '{rule_id}'", f"known rule sets: {', '.join(registry.ids()) or 'none'}")
    if len(versions) < 2:
        raise UsageError(f"{rule_id} has one version only ({validity_text(versions[0].rule_set)}): there is nothing to compare", "`priorauth rules list` shows every version")
    new = registry.resolve(rule_id, to_day)[0] if to_day else versions[-1]
    if from_day:
        old = registry.resolve(rule_id, from_day)[0]
    else:
        found = previous_version(registry, new)
        if found is None:
            raise UsageError(f"no version of {rule_id} took effect before the one {validity_text(new.rule_set)}", "give --from and --to dates in force in two different versions")
        old = found
    if old.path == new.path:
        raise UsageError(f"{rule_id}: the same version ({validity_text(new.rule_set)}) is in force on both dates", "give --from and --to dates in force in two different versions")
    if new.rule_set.starts < old.rule_set.starts:
        old, new = new, old
    return compare(old, new)


def change_note(case: Case, registry: Registry, source: RuleSource, report: Report, as_of: dt.date) -> str:
    """One sentence for the report: does the case fare differently under the previous version?"""
    rs = source.rule_set
    previous = previous_version(registry, source)
    if previous is None:
        return f"Changes: no earlier version of {rs.id} is known, so there is nothing to compare."
    before = evaluate(case, previous, as_of=as_of)
    then = f"the previous version ({validity_text(previous.rule_set)})"
    if before.status == report.status:
        return f"Changes: under {then} this case would also be {_STATUS_WORDS[report.status]}."
    old = {c.id: c for c in before.criteria}
    new = {c.id: c for c in report.criteria}
    moved = [f"{new[i].label} ({old[i].status.replace('_', ' ')} -> {new[i].status.replace('_', ' ')})" for i in new if i in old and old[i].status != new[i].status]
    moved += [f"{new[i].label} (new: {new[i].status.replace('_', ' ')})" for i in new if i not in old]
    moved += [f"{old[i].label} (no longer a criterion; was {old[i].status.replace('_', ' ')})" for i in old if i not in new]
    before_docs = {d.kind for d in before.missing_documents}
    moved += [f"{d.label} (now required, {d.state})" for d in report.missing_documents if d.kind not in before_docs]
    what = "; ".join(moved) or "the required documents"
    return (
        f"Changes: this case is {_STATUS_WORDS[report.status]} under the version in force ({validity_text(rs)}), "
        f"but would have been {_STATUS_WORDS[before.status]} under {then}. What changed for this case: {what}."
    )
