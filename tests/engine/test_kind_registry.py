"""Every criterion kind is complete, and its description says every parameter it is judged by.

A kind is one module in priorauth/kinds/ registered in priorauth/kinds/registry.py. These
tests fail when a kind lacks a piece (model, evaluator, description, label, topic, fields)
or when a parameter changes the evaluation but not the plain-English description (the
``above`` threshold of ``severity`` once did: ``rules show`` said "a documented score").
"""

from __future__ import annotations

import typing
from typing import Any

import pytest

from priorauth.kinds import COMBINATORS, KINDS, REGISTRY, describe_criterion, fields_read
from priorauth.kinds.base import Topic, _Criterion
from priorauth.rules import model as m
from priorauth.rules import Registry
from priorauth.rules.describe import describe_rule_set
from tests.helpers import rule_set

COMMON = set(_Criterion.model_fields) | {"kind"}
AGE = {"id": "a", "kind": "age", "min": 18}
AGE_21 = {"id": "b", "kind": "age", "min": 21}
ECT = {"id": "e", "kind": "ect", "statuses": ["failed"]}

# kind -> (base parameters, [(parameter, changed values, values set on both sides)])
VARIANTS: dict[str, tuple[dict[str, Any], list[tuple[str, dict[str, Any], dict[str, Any]]]]] = {
    "age": ({"min": 18}, [("min", {"min": 21}, {}), ("max", {"max": 60}, {})]),
    "diagnosis": (
        {"accepted": ["F33.2"]},
        [
            ("accepted", {"accepted": ["F33.1"]}, {}),
            ("accepted_prefixes", {"accepted_prefixes": ["F32"]}, {}),
            ("excluded", {"excluded": ["F31.0"]}, {}),
            ("excluded_prefixes", {"excluded_prefixes": ["F31"]}, {}),
            ("primary_only", {"primary_only": False}, {}),
        ],
    ),
    "failed_trials": (
        {"count": 2},
        [
            ("count", {"count": 3}, {}),
            ("distinct_classes", {"distinct_classes": 2}, {}),
            ("distinct_drugs", {"distinct_drugs": False}, {}),
            ("min_weeks", {"min_weeks": 8}, {}),
            ("min_days", {"min_days": 29}, {}),
            ("dose", {"dose": "maximum"}, {}),
            ("outcomes", {"outcomes": ["inadequate_response"]}, {}),
            ("outcome_rules", {"outcome_rules": {"partial_response": {"min_weeks": 8}}}, {}),
            ("max_improvement_pct", {"max_improvement_pct": 25}, {}),
            ("min_adherence_pct", {"min_adherence_pct": 80}, {}),
            ("classes", {"classes": ["ssri", "snri"]}, {}),
            ("current_episode", {"current_episode": True}, {}),
            ("within_years", {"within_years": 2}, {}),
            ("min_in_current_episode", {"min_in_current_episode": 1}, {}),
            ("role", {"role": "monotherapy"}, {}),
            ("augmenting_agents_count", {"augmenting_agents_count": "all"}, {}),
        ],
    ),
    "augmentation": (
        {"count": 2},
        [
            ("count", {"count": 3}, {}),
            ("min_weeks", {"min_weeks": 8}, {}),
            ("min_days", {"min_days": 29}, {}),
            ("distinct_strategies", {"distinct_strategies": True}, {}),
            ("agents", {"agents": ["lithium"]}, {}),
            ("outcomes", {"outcomes": ["intolerance"]}, {}),
            ("current_episode", {"current_episode": True}, {}),
            ("within_years", {"within_years": 2}, {}),
            ("dose", {"dose": "maximum"}, {}),
        ],
    ),
    "psychotherapy": (
        {},
        [
            ("min_sessions", {"min_sessions": 8}, {}),
            ("min_weeks", {"min_weeks": 10}, {}),
            ("evidence_based", {"evidence_based": True}, {}),
            ("modalities", {"modalities": ["CBT"]}, {}),
            ("unclear_modalities", {"unclear_modalities": ["other"]}, {"modalities": ["CBT"]}),
            ("outcomes", {"outcomes": ["inadequate_response"]}, {}),
            ("current_episode", {"current_episode": True}, {}),
            ("if_absent", {"if_absent": "unknown"}, {}),
            ("any_entry", {"any_entry": True}, {}),
        ],
    ),
    "severity": (
        {"alternatives": [{"instrument": "PHQ-9", "min": 20}]},
        [
            ("alternatives", {"alternatives": [{"instrument": "MADRS", "min": 20}]}, {}),
            ("alternatives", {"alternatives": [{"instrument": "PHQ-9", "min": 15}]}, {}),
            ("alternatives", {"alternatives": [{"instrument": "PHQ-9", "above": 20}]}, {}),
            ("alternatives", {"alternatives": [{"instrument": "PHQ-9"}]}, {}),
            ("max_age_days", {"max_age_days": 60}, {}),
            ("current_episode", {"current_episode": True}, {}),
            ("severe_codes", {"severe_codes": ["F33.2"]}, {}),
        ],
    ),
    "episode_window": ({"within_years": 2}, [("within_years", {"within_years": 3}, {})]),
    "suicidal_ideation": ({}, [("meets", {"meets": ["active_with_intent"]}, {})]),
    "not_covered": ({"reason": "not medically necessary"}, [("reason", {"reason": "investigational"}, {})]),
    "contraindication": (
        {"flag": "substance_use_disorder"},
        [
            ("flag", {"flag": "seizure_history"}, {}),
            ("fail_values", {"fail_values": ["remission", "active"]}, {}),
            ("codes", {"codes": ["F10"]}, {}),
            ("unless_document", {"unless_document": "prescriber_attestation"}, {}),
            ("unless_document_days", {"unless_document_days": 30}, {"unless_document": "prescriber_attestation"}),
        ],
    ),
    "prescriber": (
        {},
        [
            ("specialties", {"specialties": ["psychiatry", "psychiatric_nurse_practitioner"]}, {}),
            ("consult_counts", {"consult_counts": True}, {}),
            ("board_certified", {"board_certified": True}, {}),
        ],
    ),
    "pdmp": ({}, []),
    "rems": ({}, [("setting_certified", {"setting_certified": False}, {"patient_enrolled": True}), ("patient_enrolled", {"patient_enrolled": True}, {})]),
    "oral_antidepressant": ({}, [("min_weeks_stable", {"min_weeks_stable": 2}, {}), ("not_a_failed_drug", {"not_a_failed_drug": True}, {})]),
    "concurrent_treatments": (
        {"forbidden": ["ECT"]},
        [
            ("forbidden", {"forbidden": ["ketamine"]}, {}),
            ("unless_document", {"unless_document": "prescriber_attestation"}, {}),
            ("unless_document_days", {"unless_document_days": 30}, {"unless_document": "prescriber_attestation"}),
            ("without_document", {"without_document": "unknown"}, {"unless_document": "prescriber_attestation"}),
        ],
    ),
    "ect": ({"statuses": ["failed"]}, [("statuses", {"statuses": ["declined"]}, {})]),
    "prior_response": (
        {"min_improvement_pct": 50},
        [
            ("treatment", {"treatment": "spravato"}, {}),
            ("min_improvement_pct", {"min_improvement_pct": 40}, {}),
            ("strictly_greater", {"strictly_greater": True}, {}),
            ("instrument", {"instrument": "PHQ-9"}, {}),
            ("relapse_required", {"relapse_required": True}, {}),
            ("min_days_since_end", {"min_days_since_end": 90}, {}),
            ("min_weeks_held", {"min_weeks_held": 8}, {}),
            ("min_months_held", {"min_months_held": 2}, {}),
            ("none_ok", {"none_ok": True}, {}),
        ],
    ),
    "sessions": (
        {"max": 36},
        [("max", {"max": 30}, {}), ("by_protocol", {"by_protocol": {"theta_burst": 20}}, {}), ("continuation_max", {"continuation_max": 10}, {})],
    ),
    "devices": ({"max": 24}, [("max", {"max": 20}, {})]),
    "document": ({"document": "psychiatric_evaluation"}, [("document", {"document": "treatment_plan"}, {}), ("max_age_days", {"max_age_days": 90}, {})]),
    "all_of": ({"criteria": [AGE]}, [("criteria", {"criteria": [AGE_21]}, {})]),
    "any_of": ({"criteria": [AGE, ECT]}, [("criteria", {"criteria": [AGE_21, ECT]}, {})]),
    "n_of": ({"n": 1, "criteria": [AGE, ECT]}, [("n", {"n": 2}, {}), ("criteria", {"criteria": [AGE_21, ECT]}, {})]),
}


