"""Parsing YAML and JSON into plain data, with the line of every field path.

Case files and rule files come from people and EHR exports. This module refuses what
would be dangerous or ambiguous (binary-like tags, YAML aliases, duplicate keys, runaway
nesting, unreadable numbers) and remembers the line of every field, so that pydantic
errors can be reported as ``case.yaml:12: medications[2].end: ...``. It never puts a value
from the file into a message: values may be protected health information.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import ScalarNode

from priorauth.errors import InputFileError, Issue
from priorauth.loading.document import MAX_DEPTH, LoadedDocument, Plain
from priorauth.loading.errors import Refused, syntax_issue
from priorauth.loading.paths import PathT, format_path, short_key
from priorauth.loading.read import a_noun, read_text

# libyaml's parser when PyYAML was built with it (ten times faster); the constructor
# that turns scalars into values is PyYAML's safe one either way.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]  # the base is CSafeLoader or SafeLoader, chosen at import
    """Safe loader whose dates stay strings until pydantic parses them, so that an
    impossible date such as 2025-02-30 is reported at its field path instead of as a
    YAML constructor crash."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_str)
# A lone "=" resolves to YAML 1.1's "value" tag, which the safe constructor cannot build.
_Loader.add_constructor("tag:yaml.org,2002:value", _Loader.construct_yaml_str)

