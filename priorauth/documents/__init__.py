"""Letter documents: a small markup, a neutral model, and PDF/DOCX writers.

The writers import reportlab / python-docx lazily so that importing this package stays
cheap; use :func:`write_pdf` and :func:`write_docx` (or the writer modules directly).
"""

from __future__ import annotations

from .markup import MarkupError, escape, parse, parse_document, parse_inline
from .model import (
    Block,
    BulletList,
    CheckItem,
    CheckList,
    DocMeta,
    Document,
    DocumentError,
    Heading,
    Identifiers,
    Inline,
    KeyValue,
    Letterhead,
    PageBreak,
    Paragraph,
    Run,
    Signature,
    Spacer,
    Table,
)


def write_pdf(doc: Document) -> bytes:
    """Render ``doc`` as PDF bytes (imports reportlab on first use)."""
    from .pdf_writer import write_pdf as _write

    return _write(doc)


def write_docx(doc: Document) -> bytes:
    """Render ``doc`` as DOCX bytes (imports python-docx on first use)."""
    from .docx_writer import write_docx as _write

    return _write(doc)


__all__ = [
    "Block", "BulletList", "CheckItem", "CheckList", "DocMeta", "Document", "DocumentError", "Heading",
    "Identifiers", "Inline", "KeyValue", "Letterhead", "MarkupError", "PageBreak", "Paragraph", "Run",
    "Signature", "Spacer", "Table", "escape", "parse", "parse_document", "parse_inline",
    "write_docx", "write_pdf",
]
