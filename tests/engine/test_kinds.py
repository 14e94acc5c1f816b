"""One or more tests per criterion kind, with their boundaries."""

from __future__ import annotations

import pytest

from tests.helpers import judge, make_case, med, report_for


# ---- age, diagnosis, episode --------------------------------------------------------------


@pytest.mark.parametrize(
    ("birth", "expected"),
    [("2008-11-18", "met"), ("2008-11-19", "not_met"), ("1956-11-19", "met"), ("1956-11-18", "not_met")],
)
def test_age_range_is_inclusive_in_whole_years(birth: str, expected: str) -> None:
    # request.date 2026-11-18: 18th birthday that day -> 18; born a day later -> 17.
    r = judge({"kind": "age", "min": 18, "max": 69}, make_case(patient={"birth_date": birth}))
    assert r.status == expected


def test_age_message() -> None:
    r = judge({"kind": "age", "min": 15, "max": 70}, make_case())
    assert r.message == "Age 46 on 2026-11-18; the policy covers patients 15 to 70"
    assert r.evidence == ["patient.birth_date"]


def test_diagnosis_exact_prefix_and_exclusion() -> None:
    case = make_case(diagnoses=[{"code": "F33.1", "primary": True}, {"code": "F41.1"}])
    assert judge({"kind": "diagnosis", "accepted": ["F33.2"]}, case).status == "not_met"
    r = judge({"kind": "diagnosis", "accepted_prefixes": ["F33"]}, case)
    assert r.status == "met"
    assert r.message == "F33.1 (Major depressive disorder, recurrent, moderate) is an accepted diagnosis"
    bipolar = make_case(diagnoses=[{"code": "F33.2", "primary": True}, {"code": "F31.4"}])
    r2 = judge({"kind": "diagnosis", "accepted": ["F33.2"], "excluded_prefixes": ["F31"]}, bipolar)
    assert r2.status == "not_met"
    assert r2.evidence == ["diagnoses[1]"]
    assert r2.message == "F31.4 (Bipolar disorder) is excluded by this policy"


def test_diagnosis_judges_primary_only_by_default() -> None:
    case = make_case(diagnoses=[{"code": "F41.1", "primary": True}, {"code": "F33.2"}])
    assert judge({"kind": "diagnosis", "accepted": ["F33.2"]}, case).status == "not_met"
    assert judge({"kind": "diagnosis", "accepted": ["F33.2"], "primary_only": False}, case).status == "met"


def test_episode_window_boundary() -> None:
    rule = {"kind": "episode_window", "within_years": 5}
    assert judge(rule, make_case(episode={"current_start": "2021-11-18"})).status == "met"
    assert judge(rule, make_case(episode={"current_start": "2021-11-17"})).status == "not_met"
    assert judge(rule, make_case(episode=None)).status == "unknown"


# ---- augmentation, psychotherapy ------------------------------------------------------------


def test_augmentation_trial() -> None:
    rule = {"kind": "augmentation", "count": 1, "min_weeks": 8}
    base = med("sertraline", "2025-01-01", "2025-09-01", 100)
    ok = make_case(medications=[base, med("aripiprazole", "2025-03-01", "2025-04-26", 5, role="augmentation")])
    short = make_case(medications=[base, med("aripiprazole", "2025-03-01", "2025-04-25", 5, role="augmentation")])
    assert judge(rule, ok).status == "met"
    assert judge(rule, short).status == "not_met"
    r = judge(rule, make_case(medications=[base]))
    assert r.status == "not_met"
    assert r.message == "0 of 1 required failed augmentation trial (>= 8 weeks); no trial in medications has role: augmentation"


def test_augmentation_with_second_antidepressant_needs_another_class() -> None:
    rule = {"kind": "augmentation", "count": 1, "min_weeks": 6}
    base = med("sertraline", "2025-01-01", "2025-09-01", 100)
    same = make_case(medications=[base, med("fluoxetine", "2025-03-01", "2025-06-01", 20, role="augmentation")])
    other = make_case(medications=[base, med("bupropion", "2025-03-01", "2025-06-01", 300, role="augmentation")])
    assert judge(rule, same).status == "not_met"
    assert judge(rule, other).status == "met"


