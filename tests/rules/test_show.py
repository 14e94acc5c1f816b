"""`priorauth rules show` and the plain-English rendering in priorauth.rules.describe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter

from priorauth.rules import Registry, RuleSource
from priorauth.rules import model as m
from priorauth.rules.describe import describe, describe_criterion, describe_rule_set
from tests.helpers import invoke, lines, rule_set
from tests.rules.conftest import acme_rule, write

SHIPPED_SOURCES: list[RuleSource] = Registry(use_env=False).sources()


@pytest.mark.parametrize("source", SHIPPED_SOURCES, ids=lambda s: f"{s.rule_set.id}@{s.rule_set.effective or 'unpublished'}")
def test_every_shipped_rule_set_renders(source: RuleSource) -> None:
    rs = source.rule_set
    result = invoke("rules", "show", rs.id, "--as-of", str(rs.effective or rs.checked))  # a rule set without effective has checked
    assert result.exit_code == 0, result.output
    out = lines(result)
    assert out[:2] == [f"{rs.id}: {rs.payer_name}, {'TMS' if rs.treatment == 'tms' else 'Spravato'}", f"Policy {rs.policy}: {rs.title}"]
    assert f"Evidence: {rs.evidence}" + (f" ({rs.evidence_note})" if rs.evidence_note else "") in out
    assert f"Rule file: {source.path} (shipped)" in out
    for crit in m.walk(rs.criteria):
        if crit.kind not in ("all_of", "any_of", "n_of"):
            assert any(line.strip() == "- " + describe_criterion(crit, rs) for line in out), crit.id
        if crit.source:
            assert any(line.strip() == f'Policy text: "{crit.source}"' for line in out), crit.id
    for note in rs.notes:
        assert f"  - {note}" in out
    assert "None" not in "\n".join(describe_rule_set(rs)).replace("none given", "")


def test_cigna_tms_reads_like_the_policy() -> None:
    out = lines(invoke("rules", "show", "cigna/tms"))
    assert out[:7] == [
        "cigna/tms: Cigna Healthcare, TMS",
        "Policy EN0383: Transcranial Magnetic Stimulation",
        "URL: none given",
        "In force: effective 2026-03-15 (no end date known)",
        "Criteria checked against the source: 2026-12-01",
        "Evidence: secondary (criteria known from a third-party summary of the 2026-03-15 revision; a reviewer should confirm)",
        "Source: Cigna / Evernorth Coverage Policy EN0383, revised 2026-03-15",
    ]
    i = out.index(
        "  - At least 2 failed antidepressant trials from 2 different classes, each at least 4 weeks at a therapeutic dose, "
        "in the current episode. Counts as failed: inadequate response, partial response, intolerance, contraindication "
        "(duration and dose do not apply to intolerance or contraindication)."
    )
    assert out[i + 1 : i + 4] == [
        "    Applies to: initial requests only.",
        '    Policy text: ">= 2 antidepressants from >= 2 classes, each >= 4 weeks at a therapeutic dose, in the current episode; intolerance or contraindication counts"',
        "    (id failed-antidepressants, topic medication_trials)",
    ]
    assert "  - Age 18 or older on the date of the request." in out
    assert "  - Validated depression rating scale, dated within 30 days of the request" in out
    assert "  - Records of the prior treatment course, any date (continuation requests only)" in out
    assert "  - Sessions: up to 36" in out
    assert "  - Procedure codes: 90867, 90868, 90869" in out
    assert (
        "  - Since 2026-03-06 Evernorth-contracted (in-network) providers need no prior authorization for TMS. It is still required out of network, "
        "for network-exception requests, and for Cigna Connect members treated out of their state (Evernorth provider notice, 2026-02-06). The criteria below still apply."
    ) in out


def test_as_of_picks_the_version_and_names_the_others(tmp_path: Path) -> None:
    write(tmp_path / "acme" / "tms-2024.yaml", acme_rule("2024-01-01", ends="2025-12-31"))
    write(tmp_path / "acme" / "tms.yaml", acme_rule("2026-01-01", age=21))
    old = lines(invoke("rules", "show", "acme/tms", "--as-of", "2025-06-01", "--rules-dir", str(tmp_path)))
    assert "In force: effective 2024-01-01 to 2025-12-31" in old
    assert "  - Age 18 or older on the date of the request." in old
    assert "Other version: effective 2026-01-01 (see --as-of 2026-01-01)" in old
    new = lines(invoke("rules", "show", "acme/tms", "--as-of", "2026-02-01", "--rules-dir", str(tmp_path)))
    assert "  - Age 21 or older on the date of the request." in new
    early = lines(invoke("rules", "show", "acme/tms", "--as-of", "2023-01-01", "--rules-dir", str(tmp_path)))
    assert early[0] == "note: acme/tms as known here took effect on 2024-01-01, after 2023-01-01; it is applied anyway"


def test_unknown_id_suggests_the_closest() -> None:
    result = invoke("rules", "show", "cigna/tsm")
    assert result.exit_code == 2
    assert lines(result) == ["error: no rule set 'cigna/tsm'", "  hint: did you mean 'cigna/tms'? see `priorauth rules list`"]


# ---- describe_criterion for every kind --------------------------------------------------------

AGE = {"id": "a", "kind": "age", "min": 18}
SAMPLES: dict[str, list[tuple[dict[str, Any], str]]] = {
    "age": [
        (AGE, "Age 18 or older on the date of the request."),
        ({"kind": "age", "min": 15, "max": 70}, "Age 15 to 70 (inclusive) on the date of the request."),
        ({"kind": "age", "max": 64}, "Age 64 or younger on the date of the request."),
    ],
    "diagnosis": [
        (
            {"kind": "diagnosis", "accepted": ["F32.2"], "accepted_prefixes": ["F33"], "excluded": ["F33.3"]},
            "The primary diagnosis is one of F32.2 (Major depressive disorder, single episode, severe without psychotic features) "
            "or any code under F33 (Major depressive disorder, recurrent); no diagnosis on the request is F33.3.",
        ),
    ],
    "failed_trials": [
        (
            {"kind": "failed_trials", "count": 1},
            "At least 1 failed antidepressant trial, lasting at least 6 weeks at a therapeutic dose. "
            "Counts as failed: inadequate response, partial response, intolerance (duration and dose do not apply to intolerance).",
        ),
        (
            {"kind": "failed_trials", "count": 3, "min_days": 29, "dose": "maximum", "within_years": 5, "min_in_current_episode": 1,
             "outcomes": ["inadequate_response"], "outcome_rules": {"inadequate_response": {"min_weeks": 8, "dose": "maximum"}},
             "classes": ["ssri", "snri"], "distinct_classes": 2, "min_adherence_pct": 80, "augmenting_agents_count": "fda_adjunct"},
            "At least 3 failed antidepressant trials from 2 different classes (counting only SSRI or SNRI), each at least 29 days at the "
            "top of the usual dose range, with at least 80% adherence, within the past 5 years. At least 1 of them in the current episode. "
            "Counts as failed: inadequate response. An inadequate response counts only after at least 8 weeks at the top of the usual dose range. "
            "FDA-approved adjunctive agents count toward the trials and classes.",
        ),
    ],
    "augmentation": [
        (
            {"kind": "augmentation", "min_weeks": 8, "within_years": 5},
            "At least 1 failed augmentation trial (an antipsychotic, lithium, liothyronine, buspirone or an antidepressant of another "
            "class added to an antidepressant), at least 8 weeks at a therapeutic dose, within the past 5 years. Counts as failed: "
            "inadequate response, partial response, intolerance (duration and dose do not apply to intolerance).",
        ),
    ],
    "psychotherapy": [
        (
            {"kind": "psychotherapy", "evidence_based": True, "current_episode": True},
            "An adequate trial of evidence-based psychotherapy (CBT, IPT, behavioral activation, DBT or problem-solving therapy): "
            "at least 6 sessions or 6 weeks, without sufficient improvement, in the current episode. Counts: inadequate response or "
            "partial response, or ongoing therapy after 6 sessions.",
        ),
        ({"kind": "psychotherapy", "any_entry": True, "if_absent": "unknown"},
         "Psychotherapy has been tried (any documented psychotherapy counts). When no psychotherapy is documented the criterion is "
         "reported as not documented, not as failed."),
    ],
    "severity": [
        (
            {"kind": "severity", "alternatives": [{"instrument": "PHQ-9", "min": 20}, {"instrument": "MADRS"}], "severe_codes": ["F33.2"]},
            "PHQ-9 score of at least 20 or a documented MADRS score, dated within 30 days of the request; or a diagnosis code that "
            "states a severe episode (F33.2).",
        ),
        ({"kind": "severity"}, "A score on a validated depression scale (PHQ-9, HAM-D17, MADRS, BDI-II, QIDS-SR16 or GDS), dated within 30 days of the request."),
    ],
    "episode_window": [({"kind": "episode_window", "within_years": 5}, "The current depressive episode began within the past 5 years.")],
    "contraindication": [
        (
            {"kind": "contraindication", "flag": "psychotic_features", "unless_document": "prescriber_attestation"},
            "Screening documents no psychotic features (clinical.psychotic_features: false); a diagnosis coded F32.3 or F33.3 also "
            "shows it; allowed when a prescriber attestation dated within 90 days is on file.",
        ),
        (
            {"kind": "contraindication", "flag": "substance_use_disorder"},
            "No active substance use disorder (clinical.substance_use_disorder must be documented; any other value passes).",
        ),
        (
            {"kind": "contraindication", "flag": "suicidal_ideation", "fail_values": ["passive", "active_with_intent"]},
            "No suicidal ideation documented as passive or active with intent (clinical.suicidal_ideation must be documented).",
        ),
    ],
    "prescriber": [
        ({"kind": "prescriber", "specialties": ["psychiatry", "psychiatric_nurse_practitioner"], "consult_counts": True},
         "Prescribed by a psychiatrist or psychiatric nurse practitioner, or in consultation with a psychiatrist."),
    ],
    "pdmp": [({"kind": "pdmp"}, "The state prescription drug monitoring program (PDMP) has been reviewed (clinical.pdmp_checked: true).")],
    "rems": [
        ({"kind": "rems", "patient_enrolled": True},
         "The treating healthcare setting is certified under the Spravato REMS and the patient is enrolled in the Spravato REMS."),
    ],
    "oral_antidepressant": [
        ({"kind": "oral_antidepressant", "min_weeks_stable": 2, "not_a_failed_drug": True},
         "An oral antidepressant continues alongside Spravato, taken for at least 2 weeks, and it is not one of the failed drugs."),
    ],
    "concurrent_treatments": [
        ({"kind": "concurrent_treatments", "forbidden": ["ketamine", "esketamine"], "unless_document": "prescriber_attestation"},
         "Not receiving ketamine or esketamine at the same time, unless a prescriber attestation dated within 90 days justifies it."),
    ],
    "ect": [({"kind": "ect", "statuses": ["current"]}, "ECT currently being given.")],
    "prior_response": [
        ({"kind": "prior_response", "min_improvement_pct": 50, "strictly_greater": True, "instrument": "PHQ-9", "none_ok": True},
         "A prior TMS course with more than 50% improvement (baseline to final score on PHQ-9); or no prior course at all."),
        ({"kind": "prior_response", "min_days_since_end": 90, "relapse_required": True},
         "A prior TMS course with a relapse after it and at least 90 days since it ended."),
    ],
    "sessions": [
        ({"kind": "sessions", "max": 36, "by_protocol": {"theta_burst": 30}, "continuation_max": 16},
         "At most 36 sessions requested (theta burst: at most 30); at most 16 for a continuation of the course (a retreatment after a relapse has the initial limit)."),
    ],
    "devices": [({"kind": "devices", "max": 23}, "At most 23 Spravato 28 mg devices requested.")],
    "suicidal_ideation": [({"kind": "suicidal_ideation"}, "Suicidal ideation documented (passive or active with intent).")],
    "not_covered": [
        ({"kind": "not_covered", "reason": "not medically necessary"},
         "The treatment is not covered: not medically necessary. Every request fails this; only an exception request or an appeal remains."),
    ],
    "document": [({"kind": "document", "document": "ect_evaluation", "max_age_days": 365}, "ECT evaluation dated within 365 days of the request is on file.")],
    "all_of": [({"kind": "all_of", "criteria": [AGE]}, "All of: (1) Age 18 or older on the date of the request.")],
    "any_of": [
        ({"kind": "any_of", "criteria": [AGE, {"id": "e", "kind": "ect", "statuses": ["current"]}]},
         "One of: (1) Age 18 or older on the date of the request; (2) ECT currently being given."),
    ],
    "n_of": [
        ({"kind": "n_of", "n": 2, "criteria": [AGE, {"id": "p", "kind": "pdmp"}, {"id": "d", "kind": "devices", "max": 2}]},
         "At least 2 of: (1) Age 18 or older on the date of the request; (2) The state prescription drug monitoring program (PDMP) "
         "has been reviewed (clinical.pdmp_checked: true); (3) At most 2 Spravato 28 mg devices requested."),
    ],
}
CRITERION = TypeAdapter(m.Criterion)


def test_samples_cover_every_kind() -> None:
    # a new kind in the model must get an English rendering (and a sample here)
    assert sorted(SAMPLES) == sorted(m.KINDS)


@pytest.mark.parametrize("kind", m.KINDS)
def test_describe_criterion_for_every_kind(kind: str) -> None:
    rs = rule_set(AGE)  # a TMS rule set, for defaults that depend on the treatment
    for data, expected in SAMPLES[kind]:
        crit = CRITERION.validate_python({"id": "c", **data})
        assert describe_criterion(crit, rs) == expected


def test_augmentation_without_its_own_length_borrows_the_trials() -> None:
    rs = rule_set({"id": "t", "kind": "failed_trials", "count": 2, "min_weeks": 8}, {"id": "a", "kind": "augmentation"})
    assert describe_criterion(rs.criteria[1], rs).startswith(
        "At least 1 failed augmentation trial (an antipsychotic, lithium, liothyronine, buspirone or an antidepressant of another "
        "class added to an antidepressant), at least as long as the policy's antidepressant trials (8 weeks) at a therapeutic dose."
    )


def test_combinators_render_as_nested_lists() -> None:
    rs = rule_set(
        {
            "id": "path",
            "kind": "any_of",
            "label": "Trials or ECT",
            "source": "section II",
            "criteria": [
                {"id": "trials", "kind": "failed_trials", "count": 2},
                {"id": "both", "kind": "all_of", "criteria": [{"id": "ect", "kind": "ect", "statuses": ["current"]}, {"id": "pdmp", "kind": "pdmp", "applies_to": ["continuation"]}]},
            ],
        }
    )
    assert describe(rs.criteria[0], rs).lines("  ") == [
        "  - One of:",
        '    Policy text: "section II"',
        '    (id path, topic medication_trials, label "Trials or ECT")',
        "    - At least 2 failed antidepressant trials, each at least 6 weeks at a therapeutic dose. Counts as failed: inadequate "
        "response, partial response, intolerance (duration and dose do not apply to intolerance).",
        "      Applies to: initial requests only.",
        "      (id trials, topic medication_trials)",
        "    - All of:",
        "      (id both, topic ect)",
        "      - ECT currently being given.",
        "        (id ect, topic ect)",
        "      - The state prescription drug monitoring program (PDMP) has been reviewed (clinical.pdmp_checked: true).",
        "        Applies to: continuation requests only.",
        "        (id pdmp, topic prescriber)",
    ]


def test_submission_channel_is_shown_and_its_keys_are_closed(tmp_path: Path) -> None:
    text = acme_rule().replace("criteria:\n", "submission:\n  fax: 1-800-555-0100\n  portal: https://provider.example/pa\n  appeal_days: 180\ncriteria:\n")
    write(tmp_path / "acme" / "tms.yaml", text)
    out = lines(invoke("rules", "show", "acme/tms", "--rules-dir", str(tmp_path)))
    at = out.index("Submission:")
    assert out[at : at + 4] == ["Submission:", "  - Fax: 1-800-555-0100", "  - Portal: https://provider.example/pa", "  - Internal appeal: within 180 days of the denial"]
    write(tmp_path / "acme" / "tms.yaml", text.replace("  fax:", "  facs:"))
    result = invoke("rules", "show", "acme/tms", "--rules-dir", str(tmp_path))
    assert result.exit_code == 2 and "submission.facs" in result.output
