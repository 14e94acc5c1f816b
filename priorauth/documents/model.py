"""Neutral document model shared by the markup parser and the PDF/DOCX writers.

Everything is a frozen dataclass so a :class:`Document` can be hashed, compared and
rendered twice with identical results. Constructors accept lists for convenience and
store tuples.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from priorauth.errors import PriorAuthError

# Glyphs used for check list boxes by both writers. Liberation Serif (Times New Roman) has
# none of them, so the writers take these three from DejaVu Sans (PDF) or a symbol font (DOCX).
CHECKED = "\u2611"  # ☑
UNCHECKED = "\u2610"  # ☐
# Not ☒ for "n/a": reviewers read a crossed box as "ticked", which would claim a criterion.
NOT_APPLICABLE = "\u229f"  # ⊟ (n/a or unknown)


class DocumentError(PriorAuthError):
    """A document that cannot be rendered, such as an image file that cannot be read."""


def check_glyph(checked: bool | None) -> str:
    """The box glyph for a check list item state."""
    if checked is None:
        return NOT_APPLICABLE
    return CHECKED if checked else UNCHECKED


def _tuple(obj: object, name: str, value: object) -> None:
    # frozen dataclasses: __post_init__ must go through object.__setattr__
    object.__setattr__(obj, name, tuple(value))  # type: ignore[arg-type]  # callers pass iterables; the field is typed as the tuple it becomes


@dataclass(frozen=True)
class Run:
    """A stretch of inline text with one emphasis."""

    text: str
    bold: bool = False
    italic: bool = False


Inline = tuple[Run, ...]


def plain(runs: Inline) -> str:
    """Text of a run sequence without emphasis."""
    return "".join(r.text for r in runs)


def _runs(value: str | Inline | list[Run]) -> Inline:
    if isinstance(value, str):
        return (Run(value),)
    return tuple(value)


@dataclass(frozen=True)
class Heading:
    level: int  # 1..3
    text: str

    def __post_init__(self) -> None:
        if self.level not in (1, 2, 3):
            raise ValueError("heading level must be 1, 2 or 3")


@dataclass(frozen=True)
class Paragraph:
    runs: Inline

    def __post_init__(self) -> None:
        object.__setattr__(self, "runs", _runs(self.runs))

    @property
    def text(self) -> str:
        return plain(self.runs)


@dataclass(frozen=True)
class BulletList:
    items: tuple[Inline, ...]  # each item is a run sequence; a plain str is accepted

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(_runs(i) for i in self.items))


@dataclass(frozen=True)
class CheckItem:
    checked: bool | None  # None = not applicable / unknown
    runs: Inline

    def __post_init__(self) -> None:
        object.__setattr__(self, "runs", _runs(self.runs))

    @property
    def text(self) -> str:
        return plain(self.runs)

    @property
    def glyph(self) -> str:
        return check_glyph(self.checked)


@dataclass(frozen=True)
class CheckList:
    items: tuple[CheckItem, ...]

    def __post_init__(self) -> None:
        items = tuple(i if isinstance(i, CheckItem) else CheckItem(*i) for i in self.items)
        object.__setattr__(self, "items", items)


@dataclass(frozen=True)
class Table:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    widths: tuple[float, ...] | None = None  # relative column widths; None = from content

    def __post_init__(self) -> None:
        _tuple(self, "header", self.header)
        object.__setattr__(self, "rows", tuple(tuple(r) for r in self.rows))
        n = len(self.header)
        if n == 0:
            raise ValueError("table needs at least one column")
        if any(len(r) != n for r in self.rows):
            raise ValueError("every table row needs as many cells as the header")
        if self.widths is not None:
            _tuple(self, "widths", (float(w) for w in self.widths))
            if len(self.widths) != n or any(w <= 0 for w in self.widths):
                raise ValueError("table widths must be one positive number per column")


@dataclass(frozen=True)
class KeyValue:
    """Label/value lines such as ``Patient: José Muñoz-Ñúñez``.

    Writers show the label bold and add a colon unless it already ends with one.
    """

    pairs: tuple[tuple[str, str], ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "pairs", tuple((str(k), str(v)) for k, v in self.pairs))


@dataclass(frozen=True)
class Signature:
    name: str
    lines: tuple[str, ...] = ()  # credentials, title, department ...
    npi: str | None = None
    image: str | None = None  # path to a PNG/JPEG of the signature
    date: str | None = None

    def __post_init__(self) -> None:
        _tuple(self, "lines", self.lines)
        if isinstance(self.image, Path):
            object.__setattr__(self, "image", str(self.image))


@dataclass(frozen=True)
class PageBreak:
    pass


@dataclass(frozen=True)
class Spacer:
    height: float = 12.0  # points


Block = Heading | Paragraph | BulletList | CheckList | Table | KeyValue | Signature | PageBreak | Spacer


@dataclass(frozen=True)
class Letterhead:
    practice_name: str
    address_lines: tuple[str, ...] = ()
    phone: str | None = None
    fax: str | None = None
    logo: str | None = None  # path to a PNG/JPEG, drawn at the right

    def __post_init__(self) -> None:
        _tuple(self, "address_lines", self.address_lines)
        if isinstance(self.logo, Path):
            object.__setattr__(self, "logo", str(self.logo))

    def contact_lines(self) -> list[str]:
        """Address on one line, phone and fax on the next, as both writers print them."""
        sep = "  \u00b7  "
        phones = [f"Tel {self.phone}"] if self.phone else []
        phones += [f"Fax {self.fax}"] if self.fax else []
        return [line for line in (sep.join(self.address_lines), sep.join(phones)) if line]


@dataclass(frozen=True)
class Identifiers:
    """Who and what a page is about, printed in the running header of every page so that a
    page separated from its fax or upload can be put back with its patient and request."""

    patient_name: str
    birth_date: str  # as the document prints dates elsewhere
    member_id: str
    reference: str  # the case or request reference: the clinic's patient id, a denial or authorization number

    def line(self) -> str:
        """The left part of the header: the patient, date of birth and member id."""
        return f"{self.patient_name} \u00b7 DOB {self.birth_date} \u00b7 Member ID {self.member_id}"


@dataclass(frozen=True)
class DocMeta:
    title: str = ""
    author: str = ""
    subject: str = ""
    keywords: tuple[str, ...] = ()
    producer: str = "priorauth"
    header_left: str = ""
    header_right: str = ""
    footer_text: str = ""
    audit_line: str = ""
    watermark: str | None = None
    letterhead: Letterhead | None = None
    # when set, the running header shows these instead of header_left / header_right
    identifiers: Identifiers | None = None

    def header_texts(self) -> tuple[str, str]:
        """(left, right) of the running header."""
        if self.identifiers is not None:
            return self.identifiers.line(), self.identifiers.reference
        return self.header_left, self.header_right

    def __post_init__(self) -> None:
        if isinstance(self.keywords, str):
            object.__setattr__(self, "keywords", (self.keywords,) if self.keywords else ())
        else:
            _tuple(self, "keywords", self.keywords)


@dataclass(frozen=True)
class Document:
    blocks: tuple[Block, ...]
    meta: DocMeta = field(default_factory=DocMeta)

    def __post_init__(self) -> None:
        _tuple(self, "blocks", self.blocks)
