"""Templates -> markup -> neutral document, in a Jinja2 sandbox.

Built-in templates live in templates/; a clinic's ``--templates-dir`` overrides one by
name and can still extend the built-in one as ``builtin/<name>``. Every ``{{ value }}`` is
escaped for the markup exactly once, automatically (``| safe`` marks markup written on
purpose; ``mx`` and ``e`` are no-ops kept for older templates), and an undefined variable is
an error naming the template, line and variable, never a blank in a letter.
"""

from __future__ import annotations

import operator
import os
import re
import sys
from functools import lru_cache
from collections.abc import Callable, Iterator
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


def builtin_dir() -> Path:
    return data_dir("templates")


class _Markup(Markup):
    """Markup a template author wrote on purpose (``{{ text | safe }}``): printed as is."""


def _mark_safe(value: Any) -> _Markup:
    return _Markup(value)


def _escaped_once(value: Any) -> Any:
    """``mx``, ``e`` and ``escape`` in a template: nothing to do, because every ``{{ }}``
    value is escaped once by :func:`_finalize`. ``mx`` is kept so that templates written
    when it had to be called print each value as written, not with backslashes."""
    return value


def _finalize(value: Any) -> Any:
    # The one place values are escaped. Values from the case are text, never markup:
    # escape them so a name with "*" or "|" prints as written. Only `| safe` marks markup
    # written on purpose; Jinja's own Markup (from `tojson`, `urlize`, HTML `e`) is HTML,
    # not letter markup, so it is escaped like any text.
    if isinstance(value, _Markup):
        return str(value)
    if value is None:
        return "not documented"
    return escape(str(value))


MAX_SEQUENCE = 100_000  # longest string or list that `*` may build in a template
MAX_POWER_BITS = 4096  # largest integer that `**` may build


class _Sandbox(ImmutableSandboxedEnvironment):
    """The sandbox, with `*` and `**` bounded: `{{ 'x' * 10**9 }}` would otherwise
    take the process down instead of failing with a message."""

    intercepted_binops = frozenset(["*", "**"])

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        if op == "**":
            if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0:
                if right * abs(left).bit_length() > MAX_POWER_BITS:
                    raise SecurityError("the result of '**' is too large")
            return operator.pow(left, right)
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, (str, list, tuple)) and isinstance(times, int) and len(seq) * times > MAX_SEQUENCE:
                raise SecurityError("the result of '*' is too long")
        return operator.mul(left, right)


MAX_TEMPLATE_BYTES = 1024 * 1024


