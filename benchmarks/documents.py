"""Speed of the document writers against plain documents, measured in the same run.

    python benchmarks/documents.py            # 100 PDF letters, 100 DOCX letters, 5 repeats
    python benchmarks/documents.py --quick    # 20 of each, 3 repeats: a smoke run

The letters are the bundled samples' letters (TMS and Spravato; letter, appeal and
continuation), rendered once from their templates to the neutral document model. Then:

- DOCX: ``write_docx`` of each letter, against a plain python-docx document of the same
  paragraphs and tables (``add_paragraph`` / ``add_table`` with the same texts, saved).
- PDF: ``write_pdf`` of each letter, against a plain reportlab document of the same texts
  and tables with the same embedded fonts (Liberation Serif, DejaVu Sans registered from the
  same files) and the same number of pages.

Each figure is the minimum over the repeats (ours and the baseline in turn) of the time
for all letters; the ratio is of those minimums.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from priorauth.documents import (
    BulletList,
    CheckList,
    Document,
    Heading,
    KeyValue,
    Paragraph,
    Signature,
    Table,
    write_docx,
    write_pdf,
)

SAMPLES = ROOT / "samples"
DATE = dt.date(2026, 12, 1)
TARGET = 2.0


def letters() -> list[Document]:
    """Every letter of the ready samples, as documents."""
    from priorauth.api import check_case_sources
    from priorauth.case import load_case_with_digest
    from priorauth.letters import build_context, environment, render_document
    from priorauth.letters import _meta as meta  # the letterhead and running header of a real letter
    from priorauth.letters.appeal import Denial
    from priorauth.letters.facts import document_facts
    from priorauth.rules import Registry

    registry = Registry(())
    env = environment(None)
    docs = []
    for sample in ("cigna-tms-ready.yaml", "cigna-spravato-ready.yaml"):
        case, digest = load_case_with_digest(SAMPLES / sample)
        [(source, report)] = check_case_sources(case, registry, None, None, None)
        for template in (f"letter-{report.treatment}", "letter-appeal", "letter-continuation"):
            denial = Denial("PA-77", dt.date(2026, 11, 25), "not medically necessary") if template == "letter-appeal" else None
            ctx = build_context(case, report, source.rule_set, None, digest, date=DATE)
            ctx.update(document_facts(case, report, source.rule_set, denial, None))
            docs.append(render_document(env, template, ctx, lambda c=ctx: meta(c, "letter", False, None)))
    return docs


def texts(doc: Document) -> tuple[list[str], list[list[list[str]]]]:
    """The paragraphs (one per line of text) and the tables of a document."""
    paragraphs: list[str] = []
    tables: list[list[list[str]]] = []
    for block in doc.blocks:
        if isinstance(block, (Heading, Paragraph)):
            paragraphs.append(block.text)
        elif isinstance(block, BulletList):
            paragraphs += ["".join(r.text for r in item) for item in block.items]
        elif isinstance(block, CheckList):
            paragraphs += [item.text for item in block.items]
        elif isinstance(block, KeyValue):
            paragraphs += [f"{k}: {v}" for k, v in block.pairs]
        elif isinstance(block, Signature):
            paragraphs += [block.name, *block.lines]
        elif isinstance(block, Table):
            tables.append([list(block.header), *map(list, block.rows)])
    return paragraphs, tables


def docx_plain(paragraphs: list[str], tables: list[list[list[str]]]) -> bytes:
    import docx

    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    for rows in tables:
        table = document.add_table(rows=len(rows), cols=len(rows[0]))
        for row, values in zip(table.rows, rows):
            for cell, value in zip(row.cells, values):
                cell.text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def reportlab_plain(paragraphs: list[str], tables: list[list[list[str]]], pages: int) -> bytes:
    """The texts in one embedded font (our Liberation Serif), spread over ``pages`` pages."""
    from xml.sax.saxutils import escape

    from reportlab.lib.pagesizes import LETTER
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import PageBreak, SimpleDocTemplate
    from reportlab.platypus import Paragraph as RLParagraph
    from reportlab.platypus import Table as RLTable

    from priorauth.documents import pdf_writer

    pdf_writer._register_fonts()  # the same TTF files, registered the same way
    style = ParagraphStyle("plain", fontName=pdf_writer.FONT_REGULAR, fontSize=10.5, leading=14.5)
    cell = ParagraphStyle("cell", style, fontSize=9.5, leading=12)
    flow: list[Any] = [RLParagraph(escape(text), style) for text in paragraphs]
    for rows in tables:
        flow.append(RLTable([[RLParagraph(escape(v), cell) for v in row] for row in rows]))
    per_page = -(-len(flow) // max(pages, 1))
    story: list[Any] = []
    for i, flowable in enumerate(flow):
        if i and i % per_page == 0:
            story.append(PageBreak())
        story.append(flowable)
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=LETTER, invariant=1, initialFontName=pdf_writer.FONT_REGULAR).build(story)
    return buffer.getvalue()


def pdf_pages(data: bytes) -> int:
    import pypdf

    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def best_pair(ours: Callable[[], Any], base: Callable[[], Any], repeats: int) -> tuple[float, float]:
    """The least time of each over ``repeats`` runs, taken in turn so that a busy spell of
    the machine weighs on both."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeats):
        for fn, into in ((ours, times[0]), (base, times[1])):
            start = time.perf_counter()
            fn()
            into.append(time.perf_counter() - start)
    return min(times[0]), min(times[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 letters of each kind, 3 repeats")
    args = parser.parse_args(argv)
    count, repeats = (20, 3) if args.quick else (100, 5)

    docs = letters()
    batch = [docs[i % len(docs)] for i in range(count)]
    plain = [texts(doc) for doc in batch]
    pages = [pdf_pages(write_pdf(doc)) for doc in docs]
    page_of = [pages[i % len(docs)] for i in range(count)]
    for doc, p in zip(docs, pages):  # warm up both libraries and check the baselines' pages
        write_docx(doc)
        assert pdf_pages(reportlab_plain(*texts(doc), p)) >= p

    rows = []
    pdf, pdf_base = best_pair(lambda: [write_pdf(doc) for doc in batch],
                              lambda: [reportlab_plain(p, t, n) for (p, t), n in zip(plain, page_of)], repeats)
    rows.append((f"{count} PDF letters (write_pdf)", pdf, f"plain reportlab x{count}, same fonts and pages", pdf_base))
    docx_time, docx_base = best_pair(lambda: [write_docx(doc) for doc in batch],
                                     lambda: [docx_plain(p, t) for p, t in plain], repeats)
    rows.append((f"{count} DOCX letters (write_docx)", docx_time, f"plain python-docx x{count}, same paragraphs and tables", docx_base))

    print(f"letters: {len(docs)} different ({', '.join(str(p) for p in pages)} PDF pages); min of {repeats} runs")
    print(f"{'what':38} {'time':>9}  {'baseline':58} {'time':>9}  ratio  target")
    for name, value, base_name, base in rows:
        ratio = value / base
        met = "yes" if ratio <= TARGET else "NO"
        print(f"{name:38} {value:8.3f}s  {base_name:58} {base:8.3f}s  {ratio:4.2f}x  <= {TARGET:g}x {met}")
    per_pdf, per_docx = 1000 * pdf / count, 1000 * docx_time / count
    print(f"per letter: PDF {per_pdf:.1f} ms, DOCX {per_docx:.1f} ms (the writer only)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