# Explicit tags that only restate a plain type. Any other tag (!!python/object,
# !!binary, !!set, !custom) is refused: input files are data, never objects.
_PLAIN_TAGS = {"!", *(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp"))}


_NO_KEY = object()


class _Frame:
    """An open mapping or sequence while the event stream is read."""

    __slots__ = ("container", "is_map", "key", "path")

    def __init__(self, container: Any, path: PathT, is_map: bool) -> None:
        self.container = container
        self.path = path
        self.is_map = is_map
        self.key: Any = _NO_KEY  # a mapping's key waiting for its value


def _parse_yaml(text: str) -> tuple[Any, dict[PathT, int]]:
    """Build plain data and its line map from the parser's events, in one flat pass.

    Reading events instead of composed nodes keeps the walk iterative (libyaml's composer
    recurses in C, and a few hundred thousand nested brackets overflow the C stack) and
    lets every check happen where the problem is: tags, aliases, depth, key shapes,
    duplicate keys and unreadable numbers.
    """
    loader = _Loader(text)
    lines: dict[PathT, int] = {}
    stack: list[_Frame] = []
    root: Any = None
    documents = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            kind = type(event)
            if kind in (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent):
                continue
            if kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise yaml.composer.ComposerError(
                        "expected a single document in the stream", None, "but found another document", event.start_mark
                    )
                continue
            line = event.start_mark.line + 1
            parent = stack[-1] if stack else None
            if kind in (yaml.MappingEndEvent, yaml.SequenceEndEvent):
                value = stack.pop().container
                root = _attach(stack, value, root)
                continue
            tag = getattr(event, "tag", None)
            if tag is not None and tag not in _PLAIN_TAGS:
                raise Refused(line, "YAML tags such as !!python/object or !!binary are not allowed", "remove the '!' tag and write a plain value")
            at_key = parent is not None and parent.is_map and parent.key is _NO_KEY
            if kind is yaml.AliasEvent:
                # Expanding aliases is how a few bytes become gigabytes ("billion laughs").
                where = () if parent is None else parent.path if at_key else _child(parent)
                raise Refused(line, "YAML aliases (*name) are not allowed", "write the value out in full", format_path(where))
            if at_key:
                assert parent is not None
                if kind is not yaml.ScalarEvent or _resolve(loader, event) == "tag:yaml.org,2002:merge":
                    raise Refused(line, "keys must be plain names", path=format_path(parent.path))
                key = event.value
                child = parent.path + (key,)
                if key in parent.container:
                    raise Refused(line, f"duplicate key '{short_key(key)}' (first on line {lines.get(child, '?')})", "keep one of them", format_path(parent.path))
                lines[child] = line
                parent.key = key
                continue
            path = _child(parent) if parent is not None else ()
            lines.setdefault(path, line)
            if kind is yaml.ScalarEvent:
                root = _attach(stack, _scalar(loader, event, line, path), root)
            else:
                if len(stack) >= MAX_DEPTH:
                    raise Refused(line, f"nested more than {MAX_DEPTH} levels deep")
                is_map = kind is yaml.MappingStartEvent
                stack.append(_Frame({} if is_map else [], path, is_map))
        return root, lines
    finally:
        loader.dispose()


def _child(frame: _Frame) -> PathT:
    return frame.path + ((frame.key,) if frame.is_map else (len(frame.container),))


def _attach(stack: list[_Frame], value: Any, root: Any) -> Any:
    """Put a finished value into its parent; returns the document's root."""
    if not stack:
        return value
    frame = stack[-1]
    if frame.is_map:
        frame.container[frame.key] = value
        frame.key = _NO_KEY
    else:
        frame.container.append(value)
    return root


def _resolve(loader: Any, event: Any) -> str:
    tag = event.tag
    if tag is None or tag == "!":
        tag = loader.resolve(ScalarNode, event.value, event.implicit)
    return str(tag)


def _scalar(loader: Any, event: Any, line: int, path: PathT) -> Any:
    node = ScalarNode(_resolve(loader, event), event.value, event.start_mark, event.end_mark, event.style)
    try:
        value = loader.construct_object(node, deep=True)
    except ValueError:  # an integer of thousands of digits (Python's int max-str-digits)
        raise Refused(line, "number has too many digits", "write a realistic number", format_path(path)) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise Refused(line, "must be a finite number (.nan, .inf and overflowing numbers are not allowed)", path=format_path(path))
    if value is None or isinstance(value, (bool, int, float)):
        return Plain(value, event.value)
    return value


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise Refused(None, f"duplicate key '{short_key(key)}'", "keep one of them")
        out[key] = value
    return out


def _json_constant(name: str) -> Any:
    raise Refused(None, "NaN and Infinity are not allowed; numbers must be finite")


def _json_float(text: str) -> Plain:
    value = float(text)
    if not math.isfinite(value):
        raise Refused(None, "a number is too large; numbers must be finite")
    return Plain(value, text)  # 1.50 stays "1.50" in a text field


def _json_int(text: str) -> Plain:
    return Plain(int(text), text)


def _json_depth(text: str) -> int:
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _parse_json(text: str) -> tuple[Any, dict[PathT, int]]:
    if _json_depth(text) > MAX_DEPTH:
        raise Refused(None, f"nested more than {MAX_DEPTH} levels deep")
    try:
        data = json.loads(text, object_pairs_hook=_json_pairs, parse_constant=_json_constant, parse_float=_json_float, parse_int=_json_int)
    except json.JSONDecodeError as exc:
        # exc.msg describes the syntax problem without quoting the document.
        raise Refused(exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})", "check the brackets, commas and quotes near that line") from None
    except (Refused, ValueError) as exc:  # a duplicate key, NaN, an integer of thousands of digits
        # json names no place; read as YAML (JSON is YAML), the same problem gets a line and a path
        try:
            _parse_yaml(text)
        except Refused as located:
            raise located from None
        except Exception:
            pass
        if isinstance(exc, Refused):
            raise
        raise Refused(None, "contains a value that cannot be read", "check numbers and dates") from None
    # JSON is YAML, so the YAML composer gives us line numbers for the field paths.
    try:
        _, lines = _parse_yaml(text)
    except Exception:  # line numbers are a convenience; the JSON parse is authoritative
        lines = {}
    return data, lines


def parse_document(text: str, name: str, what: str, error: type[InputFileError], fmt: str | None = None) -> LoadedDocument:
    """Parse YAML or JSON text into plain data (``fmt``: "json", "yaml" or guess from name)."""
    if fmt is None:
        fmt = "json" if name.lower().endswith((".json", ".jsonl")) else "yaml"
    empty = Issue("", "the file is empty", hint=f"{a_noun(what)} is a YAML or JSON mapping")
    if not text.strip():
        raise error(name, empty)
    try:
        data, lines = _parse_json(text) if fmt == "json" else _parse_yaml(text)
    except (Refused, yaml.YAMLError, RecursionError, ValueError) as exc:
        raise error(name, syntax_issue(exc, text)) from None
    if isinstance(data, Plain):
        data = data.value
    if data is None and not lines:  # only comments, or an empty document
        raise error(name, empty)
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise error(name, Issue("", f"the top level is {kind}; {a_noun(what)} must be a mapping of keys to values", line=1))
    return LoadedDocument(name, data, lines)


def load_file(path: Path, what: str, error: type[InputFileError]) -> LoadedDocument:
    text = read_text(path, what, error)
    return parse_document(text, str(path), what, error)
