"""What parsing a file gives: plain data with the line of every field path, and the
scalars kept with the text as typed."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from priorauth.loading.paths import PathT

MAX_DEPTH = 40  # levels of nested mappings and lists in an input file


class Plain:
    """A scalar written without quotes that YAML 1.1 reads as a number, a boolean or null,
    kept together with the text as typed.

    YAML 1.1 reads ``0123`` as 83, ``12:30`` as 750 and ``yes`` as true. Which reading is
    right depends on the field: a member id keeps the text, a dose takes the number only
    when the text is a plain decimal. :mod:`priorauth.scalars` decides, field by field.
    """

    __slots__ = ("text", "value")

    def __init__(self, value: int | float | bool | None, text: str) -> None:
        self.value = value
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:  # never the value: reprs end up in tracebacks and logs
        return f"Plain({type(self.value).__name__})"


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
