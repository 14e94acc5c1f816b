"""Page layout (issue 12): the signature never alone on a page, table cells that never break
inside a word, no repeated table header over an empty row, and the patient's identifiers
with "page N of M" on every page; in the PDF and in the DOCX."""

from __future__ import annotations

import io
from pathlib import Path

import docx
import pypdf
import pytest
from docx.oxml.ns import qn

from priorauth.documents import (
    DocMeta,
    Document,
    Identifiers,
    Paragraph,
    Signature,
    Spacer,
    Table,
    write_docx,
    write_pdf,
)
from priorauth.documents._layout import column_widths, text_width, unbreakable_parts
from tests.helpers import SAMPLES, invoke

IDS = Identifiers("José Muñoz-Ñúñez", "April 2, 1981", "U0000000001", "Patient ID DEMO-1001 · Denial ref. PA-77")
META = DocMeta(title="t", footer_text="Cigna Healthcare EN0383", audit_line="dated 2026-12-01", identifiers=IDS)
# the words the issue found broken: "second-gener/ation", "Sessio/ns", "Baseli/ne"
COURSE_TABLE = Table(
    ("Treatment", "Dates", "Sessions", "Instrument", "Baseline", "Final", "Improvement", "Relapse"),
    [
        ("Transcranial magnetic stimulation", "2025-01-06 to 2025-02-21", "36", "PHQ-9", "23", "9", "61%", "2025-09-01"),
        ("aripiprazole, a second-generation antipsychotic", "2025-03-01 to 2025-06-01", "not documented", "MADRS", "34", "30", "12%", "none"),
    ],
)


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() or "" for page in pypdf.PdfReader(io.BytesIO(data)).pages]


def body(n: int) -> list[Paragraph]:
    return [Paragraph(f"Paragraph {i}: the patient's history, the treatment planned and the policy it meets, "
                      "in a sentence long enough to fill about two lines of the page.") for i in range(1, n + 1)]


def letter(n: int) -> Document:
    closing = [Paragraph("Please call our office with any question."), Paragraph("Sincerely,"),
               Signature("Anika Patel, MD", ("Psychiatry",), npi="1234567893")]
    return Document([*body(n), *closing], META)


def signature_page(pages: list[str]) -> str:
    [page] = [p for p in pages if "Anika Patel, MD" in p]
    return page


# ---------------------------------------------------------------- 1. the signature


@pytest.mark.parametrize("n", range(18, 34))
def test_pdf_signature_stays_with_the_last_paragraph(n: int) -> None:
    # 18..33 paragraphs: the page break falls in every place around the closing
    pages = pdf_pages(write_pdf(letter(n)))
    page = signature_page(pages)
    assert page is pages[-1]
    assert "Please call our office" in page and "Sincerely," in page
    assert page.index("Please call our office") < page.index("Sincerely,") < page.index("Anika Patel, MD")


def test_pdf_closing_moves_only_as_far_as_needed() -> None:
    # the closing group moves to the next page only when it does not fit: a letter whose
    # last page still has room keeps it there
    short = pdf_pages(write_pdf(letter(5)))
    assert len(short) == 1


def test_docx_keeps_the_last_paragraph_with_the_closing() -> None:
    d = docx.Document(io.BytesIO(write_docx(letter(20))))
    paras = {p.text: p for p in d.paragraphs}
    last = paras["Please call our office with any question."].paragraph_format
    assert last.keep_together and last.keep_with_next
    assert not paras["Paragraph 20: the patient's history, the treatment planned and the policy it meets, "
                     "in a sentence long enough to fill about two lines of the page."].paragraph_format.keep_with_next
    # the closing and the signature: one table row that may not break across pages (Word
    # and LibreOffice both honour it; LibreOffice drops long keep-with-next chains)
    [row] = d.tables[-1].rows
    assert row._tr.trPr.find(qn("w:cantSplit")) is not None
    assert [p.text for p in row.cells[0].paragraphs if p.text] == ["Sincerely,", "Anika Patel, MD", "Psychiatry", "NPI: 1234567893"]
    assert "Sincerely," not in paras


# ---------------------------------------------------------------- 2. tables


