"""Layout arithmetic shared by the PDF and DOCX writers (no third-party imports)."""

from __future__ import annotations

from collections.abc import Callable

from .model import Table

# measure(text, bold) -> width in points at the table font size
Measure = Callable[[str, bool], float]


def column_widths(table: Table, total: float, measure: Measure, pad: float = 10.0) -> list[float]:
    """Column widths in points that add up to ``total``.

    Explicit ``table.widths`` are relative. Otherwise every column gets at least its
    longest word, so words are not broken mid-way, and the rest of the line is shared in
    proportion to how much wider each column would like to be.
    """
    if table.widths:
        s = sum(table.widths)
        return [total * w / s for w in table.widths]
    min_w: list[float] = []
    want_w: list[float] = []
    for i, head in enumerate(table.header):
        cells = [(head, True)] + [(r[i], False) for r in table.rows]
        words = [measure(w, bold) for text, bold in cells for w in text.split()] or [0.0]
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


def truncate(text: str, max_chars: int) -> str:
    """Cut ``text`` to ``max_chars`` characters, ending with an ellipsis when cut."""
    if len(text) <= max_chars:
        return text
    return text[: max(max_chars - 1, 0)].rstrip() + "\u2026"
