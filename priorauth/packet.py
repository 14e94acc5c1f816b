"""One PDF to fax or upload: a cover sheet, the letter, the checklist and the case's records.

``plan_packets`` checks a case, renders its letter and checklist as PDF through
:mod:`priorauth.letters` (in memory, so their wording and layout are exactly those of
`priorauth letter` and `priorauth checklist`), reads every document the case lists with a
``path``, and merges it all with pypdf behind a fax cover sheet; bookmarks mark each part
and "Packet page N of M" is stamped at the foot of every page. An attachment that cannot
go in (no file, not a PDF or image, an encrypted PDF, a damaged file) is listed on the
cover sheet under "Not included" and returned in :attr:`Packet.skipped`: never dropped
silently. Nothing is written here; ``priorauth.letters.write_documents`` writes the result.

Same input, same bytes: reportlab runs in invariant mode, pypdf writes no file identifier
and the metadata are fixed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import stat
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape as xml_escape

from priorauth.api import check_case_sources
from priorauth.case import Case, load_case_with_digest
from priorauth.clinic import Clinic, load_clinic
from priorauth.letters import DocumentOptions, NotReadyError, Planned, check_options, choose_template, name_part, render_documents
from priorauth.letters.appeal import LEVELS, Denial
from priorauth.output import output_name
from priorauth.report import Report
from priorauth.rules import Registry, RuleSource
from priorauth.vocabulary import DOCUMENT_LABELS, TREATMENTS

if TYPE_CHECKING:
    from pypdf import PageObject, PdfReader

MAX_ATTACHMENT_BYTES = 100 * 1024 * 1024  # a scanned chart of a few hundred pages fits
MAX_IMAGE_PIXELS = 60_000_000  # under Pillow's decompression-bomb warning (89 million)
MAX_FRAMES = 500  # pages of one multi-page TIFF

COVER_TITLE = "Fax cover sheet"
CONFIDENTIALITY = (
    "CONFIDENTIAL: this transmission contains protected health information (PHI) that is "
    "privileged and confidential under HIPAA and state law. It is meant only for the "
    "recipient named above, for the purpose this cover sheet names. If you "
    "received it in error, notify the sender at the phone number above and destroy every "
    "copy; any review, use, disclosure or distribution by others is prohibited."
)
BLANK = "_" * 20  # a line to fill in by hand


@dataclass(frozen=True)
class Skipped:
    """An attachment that is not in the packet: ``documents[index]`` of the case (0-based)."""

    index: int
    kind: str
    name: str  # the document's title or kind label, its date, and the file's own name
    reason: str  # plain words, never a value from the case

    @property
    def pointer(self) -> str:
        return f"documents[{self.index}]"


@dataclass(frozen=True)
class Part:
    title: str  # its bookmark and line on the cover sheet
    first: int  # 1-based page of the whole packet
    pages: int


@dataclass
class Packet(Planned):
    parts: list[Part] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


# --------------------------------------------------------------------------- planning


def plan_packets(
    case_path: str | Path,
    options: DocumentOptions,
    *,
    output_dir: str | Path,
    registry: Registry | None = None,
    case_and_digest: tuple[Case, str] | None = None,
    read_records: bool = True,
) -> list[Packet]:
    """A packet per rule set checked (one, unless ``--payer all`` or ``--treatment both``).

    ``options`` are the letter's (``kind`` and ``fmt`` are set here). Refuses a case that
    is not ready, as the letter does, unless ``options.draft``; raises before anything is
    written. ``read_records=False`` (a case kept in the queue, which has no folder of its
    own) reads no file: each record with a ``path`` is listed under "Not included".
    """
    options = dataclasses.replace(options, kind="letter", fmt="pdf")
    case, digest = case_and_digest or load_case_with_digest(case_path)
    check_options(options, case)  # the date, and an appeal's denial: before the gaps
    registry = registry or Registry(options.rules_dirs)
    checked = check_case_sources(case, registry, options.payer, options.treatment, options.as_of)
    if not options.draft and any(r.status != "ready" for _, r in checked):
        raise NotReadyError([r for _, r in checked])
    letters = render_documents(case, digest, checked, options, output_dir=output_dir)
    checklists = render_documents(case, digest, checked, dataclasses.replace(options, kind="checklist", draft=False, template=None), output_dir=output_dir)
    clinic = load_clinic(options.clinic)[0] if options.clinic else None
    records = read_attachments(case, _base_folder(case_path) if read_records else None)
    folder = Path(output_dir)
    packets = []
    for (source, report), letter, checklist in zip(checked, letters, checklists):
        word = ("appeal-" if options.appeal else "") + ("packet-draft" if options.draft else "packet")
        name = output_name(name_part(case.patient.id), report.payer, report.treatment, word, ext="pdf")
        denial = options.denial if options.appeal else None
        cover = _Cover(case, report, source, clinic, options.date or case.request.date, options.draft, [s for _, s in records if s is not None], denial)
        data, parts = assemble(cover, _letter_title(case, source, report, options), letter.data, checklist.data, records)
        packets.append(Packet(folder / name, data, report, parts=parts, skipped=cover.skipped))
    return packets


def _base_folder(case_path: str | Path) -> Path:
    """Relative ``documents[].path`` are read from the case file's folder (a Bulk NDJSON
    export is itself a folder)."""
    path = Path(case_path)
    return path if path.is_dir() else path.parent


def _letter_title(case: Case, source: RuleSource, report: Report, options: DocumentOptions) -> str:
    word = choose_template("letter", report, case, options.template)[1]
    if word == "appeal":
        title = f"Appeal letter ({LEVELS[options.denial.level if options.denial else 'first']})"
    elif not source.rule_set.prior_authorization:
        title = "Documentation summary of medical necessity"
    elif word == "continuation":
        title = "Letter of medical necessity (continuation)"
    else:
        title = "Letter of medical necessity"
    return title + (" (DRAFT)" if options.draft else "")


# --------------------------------------------------------------------------- attachments


@dataclass(frozen=True)
class _Frame:
    """One image, ready to be a PDF image XObject: its size in pixels, the entries of its
    dictionary (colour space, bits, filter) and its encoded data."""

    width: int
    height: int
    entries: str
    data: bytes


@dataclass
class _Record:
    """One readable attachment: a PDF (``reader``) or images (``frames``, a page each)."""

    title: str
    reader: PdfReader | None = None
    frames: list[_Frame] = field(default_factory=list)


def _name(index: int, doc: Any) -> str:
    label = doc.title or DOCUMENT_LABELS.get(doc.kind, doc.kind)
    dated = f", {doc.date.isoformat()}" if doc.date else ""
    return f"{label}{dated} (file {Path(doc.path).name})"


NOT_READ = "not read: a case kept in the queue has no folder its records are read from; send it separately, or write the packet from the case file with the command priorauth packet"


def read_attachments(case: Case, base: Path | None) -> list[tuple[_Record | None, Skipped | None]]:
    """Each document of the case with a ``path``, in the case's order: read, or why not
    (``base`` None: none is read)."""
    out: list[tuple[_Record | None, Skipped | None]] = []
    for index, doc in enumerate(case.docs):
        if not doc.path:
            continue
        name = _name(index, doc)
        try:
            if base is None:
                raise _Unusable(NOT_READ)
            record = _read(base / doc.path, name)
        except _Unusable as exc:
            out.append((None, Skipped(index, doc.kind, name, str(exc))))
        else:
            out.append((record, None))
    return out


class _Unusable(Exception):
    """Why an attachment cannot go into the packet (plain words)."""


_PDF, _PNG, _JPEG = b"%PDF-", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"
_TIFF = (b"II*\x00", b"MM\x00*")


def _read(path: Path, name: str) -> _Record:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise _Unusable("file not found: check documents[].path, relative to the case file's folder") from None
    except OSError as exc:
        raise _Unusable(f"cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(st.st_mode):
        raise _Unusable("not a file (a folder or a device): give the path of the PDF or image")
    if st.st_size > MAX_ATTACHMENT_BYTES:
        raise _Unusable(f"larger than {MAX_ATTACHMENT_BYTES // (1024 * 1024)} MB: attach it separately, or split it")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _Unusable(f"cannot be read ({exc.strerror})") from None
    head = data[:1024]
    if _PDF in head:  # a PDF may have a few bytes before its header
        return _Record(name, reader=_pdf(data))
    if data.startswith(_JPEG):
        return _Record(name, frames=_images(data, "JPEG"))
    if data.startswith(_PNG):
        frame = _png_as_is(data)
        return _Record(name, frames=[frame] if frame is not None else _images(data, "PNG"))
    if data.startswith(_TIFF):
        return _Record(name, frames=_images(data, "TIFF"))
    raise _Unusable("not a PDF or an image (PNG, JPEG or TIFF): print it to PDF and attach that")


DAMAGED_PDF = "damaged PDF that cannot be read: open it and save or print it to a new PDF"
DAMAGED_IMAGE = "damaged image that cannot be read: scan or export it again"


@contextmanager
def _reading(damaged: str) -> Iterator[None]:
    """pypdf and Pillow raise many types for a damaged file: each is ``damaged``."""
    try:
        yield
    except _Unusable:
        raise
    except Exception:
        raise _Unusable(damaged) from None


def _pdf(data: bytes) -> PdfReader:
    from pypdf import PdfReader

    with _reading(DAMAGED_PDF):
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise _Unusable("encrypted (password-protected) PDF: attach a copy saved without a password")
        pages = list(reader.pages)
        for page in pages:
            page.mediabox  # noqa: B018 - reads every page's tree now, not halfway through the merge
    if not pages:
        raise _Unusable("PDF without pages")
    return reader


_ORIENTATION = 0x0112  # the EXIF tag


def _images(data: bytes, fmt: str) -> list[_Frame]:
    """Every frame of an image, decoded (so a damaged file is found now) and encoded for
    PDF; a JPEG keeps its own bytes."""
    from PIL import Image, ImageOps, ImageSequence

    frames: list[_Frame] = []
    with _reading(DAMAGED_IMAGE):
        image = Image.open(io.BytesIO(data), formats=[fmt])
        for frame in ImageSequence.Iterator(image):
            if frame.width * frame.height > MAX_IMAGE_PIXELS:
                raise _Unusable(f"image larger than {MAX_IMAGE_PIXELS // 1_000_000} million pixels: scan it at a lower resolution")
            if len(frames) == MAX_FRAMES:
                raise _Unusable(f"more than {MAX_FRAMES} pages in one image file: split it")
            if frame.getexif().get(_ORIENTATION, 1) != 1:  # a photo taken sideways: upright, as viewers show it
                frames.append(_flate(ImageOps.exif_transpose(frame)))
            elif fmt == "JPEG" and frame.mode in ("L", "RGB"):
                frames.append(_jpeg(frame, data))
            else:
                frames.append(_flate(frame))
    if not frames:
        raise _Unusable("image without pages")
    return frames


def _png_as_is(data: bytes) -> _Frame | None:
    """A PNG's own compressed pixels, when PDF can read them as they are (FlateDecode with
    PNG predictors: grey, RGB or a palette, not interlaced, no transparency, no EXIF
    orientation): no decoding and encoding again. None for any other PNG, which Pillow
    then reads. Damage is found all the same: every chunk's checksum, and the pixels
    inflated and measured."""
    import struct
    import zlib

    chunks: dict[bytes, bytes] = {}
    idat: list[bytes] = []
    at = 8
    while at + 12 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind, body = data[at + 4 : at + 8], data[at + 8 : at + 8 + length]
        if len(body) != length or struct.unpack(">I", data[at + 8 + length : at + 12 + length] or b"\0\0\0\0")[0] != zlib.crc32(kind + body):
            raise _Unusable(DAMAGED_IMAGE)
        if kind == b"IDAT":
            idat.append(body)
        else:
            chunks.setdefault(kind, body)
        at += 12 + length
        if kind == b"IEND":
            break
    header = chunks.get(b"IHDR", b"")
    if len(header) != 13 or not idat or b"IEND" not in chunks:
        raise _Unusable(DAMAGED_IMAGE)
    width, height, bits, colour, _, _, interlace = struct.unpack(">IIBBBBB", header)
    channels = {0: 1, 2: 3, 3: 1}.get(colour)
    if channels is None or interlace or b"tRNS" in chunks or b"eXIf" in chunks or bits > 8 or (colour == 2 and bits != 8):  # 16 bits: PDF 1.5
        return None
    if width * height > MAX_IMAGE_PIXELS:
        raise _Unusable(f"image larger than {MAX_IMAGE_PIXELS // 1_000_000} million pixels: scan it at a lower resolution")
    stream = b"".join(idat)
    row = 1 + (width * channels * bits + 7) // 8
    try:
        pixels = zlib.decompressobj().decompress(stream, row * height + 1)
    except zlib.error:
        raise _Unusable(DAMAGED_IMAGE) from None
    if len(pixels) != row * height or max(pixels[::row]) > 4:  # each row starts with its filter, 0 to 4
        raise _Unusable(DAMAGED_IMAGE)
    if colour == 3:
        palette = chunks.get(b"PLTE", b"")
        if not palette or len(palette) % 3:
            raise _Unusable(DAMAGED_IMAGE)
        space = f"[/Indexed /DeviceRGB {len(palette) // 3 - 1} <{palette.hex()}>]"
    else:
        space = "/DeviceGray" if colour == 0 else "/DeviceRGB"
    parms = f"<< /Predictor 15 /Colors {channels} /BitsPerComponent {bits} /Columns {width} >>"
    return _Frame(width, height, f"/ColorSpace {space} /BitsPerComponent {bits} /Filter /FlateDecode /DecodeParms {parms}", stream)


def _jpeg(frame: Any, data: bytes) -> _Frame:
    """A JPEG as it is (DCTDecode), after decoding it at an eighth of its size: enough to
    find a damaged file, at a fraction of the cost."""
    size = frame.size
    frame.draft(frame.mode, (max(size[0] // 8, 1), max(size[1] // 8, 1)))
    frame.load()
    space = "/DeviceGray" if frame.mode == "L" else "/DeviceRGB"
    return _Frame(size[0], size[1], f"/ColorSpace {space} /BitsPerComponent 8 /Filter /DCTDecode", data)


def _flate(frame: Any) -> _Frame:
    """A frame's pixels, zlib-compressed: 1-bit, grey or RGB; transparency on white paper,
    as a fax shows it."""
    import zlib

    from PIL import Image

    frame.load()
    if frame.mode == "1":  # scans and faxes: 1 bit a pixel, rows padded to a byte, 1 is white, as in PDF
        space, bits = "/DeviceGray", 1
    elif frame.mode in ("L", "RGB"):
        space, bits = ("/DeviceGray" if frame.mode == "L" else "/DeviceRGB"), 8
    elif frame.mode.startswith("I;16"):  # 16-bit grey
        frame = frame.convert("I").point(lambda v: v / 256).convert("L")
        space, bits = "/DeviceGray", 8
    elif frame.mode in ("I", "F"):
        frame = frame.convert("L")
        space, bits = "/DeviceGray", 8
    else:  # palette, alpha, CMYK, LA, ...
        rgba = frame.convert("RGBA")
        frame = Image.new("RGB", rgba.size, (255, 255, 255))
        frame.paste(rgba, mask=rgba.getchannel("A"))
        space, bits = "/DeviceRGB", 8
    data = zlib.compress(frame.tobytes(), 6)
    return _Frame(frame.width, frame.height, f"/ColorSpace {space} /BitsPerComponent {bits} /Filter /FlateDecode", data)


# --------------------------------------------------------------------------- the cover sheet


def _long_date(day: dt.date) -> str:
    return f"{day:%B} {day.day}, {day.year}"


@dataclass
class _Cover:
    case: Case
    report: Report
    source: RuleSource
    clinic: Clinic | None
    date: dt.date
    draft: bool
    skipped: list[Skipped]
    denial: Denial | None = None  # an appeal packet: the denial it answers

    @property
    def what(self) -> str:
        if self.denial is not None:
            return f"Appeal of a denied prior authorization ({LEVELS[self.denial.level]}{', expedited' if self.denial.expedited else ''})"
        return "Prior authorization request" if self.source.rule_set.prior_authorization else "Documentation of medical necessity (no prior authorization step)"

    def to_lines(self) -> list[tuple[str, str]]:
        rs = self.source.rule_set
        sub = getattr(rs, "submission", None)  # payer fax / portal, where the rule set knows them
        fax = getattr(sub, "fax", None) if sub is not None else None
        portal = getattr(sub, "portal", None) if sub is not None else None
        department = "Prior authorization / utilization management" if rs.prior_authorization else "Medical records (no prior authorization step)"
        if self.denial is not None:  # the appeals department, and its own fax where the rule set gives one
            department = "Appeals and External Review" if self.denial.level == "external" else "Appeals Department"
            fax = getattr(sub, "appeals_fax", None) or fax
        return [
            ("To", rs.payer_name),
            ("Attention", department),
            ("Fax", fax or BLANK),
            ("Portal", portal or BLANK),
        ]

    def from_lines(self) -> list[tuple[str, str]]:
        c, p, f = self.clinic, self.case.prescriber, self.case.facility
        practice = c.practice_name if c else (f.name if f and f.name else None)
        lines = []
        if practice:
            lines.append(("From", practice))
        lines.append(("Prescriber" if practice else "From", f"{p.name}, NPI {p.npi}"))
        lines.append(("Phone", (c.phone if c and c.phone else p.phone) or BLANK))
        lines.append(("Fax", (c.fax if c and c.fax else p.fax) or BLANK))
        return lines

    def patient_lines(self) -> list[tuple[str, str]]:
        pt, cov = self.case.patient, self.case.coverage
        lines = [
            ("Patient", f"{pt.given_name} {pt.family_name}"),
            ("Date of birth", _long_date(pt.birth_date)),
            ("Member ID", cov.member_id),
        ]
        if cov.group_number:
            lines.append(("Group number", cov.group_number))
        lines.append(("Clinic patient ID", pt.id))
        rs = self.source.rule_set
        lines.append(("Request", f"{TREATMENTS[self.report.treatment].full}, {rs.payer_name} policy {rs.policy}"))
        if self.denial is not None:
            lines.append(("Denial reference", self.denial.reference or BLANK))
            lines.append(("Date of denial", _long_date(self.denial.date) if self.denial.date else BLANK))
        return lines


FOOT = 40.0  # the cover's confidentiality notice starts this high, above the page stamp


def _cover_pdf(cover: _Cover, parts: list[Part], total: int) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import inch
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    from priorauth.documents.pdf_writer import FONT_BOLD, FONT_REGULAR, _register_fonts

    _register_fonts()
    ink, accent, rule = colors.HexColor("#1B1B1B"), colors.HexColor("#1F3A5F"), colors.HexColor("#9AA5B1")
    body = ParagraphStyle("cover", fontName=FONT_REGULAR, fontSize=10.5, leading=13.5, textColor=ink)
    bold = ParagraphStyle("cover_bold", body, fontName=FONT_BOLD)
    title = ParagraphStyle("cover_title", bold, fontSize=22, leading=26, textColor=accent, spaceAfter=4)
    head = ParagraphStyle("cover_head", bold, fontSize=12, leading=15, textColor=accent, spaceBefore=12, spaceAfter=4)
    small = ParagraphStyle("cover_small", body, fontSize=8.5, leading=11)
    margin = 0.75 * inch
    label_w, pair_w = 1.6 * inch, 1.05 * inch
    text_w = LETTER[0] - 2 * margin

    def p(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(xml_escape(text), style)

    def grid(rows: list[list[Any]], widths: list[float], header: bool = False) -> Table:
        t = Table(rows, colWidths=widths, hAlign="LEFT", repeatRows=1 if header else 0)
        style = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("FONT", (0, 0), (-1, -1), FONT_REGULAR, 10),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 6),
            ("TOPPADDING", (0, 0), (-1, -1), 1.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ]
        if header:
            style += [("LINEBELOW", (0, 0), (-1, 0), 0.8, accent), ("LINEBELOW", (0, 1), (-1, -1), 0.3, rule)]
        t.setStyle(TableStyle(style))
        return t

    def pairs(lines: list[tuple[str, str]]) -> Table:
        return grid([[p(k + ":", bold), p(v)] for k, v in lines], [pair_w, text_w / 2 - pair_w])

    story: list[Any] = [p("FAX COVER SHEET", title)]
    if cover.draft:
        story.append(p("DRAFT, NOT FOR SUBMISSION: the case still has open gaps, listed in the letter.", ParagraphStyle("cover_draft", bold, textColor=colors.HexColor("#A33A3A"), spaceAfter=3)))
    story.append(p(f"{cover.what}: {TREATMENTS[cover.report.treatment].full}", bold))
    story.append(Spacer(1, 10))
    to_from = Table([[pairs(cover.to_lines()), pairs(cover.from_lines())]], colWidths=[text_w / 2, text_w / 2], hAlign="LEFT")
    to_from.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    story.append(to_from)
    story.append(Spacer(1, 8))
    story.append(grid([[p("Date:", bold), p(_long_date(cover.date))], [p("Pages:", bold), p(f"{total}, including this cover sheet")]], [label_w, text_w - label_w]))
    story.append(p("Regarding", head))
    story.append(grid([[p(k + ":", bold), p(v)] for k, v in cover.patient_lines()], [label_w, text_w - label_w]))
    story.append(p("Contents", head))
    rows: list[list[Any]] = [[p("Part", bold), p("Pages", bold)]]
    for part in parts:
        last = part.first + part.pages - 1
        rows.append([p(part.title), p(f"{part.first}" if last == part.first else f"{part.first}–{last}")])
    story.append(grid(rows, [text_w - 1.1 * inch, 1.1 * inch], header=True))
    if cover.skipped:
        story.append(p("Not included", head))
        story.append(p("These records are listed in the case but are not in this packet; send them separately:", body))
        story.append(Spacer(1, 3))
        rows = [[p("Record", bold), p("Why not", bold)]]
        rows += [[p(s.name), p(s.reason)] for s in cover.skipped]
        story.append(grid(rows, [text_w * 0.45, text_w * 0.55], header=True))
    notice = p(CONFIDENTIALITY, small)
    notice_h = notice.wrap(text_w, LETTER[1])[1]

    def footer(canvas: Any, _doc: Any) -> None:
        # on every page of the cover, above the packet's page stamp
        canvas.saveState()
        canvas.setStrokeColor(rule)
        canvas.setLineWidth(0.5)
        canvas.line(margin, FOOT + notice_h + 6, LETTER[0] - margin, FOOT + notice_h + 6)
        notice.drawOn(canvas, margin, FOOT)
        canvas.restoreState()

    pt, cov = cover.case.patient, cover.case.coverage
    continued = f"Fax cover sheet, continued · {pt.given_name} {pt.family_name} · born {_long_date(pt.birth_date)} · member ID {cov.member_id}"

    def later(canvas: Any, doc: Any) -> None:
        # a page of a fax may be separated from the first: it says whose it is
        footer(canvas, doc)
        canvas.saveState()
        canvas.setFont(FONT_REGULAR, 8.5)
        canvas.setFillColor(ink)
        canvas.drawString(margin, LETTER[1] - margin + 14, _fit(continued, FONT_REGULAR, 8.5, text_w))
        canvas.restoreState()

    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=LETTER, leftMargin=margin, rightMargin=margin, topMargin=margin, bottomMargin=FOOT + notice_h + 18,
        title=COVER_TITLE, author="", subject="", creator="priorauth", producer="priorauth", invariant=1, initialFontName=FONT_REGULAR,
    )
    doc.build(story, onFirstPage=footer, onLaterPages=later)
    return buf.getvalue()


# --------------------------------------------------------------------------- images and stamps


IMAGE_MARGIN, CAPTION_H, FOOT_H = 36.0, 20.0, 36.0  # points: the image sits between the caption and the stamp


def _image_box(frame: _Frame) -> tuple[tuple[float, float], tuple[float, float, float, float]]:
    """The page (Letter, landscape for a wide image) and the image's place on it: x, y, w, h."""
    size = (792.0, 612.0) if frame.width > frame.height else (612.0, 792.0)
    box_w, box_h = size[0] - 2 * IMAGE_MARGIN, size[1] - IMAGE_MARGIN - CAPTION_H - FOOT_H
    scale = min(box_w / frame.width, box_h / frame.height)
    w, h = frame.width * scale, frame.height * scale
    return size, ((size[0] - w) / 2, FOOT_H + box_h - h, w, h)


