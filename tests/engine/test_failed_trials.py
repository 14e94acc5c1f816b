"""failed_trials: count, classes, weeks, dose, outcomes, episode and look-back windows."""

from __future__ import annotations

from tests.helpers import judge, make_case, med

TWO_CLASSES_8W = {"kind": "failed_trials", "count": 2, "distinct_classes": 2, "min_weeks": 8, "current_episode": True}


def test_56_days_meets_8_weeks_and_55_does_not() -> None:
    # 2025-02-01 + 56 days = 2025-03-29
    ok = make_case(medications=[med("sertraline", "2025-02-01", "2025-03-29", 100), med("venlafaxine", "2025-04-01", "2025-06-01", 150)])
    short = make_case(medications=[med("sertraline", "2025-02-01", "2025-03-28", 100), med("venlafaxine", "2025-04-01", "2025-06-01", 150)])
    r_ok, r_short = judge(TWO_CLASSES_8W, ok), judge(TWO_CLASSES_8W, short)
    assert r_ok.status == "met"
    assert r_ok.evidence == ["medications[0]", "medications[1]"]
    assert r_short.status == "not_met"
    assert r_short.message.startswith("1 of 2 required failed antidepressant trials from 2 classes (>= 8 weeks at a therapeutic dose) in the current episode")
    assert "medications[0] sertraline (SSRI): does not count: 7.9 weeks (55 days), less than the 8 weeks (56 days) required" in r_short.explanations


def test_two_ssris_count_as_one_class() -> None:
    case = make_case(medications=[med("sertraline", "2025-02-01", "2025-05-01", 100), med("fluoxetine", "2025-05-10", "2025-08-01", 40)])
    r = judge(TWO_CLASSES_8W, case)
    assert r.status == "not_met"
    assert r.message == "2 failed antidepressant trials count, but from only 1 of the 2 classes required; classes so far: SSRI"
    assert r.next_step == "Document 1 more failed antidepressant trial (>= 8 weeks at a therapeutic dose, in the current episode), from a class other than SSRI"


def test_without_class_wording_two_ssris_are_two_trials() -> None:
    case = make_case(medications=[med("sertraline", "2025-02-01", "2025-05-01", 100), med("fluoxetine", "2025-05-10", "2025-08-01", 40)])
    assert judge({"kind": "failed_trials", "count": 2}, case).status == "met"


def test_same_drug_twice_counts_once() -> None:
    case = make_case(medications=[med("sertraline", "2025-02-01", "2025-05-01", 100), med("Zoloft", "2025-06-01", "2025-09-01", 150)])
    r = judge({"kind": "failed_trials", "count": 2}, case)
    assert r.status == "not_met"
    assert r.message.startswith("1 of 2 required")


def test_brand_names_resolve_to_generic_and_class() -> None:
    case = make_case(medications=[med("ZOLOFT", "2025-02-01", "2025-05-01", 100), med("Effexor XR", "2025-05-10", "2025-08-01", 150)])
    r = judge(TWO_CLASSES_8W, case)
    assert r.status == "met"
    assert r.message == "2 qualifying failed antidepressant trials (2 required from 2 classes; >= 8 weeks at a therapeutic dose, in the current episode); classes: SNRI, SSRI"


def test_intolerance_counts_only_where_the_rule_allows() -> None:
    case = make_case(medications=[med("sertraline", "2025-02-01", "2025-02-10", 25, "intolerance"), med("venlafaxine", "2025-03-01", "2025-06-01", 150)])
    allowed = judge({"kind": "failed_trials", "count": 2, "distinct_classes": 2}, case)
    assert allowed.status == "met"  # dose and duration do not apply to an intolerance
    not_allowed = judge({"kind": "failed_trials", "count": 2, "outcomes": ["inadequate_response", "partial_response"]}, case)
    assert not_allowed.status == "not_met"
    assert "medications[0] sertraline (SSRI): does not count: intolerance does not count under this policy" in not_allowed.explanations


def test_contraindicated_counts_only_when_listed() -> None:
    case = make_case(medications=[med("phenelzine", "2025-02-01", "2025-02-02", None, "contraindicated")])
    assert judge({"kind": "failed_trials", "count": 1}, case).status == "not_met"
    assert judge({"kind": "failed_trials", "count": 1, "outcomes": ["contraindicated"]}, case).status == "met"


