"""Render a :class:`~priorauth.documents.model.Document` as PDF with reportlab platypus.

US Letter, 1 inch margins, embedded Liberation Serif (bundled in ``fonts/``: the metrics of
Times New Roman, which the DOCX names, so both paginate alike). Output is byte-for-byte
deterministic: reportlab runs in invariant mode and nothing reads the clock.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from importlib import resources
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    HRFlowable,
    Image,
    KeepTogether,
    PageTemplate,
    TableStyle,
)
from reportlab.platypus import PageBreak as RLPageBreak
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus import Spacer as RLSpacer
from reportlab.platypus import Table as RLTable

from ._layout import CLOSING_MAX_CHARS, column_widths, fit_width, header_widths, kv_label, text_width
from .model import (
    Block,
    BulletList,
    CheckList,
    DocMeta,
    Document,
    DocumentError,
    Heading,
    Inline,
    KeyValue,
    PageBreak,
    Paragraph,
    Signature,
    Spacer,
    Table,
    check_glyph,
)

__all__ = ["write_pdf", "FONT_REGULAR", "FONT_BOLD", "FONT_ITALIC", "FONT_BOLD_ITALIC", "FONT_SYMBOLS"]

FONT_REGULAR = "LiberationSerif"
FONT_BOLD = "LiberationSerif-Bold"
FONT_ITALIC = "LiberationSerif-Italic"
FONT_BOLD_ITALIC = "LiberationSerif-BoldItalic"
FONT_SYMBOLS = "DejaVuSans"  # has the ballot boxes and other symbols Liberation Serif lacks

_FONT_FILES = {
    FONT_REGULAR: "LiberationSerif-Regular.ttf",
    FONT_BOLD: "LiberationSerif-Bold.ttf",
    FONT_ITALIC: "LiberationSerif-Italic.ttf",
    FONT_BOLD_ITALIC: "LiberationSerif-BoldItalic.ttf",
    FONT_SYMBOLS: "DejaVuSans.ttf",
}

PAGE_W, PAGE_H = LETTER
MARGIN = inch
TEXT_W = PAGE_W - 2 * MARGIN
# A table row is split across pages only when it is taller than this, and then with at
# least this much on each page; a shorter row moves whole to the next page, under the
# repeated header (a split one left the header over an empty-looking remnant)
ROW_SPLIT_MIN = (PAGE_H - 2 * MARGIN) / 4

INK = colors.HexColor("#1B1B1B")
ACCENT = colors.HexColor("#1F3A5F")  # letterhead and headings
GREY = colors.HexColor("#5F6368")
LIGHT_RULE = colors.HexColor("#9AA5B1")
HEADER_FILL = colors.HexColor("#E3E9F0")
ZEBRA_FILL = colors.HexColor("#F6F8FA")

_serif_chars: frozenset[int] = frozenset()
_symbol_chars: frozenset[int] = frozenset()


def _register_fonts() -> None:
    """Register the bundled fonts once per process (reportlab's registry is global)."""
    global _serif_chars, _symbol_chars
    if _serif_chars:
        return
    fonts_dir = resources.files(__package__).joinpath("fonts")
    for name, filename in _FONT_FILES.items():
        # read through importlib.resources so this also works from a zipped install
        data = fonts_dir.joinpath(filename).read_bytes()
        pdfmetrics.registerFont(TTFont(name, io.BytesIO(data)))
    pdfmetrics.registerFontFamily(
        FONT_REGULAR, normal=FONT_REGULAR, bold=FONT_BOLD, italic=FONT_ITALIC, boldItalic=FONT_BOLD_ITALIC
    )
    _symbol_chars = frozenset(pdfmetrics.getFont(FONT_SYMBOLS).face.charToGlyph)
    _serif_chars = frozenset(pdfmetrics.getFont(FONT_REGULAR).face.charToGlyph)


# --------------------------------------------------------------------------- text


def _markup(text: str) -> str:
    """Escape text for a reportlab Paragraph, switching to DejaVu Sans for characters
    Liberation Serif cannot draw (reportlab has no automatic font fallback)."""
    if _serif_chars.issuperset(map(ord, text)):  # nearly every run: no fallback needed
        return xml_escape(text)
    out: list[str] = []
    pending: list[str] = []

    def close() -> None:
        if pending:
            out.append(f'<font name="{FONT_SYMBOLS}">{xml_escape("".join(pending))}</font>')
            pending.clear()

    for ch in text:
        cp = ord(ch)
        if cp not in _serif_chars and cp in _symbol_chars:
            pending.append(ch)
        else:
            close()
            out.append(xml_escape(ch))
    close()
    return "".join(out)


def _runs(runs: Inline) -> str:
    parts = []
    for r in runs:
        t = _markup(r.text)
        if r.italic:
            t = f"<i>{t}</i>"
        if r.bold:
            t = f"<b>{t}</b>"
        parts.append(t)
    return "".join(parts)


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle(
        "body", fontName=FONT_REGULAR, fontSize=10.5, leading=14.5, textColor=INK,
        spaceAfter=7, alignment=TA_LEFT,
        # a word of letters may break after its hyphen ("Muñoz-" / "Ñúñez"), as in Word;
        # no other word is ever broken (see _layout.unbreakable_parts)
        embeddedHyphenation=1, hyphenationLang="", uriWasteReduce=0,
        allowWidows=0,  # as Word's widow control: no last line alone at the top of a page
    )
    s = {"body": base}
    s["h1"] = ParagraphStyle("h1", base, fontName=FONT_BOLD, fontSize=13.5, leading=17,
                             textColor=ACCENT, spaceBefore=8, spaceAfter=8)
    s["h2"] = ParagraphStyle("h2", base, fontName=FONT_BOLD, fontSize=11.5, leading=15,
                             textColor=ACCENT, spaceBefore=10, spaceAfter=4)
    s["h3"] = ParagraphStyle("h3", base, fontName=FONT_BOLD_ITALIC, fontSize=10.5, leading=14,
                             spaceBefore=8, spaceAfter=3)
    s["bullet"] = ParagraphStyle("bullet", base, leftIndent=20, bulletIndent=7, spaceAfter=3,
                                 bulletFontName=FONT_REGULAR)
    s["check"] = ParagraphStyle("check", base, leftIndent=22, bulletIndent=2, spaceAfter=3,
                                bulletFontName=FONT_SYMBOLS, bulletFontSize=12)
    # a table cell breaks a hyphenated word after its hyphen ("second-" / "generation"),
    # as Word does, never inside a word: columns are at least as wide as their longest part
    s["cell"] = ParagraphStyle("cell", base, fontSize=9.5, leading=12, spaceAfter=0)
    s["cell_head"] = ParagraphStyle("cell_head", s["cell"], fontName=FONT_BOLD)
    s["kv_label"] = ParagraphStyle("kv_label", base, fontName=FONT_BOLD, spaceAfter=0)
    s["kv_value"] = ParagraphStyle("kv_value", base, spaceAfter=0)
    s["lh_name"] = ParagraphStyle("lh_name", base, fontName=FONT_BOLD, fontSize=17, leading=21,
                                  textColor=ACCENT, spaceAfter=2)
    s["lh_contact"] = ParagraphStyle("lh_contact", base, fontSize=8.5, leading=11, textColor=GREY,
                                     spaceAfter=0)
    s["sig"] = ParagraphStyle("sig", base, spaceAfter=0, leading=13.5)
    s["sig_name"] = ParagraphStyle("sig_name", s["sig"], fontName=FONT_BOLD)
    return s


# --------------------------------------------------------------------------- blocks


def _image(path: str, max_w: float, max_h: float, h_align: str) -> Image:
    if not os.path.isfile(path):
        raise DocumentError(f"image file not found: {path}")
    try:
        px_w, px_h = ImageReader(path).getSize()
    except Exception as exc:  # reportlab/PIL raise many types for unreadable images
        raise DocumentError(f"image file cannot be read: {path}") from exc
    scale = min(max_w / px_w, max_h / px_h)
    img = Image(path, width=px_w * scale, height=px_h * scale)
    img.hAlign = h_align
    return img


def _column_widths(table: Table, st: dict[str, ParagraphStyle]) -> list[float]:
    size = st["cell"].fontSize
    return column_widths(table, TEXT_W, lambda text, bold: text_width(text, bold, size))


def _cell(text: str, style: ParagraphStyle, room: float, bold: bool) -> str | RLParagraph:
    """A table cell: a plain string when it fits on one line in the serif font (drawn as is,
    with no paragraph to parse and wrap: most cells are a dose, a date, a class), else a
    paragraph that wraps."""
    if _serif_chars.issuperset(map(ord, text)) and text_width(text, bold, style.fontSize) <= room:
        return text
    return RLParagraph(_markup(text), style)


def _table(table: Table, st: dict[str, ParagraphStyle]) -> RLTable:
    widths = _column_widths(table, st)
    rooms = [w - 10 for w in widths]  # the cell padding
    data = [[_cell(h, st["cell_head"], r, True) for h, r in zip(table.header, rooms)]]
    data += [[_cell(c, st["cell"], r, False) for c, r in zip(row, rooms)] for row in table.rows]
    # splitInRow: a cell longer than a page (a long side-effect note) splits instead of
    # failing the whole letter with a LayoutError; see ROW_SPLIT_MIN.
    t = RLTable(data, colWidths=widths, repeatRows=1, hAlign="LEFT",
                spaceBefore=0, spaceAfter=8, splitInRow=ROW_SPLIT_MIN)  # the DOCX's spacing
    size, leading = st["cell"].fontSize, st["cell"].leading
    style = [
        ("GRID", (0, 0), (-1, -1), 0.5, LIGHT_RULE),
        ("LINEBELOW", (0, 0), (-1, 0), 0.9, ACCENT),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        # the plain-string cells: the paragraphs' font, size and leading
        ("FONT", (0, 0), (-1, -1), FONT_REGULAR, size, leading),
        ("FONT", (0, 0), (-1, 0), FONT_BOLD, size, leading),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("LEFTPADDING", (0, 0), (-1, -1), 5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 5),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
    ]
    if len(data) > 3:
        style.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, ZEBRA_FILL]))
    t.setStyle(TableStyle(style))
    return t


