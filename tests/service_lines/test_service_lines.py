"""The service lines of a request: codes and units per code (codes.md, letters.md)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from priorauth.case import load_case
from priorauth.service_lines import plan

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _case(name: str, **request: object):
    case = load_case(SAMPLES / name)
    return case.model_copy(update={"request": case.request.model_copy(update=request)})


def _units(p) -> list[tuple[str, int | None]]:
    return [(line.code, line.units) for line in p.lines]


def test_tms_counts_the_first_session_apart_from_the_rest():
    p = plan(_case("cigna-tms-ready.yaml"))
    assert _units(p) == [("90867", 1), ("90868", 35), ("90869", None)]
    assert p.lines[1].basis == "36 sessions requested, less the first"
    assert p.lines[2].as_needed and p.lines[2].missing is None
    assert [line.code for line in p.counted] == ["90867", "90868"]
    assert p.frequency == "5 sessions a week"
    assert p.weeks == 8
    assert (p.start, p.end) == (dt.date(2026, 12, 1), dt.date(2027, 1, 25))
    assert p.missing == ()


def test_tms_without_sessions_says_what_to_record():
    p = plan(_case("medicare-tms-incomplete.yaml"))
    assert _units(p) == [("90867", None), ("90868", None)]
    assert p.missing == ("Record the number of TMS sessions requested",)
    assert p.end is None and p.weeks is None


def test_tms_codes_default_to_the_rule_sets_when_the_case_lists_none():
    p = plan(_case("cigna-tms-ready.yaml", procedure_codes=[]), default_codes=["90867", "90868"])
    assert _units(p) == [("90867", 1), ("90868", 35)]


@pytest.mark.parametrize(("dose", "visit"), [(56, "G2082"), (84, "G2083")])
def test_spravato_visit_code_follows_the_dose_and_the_drug_is_counted_in_mg(dose, visit):
    p = plan(_case("cigna-spravato-ready.yaml", dose_mg=dose, sessions=8, start_date=dt.date(2026, 12, 1)))
    assert _units(p) == [(visit, 8), ("J0013", dose * 8)]
    assert p.lines[1].unit == "mg"
    assert p.lines[1].basis == f"{dose} mg a session x 8 sessions"
    assert p.frequency == "twice a week in weeks 1 to 4 (induction, per the label)"


def test_spravato_sessions_from_devices_when_they_divide_evenly():
    p = plan(_case("cigna-spravato-ready.yaml", dose_mg=84, devices=24, sessions=None))
    assert p.sessions == 8
    assert _units(p) == [("G2083", 8), ("J0013", 672)]


def test_spravato_without_a_dose_names_both_visit_codes_and_asks_for_the_dose():
    p = plan(_case("cigna-spravato-ready.yaml", dose_mg=None, sessions=None, devices=23))
    assert _units(p) == [("G2082 or G2083", None), ("J0013", None)]
    assert p.missing == ("Record the planned dose per session (56 or 84 mg)",)


def test_spravato_before_2026_uses_s0013():
    p = plan(_case("cigna-spravato-ready.yaml", dose_mg=56, sessions=8, date=dt.date(2025, 12, 1), start_date=dt.date(2025, 12, 15)))
    assert _units(p) == [("G2082", 8), ("S0013", 448)]


def test_no_drug_line_when_the_codes_name_the_visit_but_no_drug_code():
    # Original Medicare bills G2082/G2083 with no separate drug code (medicare/spravato)
    p = plan(_case("cigna-spravato-ready.yaml", procedure_codes=[], dose_mg=56, sessions=8), default_codes=["G2082", "G2083"])
    assert _units(p) == [("G2082", 8)]
    p = plan(_case("cigna-spravato-ready.yaml", procedure_codes=["G2083", "J0013"], dose_mg=84, sessions=8))
    assert _units(p) == [("G2083", 8), ("J0013", 672)]
