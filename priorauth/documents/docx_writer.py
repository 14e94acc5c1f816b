"""Render a :class:`~priorauth.documents.model.Document` as DOCX with python-docx.

Layout mirrors the PDF writer: US Letter, 1 inch margins, letterhead at the top of the
body, running header and footer with "Page N of M" fields and the audit line. Output is
byte-for-byte deterministic: fixed core-property dates, and the package is re-zipped with
fixed timestamps, permissions and member order.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import os
import re
import zipfile
from collections.abc import Iterable
from typing import Any
from xml.sax.saxutils import escape as xml_escape

import docx
from docx.document import Document as DocxDocument
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_TAB_ALIGNMENT
from docx.image.exceptions import UnrecognizedImageError
from docx.image.image import Image as DocxImage
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Emu, Inches, Pt, RGBColor
from docx.styles.style import ParagraphStyle
from docx.table import Table as DocxTable
from docx.text.paragraph import Paragraph as DocxParagraph
from docx.text.run import Run

from ._layout import CLOSING_MAX_CHARS, column_widths, fit_width, header_widths, kv_label, text_width
from .model import (
    BulletList,
    CheckList,
    DocMeta,
    Document,
    DocumentError,
    Heading,
    Inline,
    KeyValue,
    Letterhead,
    PageBreak,
    Paragraph,
    Signature,
    Spacer,
    Table,
    check_glyph,
)

__all__ = ["write_docx", "BODY_FONT", "SYMBOL_FONT", "FIXED_TIME"]

# Times New Roman is on every Windows and Mac with Word, and LibreOffice replaces it with
# Liberation Serif, which has the same advance widths: the font the PDF embeds. So Word,
# LibreOffice and the PDF break lines, and pages, in the same places, and the DOCX stays
# small (embedding the four faces would add about 1.5 MB to every letter).
BODY_FONT = "Times New Roman"
# Times New Roman has no ballot boxes. Segoe UI Symbol has them on every Windows; other
# systems fall back per glyph (LibreOffice picks DejaVu Sans, as the PDF does).
SYMBOL_FONT = "Segoe UI Symbol"
FIXED_TIME = dt.datetime(2000, 1, 1, 0, 0, 0)

ACCENT = RGBColor(0x1F, 0x3A, 0x5F)
INK = RGBColor(0x1B, 0x1B, 0x1B)
GREY = RGBColor(0x5F, 0x63, 0x68)
WARN = RGBColor(0xA3, 0x3A, 0x3A)
RULE_HEX = "9AA5B1"
HEADER_FILL = "E3E9F0"
ZEBRA_FILL = "F6F8FA"

TEXT_W = Inches(6.5)
_TWIPS_PER_PT = 20


# --------------------------------------------------------------------------- xml helpers

# Child order required by the WordprocessingML schema; Word rejects files that break it.
_PPR_ORDER = (
    "pStyle keepNext keepLines pageBreakBefore framePr widowControl numPr suppressLineNumbers "
    "pBdr shd tabs suppressAutoHyphens kinsoku wordWrap overflowPunct topLinePunct autoSpaceDE "
    "autoSpaceDN bidi adjustRightInd snapToGrid spacing ind contextualSpacing mirrorIndents "
    "suppressOverlap jc textDirection textAlignment textboxTightWrap outlineLvl divId cnfStyle "
    "rPr sectPr pPrChange"
).split()
_TBLPR_ORDER = (
    "tblStyle tblpPr tblOverlap bidiVisual tblStyleRowBandSize tblStyleColBandSize tblW jc "
    "tblCellSpacing tblInd tblBorders shd tblLayout tblCellMar tblLook tblCaption tblDescription"
).split()
_TCPR_ORDER = (
    "cnfStyle tcW gridSpan hMerge vMerge tcBorders shd noWrap tcMar textDirection tcFitText "
    "vAlign hideMark"
).split()


def _put(parent: object, child: object, order: list[str]) -> None:
    """Insert ``child`` at its schema position, replacing an existing element of its kind."""
    tag = child.tag  # type: ignore[attr-defined]  # python-docx's oxml elements are lxml elements it does not type
    local = tag.split("}")[1]
    old = parent.find(tag)  # type: ignore[attr-defined]  # python-docx's oxml elements are lxml elements it does not type
    if old is not None:
        parent.remove(old)  # type: ignore[attr-defined]  # python-docx's oxml elements are lxml elements it does not type
    successors = order[order.index(local) + 1 :]
    parent.insert_element_before(child, *(f"w:{t}" for t in successors))  # type: ignore[attr-defined]  # python-docx's oxml elements are lxml elements it does not type


def _set_font(element: object, name: str) -> None:
    """Set all four rFonts slots on a style/run and drop theme fonts, which win over them."""
    if hasattr(element, "get_or_add_rPr"):
        rPr = element.get_or_add_rPr()
    else:  # docDefaults/rPrDefault has no python-docx element class
        rPr = element.find(qn("w:rPr"))  # type: ignore[attr-defined]  # python-docx's oxml elements are lxml elements it does not type
    rFonts = rPr.find(qn("w:rFonts"))
    if rFonts is None:
        rFonts = OxmlElement("w:rFonts")
        rPr.insert(0, rFonts)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        rFonts.attrib.pop(qn(f"w:{attr}"), None)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        rFonts.set(qn(f"w:{attr}"), name)


def _drop_theme_color(style: ParagraphStyle) -> None:
    color = style.element.rPr.find(qn("w:color")) if style.element.rPr is not None else None
    if color is not None:
        for attr in ("themeColor", "themeShade", "themeTint"):
            color.attrib.pop(qn(f"w:{attr}"), None)


def _border(pPr_owner: DocxParagraph, side: str, size_eighths: int, color: str, space: int = 1) -> None:
    pPr = pPr_owner._p.get_or_add_pPr()
    pBdr = pPr.find(qn("w:pBdr"))
    if pBdr is None:
        pBdr = OxmlElement("w:pBdr")
        _put(pPr, pBdr, _PPR_ORDER)
    el = OxmlElement(f"w:{side}")
    el.set(qn("w:val"), "single")
    el.set(qn("w:sz"), str(size_eighths))
    el.set(qn("w:space"), str(space))
    el.set(qn("w:color"), color)
    pBdr.append(el)


def _shade(cell: object, fill: str) -> None:
    tcPr = cell._tc.get_or_add_tcPr()  # type: ignore[attr-defined]  # python-docx's cell._tc is untyped
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    _put(tcPr, shd, _TCPR_ORDER)


def _field(paragraph: DocxParagraph, instruction: str, cached: str) -> None:
    """A complex field (PAGE, NUMPAGES); Word and LibreOffice refresh it on layout."""
    def fld_char(kind: str) -> None:
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        paragraph.add_run()._r.append(el)

    fld_char("begin")
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} \\* MERGEFORMAT "
    paragraph.add_run()._r.append(instr)
    fld_char("separate")
    paragraph.add_run(cached)
    fld_char("end")


def _watermark_run(text: str) -> object:
    """Word's own "DRAFT"-style watermark: a VML WordArt shape behind the page text."""
    height = 110.0
    width = min(500.0, 88.0 * len(text))
    if width == 500.0:
        height = max(40.0, 500.0 / len(text) * 1.25)
    safe = (text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace(">", "&gt;"))
    xml = f"""
<w:r {nsdecls("w")} xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office"
    xmlns:w10="urn:schemas-microsoft-com:office:word">
  <w:rPr><w:noProof/></w:rPr>
  <w:pict>
    <v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800"
        path="m@7,l@8,m@5,21600l@6,21600e">
      <v:formulas>
        <v:f eqn="sum #0 0 10800"/><v:f eqn="prod #0 2 1"/><v:f eqn="sum 21600 0 @1"/>
        <v:f eqn="sum 0 0 @2"/><v:f eqn="sum 21600 0 @3"/><v:f eqn="if @0 @3 0"/>
        <v:f eqn="if @0 21600 @1"/><v:f eqn="if @0 0 @2"/><v:f eqn="if @0 @4 21600"/>
        <v:f eqn="mid @5 @6"/><v:f eqn="mid @8 @5"/><v:f eqn="mid @7 @8"/>
        <v:f eqn="mid @6 @7"/><v:f eqn="sum @6 0 @5"/>
      </v:formulas>
      <v:path textpathok="t" o:connecttype="custom"
          o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800" o:connectangles="270,180,90,0"/>
      <v:textpath on="t" fitshape="t"/>
      <v:handles><v:h position="#0,bottomRight" xrange="6629,14971"/></v:handles>
      <o:lock v:ext="edit" text="t" shapetype="t"/>
    </v:shapetype>
    <v:shape id="PowerPlusWaterMarkObject1" o:spid="_x0000_s2049" type="#_x0000_t136"
        style="position:absolute;margin-left:0;margin-top:0;width:{width:.1f}pt;height:{height:.1f}pt;rotation:315;z-index:-251657216;mso-position-horizontal:center;mso-position-horizontal-relative:margin;mso-position-vertical:center;mso-position-vertical-relative:margin"
        o:allowincell="f" fillcolor="#8A8F98" stroked="f">
      <v:fill opacity=".22"/>
      <v:textpath style="font-family:&quot;{BODY_FONT}&quot;;font-size:1pt;font-weight:bold" string="{safe}"/>
      <w10:wrap anchorx="margin" anchory="margin"/>
    </v:shape>
  </w:pict>
</w:r>"""
    return parse_xml(xml.strip())