def test_augmentation_defaults_to_the_rule_sets_trial_length() -> None:
    case = make_case(medications=[med("sertraline", "2025-01-01", "2025-09-01", 100), med("lithium", "2025-03-01", "2025-04-01", 600, role="augmentation")])
    rep = report_for(case, {"id": "t", "kind": "failed_trials", "count": 1, "min_weeks": 4}, {"id": "a", "kind": "augmentation"})
    assert [c.status for c in rep.criteria] == ["met", "met"]  # 31 days >= 4 weeks
    rep8 = report_for(case, {"id": "t", "kind": "failed_trials", "count": 1, "min_weeks": 8}, {"id": "a", "kind": "augmentation"})
    assert rep8.criteria[1].status == "not_met"


def test_psychotherapy_length_modality_and_absence() -> None:
    rule = {"kind": "psychotherapy", "evidence_based": True}
    six = make_case(psychotherapy=[{"modality": "CBT", "sessions": 6, "outcome": "inadequate_response"}])
    five = make_case(psychotherapy=[{"modality": "CBT", "sessions": 5, "outcome": "inadequate_response"}])
    dyn = make_case(psychotherapy=[{"modality": "psychodynamic", "sessions": 40, "outcome": "inadequate_response"}])
    weeks = make_case(psychotherapy=[{"modality": "IPT", "start": "2025-01-01", "end": "2025-02-12", "outcome": "partial_response"}])
    assert judge(rule, six).status == "met"
    assert judge(rule, five).status == "not_met"
    assert judge(rule, dyn).status == "not_met"
    assert judge(rule, weeks).status == "met"
    absent = judge(rule, make_case())
    assert absent.status == "not_met"
    assert absent.message == "No evidence-based psychotherapy documented"
    assert judge({"kind": "psychotherapy", "any_entry": True, "if_absent": "unknown"}, make_case()).status == "unknown"
    tried = make_case(psychotherapy=[{"modality": "other", "sessions": 1, "outcome": "response"}])
    assert judge({"kind": "psychotherapy", "any_entry": True, "if_absent": "unknown"}, tried).status == "met"


def test_psychotherapy_ongoing_counts_after_six_sessions_and_outcome_unknown() -> None:
    rule = {"kind": "psychotherapy"}
    assert judge(rule, make_case(psychotherapy=[{"modality": "CBT", "sessions": 6, "outcome": "ongoing"}])).status == "met"
    assert judge(rule, make_case(psychotherapy=[{"modality": "CBT", "start": "2025-01-01", "sessions": 3, "outcome": "ongoing"}])).status == "not_met"
    assert judge(rule, make_case(psychotherapy=[{"modality": "CBT", "sessions": 12}])).status == "unknown"


# ---- severity ---------------------------------------------------------------------------------


def test_severity_thresholds_freshness_and_codes() -> None:
    rule = {"kind": "severity", "alternatives": [{"instrument": "PHQ-9", "min": 20}, {"instrument": "MADRS", "min": 35}]}
    fresh = make_case(diagnoses=[{"code": "F33.1", "primary": True}], assessments=[{"instrument": "PHQ-9", "score": 20, "date": "2026-10-19"}])
    assert judge(rule, fresh).status == "met"  # exactly 30 days old and exactly the threshold
    stale = make_case(diagnoses=[{"code": "F33.1", "primary": True}], assessments=[{"instrument": "PHQ-9", "score": 25, "date": "2026-10-18"}])
    r = judge(rule, stale)
    assert r.status == "unknown"  # a stale score is as good as none
    assert r.message == "No PHQ-9 >= 20 or MADRS >= 35 score within 30 days; the score in assessments[0] is older than 30 days"
    low = make_case(diagnoses=[{"code": "F33.1", "primary": True}], assessments=[{"instrument": "PHQ-9", "score": 19, "date": "2026-11-10"}])
    assert judge(rule, low).status == "not_met"
    coded = make_case(diagnoses=[{"code": "F33.2", "primary": True}])
    assert judge({**rule, "severe_codes": ["F32.2", "F33.2"]}, coded).status == "met"
    strict = {"kind": "severity", "alternatives": [{"instrument": "PHQ-9", "above": 15}]}
    at = make_case(assessments=[{"instrument": "PHQ-9", "score": 15, "date": "2026-11-10"}])
    above = make_case(assessments=[{"instrument": "PHQ-9", "score": 15.5, "date": "2026-11-10"}])
    assert judge(strict, at).status == "not_met"
    assert judge(strict, at).message == "PHQ-9 15 on 2026-11-10: below PHQ-9 > 15"
    assert judge(strict, above).status == "met"