def _key_value(kv: KeyValue, st: dict[str, ParagraphStyle]) -> RLTable:
    labels = [kv_label(k) for k, _ in kv.pairs]
    label_w = max(pdfmetrics.stringWidth(lb, FONT_BOLD, st["kv_label"].fontSize) for lb in labels) + 12
    label_w = min(label_w, TEXT_W * 0.4)
    size = st["kv_label"].fontSize
    # A label that fits on one line in the serif font is drawn as a plain string, without
    # a paragraph to parse and wrap: a letter has a dozen of them.
    plain = [_serif_chars.issuperset(map(ord, lb)) and text_width(lb, True, size) <= label_w for lb in labels]
    data = [
        [lb if simple else RLParagraph(_markup(lb), st["kv_label"]), RLParagraph(_markup(v), st["kv_value"])]
        for lb, simple, (_, v) in zip(labels, plain, kv.pairs)
    ]
    # rows of 1 + line + 1 and 6 after: the DOCX's lines with 2 after each and 8 after the last
    t = RLTable(data, colWidths=[label_w, TEXT_W - label_w], hAlign="LEFT", spaceBefore=0, spaceAfter=6, splitInRow=1)
    t.setStyle(TableStyle([
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONT", (0, 0), (-1, -1), FONT_REGULAR, 9.5),  # else cells select Helvetica
        ("FONT", (0, 0), (0, -1), FONT_BOLD, size, st["kv_label"].leading),
        ("TEXTCOLOR", (0, 0), (0, -1), INK),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        # (a string's baseline is its font size below the padding, as a paragraph's first)
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
    ]))
    return t


