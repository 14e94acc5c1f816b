"""Field paths: how a path is written in a message, and the one walker that finds the
model validating the data at a path (for "did you mean" and "allowed keys" hints) and that
lists a model's fields for the case guide."""

from __future__ import annotations

import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pydantic import BaseModel
    from pydantic.fields import FieldInfo

PathT = tuple[str | int, ...]


def format_path(path: Iterable[str | int]) -> str:
    """``("medications", 2, "end")`` -> ``medications[2].end``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + short_key(part)
    return out


def short_key(key: object, limit: int = 40) -> str:
    """A key as shown in a message: a runaway key (a pasted paragraph) is cut short."""
    text = str(key)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def inner_model(annotation: Any) -> Any:
    """The pydantic model inside ``X | None``, ``list[X]``, ``dict[k, X]`` or ``Annotated[...]``."""
    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()) or ():
        found = inner_model(arg)
        if found is not None:
            return found
    origin = getattr(annotation, "__origin__", None)
    if origin is not None and origin is not annotation:
        return inner_model(origin)
    return None




def unwrap(annotation: Any) -> Any:
    """``X`` from ``X | None`` and ``Annotated[X, ...]``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            rest = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = rest[0] if len(rest) == 1 else annotation
            if len(rest) != 1:
                return annotation
        else:
            return annotation


def is_list(annotation: Any) -> bool:
    """Whether a field holds a list (``list[X]``, optional or annotated)."""
    return typing.get_origin(unwrap(annotation)) is list


def model_at(root: type[BaseModel], path: Iterable[str | int], data: Any = None, tags: Mapping[str, type[BaseModel]] | None = None) -> type[BaseModel] | None:
    """The model that validates the mapping at ``path`` below ``root``, or None.

    List indexes and the keys of a ``dict`` field are stepped over. With ``tags`` (each
    ``kind`` of a discriminated union -> its model) and the file's ``data``, an item of a
    list that has a ``kind`` key is resolved by that kind (a criterion in a rule file).
    """
    from pydantic import BaseModel

    model: Any = root
    node = data
    skip_key = False
    for part in path:
        if tags is not None:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                node = None
            if isinstance(node, dict) and "kind" in node and isinstance(part, int):
                model = tags.get(str(node["kind"]))
                continue
        if isinstance(part, int) or skip_key:
            skip_key = False
            continue
        field = model.model_fields.get(part) if isinstance(model, type) and issubclass(model, BaseModel) else None
        if field is None:
            return None
        skip_key = getattr(field.annotation, "__origin__", None) is dict
        model = inner_model(field.annotation)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def allowed_keys(root: type[BaseModel], data: Any = None, tags: Mapping[str, type[BaseModel]] | None = None) -> Callable[[PathT], list[str]]:
    """The keys allowed in the mapping at a path (for :func:`~priorauth.loading.pydantic_issues`)."""

    def allowed(path: PathT) -> list[str]:
        model = model_at(root, path, data, tags)
        return list(model.model_fields) if model else []

    return allowed


def tag_models(models: Iterable[Any]) -> dict[str, type[BaseModel]]:
    """Each value of a ``kind: Literal[...]`` field -> the model declaring it."""
    from pydantic import BaseModel

    out: dict[str, type[BaseModel]] = {}
    for model in models:
        if isinstance(model, type) and issubclass(model, BaseModel) and "kind" in getattr(model, "model_fields", {}):
            for kind in getattr(model.model_fields["kind"].annotation, "__args__", ()):
                out[kind] = model
    return out


def iter_fields(model: type[BaseModel], prefix: str = "") -> Iterator[tuple[str, str, type[BaseModel], FieldInfo, type[BaseModel] | None, bool]]:
    """Every field below ``model``, sections before their fields, in the model's order:
    (path as the guide writes it, such as ``medications[].drug``; name; the model declaring
    it; its FieldInfo; the nested model of a section or None; whether it holds a list)."""
    for name, info in model.model_fields.items():
        path = f"{prefix}{name}"
        nested = inner_model(info.annotation)
        listed = is_list(info.annotation)
        yield path, name, model, info, nested, listed
        if nested is not None:
            yield from iter_fields(nested, f"{path}[]." if listed else f"{path}.")