def test_severity_any_validated_scale_and_latest_score_wins() -> None:
    rule = {"kind": "severity"}
    assert judge(rule, make_case(assessments=[{"instrument": "BDI-II", "score": 3, "date": "2026-11-01"}])).status == "met"
    assert judge(rule, make_case()).status == "unknown"
    two = make_case(assessments=[{"instrument": "PHQ-9", "score": 24, "date": "2026-11-01"}, {"instrument": "PHQ-9", "score": 12, "date": "2026-11-15"}])
    r = judge({"kind": "severity", "alternatives": [{"instrument": "PHQ-9", "min": 20}]}, two)
    assert r.status == "not_met"
    assert r.evidence == ["assessments[1]"]


# ---- screening, prescriber, REMS, PDMP ------------------------------------------------------------


def test_contraindication_three_values() -> None:
    rule = {"kind": "contraindication", "flag": "seizure_history"}
    assert judge(rule, make_case(clinical={"seizure_history": False})).status == "met"
    yes = judge(rule, make_case(clinical={"seizure_history": True}))
    assert yes.status == "not_met"
    assert yes.evidence == ["clinical.seizure_history"]
    unknown = judge(rule, make_case())
    assert unknown.status == "unknown"
    assert unknown.next_step == "Document clinical.seizure_history (true or false) from the screening"


def test_contraindication_enum_flags_and_codes() -> None:
    sud = {"kind": "contraindication", "flag": "substance_use_disorder"}
    assert judge(sud, make_case(clinical={"substance_use_disorder": "active"})).status == "not_met"
    assert judge(sud, make_case(clinical={"substance_use_disorder": "remission"})).status == "met"
    si = {"kind": "contraindication", "flag": "suicidal_ideation"}
    assert judge(si, make_case(clinical={"suicidal_ideation": "passive"})).status == "met"
    assert judge(si, make_case(clinical={"suicidal_ideation": "active_with_intent"})).status == "not_met"
    psychosis = {"kind": "contraindication", "flag": "psychotic_features"}
    coded = make_case(diagnoses=[{"code": "F33.3", "primary": True}], clinical={"psychotic_features": False})
    assert judge(psychosis, coded).status == "not_met"


def test_contraindication_attestation_overrides() -> None:
    rule = {"kind": "contraindication", "flag": "psychotic_features", "unless_document": "prescriber_attestation"}
    without = make_case(clinical={"psychotic_features": True})
    assert judge(rule, without).status == "not_met"
    with_doc = make_case(clinical={"psychotic_features": True}, documents=[{"kind": "prescriber_attestation", "date": "2026-11-01"}])
    assert judge(rule, with_doc).status == "met"
    old_doc = make_case(clinical={"psychotic_features": True}, documents=[{"kind": "prescriber_attestation", "date": "2026-01-01"}])
    assert judge(rule, old_doc).status == "not_met"