def test_trial_that_ended_before_the_episode_began() -> None:
    case = make_case(episode={"current_start": "2025-06-01"}, medications=[med("sertraline", "2025-01-01", "2025-05-31", 100), med("bupropion", "2025-06-01", "2025-09-01", 300)])
    r = judge({"kind": "failed_trials", "count": 2, "current_episode": True}, case)
    assert r.status == "not_met"
    assert "medications[0] sertraline (SSRI): does not count: ended before the current episode began" in r.explanations
    # a trial ending on the onset day belongs to the episode
    case2 = make_case(episode={"current_start": "2025-05-31"}, medications=[med("sertraline", "2025-01-01", "2025-05-31", 100)])
    assert judge({"kind": "failed_trials", "count": 1, "current_episode": True}, case2).status == "met"


def test_unknown_episode_start_makes_episode_rules_unknown() -> None:
    case = make_case(episode=None, medications=[med("sertraline", "2025-01-01", "2025-05-31", 100)])
    r = judge({"kind": "failed_trials", "count": 1, "current_episode": True}, case)
    assert r.status == "unknown"
    assert r.gaps == ["medications[0] sertraline: the start of the current episode is not documented"]
    assert r.next_step == "Document when the current episode started (episode.current_start)"


def test_ongoing_trial_runs_to_request_date() -> None:
    # request 2026-11-18; started 2026-09-23 = 56 days
    long_enough = make_case(medications=[med("sertraline", "2026-09-23", None, 100)])
    too_short = make_case(medications=[med("sertraline", "2026-09-24", None, 100)])
    rule = {"kind": "failed_trials", "count": 1, "min_weeks": 8}
    assert judge(rule, long_enough).status == "met"
    assert judge(rule, too_short).status == "not_met"


def test_ongoing_outcome_and_response_never_count() -> None:
    case = make_case(medications=[med("sertraline", "2025-01-01", None, 100, "ongoing"), med("venlafaxine", "2025-01-01", "2025-06-01", 150, "response")])
    r = judge({"kind": "failed_trials", "count": 1}, case)
    assert r.status == "not_met"
    assert r.explanations == [
        "medications[0] sertraline (SSRI): does not count: outcome is ongoing, not a failure",
        "medications[1] venlafaxine (SNRI): does not count: outcome is response, not a failure",
    ]


def test_dose_below_minimum_and_missing_dose() -> None:
    low = make_case(medications=[med("trazodone", "2025-01-01", "2025-06-01", 100)])
    r = judge({"kind": "failed_trials", "count": 1}, low)
    assert r.status == "not_met"
    assert "100 mg/day is below the minimum adequate dose of 200 mg/day" in r.explanations[0]
    missing = make_case(medications=[med("sertraline", "2025-01-01", "2025-06-01", None)])
    r2 = judge({"kind": "failed_trials", "count": 1}, missing)
    assert r2.status == "unknown"
    assert r2.explanations == ["medications[0] sertraline (SSRI): cannot tell: maximum daily dose not documented"]


def test_minimum_dose_is_inclusive_and_brand_specific() -> None:
    at_min = make_case(medications=[med("sertraline", "2025-01-01", "2025-06-01", 50)])
    assert judge({"kind": "failed_trials", "count": 1}, at_min).status == "met"
    aplenzin = make_case(medications=[med("Aplenzin", "2025-01-01", "2025-06-01", 300)])
    assert judge({"kind": "failed_trials", "count": 1}, aplenzin).status == "not_met"


def test_unknown_drug_is_unknown_with_a_suggestion() -> None:
    case = make_case(medications=[med("sertralin", "2025-01-01", "2025-06-01", 100)])
    r = judge({"kind": "failed_trials", "count": 1}, case)
    assert r.status == "unknown"
    assert r.explanations == ["medications[0] sertralin: cannot tell: not in the drug catalog; did you mean sertraline?"]
    assert r.gaps == ["medications[0] sertralin: not in the drug catalog; did you mean sertraline?"]
    assert r.next_step == "Correct the drug name of medications[0] (did you mean sertraline?)"


def test_esketamine_never_counts() -> None:
    case = make_case(medications=[med("Spravato", "2025-01-01", "2025-06-01", 84)])
    r = judge({"kind": "failed_trials", "count": 1}, case)
    assert r.status == "not_met"
    assert "never counts" in r.explanations[0]


def test_augmenting_agent_is_not_an_antidepressant_unless_allowed() -> None:
    two_ssris = [med("sertraline", "2025-01-01", "2025-06-01", 100), med("fluoxetine", "2025-06-10", "2025-09-01", 40)]
    adjunct = med("aripiprazole", "2025-03-01", "2025-06-01", 5, role="augmentation")
    plain = {"kind": "failed_trials", "count": 2, "distinct_classes": 2}
    assert judge(plain, make_case(medications=two_ssris + [adjunct])).status == "not_met"
    allowed = {**plain, "augmenting_agents_count": "fda_adjunct"}
    r = judge(allowed, make_case(medications=two_ssris + [adjunct]))
    assert r.status == "met"
    assert r.message.endswith("classes: SSRI, second-generation antipsychotic")
    # a failed adjunct trial is one of the trials spanning the classes
    assert judge(allowed, make_case(medications=two_ssris[:1] + [adjunct])).status == "met"
    buspirone = med("buspirone", "2025-03-01", "2025-06-01", 30, role="augmentation")
    assert judge(allowed, make_case(medications=two_ssris + [buspirone])).status == "not_met"  # not an FDA adjunct


