"""Layout arithmetic shared by the PDF and DOCX writers (no third-party imports)."""

from __future__ import annotations

import re
from collections.abc import Callable

from . import _metrics
from .model import Table

# measure(text, bold) -> width in points at the table font size
Measure = Callable[[str, bool], float]

# A character outside the width tables (drawn from the symbol font): about an em wide
_OTHER_WIDTH = 1000


def text_width(text: str, bold: bool, size: float) -> float:
    """Width in points of ``text`` in the body font (Liberation Serif, the metrics of
    Times New Roman) at ``size``: the same numbers for the PDF and the DOCX writer."""
    table = _metrics.BOLD if bold else _metrics.REGULAR
    get = table.get
    return sum(get(ord(ch), _OTHER_WIDTH) for ch in text) * size / 1000.0


# A word of letters joined by hyphens ("second-generation") may break after a hyphen, in
# the PDF (reportlab's embeddedHyphenation) as in Word and LibreOffice; any other word
# (a date, a code, a dose) is kept whole.
_HYPHENATED = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)+")


def unbreakable_parts(text: str) -> list[str]:
    """The pieces of ``text`` that a line break may not split: its words, and the parts of
    a hyphenated word up to and including each hyphen."""
    parts: list[str] = []
    for word in text.split():
        if _HYPHENATED.fullmatch(word):
            pieces = word.split("-")
            parts += [p + "-" for p in pieces[:-1]] + [pieces[-1]]
        else:
            parts.append(word)
    return parts


def column_widths(table: Table, total: float, measure: Measure, pad: float = 11.0) -> list[float]:
    """Column widths in points that add up to ``total``.

    Explicit ``table.widths`` are relative. Otherwise every column gets at least its
    longest word (a hyphenated word: its longest part, see :func:`unbreakable_parts`), so
    no word is broken mid-way, and the rest of the line is shared in proportion to how
    much wider each column would like to be. Only when the longest words of all columns
    together are wider than the line are they shrunk, in proportion.
    """
    if table.widths:
        s = sum(table.widths)
        return [total * w / s for w in table.widths]
    min_w: list[float] = []
    want_w: list[float] = []
    for i, head in enumerate(table.header):
        cells = [(head, True)] + [(r[i], False) for r in table.rows]
        words = [measure(w, bold) for text, bold in cells for w in unbreakable_parts(text)] or [0.0]
        full = [measure(text, bold) for text, bold in cells]
        min_w.append(min(max(words), total * 0.6) + pad)
        want_w.append(min(max(full), total * 0.6) + pad)
    if sum(min_w) >= total:
        return [total * w / sum(min_w) for w in min_w]
    spare = total - sum(min_w)
    extra = [max(w - m, 0.0) for w, m in zip(want_w, min_w)]
    if sum(extra) <= spare:
        # every cell fits on one line; share what is left by wanted width
        left = spare - sum(extra)
        return [m + x + left * w / sum(want_w) for m, x, w in zip(min_w, extra, want_w)]
    return [m + spare * x / sum(extra) for m, x in zip(min_w, extra)]


def kv_label(label: str) -> str:
    """A key/value label as printed: with a trailing colon."""
    return label if label.endswith(":") else label + ":"


# A short paragraph right before a signature ("Sincerely,") is its closing and should
# not be left behind on the previous page.
CLOSING_MAX_CHARS = 80


def fit_width(text: str, width: float, size: float, min_size: float) -> tuple[str, float]:
    """Shrink ``text`` (body font, regular) to ``width`` points, down to ``min_size``;
    past that, cut it with an ellipsis. Returns the text and its size."""
    while size > min_size and text_width(text, False, size) > width:
        size = max(min_size, size - 0.25)
    if text_width(text, False, size) > width:
        while text and text_width(text + "\u2026", False, size) > width:
            text = text[:-1]
        text = text.rstrip() + "\u2026"
    return text, size


def header_widths(left: str, right: str, mark: str | None, total: float, size: float, gap: float = 12.0) -> tuple[float, float]:
    """Room for the left and right parts of the running header (and a centred mark)."""
    if mark:
        side = max(total / 2 - text_width(mark, True, size) / 2 - gap, 10.0)
        return side, side
    right_w = min(text_width(right, False, size), total / 2 - gap)
    left_w = total - right_w - gap
    return left_w, total - min(text_width(left, False, size), left_w) - gap
