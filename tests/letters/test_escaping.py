"""The one escaping rule of templates (docs/templates.md, docs/markup.md): every {{ }} value
is escaped for the markup exactly once, automatically; `mx`, `e` and `escape` change
nothing; `| safe` prints markup written on purpose."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest

from tests.helpers import SAMPLES, invoke
from tests.letters.test_letters import docx_text, pdf_pages

READY = SAMPLES / "cigna-tms-ready.yaml"

TEMPLATE = """# Escaping

Plain: {{ "A*B|C" }}

Filtered: {{ "A*B|C" | mx }}

Twice: {{ "A*B|C" | mx | mx }}

HTML filter: {{ "A*B|C & D" | e }} and {{ "x:y" | escape }}

JSON: {{ {"k": "*v*"} | tojson }}

Patient: {{ patient.name | mx }}, member {{ coverage.member_id }}

{% macro stressed(text) %}**{{ text }}**{% endmacro %}
On purpose: {{ "**bold** and *italic*" | safe }}; macro: {{ stressed("A*B") | safe }}; unmarked macro: {{ stressed("C") }}

| Drug | Note |
|---|---|
| {{ "x|y" | mx }} | {{ "- a" }} |
"""


@pytest.fixture(scope="module")
def letters(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("escaping")
    (tmp / "tpl").mkdir()
    (tmp / "tpl" / "letter-tms.md.j2").write_text(TEMPLATE)
    code, _, err = invoke("letter", str(READY), "-o", str(tmp / "out"), "--templates-dir", str(tmp / "tpl"), "--format", "both")
    assert code == 0, err
    return tmp / "out"


EXPECTED = [
    "Plain: A*B|C",
    "Filtered: A*B|C",
    "Twice: A*B|C",
    "HTML filter: A*B|C & D and x:y",
    'JSON: {"k": "*v*"}',
    "On purpose: bold and italic; macro: A*B; unmarked macro: **C**",
]
TABLE_ROW = {"docx": "x|y | - a", "pdf": "x|y - a"}  # the PDF text has no cell borders


@pytest.mark.parametrize("fmt", ["docx", "pdf"])
def test_every_value_is_escaped_exactly_once(letters: Path, fmt: str) -> None:
    path = letters / f"DEMO-1001_cigna_tms_letter.{fmt}"
    text = docx_text(path) if fmt == "docx" else " ".join(pdf_pages(path))
    for line in [*EXPECTED, TABLE_ROW[fmt]]:
        assert line in text, (line, fmt)
    assert "\\" not in text  # no escape character ever reaches the letter
    assert "&amp;" not in text


def test_safe_markup_is_formatted_and_escaped_values_are_not(letters: Path) -> None:
    d = docx.Document(str(letters / "DEMO-1001_cigna_tms_letter.docx"))
    para = next(p for p in d.paragraphs if p.text.startswith("On purpose:"))
    runs = [(r.text, bool(r.bold), bool(r.italic)) for r in para.runs]
    assert ("bold", True, False) in runs
    assert ("italic", False, True) in runs
    assert ("A*B", True, False) in runs
    assert all(not (bold or italic) for text, bold, italic in runs if "**C**" in text)
    plain = next(p for p in d.paragraphs if p.text.startswith("Plain:"))
    assert [(r.text, bool(r.bold), bool(r.italic)) for r in plain.runs] == [("Plain: A*B|C", False, False)]
