"""The words `rules show`, reports and letters share come from one table, so they agree."""

from __future__ import annotations

from priorauth.rules.describe import describe_criterion
from priorauth.rules.model import RuleSet
from priorauth.vocabulary import DOSE_PHRASES, ECT_WORDS
from tests.helpers import judge, make_case, med

MAXIMUM = {"id": "trials", "kind": "failed_trials", "count": 1, "min_weeks": 6, "dose": "maximum"}


def _criterion(data: dict[str, object]) -> object:
    rs = RuleSet.model_validate(
        {
            "id": "acme/tms", "payer": "acme", "payer_name": "Acme", "treatment": "tms", "policy": "1", "title": "T",
            "effective": "2026-01-01", "evidence": "primary", "source": "s", "criteria": [data],
        }
    )
    return rs.criteria[0]


def test_the_report_and_rules_show_word_a_maximum_dose_rule_alike() -> None:
    # they disagreed ("at the maximum dose" in the report, "at the top of the usual dose
    # range" in rules show); the catalog figure checked is the top of the usual range
    r = judge(MAXIMUM, make_case(medications=[med("sertraline", "2025-02-01", "2025-05-01", 100)]))
    assert r.message == "0 of 1 required failed antidepressant trial (>= 6 weeks at the top of the usual dose range)"
    assert "at least 6 weeks at the top of the usual dose range" in describe_criterion(_criterion(MAXIMUM))
    assert DOSE_PHRASES["maximum"] == "at the top of the usual dose range"


def test_rules_show_and_letters_word_ect_statuses_alike() -> None:
    text = describe_criterion(_criterion({"id": "ect", "kind": "ect", "statuses": ["declined", "failed", "current"]}))
    assert text == "ECT offered and declined by the patient, tried without adequate response or currently being given."
    assert ECT_WORDS["current"] == "currently being given"