# --------------------------------------------------------------------------- styles


def _setup_styles(d: DocxDocument) -> None:
    styles = d.styles
    # docDefaults carry theme fonts (Calibri); replace them so nothing inherits Calibri
    rpr_default = d.styles.element.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault"))
    if rpr_default is not None:
        _set_font(rpr_default, BODY_FONT)

    normal = styles["Normal"]
    _set_font(normal.element, BODY_FONT)
    normal.font.size = Pt(10.5)
    normal.font.color.rgb = INK
    pf = normal.paragraph_format
    pf.space_before = Pt(0)
    pf.space_after = Pt(7)
    # exact line heights, the PDF's leading: with the same font metrics and the same
    # lines, Word, LibreOffice and the PDF then fill a page with the same lines
    pf.line_spacing = Pt(14.5)
    pf.widow_control = True  # as the PDF: no single first or last line of a paragraph alone

    for level, size, leading, before, after, italic in ((1, 13.5, 17, 8, 8, False), (2, 11.5, 15, 10, 4, False), (3, 10.5, 14, 8, 3, True)):
        h = styles[f"Heading {level}"]
        _set_font(h.element, BODY_FONT)
        h.font.size = Pt(size)
        h.font.bold = True
        h.font.italic = italic
        h.font.color.rgb = ACCENT if level < 3 else INK
        _drop_theme_color(h)
        h.paragraph_format.space_before = Pt(before)
        h.paragraph_format.space_after = Pt(after)
        h.paragraph_format.line_spacing = Pt(leading)
        h.paragraph_format.keep_with_next = True

    lb = styles["List Bullet"]
    lb.paragraph_format.space_after = Pt(3)
    # contextualSpacing would swallow the gap between items that the PDF has
    ctx = lb.element.pPr.find(qn("w:contextualSpacing")) if lb.element.pPr is not None else None
    if ctx is not None:
        ctx.getparent().remove(ctx)

    def add(name: str, base: str = "Normal") -> ParagraphStyle:
        st = styles.add_style(name, 1)  # 1 = paragraph
        st.base_style = styles[base]
        st.quick_style = False
        return st

    s = add("PA Letterhead Name")
    s.font.size, s.font.bold, s.font.color.rgb = Pt(17), True, ACCENT
    s.paragraph_format.space_after = Pt(2)
    s.paragraph_format.line_spacing = Pt(21)
    s = add("PA Letterhead Contact")
    s.font.size, s.font.color.rgb = Pt(8.5), GREY
    s.paragraph_format.space_after = Pt(0)
    s.paragraph_format.line_spacing = Pt(11)
    s = add("PA Check Item")
    s.paragraph_format.left_indent = Inches(0.3)
    s.paragraph_format.first_line_indent = Inches(-0.3)
    s.paragraph_format.tab_stops.add_tab_stop(Inches(0.3))
    s.paragraph_format.space_after = Pt(3)
    s = add("PA Key Value")
    s.paragraph_format.space_after = Pt(2)  # the PDF's row padding
    s = add("PA Table Text")
    s.font.size = Pt(9.5)
    s.paragraph_format.space_after = Pt(0)
    s.paragraph_format.line_spacing = Pt(12)
    s = add("PA Signature")
    s.paragraph_format.space_after = Pt(0)
    s.paragraph_format.line_spacing = Pt(13.5)
    s = add("PA Page Furniture")
    s.font.size, s.font.color.rgb = Pt(8), GREY
    s.paragraph_format.space_after = Pt(0)
    s.paragraph_format.line_spacing = 1.0