def _describe(kind: str, params: dict[str, Any]) -> str:
    rs = rule_set({"id": "c", "kind": kind, **params})
    return describe_criterion(rs.criteria[0], rs)


@pytest.mark.parametrize("name", KINDS)
def test_every_kind_has_every_piece(name: str) -> None:
    kind = REGISTRY[name]
    assert kind.name == name
    assert kind.model.model_fields["kind"].annotation == typing.Literal[name]
    assert issubclass(kind.model, _Criterion)
    assert callable(kind.evaluate) and callable(kind.describe) and callable(kind.fields_read)
    assert kind.topic in typing.get_args(Topic)
    assert set(kind.applies_to) <= {"initial", "continuation"} and kind.applies_to
    base = rule_set({"id": "c", "kind": name, **VARIANTS[name][0]}).criteria[0]
    assert kind.label_for(base).strip()
    assert describe_criterion(base).strip()
    fields = fields_read(base)
    assert fields == [] if name in COMBINATORS else fields


def test_the_union_and_kinds_come_from_the_registry() -> None:
    union = typing.get_args(typing.get_args(m.Criterion)[0])
    assert [c.model_fields["kind"].annotation.__args__[0] for c in union] == list(KINDS)
    assert m.KINDS == KINDS


def test_variants_cover_every_parameter_of_every_kind() -> None:
    # a new parameter must come with a variant here, so its description is checked too
    assert set(VARIANTS) == set(KINDS)
    for name, (_, variants) in VARIANTS.items():
        assert {p for p, _, _ in variants} == set(REGISTRY[name].model.model_fields) - COMMON, name


