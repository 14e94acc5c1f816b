"""What a reviewer reads in a letter (../shared/reference/letters.md), in both the PDF and
the DOCX: signature rules, plain clinical sentences (no field paths, no rule syntax), the
identifiers, the providers with NPI and TIN, the patient named by title and family name,
severity bands, the request with units per code, and the payer's own facts (no prior
authorization for Original Medicare, nor for Cigna TMS in network since 2026-03-06)."""

from __future__ import annotations

import re
from pathlib import Path

import docx
import pytest
import yaml
from pypdf import PdfReader

from priorauth.api import check_case_sources
from priorauth.case import Case, load_case
from priorauth.letters.clinical import FIELD_PATH, RULE_SYNTAX
from priorauth.letters.context import build_context
from priorauth.letters.facts import document_facts
from priorauth.letters.render import environment, render_text
from priorauth.rules import Registry
from priorauth.vocabulary import severity_band
from tests.helpers import SAMPLES, invoke
from tests.letters.test_letters import docx_text, pdf_pages

ROOT = Path(__file__).resolve().parents[2]
CLINIC = ROOT / "docs" / "clinic-example" / "clinic.yaml"
READY_TMS = SAMPLES / "cigna-tms-ready.yaml"
READY_SPRAVATO = SAMPLES / "cigna-spravato-ready.yaml"
INCOMPLETE = SAMPLES / "medicare-tms-incomplete.yaml"
OKAFOR = ("Samuel Okafor, DO", "1245319599")


def both(folder: Path, stem: str) -> dict[str, str]:
    """The words of a letter's PDF and DOCX, by format."""
    return {"pdf": " ".join(pdf_pages(folder / f"{stem}.pdf")), "docx": docx_text(folder / f"{stem}.docx")}


def letter(tmp_path: Path, case: Path, *args: str, name: str = "out") -> Path:
    out = tmp_path / name
    code, _, err = invoke("letter", str(case), "-o", str(out), "--date", "2026-11-25", *args)
    assert code == 0, err
    return out


def edited(tmp_path: Path, source: Path, edit: dict[str, dict[str, object]], name: str = "case.yaml") -> Path:
    data = yaml.safe_load(source.read_text(encoding="utf-8"))
    for section, values in edit.items():
        data[section] = {**(data.get(section) or {}), **values}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def images(folder: Path, stem: str) -> tuple[int, int]:
    pdf = sum(len(page.images) for page in PdfReader(folder / f"{stem}.pdf").pages)
    return pdf, len(docx.Document(str(folder / f"{stem}.docx")).inline_shapes)


# ---- 1. signature --------------------------------------------------------------------------------


def test_the_signature_image_is_only_on_its_own_prescribers_final_letter(tmp_path: Path) -> None:
    stem = "DEMO-1001_cigna_tms_letter"
    own = letter(tmp_path, READY_TMS, "--clinic", str(CLINIC), name="own")
    assert images(own, stem) == (2, 2)  # the logo and Dr. Patel's signature
    other_case = edited(tmp_path, READY_TMS, {"prescriber": {"name": OKAFOR[0], "npi": OKAFOR[1]}})
    other = letter(tmp_path, other_case, "--clinic", str(CLINIC), name="other")
    assert images(other, stem) == (1, 1)  # the logo only: never Dr. Patel's signature on Dr. Okafor's letter
    for fmt, text in both(other, stem).items():
        assert "Samuel Okafor, DO" in text and "1245319599" in text, fmt
        assert "Medical Director, TMS and Esketamine Services" not in text, fmt  # Dr. Patel's credentials stay hers
        assert "November 25, 2026" in text, fmt
    draft = letter(tmp_path, READY_TMS, "--clinic", str(CLINIC), "--draft", name="draft")
    assert images(draft, stem + "-draft") == (1, 1)  # a draft is never signed


def test_the_signature_block_names_the_prescriber_credentials_npi_and_date(tmp_path: Path) -> None:
    out = letter(tmp_path, READY_TMS, "--clinic", str(CLINIC))
    for fmt, text in both(out, "DEMO-1001_cigna_tms_letter").items():
        block = text[text.index("Sincerely") :]
        for fact in ("Anika Patel, MD", "Board-certified psychiatrist", "1234567893", "November 25, 2026"):
            assert fact in block, (fmt, fact)