# --------------------------------------------------------------------------- blocks


# A hyphen that is not between two letters ("2025-09-01", "PHQ-9"): Word and LibreOffice
# would break a line after it, the PDF does not; a non-breaking hyphen keeps them alike.
_FIXED_HYPHEN = re.compile(r"(?<![^\W\d_])-|-(?![^\W\d_])")
_SPECIAL = re.compile(r"(\t|(?<![^\W\d_])-|-(?![^\W\d_]))")


def _add_text(p: DocxParagraph, text: str) -> Run:
    """A run of ``text``; tabs become tab elements and hyphens next to digits or spaces
    non-breaking hyphens."""
    run = p.add_run()
    r = run._r
    if "\t" not in text and ("-" not in text or not _FIXED_HYPHEN.search(text)):
        if text:
            r.add_t(text)  # python-docx's run.text goes through the text character by character
        return run
    for piece in _SPECIAL.split(text):
        if piece == "\t":
            r.add_tab()
        elif piece == "-":
            r.append(OxmlElement("w:noBreakHyphen"))
        elif piece:
            r.add_t(piece)
    return run


def _add_runs(p: DocxParagraph, runs: Inline) -> None:
    for r in runs:
        run = _add_text(p, r.text)
        if r.bold:
            run.bold = True
        if r.italic:
            run.italic = True


