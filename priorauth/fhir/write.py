"""An imported case as YAML (every fact with a comment naming its source, and the facts
to complete as comments at their field) or as JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from priorauth.case_yaml import scalar
from priorauth.fhir.mapping import Imported

__all__ = ["case_yaml", "case_json", "todo_lines"]

TODO = "TO COMPLETE"


def _paths(data: Any, prefix: str = "") -> set[str]:
    out = {prefix} if prefix else set()
    if isinstance(data, Mapping):
        for k, v in data.items():
            out |= _paths(v, f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            if isinstance(v, Mapping):
                out |= _paths(v, f"{prefix}[{i}]")
    return out


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
        out.setdefault(at(path), []).extend(lines)
    for item in imp.todo:
        out.setdefault(at(item.path), []).append(f"{TODO} {item.path}: {item.why}")
    return out


def _clean(line: str) -> str:
    return " ".join(line.split())


def _value(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return scalar(v)


def _emit(data: Mapping[str, Any], prefix: str, indent: int, comments: dict[str, list[str]], out: list[str], dash: bool = False) -> None:
    pad = " " * indent
    for n, (key, value) in enumerate(data.items()):
        path = f"{prefix}.{key}" if prefix else key
        lead = " " * (indent - 2) + "- " if dash and n == 0 else pad
        for line in comments.get(path, []):
            out.append(f"{' ' * (indent - 2) if dash and n == 0 else pad}# {_clean(line)}")
        if isinstance(value, Mapping) and value:
            out.append(f"{lead}{key}:")
            _emit(value, path, indent + 2, comments, out)
        elif isinstance(value, list) and value and isinstance(value[0], Mapping):
            out.append(f"{lead}{key}:")
            for i, item in enumerate(value):
                for line in comments.get(f"{path}[{i}]", []):
                    out.append(f"{pad}  # {_clean(line)}")
                _emit(item, f"{path}[{i}]", indent + 4, comments, out, dash=True)
        elif isinstance(value, list):
            out.append(f"{lead}{key}: [" + ", ".join(_value(v) for v in value) + "]")
        elif isinstance(value, Mapping):
            out.append(f"{lead}{key}: {{}}")
        else:
            out.append(f"{lead}{key}: {_value(value)}")


def case_yaml(imp: Imported) -> str:
    comments = _placed(imp)
    out = [
        f"# Imported from FHIR: {_clean(imp.source)}, {imp.fhir_id}.",
        "# Each fact names the resource it came from. Lines marked TO COMPLETE are what FHIR",
        "# cannot say: fill them in from the chart, or leave the fact out (absent = not documented).",
    ]
    _emit(imp.data, "", 0, comments, out)
    rest = comments.get("", [])
    if rest:
        out.append("")
        out += [f"# {_clean(line)}" for line in rest]
    return "\n".join(out) + "\n"


def case_json(imp: Imported) -> str:
    return json.dumps(imp.data, indent=2, ensure_ascii=False) + "\n"


def todo_lines(imp: Imported) -> list[str]:
    return [f"{item.path}: {item.why}" for item in imp.todo]
