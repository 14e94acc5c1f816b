"""Rewriting pydantic validation errors as ``file:line: field: message`` issues that
never quote the input (values may be protected health information)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from priorauth.errors import Issue
from priorauth.loading.parse import LoadedDocument, Plain
from priorauth.loading.paths import PathT, format_path, short_key
from priorauth.loading.words import did_you_mean, suggest_word


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
