"""Letters and checklists: the words inside the DOCX and the PDF, refusal, drafts, files."""

from __future__ import annotations

import stat
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader

from tests.helpers import SAMPLES, invoke

READY_TMS = SAMPLES / "cigna-tms-ready.yaml"
READY_SPRAVATO = SAMPLES / "cigna-spravato-ready.yaml"
INCOMPLETE = SAMPLES / "medicare-tms-incomplete.yaml"


def pdf_pages(path: Path) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(path).pages]


def docx_text(path: Path) -> str:
    d = docx.Document(str(path))
    parts = [p.text for p in d.paragraphs]
    for table in d.tables:
        for row in table.rows:
            parts.append(" | ".join(cell.text for cell in row.cells))
    for section in d.sections:
        parts += [p.text for p in section.header.paragraphs] + [p.text for p in section.footer.paragraphs]
    return " ".join(" ".join(parts).split())


@pytest.fixture(scope="module")
def tms_letter(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tms")
    code, stdout, _ = invoke("letter", str(READY_TMS), "-o", str(out), "--date", "2026-11-25")
    assert code == 0
    assert stdout.splitlines() == [f"wrote {out}/DEMO-1001_cigna_tms_letter.pdf", f"wrote {out}/DEMO-1001_cigna_tms_letter.docx"]
    return out


LETTER_FACTS = [
    "Letter of Medical Necessity",
    "November 25, 2026",  # --date: the letter's date line and its signature
    "Cigna Healthcare",
    "Open Access Plus",
    "U0000000001",
    "José Muñoz-Ñúñez",
    "April 2, 1981",
    "F33.2 Major depressive disorder, recurrent severe without psychotic features",
    "90867",
    "Transcranial magnetic stimulation (TMS)",
    "36 (standard rTMS)",
    "EN0383",
    "effective March 15, 2026",
    "sertraline (Zoloft)",
    "SSRI",
    "200 mg/day",
    "aripiprazole, augmentation (second-generation antipsychotic)",
    "Cognitive behavioral therapy (CBT)",
    "PHQ-9",
    "History of seizures: none",
    "Failed antidepressant trials.",
    "Anika Patel, MD",
    "NPI: 1234567893",
    "Lakeside Behavioral Health",
]


def test_pdf_letter_states_the_history_and_cites_the_policy(tms_letter: Path) -> None:
    pages = pdf_pages(tms_letter / "DEMO-1001_cigna_tms_letter.pdf")
    text = " ".join(pages)
    for fact in LETTER_FACTS:
        assert fact in text, fact
    assert "Mr. Muñoz-Ñúñez has had 3 adequate antidepressant trials without sufficient benefit, from 3 different classes (NDRI, SNRI, SSRI)" in text
    assert "sertraline (Zoloft) up to 200 mg a day from June 15, 2025 to September 1, 2025 (11 weeks): inadequate response" in text
    for n, page in enumerate(pages, 1):
        assert f"Page {n} of {len(pages)}" in page
        assert "Patient ID DEMO-1001 · Cigna Healthcare EN0383 (effective 2026-03-15)" in page
        assert "rule set cigna/tms effective 2026-03-15" in page
        assert "DRAFT" not in page


def test_docx_letter_has_the_same_words(tms_letter: Path) -> None:
    text = docx_text(tms_letter / "DEMO-1001_cigna_tms_letter.docx")
    for fact in LETTER_FACTS:
        assert fact.replace("NPI: ", "NPI") in text.replace("NPI: ", "NPI"), fact
    d = docx.Document(str(tms_letter / "DEMO-1001_cigna_tms_letter.docx"))
    assert d.core_properties.title == "Letter of medical necessity: Transcranial magnetic stimulation (TMS)"
    assert "rule-set=cigna/tms" in d.core_properties.keywords


def test_audit_trail_in_metadata(tms_letter: Path) -> None:
    import hashlib

    digest = hashlib.sha256(READY_TMS.read_bytes()).hexdigest()
    meta = PdfReader(tms_letter / "DEMO-1001_cigna_tms_letter.pdf").metadata
    assert meta is not None
    assert f"case-sha256={digest}" in (meta.get("/Keywords") or "")
    assert f"case SHA-256 {digest}" in pdf_pages(tms_letter / "DEMO-1001_cigna_tms_letter.pdf")[0].replace(" ", "").replace("caseSHA-256", "case SHA-256 ")


def test_files_are_owner_only_and_not_overwritten(tms_letter: Path) -> None:
    for path in tms_letter.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    before = (tms_letter / "DEMO-1001_cigna_tms_letter.pdf").read_bytes()
    code, _, err = invoke("letter", str(READY_TMS), "-o", str(tms_letter))
    assert code == 2
    assert err.startswith(f"error: {tms_letter}/DEMO-1001_cigna_tms_letter.pdf already exists")
    assert "--force" in err
    code, _, _ = invoke("letter", str(READY_TMS), "-o", str(tms_letter), "--force", "--date", "2026-11-25")
    assert code == 0
    assert (tms_letter / "DEMO-1001_cigna_tms_letter.pdf").read_bytes() == before  # deterministic


@pytest.mark.slow
def test_byte_identical_output(tmp_path: Path) -> None:
    for n in (1, 2):
        assert invoke("letter", str(READY_SPRAVATO), "-o", str(tmp_path / str(n)))[0] == 0
    for name in ("DEMO-2001_cigna_spravato_letter.pdf", "DEMO-2001_cigna_spravato_letter.docx"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()


def test_spravato_letter(tmp_path: Path) -> None:
    assert invoke("letter", str(READY_SPRAVATO), "-o", str(tmp_path), "--format", "pdf")[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["DEMO-2001_cigna_spravato_letter.pdf"]
    text = " ".join(pdf_pages(tmp_path / "DEMO-2001_cigna_spravato_letter.pdf"))
    for fact in ["Spravato (esketamine) nasal spray", "treatment-resistant depression (TRD)", "J0013", "certified under the Spravato REMS", "Devices requested: 16", "Psychiatry - Spravato", "escitalopram", "duloxetine (Cymbalta)", "MADRS"]:
        assert fact in text, fact
    assert "approval period" not in text  # a billing note, not the prescriber's words


def test_not_ready_letter_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, err = invoke("letter", str(INCOMPLETE), "-o", str(out))
    assert code == 1
    assert stdout == ""
    assert err.splitlines()[:3] == [
        "error: the case is not ready for a letter of medical necessity; nothing was written",
        "medicare/tms (LCD L34998): incomplete",
        "  - Document clinical.seizure_history (true or false) from the screening",
    ]
    assert not out.exists()


def test_draft_is_watermarked_on_every_page_and_lists_gaps(tmp_path: Path) -> None:
    code, _, _ = invoke("letter", str(INCOMPLETE), "-o", str(tmp_path), "--draft")
    assert code == 0
    pages = pdf_pages(tmp_path / "DEMO-1003_medicare_tms_letter-draft.pdf")
    assert len(pages) >= 2
    assert all("DRAFT" in page for page in pages)
    assert "DRAFT: not ready to send" in pages[0]
    assert "Record the screening answer for history of seizures" in pages[0]
    text = docx_text(tmp_path / "DEMO-1003_medicare_tms_letter-draft.docx")
    assert "DRAFT" in text and "Record the number of sessions requested" in text


def test_checklist_is_always_allowed(tmp_path: Path) -> None:
    code, _, _ = invoke("checklist", str(INCOMPLETE), "-o", str(tmp_path))
    assert code == 0
    text = " ".join(pdf_pages(tmp_path / "DEMO-1003_medicare_tms_checklist.pdf"))
    # Original Medicare has no prior-authorization step: the checklist is for the chart
    assert "Documentation Checklist" in text and "Prior Authorization Checklist" not in text
    assert "Status: INCOMPLETE" in text
    assert "☐ Record the seizure-history screening answer" in text
    assert "No history of seizures: not yet documented." in text
    assert "Validated depression scale within 30 days too old: the newest is dated 2026-08-01; needs one within 30 days" in text
    assert "Psychiatric evaluation within 90 days on file, dated 2026-10-20" in text
    dtext = docx_text(tmp_path / "DEMO-1003_medicare_tms_checklist.docx")
    assert "☐ | Validated depression scale within 30 days | too old: the newest is dated 2026-08-01; needs one within 30 days | | " in dtext


def test_continuation_and_appeal_templates(tmp_path: Path) -> None:
    case = tmp_path / "cont.yaml"
    text = READY_TMS.read_text().replace("  kind: initial", "  kind: continuation").replace("documents:\n", "prior_courses:\n  - treatment: tms\n    start: 2026-03-01\n    end: 2026-04-15\n    sessions: 36\n    instrument: PHQ-9\n    baseline_score: 24\n    final_score: 8\ndocuments:\n  - kind: prior_course_records\n    date: 2026-04-20\n")
    case.write_text(text)
    code, _, err = invoke("letter", str(case), "-o", str(tmp_path), "--format", "pdf")
    assert code == 0, err
    cont = " ".join(pdf_pages(tmp_path / "DEMO-1001_cigna_tms_continuation.pdf"))
    assert "Continuation of Treatment" in cont and "Course dates: March 1, 2026 to April 15, 2026" in cont
    code, _, err = invoke("letter", str(READY_TMS), "-o", str(tmp_path), "--format", "pdf", "--template", "letter-appeal", "--denial-ref", "PA-77|1", "--denial-date", "2026-11-01")
    assert code == 2 and "--denial-date 2026-11-01 is before the case's request date" in err
    code, _, err = invoke("letter", str(READY_TMS), "-o", str(tmp_path), "--format", "pdf", "--template", "letter-appeal", "--denial-ref", "PA-77|1", "--denial-date", "2026-11-21")
    assert code == 0, err
    appeal = " ".join(pdf_pages(tmp_path / "DEMO-1001_cigna_tms_appeal.pdf"))
    assert "Appeal of Denial" in appeal and "PA-77|1" in appeal and "November 21, 2026" in appeal


def fill_in(profile: Path) -> None:
    """What a clinic does after `priorauth init`: every placeholder replaced."""
    text = profile.read_text(encoding="utf-8")
    for placeholder, value in {
        '"REPLACE: practice name"': "Harbor Mind Clinic",
        '"REPLACE: street address"': "1 Pier Street",
        '"REPLACE: city, state and ZIP code"': "Portland, ME 04101",
        '"REPLACE: phone number"': "555-010-3000",
        '"REPLACE: fax number"': "555-010-3001",
        '"REPLACE: prescriber\'s name and degree"': "Anika Patel, MD",
        '"REPLACE: credential line, such as board certification (or delete the line)"': "Board-certified psychiatrist",
        '"REPLACE: prescriber NPI (10 digits)"': '"1234567893"',
    }.items():
        assert placeholder in text, placeholder
        text = text.replace(placeholder, value)
    profile.write_text(text, encoding="utf-8")


def test_clinic_profile_letterhead_and_init(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = invoke("init")
    assert code == 0 and out.startswith("wrote clinic.yaml")
    assert invoke("init")[0] == 2  # never overwritten without --force
    fill_in(Path("clinic.yaml"))
    code, _, err = invoke("letter", str(READY_TMS), "-o", "out", "--clinic", "clinic.yaml", "--format", "docx")
    assert code == 0, err
    assert "Harbor Mind Clinic" in docx_text(tmp_path / "out" / "DEMO-1001_cigna_tms_letter.docx")
    Path("bad.yaml").write_text("practice_nam: X\n")
    code, _, err = invoke("letter", str(READY_TMS), "-o", "out2", "--clinic", "bad.yaml")
    assert code == 2
    assert "bad.yaml:1: practice_nam: unknown key 'practice_nam' (did you mean 'practice_name'?)" in err
    assert not Path("out2").exists()


PLACEHOLDER_LINES = [
    "error: clinic.yaml: invalid clinic profile (8 problems)",
    "  clinic.yaml:6: practice_name: still holds the placeholder written by `priorauth init`",
    "  clinic.yaml:8: address[0]: still holds the placeholder written by `priorauth init`",
    "  clinic.yaml:9: address[1]: still holds the placeholder written by `priorauth init`",
    "  clinic.yaml:10: phone: still holds the placeholder written by `priorauth init`",
    "  clinic.yaml:11: fax: still holds the placeholder written by `priorauth init`",
    "  clinic.yaml:27: prescriber.name: still holds the placeholder written by `priorauth init`",
    "  clinic.yaml:29: prescriber.credentials[0]: still holds the placeholder written by `priorauth init`",
    "  clinic.yaml:30: prescriber.npi: still holds the placeholder written by `priorauth init`",
    "  hint: replace each REPLACE value with your practice's details, or delete the optional lines",
]


@pytest.mark.parametrize("command", [["letter"], ["checklist"], ["batch", "--letters", "pdf"]])
def test_a_profile_still_holding_placeholders_is_refused(command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke("init")[0] == 0
    code, stdout, err = invoke(*command[:1], str(READY_TMS), *command[1:], "-o", "out", "--clinic", "clinic.yaml")
    assert code == 2
    assert stdout == ""
    assert err.splitlines() == PLACEHOLDER_LINES
    assert "REPLACE:" not in err  # the message names lines and fields, not the values
    assert not Path("out").exists()


def test_one_placeholder_left_is_named_alone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    invoke("init")
    fill_in(Path("clinic.yaml"))
    Path("clinic.yaml").write_text(Path("clinic.yaml").read_text(encoding="utf-8").replace('# contact_name: "REPLACE', 'contact_name: "REPLACE'), encoding="utf-8")
    code, _, err = invoke("letter", str(READY_TMS), "-o", "out", "--clinic", "clinic.yaml")
    assert code == 2
    assert err.splitlines()[0] == "error: clinic.yaml:18: contact_name: still holds the placeholder written by `priorauth init`"


def test_init_writes_no_plausible_demo_values() -> None:
    from priorauth.clinic import CLINIC_TEMPLATE

    for demo in ("Lakeside", "Harbor", "555-", "Patel", "1234567893", "1588667638", "Jamie"):
        assert demo not in CLINIC_TEMPLATE, demo


def test_the_filled_in_example_profile_still_works(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "docs" / "clinic-example" / "clinic.yaml"
    code, _, err = invoke("letter", str(READY_TMS), "-o", str(tmp_path), "--clinic", str(example), "--format", "pdf")
    assert code == 0, err
    assert "Medical Director, TMS and Esketamine Services" in " ".join(pdf_pages(tmp_path / "DEMO-1001_cigna_tms_letter.pdf"))


def test_init_output_option_and_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke("init", "-o", "office.yaml")[:2] == (0, "wrote office.yaml: replace every REPLACE value with your practice's details, then pass it with --clinic office.yaml\n")
    assert invoke("init", "--output", "newdir/")[:2] == (0, "wrote newdir/clinic.yaml: replace every REPLACE value with your practice's details, then pass it with --clinic newdir/clinic.yaml\n")
    assert Path("newdir").is_dir() and Path("newdir/clinic.yaml").is_file()
    Path("existing").mkdir()
    assert invoke("init", "existing")[0] == 0  # the positional form still works, and a folder gets clinic.yaml
    assert Path("existing/clinic.yaml").is_file()
    code, _, err = invoke("init", "-o", "existing")
    assert code == 2
    assert err == "error: existing/clinic.yaml already exists\n  hint: use --force to overwrite it, or choose another output folder with -o\n"
    assert invoke("init", "-o", "existing", "--force")[0] == 0
    code, _, err = invoke("init", "a.yaml", "-o", "b.yaml")
    assert code == 2 and "give the file either as PATH or with -o/--output, not both" in err
    assert not Path("a.yaml").exists() and not Path("b.yaml").exists()
    assert stat.S_IMODE(Path("office.yaml").stat().st_mode) == 0o600


def test_crafted_patient_id_cannot_leave_the_output_folder(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text(READY_TMS.read_text().replace("id: DEMO-1001", "id: ../../etc/passwd"))
    out = tmp_path / "out"
    assert invoke("checklist", str(case), "-o", str(out), "--format", "pdf")[0] == 0
    assert [p.name for p in out.iterdir()] == ["etc-passwd_cigna_tms_checklist.pdf"]


def test_a_table_cell_longer_than_a_page_splits(tmp_path: Path) -> None:
    # a long side-effect note once failed the whole PDF with reportlab's LayoutError
    note = "akathisia and restlessness with insomnia " * 47
    case = tmp_path / "case.yaml"
    case.write_text(READY_TMS.read_text().replace("    reason: akathisia", f'    reason: "{note.strip()}"'))
    code, _, err = invoke("letter", str(case), "-o", str(tmp_path / "out"), "--format", "pdf")
    assert code == 0, err
    text = " ".join(pdf_pages(tmp_path / "out" / "DEMO-1001_cigna_tms_letter.pdf"))
    assert text.count("akathisia and restlessness") >= 40


def test_sample_clinic_profile_puts_logo_and_signature_in_both_formats(tmp_path: Path) -> None:
    clinic = SAMPLES.parent / "docs" / "clinic-example" / "clinic.yaml"
    code, _, err = invoke("letter", str(READY_TMS), "-o", str(tmp_path), "--clinic", str(clinic))
    assert code == 0, err
    reader = PdfReader(tmp_path / "DEMO-1001_cigna_tms_letter.pdf")
    images = sum(len(page.images) for page in reader.pages)
    assert images == 2  # the logo on the first page, the signature above the signature line
    text = " ".join(pdf_pages(tmp_path / "DEMO-1001_cigna_tms_letter.pdf"))
    assert "Medical Director, TMS and Esketamine Services" in text
    d = docx.Document(str(tmp_path / "DEMO-1001_cigna_tms_letter.docx"))
    assert len(d.inline_shapes) == 2


def test_a_scale_entered_only_in_assessments_is_enclosed_and_on_the_checklist(tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load(READY_TMS.read_text())
    data["documents"] = [d for d in data["documents"] if d["kind"] != "rating_scale"]
    case = tmp_path / "case.yaml"
    case.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    assert invoke("letter", str(case), "-o", str(tmp_path / "letter"), "--format", "docx")[0] == 0
    letter = docx_text(tmp_path / "letter" / "DEMO-1001_cigna_tms_letter.docx")
    assert "Enclosed records" in letter
    assert "Validated depression rating scale: the scored PHQ-9 (2026-11-10)" in letter
    assert invoke("checklist", str(case), "-o", str(tmp_path / "checklist"), "--format", "docx")[0] == 0
    checklist = docx_text(tmp_path / "checklist" / "DEMO-1001_cigna_tms_checklist.docx")
    assert "☐ | Validated depression scale within 30 days | on file: the scored PHQ-9, dated 2026-11-10 | | " in checklist
    assert checklist.count("Validated depression scale within 30 days") == 1  # each document once


def test_original_medicare_paperwork_is_a_documentation_summary(tmp_path: Path) -> None:
    # Original Medicare has no prior-authorization step: the letter must not address one
    code, _, _ = invoke("letter", str(INCOMPLETE), "-o", str(tmp_path), "--draft", "--date", "2026-12-01")
    assert code == 0
    text = docx_text(tmp_path / "DEMO-1003_medicare_tms_letter-draft.docx")
    assert "Documentation Summary of Medical Necessity" in text
    assert "For: The patient's chart: documentation summary for Medicare claim review (no prior authorization step)" in text
    assert "Medicare has no prior-authorization step for Transcranial magnetic stimulation (TMS): coverage is checked against LCD L34998 when the claim is reviewed." in text
    assert "Prior Authorization" not in text and "request prior authorization" not in text