class _UserLoader(jinja2.FileSystemLoader):
    """A clinic's templates folder: regular files only (a pipe named like a template would
    block the letter forever), of a sane size."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        from jinja2.loaders import split_template_path

        pieces = split_template_path(template)
        for searchpath in self.searchpath:
            filename = Path(searchpath, *pieces)
            if os.path.lexists(filename):
                if not filename.is_file():
                    raise TemplateError(f"{filename}: is not a regular file", "a template is a *.md.j2 text file")
                if filename.stat().st_size > MAX_TEMPLATE_BYTES:
                    raise TemplateError(f"{filename}: a template may be at most 1 MB")
                break
        return super().get_source(environment, template)


def environment(templates_dir: str | Path | None = None) -> jinja2.Environment:
    """The sandboxed environment for a templates folder, built once per folder: compiling
    the templates is most of the cost of a letter, and a batch writes thousands."""
    if templates_dir is not None:
        folder = Path(templates_dir)
        if not folder.is_dir():
            raise TemplateError(f"templates folder not found: {folder}", "give a folder of *.md.j2 templates")
        return _environment(str(folder.resolve()))
    return _environment(None)


@lru_cache(maxsize=16)
def _environment(templates_dir: str | None) -> jinja2.Environment:
    builtin = jinja2.FileSystemLoader(str(builtin_dir()))
    loaders: list[jinja2.BaseLoader] = []
    if templates_dir is not None:
        folder = Path(templates_dir)
        if not folder.is_dir():
            raise TemplateError(f"templates folder not found: {folder}", "give a folder of *.md.j2 templates")
        loaders.append(_UserLoader(str(folder)))
    loaders += [jinja2.PrefixLoader({"builtin": builtin}, delimiter="/"), builtin]
    env = _Sandbox(
        loader=jinja2.ChoiceLoader(loaders),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        finalize=_finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=True,  # a cached environment still sees an edited user template
    )
    for name in ("mx", "e", "escape"):
        env.filters[name] = _escaped_once
    env.filters["safe"] = _mark_safe
    return env


def template_names(templates_dir: str | Path | None = None) -> list[tuple[str, str]]:
    """(name, origin) of every usable template; a user template shadows a built-in one."""
    out: dict[str, str] = {}
    if templates_dir is not None:
        if not Path(templates_dir).is_dir():
            raise TemplateError(f"templates folder not found: {templates_dir}", "give a folder of *.md.j2 templates")
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


MAX_OUTPUT_CHARS = 5_000_000  # a letter is a few thousand characters


def _render_bounded(template: jinja2.Template, context: dict[str, Any]) -> str:
    chunks: list[str] = []
    total = 0
    stream: Iterator[str] = template.generate(context)
    for chunk in stream:
        total += len(chunk)
        if total > MAX_OUTPUT_CHARS:
            raise SecurityError(f"the output is larger than {MAX_OUTPUT_CHARS // 1_000_000} million characters")
        chunks.append(chunk)
    return "".join(chunks)


_QUOTED = re.compile(r"'([^']*)'|\"([^\"]*)\"")


def _case_values(value: Any, out: set[str]) -> set[str]:
    if isinstance(value, dict):
        for v in value.values():
            _case_values(v, out)
    elif isinstance(value, (list, tuple, set)):
        for v in value:
            _case_values(v, out)
    elif value is not None and not isinstance(value, bool):
        text = str(value).strip()
        if text:
            out.add(text.lower())
    return out


def _redact(message: str, context: dict[str, Any]) -> str:
    """Jinja quotes what it could not find ("'dict object' has no attribute 'Maria'"); a
    quoted value that comes from the letter's variables is not repeated."""
    values = _case_values(context, set())

    def hide(match: re.Match[str]) -> str:
        inner = (match.group(1) if match.group(1) is not None else match.group(2) or "").strip().lower()
        if inner and (inner in values or any(len(v) >= 4 and v in inner for v in values)):
            return "'(a value)'"
        return match.group(0)

    return _QUOTED.sub(hide, message)


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
    except UnicodeDecodeError:
        raise TemplateError(f"{file_name}: the template is not UTF-8 text", "save it as UTF-8") from None
    except OSError as exc:
        raise TemplateError(f"{file_name}: cannot read the template ({exc.strerror})") from None
    try:
        return _render_bounded(template, context)
    except jinja2.UndefinedError as exc:
        where, line = _template_line(sys.exc_info()[2], {file_name})
        raise TemplateError(f"{where or file_name}:{line or '?'}: undefined variable: {_redact(exc.message or '', context)}", "check the spelling against `priorauth templates list --variables`") from None
    except SecurityError as exc:
        where, line = _template_line(sys.exc_info()[2], {file_name})
        raise TemplateError(f"{where or file_name}:{line or '?'}: not allowed in a template: {_redact(str(exc), context)}", "templates may only use the letter's variables") from None
    except jinja2.TemplateNotFound as exc:  # an {% include %} or {% extends %} of a missing name
        where, line = _template_line(sys.exc_info()[2], {file_name})
        raise TemplateError(f"{where or file_name}:{line or '?'}: template not found: {_redact(str(exc.name or ''), context)}", "templates can include other templates by name, not files") from None
    except jinja2.TemplateSyntaxError as exc:  # an included template
        raise TemplateError(f"{exc.name or file_name}:{exc.lineno}: template syntax error: {exc.message}") from None
    except jinja2.TemplateError as exc:
        where, line = _template_line(sys.exc_info()[2], {file_name})
        raise TemplateError(f"{where or file_name}:{line or '?'}: {_redact(exc.message or type(exc).__name__, context)}") from None
    except (TypeError, ValueError, AttributeError, KeyError, IndexError, ZeroDivisionError, RecursionError, OverflowError, MemoryError) as exc:
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
