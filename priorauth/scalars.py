"""How a value read from a file reaches a typed field: text stays as typed, numbers must
be plain decimals, vocabulary words are matched in any letter case.

The loader (:mod:`priorauth.loading`) hands over every unquoted YAML scalar that YAML 1.1
reads as a number, a boolean or null as a :class:`~priorauth.loading.Plain`, which keeps
the text as typed. Each model of an input file derives from :class:`FileModel`, whose one
validator decides per field, from the field's type:

- a text field gets the text exactly as typed (``0123``, ``12:30``, ``1.50``, ``yes``);
- a number field gets the number only when the text is a plain decimal; a form that YAML
  1.1 reads differently from what it looks like (``0123`` is octal 83, ``0x1A``, ``12:30``
  is 750, ``1_000``) is refused with the fix;
- a true/false field gets YAML's true/false (``yes``, ``on``, ``true``...);
- a vocabulary field (a ``Literal``) accepts its words in any letter case and with spaces,
  hyphens or underscores (``TMS``, ``theta burst``), plus the aliases given with
  :class:`Aliases` (``PHQ9``, ``HAM-D``);
- an unquoted ``null`` or ``~`` is "no value": absent for an optional field, and refused
  for a required text field, where it may also be the word itself (put it in quotes).
"""

from __future__ import annotations

import datetime as dt
import functools
import inspect
import re
import types
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Union

from pydantic import BaseModel, ValidationInfo, field_validator

from priorauth.loading import Plain, match_word

__all__ = ["Aliases", "FileModel", "number_problem", "field_converter"]


@dataclass(frozen=True)
class Aliases:
    """Other spellings of a vocabulary's words: ``Annotated[Literal[...], Aliases(...)]``."""

    pairs: tuple[tuple[str, str], ...]

    def __init__(self, aliases: Mapping[str, str]) -> None:
        object.__setattr__(self, "pairs", tuple(aliases.items()))


# ---- numbers -------------------------------------------------------------------------------

_DECIMAL = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
_LEADING_ZERO = re.compile(r"[-+]?0\d")
_WHY = "must be a plain decimal number"


def number_problem(text: str) -> str | None:
    """Why ``text``, written unquoted, cannot be taken as a number; None when it can."""
    t = text.strip()
    low = t.lower().lstrip("+-")
    if low.startswith("0x"):
        return f"{_WHY}: YAML reads a number starting 0x as hexadecimal (write it in decimal)"
    if low.startswith("0b"):
        return f"{_WHY}: YAML reads a number starting 0b as binary (write it in decimal)"
    if ":" in t:
        return f"{_WHY}: YAML reads a number with ':' as base 60, like a time (write it in decimal)"
    if "_" in t:
        return f"{_WHY}: YAML drops the '_' in a number (write it without underscores)"
    if _LEADING_ZERO.match(t) and "." not in t and "e" not in low:
        return f"{_WHY}: YAML reads a whole number with a leading zero as octal (write it without the leading zero)"
    if not _DECIMAL.fullmatch(t):
        return f"{_WHY} (write it in decimal, such as 12 or 2.5)"
    return None


# ---- one converter per field -----------------------------------------------------------------

Converter = Callable[[Any, bool], Any]  # (value, in a list or mapping) -> value for pydantic

_NONE_TYPES = (type(None), None)


def _no_value(plain: Plain) -> str:
    if plain.text.strip():
        return "has no value: YAML reads an unquoted null or ~ as empty (write the value; if it is that word, put it in quotes)"
    return "has no value (write it after the colon)"


def _unwrap(value: Any, nested: bool = False) -> Any:
    return value.value if isinstance(value, Plain) else value


def _keep(value: Any, nested: bool = False) -> Any:
    return value


