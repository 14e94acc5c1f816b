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
import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import ScalarNode

from priorauth.errors import InputFileError, Issue
from priorauth.loading.paths import PathT, format_path, short_key
from priorauth.loading.read import a_noun, read_text

MAX_DEPTH = 40


# libyaml's parser when PyYAML was built with it (ten times faster); the constructor
# that turns scalars into values is PyYAML's safe one either way.
_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader whose dates stay strings until pydantic parses them, so that an
    impossible date such as 2025-02-30 is reported at its field path instead of as a
    YAML constructor crash."""


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_str)
# A lone "=" resolves to YAML 1.1's "value" tag, which the safe constructor cannot build.
_Loader.add_constructor("tag:yaml.org,2002:value", _Loader.construct_yaml_str)

# Explicit tags that only restate a plain type. Any other tag (!!python/object,
# !!binary, !!set, !custom) is refused: input files are data, never objects.
_PLAIN_TAGS = {"!", *(f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null", "seq", "map", "timestamp"))}


class Plain:
    """A scalar written without quotes that YAML 1.1 reads as a number, a boolean or null,
    kept together with the text as typed.

    YAML 1.1 reads ``0123`` as 83, ``12:30`` as 750 and ``yes`` as true. Which reading is
    right depends on the field: a member id keeps the text, a dose takes the number only
    when the text is a plain decimal. :mod:`priorauth.scalars` decides, field by field.
    """

    __slots__ = ("value", "text")

    def __init__(self, value: int | float | bool | None, text: str) -> None:
        self.value = value
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:  # never the value: reprs end up in tracebacks and logs
        return f"Plain({type(self.value).__name__})"


class _Refused(Exception):
    def __init__(self, line: int | None, message: str, hint: str | None = None, path: str = "") -> None:
        super().__init__(message)
        self.line = line
        self.message = message
        self.hint = hint
        self.path = path


class LoadedDocument:
    """Plain data read from a file, and the line on which each field path starts."""

    def __init__(self, file: str, data: Any, lines: dict[PathT, int]) -> None:
        self.file = file
        self.data = data
        self.lines = lines

    def line_of(self, path: Iterable[str | int]) -> int | None:
        key = tuple(path)
        while key:
            if key in self.lines:
                return self.lines[key]
            key = key[:-1]
        return self.lines.get((), None)


_NO_KEY = object()


class _Frame:
    """An open mapping or sequence while the event stream is read."""

    __slots__ = ("container", "path", "key", "is_map")

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
                raise _Refused(line, "YAML tags such as !!python/object or !!binary are not allowed", "remove the '!' tag and write a plain value")
            at_key = parent is not None and parent.is_map and parent.key is _NO_KEY
            if kind is yaml.AliasEvent:
                # Expanding aliases is how a few bytes become gigabytes ("billion laughs").
                where = parent.path if at_key or parent is None else _child(parent)
                raise _Refused(line, "YAML aliases (*name) are not allowed", "write the value out in full", format_path(where))
            if at_key:
                assert parent is not None
                if kind is not yaml.ScalarEvent or _resolve(loader, event) == "tag:yaml.org,2002:merge":
                    raise _Refused(line, "keys must be plain names", path=format_path(parent.path))
                key = event.value
                child = parent.path + (key,)
                if key in parent.container:
                    raise _Refused(line, f"duplicate key '{short_key(key)}' (first on line {lines.get(child, '?')})", "keep one of them", format_path(parent.path))
                lines[child] = line
                parent.key = key
                continue
            path = _child(parent) if parent is not None else ()
            lines.setdefault(path, line)
            if kind is yaml.ScalarEvent:
                root = _attach(stack, _scalar(loader, event, line, path), root)
            else:
                if len(stack) >= MAX_DEPTH:
                    raise _Refused(line, f"nested more than {MAX_DEPTH} levels deep")
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
        raise _Refused(line, "number has too many digits", "write a realistic number", format_path(path)) from None
    if isinstance(value, float) and not math.isfinite(value):
        raise _Refused(line, "must be a finite number (.nan, .inf and overflowing numbers are not allowed)", path=format_path(path))
    if value is None or isinstance(value, (bool, int, float)):
        return Plain(value, event.value)
    return value


def _json_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(None, f"duplicate key '{short_key(key)}'", "keep one of them")
        out[key] = value
    return out


def _json_constant(name: str) -> Any:
    raise _Refused(None, "NaN and Infinity are not allowed; numbers must be finite")


def _json_float(text: str) -> Plain:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(None, "a number is too large; numbers must be finite")
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
        raise _Refused(None, f"nested more than {MAX_DEPTH} levels deep")
    try:
        data = json.loads(text, object_pairs_hook=_json_pairs, parse_constant=_json_constant, parse_float=_json_float, parse_int=_json_int)
    except json.JSONDecodeError as exc:
        # exc.msg describes the syntax problem without quoting the document.
        raise _Refused(exc.lineno, f"not valid JSON: {exc.msg} (column {exc.colno})", "check the brackets, commas and quotes near that line") from None
    except (_Refused, ValueError) as exc:  # a duplicate key, NaN, an integer of thousands of digits
        # json names no place; read as YAML (JSON is YAML), the same problem gets a line and a path
        try:
            _parse_yaml(text)
        except _Refused as located:
            raise located from None
        except Exception:
            pass
        if isinstance(exc, _Refused):
            raise
        raise _Refused(None, "contains a value that cannot be read", "check numbers and dates") from None
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
    except _Refused as exc:
        raise error(name, Issue(exc.path, exc.message, line=exc.line, hint=exc.hint)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        if "nesting depth" in (exc.problem or ""):
            # libyaml 0.2.6 (PyYAML 6.0.4 wheels) stops at its own nesting limit while
            # scanning ahead, before the event loop reaches MAX_DEPTH: same refusal, same words.
            raise error(name, Issue("", f"nested more than {MAX_DEPTH} levels deep", line=line)) from None
        problem = _yaml_problem(exc.problem or exc.context or "syntax error", exc.context or "")
        if problem.startswith("but ") and exc.context:  # "but found another document"
            problem = _yaml_problem(exc.context) + ", " + problem
        hint = "keep one document: remove the '---' line and what follows" if "another document" in problem else "check the indentation and the ':' after each key"
        raise error(name, Issue("", f"not valid YAML: {problem}", line=line, hint=hint)) from None
    except yaml.reader.ReaderError as exc:
        # str(exc) names the character; the position gives its line, the character is not repeated
        line = text[: exc.position].count("\n") + 1 if isinstance(exc.position, int) else None
        raise error(name, Issue("", "not valid YAML: contains a control character that YAML does not allow", line=line, hint="remove it, or write it as an escape inside double quotes")) from None
    except yaml.YAMLError:
        raise error(name, Issue("", "not valid YAML", hint="check the file's syntax")) from None
    except RecursionError:
        raise error(name, Issue("", "nested too deeply")) from None
    except ValueError:  # e.g. an int too large to convert
        raise error(name, Issue("", "contains a value that cannot be read", hint="check numbers and dates")) from None
    if isinstance(data, Plain):
        data = data.value
    if data is None and not lines:  # only comments, or an empty document
        raise error(name, empty)
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else "a single value"
        raise error(name, Issue("", f"the top level is {kind}; {a_noun(what)} must be a mapping of keys to values", line=1))
    return LoadedDocument(name, data, lines)


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


def load_file(path: Path, what: str, error: type[InputFileError]) -> LoadedDocument:
    text = read_text(path, what, error)
    return parse_document(text, str(path), what, error)
