"""Writing case files as YAML that reads back exactly as written.

Every text is written in double quotes, so YAML 1.1 cannot turn a member id ``0123`` into
the number 83, ``no`` into false or ``2026-11-18`` into a date object: the value in the
file is the value that was typed. Numbers and true/false are written as given. A
:class:`Raw` value is written verbatim (an already-quoted answer, a placeholder), and
comment lines can be put above any key.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["Raw", "quote", "scalar", "dump"]


@dataclass(frozen=True)
class Raw:
    """A YAML scalar written exactly as given."""

    text: str


_ENCODE = json.JSONEncoder(ensure_ascii=False).encode  # json.dumps with options builds an encoder per call
_TEXT = json.encoder.encode_basestring  # what _ENCODE does with a str, without its Python frame


def quote(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return _ENCODE(text)


def scalar(value: Any) -> str:
    if type(value) is str:  # the common case first
        return _TEXT(value)
    if isinstance(value, Raw):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return quote(str(value))


def dump(data: Mapping[str, Any], comments: Mapping[str, list[str]] | None = None) -> str:
    """``data`` as block YAML; ``comments`` maps a path ("medications", "clinical.pregnant",
    "medications[].drug") to lines written as comments above that key (first item only);
    a path with an index ("medications[2].drug", or "medications[2]" for the item) is
    commented at that item."""
    out: list[str] = []
    _mapping(data, "", 0, comments or {}, out, first_item=True)
    return "\n".join(out) + "\n"


def _comment(out: list[str], pad: str, lines: list[str]) -> None:
    out.extend([f"{pad}# {line}".rstrip() for line in lines])


def _mapping(
    data: Mapping[str, Any], prefix: str, indent: int, comments: Mapping[str, list[str]], out: list[str], first_item: bool, dash: bool = False, at: str = ""
) -> None:
    pad = " " * indent
    for n, (key, value) in enumerate(data.items()):
        path = f"{prefix}{key}"
        indexed = f"{at}{key}" if at else path  # the path with item numbers: medications[2].drug
        lead = pad
        if dash and n == 0:
            lead = " " * (indent - 2) + "- "
        if comments:
            lines = comments.get(path) if first_item else None
            if indexed != path and indexed in comments:
                lines = [*(lines or ()), *comments[indexed]]
            if lines:
                _comment(out, pad if not (dash and n == 0) else " " * (indent - 2), lines)
        if type(value) is str:  # the common case first: a text
            out.append(f"{lead}{key}: {_TEXT(value)}")
            continue
        is_map = type(value) is dict or isinstance(value, Mapping)  # the plain dict first: the ABC check is slow
        if is_map and value:
            out.append(f"{lead}{key}:")
            _mapping(value, f"{path}.", indent + 2, comments, out, first_item, at=f"{indexed}.")
        elif isinstance(value, list) and value and any(type(v) is dict or isinstance(v, Mapping) for v in value):
            out.append(f"{lead}{key}:")
            for i, item in enumerate(value):
                above = comments.get(f"{indexed}[{i}]")
                if above:
                    _comment(out, pad + "  ", above)
                _mapping(item, f"{path}[].", indent + 4, comments, out, first_item and i == 0, dash=True, at=f"{indexed}[{i}].")
        elif isinstance(value, list):
            out.append(f"{lead}{key}: [" + ", ".join(scalar(v) for v in value) + "]")
        elif is_map:
            out.append(f"{lead}{key}: {{}}")
        else:
            out.append(f"{lead}{key}: {scalar(value)}")
