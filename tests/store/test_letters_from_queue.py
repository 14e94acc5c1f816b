"""`letter --request`: an appeal takes the denial the queue recorded, a continuation the approval."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import invoke
from tests.letters.test_letters import docx_text, pdf_pages
from tests.store.util import READY


def q(db: str, *args: str) -> tuple[int, str, str]:
    return invoke("queue", *args, "--db", db, "--user", "alice")


def test_an_appeal_for_a_request_quotes_the_recorded_denial(db_url: str, tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_bytes(READY.read_bytes())
    q(db_url, "add", str(case))
    out = tmp_path / "out"
    args = ("letter", str(case), "--template", "letter-appeal", "--request", "1", "--db", db_url, "--date", "2026-12-01", "-o", str(out))
    code, _, err = invoke(*args)
    assert (code, err) == (2, "error: an appeal needs the denial's reference number: --denial-reference is missing\n"
                              "  hint: give --denial-reference REF as printed on the payer's denial letter, or --request ID --db FILE for a request whose denial the queue recorded with --reference\n")
    q(db_url, "submit", "1")
    assert q(db_url, "decide", "1", "denied", "--date", "2026-11-25", "--ref", "D-42", "--reason", "Fewer than 2 trials | documented")[0] == 0
    code, stdout, err = invoke(*args)
    assert (code, err) == (0, ""), err
    assert stdout.endswith("request 1: 2 file(s) recorded as appeal\n")
    stem = "DEMO-1001_cigna_tms_appeal"
    for text in (" ".join(pdf_pages(out / f"{stem}.pdf")), docx_text(out / f"{stem}.docx")):
        assert "Denial reference: D-42" in text and "Date of denial: November 25, 2026" in text
        assert 'The denial states: "Fewer than 2 trials | documented"' in text
        assert "Appeal level: First-level internal appeal" in text
    code, _, err = invoke(*args, "--denial-reason", "Typed reason wins", "--level", "external", "--force")
    assert code == 0, err
    text = docx_text(out / f"{stem}.docx")
    assert 'The denial states: "Typed reason wins"' in text and "External review" in text


def test_a_continuation_for_a_request_takes_the_recorded_approval(db_url: str, tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text(READY.read_text(encoding="utf-8").replace("  kind: initial", "  kind: continuation"), encoding="utf-8")
    q(db_url, "add", str(case))
    q(db_url, "submit", "1", "--anyway")
    assert q(db_url, "decide", "1", "approved", "--date", "2026-11-20", "--auth", "AUTH-0123", "--valid-to", "2027-02-20", "--units", "90868=30")[0] == 0
    out = tmp_path / "out"
    code, _, err = invoke("letter", str(case), "--template", "letter-continuation", "--draft", "--request", "1", "--db", db_url, "--units-used", "12", "--date", "2026-12-01", "-o", str(out), "--format", "docx")
    assert code == 0, err
    text = docx_text(out / "DEMO-1001_cigna_tms_continuation-draft.docx")
    assert "Original authorization: AUTH-0123" in text
    assert "Authorized period: November 20, 2026 to February 20, 2027" in text
    assert "Units approved: 30" in text and "Units used: 12 (18 left)" in text


def test_a_continuation_request_takes_the_approval_of_the_earlier_request(db_url: str, tmp_path: Path) -> None:
    first = tmp_path / "initial.yaml"
    first.write_bytes(READY.read_bytes())
    q(db_url, "add", str(first))
    q(db_url, "submit", "1")
    assert q(db_url, "decide", "1", "approved", "--date", "2026-11-20", "--auth", "AUTH-7", "--valid-to", "2027-01-20", "--units", "36")[0] == 0
    case = tmp_path / "continuation.yaml"
    case.write_text(READY.read_text(encoding="utf-8").replace("  kind: initial", "  kind: continuation"), encoding="utf-8")
    code, out, _ = q(db_url, "add", str(case))
    assert code == 0 and out.startswith("request 2 opened"), out
    out_dir = tmp_path / "out"
    code, _, err = invoke("letter", str(case), "--draft", "--request", "2", "--db", db_url, "--date", "2026-12-01", "-o", str(out_dir), "--format", "pdf")
    assert code == 0, err
    text = " ".join(pdf_pages(out_dir / "DEMO-1001_cigna_tms_continuation-draft.pdf"))
    assert "Original authorization: AUTH-7" in text
    assert "Units approved: 36" in text and "Units used: 0 (36 left)" in text
