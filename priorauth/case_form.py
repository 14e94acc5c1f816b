"""The case file as a web form, and a submitted form back into a case.

The form has one input per field of the case model (:func:`priorauth.case_guide.case_fields`,
so a field added to the model appears in the form with its guide words), repeating rows
for the lists of items (medications, psychotherapy, scales...), and flat keys such as
``patient-birth_date`` and ``medications-0-drug``.

A submitted form is written as case-file YAML (every text in double quotes, numbers and
yes/no as typed) and read back through :func:`priorauth.case.load_case_text`: the same
parser and the same validation as ``priorauth check``. Each problem is put back at its
input (``medications[2].end`` -> ``medications-2-end``), and the values are shown again
exactly as they were typed. Nothing here knows about HTTP.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from priorauth.case_guide import FieldDoc, case_fields
from priorauth.case_yaml import Raw, dump, quote
from priorauth.errors import CaseFileError, Issue
from priorauth.loading import Plain

__all__ = ["FormField", "FormSection", "CaseForm", "sections", "form_from_data", "form_from_text", "read_form", "SOURCE"]

SOURCE = "case editor"  # the "file" name the validation's messages are given
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
NONE_WORD = "none"  # typed into a list of texts: documented as none (an empty list)
MAX_ROWS = 200  # repeating rows per list, whatever a form claims

# Words for names that a plain title-casing gets wrong.
_LABELS = {
    "id": "Patient ID (MRN)",
    "npi": "NPI",
    "max_daily_dose_mg": "Highest daily dose (mg)",
    "dose_mg": "Dose per session (mg)",
    "adherence_pct": "Adherence (%)",
    "improvement_pct": "Improvement (%)",
    "ect": "ECT",
    "rems": "REMS",
    "assessments": "Rating scales",
    "prior_courses": "Earlier courses",
    "clinical": "Clinical screening",
    "current_start": "Current episode started",
    "pdmp_checked": "PDMP checked",
    "procedure_codes": "Procedure codes",
    "birth_date": "Date of birth",
    "given_name": "First name",
    "family_name": "Last name",
}
_ROW_WORDS = {
    "diagnoses": "diagnosis",
    "medications": "medication",
    "psychotherapy": "psychotherapy",
    "assessments": "scale",
    "prior_courses": "earlier course",
    "documents": "document",
}


def label_of(name: str) -> str:
    if name in _LABELS:
        return _LABELS[name]
    return name.replace("_", " ").capitalize()


def value_label(value: Any) -> str:
    """An allowed value in words: inadequate_response -> inadequate response."""
    return str(value).replace("_", " ")


@dataclass(frozen=True)
class FormField:
    name: str  # the model's field name
    path: str  # the guide's path: "medications[].drug"
    label: str
    help: str
    widget: str  # text, date, number, choice, yesno, list
    required: bool
    options: tuple[tuple[str, str], ...] = ()  # (value, words) of a choice
    datalist: str | None = None  # the id of a <datalist> completing it
    default: str = ""  # what leaving it out means, for a field with a default ("initial")

    def key(self, section: str, row: int | None = None) -> str:
        return f"{section}-{self.name}" if row is None else f"{section}-{row}-{self.name}"


@dataclass(frozen=True)
class FormSection:
    name: str
    label: str
    help: str
    repeating: bool  # rows of items
    required: bool
    fields: tuple[FormField, ...]

    @property
    def row_word(self) -> str:
        return _ROW_WORDS.get(self.name, self.name)


def _widget(f: FieldDoc) -> str:
    if f.allowed:
        return "choice"
    if f.is_list:
        return "list"
    return {"a date, YYYY-MM-DD": "date", "true or false": "yesno", "a number": "number", "a whole number": "number"}.get(f.kind, "text")


def _field(f: FieldDoc) -> FormField:
    widget = _widget(f)
    options = tuple((str(v), value_label(v)) for v in f.allowed or ())
    help_text = f.entry.meaning if f.entry else ""
    if widget == "list":
        help_text += f" Separate them with commas; write {NONE_WORD} when there are none."
    datalist = "drug-names" if f.path == "medications[].drug" else "icd10-codes" if f.path == "diagnoses[].code" else None
    default = f.info.default if not f.required and isinstance(f.info.default, str) else ""
    return FormField(f.name, f.path, label_of(f.name), help_text.strip(), widget, f.required, options, datalist, value_label(default))


_SECTIONS: tuple[FormSection, ...] | None = None


def sections() -> tuple[FormSection, ...]:
    """The form's sections in case-file order, each with its fields (computed once)."""
    global _SECTIONS
    if _SECTIONS is None:
        fields = case_fields()
        out = []
        for top in fields:
            if "." in top.path or top.path == "format" or not top.section:
                continue
            prefix = top.path + ("[]." if top.is_list else ".")
            leaves = tuple(_field(f) for f in fields if f.path.startswith(prefix) and f.path.count(".") == 1 and not f.section)
            out.append(FormSection(top.name, label_of(top.name), top.entry.meaning if top.entry else "", top.is_list, top.required, leaves))
        _SECTIONS = tuple(out)
    return _SECTIONS


