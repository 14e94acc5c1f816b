"""Required documents that a case field proves: the scored scale in assessments is the rating scale."""

from __future__ import annotations

from typing import Any

from tests.helpers import judge, make_case, report_for

SCALE_30 = [{"kind": "rating_scale", "max_age_days": 30}]
AGE = {"id": "age", "kind": "age", "min": 18}
PHQ9_ONLY = {"id": "severity", "kind": "severity", "alternatives": [{"instrument": "PHQ-9", "min": 10}]}


def scale(instrument: str, date: str, score: float = 20) -> dict[str, Any]:
    return {"instrument": instrument, "score": score, "date": date}


def rating_scale(case: Any, *criteria: dict[str, Any], documents: list[dict[str, Any]] = SCALE_30) -> Any:
    return report_for(case, AGE, *criteria, documents=documents).documents[0]


def test_window_boundary_day_30_inside_day_31_outside() -> None:
    inside = rating_scale(make_case(assessments=[scale("PHQ-9", "2026-10-19")]))  # request 2026-11-18
    assert (inside.state, inside.evidence, inside.date, inside.satisfied_by, inside.attach) == ("on_file", ["assessments[0]"], "2026-10-19", "assessments[0]", "the scored PHQ-9")
    assert inside.note == "on file per assessments[0] (2026-10-19); attach the scored PHQ-9"
    outside = rating_scale(make_case(assessments=[scale("PHQ-9", "2026-10-18")]))
    assert (outside.state, outside.evidence, outside.date, outside.satisfied_by) == ("stale", ["assessments[0]"], "2026-10-18", None)
    assert outside.next_step == "Update the validated depression rating scale: the newest on file (2026-10-18, assessments[0]) is older than 30 days"


def test_the_newest_fresh_score_stands_for_the_document() -> None:
    d = rating_scale(make_case(assessments=[scale("PHQ-9", "2026-11-01"), scale("MADRS", "2026-11-12"), scale("PHQ-9", "2026-09-01")]))
    assert (d.satisfied_by, d.attach, d.date) == ("assessments[1]", "the scored MADRS", "2026-11-12")


def test_a_filed_document_comes_first_and_carries_no_note() -> None:
    case = make_case(assessments=[scale("PHQ-9", "2026-11-15")], documents=[{"kind": "rating_scale", "date": "2026-11-01"}])
    d = rating_scale(case)
    assert (d.state, d.evidence, d.date, d.satisfied_by, d.note) == ("on_file", ["documents[0]"], "2026-11-01", None, None)
    assert "satisfied_by" not in report_for(case, AGE, documents=SCALE_30).to_json()["documents"][0]


def test_a_stale_document_with_a_fresh_score_is_on_file() -> None:
    case = make_case(assessments=[scale("PHQ-9", "2026-11-15")], documents=[{"kind": "rating_scale", "date": "2026-06-01"}])
    d = rating_scale(case)
    assert (d.state, d.evidence, d.satisfied_by) == ("on_file", ["assessments[0]"], "assessments[0]")
    assert report_for(case, AGE, documents=SCALE_30).status == "ready"


def test_only_a_scale_the_rule_set_accepts_counts() -> None:
    bdi = make_case(assessments=[scale("BDI-II", "2026-11-10")])
    assert rating_scale(bdi, PHQ9_ONLY).state == "missing"  # the policy names PHQ-9 only
    assert rating_scale(bdi).state == "on_file"  # no severity criterion: any validated scale
    cgi = make_case(assessments=[scale("CGI-S", "2026-11-10", 5)])
    assert rating_scale(cgi).state == "missing"  # a global impression is not a depression scale
    # a score below the policy's threshold is still a scored scale on file
    low = make_case(assessments=[scale("PHQ-9", "2026-11-10", 4)])
    assert rating_scale(low, PHQ9_ONLY).state == "on_file"


def test_no_other_document_is_inferred_from_case_fields() -> None:
    case = make_case(
        request={"treatment": "spravato"},
        clinical={"pdmp_checked": True},
        rems={"patient_enrolled": True, "setting_certified": True},
        psychotherapy=[{"modality": "CBT", "start": "2025-09-01", "end": "2026-01-15", "sessions": 16, "outcome": "inadequate_response"}],
        ect={"status": "declined"},
    )
    kinds = ["pdmp_report", "rems_enrollment", "psychotherapy_notes", "ect_evaluation"]
    rep = report_for(case, AGE, treatment="spravato", documents=[{"kind": k} for k in kinds])
    assert [(d.kind, d.state) for d in rep.documents] == [(k, "missing") for k in kinds]


def test_document_criterion_reads_the_score_too() -> None:
    rule = {"kind": "document", "document": "rating_scale", "max_age_days": 30}
    r = judge(rule, make_case(assessments=[scale("HAM-D17", "2026-10-19")]))
    assert (r.status, r.message, r.evidence) == ("met", "Validated depression rating scale on file per assessments[0] (2026-10-19); attach the scored HAM-D17", ["assessments[0]"])
    r = judge(rule, make_case(assessments=[scale("HAM-D17", "2026-10-18")]))
    assert (r.status, r.next_step) == ("unknown", "File a validated depression rating scale dated within 30 days (documents, kind: rating_scale)")
