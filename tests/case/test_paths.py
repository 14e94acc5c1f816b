"""The one path walker (priorauth.loading.paths): from a field path to the model that
validates the mapping there, which gives the "did you mean" of an unknown key."""

from pathlib import Path

import pytest

from priorauth.case import Case, Medication, Patient, load_case_text
from priorauth.errors import CaseFileError, RuleFileError
from priorauth.loading import allowed_keys, format_path, model_at, tag_models
from priorauth.rules import load_rule_text
from priorauth.rules import model as m

ROOT = Path(__file__).resolve().parents[2]


def test_a_path_is_written_as_in_the_case_file() -> None:
    assert format_path(("medications", 2, "end")) == "medications[2].end"
    assert format_path(()) == ""


def test_case_paths_lead_to_their_models() -> None:
    assert model_at(Case, ()) is Case
    assert model_at(Case, ("patient",)) is Patient
    assert model_at(Case, ("medications", 3)) is Medication
    assert model_at(Case, ("medications", 3, "drug")) is None  # a leaf, not a mapping
    assert model_at(Case, ("medicines", 0)) is None
    assert allowed_keys(Case)(("medications", 0))[:3] == ["drug", "max_daily_dose_mg", "start"]
    assert allowed_keys(Case)(("nowhere",)) == []


def test_rule_paths_follow_each_criterion_kind_and_step_over_mapping_keys() -> None:
    tags = tag_models(getattr(m, name) for name in dir(m))
    data = {
        "criteria": [
            {"kind": "any_of", "criteria": [{"kind": "age"}, {"kind": "failed_trials", "outcome_rules": {"partial_response": {}}}]},
            {"kind": "no_such_kind"},
        ],
        "documents": [{"kind": "psychiatric_evaluation"}],
    }
    assert model_at(m.RuleSet, ("criteria", 0), data, tags) is m.AnyOf
    assert model_at(m.RuleSet, ("criteria", 0, "criteria", 1), data, tags) is m.FailedTrialsCriterion
    assert model_at(m.RuleSet, ("criteria", 0, "criteria", 1, "outcome_rules", "partial_response"), data, tags) is m.OutcomeRule
    assert model_at(m.RuleSet, ("criteria", 1), data, tags) is None
    assert model_at(m.RuleSet, ("documents", 0), data, tags) is m.RequiredDocument
    assert model_at(m.RuleSet, ("limits",), data, tags) is m.Limits


def test_an_unknown_key_deep_in_a_case_gets_its_suggestion() -> None:
    text = (ROOT / "samples" / "cigna-tms-ready.yaml").read_text(encoding="utf-8")
    bad = text.replace("max_daily_dose_mg:", "max_daily_dose:", 1)
    with pytest.raises(CaseFileError) as caught:
        load_case_text(bad, "case.yaml")
    [issue] = caught.value.issues
    assert (issue.message, issue.hint) == ("unknown key 'max_daily_dose'", "did you mean 'max_daily_dose_mg'?")
    assert issue.path.startswith("medications[") and issue.path.endswith("].max_daily_dose")


def test_an_unknown_key_in_a_nested_criterion_gets_the_suggestion_of_its_kind() -> None:
    text = (ROOT / "payer_rules" / "cigna" / "tms.yaml").read_text(encoding="utf-8")
    bad = text.replace("    distinct_classes: 2\n", "    distinct_clases: 2\n", 1)
    assert bad != text
    with pytest.raises(RuleFileError) as caught:
        load_rule_text(bad, "tms.yaml")
    [issue] = caught.value.issues
    assert issue.message == "unknown key 'distinct_clases'"
    assert issue.hint == "did you mean 'distinct_classes'?"
    assert issue.path.endswith(".distinct_clases")
