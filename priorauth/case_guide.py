"""The case guide: every case-file field with its meaning, allowed values, an example, what a
reviewer uses it for, and which rule sets read it.

The words live in :mod:`priorauth.case_guide_text` (one entry per field path). Everything
else is computed: types, required fields and allowed values from the case model, and the
rule sets that read a field from the shipped rule files, through :data:`KIND_FIELDS` (which
case fields each criterion kind reads). ``priorauth schema case`` carries the same words as
JSON Schema descriptions; ``python docs/make_cases.py`` regenerates
the guide; ``priorauth new`` builds its questions and skeletons from the same table.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from priorauth.case import Case
from priorauth.case_guide_text import GUIDE, Entry
from priorauth.kinds import COMBINATORS, REGISTRY
from priorauth.kinds import fields_read as kind_fields_read
from priorauth.loading import inner_model, iter_fields, unwrap
from priorauth.rules import model as m
from priorauth.vocabulary import DOCUMENT_LABELS

__all__ = [
    "FieldDoc",
    "case_fields",
    "field_doc",
    "KIND_FIELDS",
    "criterion_fields",
    "fields_read",
    "required_documents",
    "readers",
    "case_schema",
    "example_case",
    "markdown",
]


@dataclass(frozen=True)
class FieldDoc:
    """One field of the case model, with its guide entry."""

    path: str  # "patient.birth_date", "medications[].drug"
    name: str
    parent: type[BaseModel]
    info: FieldInfo
    entry: Entry | None
    model: type[BaseModel] | None  # the nested model of a section (Patient for "patient")
    is_list: bool  # a list of items (medications) or of texts (procedure_codes)

    @property
    def required(self) -> bool:
        return self.info.is_required()

    @property
    def allowed(self) -> tuple[Any, ...] | None:
        return _literal_values(self.info.annotation)

    @property
    def kind(self) -> str:
        """The value's type in words: 'date', 'number', 'true or false', 'text', ..."""
        return _type_words(self.info.annotation, self.info)

    @property
    def section(self) -> bool:
        return self.model is not None


def _args(annotation: Any) -> tuple[Any, ...]:
    return typing.get_args(annotation)


def _literal_values(annotation: Any) -> tuple[Any, ...] | None:
    if typing.get_origin(annotation) is Literal:
        return _args(annotation)
    for arg in _args(annotation):
        found = _literal_values(arg)
        if found is not None:
            return found
    return None


def _type_words(annotation: Any, info: FieldInfo | None = None) -> str:
    base = unwrap(annotation)
    if typing.get_origin(base) is list:
        inner = _args(base)[0]
        return "a list" if inner_model(inner) is not None else "a list of texts"
    if typing.get_origin(base) is Literal:
        return "one of the allowed values"
    if inner_model(base) is not None:
        return "a section"
    import datetime as dt

    if base is dt.date:
        return "a date, YYYY-MM-DD"
    if base is bool:
        return "true or false"
    if base is int:
        return "a whole number"
    if base is float:
        return "a number"
    return "text"


def case_fields() -> list[FieldDoc]:
    """Every field of the case file, sections before their fields, in the model's order."""
    return [FieldDoc(path, name, parent, info, GUIDE.get(path), nested, listed) for path, name, parent, info, nested, listed in iter_fields(Case)]


def field_doc(path: str) -> FieldDoc:
    for f in case_fields():
        if f.path == path:
            return f
    raise KeyError(path)


# ---- which case fields each criterion kind reads -------------------------------------------------
# Each kind module declares the fields its evaluator reads, given the criterion's parameters
# (``fields_read`` in priorauth/kinds/). The first field is where `priorauth new` writes the
# criterion's description. A test removes every other field from the rule sets' example
# cases and checks that no result changes, so a field missing there is caught.

KIND_FIELDS: dict[str, Callable[[Any], list[str]]] = {name: kind.fields_read for name, kind in REGISTRY.items() if name not in COMBINATORS}
# Read for every rule set: the payer and treatment pick it, the kind (and for Spravato the
# indication) decide which criteria apply, and request.date is "today".
ALWAYS_READ = ("coverage.payer", "request.date", "request.kind", "request.treatment")
SPRAVATO_READ = ("request.indication",)


def criterion_fields(c: Any) -> list[str]:
    """The case fields one (non-combinator) criterion reads, its anchor field first."""
    return kind_fields_read(c)


def leaf_criteria(criteria: Iterable[Any]) -> list[Any]:
    return [c for c in m.walk(list(criteria)) if getattr(c, "kind", None) not in COMBINATORS]


