"""What the text and markdown reports say about a trial that does not count, and a scale entered once.

Each case is the Cigna TMS sample (`not_eligible`: one failed SSRI of the two classes
required) with one thing changed, checked through `priorauth check` as a clinic would read it.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers import SAMPLES, invoke

BASE: dict[str, Any] = yaml.safe_load((SAMPLES / "cigna-tms-not-eligible.yaml").read_text())
TRIALS_LINE = "  [?] Failed antidepressant trials: 1 of 2 required failed antidepressant trials from 2 classes"


def write_case(tmp_path: Path, change: dict[str, Any] | None = None, drop: tuple[str, ...] = (), second: dict[str, Any] | None = None) -> Path:
    data = copy.deepcopy(BASE)
    for key in drop:
        data.pop(key)
    data.update(copy.deepcopy(change or {}))
    if second is not None:
        trial = {"drug": "duloxetine", "max_daily_dose_mg": 60, "start": "2025-11-05", "end": "2026-01-20", "outcome": "inadequate_response", "role": "monotherapy"}
        trial.update(second)
        data["medications"][1] = {k: v for k, v in trial.items() if v is not None}
    path = tmp_path / "case.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def block(out: str, first: str) -> list[str]:
    """The lines of one criterion in the text report: its line and those indented under it."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(first))
    end = start + 1
    while end < len(lines) and lines[end].startswith("      "):
        end += 1
    return lines[start:end]


# ---- A: why a trial did not count, and what closes the gap --------------------------------------


def test_misspelled_drug_shows_the_catalog_reason_and_the_correction(tmp_path: Path) -> None:
    case = write_case(tmp_path, second={"drug": "duloxetin"})
    code, out, err = invoke("check", str(case))
    assert (code, err) == (1, "")
    assert block(out, TRIALS_LINE) == [
        TRIALS_LINE,
        "      (>= 4 weeks at a therapeutic dose) in the current episode; classes so far: SSRI",
        "      see medications[0]",
        "      medications[1] duloxetin: not in the drug catalog; did you mean duloxetine?",
        "      -> Correct the drug name of medications[1] (did you mean duloxetine?)",
    ]
    assert out.splitlines()[-4:-1] == ["  Next steps:", "   1. Correct the drug name of medications[1] (did you mean duloxetine?)", ""]
    assert "Complete the missing details" not in out
    _, md, _ = invoke("check", str(case), "--format", "markdown")
    rows = md.splitlines()
    i = rows.index(
        "| ❓ | Failed antidepressant trials | 1 of 2 required failed antidepressant trials from 2 classes (>= 4 weeks at a therapeutic dose) "
        "in the current episode; classes so far: SSRI | Correct the drug name of medications[1] (did you mean duloxetine?) |"
    )
    assert rows[i + 1] == "| | | ↳ medications[1] duloxetin: not in the drug catalog; did you mean duloxetine? | |"
    assert rows[i + 2].startswith("| ✅ | Psychotherapy trial |")


def test_missing_episode_start_names_every_trial_and_the_one_fix(tmp_path: Path) -> None:
    case = write_case(tmp_path, drop=("episode",), second={})
    _, out, _ = invoke("check", str(case))
    first = "  [?] Failed antidepressant trials: 0 of 2 required"
    assert block(out, first)[2:] == [
        "      medications[0] sertraline: the start of the current episode is not documented",
        "      medications[1] duloxetine: the start of the current episode is not documented",
        "      -> Document when the current episode started (episode.current_start)",
    ]
    assert "   1. Document when the current episode started (episode.current_start)" in out.splitlines()
    _, md, _ = invoke("check", str(case), "--format", "markdown")
    assert "| | | ↳ medications[0] sertraline: the start of the current episode is not documented | |\n| | | ↳ medications[1] duloxetine: the start of the current episode is not documented | |\n" in md


def test_dose_below_minimum_is_shown_under_a_criterion_not_met(tmp_path: Path) -> None:
    case = write_case(tmp_path, second={"max_daily_dose_mg": 20})
    code, out, _ = invoke("check", str(case))
    assert code == 1
    first = "  [!] Failed antidepressant trials: 1 of 2 required"
    assert block(out, first)[2:] == [
        "      see medications[0]",
        "      medications[1] duloxetine: 20 mg/day is below the minimum adequate dose of 60 mg/day",
        "      -> Document 1 more failed antidepressant trial (>= 4 weeks at a therapeutic dose, in the",
        "      current episode), from a class other than SSRI",
    ]
    _, md, _ = invoke("check", str(case), "--format", "markdown")
    assert "\n| | | ↳ medications[1] duloxetine: 20 mg/day is below the minimum adequate dose of 60 mg/day | |\n" in md


