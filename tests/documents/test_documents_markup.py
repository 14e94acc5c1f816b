"""The letter markup: every block type, escaping, Jinja-style whitespace, and errors."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from priorauth.documents import (
    BulletList,
    CheckItem,
    CheckList,
    Heading,
    KeyValue,
    MarkupError,
    PageBreak,
    Paragraph,
    Run,
    Signature,
    Spacer,
    Table,
    escape,
    parse,
    parse_document,
    parse_inline,
)
from priorauth.errors import PriorAuthError


def test_headings() -> None:
    assert parse("# One\n## Two\n### Three") == [Heading(1, "One"), Heading(2, "Two"), Heading(3, "Three")]


def test_paragraph_lines_join_and_blank_line_ends_it() -> None:
    blocks = parse("first line\n   second   line\n\nnext paragraph")
    assert blocks == [Paragraph((Run("first line second line"),)), Paragraph((Run("next paragraph"),))]


def test_inline_emphasis() -> None:
    assert parse_inline("a **bold** and *italic* and ***both***") == (
        Run("a "), Run("bold", bold=True), Run(" and "), Run("italic", italic=True), Run(" and "),
        Run("both", bold=True, italic=True),
    )


def test_nested_emphasis_and_lone_star() -> None:
    assert parse_inline("**bold *and italic* text** 2 * 3") == (
        Run("bold ", bold=True), Run("and italic", bold=True, italic=True), Run(" text", bold=True),
        Run(" 2 * 3"),
    )


def test_emphasis_may_span_paragraph_lines() -> None:
    (p,) = parse("a **bold\nstill bold** plain")
    assert p == Paragraph((Run("a "), Run("bold still bold", bold=True), Run(" plain")))


def test_bullets_checks_and_continuation() -> None:
    blocks = parse("- one\n- two\n  wraps here\n[x] yes\n[X] also\n[ ] no\n[-] n/a")
    assert blocks == [
        BulletList(((Run("one"),), (Run("two wraps here"),))),
        CheckList((
            CheckItem(True, (Run("yes"),)), CheckItem(True, (Run("also"),)),
            CheckItem(False, (Run("no"),)), CheckItem(None, (Run("n/a"),)),
        )),
    ]


def test_list_items_take_emphasis() -> None:
    (b,) = parse("- **Dates:** 2019-2020")
    assert b == BulletList(((Run("Dates:", bold=True), Run(" 2019-2020")),))


def test_key_value_group() -> None:
    assert parse(": Patient :: José Muñoz-Ñúñez\n: DOB :: 1979-04-12\n: Empty ::") == [
        KeyValue((("Patient", "José Muñoz-Ñúñez"), ("DOB", "1979-04-12"), ("Empty", "")))
    ]


def test_table_with_and_without_separator() -> None:
    expected = Table(("Drug", "Class", "Dose"), (("sertraline", "SSRI", "200 mg"), ("bupropion", "NDRI", "450 mg")))
    with_sep = "| Drug | Class | Dose |\n|---|---|---|\n| sertraline | SSRI | 200 mg |\n| bupropion | NDRI | 450 mg |"
    assert parse(with_sep) == [expected]
    assert parse(with_sep.replace("|---|---|---|\n", "")) == [expected]
    # the closing pipe is optional
    assert parse("| Drug | Class | Dose\n| sertraline | SSRI | 200 mg\n| bupropion | NDRI | 450 mg") == [expected]


def test_separator_dash_counts_set_widths() -> None:
    (t,) = parse("| A | B |\n|------|---|\n| 1 | 2 |")
    assert t.widths == (6.0, 3.0)


def test_signature_block() -> None:
    text = """
    ::: signature
    name: Anika Patel, MD
    line: Psychiatry
    credentials: Board certified
    npi: 1234567893
    image: /tmp/sig.png
    date: 2026-03-20
    :::
    """
    assert parse(text) == [
        Signature("Anika Patel, MD", ("Psychiatry", "Board certified"), "1234567893", "/tmp/sig.png", "2026-03-20")
    ]
    assert parse("::: signature\nname: A\n:::") == [Signature("A")]


def test_page_break_and_spacer() -> None:
    assert parse("a\n---pagebreak---\n---spacer---\nb") == [
        Paragraph((Run("a"),)), PageBreak(), Spacer(), Paragraph((Run("b"),))
    ]


def test_jinja_whitespace_is_harmless() -> None:
    text = textwrap.dedent("""

            # Title


        - one

            - two

        | A | B |

          | 1 | 2 |

        | 3 | 4 |
        text   with    gaps
    """)
    assert parse(text) == [
        Heading(1, "Title"),
        BulletList(((Run("one"),), (Run("two"),))),
        Table(("A", "B"), (("1", "2"), ("3", "4"))),
        Paragraph((Run("text with gaps"),)),
    ]


def test_paragraph_after_blank_line_does_not_continue_list() -> None:
    assert parse("- item\n\nparagraph") == [BulletList(((Run("item"),),)), Paragraph((Run("paragraph"),))]


def test_crlf_line_endings() -> None:
    assert parse("# T\r\n- a\r\n- b\r\n") == [Heading(1, "T"), BulletList(((Run("a"),), (Run("b"),)))]


def test_backslash_escapes() -> None:
    assert parse(r"\# not a heading, \*not italic\*, a\|b, C\:\\dir, \q stays") == [
        Paragraph((Run(r"# not a heading, *not italic*, a|b, C:\dir, \q stays"),))
    ]
    assert parse(r"| a\|b | c |" + "\n" + r"| 1 | \- |") == [Table(("a|b", "c"), (("1", "-"),))]
    assert parse(r": Time\:zone :: 10\:30 \:\: x") == [KeyValue((("Time:zone", "10:30 :: x"),))]


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "José Muñoz-Ñúñez",
        "a|b*c**d***e",
        "- looks like a bullet",
        "# looks like a heading",
        "[x] looks checked",
        ": label :: value",
        "::: signature",
        "---pagebreak---",
        "| cell |",
        r"C:\Users\x\*",
        "trailing backslash \\",
        "*",
        "2 * 3",
    ],
)
def test_escape_round_trips_everywhere(value: str) -> None:
    e = escape(value)
    assert parse(f"- {e}") == [BulletList(((Run(value),),))]
    assert parse(e) == [Paragraph((Run(value),))]
    assert parse(f"## {e}") == [Heading(2, value)]
    assert parse(f": {e} :: {e}") == [KeyValue(((value, value),))]
    assert parse(f"| {e} | x |\n| {e} | {e} |") == [Table((value, "x"), ((value, value),))]
    assert parse(f"::: signature\nname: {e}\nline: {e}\n:::") == [Signature(value, (value,))]


_text = st.text(
    alphabet=st.one_of(
        st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
        st.sampled_from(list("\n\r\t \\*|:#-[]")),
    ),
)


@given(_text)
def test_escape_round_trip_property(value: str) -> None:
    folded = re.sub(r"[ \t]+", " ", re.sub(r"\s*[\r\n]+\s*", " ", value))
    assert parse(f"x {escape(value)} y") == [Paragraph((Run(re.sub(" +", " ", f"x {folded} y")),))]
    assert parse(f": k :: {escape(value)}") == [KeyValue((("k", folded.strip()),))]
    assert parse(f"| h |\n| {escape(value)} |") == [Table(("h",), ((folded.strip(),),))]


def test_escape_folds_newlines() -> None:
    assert escape("line one\n- line two") == "line one - line two"
    assert escape("- a\r\nb") == r"\- a b"
    assert parse(escape("line one\n- line two")) == [Paragraph((Run("line one - line two"),))]


def test_escape_accepts_non_strings() -> None:
    assert escape(200) == "200"


@pytest.mark.parametrize("mx", ["", " | mx"])
def test_jinja_template_round_trip(tmp_path: Path, mx: str) -> None:
    # priorauth's template environment escapes every value once; `mx` changes nothing.
    from priorauth.letters.render import environment, render_text

    (tmp_path / "t.md.j2").write_text(
        f"""
        # Letter for {{{{ name{mx} }}}}
        {{% for m in meds %}}
        | {{{{ m.drug{mx} }}}} | {{{{ m.dose{mx} }}}} |
        {{% endfor %}}
        {{% for c in criteria %}}
        [{{{{ 'x' if c.met else ' ' }}}}] {{{{ c.text{mx} }}}}
        {{% endfor %}}
        """
    )
    out = render_text(
        environment(tmp_path),
        "t",
        {
            "name": "José *Muñoz*",
            "meds": [{"drug": "Drug", "dose": "Dose"}, {"drug": "a|b", "dose": "10:20 mg"}],
            "criteria": [{"met": True, "text": "- tried"}, {"met": False, "text": "# none"}],
        },
    )
    assert parse(out, "letter.md.j2") == [
        Heading(1, "Letter for José *Muñoz*"),
        Table(("Drug", "Dose"), (("a|b", "10:20 mg"),)),
        CheckList((CheckItem(True, (Run("- tried"),)), CheckItem(False, (Run("# none"),)))),
    ]


def test_parse_document_wraps_blocks() -> None:
    doc = parse_document("# T", source="x")
    assert doc.blocks == (Heading(1, "T"),)


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("ok\n\nthis is **never closed", 3, "not closed"),
        ("a *b\nc", 1, "not closed"),
        ("| a | b |\n| 1 | 2 |\n| 1 | 2 | 3 |", 3, "3 cells"),
        ("| a | b |\n| 1 | 2 |\n|---|---|", 3, "separator"),
        ("text\n---nonsense---", 2, "unknown directive"),
        ("#### too deep", 1, "deeper"),
        ("#", 1, "empty heading"),
        ("-", 1, "empty list item"),
        ("[x]", 1, "empty check"),
        (": no separator", 1, "'::'"),
        (": :: value", 1, "without a label"),
        ("\n\n::: signature\nname: A\n", 3, "not closed"),
        ("::: signature\nline: x\n:::", 1, "without 'name:'"),
        ("::: signature\nname: A\nfoo: bar\n:::", 3, "unknown signature key"),
        ("::: signature\nname: A\nname: B\n:::", 3, "twice"),
        ("::: signature\nname A\n:::", 2, "key: value"),
        ("::: sidebar\n:::", 1, "unknown ':::' block"),
        ("x\n:::", 2, "never opened"),
        ("a ****b****", 1, "three"),
    ],
)
def test_syntax_errors_carry_line_numbers(text: str, line: int, fragment: str) -> None:
    with pytest.raises(MarkupError) as info:
        parse(text, "letter.md")
    err = info.value
    assert (err.source, err.line) == ("letter.md", line)
    assert fragment in err.detail
    assert str(err).startswith(f"letter.md:{line}: ")
    assert isinstance(err, ValueError) and isinstance(err, PriorAuthError)


def test_error_messages_do_not_echo_content() -> None:
    with pytest.raises(MarkupError) as info:
        parse("| José Muñoz | secret |\n| only-one |")
    assert "José" not in str(info.value) and "only-one" not in str(info.value)


def test_lines_that_merely_resemble_syntax_are_prose() -> None:
    assert parse("#hashtag -dash [1] reference :colon") == [Paragraph((Run("#hashtag -dash [1] reference :colon"),))]
