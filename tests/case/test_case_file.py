"""Loading case files: the spec example, and every kind of bad input with its message."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from priorauth.case import load_case
from priorauth.errors import CaseFileError

HERE = Path(__file__).parent
SPEC = HERE / "spec-example.yaml"
CANARIES = ("Maria", "Lopez", "1979-06-14", "U1234567801")


def errors_for(tmp_path: Path, text: str, name: str = "case.yaml") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CaseFileError) as info:
        load_case(path)
    rendered = info.value.render()
    for canary in CANARIES:
        assert canary not in rendered, f"patient data leaked into: {rendered}"
    return rendered.replace(str(tmp_path) + "/", "")


def spec_with(old: str, new: str) -> str:
    text = SPEC.read_text()
    assert old in text
    return text.replace(old, new, 1)


def test_spec_example_loads_exactly_as_written() -> None:
    case = load_case(SPEC)
    assert case.patient.id == "MRN-004217"
    assert case.patient.birth_date == dt.date(1979, 6, 14)
    assert case.coverage.group_number == "3340021"
    assert case.request.procedure_codes == ["90867", "90868", "90869"]
    assert case.medications is not None and case.medications[1].role == "augmentation"
    assert case.medications[0].end == dt.date(2025, 11, 1)
    assert case.clinical is not None and case.clinical.implanted_devices == []
    assert case.clinical.substance_use_disorder == "none"
    assert case.rems is not None and case.rems.setting_certified is True
    assert case.documents is not None and case.documents[0].path == "records/eval-2026-11-05.pdf"


def test_spec_example_as_json_loads_the_same(tmp_path: Path) -> None:
    import yaml

    data = yaml.safe_load(SPEC.read_text())
    path = tmp_path / "case.json"
    path.write_text(json.dumps(data, default=str, indent=2))
    assert load_case(path) == load_case(SPEC)


def test_unknown_key_with_did_you_mean_and_line(tmp_path: Path) -> None:
    msg = errors_for(tmp_path, spec_with("  seizure_history: false", "  seizure_histry: false"))
    assert msg == "error: case.yaml:78: clinical.seizure_histry: unknown key 'seizure_histry' (did you mean 'seizure_history'?)"


def test_several_problems_are_all_reported(tmp_path: Path) -> None:
    text = spec_with("sex: female", "sex: woman")
    text = text.replace("    end: 2025-11-01 ", "    end: 2025-02-30 ", 1)
    msg = errors_for(tmp_path, text)
    assert msg.splitlines() == [
        "error: case.yaml: invalid case file (2 problems)",
        "  case.yaml:7: patient.sex: input should be 'female', 'male', 'other' or 'unknown'",
        "  case.yaml:44: medications[0].end: is not a real calendar date (check the day and month)",
    ]


def test_missing_required_field(tmp_path: Path) -> None:
    msg = errors_for(tmp_path, spec_with("  member_id: U1234567801\n", ""))
    assert msg == "error: case.yaml:8: coverage.member_id: required field is missing"


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("    end: 2025-11-01 ", "    end: 2025-08-01 ", "case.yaml:44: medications[0].end: is before start (swap the dates or correct the year)"),
        ("    date: 2026-11-10", "    date: 2026-12-10", "case.yaml:67: assessments[0].date: is after request.date; a history cannot be dated in the future (check the year, or the request date)"),
        ("  - code: F33.2 ", "  - code: F33 ", "case.yaml:35: diagnoses[0].code: is a category header, not a billable ICD-10-CM code (give the full code, such as F33.2 or F32.1)"),
        ('  npi: "1234567893"', '  npi: "1234567890"', "case.yaml:24: prescriber.npi: is not a valid NPI (its check digit does not match)"),
        ("    score: 22", "    score: -3", "case.yaml:66: assessments[0].score: input should be greater than or equal to 0"),
        ("  date: 2026-11-18 ", "  date: 18/11/2026 ", "case.yaml:16: request.date: must be a date written YYYY-MM-DD"),
    ],
)
def test_field_errors(tmp_path: Path, old: str, new: str, expected: str) -> None:
    assert errors_for(tmp_path, spec_with(old, new)) == "error: " + expected


def test_duplicate_key(tmp_path: Path) -> None:
    msg = errors_for(tmp_path, spec_with("  sex: female ", "  sex: male\n  sex: female "))
    assert msg == "error: case.yaml:8: patient: duplicate key 'sex' (first on line 7) (keep one of them)"


def test_yaml_aliases_are_refused(tmp_path: Path) -> None:
    text = 'a: &x ["lol","lol"]\nb: [*x, *x]\n'
    bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    assert "YAML aliases (*name) are not allowed" in errors_for(tmp_path, bomb)
    assert errors_for(tmp_path, text) == "error: case.yaml:2: b[0]: YAML aliases (*name) are not allowed (write the value out in full)"


def test_invalid_yaml_gives_line_without_quoting(tmp_path: Path) -> None:
    msg = errors_for(tmp_path, "patient:\n  given_name: Maria\n   family_name: Lopez\n")
    assert msg.startswith("error: case.yaml:3: not valid YAML:")


def test_invalid_json_and_json_line_numbers(tmp_path: Path) -> None:
    assert errors_for(tmp_path, '{"patient": {"given_name": "Maria",}}', "case.json").startswith("error: case.json:1: not valid JSON:")
    import yaml

    data = yaml.safe_load(SPEC.read_text())
    data["medications"][0]["outcome"] = "better"
    msg = errors_for(tmp_path, json.dumps(data, default=str, indent=2), "case.json")
    assert msg.startswith("error: case.json:")
    assert ": medications[0].outcome: input should be 'inadequate_response'," in msg


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("", "case.yaml: the file is empty (a case file is a YAML or JSON mapping)"),
        ("- a\n- b\n", "case.yaml:1: the top level is a list; a case file must be a mapping of keys to values"),
        ("just text\n", "case.yaml:1: the top level is a single value; a case file must be a mapping of keys to values"),
    ],
)
def test_wrong_shapes(tmp_path: Path, content: str, expected: str) -> None:
    assert errors_for(tmp_path, content) == "error: " + expected


def test_binary_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(CaseFileError) as info:
        load_case(path)
    assert info.value.render().endswith("this is a binary file, not a case file (give a YAML or JSON text file)")
    with pytest.raises(CaseFileError) as info2:
        load_case(tmp_path / "nope.yaml")
    assert info2.value.render().endswith("nope.yaml: file not found (check the path)")


def test_huge_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text("x: " + "a" * (3 * 1024 * 1024))
    with pytest.raises(CaseFileError) as info:
        load_case(path)
    assert "a case file may be at most 2 MB" in info.value.render()


def test_deeply_nested_json_is_refused(tmp_path: Path) -> None:
    msg = errors_for(tmp_path, "[" * 5000 + "]" * 5000, "case.json")
    assert msg == "error: case.json: nested more than 40 levels deep"
