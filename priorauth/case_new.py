"""Starting a case: which fields a rule set needs, a commented skeleton, and checking one
answer at a time.

``priorauth new`` asks for exactly the fields that the chosen rule set reads (computed from
its criteria through :data:`priorauth.case_guide.KIND_FIELDS`) plus the required ones, and
checks every answer against the case model as it is typed. ``--payer --treatment`` writes
the same fields as a commented skeleton instead. Nothing here prompts or prints.
"""

from __future__ import annotations

import datetime as dt
import re
import textwrap
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from priorauth import catalog
from priorauth.case_guide import FieldDoc, _required_path, case_fields, fields_read, required_documents
from priorauth.case_yaml import Raw, dump, quote
from priorauth.loading import _safe_message
from priorauth.rules import model as m
from priorauth.rules.describe import describe_criterion, describe_document

__all__ = ["Plan", "plan", "skeleton", "check_answer", "Answer", "PLACEHOLDER"]

PLACEHOLDER = "TODO: "
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_YES = {"y", "yes", "true"}
_NO = {"n", "no", "false"}


@dataclass
class Plan:
    """The fields to fill in for one rule set, in case-file order."""

    rule_set: m.RuleSet
    fields: list[FieldDoc]  # sections and leaves
    notes: dict[str, list[str]]  # path -> what the rule set's criteria need, in plain English

    def leaves(self, section: str) -> list[FieldDoc]:
        """The leaf fields directly under ``section`` ("patient", "medications[]")."""
        depth = section.count(".") + 1
        return [f for f in self.fields if not f.section and f.path.startswith(section + ".") and f.path.count(".") == depth]

    def sections(self) -> list[FieldDoc]:
        return [f for f in self.fields if f.section and "." not in f.path]


def _anchor(path: str) -> str:
    """Where a criterion's description goes: the list for a field of its items, else the field."""
    return path.split("[]")[0] if "[]" in path else path


def plan(rule_set: m.RuleSet) -> Plan:
    read = fields_read(rule_set)
    wanted = set(read)
    for path in list(wanted):
        parts = path.split(".")
        for i in range(1, len(parts)):
            prefix = ".".join(parts[:i])
            wanted.update((prefix, prefix.removesuffix("[]")))
    fields = []
    for f in case_fields():
        if f.path == "format":
            continue
        parent = f.path.rsplit(".", 1)[0] if "." in f.path else None
        keep = f.path in wanted or _required_path(f.path) or (f.required and parent in wanted)
        if f.path.startswith("diagnoses[].") and f.name in ("code", "primary"):
            keep = True
        if keep:
            fields.append(f)
    notes: dict[str, list[str]] = {}
    for path, criteria in read.items():
        for c in criteria:
            if path != criterion_anchor_path(c):
                continue
            notes.setdefault(_anchor(path), []).append(f"{rule_set.id}: {describe_criterion(c, rule_set)}")
    docs = [describe_document(d) for d in rule_set.documents]
    if docs:
        notes.setdefault("documents", []).extend(f"{rule_set.id} asks for: {d}" for d in docs)
    return Plan(rule_set, fields, notes)


def criterion_anchor_path(c: Any) -> str:
    from priorauth.case_guide import criterion_fields

    paths = criterion_fields(c)
    return paths[0] if paths else ""


# ---- the skeleton --------------------------------------------------------------------------------


def _hint(f: FieldDoc) -> str:
    if f.allowed:
        return "one of " + " | ".join(str(v) for v in f.allowed)
    if f.is_list:
        return "texts in double quotes, separated by commas, e.g. " + ", ".join(quote(str(v)) for v in ((f.entry.example if f.entry else None) or ["..."]))
    return f.kind


def _wrap(lines: list[str], width: int = 92) -> list[str]:
    out: list[str] = []
    for line in lines:
        out += textwrap.wrap(line, width=width, subsequent_indent="  ") or [""]
    return out


def skeleton(p: Plan, today: dt.date) -> str:
    """A commented case file holding the fields ``p`` needs; every TODO is to be replaced."""
    rs = p.rule_set
    data: dict[str, Any] = {}
    comments: dict[str, list[str]] = {}
    for f in p.fields:
        parts = f.path.split(".")
        if f.section:
            continue
        node: Any = data
        for part in parts[:-1]:
            if part.endswith("[]"):
                node = node.setdefault(part[:-2], [{}])[0]
            else:
                node = node.setdefault(part, {})
        node[parts[-1]] = _placeholder(f, rs, today)
        comments[f.path] = _wrap([f.entry.meaning if f.entry else f.name])
    initial = [d.kind for d in rs.documents if d.applies_to is None or "initial" in d.applies_to]
    kinds = [k for k in required_documents(rs) if k in initial or k not in {d.kind for d in rs.documents}]
    if kinds and "documents" in data:
        template = data["documents"][0]
        data["documents"] = [{**template, "kind": Raw(quote(k))} for k in kinds]
    for path, lines in p.notes.items():
        comments[path] = _wrap(lines) + comments.get(path, [])
    head = [
        f"Case file for {rs.payer_name}, {rs.treatment.upper() if rs.treatment == 'tms' else 'Spravato'} (rule set {rs.id}, policy {rs.policy}).",
        "Written by `priorauth new`: it holds the fields this rule set reads.",
        'Replace every "TODO: ..." with the value from the chart, in double quotes for text.',
        "Delete a line the chart says nothing about: the report then shows it as not documented,",
        "which is different from false. Repeat a list entry (from its - line) for each item.",
        "docs/cases.md explains every field. Then run: priorauth check THIS-FILE",
    ]
    return "".join(f"# {line}\n" for line in head) + "\n" + dump(data, comments)