def fields_read(rule_set: m.RuleSet) -> dict[str, list[Any]]:
    """Each case field the rule set reads -> the criteria that read it (in rule order)."""
    out: dict[str, list[Any]] = {}
    for c in leaf_criteria(rule_set.criteria):
        for path in criterion_fields(c):
            out.setdefault(path, [])
            if c not in out[path]:
                out[path].append(c)
    if rule_set.documents:
        out.setdefault("documents[].kind", [])
        out.setdefault("documents[].date", [])
    for path in ALWAYS_READ + (SPRAVATO_READ if rule_set.treatment == "spravato" else ()):
        out.setdefault(path, [])
    return out


def required_documents(rule_set: m.RuleSet) -> list[str]:
    """Document kinds the rule set asks for (required documents and document criteria)."""
    kinds = [d.kind for d in rule_set.documents]
    kinds += [c.document for c in leaf_criteria(rule_set.criteria) if c.kind == "document"]
    kinds += [c.unless_document for c in leaf_criteria(rule_set.criteria) if getattr(c, "unless_document", None)]
    return list(dict.fromkeys(kinds))


def _latest_rule_sets() -> list[m.RuleSet]:
    """The newest version of every shipped rule set (the user's folders are not the guide's business)."""
    from priorauth.rules import Registry

    registry = Registry(use_env=False)
    latest: dict[str, m.RuleSet] = {}
    for source in registry.sources():  # sorted by id, then effective date
        latest[source.rule_set.id] = source.rule_set
    return list(latest.values())


def readers(rule_sets: list[m.RuleSet] | None = None) -> dict[str, list[str]]:
    """Field path -> ids of the rule sets that read it (sections: any of their fields)."""
    rule_sets = _latest_rule_sets() if rule_sets is None else rule_sets
    out: dict[str, list[str]] = {}
    for rs in rule_sets:
        paths = set(fields_read(rs))
        for path in list(paths):
            parts = path.replace("[]", "").split(".")
            paths.update(".".join(parts[:i]) for i in range(1, len(parts)))
        for path in paths:
            out.setdefault(path, []).append(rs.id)
    return {k: sorted(v) for k, v in out.items()}


# ---- JSON Schema ---------------------------------------------------------------------------------


def describe_field(f: FieldDoc) -> str:
    """The field's description for an editor: meaning, example and what a reviewer uses it for."""
    if f.entry is None:
        return ""
    text = f.entry.meaning
    if f.entry.example is not None and not f.section:
        text += f" Example: {_example_text(f.entry.example)}."
    return text + f" What a reviewer uses it for: {f.entry.reviewer}"


