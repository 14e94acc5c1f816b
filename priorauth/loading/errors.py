"""Rewriting what went wrong in a file as ``file:line: field: message`` issues that never
quote the input (values may be protected health information): refusals and syntax errors
of the parsers, and pydantic validation errors."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import yaml

from priorauth.errors import Issue
from priorauth.loading.document import MAX_DEPTH, LoadedDocument, Plain
from priorauth.loading.paths import PathT, format_path, short_key
from priorauth.loading.words import did_you_mean, suggest_word


class Refused(Exception):
    """Input the parser will not read (an alias, a tag, a duplicate key...), with its place."""

    def __init__(self, line: int | None, message: str, hint: str | None = None, path: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.hint = hint
        self.path = path


_QUOTED = re.compile(r"""'[^']*'|"[^"]*"|#x[0-9a-fA-F]+""")


def _yaml_problem(problem: str, context: str = "") -> str:
    """A YAML parser message without any text of the document.

    libyaml's messages are fixed sentences, but PyYAML's pure-Python scanner and its
    composer quote what they found ("found unknown escape character 'q'", "found
    undefined alias 'name'"). Quoted text is kept only when it is punctuation, which
    tells where the problem is without repeating a value.
    """
    if "'\\t'" in problem or "'\t'" in problem:
        return "found a tab character; indent with spaces"
    if "duplicate anchor" in context:
        return "found a duplicate anchor (&name)"

    def keep(match: re.Match[str]) -> str:
        inner = match.group(0).strip("'\"")
        plain = (0 < len(inner) <= 3 and not any(c.isalnum() for c in inner)) or re.fullmatch(r"<[a-z ]+>", inner)
        return match.group(0) if plain else "(text not shown)"

    return " ".join(_QUOTED.sub(keep, problem).split())


def syntax_issue(exc: BaseException, text: str) -> Issue:
    """The issue for text that could not be parsed: ``exc`` is what the YAML or JSON
    parser raised (a :class:`Refused`, a YAML error, RecursionError or ValueError)."""
    if isinstance(exc, Refused):
        return Issue(exc.path, exc.message, line=exc.line, hint=exc.hint)
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        if "nesting depth" in (exc.problem or ""):
            # libyaml 0.2.6 (PyYAML 6.0.4 wheels) stops at its own nesting limit while
            # scanning ahead, before the event loop reaches MAX_DEPTH: same refusal, same words.
            return Issue("", f"nested more than {MAX_DEPTH} levels deep", line=line)
        problem = _yaml_problem(exc.problem or exc.context or "syntax error", exc.context or "")
        if problem.startswith("but ") and exc.context:  # "but found another document"
            problem = _yaml_problem(exc.context) + ", " + problem
        hint = "keep one document: remove the '---' line and what follows" if "another document" in problem else "check the indentation and the ':' after each key"
        return Issue("", f"not valid YAML: {problem}", line=line, hint=hint)
    if isinstance(exc, yaml.reader.ReaderError):
        # str(exc) names the character; the position gives its line, the character is not repeated
        line = text[: exc.position].count("\n") + 1 if isinstance(exc.position, int) else None
        return Issue("", "not valid YAML: contains a control character that YAML does not allow", line=line, hint="remove it, or write it as an escape inside double quotes")
    if isinstance(exc, yaml.YAMLError):
        return Issue("", "not valid YAML", hint="check the file's syntax")
    if isinstance(exc, RecursionError):
        return Issue("", "nested too deeply")
    # ValueError, e.g. an int too large to convert
    return Issue("", "contains a value that cannot be read", hint="check numbers and dates")


# ---- pydantic errors -> issues -------------------------------------------------------

_MAX_HINTED = 100
_SAFE_CTX = ("expected", "le", "ge", "lt", "gt", "min_length", "max_length", "pattern")