def test_hyphenated_words_break_at_the_hyphen_only() -> None:
    assert unbreakable_parts("a second-generation antipsychotic") == ["a", "second-", "generation", "antipsychotic"]
    # a date, a scale or a code is one piece
    assert unbreakable_parts("2025-01-06 PHQ-9 F33.2") == ["2025-01-06", "PHQ-9", "F33.2"]


def test_columns_hold_their_longest_word() -> None:
    widths = column_widths(COURSE_TABLE, 468.0, lambda text, bold: text_width(text, bold, 9.5))
    assert abs(sum(widths) - 468.0) < 1e-6
    for i, width in enumerate(widths):
        cells = [(COURSE_TABLE.header[i], True)] + [(row[i], False) for row in COURSE_TABLE.rows]
        longest = max(text_width(part, bold, 9.5) for text, bold in cells for part in unbreakable_parts(text))
        assert width >= longest + 10, (COURSE_TABLE.header[i], width, longest)


def test_pdf_table_words_are_whole() -> None:
    [text] = pdf_pages(write_pdf(Document([COURSE_TABLE], DocMeta())))
    words = text.split()
    for word in ("Sessions", "Baseline", "Improvement", "Instrument", "antipsychotic", "2025-01-06", "documented"):
        assert word in words, word
    assert "second-generation" in words or ("second-" in words and "generation" in words)
    assert not any(w in words for w in ("Sessio", "Baseli", "ation", "gener"))


def test_docx_table_columns_match_the_pdf() -> None:
    d = docx.Document(io.BytesIO(write_docx(Document([COURSE_TABLE], DocMeta()))))
    grid = d.tables[0]._tbl.tblGrid
    twips = [int(col.get(qn("w:w"))) for col in grid.findall(qn("w:gridCol"))]
    expected = column_widths(COURSE_TABLE, 468.0, lambda text, bold: text_width(text, bold, 9.5))
    assert [round(w / 20) for w in twips] == [round(w) for w in expected]


def test_docx_dates_and_codes_do_not_break_at_their_hyphens() -> None:
    d = docx.Document(io.BytesIO(write_docx(Document([COURSE_TABLE], DocMeta()))))
    cell = d.tables[0].cell(1, 1)
    run = cell.paragraphs[0].runs[0]._r
    assert cell.text == "2025-01-06 to 2025-02-21"
    assert len(run.findall(qn("w:noBreakHyphen"))) == 4
    second_generation = d.tables[0].cell(2, 0).paragraphs[0].runs[0]._r
    assert second_generation.findall(qn("w:noBreakHyphen")) == []  # a real hyphen may break


def test_pdf_table_header_never_repeats_over_an_empty_row() -> None:
    note = " ".join(["a long note on the trial's side effects and how they were managed"] * 6)
    table = Table(("Medication", "Dose", "Note"), [(f"drug-{i:02d}", "10 mg", note) for i in range(1, 9)])
    for gap in range(300, 640, 12):  # the table starts lower and lower on the first page
        pages = pdf_pages(write_pdf(Document([Spacer(gap), table], DocMeta())))
        assert sum(page.count("drug-") for page in pages) == 8
        for page in pages:
            if "Medication" in page:
                # the header has a whole row under it, not the tail of a split row
                assert page.split("Note", 1)[1].split()[0].startswith("drug-"), gap


def test_pdf_a_row_longer_than_a_page_still_splits() -> None:
    note = " ".join(["a very long note"] * 800)
    pages = pdf_pages(write_pdf(Document([Table(("Medication", "Note"), [("drug-01", note)])], DocMeta())))
    assert len(pages) >= 2 and all("very long note" in page for page in pages)


# ---------------------------------------------------------------- 3. identifiers on every page


def test_pdf_identifiers_and_page_numbers_on_every_page() -> None:
    pages = pdf_pages(write_pdf(letter(40)))
    assert len(pages) >= 3
    for n, page in enumerate(pages, start=1):
        assert "José Muñoz-Ñúñez · DOB April 2, 1981 · Member ID U0000000001" in page
        assert "Patient ID DEMO-1001 · Denial ref. PA-77" in page
        assert f"Page {n} of {len(pages)}" in page