def _image_size(path: str, max_w: float, max_h: float) -> tuple[Emu, Emu]:
    if not os.path.isfile(path):
        raise DocumentError(f"image file not found: {path}")
    try:
        img = DocxImage.from_file(path)
    except (UnrecognizedImageError, OSError, ValueError) as exc:
        raise DocumentError(f"image file cannot be read: {path}") from exc
    w, h = img.width, img.height  # EMU at the image's own DPI
    scale = min(max_w / w, max_h / h)
    return Emu(int(w * scale)), Emu(int(h * scale))


def _spacer(parent: Any, height_pt: float) -> DocxParagraph:
    """An empty paragraph ``height_pt`` high, in the document or a table cell."""
    return _set_spacer(parent.add_paragraph(), height_pt)


def _set_spacer(p: DocxParagraph, height_pt: float) -> DocxParagraph:
    pf = p.paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    pf.line_spacing = Pt(max(height_pt, 1))  # a Length gives an exact line height
    return p


def _fixed_table(t: DocxTable, widths: Iterable[float]) -> None:
    """Fixed layout with explicit widths, so Word and LibreOffice agree on columns."""
    widths = list(widths)
    t.autofit = False
    tblPr = t._tbl.tblPr
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    _put(tblPr, layout, _TBLPR_ORDER)
    tblW = OxmlElement("w:tblW")
    tblW.set(qn("w:w"), str(round(sum(widths) * _TWIPS_PER_PT)))
    tblW.set(qn("w:type"), "dxa")
    _put(tblPr, tblW, _TBLPR_ORDER)
    for col, w in zip(t.columns, widths):
        col.width = Pt(w)
    for row in t.rows:
        for cell, w in zip(row.cells, widths):
            cell.width = Pt(w)


def _run_xml(text: str, bold: bool = False) -> str:
    """A run as XML, as _add_text writes it (a table is built as one string: building it
    element by element through python-docx was a third of the time of a letter)."""
    parts = []
    for piece in _SPECIAL.split(text) if "-" in text or "\t" in text else (text,):
        if piece == "\t":
            parts.append("<w:tab/>")
        elif piece == "-":
            parts.append("<w:noBreakHyphen/>")
        elif piece:
            parts.append(f'<w:t xml:space="preserve">{xml_escape(piece)}</w:t>')
    return "<w:r>" + ("<w:rPr><w:b/></w:rPr>" if bold else "") + "".join(parts) + "</w:r>"


_TABLE_BORDERS = "".join(
    f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="{RULE_HEX}"/>'
    for side in ("top", "left", "bottom", "right", "insideH", "insideV")
)


