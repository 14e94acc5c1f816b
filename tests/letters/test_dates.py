"""The date documents bear: --date (default today, read once by the command), checked
against the request and the denial; look-back windows stay measured from request.date."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from tests.helpers import SAMPLES, invoke
from tests.letters.test_letters import docx_text, pdf_pages

READY_TMS = SAMPLES / "cigna-tms-ready.yaml"  # request.date 2026-11-18
INCOMPLETE = SAMPLES / "medicare-tms-incomplete.yaml"
LETTER = "DEMO-1001_cigna_tms_letter"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[dt.date]:
    """Today, as the commands see it; the test sets it instead of waiting for a day."""
    days = [dt.date(2026, 12, 24)]
    monkeypatch.setattr("priorauth.cli.options.today", lambda: days[0])
    return days


def texts(folder: Path, stem: str) -> tuple[str, str]:
    return " ".join(pdf_pages(folder / f"{stem}.pdf")), docx_text(folder / f"{stem}.docx")


def test_the_letter_bears_the_given_date_in_both_formats(tmp_path: Path) -> None:
    assert invoke("letter", str(READY_TMS), "-o", str(tmp_path), "--date", "2026-12-02")[0] == 0
    for text in texts(tmp_path, LETTER):
        assert text.count("December 2, 2026") == 2  # the date line and the signature
        assert "November 18, 2026" not in text
        assert "dated 2026-12-02 · rule set" in text  # the audit line of every page


@pytest.mark.slow
def test_the_default_is_today_read_once_by_the_command(tmp_path: Path, clock: list[dt.date]) -> None:
    assert invoke("letter", str(READY_TMS), "-o", str(tmp_path / "l"))[0] == 0
    assert invoke("checklist", str(READY_TMS), "-o", str(tmp_path / "c"))[0] == 0
    assert invoke("batch", str(READY_TMS), "-o", str(tmp_path / "b"), "--letters", "both", "--jobs", "1")[0] == 0
    for text in (*texts(tmp_path / "l", LETTER), *texts(tmp_path / "b", LETTER)):
        assert "December 24, 2026" in text and "dated 2026-12-24" in text
    for text in texts(tmp_path / "c", "DEMO-1001_cigna_tms_checklist"):
        assert "Prepared: December 24, 2026" in text
    # the same case, options and date: the same bytes, whether from `letter` or `batch`
    for ext in ("pdf", "docx"):
        assert (tmp_path / "l" / f"{LETTER}.{ext}").read_bytes() == (tmp_path / "b" / f"{LETTER}.{ext}").read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["letter", "checklist"])
def test_a_fixed_date_gives_byte_identical_files(kind: str, tmp_path: Path, clock: list[dt.date]) -> None:
    for n, today in enumerate((dt.date(2026, 12, 24), dt.date(2027, 1, 5))):
        clock[0] = today  # a day later, the same --date still gives the same bytes
        assert invoke(kind, str(READY_TMS), "-o", str(tmp_path / str(n)), "--date", "2026-11-30")[0] == 0
    names = sorted(p.name for p in (tmp_path / "0").iterdir())
    assert names == [f"DEMO-1001_cigna_tms_{kind}.docx", f"DEMO-1001_cigna_tms_{kind}.pdf"]
    for name in names:
        assert (tmp_path / "0" / name).read_bytes() == (tmp_path / "1" / name).read_bytes()


def test_look_back_windows_stay_measured_from_the_request_date(tmp_path: Path) -> None:
    assert invoke("letter", str(READY_TMS), "-o", str(tmp_path / "a"), "--format", "pdf", "--date", "2026-11-18")[0] == 0
    assert invoke("letter", str(READY_TMS), "-o", str(tmp_path / "b"), "--format", "pdf", "--date", "2027-06-01")[0] == 0
    early = " ".join(pdf_pages(tmp_path / "a" / f"{LETTER}.pdf"))
    late = " ".join(pdf_pages(tmp_path / "b" / f"{LETTER}.pdf"))
    # trial lengths, ages and "within 30 days" are the same: only the date changes
    assert late.replace("June 1, 2027", "November 18, 2026").replace("2027-06-01", "2026-11-18") == early


def test_an_appeal_dated_before_the_denial_is_refused(tmp_path: Path, clock: list[dt.date]) -> None:
    args = ("letter", str(READY_TMS), "-o", str(tmp_path), "--template", "letter-appeal", "--denial-reference", "PA-1", "--denial-date", "2026-11-25")
    code, stdout, err = invoke(*args, "--date", "2026-11-20")
    assert (code, stdout) == (2, "")
    assert err == (
        "error: the letter would be dated 2026-11-20, before the denial it answers (--denial-date 2026-11-25)\n"
        "  hint: an appeal is written after the denial: give --date on or after the denial date (default: today)\n"
    )
    clock[0] = dt.date(2026, 11, 24)  # today, a day before the denial: the denial date is a typo
    code, _, err = invoke(*args)
    assert (code, err) == (2, "error: --denial-date 2026-11-25 is in the future (today is 2026-11-24)\n  hint: give the date printed on the payer's denial letter\n")
    assert list(tmp_path.iterdir()) == []
    clock[0] = dt.date(2026, 12, 24)
    code, _, err = invoke(*args, "--date", "2026-11-25", "--format", "pdf")  # the day of the denial is fine
    assert code == 0, err
    text = " ".join(pdf_pages(tmp_path / "DEMO-1001_cigna_tms_appeal.pdf"))
    assert "Date of denial: November 25, 2026" in text and "denial of Transcranial magnetic stimulation (TMS) dated November 25, 2026 (reference PA-1)" in text
    assert "Date: November 25, 2026" in text  # the signature: the day written, never the request date
    assert "November 18, 2026" not in text


def test_a_denial_before_the_request_is_refused(tmp_path: Path, clock: list[dt.date]) -> None:
    code, stdout, err = invoke("letter", str(READY_TMS), "-o", str(tmp_path), "--template", "letter-appeal", "--denial-reference", "PA-1", "--denial-date", "2026-11-17")
    assert (code, stdout) == (2, "")
    assert err == (
        "error: --denial-date 2026-11-17 is before the case's request date (request.date): a denial cannot come before the request it decides\n"
        "  hint: check the date on the payer's denial letter, or correct request.date in the case\n"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_letter_dated_before_its_request_is_refused_but_a_checklist_is_not(tmp_path: Path) -> None:
    code, stdout, err = invoke("letter", str(READY_TMS), "-o", str(tmp_path / "l"), "--date", "2026-11-17")
    assert (code, stdout) == (2, "")
    assert err == (
        "error: --date is before the case's request date (request.date): a letter cannot be dated before the request it supports\n"
        "  hint: date the letter on or after the request date, or correct request.date in the case\n"
    )
    assert not (tmp_path / "l").exists()
    # a checklist prepares the request, so it may come first
    assert invoke("checklist", str(READY_TMS), "-o", str(tmp_path / "c"), "--date", "2026-11-10")[0] == 0
    for text in texts(tmp_path / "c", "DEMO-1001_cigna_tms_checklist"):
        assert "Prepared: November 10, 2026" in text


def test_batch_refuses_the_letter_of_a_case_dated_before_its_request(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, _, _ = invoke("batch", str(READY_TMS), str(INCOMPLETE), "-o", str(out), "--letters", "pdf", "--jobs", "1", "--date", "2026-11-17")
    assert code == 2
    rows = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert rows[0]["status"] == "error" and rows[0]["files"] == []
    assert rows[0]["error"].startswith(f"{READY_TMS}: --date is before the case's request date (request.date)")
    assert rows[1]["status"] == "incomplete"  # no letter asked of it, so no date to refuse
    assert sorted(p.name for p in out.iterdir()) == ["summary.csv", "summary.json"]


@pytest.mark.parametrize("command", [["letter"], ["checklist"], ["batch", "--letters", "pdf"]])
@pytest.mark.parametrize("value", ["2026-02-30", "12/01/2026", "tomorrow"])
def test_a_date_that_is_not_a_date_is_refused(command: list[str], value: str, tmp_path: Path) -> None:
    code, stdout, err = invoke(command[0], str(READY_TMS), *command[1:], "-o", str(tmp_path / "out"), "--date", value)
    assert (code, stdout) == (2, "")
    assert err.splitlines()[-1] == "Error: Invalid value for '--date': must be a date written YYYY-MM-DD, such as 2026-11-18"
    assert not (tmp_path / "out").exists()