def test_improvement_cap() -> None:
    rule = {"kind": "failed_trials", "count": 1, "max_improvement_pct": 25}
    cases = {
        "inadequate": (med("sertraline", "2025-01-01", "2025-06-01", 100), "met"),
        "inadequate_but_30pct": (med("sertraline", "2025-01-01", "2025-06-01", 100, improvement_pct=30), "not_met"),
        "partial_20pct": (med("sertraline", "2025-01-01", "2025-06-01", 100, "partial_response", improvement_pct=20), "met"),
        "partial_25pct_inclusive": (med("sertraline", "2025-01-01", "2025-06-01", 100, "partial_response", improvement_pct=25), "met"),
        "partial_without_pct": (med("sertraline", "2025-01-01", "2025-06-01", 100, "partial_response"), "not_met"),
    }
    for name, (m, expected) in cases.items():
        assert judge(rule, make_case(medications=[m])).status == expected, name


def test_adherence_unknown_when_absent() -> None:
    rule = {"kind": "failed_trials", "count": 1, "min_adherence_pct": 80}
    assert judge(rule, make_case(medications=[med("sertraline", "2025-01-01", "2025-06-01", 100)])).status == "unknown"
    assert judge(rule, make_case(medications=[med("sertraline", "2025-01-01", "2025-06-01", 100, adherence_pct=79)])).status == "not_met"
    assert judge(rule, make_case(medications=[med("sertraline", "2025-01-01", "2025-06-01", 100, adherence_pct=80)])).status == "met"


def test_within_years_and_class_restriction() -> None:
    old = make_case(medications=[med("sertraline", "2019-01-01", "2021-11-17", 100)])
    recent = make_case(medications=[med("sertraline", "2019-01-01", "2021-11-18", 100)])
    rule = {"kind": "failed_trials", "count": 1, "within_years": 5}
    assert judge(rule, old).status == "not_met"
    assert judge(rule, recent).status == "met"
    maoi = make_case(medications=[med("phenelzine", "2025-01-01", "2025-06-01", 60)])
    assert judge({"kind": "failed_trials", "count": 1, "classes": ["ssri", "snri"]}, maoi).status == "not_met"


def test_outcome_rules_partial_needs_maximum_dose_and_8_weeks() -> None:
    rule = {"kind": "failed_trials", "count": 1, "min_weeks": 4, "outcome_rules": {"partial_response": {"min_weeks": 8, "dose": "maximum"}}}
    at_max_8w = med("sertraline", "2025-01-01", "2025-02-26", 200, "partial_response")
    below_max = med("sertraline", "2025-01-01", "2025-03-01", 150, "partial_response")
    inadequate_4w = med("sertraline", "2025-01-01", "2025-01-29", 50)
    assert judge(rule, make_case(medications=[at_max_8w])).status == "met"
    assert judge(rule, make_case(medications=[below_max])).status == "not_met"
    assert judge(rule, make_case(medications=[inadequate_4w])).status == "met"


def test_min_in_current_episode() -> None:
    rule = {"kind": "failed_trials", "count": 2, "min_in_current_episode": 1}
    before = [med("sertraline", "2020-01-01", "2020-06-01", 100), med("venlafaxine", "2021-01-01", "2021-06-01", 150)]
    assert judge(rule, make_case(medications=before)).status == "not_met"
    assert judge(rule, make_case(medications=before[:1] + [med("venlafaxine", "2025-02-01", "2025-06-01", 150)])).status == "met"


def test_unknown_trials_can_still_fill_the_count() -> None:
    case = make_case(medications=[med("sertraline", "2025-01-01", "2025-06-01", 100), med("venlafaxine", "2025-01-01", "2025-06-01", None)])
    r = judge({"kind": "failed_trials", "count": 2, "distinct_classes": 2}, case)
    assert r.status == "unknown"
    assert r.gaps == ["medications[1] venlafaxine: maximum daily dose not documented"]
    assert r.next_step == "Add the highest daily dose reached in medications[1]"


def test_no_medications_is_not_met() -> None:
    r = judge({"kind": "failed_trials", "count": 1}, make_case())
    assert r.status == "not_met"
    assert r.message.startswith("0 of 1 required failed antidepressant trial")
