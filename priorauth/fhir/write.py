"""An imported case as YAML (every fact with a comment naming its source, and the facts
to complete as comments at their field) or as JSON."""

from __future__ import annotations

import json
from typing import Any

from priorauth.case_yaml import dump
from priorauth.fhir.mapping import Imported

__all__ = ["case_yaml", "case_json", "todo_lines"]

TODO = "TO COMPLETE"


def _paths(data: dict[str, Any]) -> set[str]:
    out: set[str] = set()
    _collect(data, "", out)
    return out


def _collect(data: Any, prefix: str, out: set[str]) -> None:
    """The paths inside ``data`` (a dict or a list) into ``out``: every key, and every
    item that is a mapping; the function is called only for what has paths inside."""
    if type(data) is dict:
        for k, v in data.items():
            path = f"{prefix}.{k}" if prefix else str(k)
            out.add(path)
            if type(v) is dict or type(v) is list:
                _collect(v, path, out)
    elif type(data) is list:
        for i, v in enumerate(data):
            if type(v) is dict:
                path = f"{prefix}[{i}]"
                out.add(path)
                _collect(v, path, out)


def _parent(path: str) -> str:
    if path.endswith("]"):
        return path[: path.rindex("[")]
    return path[: path.rindex(".")] if "." in path else ""


def _placed(imp: Imported) -> dict[str, list[str]]:
    """Comment lines by the path they stand above ("" = the end of the file)."""
    exists = _paths(imp.data)
    out: dict[str, list[str]] = {}

    def at(path: str) -> str:
        while path and path not in exists:
            path = _parent(path)
        return path

    for path, lines in imp.notes.items():
        out.setdefault(path if path in exists else at(path), []).extend(lines)
    for item in imp.todo:
        out.setdefault(at(item.path), []).append(f"{TODO} {item.path}: {item.why}")
    return out


def _clean(line: str) -> str:
    """``line`` on one line: runs of whitespace (newlines, tabs, ...) made one space, and
    trimmed. Most lines have nothing to clean, which is checked first: every whitespace
    character but the space is unprintable, so a printable line without a double, a
    leading or a trailing space is left as it is."""
    if line.isprintable() and "  " not in line and line[:1] != " " and line[-1:] != " ":
        return line
    return " ".join(line.split())


def _whole(value: Any) -> Any:
    """Doses and scores that are whole numbers written without ".0"."""
    kind = type(value)
    if kind is float and value.is_integer():
        return int(value)
    if kind is dict:  # texts, most values, are not looked into
        return {k: v if type(v) is str else _whole(v) for k, v in value.items()}
    if kind is list:
        return [v if type(v) is str else _whole(v) for v in value]
    return value


def case_yaml(imp: Imported) -> str:
    comments = {path: [_clean(line) for line in lines] for path, lines in _placed(imp).items()}
    head = (
        f"# Imported from FHIR: {_clean(imp.source)}, {imp.fhir_id}.\n"
        "# Each fact names the resource it came from. Lines marked TO COMPLETE are what FHIR\n"
        "# cannot say: fill them in from the chart, or leave the fact out (absent = not documented).\n"
    )
    rest = comments.pop("", [])
    text = head + dump(_whole(imp.data), comments)
    return text + ("\n" + "".join(f"# {line}\n" for line in rest) if rest else "")


def case_json(imp: Imported) -> str:
    return json.dumps(imp.data, indent=2, ensure_ascii=False) + "\n"


def todo_lines(imp: Imported) -> list[str]:
    return [f"{item.path}: {item.why}" for item in imp.todo]