@pytest.mark.parametrize(
    ("name", "param", "changed", "both"),
    [(name, p, changed, both) for name, (_, variants) in VARIANTS.items() for p, changed, both in variants],
)
def test_the_description_changes_with_every_parameter(name: str, param: str, changed: dict[str, Any], both: dict[str, Any]) -> None:
    base = {**VARIANTS[name][0], **both}
    assert _describe(name, base) != _describe(name, {**base, **changed}), f"{name}: the description ignores {param}"


def test_a_strict_severity_threshold_is_described_as_strict() -> None:
    text = _describe("severity", {"alternatives": [{"instrument": "PHQ-9", "above": 19}, {"instrument": "MADRS", "min": 20}]})
    assert text == "PHQ-9 score above 19 (> 19) or MADRS score of at least 20, dated within 30 days of the request."


def test_rules_show_florida_blue_tms_states_the_strict_thresholds() -> None:
    source = Registry(use_env=False).versions("florida-blue/tms")[-1]
    text = "\n".join(describe_rule_set(source.rule_set, source))
    assert "PHQ-9 score above 19 (> 19), BDI-II score above 29 (> 29), MADRS score above 34 (> 34), QIDS-SR16 score above 15 (> 15) or IDS-C score above 36 (> 36)" in text
    assert "a documented PHQ-9 score" not in text


def test_docs_list_the_kinds_in_registry_order() -> None:
    from tests.helpers import ROOT

    text = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    section = text.split("## Criterion kinds", 1)[1].split("\n## ", 1)[0]
    headings = [line[5:-1] for line in section.splitlines() if line.startswith("### `")]
    assert headings == list(KINDS)