def _converter(annotation: Any) -> Converter:
    """How a value from a file is prepared for a field of type ``annotation``."""
    extras: tuple[Any, ...] = ()
    while typing.get_origin(annotation) is typing.Annotated:
        extras += annotation.__metadata__
        annotation = annotation.__origin__
    origin = typing.get_origin(annotation)
    if origin in (Union, types.UnionType):
        args = typing.get_args(annotation)
        rest = [a for a in args if a not in _NONE_TYPES]
        if len(rest) != 1:
            return _unwrap  # a union of models: each model prepares its own fields
        inner = _converter(rest[0])
        nullable = len(rest) < len(args)

        def optional(value: Any, nested: bool = False) -> Any:
            if nullable and isinstance(value, Plain) and value.value is None:
                return None  # null, ~ or nothing: the field is absent
            return inner(value, nested)

        return optional
    if origin in (list, tuple, set, frozenset):
        args = typing.get_args(annotation)
        item = _converter(args[0]) if args else _unwrap

        def each(value: Any, nested: bool = False) -> Any:
            return [item(v, True) for v in value] if isinstance(value, list) else _unwrap(value)

        return each
    if origin is dict:
        args = typing.get_args(annotation)
        key, item = (_converter(args[0]), _converter(args[1])) if len(args) == 2 else (_keep, _unwrap)

        def pairs(value: Any, nested: bool = False) -> Any:
            return {key(k, True): item(v, True) for k, v in value.items()} if isinstance(value, dict) else _unwrap(value)

        return pairs
    if origin is Literal:
        words = typing.get_args(annotation)
        if all(isinstance(w, str) for w in words):
            aliases = {a: w for extra in extras if isinstance(extra, Aliases) for a, w in extra.pairs}
            return _vocabulary(words, aliases)
        if all(isinstance(w, int) and not isinstance(w, bool) for w in words):
            return _number
        return _unwrap
    if annotation is Any:
        return _keep  # validated later by a model of its own (an example's case)
    if annotation is str:
        return _text
    if annotation in (int, float):
        return _number
    if annotation is dt.date:
        return _date
    return _unwrap  # bool, models: YAML's reading is the one pydantic expects


def _text(value: Any, nested: bool = False) -> Any:
    if not isinstance(value, Plain):
        return value
    if value.value is None and not nested:
        raise ValueError(_no_value(value))
    return None if value.value is None else value.text


def _number(value: Any, nested: bool = False) -> Any:
    if not isinstance(value, Plain):
        return value
    if isinstance(value.value, bool):
        raise ValueError("must be a number, not true/false: YAML reads an unquoted yes, no, on, off, true or false as true/false")
    if value.value is None:
        return None
    problem = number_problem(value.text)
    if problem:
        raise ValueError(problem)
    return value.value


def _date(value: Any, nested: bool = False) -> Any:
    if isinstance(value, Plain):
        return None if value.value is None else value.text
    return value


def _vocabulary(words: tuple[str, ...], aliases: dict[str, str]) -> Converter:
    def convert(value: Any, nested: bool = False) -> Any:
        if isinstance(value, Plain):
            if value.value is None:
                return None
            value = value.text
        if isinstance(value, str):
            return match_word(value.strip(), words, aliases) or value
        return value

    return convert


@functools.cache
def field_converter(model: type[BaseModel], name: str) -> Converter:
    field = model.model_fields[name]
    return _converter(field.rebuild_annotation())


_TAG = re.compile(r"""(typing\.)?Literal\[\s*(['"])[^'",]*\2\s*\]""")


def _is_tag(annotation: Any) -> bool:
    """A field of one fixed word (``kind: Literal["age"]``): the tag of a discriminated
    union, which pydantic reads before any validator runs, so it gets none."""
    if isinstance(annotation, str):
        return bool(_TAG.fullmatch(annotation.strip()))
    args = typing.get_args(annotation)
    return typing.get_origin(annotation) is Literal and len(args) == 1 and isinstance(args[0], str)


def _as_typed(cls: type[BaseModel], value: Any, info: ValidationInfo) -> Any:
    if isinstance(value, (Plain, list, dict, str)) and info.field_name is not None:
        return field_converter(cls, info.field_name)(value, False)
    return value


class FileModel(BaseModel):
    """Base of every model that validates data read from a file (case, rules, clinic).

    Each subclass gets one before-validator over the fields it declares (see the module
    docstring); a union tag is left alone.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = inspect.get_annotations(cls)
        names = [n for n, a in own.items() if not n.startswith("_") and not _is_tag(a)]
        if names:
            validator = field_validator(*names, mode="before", check_fields=False)(classmethod(_as_typed))
            setattr(cls, "_file_values_" + cls.__name__, validator)