def test_docx_identifiers_in_the_header_and_page_fields_in_the_footer() -> None:
    d = docx.Document(io.BytesIO(write_docx(letter(40))))
    section = d.sections[0]
    header = "\n".join(p.text for p in section.header.paragraphs)
    assert "José Muñoz-Ñúñez · DOB April 2, 1981 · Member ID U0000000001" in header
    assert "Patient ID DEMO-1001 · Denial ref. PA-77" in header
    footer = section.footer.paragraphs[0]._p
    fields = [t.text.strip() for t in footer.iter(qn("w:instrText"))]
    assert fields == ["PAGE \\* MERGEFORMAT", "NUMPAGES \\* MERGEFORMAT"]
    assert "Cigna Healthcare EN0383" in section.footer.paragraphs[0].text


@pytest.mark.parametrize("kind", ["letter", "checklist"])
def test_cli_documents_name_the_patient_on_every_page(kind: str, tmp_path: Path) -> None:
    code = invoke(kind, SAMPLES / "cigna-tms-ready.yaml", "-o", tmp_path, "--date", "2026-12-01")[0]
    assert code == 0
    ids = "José Muñoz-Ñúñez · DOB April 2, 1981 · Member ID U0000000001"
    pages = pdf_pages((tmp_path / f"DEMO-1001_cigna_tms_{kind}.pdf").read_bytes())
    for n, page in enumerate(pages, start=1):
        assert ids in page and "Patient ID DEMO-1001" in page and f"Page {n} of {len(pages)}" in page
        assert "priorauth 0." not in page
    d = docx.Document(str(tmp_path / f"DEMO-1001_cigna_tms_{kind}.docx"))
    assert ids in d.sections[0].header.paragraphs[0].text
    assert "Patient ID DEMO-1001" in d.sections[0].header.paragraphs[0].text


def test_appeal_pages_carry_the_denial_reference(tmp_path: Path) -> None:
    code = invoke("letter", SAMPLES / "cigna-tms-ready.yaml", "-o", tmp_path, "--template", "letter-appeal",
                  "--denial-ref", "PA-77", "--denial-date", "2026-11-25", "--date", "2026-12-01", "--format", "pdf")[0]
    assert code == 0
    for page in pdf_pages((tmp_path / "DEMO-1001_cigna_tms_appeal.pdf").read_bytes()):
        assert "Patient ID DEMO-1001 · Denial ref. PA-77" in page


# ---------------------------------------------------------------- 4. fonts


def test_docx_names_only_fonts_every_word_has() -> None:
    import re
    import zipfile

    doc = Document([Paragraph("Text"), COURSE_TABLE, Signature("Anika Patel, MD")], META)
    data = write_docx(Document(doc.blocks, DocMeta(watermark="DRAFT", identifiers=IDS)))
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode() + z.read("word/header1.xml").decode() + z.read("word/footer1.xml").decode()
    runs = set(re.findall(r'<w:rFonts w:ascii="([^"]+)"', xml)) | set(re.findall(r"font-family:&quot;([^&]+)&quot;", xml))
    assert runs <= {"Times New Roman"}
    d = docx.Document(io.BytesIO(data))
    used = set(re.findall(r'<w:pStyle w:val="([^"]+)"', xml))
    for style in d.styles:
        if style.style_id in used | {"Normal"}:
            s = style
            while s is not None and s.font.name is None:
                s = s.base_style
            assert s is not None and s.font.name == "Times New Roman", style.name


def test_pdf_embeds_the_metric_compatible_font_with_its_licence() -> None:
    fonts = Path(__file__).resolve().parents[2] / "priorauth" / "documents" / "fonts"
    assert sorted(p.name for p in fonts.glob("*.ttf")) == [
        "DejaVuSans.ttf", "LiberationSerif-Bold.ttf", "LiberationSerif-BoldItalic.ttf",
        "LiberationSerif-Italic.ttf", "LiberationSerif-Regular.ttf"]
    assert "SIL OPEN FONT LICENSE Version 1.1" in (fonts / "LICENSE-Liberation.txt").read_text(encoding="utf-8")
    assert "DejaVuSans.ttf" in (fonts / "LICENSE-DejaVu.txt").read_text(encoding="utf-8")
    from priorauth.documents import _metrics

    # the width tables the writers size columns by are the embedded font's
    from reportlab.pdfbase.ttfonts import TTFont

    face = TTFont("check", str(fonts / "LiberationSerif-Regular.ttf")).face
    assert all(round(face.getCharWidth(cp)) == w for cp, w in _metrics.REGULAR.items())