def _placeholder(f: FieldDoc, rs: m.RuleSet, today: dt.date) -> Raw:
    if f.path == "coverage.payer":
        return Raw(quote(rs.payer))
    if f.path == "request.treatment":
        return Raw(quote(rs.treatment))
    if f.path == "diagnoses[].primary":
        return Raw("true")
    if f.path == "request.date":
        return Raw(quote(today.isoformat()))
    return Raw(quote(PLACEHOLDER + _hint(f)))


# ---- one answer at a time ------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """A checked answer: the YAML to write (as typed), or why it was refused."""

    value: Raw | list[Raw] | None = None
    error: str | None = None
    note: str | None = None  # something worth showing (a drug's class, a code's title)


def _example(f: FieldDoc) -> Any:
    return f.entry.example if f.entry is not None else None


def _field_error(f: FieldDoc, value: Any) -> str | None:
    """Validate one field in its own model, the other required fields filled from the guide."""
    data = {}
    for g in case_fields():
        if g.parent is f.parent and g.required and g.name != f.name and g.path.rsplit(".", 1)[0] == f.path.rsplit(".", 1)[0]:
            data[g.name] = _example(g)
    data[f.name] = value
    try:
        f.parent.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False, include_input=True):
            if err["loc"][:1] == (f.name,):
                return _safe_message(err)
    return None


def check_answer(f: FieldDoc, text: str, context: dict[str, Any] | None = None) -> Answer:
    """Check ``text`` typed for field ``f``. ``context``: request_date, start (of the same entry)."""
    context = context or {}
    text = text.strip()
    if f.allowed:
        value = _choice(text, f.allowed)
        if value is None:
            return Answer(error="choose one of: " + ", ".join(str(v) for v in f.allowed) + " (or its number)")
        return Answer(Raw(quote(value)) if isinstance(value, str) else Raw(str(value)))
    kind = f.kind
    if f.is_list:
        items = [t.strip() for t in text.split(",") if t.strip()]
        error = _field_error(f, items)
        return Answer(error=error) if error else Answer([Raw(quote(t)) for t in items])
    if kind == "true or false":
        if text.lower() in _YES:
            return Answer(Raw("true"))
        if text.lower() in _NO:
            return Answer(Raw("false"))
        return Answer(error="answer yes or no")
    if kind in ("a number", "a whole number"):
        if not _NUMBER.match(text) or (kind == "a whole number" and "." in text):
            return Answer(error="write " + ("a whole number, such as 36" if kind == "a whole number" else "a number, such as 200 or 12.5"))
        error = _field_error(f, float(text) if "." in text else int(text))
        return Answer(error=error) if error else Answer(Raw(text))
    error = _field_error(f, text)
    if error:
        return Answer(error=error)
    if kind == "a date, YYYY-MM-DD":
        day = dt.date.fromisoformat(text)
        request_date = context.get("request_date")
        if request_date is not None and day > request_date and f.path not in ("request.date", "request.start_date"):
            return Answer(error=f"is after the request date ({request_date}); a history cannot be dated in the future")
        start = context.get("start")
        if f.name in ("end", "relapse_date") and start is not None and day < start:
            return Answer(error="is before the start date")
    note = None
    if f.path == "medications[].drug":
        drug = catalog.lookup_drug(text)
        if drug is None:
            guess = catalog.suggest_drug(text)
            return Answer(error="is not in the drug catalog" + (f"; did you mean {guess}?" if guess else "; use the generic name (for example sertraline)"))
        dose = drug.min_dose_for(text)
        note = f"{drug.generic}: {drug.class_label}" + (f", adequate dose from {dose:g} mg/day" if dose else "")
    if f.path == "diagnoses[].code":
        if catalog.is_category_header(text):
            return Answer(error="is a category heading, not a billable code; give the full code, such as F33.2")
        title = catalog.icd10_title(text)
        note = title or "not in priorauth's ICD-10 list (kept as typed)"
    return Answer(Raw(quote(text)), note=note)


def _choice(text: str, allowed: tuple[Any, ...]) -> Any:
    if text.isdigit() and 1 <= int(text) <= len(allowed) and not all(isinstance(a, int) for a in allowed):
        return allowed[int(text) - 1]
    for value in allowed:
        if str(value).lower() == text.lower():
            return value
    return None


def drug_names() -> list[str]:
    """Every generic and brand name in the catalog, for completion."""
    return sorted({name for drug in catalog.all_drugs() for name in drug.names}, key=str.lower)
