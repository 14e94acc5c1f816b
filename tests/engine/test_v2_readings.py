"""The settled readings added in v2 of the payer sheet, and the new case fields."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from tests.helpers import judge, make_case, report_for

SPRAVATO_MDSI = {"treatment": "spravato", "date": "2026-11-18", "indication": "mdsi"}


@pytest.mark.parametrize(
    ("value", "status", "message"),
    [
        ("passive", "met", "Suicidal ideation documented: passive"),
        ("active_with_intent", "met", "Suicidal ideation documented: active with intent"),
        ("none", "not_met", "Suicidal ideation documented as none; the request needs passive or active with intent"),
        (None, "unknown", "Suicidal ideation is not documented"),
    ],
)
def test_mdsi_needs_the_ideation_documented(value: str | None, status: str, message: str) -> None:
    case = make_case(request=SPRAVATO_MDSI, clinical={"suicidal_ideation": value})
    r = judge({"kind": "suicidal_ideation", "indication": ["mdsi"]}, case, treatment="spravato")
    assert (r.status, r.message, r.topic) == (status, message, "diagnosis")


def test_the_ideation_criterion_does_not_apply_to_trd() -> None:
    case = make_case(request={"treatment": "spravato", "date": "2026-11-18"}, clinical={"suicidal_ideation": "none"})
    report = report_for(case, {"id": "c", "kind": "suicidal_ideation", "indication": ["mdsi"]}, treatment="spravato")
    assert report.criteria == []


def test_not_covered_fails_every_request_and_points_to_an_exception_or_appeal() -> None:
    r = judge({"kind": "not_covered", "reason": "not medically necessary for TRD or MDSI"}, make_case())
    assert (r.status, r.topic, r.message) == ("not_met", "other", "Not covered by this policy: not medically necessary for TRD or MDSI")
    assert r.next_step == "The policy covers this treatment for no one: ask the payer for a coverage exception, or appeal a denial with the letter of medical necessity"


@pytest.mark.parametrize(("dose", "ok"), [(56, True), (84, True), (28, False), (70, False)])
def test_request_dose_mg_is_56_or_84(dose: int, ok: bool) -> None:
    if ok:
        assert make_case(request={"treatment": "spravato", "date": "2026-11-18", "dose_mg": dose}).request.dose_mg == dose
    else:
        with pytest.raises(ValidationError):
            make_case(request={"treatment": "spravato", "date": "2026-11-18", "dose_mg": dose})


def _course(relapse: str | None) -> dict[str, object]:
    course: dict[str, object] = {"treatment": "tms", "start": "2026-01-05", "end": "2026-02-20", "baseline_score": 24, "final_score": 10, "instrument": "PHQ-9"}
    if relapse:
        course["relapse_date"] = relapse
    return course


@pytest.mark.parametrize(("relapse", "applies"), [("2026-09-01", "retreatment"), (None, "course_continuation")])
def test_a_continuation_is_a_retreatment_when_the_prior_course_relapsed(relapse: str | None, applies: str) -> None:
    case = make_case(request={"treatment": "tms", "kind": "continuation", "date": "2026-11-18", "sessions": 20}, prior_courses=[_course(relapse)])
    report = report_for(
        case,
        {"id": "retreat", "kind": "prior_response", "applies_to": ["retreatment"], "relapse_required": True},
        {"id": "continue", "kind": "prior_response", "applies_to": ["course_continuation"], "min_improvement_pct": 25},
        {"id": "cap", "kind": "sessions", "max": 25, "continuation_max": 16},
    )
    ids = [c.id for c in report.criteria]
    assert ids == (["retreat", "cap"] if applies == "retreatment" else ["continue", "cap"])
    cap = report.criteria[-1]
    assert cap.status == ("met" if applies == "retreatment" else "not_met")


def test_an_attestation_the_criterion_rests_on_is_a_required_document() -> None:
    case = make_case(clinical={"psychotic_features": True}, documents=[{"kind": "prescriber_attestation", "date": "2026-06-01"}])
    report = report_for(case, {"id": "c", "kind": "contraindication", "flag": "psychotic_features", "unless_document": "prescriber_attestation"})
    assert [(d.kind, d.state) for d in report.documents] == [("prescriber_attestation", "stale")]
    no_psychosis = make_case(clinical={"psychotic_features": False})
    report = report_for(no_psychosis, {"id": "c", "kind": "contraindication", "flag": "psychotic_features", "unless_document": "prescriber_attestation"})
    assert report.documents == []
