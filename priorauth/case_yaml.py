"""Writing case files as YAML that reads back exactly as written.

Every text is written in double quotes, so YAML 1.1 cannot turn a member id ``0123`` into
the number 83, ``no`` into false or ``2026-11-18`` into a date object: the value in the
file is the value that was typed. Numbers and true/false are written as given. A
:class:`Raw` value is written verbatim (an already-quoted answer, a placeholder), and
comment lines can be put above any key.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
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


def _whole(value: Any) -> str:
    """:func:`scalar`, with a float that is a whole number written without ".0"."""
    kind = type(value)
    if kind is float:
        return repr(int(value)) if value.is_integer() else repr(value)
    if kind is int:
        return repr(value)
    return scalar(value)


def dump(data: Mapping[str, Any], comments: Mapping[str, list[str]] | None = None, *, whole_numbers: bool = False) -> str:
    """``data`` as block YAML; ``comments`` maps a path ("medications", "clinical.pregnant",
    "medications[].drug") to lines written as comments above that key (first item only);
    a path with an index ("medications[2].drug", or "medications[2]" for the item) is
    commented at that item. With ``whole_numbers``, 20.0 is written 20 (doses and scores
    computed as floats)."""
    comments = comments or {}
    out: list[str] = []
    # Is any path without item numbers? If not, no key's path is made without them. (One
    # path ending with "[" and the next starting with "]" would only cost time.)
    unnumbered = "" if "[]" in "".join(comments) else None
    _mapping(data, "", unnumbered, "", "", comments, out, _whole if whole_numbers else scalar)
    return "\n".join(out) + "\n"


def _comment(out: list[str], pad: str, lines: list[str]) -> None:
    for line in lines:
        out.append(f"{pad}# {line}".rstrip())


_NUMBERS = {int, float, bool}


def _mapping(
    data: Mapping[str, Any], at: str, prefix: str | None, pad: str, lead: str, comments: Mapping[str, list[str]], out: list[str], put: Callable[[Any], str]
) -> None:
    """The keys of ``data``, a part of the case at path ``at`` ("medications[2].", "" for the
    whole), at indentation ``pad``. ``lead`` is the first key's ("- " in place of the last
    two spaces for a list item; its comments are written at the dash). ``prefix`` is the
    path without numbers ("medications[]."), None when not in the first item or when no
    comment path is without numbers: the path of every key is then not made just to look
    it up. ``put`` writes a scalar."""
    append = out.append
    for key, value in data.items():
        if comments:
            indexed = f"{at}{key}"  # the path with item numbers: medications[2].drug
            lines = comments.get(indexed)
            if prefix is not None:
                path = f"{prefix}{key}"
                first = comments.get(path) if path != indexed else None
                if first:
                    lines = [*first, *(lines or ())]
            if lines:
                _comment(out, pad if lead is pad else pad[2:], lines)
        kind = type(value)
        if kind is str:  # the common case first: a text
            append(f"{lead}{key}: {_TEXT(value)}")
        elif kind in _NUMBERS:  # then numbers and true/false, before the slow ABC check
            append(f"{lead}{key}: {put(value)}")
        elif kind is dict or isinstance(value, Mapping):  # the plain dict first: the ABC check is slow
            if value:
                append(f"{lead}{key}:")
                deeper = pad + "  "
                if comments:
                    _mapping(value, f"{indexed}.", None if prefix is None else f"{path}.", deeper, deeper, comments, out, put)
                else:
                    _mapping(value, "", None, deeper, deeper, comments, out, put)
            else:
                append(f"{lead}{key}: {{}}")
        elif isinstance(value, list) and value and (type(value[0]) is dict or any(type(v) is dict or isinstance(v, Mapping) for v in value)):
            append(f"{lead}{key}:")
            dash, deeper = pad + "  - ", pad + "    "
            for i, item in enumerate(value):
                if comments:
                    above = comments.get(f"{indexed}[{i}]")
                    if above:
                        _comment(out, pad + "  ", above)
                    _mapping(item, f"{indexed}[{i}].", f"{path}[]." if prefix is not None and i == 0 else None, deeper, dash, comments, out, put)
                else:
                    _mapping(item, "", None, deeper, dash, comments, out, put)
        elif isinstance(value, list):
            append(f"{lead}{key}: [" + ", ".join(put(v) for v in value) + "]")
        else:
            append(f"{lead}{key}: {put(value)}")
        lead = pad