def _table(d: DocxDocument, table: Table) -> None:
    twips = [round(w * _TWIPS_PER_PT) for w in column_widths(table, TEXT_W.pt, lambda text, bold: text_width(text, bold, 9.5))]
    style_id = _style(d, "Table Grid").style_id
    text_style = _style(d, "PA Table Text").style_id
    out = [
        f'<w:tbl {nsdecls("w")}><w:tblPr><w:tblStyle w:val="{style_id}"/><w:tblW w:w="{sum(twips)}" w:type="dxa"/>'
        # Word (and LibreOffice) hang the left border out by the cell margin; indent by the
        # same amount so the grid lines up with the text margins, as in the PDF
        '<w:jc w:val="left"/><w:tblInd w:w="100" w:type="dxa"/>'
        f"<w:tblBorders>{_TABLE_BORDERS}</w:tblBorders>"
        # fixed layout with explicit widths, so Word and LibreOffice agree on columns
        '<w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:top w:w="50" w:type="dxa"/><w:left w:w="100" w:type="dxa"/>'
        '<w:bottom w:w="70" w:type="dxa"/><w:right w:w="100" w:type="dxa"/></w:tblCellMar>'
        '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/>'
        "</w:tblPr><w:tblGrid>",
        *(f'<w:gridCol w:w="{w}"/>' for w in twips),
        "</w:tblGrid>",
    ]
    zebra = len(table.rows) > 2
    for r_idx, values in enumerate([table.header, *table.rows]):
        head = r_idx == 0
        # a row never breaks across pages; the header row repeats on every page the table
        # runs onto, and stays with the first row
        out.append("<w:tr><w:trPr><w:cantSplit/>" + ("<w:tblHeader/>" if head else "") + "</w:trPr>")
        if head:
            # the header row's bottom rule in the accent colour, as in the PDF
            extra = ('<w:tcBorders><w:bottom w:val="single" w:sz="8" w:space="0" w:color="1F3A5F"/></w:tcBorders>'
                     f'<w:shd w:val="clear" w:color="auto" w:fill="{HEADER_FILL}"/>')
        elif zebra and r_idx % 2 == 0:
            extra = f'<w:shd w:val="clear" w:color="auto" w:fill="{ZEBRA_FILL}"/>'
        else:
            extra = ""
        ppr = f'<w:pPr><w:pStyle w:val="{text_style}"/>' + ("<w:keepNext/>" if head else "") + "</w:pPr>"
        for w, value in zip(twips, values):
            out.append(f'<w:tc><w:tcPr><w:tcW w:w="{w}" w:type="dxa"/>{extra}<w:vAlign w:val="top"/></w:tcPr>'
                       f"<w:p>{ppr}{_run_xml(value, head)}</w:p></w:tc>")
        out.append("</w:tr>")
    out.append("</w:tbl>")
    d.element.body._insert_tbl(parse_xml("".join(out)))
    _spacer(d, 8)


def _key_value(d: DocxDocument, kv: KeyValue) -> None:
    labels = [kv_label(k) for k, _ in kv.pairs]
    label_w = min(max(text_width(lb, True, 10.5) for lb in labels) + 12, TEXT_W.pt * 0.4)
    for i, (label, (_, value)) in enumerate(zip(labels, kv.pairs)):
        p = _para(d, "PA Key Value")
        pf = p.paragraph_format
        pf.left_indent = Pt(label_w)
        pf.first_line_indent = Pt(-label_w)
        pf.tab_stops.add_tab_stop(Pt(label_w))
        if i == len(kv.pairs) - 1:
            pf.space_after = Pt(8)
        p.add_run(label).bold = True
        _add_text(p, "\t" + value)


