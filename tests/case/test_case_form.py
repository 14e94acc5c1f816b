"""The case as a web form: every field an input, a submitted form validated as `priorauth check` validates a file."""

from __future__ import annotations

from typing import Any

from priorauth.case import load_case
from priorauth.case_form import NONE_WORD, CaseForm, changes, form_from_text, read_form, sections
from priorauth.case_guide import case_fields
from tests.helpers import SAMPLES

READY = SAMPLES / "cigna-tms-ready.yaml"


def _submitted(form: CaseForm, **changed: str) -> dict[str, str]:
    out = dict(form.values)
    out.update({f"{name}-rows": str(n) for name, n in form.rows.items()})
    out.update(changed)
    return out


def test_every_field_of_the_case_model_has_an_input() -> None:
    inputs = {f.path for s in sections() for f in s.fields}
    leaves = {f.path for f in case_fields() if not f.section and f.path != "format"}
    assert inputs == leaves
    widgets = {f.path: f.widget for s in sections() for f in s.fields}
    assert widgets["patient.birth_date"] == "date"
    assert widgets["medications[].outcome"] == "choice"
    assert widgets["clinical.seizure_history"] == "yesno"
    assert widgets["medications[].max_daily_dose_mg"] == "number"
    assert widgets["request.procedure_codes"] == "list"
    assert [s.name for s in sections() if s.repeating] == ["diagnoses", "medications", "psychotherapy", "assessments", "prior_courses", "documents"]


def test_a_sample_round_trips_through_the_form_unchanged() -> None:
    form = form_from_text(READY.read_text(encoding="utf-8"))
    assert form.rows["medications"] == 4
    assert form.value("medications-0-drug") == "Zoloft"
    assert form.value("coverage-group_number") == "3340021"
    assert form.value("clinical-implanted_devices") == NONE_WORD
    result = read_form(_submitted(form))
    assert result.form.errors == {}
    assert result.case == load_case(READY)


def test_typed_values_stay_exactly_as_typed() -> None:
    form = form_from_text(READY.read_text(encoding="utf-8"))
    result = read_form(_submitted(form, **{"coverage-member_id": "0012300", "request-procedure_codes": "0090868, 90869", "medications-0-max_daily_dose_mg": "1.50"}))
    assert result.case is not None
    assert result.case.coverage.member_id == "0012300"
    assert result.case.request.procedure_codes == ["0090868", "90869"]
    assert 'member_id: "0012300"' in result.text
    assert "max_daily_dose_mg: 1.50" in result.text


def test_problems_are_put_at_their_inputs_and_the_typed_values_kept() -> None:
    form = form_from_text(READY.read_text(encoding="utf-8"))
    result = read_form(_submitted(form, **{"patient-birth_date": "", "prescriber-npi": "123", "medications-2-max_daily_dose_mg": "ten"}))
    assert result.case is None
    assert result.form.errors == {
        "patient-birth_date": ["required field is missing"],
        "prescriber-npi": ["an NPI is exactly 10 digits"],
        "medications-2-max_daily_dose_mg": ["input should be a valid number, unable to parse string as a number"],
    }
    assert result.form.value("prescriber-npi") == "123"
    assert result.form.value("medications-2-max_daily_dose_mg") == "ten"


def test_checks_across_fields_are_the_cli_checks() -> None:
    form = form_from_text(READY.read_text(encoding="utf-8"))
    result = read_form(_submitted(form, **{"medications-1-end": "2025-01-01", "assessments-0-date": "2027-01-01"}))
    assert result.form.errors == {
        "medications-1-end": ["is before start (swap the dates or correct the year)"],
        "assessments-0-date": ["is after request.date; a history cannot be dated in the future (check the year, or the request date)"],
    }


def test_empty_rows_are_left_out_and_errors_still_land_on_their_row() -> None:
    form = form_from_text(READY.read_text(encoding="utf-8"))
    form.add_row("medications")
    form.add_row("medications")
    submitted = _submitted(form, **{"medications-5-drug": "sertraline", "medications-5-start": "2026-01-01", "medications-5-end": "2025-01-01"})
    result = read_form(submitted)
    assert result.form.errors == {"medications-5-end": ["is before start (swap the dates or correct the year)"]}
    assert form.rows["medications"] == 6


def test_removing_a_row_moves_the_rows_below_up() -> None:
    form = form_from_text(READY.read_text(encoding="utf-8"))
    form.remove_row("medications", 1)
    assert form.rows["medications"] == 3
    assert [form.value(f"medications-{i}-drug") for i in range(3)] == ["Zoloft", "aripiprazole", "bupropion"]
    assert form.value("medications-2-end") == ""  # bupropion has no end; the old row 3's value is gone
    assert form.value("medications-3-drug") == ""


def test_a_missing_section_and_a_required_list() -> None:
    result = read_form({"patient-id": "X-1", "diagnoses-rows": "1"})
    assert result.case is None
    errors: dict[str, Any] = result.form.errors
    assert errors["patient-given_name"] == ["required field is missing"]
    assert errors["coverage-payer"] == ["required field is missing"]
    assert errors["diagnoses"] == ["list should have at least 1 item after validation, not 0"]


def test_the_form_never_writes_what_was_not_typed() -> None:
    form = form_from_text(READY.read_text(encoding="utf-8"))
    result = read_form(_submitted(form, **{"clinical-seizure_history": "", "clinical-implanted_devices": ""}))
    assert result.case is not None
    assert result.case.clinical.seizure_history is None  # not documented, not false
    assert result.case.clinical.implanted_devices is None


def test_changes_between_two_versions() -> None:
    old = form_from_text(READY.read_text(encoding="utf-8"))
    new = read_form(_submitted(old, **{"medications-0-end": "2025-10-01", "patient-sex": "", "clinical-seizure_history": "true"})).form
    assert [(c.where, c.label, c.before, c.after) for c in changes(old, new)] == [
        ("Patient", "Sex", "male", ""),
        ("Medications, medication 1", "End", "2025-09-01", "2025-10-01"),
        ("Clinical screening", "Seizure history", "no", "yes"),
    ]