def section(name: str) -> FormSection:
    for s in sections():
        if s.name == name:
            return s
    raise KeyError(name)


@dataclass
class CaseForm:
    """What the form shows: the values as typed, the rows of each list, the problems at each input."""

    values: dict[str, str] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)  # form key (or section name, or "") -> messages

    def value(self, key: str) -> str:
        return self.values.get(key, "")

    def error_count(self) -> int:
        return sum(len(v) for v in self.errors.values())

    def date_ok(self, key: str) -> bool:
        """Whether the value can be shown in a date input (else a text input keeps it as typed)."""
        text = self.value(key)
        if not text:
            return True
        if not _ISO_DATE.match(text):
            return False
        try:
            dt.date.fromisoformat(text)
        except ValueError:
            return False
        return True

    def add_row(self, name: str) -> None:
        s = section(name)
        if s.repeating and self.rows.get(name, 0) < MAX_ROWS:
            self.rows[name] = self.rows.get(name, 0) + 1

    def remove_row(self, name: str, index: int) -> None:
        """Remove row ``index`` of list ``name``; the rows below move up one, with what was typed in them."""
        s = section(name)
        count = self.rows.get(name, 0)
        if not s.repeating or not 0 <= index < count:
            return
        for i in range(index, count):
            for f in s.fields:
                below = self.values.pop(f.key(name, i + 1), None)
                if below is None:
                    self.values.pop(f.key(name, i), None)
                else:
                    self.values[f.key(name, i)] = below
        self.rows[name] = count - 1
        self.errors = {}  # the rows moved: the problems are found again at the next save


# ---- from a case to the form -----------------------------------------------------------------------


def _text(value: Any) -> str:
    """A value read from a case file, as it was written there."""
    if isinstance(value, Plain):
        if isinstance(value.value, bool):
            return "true" if value.value else "false"
        return "" if value.value is None else value.text
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ", ".join(_text(v) for v in value) if value else NONE_WORD
    return str(value)


def form_from_data(data: Mapping[str, Any]) -> CaseForm:
    """The form of case data as parsed from a file (values with their text as typed)."""
    form = CaseForm()
    for s in sections():
        node = data.get(s.name) if isinstance(data, Mapping) else None
        if s.repeating:
            items = [item for item in node if isinstance(item, Mapping)] if isinstance(node, list) else []
            form.rows[s.name] = len(items)
            for i, item in enumerate(items):
                for f in s.fields:
                    if f.name in item:
                        form.values[f.key(s.name, i)] = _text(item[f.name])
        elif isinstance(node, Mapping):
            for f in s.fields:
                if f.name in node:
                    form.values[f.key(s.name)] = _text(node[f.name])
    for s in sections():  # an empty list shows one row to fill in
        if s.repeating and not form.rows[s.name] and s.name in ("diagnoses", "medications"):
            form.rows[s.name] = 1
    return form


def form_from_text(text: str, fmt: str | None = None) -> CaseForm:
    """The form of a case file's text (a stored case version)."""
    from priorauth.loading import parse_document

    doc = parse_document(text, SOURCE, "case file", CaseFileError, fmt)
    return form_from_data(doc.data if isinstance(doc.data, Mapping) else {})


# ---- from the form to a case -----------------------------------------------------------------------


def _scalar(f: FormField, text: str) -> Any:
    """The YAML to write for what was typed: numbers and yes/no as typed, everything else quoted."""
    if f.widget in ("number", "yesno") and (_NUMBER.match(text) or text in ("true", "false")):
        return Raw(text)
    if f.widget == "choice" and text.isdigit() and any(v == text for v, _ in f.options):
        return Raw(text)  # a choice of numbers (56 or 84 mg)
    if f.widget == "list":
        if text.strip().casefold() == NONE_WORD:
            return []
        return [Raw(quote(part.strip())) for part in text.split(",") if part.strip()]
    return Raw(quote(text))


def _submitted(form: Mapping[str, str], key: str) -> str:
    value = form.get(key, "")
    return value if isinstance(value, str) else ""


def _row_count(form: Mapping[str, str], name: str) -> int:
    try:
        return max(0, min(int(_submitted(form, f"{name}-rows") or 0), MAX_ROWS))
    except ValueError:
        return 0


def form_from_submission(submitted: Mapping[str, str]) -> CaseForm:
    """The form as the browser sent it (``<list>-rows`` says how many rows each list has)."""
    form = CaseForm()
    for s in sections():
        if s.repeating:
            count = form.rows[s.name] = _row_count(submitted, s.name)
            keys = [f.key(s.name, i) for i in range(count) for f in s.fields]
        else:
            keys = [f.key(s.name) for f in s.fields]
        for key in keys:
            value = _submitted(submitted, key)
            if value != "":
                form.values[key] = value
    return form