def _signature(d: DocxDocument, sig: Signature, closing: Paragraph | None) -> None:
    """The closing ("Sincerely,") and the signature block, in one borderless table cell
    whose row may not break across pages: LibreOffice does not always honour a chain of
    keep-with-next paragraphs, and would leave the signature alone on the last page."""
    t = d.add_table(rows=1, cols=1)
    t.alignment = WD_TABLE_ALIGNMENT.LEFT
    _fixed_table(t, [TEXT_W.pt])
    _put(t._tbl.tblPr, parse_xml(
        f'<w:tblCellMar {nsdecls("w")}><w:top w:w="0" w:type="dxa"/><w:left w:w="0" w:type="dxa"/>'
        '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tblCellMar>'
    ), _TBLPR_ORDER)
    t.rows[0]._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    cell = t.rows[0].cells[0]
    first = cell.paragraphs[0]
    if closing is not None:
        _add_runs(first, closing.runs)
        _spacer(cell, 10)
    else:
        _set_spacer(first, 10)
    if sig.image:
        w, h = _image_size(sig.image, Inches(2.2), Inches(0.75))
        p = _para(cell, "PA Signature", doc=d)
        p.paragraph_format.line_spacing = 1.0  # an exact line height would crop the image
        p.add_run().add_picture(sig.image, width=w, height=h)
    else:
        _spacer(cell, 34)  # room for a wet signature
    rule = _para(cell, "PA Signature", doc=d)
    rule.paragraph_format.right_indent = Inches(3.5)
    rule.paragraph_format.space_after = Pt(4)
    rule.paragraph_format.line_spacing = Pt(2)
    _border(rule, "bottom", 6, "1B1B1B", space=0)
    lines = [(sig.name, True), *((line, False) for line in sig.lines)]
    if sig.npi:
        lines.append((f"NPI: {sig.npi}", False))
    if sig.date:
        lines.append((f"Date: {sig.date}", False))
    for text, bold in lines:
        _add_text(_para(cell, "PA Signature", doc=d), text).bold = bold or None
    _spacer(d, 8)


def _letterhead(d: DocxDocument, lh: Letterhead) -> None:
    def text_into(first: DocxParagraph, add: object) -> None:
        _apply(first, d, "PA Letterhead Name")
        first.add_run(lh.practice_name)
        for line in lh.contact_lines():
            add(line, style="PA Letterhead Contact")  # type: ignore[operator]  # add is a bound method chosen at run time

    if lh.logo:
        w, h = _image_size(lh.logo, Inches(1.6), Inches(0.75))
        logo_w = w.pt + 6
        t = d.add_table(rows=1, cols=2)
        t.alignment = WD_TABLE_ALIGNMENT.LEFT
        _fixed_table(t, [TEXT_W.pt - logo_w, logo_w])
        left, right = t.rows[0].cells
        text_into(left.paragraphs[0], left.add_paragraph)
        left.vertical_alignment = right.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.BOTTOM
        rp = right.paragraphs[0]
        rp.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        rp.paragraph_format.space_after = Pt(0)
        rp.paragraph_format.line_spacing = 1.0  # an exact line height would crop the logo
        rp.add_run().add_picture(lh.logo, width=w, height=h)
        # zero cell margins so the text lines up with the body's left edge
        cell_mar = parse_xml(
            f'<w:tblCellMar {nsdecls("w")}><w:left w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tblCellMar>'
        )
        _put(t._tbl.tblPr, cell_mar, _TBLPR_ORDER)
    else:
        text_into(d.add_paragraph(), d.add_paragraph)
    rule = _spacer(d, 6)
    rule.paragraph_format.space_after = Pt(18)
    _border(rule, "bottom", 10, "1F3A5F", space=0)


def _space_after(d: DocxDocument, p: DocxParagraph) -> int:
    """The space after ``p`` in EMU: its own, else its style's (or a base style's)."""
    value = p.paragraph_format.space_after
    style = _style_by_id(d, p._p.style or "Normal")
    while value is None and style is not None:
        value = style.paragraph_format.space_after
        style = style.base_style
    return int(value or 0)


def _space_above(d: DocxDocument, heading: DocxParagraph) -> None:
    """Move the space after the paragraph above a heading into the heading's space before.

    Word adds the two; LibreOffice, opening a DOCX, takes the larger. With one of them zero
    both agree, and agree with the PDF, which adds them."""
    prev = heading._p.getprevious()
    if prev is None or prev.tag != qn("w:p"):
        return
    above = DocxParagraph(prev, heading._parent)
    after = _space_after(d, above)
    if after:
        before = _style_by_id(d, heading._p.style or "Normal").paragraph_format.space_before or 0
        above.paragraph_format.space_after = Pt(0)
        heading.paragraph_format.space_before = Emu(int(before) + after)


