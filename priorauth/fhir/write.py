"""An imported case as YAML (every fact with a comment naming its source, and the facts
to complete as comments at their field) or as JSON."""

from __future__ import annotations

import json
from collections.abc import Iterable
from itertools import chain
from typing import Any

from priorauth.case_yaml import dump
from priorauth.fhir.mapping import Imported

__all__ = ["case_yaml", "case_json", "todo_lines"]

TODO = "TO COMPLETE"


_MISSING = object()  # a key's value can be None


def _nearest(path: str, parts: dict[str, Any]) -> str:
    """``path`` if the case has it (a key, or an item of a list that is a mapping), else the
    nearest path above it that it has ("" = none, the end of the file): a comment stands
    above the nearest part of the case that exists. ``parts`` holds the parts of the case
    met so far by their path ("" = the case), so that the notes and facts under one part
    (clinical.pregnant, clinical.pdmp_checked) find it once; only their paths are looked up,
    fewer than the keys of a case, whose paths are never all made."""
    if path in parts:
        return path
    key: str | int | None
    if path.endswith("]"):  # an item: medications[2]
        cut = path.rindex("[")
        parent, key = path[:cut], _number(path[cut + 1 :])
    else:
        parent, _, key = path.rpartition(".")
    node = parts.get(parent, _MISSING)
    if node is _MISSING:  # a parent not met yet, or not in the case
        found = _nearest(parent, parts)
        if found != parent:
            return found
        node = parts[parent]
    if isinstance(key, str):
        child = node.get(key, _MISSING) if type(node) is dict else _MISSING
    elif key is not None and type(node) is list and key < len(node) and type(node[key]) is dict:
        child = node[key]
    else:
        child = _MISSING
    if child is _MISSING:
        return parent
    parts[path] = child
    return path


def _number(index: str) -> int | None:
    """The number in a path's "[2]", given what follows the "[" ("2]"); None for anything
    else ("]", "02]", "-1]", "x]"): no item has that path."""
    number = index[:-1]
    if number.isascii() and number.isdigit() and (number[0] != "0" or number == "0"):
        return int(number)
    return None


def _placed(imp: Imported, notes: dict[str, list[str]], todo: list[str]) -> dict[str, list[str]]:
    """Comment lines (``notes`` by path, then ``todo``, the lines of ``imp.todo``) by the path
    they stand above ("" = the end of the file)."""
    out: dict[str, list[str]] = {}
    parts: dict[str, Any] = {"": imp.data}
    for path, lines in notes.items():
        out.setdefault(_nearest(path, parts), []).extend(lines)
    for item, line in zip(imp.todo, todo):
        out.setdefault(_nearest(item.path, parts), []).append(line)
    return out


def _clean(line: str) -> str:
    """``line`` on one line: runs of whitespace (newlines, tabs, ...) made one space, and
    trimmed. Most lines have nothing to clean, which is checked first: every whitespace
    character but the space is unprintable, so a printable line without a double, a
    leading or a trailing space is left as it is."""
    if line.isprintable() and "  " not in line and line[:1] != " " and line[-1:] != " ":
        return line
    return " ".join(line.split())


def _tidy(lines: Iterable[str]) -> bool:
    """Whether :func:`_clean` leaves every line as it is, checked once on all the lines of a
    case joined by spaces (about 3 KB; checking line by line cost three times as much): a line with
    a leading or a trailing space makes a double space in the join, so a clean join means
    clean lines. An empty line does too, and only sends the case to the line-by-line
    cleaning, which leaves it as it is."""
    text = " ".join(lines)
    return _printable(text) and "  " not in text and text[:1] != " " and text[-1:] != " "


_PRINTABLE = bytes(range(0x20, 0x7F))


def _printable(text: str) -> bool:
    """``text.isprintable()``, five times faster for ASCII text (most): the Unicode check
    looks each character up, deleting the printable bytes is one table pass."""
    if text.isascii():  # stored as one byte a character: free to know
        return not text.encode("ascii").translate(None, _PRINTABLE)
    return text.isprintable()


def case_yaml(imp: Imported) -> str:
    """The case as YAML: the facts with their notes and the facts to complete above them,
    the notes and facts with no place in the case at the end. The comment lines are made
    one line each (a resource id can hold a newline), which most cases do not need."""
    notes = imp.notes
    todo = [f"{TODO} {item.path}: {item.why}" for item in imp.todo]
    if not _tidy(chain(chain.from_iterable(notes.values()), todo)):
        notes = {path: [_clean(line) for line in lines] for path, lines in notes.items()}
        todo = [_clean(line) for line in todo]
    comments = _placed(imp, notes, todo)
    head = (
        f"# Imported from FHIR: {_clean(imp.source)}, {imp.fhir_id}.\n"
        "# Each fact names the resource it came from. Lines marked TO COMPLETE are what FHIR\n"
        "# cannot say: fill them in from the chart, or leave the fact out (absent = not documented).\n"
    )
    rest = comments.pop("", [])
    text = head + dump(imp.data, comments, whole_numbers=True)
    return text + ("\n" + "".join(f"# {line}\n" for line in rest) if rest else "")


def case_json(imp: Imported) -> str:
    return json.dumps(imp.data, indent=2, ensure_ascii=False) + "\n"


def todo_lines(imp: Imported) -> list[str]:
    return [f"{item.path}: {item.why}" for item in imp.todo]