def test_a_profile_whose_signature_belongs_to_nobody_in_the_case_prints_none(tmp_path: Path) -> None:
    profile = tmp_path / "clinic.yaml"
    text = CLINIC.read_text(encoding="utf-8").replace('signature_npi: "1234567893"', f'signature_npi: "{OKAFOR[1]}"')
    profile.write_text(text, encoding="utf-8")
    for name in ("logo.png", "signature.png"):
        (tmp_path / name).write_bytes((CLINIC.parent / name).read_bytes())
    out = letter(tmp_path, READY_TMS, "--clinic", str(profile))
    assert images(out, "DEMO-1001_cigna_tms_letter") == (1, 1)


# ---- 2. no field paths or rule-speak -------------------------------------------------------------

FORBIDDEN = [
    "(documented:",
    "required from",
    "Met: ",
    "PDMP reviewed. PDMP reviewed",
    "approval period",
    "true or false",
    "56 or 84 mg",
    "continues alongside: yes",
]
EMAIL_OR_URL = re.compile(r"\S+@\S+|https?://\S+")


def people_words(text: str) -> list[str]:
    """Field paths and rule syntax left in text meant for people."""
    text = EMAIL_OR_URL.sub("", text.replace("\\", ""))
    found = FIELD_PATH.findall(text) + RULE_SYNTAX.findall(text)
    return found + [f for f in FORBIDDEN if f in text]


def _body(text: str) -> str:
    # the running footer carries the audit line (rule-set id "cigna/tms"), the layout's part
    return re.sub(r"dated \d{4}-\d{2}-\d{2} · priorauth .*?case SHA-256 [0-9a-f]{64}", "", text)


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.yaml")))
@pytest.mark.parametrize("profile", [False, True])
def test_no_field_paths_or_rule_syntax_in_any_sample_letter(sample: str, profile: bool, tmp_path: Path) -> None:
    args = ["--draft"] + (["--clinic", str(CLINIC)] if profile else [])
    out = letter(tmp_path, SAMPLES / sample, *args)
    stems = sorted({p.stem for p in out.iterdir()})
    assert stems
    for stem in stems:
        for fmt, text in both(out, stem).items():
            assert people_words(_body(text)) == [], (stem, fmt)


def _examples() -> list[Path]:
    return sorted((ROOT / "payer_rules").glob("*/examples/*.yaml"))


def test_no_field_paths_or_rule_syntax_in_the_letter_of_any_example_case() -> None:
    # the markup the templates write (the same words as the PDF and DOCX, far faster)
    registry = Registry(())
    env = environment(None)
    bad = {}
    examples = _examples()
    assert len(examples) > 100
    for path in examples:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        case = Case.model_validate(data["case"])
        payer, _, treatment = str(data["rule_set"]).partition("/")
        (source, report), = check_case_sources(case, registry, payer, treatment)
        ctx = build_context(case, report, source.rule_set, None, "0" * 64, draft=True)
        ctx.update(document_facts(case, report, source.rule_set, None, None))
        template = "letter-continuation" if case.request.kind == "continuation" else f"letter-{report.treatment}"
        found = people_words(render_text(env, template, ctx))
        if found:
            bad[path.name] = found
    assert bad == {}


# ---- 3. content per letters.md -------------------------------------------------------------------


def test_tms_letter_content_in_both_formats(tmp_path: Path) -> None:
    out = letter(tmp_path, edited(tmp_path, READY_TMS, {"coverage": {"network": "out_of_network"}}), "--clinic", str(CLINIC))
    for fmt, text in both(out, "DEMO-1001_cigna_tms_letter").items():
        for fact in [
            # providers with NPI and TIN, network status
            "Requesting provider: Anika Patel, MD, psychiatrist; NPI 1234567893; TIN 36-0000000",
            "Servicing provider: Lakeside Behavioral Health; NPI 1588667638; TIN 36-0000000; 12 Harbor Road, Springfield, IL 62701",
            "Network status: out of network",
            # the patient by title and family name, age and sex, illness and episode duration
            "Mr. Muñoz-Ñúñez is a 45-year-old man with major depressive disorder, recurrent severe without psychotic features (F33.2), diagnosed on March 1, 2019 (7 years before this request)",
            "The current depressive episode began on June 1, 2025 and has lasted 17 months.",
            "Current symptoms: depressed mood most of the day; loss of interest; insomnia; fatigue; psychomotor slowing.",
            "Effect on daily functioning: On medical leave",
            "Suicide risk assessment: passive suicidal ideation, without intent.",
            # history with drug names, dose, duration, adherence and why each stopped
            "sertraline (Zoloft) (SSRI)",
            "intolerance: akathisia",
            "inadequate response, 10% improvement, 95% adherence",
            # severity bands
            "severe depression",
            "very severe depression",
            # the request with units per code, frequency, dates, device
            "1 session",
            "35 sessions",
            "5 sessions a week over 8 weeks, from December 1, 2026 to January 25, 2027",
            "Device: NeuroStar Advanced Therapy System",
            # the policy met point by point
            "Mr. Muñoz-Ñúñez has had 3 adequate antidepressant trials without sufficient benefit, from 3 different classes (NDRI, SNRI, SSRI)",
            "The safety screening found no magnetic-sensitive metal",
            "The request is for 36 sessions, within the number the policy allows (36).",
            # enclosures with dates
            "TMS Adult Safety Screen (TASS) (2026-11-05)",
        ]:
            assert fact in text, (fmt, fact)
        assert "José meets" not in text and "José is" not in text, fmt