def _body(d: DocxDocument, doc: Document) -> None:
    if doc.meta.letterhead:
        _letterhead(d, doc.meta.letterhead)
    blocks = doc.blocks
    # the paragraphs of text written last (reset by a table, key/value lines or a spacer),
    # as the PDF writer sees its flowables: the one before the closing goes with it
    text: list[DocxParagraph] = []
    for i, block in enumerate(blocks):
        nxt = blocks[i + 1] if i + 1 < len(blocks) else None
        if isinstance(block, Heading):
            heading = _para(d, f"Heading {block.level}", block.text)
            _space_above(d, heading)
            text.append(heading)
        elif isinstance(block, Paragraph):
            if isinstance(nxt, Signature) and len(block.text) <= CLOSING_MAX_CHARS:
                continue  # the closing: written in the signature block
            p = d.add_paragraph()
            _add_runs(p, block.runs)
            text.append(p)
        elif isinstance(block, BulletList):
            for n, item in enumerate(block.items):
                p = _para(d, "List Bullet")
                _add_runs(p, item)
                if n == len(block.items) - 1:
                    p.paragraph_format.space_after = Pt(8)
                text.append(p)
        elif isinstance(block, CheckList):
            for n, check in enumerate(block.items):
                p = _para(d, "PA Check Item")
                glyph = p.add_run(check_glyph(check.checked))
                _set_font(glyph._r, SYMBOL_FONT)
                glyph.font.size = Pt(11.5)
                p.add_run("\t")
                _add_runs(p, check.runs)
                if n == len(block.items) - 1:
                    p.paragraph_format.space_after = Pt(8)
                text.append(p)
        elif isinstance(block, Signature):
            prev = blocks[i - 1] if i > 0 else None
            closing = prev if isinstance(prev, Paragraph) and len(prev.text) <= CLOSING_MAX_CHARS else None
            if text:
                # "Sincerely," and the signature never alone on the last page: the paragraph
                # before them moves along, whole, as in the PDF
                text[-1].paragraph_format.keep_together = True
                text[-1].paragraph_format.keep_with_next = True
            _signature(d, block, closing)
            text = []
        else:
            text = []
            if isinstance(block, Table):
                _table(d, block)
            elif isinstance(block, KeyValue):
                _key_value(d, block)
            elif isinstance(block, PageBreak):
                d.add_page_break()
            elif isinstance(block, Spacer):
                _spacer(d, block.height)
            else:
                raise TypeError(f"unknown block type {type(block).__name__}")


# --------------------------------------------------------------------------- page furniture


