"""Values as typed: text fields keep what YAML 1.1 would turn into numbers, booleans or
times; number fields refuse the forms YAML reads differently; vocabulary words and payer
ids are matched in any letter case and common spellings."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import types
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from priorauth.case import Case, _luhn_npi_ok, load_case
from priorauth.clinic import load_clinic
from priorauth.errors import CaseFileError, ClinicFileError, RuleFileError
from priorauth.rules import load_rule_text
from tests.helpers import ROOT, SAMPLES, invoke

SPEC = Path(__file__).parent / "spec-example.yaml"
READY = SAMPLES / "cigna-tms-ready.yaml"
TYPED = ["0123", "00123", "12:30", "0x1A", "1_000", "007", "1e3", "1.50", "yes", "No", "on", "True", "2025-01-31", "-5", "+1"]
MARK = "@@typed@@"


# ---- every text field of the case model --------------------------------------------------


def _strip(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) in (typing.Union, types.UnionType) and len(args) == 1:
        return _strip(args[0])
    return annotation


def text_fields(model: type[BaseModel], prefix: tuple[str | int, ...] = ()) -> list[tuple[str | int, ...]]:
    """The path of every ``str`` field (a list gives its first item), found by walking the model."""
    out: list[tuple[str | int, ...]] = []
    for name, field in model.model_fields.items():
        ann = _strip(field.rebuild_annotation())
        path = prefix + (name,)
        if typing.get_origin(ann) is list:
            ann, path = _strip(typing.get_args(ann)[0]), path + (0,)
        if ann is str:
            out.append(path)
        elif isinstance(ann, type) and issubclass(ann, BaseModel):
            out += text_fields(ann, path)
    return out


CASE_TEXT_FIELDS = text_fields(Case)


def _npi_yaml_reads_as_octal() -> str:
    # A valid NPI that YAML 1.1 reads as an octal number: a leading zero, digits 0-7.
    for n in range(123456700, 123457777):
        npi = f"{n:010d}"
        if set(npi) <= set("01234567") and _luhn_npi_ok(npi):
            return npi
    raise AssertionError("no such NPI")


OCTAL_NPI = _npi_yaml_reads_as_octal()
# Text fields with a format of their own: the typed values that fit it. A new text field
# with a format fails test_every_text_field_keeps_the_typed_text until it is listed here.
FORMATTED: dict[tuple[str | int, ...], list[str]] = {
    ("prescriber", "npi"): [OCTAL_NPI, "1234567893"],
    ("facility", "npi"): [OCTAL_NPI, "1588667638"],
    ("diagnoses", 0, "code"): [],  # starts with a letter: YAML never reads it as anything else
}


def _put(data: Any, path: tuple[str | int, ...], value: Any) -> None:
    for here, step in itertools.pairwise(path):
        if isinstance(here, int):
            while len(data) <= here:
                data.append({} if isinstance(step, str) else [])
            data = data[here]
        else:
            data = data.setdefault(here, {} if isinstance(step, str) else [])
    last = path[-1]
    if isinstance(last, int):
        data[last:last + 1] = [value]
    else:
        data[last] = value


def _get(obj: Any, path: tuple[str | int, ...]) -> Any:
    for step in path:
        obj = obj[step] if isinstance(step, int) else getattr(obj, step)
    return obj


def case_with(path: tuple[str | int, ...], typed: str, base: Path = SPEC) -> str:
    """The YAML of ``base`` with ``typed`` written unquoted at ``path``."""
    data = yaml.safe_load(base.read_text(encoding="utf-8"))
    _put(data, path, MARK)
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    assert text.count(f"'{MARK}'") == 1
    return text.replace(f"'{MARK}'", typed)


def test_the_walk_finds_the_text_fields() -> None:
    for path in [("patient", "id"), ("coverage", "member_id"), ("coverage", "group_number"), ("prescriber", "phone"),
                 ("medications", 0, "reason"), ("request", "procedure_codes", 0), ("clinical", "implanted_devices", 0)]:
        assert path in CASE_TEXT_FIELDS
    assert ("patient", "birth_date") not in CASE_TEXT_FIELDS  # a date
    assert ("request", "treatment") not in CASE_TEXT_FIELDS  # a vocabulary word


@pytest.mark.slow
@pytest.mark.parametrize("path", CASE_TEXT_FIELDS, ids=lambda p: ".".join(map(str, p)))
def test_every_text_field_keeps_the_typed_text(path: tuple[str | int, ...], tmp_path: Path) -> None:
    for typed in FORMATTED.get(path, TYPED):
        file = tmp_path / "case.yaml"
        file.write_text(case_with(path, typed), encoding="utf-8")
        assert _get(load_case(file), path) == typed, typed


def test_a_letter_shows_the_member_id_and_file_name_as_typed(tmp_path: Path) -> None:
    from tests.letters.test_letters import docx_text, pdf_pages

    text = READY.read_text(encoding="utf-8").replace("member_id: U0000000001", "member_id: 0123").replace("id: DEMO-1001", "id: 007")
    case = tmp_path / "case.yaml"
    case.write_text(text, encoding="utf-8")
    code, out, err = invoke("letter", str(case), "-o", str(tmp_path / "out"))
    assert (code, err) == (0, "")
    assert out.splitlines() == [f"wrote {tmp_path}/out/007_cigna_tms_letter.pdf", f"wrote {tmp_path}/out/007_cigna_tms_letter.docx"]
    assert "Member ID: 0123" in " ".join(pdf_pages(tmp_path / "out/007_cigna_tms_letter.pdf"))
    assert "Member ID: 0123" in docx_text(tmp_path / "out/007_cigna_tms_letter.docx")


def test_json_numbers_in_text_fields_keep_their_digits(tmp_path: Path) -> None:
    data = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    text = json.dumps(data, default=str, indent=2)
    text = text.replace('"member_id": "U1234567801"', '"member_id": 123').replace('"plan": "Open Access Plus"', '"plan": 1.50')
    text = text.replace('"score": 22', '"score": 22.50')
    (tmp_path / "case.json").write_text(text)
    case = load_case(tmp_path / "case.json")
    assert (case.coverage.member_id, case.coverage.plan, case.scales[0].score) == ("123", "1.50", 22.5)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("~", "has no value: YAML reads an unquoted null or ~ as empty (write the value; if it is that word, put it in quotes)"),
        ("Null", "has no value: YAML reads an unquoted null or ~ as empty (write the value; if it is that word, put it in quotes)"),
        ("", "has no value (write it after the colon)"),
    ],
)
def test_null_in_a_required_text_field_is_refused(typed: str, expected: str, tmp_path: Path) -> None:
    (tmp_path / "case.yaml").write_text(case_with(("patient", "family_name"), typed))
    with pytest.raises(CaseFileError) as info:
        load_case(tmp_path / "case.yaml")
    assert info.value.render().replace(str(tmp_path) + "/", "") == f"error: case.yaml:5: patient.family_name: {expected}"


def test_null_in_an_optional_field_means_absent(tmp_path: Path) -> None:
    (tmp_path / "case.yaml").write_text(case_with(("coverage", "plan"), "~"))
    assert load_case(tmp_path / "case.yaml").coverage.plan is None


def test_quoted_values_were_always_text(tmp_path: Path) -> None:
    (tmp_path / "case.yaml").write_text(case_with(("coverage", "member_id"), '"null"'))
    assert load_case(tmp_path / "case.yaml").coverage.member_id == "null"


# ---- number fields ---------------------------------------------------------------------------

PLAIN = "must be a plain decimal number"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("0123", f"{PLAIN}: YAML reads a whole number with a leading zero as octal (write it without the leading zero)"),
        ("-017", f"{PLAIN}: YAML reads a whole number with a leading zero as octal (write it without the leading zero)"),
        ("0x1A", f"{PLAIN}: YAML reads a number starting 0x as hexadecimal (write it in decimal)"),
        ("0b11", f"{PLAIN}: YAML reads a number starting 0b as binary (write it in decimal)"),
        ("12:30", f"{PLAIN}: YAML reads a number with ':' as base 60, like a time (write it in decimal)"),
        ("1_000", f"{PLAIN}: YAML drops the '_' in a number (write it without underscores)"),
        ("yes", "must be a number, not true/false: YAML reads an unquoted yes, no, on, off, true or false as true/false"),
        (".inf", "must be a finite number (.nan, .inf and overflowing numbers are not allowed)"),
    ],
)
@pytest.mark.parametrize(
    ("path", "old", "line"),
    [("request.sessions", "  sessions: 36", 20), ("medications[0].max_daily_dose_mg", "    max_daily_dose_mg: 200", 42), ("assessments[0].score", "    score: 23", 78)],
)
def test_number_forms_yaml_reads_differently_are_refused(typed: str, message: str, path: str, old: str, line: int, tmp_path: Path) -> None:
    text = READY.read_text(encoding="utf-8")
    assert old in text
    file = tmp_path / "case.yaml"
    file.write_text(text.replace(old, old.split(":")[0] + ": " + typed, 1))
    code, out, err = invoke("check", str(file))
    assert (code, out) == (2, "")
    assert err == f"error: {file}:{line}: {path}: {message}\n"


@pytest.mark.parametrize(("typed", "value"), [("200", 200), ("1.50", 1.5), ("+5", 5), (".5", 0.5), ("1e3", 1000), ("1.0e+2", 100), ("0", 0), ("0.25", 0.25)])
def test_plain_decimals_are_numbers(typed: str, value: float, tmp_path: Path) -> None:
    path = ("medications", 0, "max_daily_dose_mg" if value > 100 else "adherence_pct")
    (tmp_path / "case.yaml").write_text(case_with(path, typed))
    assert _get(load_case(tmp_path / "case.yaml"), path) == value


def test_true_false_fields_keep_yaml_forms(tmp_path: Path) -> None:
    for typed, value in [("yes", True), ("No", False), ("on", True), ("OFF", False), ("true", True), ("False", False)]:
        (tmp_path / "case.yaml").write_text(case_with(("clinical", "seizure_history"), typed))
        assert load_case(tmp_path / "case.yaml").flags.seizure_history is value


def test_unquoted_dates_are_dates(tmp_path: Path) -> None:
    (tmp_path / "case.yaml").write_text(case_with(("request", "start_date"), "2026-12-01"))
    assert load_case(tmp_path / "case.yaml").request.start_date == dt.date(2026, 12, 1)


# ---- clinic profiles and rule files ------------------------------------------------------------


def test_clinic_profile_keeps_numbers_as_typed(tmp_path: Path) -> None:
    (tmp_path / "clinic.yaml").write_text(
        "practice_name: 0123\naddress: [12 Harbor Road, 62701]\nphone: 555-0100\nfax: 5550101\ntax_id: 0123\n"
        f"npi: {OCTAL_NPI}\nprescriber:\n  name: Dr A\n  npi: 1234567893\n  credentials: [yes]\n"
    )
    clinic, _ = load_clinic(tmp_path / "clinic.yaml")
    assert (clinic.practice_name, clinic.address, clinic.phone, clinic.fax, clinic.tax_id, clinic.npi) == ("0123", ["12 Harbor Road", "62701"], "555-0100", "5550101", "0123", OCTAL_NPI)
    assert clinic.prescriber is not None and (clinic.prescriber.npi, clinic.prescriber.credentials) == ("1234567893", ["yes"])


def test_clinic_profile_null_name_is_refused(tmp_path: Path) -> None:
    (tmp_path / "clinic.yaml").write_text("practice_name: null\n")
    with pytest.raises(ClinicFileError) as info:
        load_clinic(tmp_path / "clinic.yaml")
    assert info.value.render().endswith("clinic.yaml:1: practice_name: has no value: YAML reads an unquoted null or ~ as empty (write the value; if it is that word, put it in quotes)")


ACME = (ROOT / "payer_rules" / "cigna" / "tms.yaml").read_text(encoding="utf-8")


def test_rule_file_keeps_policy_numbers_and_codes_as_typed() -> None:
    text = ACME.replace("policy: EN0383", "policy: 0123", 1)
    assert "policy: 0123" in text
    data = yaml.safe_load(ACME)
    data["codes"] = {"procedure": [MARK]}
    text = yaml.safe_dump(data, sort_keys=False).replace(f"'{MARK}'", "0123").replace("policy: EN0383", "policy: 0123", 1)
    rs = load_rule_text(text, "tms.yaml")
    assert (rs.policy, rs.codes.procedure) == ("0123", ["0123"])


def test_rule_file_number_in_octal_is_refused() -> None:
    data = yaml.safe_load(ACME)
    data["limits"] = {"sessions": MARK}
    text = yaml.safe_dump(data, sort_keys=False).replace(f"'{MARK}'", "036")
    with pytest.raises(RuleFileError) as info:
        load_rule_text(text, "tms.yaml")
    line = text[: text.index("sessions: 036")].count("\n") + 1
    assert info.value.render() == f"error: tms.yaml:{line}: limits.sessions: {PLAIN}: YAML reads a whole number with a leading zero as octal (write it without the leading zero)"


# ---- vocabulary words in any letter case -----------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "typed", "value"),
    [
        (("request", "treatment"), "TMS", "tms"),
        (("request", "kind"), "Initial", "initial"),
        (("request", "protocol"), "Theta Burst", "theta_burst"),
        (("request", "protocol"), "theta-burst", "theta_burst"),
        (("patient", "sex"), "Female", "female"),
        (("prescriber", "specialty"), "Psychiatric Nurse Practitioner", "psychiatric_nurse_practitioner"),
        (("medications", 0, "outcome"), "Inadequate Response", "inadequate_response"),
        (("psychotherapy", 0, "modality"), "cbt", "CBT"),
        (("psychotherapy", 0, "modality"), "Behavioral Activation", "behavioral_activation"),
        (("documents", 0, "kind"), "Psychiatric-Evaluation", "psychiatric_evaluation"),
        (("clinical", "suicidal_ideation"), "Active with intent", "active_with_intent"),
        (("ect", "status"), "NOT TRIED", "not_tried"),
        (("assessments", 0, "instrument"), "PHQ9", "PHQ-9"),
        (("assessments", 0, "instrument"), "phq-9", "PHQ-9"),
        (("assessments", 0, "instrument"), "PHQ 9", "PHQ-9"),
        (("assessments", 0, "instrument"), "HAMD17", "HAM-D17"),
        (("assessments", 0, "instrument"), "HAM-D", "HAM-D17"),
        (("assessments", 0, "instrument"), "HAMD", "HAM-D17"),
        (("assessments", 0, "instrument"), "HAM-D-17", "HAM-D17"),
        (("assessments", 0, "instrument"), "HDRS", "HAM-D17"),
        (("assessments", 0, "instrument"), "madrs", "MADRS"),
        (("assessments", 0, "instrument"), "BDI2", "BDI-II"),
        (("assessments", 0, "instrument"), "bdi-ii", "BDI-II"),
        (("assessments", 0, "instrument"), "QIDS-SR", "QIDS-SR16"),
        (("assessments", 0, "instrument"), "qids sr16", "QIDS-SR16"),
        (("assessments", 0, "instrument"), "IDS-C30", "IDS-C"),
        (("assessments", 0, "instrument"), "cgi-s", "CGI-S"),
        (("prior_courses", 0, "instrument"), "PHQ9", "PHQ-9"),
    ],
)
def test_vocabulary_words_in_any_case_and_spelling(path: tuple[str | int, ...], typed: str, value: str, tmp_path: Path) -> None:
    (tmp_path / "case.yaml").write_text(case_with(path, typed))
    assert _get(load_case(tmp_path / "case.yaml"), path) == value


@pytest.mark.parametrize(
    ("path", "typed", "expected"),
    [
        ("instrument", "QIDS", "input should be 'PHQ-9', 'HAM-D17', 'MADRS', 'BDI-II', 'QIDS-SR16', 'IDS-C', 'GDS' or 'CGI-S' (did you mean 'QIDS-SR16'?)"),
        ("instrument", "HAM-D21", "input should be 'PHQ-9', 'HAM-D17', 'MADRS', 'BDI-II', 'QIDS-SR16', 'IDS-C', 'GDS' or 'CGI-S' (did you mean 'HAM-D17'?)"),
        ("instrument", "Beck", "input should be 'PHQ-9', 'HAM-D17', 'MADRS', 'BDI-II', 'QIDS-SR16', 'IDS-C', 'GDS' or 'CGI-S'"),
    ],
)
def test_ambiguous_words_are_errors_with_did_you_mean(path: str, typed: str, expected: str, tmp_path: Path) -> None:
    (tmp_path / "case.yaml").write_text(case_with(("assessments", 0, path), typed))
    with pytest.raises(CaseFileError) as info:
        load_case(tmp_path / "case.yaml")
    rendered = info.value.render().replace(str(tmp_path) + "/", "")
    assert rendered == f"error: case.yaml:68: assessments[0].instrument: {expected}"


def test_no_suggestion_for_a_treatment_that_is_neither() -> None:
    from priorauth.loading import suggest_word

    assert suggest_word("no", ["none", "remission", "active"]) == "none"
    assert suggest_word("tms", ["tms", "spravato"]) == "tms"
    assert suggest_word("x", ["female", "male", "other", "unknown"]) is None


# ---- payers -------------------------------------------------------------------------------------


def _case(tmp_path: Path, payer: str) -> Path:
    text = READY.read_text(encoding="utf-8")
    file = tmp_path / "case.yaml"
    file.write_text(text.replace("  payer: cigna", f"  payer: {payer}", 1))
    return file


@pytest.mark.parametrize(("payer", "rule_set"), [("Cigna", "cigna/tms"), ("CIGNA", "cigna/tms"), ("UnitedHealthcare", "uhc/tms"), ("UHC", "uhc/tms"), ("Florida Blue", "florida-blue/tms"), ("florida_blue", "florida-blue/tms"), ("Noridian", "medicare-noridian/tms")])
def test_payer_in_any_case_or_by_its_name(payer: str, rule_set: str, tmp_path: Path) -> None:
    code, out, err = invoke("check", str(_case(tmp_path, payer)), "--format", "json")
    assert err == "" and code in (0, 1)
    report = json.loads(out)
    report = report[0] if isinstance(report, list) else report
    assert (report["rule_set"]["id"], report["payer"]) == (rule_set, rule_set.split("/")[0])


@pytest.mark.parametrize(
    ("payer", "hint"),
    [("united", "did you mean 'uhc'? "), ("Optum", "did you mean 'uhc'? "), ("cignaa", "did you mean 'cigna'? "), ("Acme Health", "")],
)
def test_unknown_payer_names_the_file_and_line(payer: str, hint: str, tmp_path: Path) -> None:
    file = _case(tmp_path, payer)
    for command in (["check"], ["compare"], ["letter", "-o", str(tmp_path / "out")]):
        code, out, err = invoke(command[0], str(file), *command[1:])
        assert (code, out) == (2, "")
        assert err == f"error: {file}:11: coverage.payer: no rule sets for payer '{payer}' ({hint}see `priorauth rules list` for the payers known here)\n"
    assert not (tmp_path / "out").exists()


def test_payer_option_in_any_case(tmp_path: Path) -> None:
    code, out, _ = invoke("check", str(READY), "--payer", "UHC", "--format", "json")
    assert code in (0, 1)
    report = json.loads(out)
    assert (report[0] if isinstance(report, list) else report)["payer"] == "uhc"
    code, out, err = invoke("check", str(READY), "--payer", "united")
    assert (code, out, err) == (2, "", "error: --payer: no rule sets for payer 'united'\n  hint: did you mean 'uhc'? see `priorauth rules list` for the payers known here\n")
