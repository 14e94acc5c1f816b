"""Templates -> markup -> neutral document, in a Jinja2 sandbox.

Built-in templates live in templates/; a clinic's ``--templates-dir`` overrides one by
name and can still extend the built-in one as ``builtin/<name>``. Every ``{{ value }}`` is
escaped for the markup automatically, and an undefined variable is an error naming the
template, line and variable, never a blank in a letter.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import Any

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from markupsafe import Markup

from priorauth.documents import Document, escape, parse
from priorauth.documents.markup import MarkupError
from priorauth.errors import TemplateError
from priorauth.resources import data_dir

SUFFIX = ".md.j2"
BUILTIN_PREFIX = "builtin/"


def builtin_dir() -> Path:
    return data_dir("templates")


def _finalize(value: Any) -> Any:
    # Values from the case are text, never markup: escape them so a name with "*" or "|"
    # prints as written. Macro output marked |safe is markup and passes through.
    if isinstance(value, Markup):
        return str(value)
    if value is None:
        return "not documented"
    return escape(str(value))


def environment(templates_dir: str | Path | None = None) -> jinja2.Environment:
    builtin = jinja2.FileSystemLoader(str(builtin_dir()))
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        folder = Path(templates_dir)
        if not folder.is_dir():
            raise TemplateError(f"templates folder not found: {folder}", "give a folder of *.md.j2 templates")
        loaders.append(jinja2.FileSystemLoader(str(folder)))
    loaders += [jinja2.PrefixLoader({"builtin": builtin}, delimiter="/"), builtin]
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters["mx"] = escape
    return env


def template_names(templates_dir: str | Path | None = None) -> list[tuple[str, str]]:
    """(name, origin) of every usable template; a user template shadows a built-in one."""
    out: dict[str, str] = {}
    if templates_dir is not None and Path(templates_dir).is_dir():
        for p in sorted(Path(templates_dir).glob(f"*{SUFFIX}")):
            out[p.name[: -len(SUFFIX)]] = str(p)
    for p in sorted(builtin_dir().glob(f"*{SUFFIX}")):
        if not p.name.startswith("_"):
            out.setdefault(p.name[: -len(SUFFIX)], "built-in")
    return sorted(out.items())


def _template_line(tb: TracebackType | None, names: set[str]) -> tuple[str | None, int | None]:
    """The innermost template frame of a rendering error (Jinja rewrites frames to templates)."""
    found: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(SUFFIX) or any(filename.endswith(n) for n in names):
            found = (Path(filename).name, tb.tb_lineno)
        tb = tb.tb_next
    return found


def render_text(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    """Render one template to markup text, turning every Jinja failure into a TemplateError."""
    file_name = name if name.endswith(SUFFIX) else name + SUFFIX
    try:
        template = env.get_template(file_name)
    except jinja2.TemplateNotFound as exc:
        missing = exc.name or file_name
        raise TemplateError(f"template not found: {missing}", "see `priorauth templates list`") from None
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"{exc.name or file_name}:{exc.lineno}: template syntax error: {exc.message}") from None
    try:
        return template.render(context)
    except jinja2.UndefinedError as exc:
        where, line = _template_line(sys.exc_info()[2], {file_name})
        raise TemplateError(f"{where or file_name}:{line or '?'}: undefined variable: {exc.message}", "check the spelling against `priorauth templates list --variables`") from None
    except SecurityError as exc:
        where, line = _template_line(sys.exc_info()[2], {file_name})
        raise TemplateError(f"{where or file_name}:{line or '?'}: not allowed in a template: {exc}", "templates may only use the letter's variables") from None
    except jinja2.TemplateSyntaxError as exc:  # an included template
        raise TemplateError(f"{exc.name or file_name}:{exc.lineno}: template syntax error: {exc.message}") from None
    except jinja2.TemplateError as exc:
        where, line = _template_line(sys.exc_info()[2], {file_name})
        raise TemplateError(f"{where or file_name}:{line or '?'}: {exc.message or type(exc).__name__}") from None
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, ZeroDivisionError, RecursionError) as exc:
        where, line = _template_line(sys.exc_info()[2], {file_name})
        raise TemplateError(f"{where or file_name}:{line or '?'}: template failed: {type(exc).__name__}") from None


def render_document(env: jinja2.Environment, name: str, context: dict[str, Any], meta_factory: Callable[[], Any]) -> Document:
    text = render_text(env, name, context)
    try:
        blocks = parse(text, source=name + SUFFIX)
    except MarkupError:
        raise
    return Document(tuple(blocks), meta_factory())


def check_template_file(path: str | Path, context: dict[str, Any]) -> int:
    """Render a user template against a sample context; returns the number of blocks."""
    path = Path(path)
    if not path.is_file():
        raise TemplateError(f"template file not found: {path}")
    env = environment(path.parent)
    text = render_text(env, path.name, context)
    return len(parse(text, source=path.name))