def _signature(sig: Signature, st: dict[str, ParagraphStyle], closing: Paragraph | None,
               tail: list[Flowable]) -> KeepTogether:
    # ``tail``: the last paragraph before the closing, so that "Sincerely," and the
    # signature never stand alone on an otherwise empty last page
    parts: list[Flowable] = list(tail)
    if closing is not None:
        parts.append(RLParagraph(_runs(closing.runs), st["body"]))
    parts.append(RLSpacer(1, 10))
    if sig.image:
        parts.append(_image(sig.image, 2.2 * inch, 0.75 * inch, "LEFT"))
    else:
        parts.append(RLSpacer(1, 34))  # room for a wet signature
    parts.append(HRFlowable(width=3 * inch, thickness=0.7, color=INK, hAlign="LEFT",
                            spaceBefore=2, spaceAfter=4))
    parts.append(RLParagraph(_markup(sig.name), st["sig_name"]))
    parts += [RLParagraph(_markup(line), st["sig"]) for line in sig.lines]
    if sig.npi:
        parts.append(RLParagraph(_markup(f"NPI: {sig.npi}"), st["sig"]))
    if sig.date:
        parts.append(RLParagraph(_markup(f"Date: {sig.date}"), st["sig"]))
    parts.append(RLSpacer(1, 8))
    return KeepTogether(parts)