def test_prescriber() -> None:
    rule = {"kind": "prescriber", "specialties": ["psychiatry"], "consult_counts": True}
    assert judge(rule, make_case(prescriber={"specialty": "psychiatry"})).status == "met"
    assert judge(rule, make_case(prescriber={"specialty": "primary_care", "psychiatrist_consulted": True})).status == "met"
    assert judge(rule, make_case(prescriber={"specialty": "primary_care", "psychiatrist_consulted": False})).status == "not_met"
    assert judge(rule, make_case(prescriber={"specialty": "primary_care"})).status == "unknown"
    assert judge(rule, make_case()).status == "unknown"
    strict = {"kind": "prescriber", "specialties": ["psychiatry"]}
    assert judge(strict, make_case(prescriber={"specialty": "primary_care", "psychiatrist_consulted": True})).status == "not_met"


def test_rems_and_pdmp() -> None:
    both = {"kind": "rems", "patient_enrolled": True}
    assert judge(both, make_case(rems={"setting_certified": True, "patient_enrolled": True}), "spravato").status == "met"
    assert judge(both, make_case(rems={"setting_certified": True}), "spravato").status == "unknown"
    assert judge(both, make_case(rems={"setting_certified": False, "patient_enrolled": True}), "spravato").status == "not_met"
    assert judge({"kind": "rems"}, make_case(rems={"setting_certified": True}), "spravato").status == "met"
    assert judge({"kind": "pdmp"}, make_case(clinical={"pdmp_checked": True})).status == "met"
    assert judge({"kind": "pdmp"}, make_case(clinical={"pdmp_checked": False})).status == "not_met"
    assert judge({"kind": "pdmp"}, make_case()).status == "unknown"


# ---- concurrent treatment, ECT, prior course ---------------------------------------------------


def test_oral_antidepressant() -> None:
    rule = {"kind": "oral_antidepressant"}
    assert judge(rule, make_case(clinical={"oral_antidepressant_continuing": True})).status == "met"
    assert judge(rule, make_case(clinical={"oral_antidepressant_continuing": False})).status == "not_met"
    assert judge(rule, make_case()).status == "unknown"
    current = make_case(medications=[med("mirtazapine", "2026-10-01", None, 30, "ongoing")])
    assert judge(rule, current).status == "met"


def test_oral_antidepressant_stable_and_not_failed() -> None:
    rule = {"kind": "oral_antidepressant", "min_weeks_stable": 2, "not_a_failed_drug": True}
    failed_then_current = make_case(medications=[med("sertraline", "2025-01-01", "2025-06-01", 100), med("sertraline", "2026-10-01", None, 100, "ongoing")])
    r = judge(rule, failed_then_current)
    assert r.status == "not_met"
    assert r.explanations == ["medications[1] sertraline is one of the failed drugs"]
    stable = make_case(medications=[med("sertraline", "2025-01-01", "2025-06-01", 100), med("mirtazapine", "2026-11-04", None, 30, "ongoing")])
    assert judge(rule, stable).status == "met"  # exactly 14 days
    new = make_case(medications=[med("mirtazapine", "2026-11-05", None, 30, "ongoing")])
    assert judge(rule, new).status == "not_met"  # 13 days: not yet stable
    undated = make_case(medications=[{"drug": "mirtazapine", "max_daily_dose_mg": 30, "outcome": "ongoing"}])
    assert judge(rule, undated).status == "unknown"


def test_concurrent_treatments() -> None:
    rule = {"kind": "concurrent_treatments", "forbidden": ["ketamine", "ect", "tms"]}
    assert judge(rule, make_case(clinical={"concurrent_treatments": []})).status == "met"
    assert judge(rule, make_case(clinical={"concurrent_treatments": ["Ketamine"]})).status == "not_met"
    assert judge(rule, make_case(clinical={"concurrent_treatments": []}, ect={"status": "current"})).status == "not_met"
    assert judge(rule, make_case()).status == "unknown"
    justified = {"kind": "concurrent_treatments", "forbidden": ["ketamine"], "unless_document": "prescriber_attestation"}
    case = make_case(clinical={"concurrent_treatments": ["ketamine"]}, documents=[{"kind": "prescriber_attestation", "date": "2026-11-01"}])
    assert judge(justified, case).status == "met"
    unjustified = make_case(clinical={"concurrent_treatments": ["ketamine"]})
    assert judge(justified, unjustified).status == "not_met"
    gap = judge({**justified, "without_document": "unknown"}, unjustified)
    assert gap.status == "unknown"
    assert gap.next_step == "File a prescriber attestation (within 90 days) that documents and justifies concurrent ketamine"