def _example_text(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value if value else '""'
    return json.dumps(value)


def case_schema() -> dict[str, Any]:
    """The JSON Schema of case files, every property described from the guide."""
    data = Case.model_json_schema()
    defs = data.get("$defs", {})
    for f in case_fields():
        node = data if f.parent is Case else defs.get(f.parent.__name__)
        if node is None:
            continue
        prop = node.get("properties", {}).get(f.name)
        if prop is not None and f.entry is not None:
            prop["description"] = describe_field(f)
    data["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    data["title"] = "priorauth case file (format 1)"
    data["description"] = "One patient's request for TMS or Spravato. An absent clinical fact means not documented, which differs from false. Guide: docs/cases.md."
    return data


# ---- the examples as one case --------------------------------------------------------------------


def example_case(paths: Iterable[str] | None = None) -> dict[str, Any]:
    """A case built from the guide's examples (all fields, or only ``paths`` and the required ones)."""
    wanted = None if paths is None else set(paths)
    out: dict[str, Any] = {}
    for f in case_fields():
        if f.section or f.entry is None or f.entry.example is None:
            continue
        if wanted is not None and f.path not in wanted and not _required_path(f.path):
            continue
        _put(out, f.path, f.entry.example)
    return out


def _required_path(path: str) -> bool:
    """Whether a field must be written whenever its section is (every step required)."""
    fields = {f.path: f for f in case_fields()}
    parts = path.split(".")
    for i in range(1, len(parts) + 1):
        f = fields.get(".".join(parts[:i]))
        if f is None or not f.required:
            return False
    return True


def _put(out: dict[str, Any], path: str, value: Any) -> None:
    node: Any = out
    parts = path.split(".")
    for part in parts[:-1]:
        if part.endswith("[]"):
            items = node.setdefault(part[:-2], [{}])
            node = items[0]
        else:
            node = node.setdefault(part, {})
    node[parts[-1]] = value


# ---- docs/cases.md -------------------------------------------------------------------------------

_INTRO = """\
<!-- Generated by `python docs/make_cases.py`: edit
priorauth/case_guide_text.py (the words) and regenerate; a test fails when this file is out of date. -->

# The case file: a guide for the person who writes it

A **case** is one patient's request for one treatment (TMS or Spravato): who the patient
is, their insurance, what is requested, and the treatment history a payer's reviewer asks
for. priorauth checks it against the payer's policy, says what is met and what is missing,
and writes the letter and the checklist.

The quickest way to start one is to let priorauth ask the questions:

```sh
priorauth new                                  # asks, checks every answer, writes the file
priorauth new --payer cigna --treatment tms    # a commented skeleton to fill in
priorauth check my-case.yaml                   # then check it
```

A case file is YAML (or JSON with the same structure). A few rules that matter:

- **Leave out what the chart does not say.** An absent fact means *not documented*: the
  report shows it as a question the reviewer will ask. It is not the same as `false`, which
  says the chart documents a "no".
- **Dates** are written `YYYY-MM-DD` (2026-11-18).
- **What you type is kept.** Text such as `member_id: 0123` stays `0123`, quoted or not;
  numbers (doses, scores) are plain decimals; list words and scale names are accepted in
  any letter case and common spellings (`TMS`, `PHQ9`, `HAM-D`). [values.md](values.md)
  gives the details.
- Names of fields are fixed; a misspelled field is reported with a suggestion.
- `priorauth schema case > case.schema.json` gives your editor these same descriptions.

**Required**: {required}, and at least one entry in `diagnoses`. Everything else may be left
out; what a payer needs and cannot find becomes a gap in the report, never an error.

"Read by" lists the shipped rule sets (payer/treatment) whose criteria look at a field;
`priorauth rules show ID` explains each one in plain English.
"""


def _values_text(values: tuple[Any, ...]) -> str:
    return ", ".join(f"`{v}`" for v in values)


def _readers_text(ids: list[str] | None, all_ids: list[str], none: str = "no rule set's criteria (letters and checklists use it)") -> str:
    if not ids:
        return none
    if ids == all_ids:
        return "every rule set"
    for treatment, name in (("tms", "TMS"), ("spravato", "Spravato")):
        group = sorted(i for i in all_ids if i.endswith("/" + treatment))
        if ids == group:
            return f"every {name} rule set"
    missing = [i for i in all_ids if i not in ids]
    if len(missing) < len(ids) / 2:
        return "every rule set except " + ", ".join(missing)
    return ", ".join(ids)


def markdown() -> str:
    """docs/cases.md, from the guide, the case model and the shipped rule files."""
    rule_sets = _latest_rule_sets()
    all_ids = sorted(rs.id for rs in rule_sets)
    who_reads = readers(rule_sets)
    fields = case_fields()
    required = [f"`{f.path}`" for f in fields if not f.section and _required_path(f.path) and "[]" not in f.path]
    out = [_INTRO.format(required=", ".join(required))]
    for f in fields:
        if f.entry is None:
            continue
        if "." not in f.path.replace("[]", ""):
            out.append(f"## `{f.path}`\n")
            out.append(f"{f.entry.meaning}" + (" **Required.**" if f.required else "") + "\n")
            if f.section:
                out.append(f"What a reviewer uses it for: {f.entry.reviewer}\n")
                if f.is_list:
                    out.append("A list: write one entry per item, each starting with `- `.\n")
                continue
        else:
            out.append(f"### `{f.path}`\n")
            out.append(f"{f.entry.meaning}\n")
        lines = []
        if f.required and not _required_path(f.path):
            section = f.path.rsplit(".", 1)[0]
            lines.append(f"- Required: yes, in every `{section}` " + ("entry" if section.endswith("[]") else "section"))
        else:
            lines.append("- Required: " + ("yes" if f.required else "no"))
        allowed = f.allowed
        lines.append("- Allowed values: " + _values_text(allowed) if allowed else "- Type: " + f.kind)
        if f.entry.example is not None:
            lines.append(f"- Example: `{_example_text(f.entry.example)}`")
        lines.append(f"- What a reviewer uses it for: {f.entry.reviewer}")
        lines.append("- Read by: " + _readers_text(who_reads.get(f.path), all_ids))
        out.append("\n".join(lines) + "\n")
    out.append(_documents_table(rule_sets))
    out.append(_example_block())
    return "\n".join(out).rstrip() + "\n"


def _documents_table(rule_sets: list[m.RuleSet]) -> str:
    asked: dict[str, list[str]] = {}
    for rs in rule_sets:
        for kind in required_documents(rs):
            asked.setdefault(kind, []).append(rs.id)
    all_ids = sorted(rs.id for rs in rule_sets)
    rows = ["## Document kinds\n", "The values of `documents[].kind`, what each is, and which rule sets ask for it.\n", "| kind | document | asked for by |", "|---|---|---|"]
    for kind, label in DOCUMENT_LABELS.items():
        who = _readers_text(sorted(asked.get(kind, [])), all_ids, "no shipped rule set")
        rows.append(f"| `{kind}` | {label} | {who} |")
    return "\n".join(rows) + "\n"


def _example_block() -> str:
    from priorauth.case_yaml import dump

    text = dump(example_case())
    return "## A complete example\n\nEvery example above, as one case file:\n\n```yaml\n" + text + "```\n"