@pytest.mark.parametrize(
    ("second", "reason", "step"),
    [
        ({"start": None, "end": None}, "start date not documented", "Add the start and end dates of medications[1] (leave the end out if it is still taken)"),
        ({"start": None}, "start date not documented", "Add the start date of medications[1]"),
        ({"max_daily_dose_mg": None}, "maximum daily dose not documented", "Add the highest daily dose reached in medications[1]"),
        ({"outcome": None}, "outcome not documented", "Add the outcome of medications[1]"),
    ],
)
def test_undocumented_trial_facts_name_the_field_to_add(tmp_path: Path, second: dict[str, Any], reason: str, step: str) -> None:
    _, out, _ = invoke("check", str(write_case(tmp_path, second=second)))
    lines = block(out, TRIALS_LINE)
    assert lines[3:] == [f"      medications[1] duloxetine: {reason}", f"      -> {step}"]
    data = json.loads(invoke("check", str(write_case(tmp_path, second=second)), "--format", "json")[1])
    trials = data["criteria"][4]
    assert trials["next_step"] == step and data["next_steps"] == [step]
    assert trials["explanations"][1] == f"medications[1] duloxetine (SNRI): cannot tell: {reason}"


def test_met_criteria_do_not_list_the_trials_that_did_not_count(tmp_path: Path) -> None:
    # three trials, two count: the aripiprazole that does not is no gap
    meds = BASE["medications"] + [{"drug": "bupropion", "max_daily_dose_mg": 300, "start": "2026-02-01", "end": "2026-04-01", "outcome": "inadequate_response", "role": "monotherapy"}]
    _, out, _ = invoke("check", str(write_case(tmp_path, {"medications": meds})))
    lines = block(out, "  [x] Failed antidepressant trials:")
    assert lines[-1] == "      see medications[0], medications[2]"
    assert "aripiprazole" not in out


def test_psychotherapy_without_outcome_says_what_to_add(tmp_path: Path) -> None:
    therapy = [{"modality": "CBT", "start": "2025-09-01", "end": "2026-01-15", "sessions": 16}]
    _, out, _ = invoke("check", str(write_case(tmp_path, {"psychotherapy": therapy})))
    assert block(out, "  [?] Psychotherapy trial:") == [
        "  [?] Psychotherapy trial: Evidence-based psychotherapy is documented but cannot be judged",
        "      adequate",
        "      see psychotherapy[0]",
        "      psychotherapy[0] CBT: outcome not documented",
        "      -> Add the outcome of psychotherapy[0]",
    ]


# ---- B: a scored scale in assessments is the rating-scale document -------------------------------


def scale_case(tmp_path: Path, date: str, instrument: str = "PHQ-9") -> Path:
    docs = [d for d in BASE["documents"] if d["kind"] != "rating_scale"]
    return write_case(tmp_path, {"documents": docs, "assessments": [{"instrument": instrument, "score": 22, "date": date}]})


def test_assessment_30_days_old_puts_the_scale_on_file(tmp_path: Path) -> None:
    case = scale_case(tmp_path, "2026-10-19")  # request 2026-11-18: day 30
    code, out, _ = invoke("check", str(case))
    assert code == 1  # still not eligible for the second class, but no document gap
    assert "  [x] Validated depression scale within 30 days: on file per assessments[0] (2026-10-19); attach\n      the scored PHQ-9\n" in out
    assert "MISSING" not in out
    _, md, _ = invoke("check", str(case), "--format", "markdown")
    assert "| ✅ | Validated depression scale within 30 days | on file per assessments[0] (2026-10-19); attach the scored PHQ-9 |\n" in md
    data = json.loads(invoke("check", str(case), "--format", "json")[1])
    assert data["missing_documents"] == []
    assert data["documents"][2] == {
        "kind": "rating_scale",
        "label": "Validated depression scale within 30 days",
        "state": "on_file",
        "max_age_days": 30,
        "evidence": ["assessments[0]"],
        "date": "2026-10-19",
        "next_step": None,
        "satisfied_by": "assessments[0]",
        "attach": "the scored PHQ-9",
        "note": "on file per assessments[0] (2026-10-19); attach the scored PHQ-9",
    }
    # a document filed under documents carries none of the new fields
    assert "satisfied_by" not in data["documents"][0]


def test_assessment_31_days_old_is_a_stale_scale(tmp_path: Path) -> None:
    case = scale_case(tmp_path, "2026-10-18")  # day 31
    _, out, _ = invoke("check", str(case))
    assert "  [~] Validated depression scale within 30 days: STALE (newest 2026-10-18)" in out.splitlines()
    data = json.loads(invoke("check", str(case), "--format", "json")[1])
    assert data["missing_documents"] == [
        {
            "kind": "rating_scale",
            "label": "Validated depression scale within 30 days",
            "state": "stale",
            "next_step": "Update the validated depression rating scale: the newest on file (2026-10-18, assessments[0]) is older than 30 days",
        }
    ]
    assert data["documents"][2]["evidence"] == ["assessments[0]"]
    assert "satisfied_by" not in data["documents"][2]


def test_ready_case_with_the_scale_only_in_assessments_stays_ready(tmp_path: Path) -> None:
    data = yaml.safe_load((SAMPLES / "cigna-tms-ready.yaml").read_text())
    data["documents"] = [d for d in data["documents"] if d["kind"] != "rating_scale"]
    path = tmp_path / "ready.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    code, out, _ = invoke("check", str(path))
    assert code == 0
    assert "  READY: every criterion met and every document on file" in out.splitlines()
    # two scales on the same day: the first listed stands for the document
    assert "  [x] Validated depression scale within 30 days: on file per assessments[0] (2026-11-10); attach\n      the scored PHQ-9\n" in out
