"""Issue 12: the appeal (denial, level, expedited, answers, deadline), the continuation
(authorization, units, course, scores) and the checklist as a worklist; the words in both
the PDF and the DOCX."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.helpers import ROOT, SAMPLES, invoke
from tests.letters.test_letters import docx_text, pdf_pages

READY_TMS = SAMPLES / "cigna-tms-ready.yaml"  # request.date 2026-11-18
INCOMPLETE = SAMPLES / "medicare-tms-incomplete.yaml"
REASON = 'Not medically necessary: < 2 adequate trials * per "3.b" | see policy'


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("priorauth.cli.options.today", lambda: dt.date(2026, 12, 24))


def both(folder: Path, stem: str) -> list[str]:
    return [" ".join(pdf_pages(folder / f"{stem}.pdf")), docx_text(folder / f"{stem}.docx")]


def appeal(tmp_path: Path, *extra: str) -> tuple[int, str]:
    code, _, err = invoke("letter", str(READY_TMS), "-o", str(tmp_path), "--template", "letter-appeal", "--date", "2026-12-01", *extra)
    return code, err


def test_an_appeal_without_its_denial_reference_or_date_is_refused(tmp_path: Path, clock: None) -> None:
    assert appeal(tmp_path, "--denial-date", "2026-11-25") == (
        2,
        "error: an appeal needs the denial's reference number: --denial-reference is missing\n"
        "  hint: give --denial-reference REF as printed on the payer's denial letter, or --request ID --db FILE for a request whose denial the queue recorded with --reference\n",
    )
    assert appeal(tmp_path, "--denial-reference", "PA-1") == (
        2,
        "error: an appeal needs the date of the denial: --denial-date is missing\n"
        "  hint: give --denial-date YYYY-MM-DD from the payer's denial letter, or --request ID --db FILE for a request whose denial the queue recorded\n",
    )
    assert list(tmp_path.iterdir()) == []


def test_the_appeal_answers_the_quoted_denial_criterion_by_criterion(tmp_path: Path, clock: None) -> None:
    code, err = appeal(tmp_path, "--denial-reference", "PA-77|1", "--denial-date", "2026-11-25", "--denial-reason", REASON, "--level", "second", "--expedited")
    assert code == 0, err
    for text in both(tmp_path, "DEMO-1001_cigna_tms_appeal"):
        assert "To: Cigna Healthcare, Appeals Department" in text
        assert "Utilization Management" not in text
        assert "Appeal level: Second-level internal appeal" in text
        assert "Expedited: yes: a decision within 72 hours is requested" in text
        assert "Denial reference: PA-77|1" in text and "Date of denial: November 25, 2026" in text
        assert f'The denial states: "{REASON}"' in text  # exactly as typed
        assert "Failed antidepressant trials. The records document 3 adequate antidepressant trials without sufficient response: sertraline (Zoloft) up to 200 mg a day for 11 weeks, inadequate response;" in text
        assert "Unipolar depression (no bipolar disorder). Screening documents no bipolar disorder." in text
        assert "Validated scale at baseline. PHQ-9 score 23 on November 10, 2026, on a validated depression scale." in text
        assert "Sessions requested. 36 sessions are requested, within the policy's limit of 36." in text
        assert "I request a peer-to-peer review" in text
        assert "The usual deadline for an internal appeal is 180 days from the denial, May 24, 2027; this is the usual deadline, not one stated by Cigna Healthcare" in text
        assert "December 1, 2026" in text and "November 18, 2026" not in text  # dated the day written
        for rule_speak in ("clinical.", "(documented:", ">=", "required from", "request.sessions"):
            assert rule_speak not in text, rule_speak


def test_external_review_and_a_deadline_the_rule_set_knows(tmp_path: Path, clock: None) -> None:
    rules = tmp_path / "rules" / "cigna"
    rules.mkdir(parents=True)
    text = (ROOT / "payer_rules" / "cigna" / "tms.yaml").read_text(encoding="utf-8")
    (rules / "tms.yaml").write_text(text.replace("\ncriteria:\n", "\nsubmission:\n  appeal_days: 60\ncriteria:\n", 1), encoding="utf-8")
    out = tmp_path / "out"
    code, err = appeal(out, "--denial-reference", "PA-1", "--denial-date", "2026-11-25", "--rules-dir", str(tmp_path / "rules"))
    assert code == 0, err
    for text in both(out, "DEMO-1001_cigna_tms_appeal"):
        assert "Cigna Healthcare allows 60 days from the denial for an internal appeal: this appeal is due by January 24, 2027." in text
        assert "Expedited: no (standard review)" in text
        assert "The reason given for the denial is stated in the enclosed denial letter." in text
    code, err = appeal(out, "--denial-reference", "PA-1", "--denial-date", "2026-11-25", "--level", "external", "--force")
    assert code == 0, err
    for text in both(out, "DEMO-1001_cigna_tms_appeal"):
        assert "To: Cigna Healthcare, Appeals and External Review" in text
        assert "Appeal level: External review by an independent review organization" in text
        assert "External review is requested within the time the final internal denial letter states." in text


def continuation_case(folder: Path) -> Path:
    text = READY_TMS.read_text(encoding="utf-8").replace("  kind: initial", "  kind: continuation")
    text = text.replace("documents:\n", "prior_courses:\n  - treatment: tms\n    start: 2026-09-01\n    sessions: 30\ndocuments:\n  - kind: prior_course_records\n    date: 2026-11-15\n", 1)
    text = text.replace("assessments:\n", "assessments:\n  - instrument: PHQ-9\n    score: 24\n    date: 2026-08-25\n", 1)
    text = text.replace("    score: 23\n    date: 2026-11-10", "    score: 9\n    date: 2026-11-10")
    path = folder / "continuation.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_continuation_gives_the_authorization_units_course_and_response(tmp_path: Path) -> None:
    case = continuation_case(tmp_path)
    args = ("letter", str(case), "-o", str(tmp_path / "out"), "--date", "2026-12-01", "--auth-number", "A-778|2", "--units-approved", "36", "--units-used", "30", "--plan", "taper")
    code, _, err = invoke(*args)
    assert code == 0, err
    for text in both(tmp_path / "out", "DEMO-1001_cigna_tms_continuation"):
        assert "Original authorization: A-778|2" in text
        assert "Units approved: 36" in text and "Units used: 30 (6 left)" in text
        assert "Course dates: since September 1, 2026 (ongoing)" in text
        assert "Baseline: PHQ-9 24 on August 25, 2026" in text  # the last score before the course
        assert "Current: PHQ-9 9 on November 10, 2026" in text  # the latest
        assert "Improvement: 62%" in text
        assert "Taper Transcranial magnetic stimulation (TMS) over 36 sessions, spacing the treatments out to hold the response." in text
    code, _, err = invoke(*args[:-2], "--units-used", "37", "--force")
    assert (code, err) == (2, "error: --units-used is more than --units-approved\n  hint: check both numbers on the payer's approval letter and your treatment log\n")


def test_the_checklist_is_a_worklist(tmp_path: Path) -> None:
    code, _, err = invoke("checklist", str(INCOMPLETE), "-o", str(tmp_path), "--date", "2026-12-01")
    assert code == 0, err
    pdf, docx = both(tmp_path, "DEMO-1003_medicare_tms_checklist")
    for text in (pdf, docx):
        assert "☑" not in text  # nothing is pre-ticked
        assert "Owner" in text and "Date" in text
        assert "Record the seizure-history screening answer" in text
        assert "Record the neurological-condition screening answer" in text
        assert "Record the number of sessions requested (at most 30)" in text
        assert "Documentation summary of medical necessity (priorauth letter), signed by the prescriber" in text
        assert text.count("Psychiatric evaluation within 90 days") == 1  # each document once
        for rule_speak in ("clinical.", "(true or false)", "request.sessions", "kind:"):
            assert rule_speak not in text, rule_speak
    assert "☐ | Record the seizure-history screening answer | | " in docx  # owner and date blank to fill
    assert "Submit to: no prior authorization step" in pdf


def test_the_checklist_names_the_submission_channel_only_when_the_rule_set_knows_it(tmp_path: Path) -> None:
    code, _, err = invoke("checklist", str(READY_TMS), "-o", str(tmp_path / "a"), "--date", "2026-12-01")
    assert code == 0, err
    for text in both(tmp_path / "a", "DEMO-1001_cigna_tms_checklist"):
        assert "Submit to: payer fax/portal: look up on the payer's site" in text
        assert "Cigna Healthcare prior authorization request form" in text
        assert "Letter of medical necessity (priorauth letter), signed by the prescriber" in text
        assert "Nothing is missing" in text
    rules = tmp_path / "rules" / "cigna"
    rules.mkdir(parents=True)
    text = (ROOT / "payer_rules" / "cigna" / "tms.yaml").read_text(encoding="utf-8")
    (rules / "tms.yaml").write_text(text.replace("\ncriteria:\n", "\nsubmission:\n  fax: 1-800-555-0100\n  portal: https://provider.example/pa\ncriteria:\n", 1), encoding="utf-8")
    code, _, err = invoke("checklist", str(READY_TMS), "-o", str(tmp_path / "b"), "--date", "2026-12-01", "--rules-dir", str(tmp_path / "rules"))
    assert code == 0, err
    for text in both(tmp_path / "b", "DEMO-1001_cigna_tms_checklist"):
        assert "Submit to: fax 1-800-555-0100; portal https://provider.example/pa" in text
        assert "look up on the payer's site" not in text


@pytest.mark.parametrize(
    ("step", "words"),
    [
        ("Document clinical.bipolar_disorder (true or false) from the screening", "Document the bipolar disorder screening answer"),
        ("Document request.sessions (at most 36)", "Document the number of sessions requested (at most 36)"),
        ("File the psychotherapy notes dated within 365 days (documents, kind: psychotherapy_notes)", "File the psychotherapy notes dated within 365 days"),
        (
            "Document 1 more failed augmentation trial (lithium, >= 8 weeks), with role: augmentation",
            "Document 1 more failed augmentation trial (lithium, at least 8 weeks), recorded as augmentation",
        ),
        ("Record a current score (PHQ-9 > 19) dated within 30 days of the request", "Record a current score (PHQ-9 more than 19) dated within 30 days of the request"),
        ("Document the adherence during medications[0]", "Document the adherence during medications[0]"),  # a pointer may stay
    ],
)
def test_plain_takes_out_field_paths_and_rule_syntax(step: str, words: str) -> None:
    from priorauth.letters.plain import plain

    assert plain(step) == words


def test_a_spravato_appeal_and_a_draft_appeal_with_open_points(tmp_path: Path, clock: None) -> None:
    denial = ("--template", "letter-appeal", "--denial-reference", "X-9", "--denial-date", "2026-11-25", "--date", "2026-12-01")
    code, _, err = invoke("letter", str(SAMPLES / "cigna-spravato-ready.yaml"), "-o", str(tmp_path), *denial)
    assert code == 0, err
    for text in both(tmp_path, "DEMO-2001_cigna_spravato_appeal"):
        assert "Spravato REMS. The treatment setting is certified under the Spravato REMS and the patient is enrolled in the Spravato REMS." in text
        assert "Prescriber. The prescriber, Anika Patel, MD, is a psychiatrist." in text
        assert "PDMP reviewed. The state prescription drug monitoring program was reviewed before prescribing." in text
    code, _, err = invoke("letter", str(INCOMPLETE), "-o", str(tmp_path), "--draft", *denial)
    assert code == 0, err
    for text in both(tmp_path, "DEMO-1003_medicare_tms_appeal-draft"):
        assert "Still to be documented before this appeal is sent:" in text
        assert "No history of seizures. Record the seizure-history screening answer." in text


def test_the_running_header_of_a_continuation_names_the_original_authorization(tmp_path: Path) -> None:
    from docx import Document

    case = continuation_case(tmp_path)
    code, _, err = invoke("letter", str(case), "-o", str(tmp_path / "out"), "--date", "2026-12-01", "--auth-number", "0123-B", "--units-approved", "36", "--units-used", "30")
    assert code == 0, err
    pages = pdf_pages(tmp_path / "out" / "DEMO-1001_cigna_tms_continuation.pdf")
    assert len(pages) > 1 and all("Patient ID DEMO-1001 · Original auth. no. 0123-B" in page for page in pages)  # every page
    header = " ".join(p.text for s in Document(str(tmp_path / "out" / "DEMO-1001_cigna_tms_continuation.docx")).sections for p in s.header.paragraphs)
    assert "Patient ID DEMO-1001 · Original auth. no. 0123-B" in header
    # an initial letter, even given an authorization, and a continuation without its number keep the plain reference
    code, _, err = invoke("letter", str(READY_TMS), "-o", str(tmp_path / "initial"), "--date", "2026-12-01", "--auth-number", "0123-B")
    assert code == 0, err
    assert "auth. no." not in " ".join(both(tmp_path / "initial", "DEMO-1001_cigna_tms_letter"))
    code, _, err = invoke("letter", str(case), "-o", str(tmp_path / "none"), "--date", "2026-12-01")
    assert code == 0, err
    assert "auth. no." not in " ".join(both(tmp_path / "none", "DEMO-1001_cigna_tms_continuation"))
