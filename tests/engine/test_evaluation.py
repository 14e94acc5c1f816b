"""Combinators, documents, applicability and the overall status."""

from __future__ import annotations

from tests.helpers import judge, make_case, med, report_for

MET = {"kind": "age", "min": 18}
NOT_MET = {"kind": "age", "max": 20}
UNKNOWN = {"kind": "contraindication", "flag": "seizure_history"}


def _combo(kind: str, *children: dict, **extra: object) -> dict:
    return {"kind": kind, "criteria": [{"id": f"c{i}", **c} for i, c in enumerate(children)], **extra}


def test_any_of_three_values() -> None:
    case = make_case()
    assert judge(_combo("any_of", NOT_MET, MET), case).status == "met"
    assert judge(_combo("any_of", NOT_MET, NOT_MET), case).status == "not_met"
    r = judge(_combo("any_of", NOT_MET, UNKNOWN), case)
    assert r.status == "unknown"
    assert [d.status for d in r.details] == ["not_met", "unknown"]
    # the shortest way forward lists the undocumented branch first
    assert r.next_step is not None and r.next_step.startswith("Either: Document clinical.seizure_history")


def test_all_of_and_n_of() -> None:
    case = make_case()
    assert judge(_combo("all_of", MET, MET), case).status == "met"
    assert judge(_combo("all_of", MET, UNKNOWN), case).status == "unknown"
    assert judge(_combo("all_of", UNKNOWN, NOT_MET), case).status == "not_met"
    assert judge(_combo("n_of", MET, UNKNOWN, NOT_MET, n=2), case).status == "unknown"
    assert judge(_combo("n_of", MET, NOT_MET, NOT_MET, n=2), case).status == "not_met"
    assert judge(_combo("n_of", MET, MET, NOT_MET, n=2), case).status == "met"


def test_combinator_topic_comes_from_first_child() -> None:
    r = judge(_combo("any_of", {"kind": "failed_trials", "count": 2}, {"kind": "ect", "statuses": ["current"]}), make_case())
    assert r.topic == "medication_trials"


def test_every_criterion_is_reported_and_status_rules() -> None:
    case = make_case()
    rep = report_for(case, {"id": "a", **MET}, {"id": "b", **UNKNOWN}, {"id": "c", **NOT_MET})
    assert [c.id for c in rep.criteria] == ["a", "b", "c"]
    assert rep.status == "not_eligible"
    assert report_for(case, {"id": "a", **MET}, {"id": "b", **UNKNOWN}).status == "incomplete"
    assert report_for(case, {"id": "a", **MET}).status == "ready"


def test_missing_stale_undated_documents() -> None:
    docs = [{"kind": "rating_scale", "max_age_days": 30}, {"kind": "psychiatric_evaluation", "max_age_days": 90}, {"kind": "medication_history", "max_age_days": 365}, {"kind": "treatment_plan"}]
    case = make_case(documents=[{"kind": "rating_scale", "date": "2026-10-18"}, {"kind": "psychiatric_evaluation"}, {"kind": "medication_history", "date": "2025-11-18"}, {"kind": "treatment_plan"}])
    rep = report_for(case, {"id": "a", **MET}, documents=docs)
    assert [(d.kind, d.state) for d in rep.documents] == [
        ("rating_scale", "stale"),
        ("psychiatric_evaluation", "undated"),
        ("medication_history", "on_file"),  # exactly 365 days: inclusive
        ("treatment_plan", "on_file"),  # no freshness window: any date
    ]
    assert rep.status == "incomplete"
    assert rep.next_steps == [
        "Update the validated depression rating scale: the newest on file (2026-10-18) is older than 30 days",
        "Add the date of the psychiatric evaluation (documents[1].date)",
    ]


def test_continuation_skips_history_and_applies_retreatment() -> None:
    criteria = ({"id": "trials", "kind": "failed_trials", "count": 2}, {"id": "retreat", "kind": "prior_response", "min_improvement_pct": 50}, {"id": "age", **MET})
    initial = report_for(make_case(), *criteria)
    assert [c.id for c in initial.criteria] == ["trials", "age"]
    cont = report_for(make_case(request={"kind": "continuation"}), *criteria)
    assert [c.id for c in cont.criteria] == ["retreat", "age"]


def test_indication_filter_defaults_to_trd() -> None:
    criteria = ({"id": "trd", "kind": "failed_trials", "count": 1, "indication": ["trd"]}, {"id": "mdsi", "kind": "oral_antidepressant", "indication": ["mdsi"]})
    trd = report_for(make_case(request={"treatment": "spravato"}), *criteria, treatment="spravato")
    assert [c.id for c in trd.criteria] == ["trd"]
    assert trd.indication == "trd"
    mdsi = report_for(make_case(request={"treatment": "spravato", "indication": "mdsi"}), *criteria, treatment="spravato")
    assert [c.id for c in mdsi.criteria] == ["mdsi"]


def test_report_json_contract_fields() -> None:
    case = make_case(medications=[med("sertraline", "2025-02-01", "2025-05-01", 100)])
    rep = report_for(case, {"id": "failed-antidepressants", "kind": "failed_trials", "count": 2, "distinct_classes": 2, "min_weeks": 4, "current_episode": True}, documents=[{"kind": "rating_scale", "max_age_days": 30, "label": "Validated depression scale within 30 days"}])
    data = rep.to_json()
    assert list(data)[:8] == ["case", "payer", "treatment", "rule_set", "status", "criteria", "missing_documents", "next_steps"]
    assert data["rule_set"] == {"id": "test/tms", "policy": "T-1", "title": "Test policy", "url": None, "effective": "2020-01-01", "evidence": "primary", "ends": None, "checked": None, "payer_name": "Test Payer", "origin": "test"}
    crit = data["criteria"][0]
    assert {k: crit[k] for k in ("id", "topic", "status", "message", "evidence")} == {
        "id": "failed-antidepressants",
        "topic": "medication_trials",
        "status": "not_met",
        "message": "1 of 2 required failed antidepressant trials from 2 classes (>= 4 weeks at a therapeutic dose) in the current episode; classes so far: SSRI",
        "evidence": ["medications[0]"],
    }
    assert data["missing_documents"] == [{"kind": "rating_scale", "label": "Validated depression scale within 30 days", "state": "missing", "next_step": "File the validated depression rating scale dated within 30 days (documents, kind: rating_scale)"}]
