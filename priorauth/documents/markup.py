"""A small line-oriented markup that Jinja2 letter templates render into.

:func:`parse` turns markup text into model blocks; :func:`escape` makes any value literal
text in markup (the letter templates apply it once to every ``{{ value }}``, see
``priorauth.letters.render``). The syntax is described in ``docs/markup.md``.

Error messages carry the template name and line number but never the offending text:
rendered templates contain case data, and error text ends up in logs.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field

from priorauth.errors import TemplateError

from .model import (
    Block,
    BulletList,
    CheckItem,
    CheckList,
    DocMeta,
    Document,
    Heading,
    Inline,
    KeyValue,
    PageBreak,
    Paragraph,
    Run,
    Signature,
    Spacer,
    Table,
)

__all__ = ["MarkupError", "escape", "parse", "parse_document", "parse_inline"]


class MarkupError(TemplateError, ValueError):
    """A syntax error in rendered markup, with its 1-based line number."""

    def __init__(self, source: str, line: int, message: str, hint: str | None = None) -> None:
        self.source = source
        self.line = line
        self.detail = message
        super().__init__(f"{source}:{line}: {message}", hint)


# --------------------------------------------------------------------------- escaping

_PUNCT = frozenset(string.punctuation)
_ALWAYS = re.compile(r"([\\*|:])")
# '#', '-' and '[' only mean something at the start of a line, and a value may land there
_LEADING = re.compile(r"^(\s*)([#\-\[])")
_NEWLINES = re.compile(r"\s*[\r\n]+\s*")


def escape(text: object) -> str:
    """Make ``text`` literal wherever a template puts it.

    Backslash-escapes ``\\ * | :``, a leading ``# - [``, and folds line breaks into a
    space because the markup is line-oriented. ``str(text)`` is used for non-strings.
    """
    s = _NEWLINES.sub(" ", str(text))
    s = _ALWAYS.sub(r"\\\1", s)
    return _LEADING.sub(r"\1\\\2", s)


# A character of a line after escape decoding; ``lit`` is True when it was escaped and
# so can never act as syntax.
@dataclass(frozen=True, slots=True)
class _Ch:
    c: str
    lit: bool
    line: int


_Lexed = list[_Ch]


def _lex(s: str, line: int) -> _Lexed:
    out: _Lexed = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c == "\\" and i + 1 < n and s[i + 1] in _PUNCT:
            out.append(_Ch(s[i + 1], True, line))
            i += 2
        else:
            out.append(_Ch(c, False, line))
            i += 1
    return out


def _strip(chars: _Lexed) -> _Lexed:
    a, b = 0, len(chars)
    while a < b and chars[a].c.isspace() and not chars[a].lit:
        a += 1
    while b > a and chars[b - 1].c.isspace() and not chars[b - 1].lit:
        b -= 1
    return chars[a:b]


def _split(chars: _Lexed, sep: str, maxsplit: int = -1) -> list[_Lexed]:
    """Split on unescaped occurrences of ``sep``."""
    parts: list[_Lexed] = []
    cur: _Lexed = []
    i, k = 0, len(sep)
    while i < len(chars):
        if (
            maxsplit != 0
            and all(not ch.lit for ch in chars[i : i + k])
            and "".join(ch.c for ch in chars[i : i + k]) == sep
        ):
            parts.append(cur)
            cur = []
            i += k
            maxsplit -= 1
        else:
            cur.append(chars[i])
            i += 1
    parts.append(cur)
    return parts


# --------------------------------------------------------------------------- inline


def _inline(chars: _Lexed, source: str) -> Inline:
    """Parse ``**bold**`` / ``*italic*`` emphasis from lexed characters."""
    runs: list[Run] = []
    buf: list[str] = []
    bold = italic = False
    bold_line = italic_line = 0

    def flush() -> None:
        if buf:
            text = "".join(buf)
            if runs and runs[-1].bold == bold and runs[-1].italic == italic:
                runs[-1] = Run(runs[-1].text + text, bold, italic)
            else:
                runs.append(Run(text, bold, italic))
            buf.clear()

    i, n = 0, len(chars)
    while i < n:
        ch = chars[i]
        if ch.c != "*" or ch.lit:
            buf.append(ch.c)
            i += 1
            continue
        j = i
        while j < n and chars[j].c == "*" and not chars[j].lit:
            j += 1
        width = j - i
        before = chars[i - 1].c if i > 0 else " "
        after = chars[j].c if j < n else " "
        if before.isspace() and after.isspace():
            # "2 * 3": a star with space on both sides is not emphasis
            buf.append("*" * width)
            i = j
            continue
        if width > 3:
            raise MarkupError(source, ch.line, "more than three '*' in a row", "escape literal stars as \\*")
        flush()
        if width in (2, 3):
            bold = not bold
            bold_line = ch.line
        if width in (1, 3):
            italic = not italic
            italic_line = ch.line
        i = j
    if bold:
        raise MarkupError(source, bold_line, "'**' (bold) is not closed", "escape literal stars as \\*")
    if italic:
        raise MarkupError(source, italic_line, "'*' (italic) is not closed", "escape literal stars as \\*")
    flush()
    return tuple(runs)


def _text(chars: _Lexed, source: str) -> str:
    """Plain text of a field that holds no emphasis: markers are parsed, then dropped."""
    return "".join(r.text for r in _inline(chars, source))


def parse_inline(text: str, source: str = "<inline>", line: int = 1) -> Inline:
    """Parse one line of inline markup (escapes and emphasis) into runs."""
    return _inline(_strip(_lex(_collapse(text), line)), source)


def _collapse(s: str) -> str:
    # Jinja output is full of doubled spaces from empty values and indentation
    return re.sub(r"[ \t]+", " ", s.strip())


# --------------------------------------------------------------------------- blocks

# the text group is optional so that a marker with nothing after it is an error, not prose
_HEADING = re.compile(r"^(#+)(?:\s+(.*))?$")
_BULLET = re.compile(r"^-(?:\s+(.*))?$")
_CHECK = re.compile(r"^\[([xX \-])\](?:\s+(.*))?$")
_KV = re.compile(r"^:\s+(.*)$")
_DIRECTIVE = re.compile(r"^---([A-Za-z]+)---$")
_FENCE = re.compile(r"^:::\s*(.*)$")
_SEP_CELL = re.compile(r"^:?-{3,}:?$")

_SIG_KEYS = {"name", "line", "credentials", "npi", "image", "date"}


@dataclass
class _Parser:
    source: str
    blocks: list[Block] = field(default_factory=list)
    kind: str | None = None  # block being collected: para, bullet, check, kv or table
    para: _Lexed = field(default_factory=list)
    items: list[_Lexed] = field(default_factory=list)
    marks: list[bool | None] = field(default_factory=list)
    pairs: list[tuple[str, str]] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)
    widths: tuple[float, ...] | None = None  # () = separator seen, widths left to the writer
    blank_since: bool = False  # a blank line since the last collected line

    def flush(self) -> None:
        src = self.source
        if self.kind == "para":
            self.blocks.append(Paragraph(_inline(self.para, src)))
        elif self.kind == "bullet":
            self.blocks.append(BulletList(tuple(_inline(i, src) for i in self.items)))
        elif self.kind == "check":
            self.blocks.append(
                CheckList(tuple(CheckItem(m, _inline(i, src)) for m, i in zip(self.marks, self.items)))
            )
        elif self.kind == "kv":
            self.blocks.append(KeyValue(tuple(self.pairs)))
        elif self.kind == "table":
            self.blocks.append(Table(tuple(self.rows[0]), tuple(tuple(r) for r in self.rows[1:]), self.widths or None))
        self.kind = None
        self.para, self.items, self.marks, self.pairs = [], [], [], []
        self.rows, self.widths = [], None

    def start(self, kind: str) -> None:
        """Continue the current block if it is of ``kind``, else start a new one.

        Blank lines end paragraphs only: lists, check lists, key/value groups and tables
        carry on across them, because template loops tend to emit stray blank lines.
        """
        if self.kind != kind or kind == "para":
            self.flush()
            self.kind = kind
        self.blank_since = False


def parse(text: str, source: str = "<template>") -> list[Block]:
    """Parse markup into model blocks; raise :class:`MarkupError` on a syntax error."""
    p = _Parser(source)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    fence: tuple[int, dict[str, object]] | None = None

    for no, raw in enumerate(lines, start=1):
        s = _collapse(raw)

        if fence is not None:
            start_no, fields = fence
            if _FENCE.match(s):
                if _FENCE.match(s).group(1):  # type: ignore[union-attr]  # matched on the line above
                    raise MarkupError(source, no, "':::' blocks cannot be nested")
                p.blocks.append(_signature(fields, source, start_no))
                fence = None
            elif s:
                _signature_field(fields, s, no, source)
            continue

        if not s:
            if p.kind == "para":
                p.flush()
            p.blank_since = True
            continue

        m = _FENCE.match(s)
        if m:
            name = m.group(1).strip().lower()
            if not name:
                raise MarkupError(source, no, "':::' closes a block that was never opened")
            if name != "signature":
                raise MarkupError(source, no, "unknown ':::' block", "the only block is '::: signature'")
            p.flush()
            fence = (no, {"lines": []})
            continue

        m = _DIRECTIVE.match(s)
        if m:
            name = m.group(1).lower()
            p.flush()
            if name == "pagebreak":
                p.blocks.append(PageBreak())
            elif name == "spacer":
                p.blocks.append(Spacer())
            else:
                raise MarkupError(source, no, "unknown directive", "use ---pagebreak--- or ---spacer---")
            continue

        m = _HEADING.match(s)
        if m:
            level = len(m.group(1))
            if level > 3:
                raise MarkupError(source, no, "heading level deeper than ###")
            body = _strip(_lex(m.group(2) or "", no))
            if not body:
                raise MarkupError(source, no, "empty heading")
            p.flush()
            p.blocks.append(Heading(level, _text(body, source)))
            continue

        m = _BULLET.match(s)
        if m:
            body = _strip(_lex(m.group(1) or "", no))
            if not body:
                raise MarkupError(source, no, "empty list item")
            p.start("bullet")
            p.items.append(body)
            continue

        m = _CHECK.match(s)
        if m:
            body = _strip(_lex(m.group(2) or "", no))
            if not body:
                raise MarkupError(source, no, "empty check list item")
            mark = m.group(1)
            p.start("check")
            p.marks.append(True if mark in "xX" else (None if mark == "-" else False))
            p.items.append(body)
            continue

        m = _KV.match(s)
        if m:
            parts = _split(_lex(m.group(1), no), "::", maxsplit=1)
            if len(parts) != 2:
                raise MarkupError(source, no, "key/value line without '::'", "write ': Label :: value'")
            label = _text(_strip(parts[0]), source)
            if not label:
                raise MarkupError(source, no, "key/value line without a label")
            p.start("kv")
            p.pairs.append((label, _text(_strip(parts[1]), source)))
            continue

        if s.startswith("|"):
            _table_row(p, s, no)
            continue

        # plain text: joins the open paragraph, or continues a list item written right
        # after it (no blank line in between), as Markdown does
        chars = _lex(s, no)
        if p.kind in ("bullet", "check") and not p.blank_since:
            p.items[-1] = p.items[-1] + [_Ch(" ", False, no)] + chars
        elif p.kind == "para":
            p.para = p.para + [_Ch(" ", False, no)] + chars
        else:
            p.start("para")
            p.para = chars

    if fence is not None:
        raise MarkupError(source, fence[0], "'::: signature' is not closed with ':::'")
    p.flush()
    return p.blocks


def _table_row(p: _Parser, s: str, no: int) -> None:
    cells = _split(_lex(s, no), "|")
    cells = cells[1:]  # before the leading '|'
    if cells and not _strip(cells[-1]):
        cells = cells[:-1]  # after the closing '|', which is optional
    stripped = [_strip(c) for c in cells]
    if not stripped:
        raise MarkupError(p.source, no, "table row without cells")
    is_sep = all(c and all(not ch.lit for ch in c) and _SEP_CELL.match("".join(ch.c for ch in c)) for c in stripped)
    p.start("table")
    if is_sep:
        if len(p.rows) != 1 or p.widths is not None:
            raise MarkupError(p.source, no, "a '|---|' separator may only follow the header row")
        if len(stripped) != len(p.rows[0]):
            raise MarkupError(p.source, no, "separator row has a different number of cells than the header")
        dashes = [sum(ch.c == "-" for ch in c) for c in stripped]
        # equal dashes carry no intent; unequal ones set relative column widths
        p.widths = tuple(float(d) for d in dashes) if len(set(dashes)) > 1 else ()
        return
    row = [_text(c, p.source) for c in stripped]
    if p.rows and len(row) != len(p.rows[0]):
        raise MarkupError(
            p.source, no, f"table row has {len(row)} cells, the header has {len(p.rows[0])}",
            "escape a literal '|' as \\|",
        )
    p.rows.append(row)


def _signature_field(fields: dict[str, object], s: str, no: int, source: str) -> None:
    parts = _split(_lex(s, no), ":", maxsplit=1)
    if len(parts) != 2:
        raise MarkupError(source, no, "signature line is not 'key: value'")
    key = "".join(ch.c for ch in _strip(parts[0])).lower()
    if key not in _SIG_KEYS:
        raise MarkupError(source, no, "unknown signature key", "use name, line, npi, image or date")
    value = _text(_strip(parts[1]), source)
    if key in ("line", "credentials"):
        fields["lines"].append(value)  # type: ignore[attr-defined]  # fields['lines'] is the list made for this block
    elif key in fields:
        raise MarkupError(source, no, f"signature key '{key}' given twice")
    else:
        fields[key] = value


def _signature(fields: dict[str, object], source: str, start_no: int) -> Signature:
    name = fields.get("name")
    if not name:
        raise MarkupError(source, start_no, "signature block without 'name:'")
    return Signature(
        name=str(name),
        lines=tuple(fields["lines"]),  # type: ignore[arg-type]  # fields['lines'] is the list made for this block
        npi=(str(fields["npi"]) or None) if "npi" in fields else None,
        image=(str(fields["image"]) or None) if "image" in fields else None,
        date=(str(fields["date"]) or None) if "date" in fields else None,
    )


def parse_document(text: str, meta: DocMeta | None = None, source: str = "<template>") -> Document:
    """:func:`parse` wrapped into a :class:`Document`."""
    return Document(tuple(parse(text, source)), meta or DocMeta())