def pydantic_issues(
    exc: Any,
    doc: LoadedDocument,
    allowed_keys: Callable[[PathT], Iterable[str]] | None = None,
    prefix: PathT = (),
) -> list[Issue]:
    """Rewrite a pydantic ValidationError as issues that never quote the input."""
    issues: list[Issue] = []
    seen: set[tuple[str, str]] = set()
    # The input is read only to make sure no message repeats it (see _safe_message).
    for err in exc.errors(include_url=False, include_input=True):
        loc = prefix + tuple(_clean_loc(err["loc"], _value_at(doc.data, prefix)))
        kind = err["type"]
        hint = None
        if kind == "extra_forbidden":
            key = str(loc[-1]) if loc else ""
            message = f"unknown key '{short_key(key)}'"
            # Suggestions cost a fuzzy match each; only the first issues are ever shown.
            if allowed_keys is not None and len(issues) < _MAX_HINTED:
                choices = list(allowed_keys(loc[:-1]))
                guess = did_you_mean(key, choices)
                hint = f"did you mean '{guess}'?" if guess else ("allowed keys: " + ", ".join(sorted(choices)) if choices else None)
        elif kind == "missing":
            message = "required field is missing"
        elif kind == "union_tag_invalid":
            ctx = err.get("ctx") or {}
            message = f"unknown kind; expected one of {ctx.get('expected_tags', '')}"
            tag = _value_at(doc.data, loc + ("kind",)) if loc else None
            guess = did_you_mean(str(tag), [t.strip(" '") for t in str(ctx.get("expected_tags", "")).split(",")]) if tag else None
            if guess:
                hint = f"did you mean '{guess}'?"
            loc = loc + ("kind",)
        elif kind == "union_tag_not_found":
            message = "needs a 'kind' key"
        elif kind == "literal_error":
            message = _safe_message(err)
            given = err.get("input")
            words = re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
            guess = suggest_word(given, words) if isinstance(given, str) and len(issues) < _MAX_HINTED else None
            if guess:
                hint = f"did you mean '{guess}'?"
        else:
            message = _safe_message(err)
        path = format_path(loc)
        if (path, message) in seen:
            continue
        seen.add((path, message))
        issues.append(Issue(path, message, line=doc.line_of(loc), hint=hint))
    return issues


def _clean_loc(loc: tuple[Any, ...], data: Any) -> list[str | int]:
    """Drop what pydantic inserts into locations that is not a key of the data: the tag of
    a discriminated union ("age", "all_of") and the names of function validators."""
    out: list[str | int] = []
    node = data
    for part in loc:
        if isinstance(part, str) and part.startswith("function-"):
            continue
        if isinstance(part, str) and isinstance(node, dict) and part not in node and node.get("kind") == part:
            continue
        out.append(part)
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            node = None
    return out


# pydantic error types whose message is built from the schema only (limits, expected
# types, allowed literals), never from the input. Messages of any other type are replaced.
_SCHEMA_ONLY_TYPES = frozenset(
    """missing extra_forbidden string_type string_too_short string_too_long string_unicode
    string_pattern_mismatch int_type int_parsing int_parsing_size int_from_float float_type
    float_parsing finite_number greater_than greater_than_equal less_than less_than_equal
    multiple_of bool_type bool_parsing literal_error enum model_type model_attributes_type
    dict_type list_type tuple_type set_type frozen_set_type too_short too_long date_type
    date_parsing date_from_datetime_parsing date_from_datetime_inexact date_past date_future
    datetime_type datetime_parsing none_required is_instance_of value_error assertion_error
    union_tag_invalid union_tag_not_found dataclass_type bytes_type decimal_type
    decimal_parsing decimal_max_digits decimal_max_places decimal_whole_digits
    frozen_field frozen_instance""".split()
)


def _safe_message(err: Mapping[str, Any]) -> str:
    kind = str(err.get("type", ""))
    msg = str(err.get("msg", "invalid value"))
    # Our own validators raise "Value error, <message>"; the prefix is noise.
    for prefix in ("Value error, ", "Assertion failed, "):
        if msg.startswith(prefix):
            msg = msg[len(prefix) :]
    # A wrong enum value may be part of an allowed one ("mal" in 'female'): the allowed
    # values come from the schema, so that message stays.
    leaks = kind not in ("literal_error", "enum") and _quotes_input(msg, err.get("input"))
    if kind not in _SCHEMA_ONLY_TYPES or leaks:
        msg = f"invalid value ({kind.replace('_', ' ') or 'unknown error'})"
    return msg[:1].lower() + msg[1:]


def _quotes_input(msg: str, value: Any) -> bool:
    """Whether ``msg`` repeats a scalar input value: a last guard against leaking it."""
    if isinstance(value, Plain):
        value = value.text if value.value is not None and not isinstance(value.value, bool) else None
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        return False
    text = str(value).strip()
    if len(text) < 3:
        return False
    return text.lower() in msg.lower()


def _value_at(data: Any, loc: PathT) -> Any:
    for part in loc:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return None
    return data