def case_data(form: CaseForm) -> tuple[dict[str, Any], dict[str, dict[int, int]]]:
    """The case data to write, and for each list which form row each item came from
    (rows left empty are left out)."""
    data: dict[str, Any] = {"format": Raw("1")}
    rows_of: dict[str, dict[int, int]] = {}
    for s in sections():
        if s.repeating:
            items: list[dict[str, Any]] = []
            rows_of[s.name] = {}
            for row in range(form.rows.get(s.name, 0)):
                item = {f.name: _scalar(f, form.value(f.key(s.name, row)).strip() if f.widget != "text" else form.value(f.key(s.name, row))) for f in s.fields if form.value(f.key(s.name, row)).strip()}
                if item:
                    rows_of[s.name][len(items)] = row
                    items.append(item)
            if items or s.required:
                data[s.name] = items
        else:
            node = {f.name: _scalar(f, form.value(f.key(s.name)).strip() if f.widget != "text" else form.value(f.key(s.name))) for f in s.fields if form.value(f.key(s.name)).strip()}
            if node or s.required:
                data[s.name] = node
    return data, rows_of


def case_text(form: CaseForm) -> tuple[str, dict[str, dict[int, int]]]:
    """The case file the form says, as YAML, and the rows of each list's items."""
    data, rows_of = case_data(form)
    return dump(data), rows_of


def _error_key(issue: Issue, rows_of: Mapping[str, Mapping[int, int]]) -> str:
    """The form key an issue belongs to: ``medications[2].end`` -> ``medications-<row>-end``."""
    m = re.fullmatch(r"([a-z_]+)(?:\[(\d+)\])?(?:\.([a-z_]+))?(?:\[\d+\])?", issue.path)
    if not m:
        return ""
    name, index, leaf = m.group(1), m.group(2), m.group(3)
    try:
        s = section(name)
    except KeyError:
        return ""
    if index is not None and s.repeating:
        row = rows_of.get(name, {}).get(int(index), int(index))
        return f"{name}-{row}-{leaf}" if leaf and any(f.name == leaf for f in s.fields) else f"{name}-{row}"
    if leaf and not s.repeating and any(f.name == leaf for f in s.fields):
        return f"{name}-{leaf}"
    return name


def issue_label(issue: Issue) -> str:
    """Where an issue is, in the form's words ("Medications, medication 3: End")."""
    return key_label(_error_key(issue, {}))


def _message(issue: Issue) -> str:
    return issue.message + (f" ({issue.hint})" if issue.hint else "")


def place_issues(form: CaseForm, issues: list[Issue], rows_of: Mapping[str, Mapping[int, int]]) -> None:
    for issue in issues:
        form.errors.setdefault(_error_key(issue, rows_of), []).append(_message(issue))


@dataclass
class ReadForm:
    """A submitted form read as a case: the case (None when it has problems), its YAML, and the form to show."""

    form: CaseForm
    text: str
    case: Any = None  # priorauth.case.Case when valid


def read_form(submitted: Mapping[str, str]) -> ReadForm:
    """Validate a submitted form with the same validation as ``priorauth check``; problems go to ``form.errors``."""
    from priorauth.case import load_case_text

    form = form_from_submission(submitted)
    text, rows_of = case_text(form)
    try:
        case = load_case_text(text, SOURCE, "yaml")
    except CaseFileError as exc:
        place_issues(form, exc.issues, rows_of)
        return ReadForm(form, text)
    return ReadForm(form, text, case)


# ---- what changed between two versions -------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    where: str  # "Medications, row 2" or "Patient"
    label: str  # the field's label
    before: str  # as typed ("" when it was not there)
    after: str


def _shown(f: FormField, text: str) -> str:
    if f.widget == "yesno":
        return {"true": "yes", "false": "no"}.get(text, text)
    if f.widget == "choice":
        return value_label(text)
    return text


def changes(old: CaseForm, new: CaseForm) -> list[Change]:
    """Every input whose value differs between two forms, in form order (rows by position)."""
    out: list[Change] = []
    for s in sections():
        rows: list[int | None] = list(range(max(old.rows.get(s.name, 0), new.rows.get(s.name, 0)))) if s.repeating else [None]
        for row in rows:
            where = s.label if row is None else f"{s.label}, {s.row_word} {row + 1}"
            for f in s.fields:
                key = f.key(s.name, row)
                before, after = old.value(key), new.value(key)
                if before != after:
                    out.append(Change(where, f.label, _shown(f, before), _shown(f, after)))
    return out


def key_label(key: str) -> str:
    """Where a form key is, in words: ``medications-1-end`` -> "Medications, medication 2: End"."""
    if not key:
        return "The case"
    name, _, rest = key.partition("-")
    try:
        s = section(name)
    except KeyError:
        return key
    if not rest:
        return s.label
    row, _, leaf = rest.partition("-") if s.repeating else ("", "", rest)
    labels = {f.name: f.label for f in s.fields}
    where = f"{s.label}, {s.row_word} {int(row) + 1}" if s.repeating and row.isdigit() else s.label
    return f"{where}: {labels[leaf]}" if leaf in labels else where