def test_spravato_letter_content_in_both_formats(tmp_path: Path) -> None:
    out = letter(tmp_path, READY_SPRAVATO, "--clinic", str(CLINIC))
    for fmt, text in both(out, "DEMO-2001_cigna_spravato_letter").items():
        for fact in [
            "REMS-certified site: Lakeside Behavioral Health, 12 Harbor Road, Springfield, IL 62701",
            "Ms. Rahman is a 36-year-old woman",
            "moderate depression",  # MADRS 34
            "G2082",
            "8 visits",
            "448 mg",
            "Dose per session: 56 mg; 8 sessions",
            "The oral antidepressant continues alongside: mirtazapine 30 mg a day.",
            "The state prescription drug monitoring program was reviewed on November 14, 2026",
        ]:
            assert fact in text, (fmt, fact)
        assert "Aisha meets" not in text, fmt


def test_points_of_a_retreatment_in_clinical_sentences() -> None:
    data = yaml.safe_load((ROOT / "payer_rules" / "aetna" / "examples" / "tms-ready-retreatment-improvement-held-exactly-2-months.yaml").read_text(encoding="utf-8"))
    case = Case.model_validate(data["case"])
    (source, report), = check_case_sources(case, Registry(()), "aetna", "tms")
    texts = {p["id"]: p["text"] for p in build_context(case, report, source.rule_set, None, "0" * 64)["points"]}
    assert "The safety screening found no neurological condition (stroke, dementia, raised intracranial pressure, CNS tumor)." in texts.values()
    assert "Mr. Hollis reports passive suicidal ideation, without intent." in texts.values()
    assert "A prior TMS course from May 4, 2026 to June 19, 2026 improved the PHQ-9 score from 24 to 12 (50% improvement); symptoms returned on August 19, 2026." in texts.values()


def test_a_drafts_gaps_are_tasks_for_people() -> None:
    case = load_case(INCOMPLETE)
    (source, report), = check_case_sources(case, Registry(()), None, None)
    assert report.next_steps[0] == "Document clinical.seizure_history (true or false) from the screening"  # the report's, for staff
    assert build_context(case, report, source.rule_set, None, "0" * 64, draft=True)["letter"]["gaps"] == [
        "Record the screening answer for history of seizures",
        "Record the screening answer for neurological condition (stroke, dementia, raised intracranial pressure, CNS tumor)",
        "Record the number of sessions requested",
        "Update the validated depression rating scale: the newest on file (2026-08-01) is older than 30 days",
    ]


def test_identifiers_for_every_page_are_in_the_context() -> None:
    case = load_case(READY_TMS)
    (source, report), = check_case_sources(case, Registry(()), None, None)
    ctx = build_context(case, report, source.rule_set, None, "0" * 64)
    assert ctx["identifiers"] == {"name": "José Muñoz-Ñúñez", "birth_date": "1981-04-02", "member_id": "U0000000001", "reference": "DEMO-1001"}


def test_the_addressee_takes_fax_and_portal_from_the_rule_sets_submission(tmp_path: Path) -> None:
    rules = tmp_path / "rules" / "cigna"
    rules.mkdir(parents=True)
    text = (ROOT / "payer_rules" / "cigna" / "tms.yaml").read_text(encoding="utf-8")
    text = text.replace("codes:\n", 'submission:\n  fax: "1-800-555-0100"\n  portal: Evernorth provider portal\n  source: "a test form, 2026-12-01"\ncodes:\n', 1)
    (rules / "tms.yaml").write_text(text, encoding="utf-8")
    out = letter(tmp_path, READY_TMS, "--rules-dir", str(tmp_path / "rules"))
    for fmt, text in both(out, "DEMO-1001_cigna_tms_letter").items():
        assert "To: Cigna Healthcare, Utilization Management (prior authorization)" in text, fmt
        assert "Fax: 1-800-555-0100" in text and "Portal: Evernorth provider portal" in text, fmt