def _image_pages(record: _Record) -> bytes:
    """A PDF of one page per image frame, scaled to fit inside the margins; written here
    directly (a page, its content and the image), so an image is encoded once, by _flate
    or not at all (JPEG). Its caption is drawn with the page stamp."""
    objects: list[bytes] = []
    kids = []
    for frame in record.frames:
        (pw, ph), (x, y, w, h) = _image_box(frame)
        page, content, image = len(objects) + 3, len(objects) + 4, len(objects) + 5
        kids.append(f"{page} 0 R")
        draw = f"q {w:.4f} 0 0 {h:.4f} {x:.4f} {y:.4f} cm /Im0 Do Q".encode()
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {pw:g} {ph:g}] /Resources << /XObject << /Im0 {image} 0 R >> >> /Contents {content} 0 R >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream")
        objects.append(f"<< /Type /XObject /Subtype /Image /Width {frame.width} /Height {frame.height} {frame.entries} /Length {len(frame.data)} >>\nstream\n".encode() + frame.data + b"\nendstream")
    objects[:0] = [b"<< /Type /Catalog /Pages 2 0 R >>", f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>".encode()]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    out.write(b"".join(b"%010d 00000 n \n" % offset for offset in offsets))
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def _fit(text: str, font: str, size: float, width: float) -> str:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    if stringWidth(text, font, size) <= width:
        return text
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


STAMP_Y = 20.0  # baseline, in points from the bottom edge: under the letters' footer and audit line


def _stamps(sizes: Sequence[tuple[float, float]], captions: Sequence[str | None]) -> bytes:
    """One overlay page per packet page, the size of that page: "Packet page N of M", and
    the caption above an image."""
    from reportlab.pdfgen.canvas import Canvas

    from priorauth.documents.pdf_writer import FONT_REGULAR, _register_fonts

    _register_fonts()
    buf = io.BytesIO()
    canvas = Canvas(buf, invariant=1, initialFontName=FONT_REGULAR)
    total = len(sizes)
    for number, ((w, h), caption) in enumerate(zip(sizes, captions), start=1):
        canvas.setPageSize((w, h))
        canvas.setFont(FONT_REGULAR, 8)
        canvas.setFillGray(0.25)
        canvas.drawCentredString(w / 2, STAMP_Y, f"Packet page {number} of {total}")
        if caption:
            canvas.drawString(IMAGE_MARGIN, h - IMAGE_MARGIN + 6, _fit(caption, FONT_REGULAR, 8, w - 2 * IMAGE_MARGIN))
        canvas.showPage()
    canvas.save()
    return buf.getvalue()


# --------------------------------------------------------------------------- merging


def assemble(cover: _Cover, letter_title: str, letter: bytes, checklist: bytes, records: Sequence[tuple[_Record | None, Skipped | None]]) -> tuple[bytes, list[Part]]:
    """The packet's bytes and its parts (cover first), every page stamped and bookmarked."""
    from pypdf import PdfReader, PdfWriter

    bodies: list[tuple[str, PdfReader]] = [
        (letter_title, PdfReader(io.BytesIO(letter))),
        ("Prior authorization checklist" if cover.source.rule_set.prior_authorization else "Documentation checklist", PdfReader(io.BytesIO(checklist))),
    ]
    captions: list[str | None] = [None] * (len(bodies[0][1].pages) + len(bodies[1][1].pages))
    number = 0
    for record, _ in records:
        if record is None:
            continue
        number += 1
        if record.reader is not None:
            reader = record.reader
            captions += [None] * len(reader.pages)
        else:
            reader = PdfReader(io.BytesIO(_image_pages(record)))
            n = len(record.frames)
            captions += [record.title + (f" · image {i} of {n}" if n > 1 else "") for i in range(1, n + 1)]
        bodies.append((f"Attachment {number}: {record.title}", reader))
    # The cover lists the first page of every part, so its own length must be known:
    # lay it out until the page count it states is the one it has (one pass, nearly always).
    cover_pages = 1
    for _ in range(5):
        parts = _parts(cover_pages, bodies)
        total = parts[-1].first + parts[-1].pages - 1
        cover_pdf = PdfReader(io.BytesIO(_cover_pdf(cover, parts, total)))
        if len(cover_pdf.pages) == cover_pages:
            break
        cover_pages = len(cover_pdf.pages)
    writer = PdfWriter()
    for _title, reader in [(COVER_TITLE, cover_pdf), *bodies]:
        for page in reader.pages:
            writer.add_page(page)
    _stamp(writer.pages, [None] * cover_pages + captions)
    parts = [Part(COVER_TITLE, 1, cover_pages), *parts]
    for part in parts:
        writer.add_outline_item(title=part.title, page_number=part.first - 1)
    writer.add_metadata({"/Title": f"Prior authorization packet: {TREATMENTS[cover.report.treatment].full}", "/Producer": "priorauth", "/Creator": "priorauth"})
    writer.page_mode = "/UseOutlines"
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue(), parts


def _parts(cover_pages: int, bodies: list[tuple[str, PdfReader]]) -> list[Part]:
    parts, first = [], cover_pages + 1
    for title, reader in bodies:
        parts.append(Part(title, first, len(reader.pages)))
        first += len(reader.pages)
    return parts


def _stamp(pages: Sequence[PageObject], captions: Sequence[str | None]) -> None:
    """"Packet page N of M" at the foot of every page as a viewer shows it: inside its
    crop box (the visible part), upright even on a page turned with /Rotate."""
    from pypdf import PdfReader, Transformation

    sizes = []
    for page in pages:
        if page.get("/Rotate", 0) % 360:
            page.transfer_rotation_to_content()
        box = page.cropbox
        sizes.append((float(box.width), float(box.height)))
    overlay = PdfReader(io.BytesIO(_stamps(sizes, captions)))
    for page, stamp in zip(pages, overlay.pages):
        box = page.cropbox
        if box.left or box.bottom:
            page.merge_transformed_page(stamp, Transformation().translate(float(box.left), float(box.bottom)))
        else:
            page.merge_page(stamp)