def _letterhead(meta: DocMeta, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    lh = meta.letterhead
    if lh is None:
        return []
    text: list[Flowable] = [RLParagraph(_markup(lh.practice_name), st["lh_name"])]
    text += [RLParagraph(_markup(line), st["lh_contact"]) for line in lh.contact_lines()]
    head: Flowable
    if lh.logo:
        logo = _image(lh.logo, 1.6 * inch, 0.75 * inch, "RIGHT")
        logo_w = logo.drawWidth + 6
        head = RLTable([[text, logo]], colWidths=[TEXT_W - logo_w, logo_w], hAlign="LEFT")
        head.setStyle(TableStyle([
            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
            ("FONT", (0, 0), (-1, -1), FONT_REGULAR, 9.5),
            ("ALIGN", (1, 0), (1, 0), "RIGHT"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        ]))
        flow: list[Flowable] = [head]
    else:
        flow = text
    flow.append(HRFlowable(width="100%", thickness=1.2, color=ACCENT, spaceBefore=6, spaceAfter=18))
    return flow


def _story(doc: Document, st: dict[str, ParagraphStyle]) -> list[Flowable]:
    out: list[Flowable] = _letterhead(doc.meta, st)
    blocks = doc.blocks
    for i, block in enumerate(blocks):
        if isinstance(block, Signature):
            prev = blocks[i - 1] if i > 0 else None
            closing = prev if isinstance(prev, Paragraph) and len(prev.text) <= CLOSING_MAX_CHARS else None
            # the paragraph before the closing goes with it (a table would not fit)
            tail = [out.pop()] if out and isinstance(out[-1], RLParagraph) else []
            out.append(_signature(block, st, closing, tail))
        else:
            out.extend(_flowables(blocks, i, st))
    return _keep_headings_with_next(out)


class _Heading(RLParagraph):
    """A heading: kept on the page of what follows it (see _keep_headings_with_next)."""


def _first_part(flowable: Flowable) -> float:
    """The least of ``flowable`` that Word keeps with a heading before it: two lines of a
    paragraph (one if it has one: widow control), the header row and first row of a table,
    the whole of anything else (a signature block)."""
    if isinstance(flowable, RLParagraph):
        flowable.wrap(TEXT_W, PAGE_H)
        lines = len(flowable.blPara.lines)
        return min(lines, 2) * flowable.style.leading + flowable.getSpaceBefore()
    if isinstance(flowable, RLTable):
        rows = flowable._cellvalues[: 2 if flowable.repeatRows else 1]
        height = 0.0
        for row in rows:
            cells = [cell.wrap(w - 10, PAGE_H)[1] for cell, w in zip(row, flowable._argW) if isinstance(cell, RLParagraph)]
            height += max(cells, default=12.0) + 7
        return height + flowable.spaceBefore
    return flowable.wrap(TEXT_W, PAGE_H)[1] + flowable.getSpaceBefore()


def _keep_headings_with_next(story: list[Flowable]) -> list[Flowable]:
    """Before each heading, a conditional page break for the heading and the first part of
    what follows: the PDF's version of Word's keep-with-next on headings, so both move a
    heading to the next page in the same places. (reportlab's keepWithNext would glue the
    heading to a whole table and push both to the next page.)"""
    out: list[Flowable] = []
    for k, flowable in enumerate(story):
        if isinstance(flowable, _Heading) and (k == 0 or not isinstance(story[k - 1], _Heading)):
            need = 0.0
            j = k
            while j < len(story) and isinstance(story[j], _Heading):  # a heading right under a heading
                need += story[j].wrap(TEXT_W, PAGE_H)[1] + story[j].getSpaceBefore() + story[j].getSpaceAfter()
                j += 1
            if j < len(story):
                need += _first_part(story[j])
            out.append(CondPageBreak(need))
        out.append(flowable)
    return out


def _flowables(blocks: tuple[Block, ...], i: int, st: dict[str, ParagraphStyle]) -> Iterator[Flowable]:
    block = blocks[i]
    nxt = blocks[i + 1] if i + 1 < len(blocks) else None
    if isinstance(block, Paragraph) and isinstance(nxt, Signature) and len(block.text) <= CLOSING_MAX_CHARS:
        return  # drawn together with the signature
    if isinstance(block, Heading):
        yield _Heading(_markup(block.text), st[f"h{block.level}"])
    elif isinstance(block, Paragraph):
        yield RLParagraph(_runs(block.runs), st["body"])
    elif isinstance(block, BulletList):
        for n, item in enumerate(block.items):
            last = n == len(block.items) - 1
            style = st["bullet"] if not last else ParagraphStyle("bullet_last", st["bullet"], spaceAfter=8)
            yield RLParagraph(_runs(item), style, bulletText="\u2022")
    elif isinstance(block, CheckList):
        for n, check in enumerate(block.items):
            last = n == len(block.items) - 1
            style = st["check"] if not last else ParagraphStyle("check_last", st["check"], spaceAfter=8)
            yield RLParagraph(_runs(check.runs), style, bulletText=check_glyph(check.checked))
    elif isinstance(block, Table):
        yield _table(block, st)
    elif isinstance(block, KeyValue):
        yield _key_value(block, st)
    elif isinstance(block, PageBreak):
        yield RLPageBreak()
    elif isinstance(block, Spacer):
        yield RLSpacer(1, block.height)
    else:
        raise TypeError(f"unknown block type {type(block).__name__}")


# --------------------------------------------------------------------------- page furniture

HEADER_Y = PAGE_H - 0.6 * inch
FOOTER_Y = 0.68 * inch
AUDIT_Y = 0.48 * inch


def _draw_text(canvas: Canvas, x: float, y: float, text: str, font: str, size: float,
               align: str = "left") -> None:
    # drawString has no font fallback either; split off the characters Serif lacks
    segments: list[tuple[str, str]] = []
    if _serif_chars.issuperset(map(ord, text)):  # nearly always: one segment
        segments.append((font, text))
        text = ""
    for ch in text:
        f = FONT_SYMBOLS if (ord(ch) not in _serif_chars and ord(ch) in _symbol_chars) else font
        if segments and segments[-1][0] == f:
            segments[-1] = (f, segments[-1][1] + ch)
        else:
            segments.append((f, ch))
    total = sum(pdfmetrics.stringWidth(t, f, size) for f, t in segments)
    if align == "right":
        x -= total
    elif align == "center":
        x -= total / 2
    for f, t in segments:
        canvas.setFont(f, size)
        canvas.drawString(x, y, t)
        x += pdfmetrics.stringWidth(t, f, size)


def _page_furniture(meta: DocMeta) -> Callable[[Canvas, Any], None]:
    def draw(canvas: Canvas, _doc: Any) -> None:
        canvas.saveState()
        canvas.setFillColor(GREY)
        left, right = MARGIN, PAGE_W - MARGIN
        header_left, header_right = meta.header_texts()
        if header_left or header_right or meta.watermark:
            left_w, right_w = header_widths(header_left, header_right, meta.watermark, TEXT_W, 8)
            if meta.watermark:
                canvas.setFillColor(colors.HexColor("#A33A3A"))
                _draw_text(canvas, PAGE_W / 2, HEADER_Y, meta.watermark, FONT_BOLD, 8, "center")
                canvas.setFillColor(GREY)
            text, size = fit_width(header_left, left_w, 8, 6.5)
            _draw_text(canvas, left, HEADER_Y, text, FONT_REGULAR, size)
            text, size = fit_width(header_right, right_w, 8, 6.5)
            _draw_text(canvas, right, HEADER_Y, text, FONT_REGULAR, size, "right")
            canvas.setStrokeColor(LIGHT_RULE)
            canvas.setLineWidth(0.4)
            canvas.line(left, HEADER_Y - 5, right, HEADER_Y - 5)
        canvas.setStrokeColor(LIGHT_RULE)
        canvas.setLineWidth(0.4)
        canvas.line(left, FOOTER_Y + 11, right, FOOTER_Y + 11)
        if meta.footer_text:
            # leave room at the right for "Page N of M", drawn once the page count is known
            text, size = fit_width(meta.footer_text, TEXT_W - 80, 8, 6)
            _draw_text(canvas, left, FOOTER_Y, text, FONT_REGULAR, size)
        if meta.audit_line:
            text, size = fit_width(meta.audit_line, TEXT_W, 6.5, 4.5)
            _draw_text(canvas, left, AUDIT_Y, text, FONT_REGULAR, size)
        canvas.restoreState()

    return draw


def _watermark(meta: DocMeta) -> Callable[[Canvas, Any], None]:
    def draw(canvas: Canvas, _doc: Any) -> None:
        if not meta.watermark:
            return
        text = meta.watermark
        diagonal = (PAGE_W ** 2 + PAGE_H ** 2) ** 0.5
        size = min(150.0, 0.62 * diagonal / max(pdfmetrics.stringWidth(text, FONT_BOLD, 1), 1e-6))
        canvas.saveState()
        # drawn over the content, translucent: an underlay would vanish behind table
        # shading and images
        canvas.setFillColor(colors.HexColor("#8A8F98"))
        canvas.setFillAlpha(0.16)
        canvas.translate(PAGE_W / 2, PAGE_H / 2)
        canvas.rotate(54.7)  # the page diagonal of US Letter
        canvas.setFont(FONT_BOLD, size)
        canvas.drawCentredString(0, -size * 0.35, text)
        canvas.restoreState()

    return draw


def _numbered_canvas(meta: DocMeta) -> type[Canvas]:
    """A canvas that holds pages back until the end so "Page N of M" knows M."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self.setFillColor(GREY)
                _draw_text(self, PAGE_W - MARGIN, FOOTER_Y, f"Page {number} of {total}", FONT_REGULAR, 8, "right")
                super().showPage()
            super().save()

    return NumberedCanvas


def write_pdf(doc: Document) -> bytes:
    """Render ``doc`` to PDF bytes; identical input gives identical bytes."""
    _register_fonts()
    st = _styles()
    meta = doc.meta
    buf = io.BytesIO()
    template = BaseDocTemplate(
        buf,
        pagesize=LETTER,
        leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN, bottomMargin=MARGIN,
        title=meta.title, author=meta.author, subject=meta.subject,
        keywords=list(meta.keywords), creator=meta.producer, producer=meta.producer,
        invariant=1,
        # the canvas otherwise starts every page in Helvetica, a font reference that is
        # never embedded
        initialFontName=FONT_REGULAR,
    )
    frame = Frame(MARGIN, MARGIN, TEXT_W, PAGE_H - 2 * MARGIN, id="body",
                  leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    template.addPageTemplates([
        PageTemplate(id="page", frames=[frame], onPage=_page_furniture(meta), onPageEnd=_watermark(meta)),
    ])
    story = _story(doc, st)
    if not story:
        story = [RLSpacer(1, 1)]  # reportlab writes no page at all for an empty story
    template.build(story, canvasmaker=_numbered_canvas(meta))
    return buf.getvalue()