@pytest.mark.parametrize(
    ("instrument", "score", "band"),
    [("PHQ-9", 4, None), ("PHQ-9", 5, "mild depression"), ("PHQ-9", 14, "moderate depression"), ("PHQ-9", 15, "moderately severe depression"), ("PHQ-9", 20, "severe depression"),
     ("HAM-D17", 7, None), ("HAM-D17", 8, "mild depression"), ("HAM-D17", 18, "moderate depression"), ("HAM-D17", 22, "severe depression"), ("HAM-D17", 23, "very severe depression"),
     ("MADRS", 6, None), ("MADRS", 7, "mild depression"), ("MADRS", 34, "moderate depression"), ("MADRS", 35, "severe depression"), ("GDS", 12, None)],
)
def test_severity_bands(instrument: str, score: float, band: str | None) -> None:
    assert severity_band(instrument, score) == band


# ---- 4. payer facts ------------------------------------------------------------------------------


def test_cigna_tms_in_network_since_march_2026_is_a_documentation_summary(tmp_path: Path) -> None:
    case = edited(tmp_path, READY_TMS, {"coverage": {"network": "in_network"}})
    out = letter(tmp_path, case)
    for fmt, words in both(out, "DEMO-1001_cigna_tms_letter").items():
        text = words.replace("in- network", "in-network")  # a line may break after a word's hyphen
        assert "Documentation Summary of Medical Necessity" in text, fmt
        assert "Cigna Healthcare has required no prior authorization for Transcranial magnetic stimulation (TMS) from in-network providers since March 6, 2026" in text, fmt
        assert "request prior authorization" not in text and "Utilization Management" not in text, fmt


def test_cigna_tms_out_of_network_says_why_it_is_still_a_request(tmp_path: Path) -> None:
    out = letter(tmp_path, edited(tmp_path, READY_TMS, {"coverage": {"network": "out_of_network"}}))
    for fmt, text in both(out, "DEMO-1001_cigna_tms_letter").items():
        assert "Letter of Medical Necessity" in text, fmt
        assert "The treating provider is out of network, so prior authorization is requested." in text, fmt


def test_cigna_tms_before_the_waiver_is_a_plain_request(tmp_path: Path) -> None:
    data = yaml.safe_load(READY_TMS.read_text(encoding="utf-8"))
    data["coverage"]["network"] = "in_network"
    case = Case.model_validate(data).model_copy()
    case = case.model_copy(update={"request": case.request.model_copy(update={"date": __import__("datetime").date(2026, 3, 5)})})
    (source, report), = check_case_sources(case, Registry(()), None, None)
    ctx = build_context(case, report, source.rule_set, None, "0" * 64)
    assert ctx["policy"]["prior_authorization"] is True and ctx["policy"]["waiver"] is None


def test_medicare_is_never_addressed_to_a_prior_authorization_department(tmp_path: Path) -> None:
    out = letter(tmp_path, INCOMPLETE, "--draft")
    for fmt, text in both(out, "DEMO-1003_medicare_tms_letter-draft").items():
        assert "Documentation Summary of Medical Necessity" in text, fmt
        assert "Utilization Management" not in text and "request prior authorization" not in text, fmt
        assert "Servicing provider: Samuel Okafor, DO; NPI 1245319599" in text, fmt  # no facility, no profile


@pytest.mark.parametrize(
    ("example", "said"),
    [
        ("medicare-noridian/examples/tms-ready-initial-two-classes.yaml", "Medicare (Noridian) has no prior-authorization step for Transcranial magnetic stimulation (TMS)"),
        ("medicare/examples/spravato-ready-trd-two-failed-trials.yaml", "Medicare has no prior-authorization step for Spravato (esketamine) nasal spray"),
    ],
)
def test_no_medicare_letter_is_addressed_to_a_prior_authorization_department(example: str, said: str, tmp_path: Path) -> None:
    source = ROOT / "payer_rules" / example
    case = tmp_path / "case.yaml"
    case.write_text(yaml.safe_dump(yaml.safe_load(source.read_text(encoding="utf-8"))["case"], sort_keys=False, allow_unicode=True), encoding="utf-8")
    out = letter(tmp_path, case)
    (stem,) = sorted({p.stem for p in out.iterdir()})
    for fmt, text in both(out, stem).items():
        assert "Documentation Summary of Medical Necessity" in text, fmt
        assert said in text, fmt
        assert "Utilization Management" not in text and "request prior authorization" not in text, fmt