def _header_footer(d: DocxDocument, meta: DocMeta) -> None:
    section = d.sections[0]
    right = TEXT_W
    header_p = section.header.paragraphs[0]
    _apply(header_p, d, "PA Page Furniture")
    header_left, header_right = meta.header_texts()
    if header_left or header_right or meta.watermark:
        # Word cannot shrink text to fit, and a wrapped header runs into the centred mark:
        # fit each part to its room as the PDF does, by the same font metrics
        left_w, right_w = header_widths(header_left, header_right, meta.watermark, TEXT_W.pt, 8)
        left_text, left_size = fit_width(header_left, left_w, 8, 6.5)
        right_text, right_size = fit_width(header_right, right_w, 8, 6.5)
        header_p.add_run(left_text).font.size = Pt(left_size)
        if meta.watermark:
            header_p.paragraph_format.tab_stops.add_tab_stop(Emu(right // 2), WD_TAB_ALIGNMENT.CENTER)
            run = header_p.add_run("\t" + meta.watermark)
            run.bold = True
            run.font.color.rgb = WARN
        header_p.paragraph_format.tab_stops.add_tab_stop(right, WD_TAB_ALIGNMENT.RIGHT)
        header_p.add_run("\t" + right_text).font.size = Pt(right_size)
        _border(header_p, "bottom", 3, RULE_HEX, space=3)
    if meta.watermark:
        header_p._p.append(_watermark_run(meta.watermark))

    footer = section.footer
    fp = footer.paragraphs[0]
    _apply(fp, d, "PA Page Furniture")
    fp.paragraph_format.tab_stops.add_tab_stop(right, WD_TAB_ALIGNMENT.RIGHT)
    _border(fp, "top", 3, RULE_HEX, space=4)
    footer_text, footer_size = fit_width(meta.footer_text, TEXT_W.pt - 80, 8, 6)
    fp.add_run(footer_text).font.size = Pt(footer_size)
    fp.add_run("\tPage ")
    _field(fp, "PAGE", "1")
    fp.add_run(" of ")
    _field(fp, "NUMPAGES", "1")
    if meta.audit_line:
        ap = footer.add_paragraph(style="PA Page Furniture")
        ap.paragraph_format.space_before = Pt(3)
        audit_text, audit_size = fit_width(meta.audit_line, TEXT_W.pt, 6.5, 4.5)
        ap.add_run(audit_text).font.size = Pt(audit_size)


def _page_setup(d: DocxDocument) -> None:
    section = d.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    section.left_margin = section.right_margin = Inches(1)
    section.top_margin = section.bottom_margin = Inches(1)
    section.header_distance = Inches(0.45)
    section.footer_distance = Inches(0.35)


def _metadata(d: DocxDocument, meta: DocMeta) -> None:
    cp = d.core_properties
    cp.title = meta.title
    cp.author = meta.author
    cp.last_modified_by = meta.author
    cp.subject = meta.subject
    cp.keywords = ", ".join(meta.keywords)
    cp.comments = ""
    cp.category = ""
    cp.revision = 1
    cp.created = cp.modified = cp.last_printed = FIXED_TIME

    pkg = d.part.package
    # the template's thumbnail is a picture of an empty page, not of this letter
    for rId, rel in list(pkg.rels.items()):
        if rel.reltype == RT.THUMBNAIL:
            pkg.rels.pop(rId)
    app = next(p for p in pkg.iter_parts() if p.partname == "/docProps/app.xml")
    blob = app.blob.decode("utf-8")
    start, end = blob.find("<Application>"), blob.find("</Application>")
    if start >= 0 and end > start:
        name = meta.producer.replace("&", "&amp;").replace("<", "&lt;")
        app._blob = (blob[: start + len("<Application>")] + name + blob[end:]).encode("utf-8")


def _zip(d: DocxDocument) -> bytes:
    """The package as a zip with fixed timestamps, permissions, compression and member
    order, written straight from the parts (saving with python-docx and re-zipping
    compressed everything twice)."""
    from docx.opc.pkgwriter import _ContentTypesItem

    pkg = d.part.package
    parts = list(pkg.iter_parts())
    members = {"[Content_Types].xml": _ContentTypesItem.from_parts(parts).blob, "_rels/.rels": pkg.rels.xml}
    for part in parts:
        members[part.partname.membername] = part.blob
        if part.rels:
            members[part.partname.rels_uri.membername] = part.rels.xml
    names = sorted(members, key=lambda n: (n != "[Content_Types].xml", n != "_rels/.rels", n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            z.writestr(info, members[name], compresslevel=6)
    return out.getvalue()


def _style(d: DocxDocument, name: str) -> Any:
    """A style by name, looked up once per document: python-docx scans every style on
    each lookup by name, which was nearly half the time of a letter."""
    memo = d.__dict__.setdefault("_pa_styles", {})
    if name not in memo:
        memo[name] = d.styles[name]
    return memo[name]


def _style_by_id(d: DocxDocument, style_id: str) -> Any:
    memo = d.__dict__.setdefault("_pa_style_ids", {})
    if style_id not in memo:
        memo[style_id] = next(s for s in d.styles if s.style_id == style_id)
    return memo[style_id]


def _apply(p: DocxParagraph, d: DocxDocument, name: str) -> None:
    # Setting the style id directly skips python-docx's search for the default style,
    # which it repeats on every assignment.
    p._p.style = _style(d, name).style_id


def _para(parent: Any, name: str, text: str = "", doc: DocxDocument | None = None) -> DocxParagraph:
    """A paragraph of style ``name`` in ``parent``: the document, or a table cell of ``doc``."""
    d = doc or parent
    p = parent.add_paragraph()
    if text:
        _add_text(p, text)
    _apply(p, d, name)
    return p


@functools.lru_cache(maxsize=1)
def _template() -> bytes:
    """python-docx's default document with our styles and page set up, saved once per
    process: setting up the styles took a quarter of the time of a letter."""
    d = docx.Document()
    _setup_styles(d)
    _page_setup(d)
    # the header and footer parts, which python-docx otherwise reads from its files for
    # every document
    d.sections[0].header.paragraphs[0]
    d.sections[0].footer.paragraphs[0]
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def write_docx(doc: Document) -> bytes:
    """Render ``doc`` to DOCX bytes; identical input gives identical bytes."""
    d = docx.Document(io.BytesIO(_template()))
    _header_footer(d, doc.meta)
    _body(d, doc)
    _metadata(d, doc.meta)
    return _zip(d)