def test_ect() -> None:
    rule = {"kind": "ect", "statuses": ["current"]}
    assert judge(rule, make_case(ect={"status": "current"})).status == "met"
    assert judge(rule, make_case(ect={"status": "declined"})).status == "not_met"
    assert judge(rule, make_case()).status == "unknown"


CONT = {"kind": "continuation"}


def test_prior_response_improvement_boundaries() -> None:
    def course(baseline: float, final: float, **extra: object) -> dict:
        return {"treatment": "tms", "start": "2025-01-01", "end": "2025-02-15", "baseline_score": baseline, "final_score": final, "instrument": "PHQ-9", **extra}

    ge = {"kind": "prior_response", "min_improvement_pct": 50}
    gt = {**ge, "strictly_greater": True}
    half = make_case(request=CONT, prior_courses=[course(20, 10)])
    assert judge(ge, half).status == "met"
    assert judge(gt, half).status == "not_met"
    assert judge(gt, half).message == "Prior tms course: 50% improvement; the policy requires more than 50%"
    r = judge(ge, make_case(request=CONT, prior_courses=[course(20, 12)]))
    assert r.status == "not_met"
    assert r.message == "Prior tms course: 40% improvement; the policy requires at least 50%"
    assert judge(ge, make_case(request=CONT)).status == "not_met"
    assert judge(ge, make_case(request=CONT, prior_courses=[{"treatment": "tms"}])).status == "unknown"
    relapse = {**ge, "relapse_required": True}
    assert judge(relapse, half).status == "unknown"
    assert judge(relapse, make_case(request=CONT, prior_courses=[course(20, 10, relapse_date="2026-05-01")])).status == "met"


def test_prior_response_time_rules() -> None:
    since = {"kind": "prior_response", "min_days_since_end": 90}
    c = {"treatment": "tms", "start": "2026-06-01", "end": "2026-08-20"}  # 90 days before 2026-11-18
    assert judge(since, make_case(request=CONT, prior_courses=[c])).status == "met"
    assert judge(since, make_case(request=CONT, prior_courses=[{**c, "end": "2026-08-21"}])).status == "not_met"
    held = {"kind": "prior_response", "min_weeks_held": 6}
    assert judge(held, make_case(request=CONT, prior_courses=[{**c, "relapse_date": "2026-10-01"}])).status == "met"
    assert judge(held, make_case(request=CONT, prior_courses=[{**c, "relapse_date": "2026-09-30"}])).status == "not_met"


def test_sessions_and_devices() -> None:
    rule = {"kind": "sessions", "max": 36, "by_protocol": {"theta_burst": 30}, "continuation_max": 16}
    assert judge(rule, make_case(request={"sessions": 36})).status == "met"
    r = judge(rule, make_case(request={"sessions": 37}))
    assert r.status == "not_met"
    assert r.next_step == "Request at most 36 sessions"
    assert judge(rule, make_case(request={"sessions": 31, "protocol": "theta_burst"})).status == "not_met"
    assert judge(rule, make_case(request={"sessions": 20, "kind": "continuation"})).status == "not_met"
    assert judge(rule, make_case()).status == "unknown"
    dev = {"kind": "devices", "max": 23}
    assert judge(dev, make_case(request={"treatment": "spravato", "devices": 23}), "spravato").status == "met"
    assert judge(dev, make_case(request={"treatment": "spravato", "devices": 24}), "spravato").status == "not_met"


def test_document_criterion() -> None:
    rule = {"kind": "document", "document": "prescriber_attestation", "max_age_days": 90}
    assert judge(rule, make_case(documents=[{"kind": "prescriber_attestation", "date": "2026-08-20"}])).status == "met"
    assert judge(rule, make_case(documents=[{"kind": "prescriber_attestation", "date": "2026-08-19"}])).status == "unknown"
