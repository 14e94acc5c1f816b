"""`priorauth batch`: the summary files, exit codes, letters, parallel runs and --resume."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.batch.conftest import sample_json
from tests.helpers import SAMPLES, invoke


def summary(out: Path) -> list[dict[str, Any]]:
    return json.loads((out / "summary.json").read_text(encoding="utf-8"))


def row(source: str, case: str | None, rule_set: str | None, status: str, **fields: Any) -> dict[str, Any]:
    payer, _, treatment = (rule_set or "").partition("/")
    out = {
        "source": source,
        "case": case,
        "payer": payer or None,
        "treatment": treatment or None,
        "rule_set": rule_set,
        "status": status,
        "unmet": [],
        "unknown": [],
        "missing_documents": [],
        "files": [],
        "error": None,
    }
    out.update(fields)
    return out


INCOMPLETE_GAPS = {"unknown": ["contraindications", "sessions"], "missing_documents": ["rating_scale"]}

MIXED_FOLDER_ROWS = [
    row(
        "cases/broken.yaml",
        None,
        None,
        "error",
        error="cases/broken.yaml:3: not valid YAML: did not find expected ',' or ']' (check the indentation and the ':' after each key)",
    ),
    row("cases/cigna-spravato-ready.yaml", "DEMO-2001", "cigna/spravato", "ready"),
    row("cases/cigna-tms-not-eligible.yaml", "DEMO-1002", "cigna/tms", "not_eligible", unmet=["medication_trials"]),
    row("cases/cigna-tms-ready.yaml", "DEMO-1001", "cigna/tms", "ready"),
    row("cases/export.jsonl:1", "EXP-1", "cigna/tms", "ready"),
    row("cases/export.jsonl:2", None, None, "error", error="cases/export.jsonl:2: coverage.member_id: required field is missing"),
    row("cases/export.jsonl:4", "EXP-4", "medicare/tms", "incomplete", **INCOMPLETE_GAPS),
    row("cases/medicare-tms-incomplete.yaml", "DEMO-1003", "medicare/tms", "incomplete", **INCOMPLETE_GAPS),
]


def test_mixed_folder_summary_rows_and_exit_code(cases: Path) -> None:
    result = invoke("batch", "cases", "-o", "out", "--jobs", "1")
    assert result.exit_code == 2  # an invalid input, though the good cases all ran
    assert summary(Path("out")) == MIXED_FOLDER_ROWS


def test_summary_csv_has_the_same_rows(cases: Path) -> None:
    invoke("batch", "cases", "-o", "out", "--jobs", "1")
    with open("out/summary.csv", newline="", encoding="utf-8") as handle:
        table = list(csv.reader(handle))
    assert table[0] == ["source", "case", "payer", "treatment", "rule_set", "status", "unmet", "unknown", "missing_documents", "files", "error"]
    assert [r[0] for r in table[1:]] == [r["source"] for r in MIXED_FOLDER_ROWS]
    assert table[7] == ["cases/export.jsonl:4", "EXP-4", "medicare", "tms", "medicare/tms", "incomplete", "", "contraindications;sessions", "rating_scale", "", ""]
    assert table[6][5:] == ["error", "", "", "", "", "cases/export.jsonl:2: coverage.member_id: required field is missing"]


def test_progress_lines_and_summary_table(cases: Path) -> None:
    result = invoke("batch", "cases", "-o", "out", "--jobs", "1")
    assert result.stderr.splitlines() == [
        "[1/8] cases/broken.yaml error",
        "[2/8] DEMO-2001 ready",
        "[3/8] DEMO-1002 not eligible",
        "[4/8] DEMO-1001 ready",
        "[5/8] EXP-1 ready",
        "[6/8] cases/export.jsonl:2 error",
        "[7/8] EXP-4 incomplete",
        "[8/8] DEMO-1003 incomplete",
    ]
    lines = result.stdout.splitlines()
    assert lines[0] == "8 cases, 8 results:"
    assert [line.split() for line in lines[1:6]] == [["STATUS", "COUNT"], ["ready", "3"], ["incomplete", "2"], ["not_eligible", "1"], ["error", "2"]]
    not_ready = lines[lines.index("Not ready:") + 2 :]
    assert [line.split()[0] for line in not_ready if line.startswith("  cases/")] == [
        "cases/broken.yaml",
        "cases/cigna-tms-not-eligible.yaml",
        "cases/export.jsonl:2",
        "cases/export.jsonl:4",
        "cases/medicare-tms-incomplete.yaml",
    ]
    assert lines[-1] == "Summary: out/summary.csv and out/summary.json"


def test_parallel_run_gives_the_same_summary(cases: Path) -> None:
    one = invoke("batch", "cases", "-o", "one", "--jobs", "1")
    two = invoke("batch", "cases", "-o", "two", "--jobs", "2")
    assert (one.exit_code, two.exit_code) == (2, 2)
    assert summary(Path("two")) == summary(Path("one")) == MIXED_FOLDER_ROWS
    assert two.stderr == one.stderr


def test_all_ready_exits_0_and_gaps_exit_1(tmp_path: Path) -> None:
    assert invoke("batch", str(SAMPLES / "cigna-tms-ready.yaml"), str(SAMPLES / "cigna-spravato-ready.yaml"), "-o", "out").exit_code == 0
    assert invoke("batch", str(SAMPLES / "cigna-tms-ready.yaml"), str(SAMPLES / "medicare-tms-incomplete.yaml"), "-o", "out2").exit_code == 1


def test_payer_and_treatment_override_each_case(tmp_path: Path) -> None:
    result = invoke("batch", str(SAMPLES / "cigna-tms-ready.yaml"), "-o", "out", "--payer", "aetna")
    assert [(r["rule_set"], r["status"]) for r in summary(Path("out"))] == [("aetna/tms", "ready")]
    result = invoke("batch", str(SAMPLES / "cigna-tms-ready.yaml"), "-o", "out2", "--treatment", "both")
    assert [(r["rule_set"], r["status"]) for r in summary(Path("out2"))] == [("cigna/tms", "ready"), ("cigna/spravato", "incomplete")]
    assert result.exit_code == 1
    assert result.stderr == "[1/1] DEMO-1001 cigna/tms ready, cigna/spravato incomplete\n"


def test_unknown_payer_stops_before_anything_runs(tmp_path: Path) -> None:
    result = invoke("batch", str(SAMPLES / "cigna-tms-ready.yaml"), "-o", "out", "--payer", "cigan")
    assert result.exit_code == 2
    assert "--payer: no rule sets for payer 'cigan'" in result.stderr
    assert "did you mean 'cigna'?" in result.stderr
    assert not Path("out").exists()


def test_payer_is_matched_as_check_matches_it(tmp_path: Path) -> None:
    # `check --payer CIGNA` works; batch, which checks --payer before any case, agrees
    result = invoke("batch", str(SAMPLES / "cigna-tms-ready.yaml"), "-o", "out", "--payer", "CIGNA")
    assert result.exit_code == 0, result.stderr
    assert [(r["payer"], r["rule_set"], r["status"]) for r in summary(Path("out"))] == [("cigna", "cigna/tms", "ready")]


def test_payer_without_the_treatment_is_refused_as_check_refuses_it(tmp_path: Path) -> None:
    result = invoke("batch", str(SAMPLES / "cigna-tms-ready.yaml"), "-o", "out", "--payer", "Texas-Medicaid", "--treatment", "tms")
    assert result.exit_code == 2
    assert result.stderr == "error: payer 'texas-medicaid' has no rule set for tms (it has: spravato)\n  hint: pick another --treatment or --payer\n"
    assert not Path("out").exists()


def test_an_unknown_payer_on_a_json_lines_line_names_that_line(tmp_path: Path) -> None:
    other = json.loads(sample_json("cigna-tms-ready.yaml"))
    other["coverage"]["payer"] = "acme"
    Path("export.jsonl").write_text(sample_json("cigna-tms-ready.yaml") + "\n\n" + json.dumps(other) + "\n", encoding="utf-8")
    result = invoke("batch", "export.jsonl", "-o", "out")
    assert result.exit_code == 2
    assert [(r["source"], r["status"], r["error"]) for r in summary(Path("out"))] == [
        ("export.jsonl:1", "ready", None),
        ("export.jsonl:3", "error", "export.jsonl:3: coverage.payer: no rule sets for payer 'acme' (see `priorauth rules list` for the payers known here)"),
    ]


def test_a_missing_input_is_one_error_row(tmp_path: Path) -> None:
    result = invoke("batch", "nowhere.yaml", str(SAMPLES / "cigna-tms-ready.yaml"), "-o", "out")
    assert result.exit_code == 2
    assert next((r["source"], r["status"], r["error"]) for r in summary(Path("out"))) == ("nowhere.yaml", "error", "nowhere.yaml: file not found (check the path)")
    assert summary(Path("out"))[1]["status"] == "ready"


def test_the_summary_of_an_earlier_run_is_not_read_as_a_case(cases: Path) -> None:
    invoke("batch", "cases", "-o", "cases", "--jobs", "1")
    invoke("batch", "cases", "-o", "cases", "--jobs", "1", "--force")
    assert summary(Path("cases")) == MIXED_FOLDER_ROWS


def test_a_second_run_into_the_same_folder_keeps_the_earlier_summaries(cases: Path) -> None:
    assert invoke("batch", "cases", "-o", "out", "--jobs", "1").exit_code == 2
    before = {name: Path("out", name).read_bytes() for name in ("summary.csv", "summary.json")}
    result = invoke("batch", "cases/cigna-tms-ready.yaml", "-o", "out", "--jobs", "1")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == (
        "error: out already holds the summary of an earlier run (summary.csv and summary.json); nothing was run and it was kept\n"
        "  hint: --resume continues that run (writes only the missing documents, then a new summary); --force runs again and overwrites; or choose another folder with -o\n"
    )
    assert {name: Path("out", name).read_bytes() for name in before} == before
    assert invoke("batch", "cases/cigna-tms-ready.yaml", "-o", "out", "--jobs", "1", "--resume").exit_code == 0
    assert [r["case"] for r in summary(Path("out"))] == ["DEMO-1001"]


def test_errors_never_repeat_patient_values(tmp_path: Path) -> None:
    bad = json.loads(sample_json("cigna-tms-ready.yaml"))
    bad["patient"]["birth_date"] = "Maria Lopez 1979"
    Path("export.jsonl").write_text(json.dumps(bad) + "\n", encoding="utf-8")
    result = invoke("batch", "export.jsonl", "-o", "out")
    assert summary(Path("out"))[0]["error"] == "export.jsonl:1: patient.birth_date: must be a date written YYYY-MM-DD"
    assert "Maria" not in result.stdout + result.stderr + Path("out/summary.csv").read_text(encoding="utf-8")


# ---- documents ------------------------------------------------------------------------------


@pytest.fixture
def samples_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "samples"
    shutil.copytree(SAMPLES, folder)
    return folder


def files_by_case(out: Path) -> dict[str, list[str]]:
    return {r["case"]: r["files"] for r in summary(out)}


@pytest.mark.slow
def test_letters_only_for_ready_cases_and_checklists_for_all(samples_dir: Path) -> None:
    result = invoke("batch", "samples", "-o", "out", "--letters", "pdf", "--checklists", "--jobs", "2")
    assert result.exit_code == 1
    assert files_by_case(Path("out")) == {
        "DEMO-2001": ["DEMO-2001_cigna_spravato_letter.pdf", "DEMO-2001_cigna_spravato_checklist.pdf"],
        "DEMO-1002": ["DEMO-1002_cigna_tms_checklist.pdf"],
        "DEMO-1001": ["DEMO-1001_cigna_tms_letter.pdf", "DEMO-1001_cigna_tms_checklist.pdf"],
        "DEMO-1003": ["DEMO-1003_medicare_tms_checklist.pdf"],
    }
    assert sorted(p.name for p in Path("out").iterdir()) == sorted(
        [name for names in files_by_case(Path("out")).values() for name in names] + ["summary.csv", "summary.json"]
    )
    assert Path("out/DEMO-1001_cigna_tms_letter.pdf").read_bytes().startswith(b"%PDF")
    assert Path("out/DEMO-1001_cigna_tms_letter.pdf").stat().st_mode & 0o777 == 0o600


@pytest.mark.slow
def test_letters_without_checklists(samples_dir: Path) -> None:
    invoke("batch", "samples/cigna-tms-ready.yaml", "samples/cigna-tms-not-eligible.yaml", "-o", "out", "--letters", "pdf", "--jobs", "1")
    assert files_by_case(Path("out")) == {"DEMO-1001": ["DEMO-1001_cigna_tms_letter.pdf"], "DEMO-1002": []}


@pytest.mark.slow
def test_existing_file_is_an_error_for_that_case_only(samples_dir: Path) -> None:
    args = ("batch", "samples/cigna-tms-ready.yaml", "samples/cigna-spravato-ready.yaml", "-o", "out", "--letters", "pdf", "--jobs", "1")
    assert invoke("letter", "samples/cigna-tms-ready.yaml", "-o", "out", "--format", "pdf").exit_code == 0  # written by hand earlier
    before = Path("out/DEMO-1001_cigna_tms_letter.pdf").read_bytes()
    result = invoke(*args)
    assert result.exit_code == 2
    rows = summary(Path("out"))
    assert rows[0]["status"] == "error"
    assert rows[0]["error"] == (
        "samples/cigna-tms-ready.yaml: DEMO-1001_cigna_tms_letter.pdf already exists in the output folder "
        "(hint: --resume keeps what an earlier run wrote and adds what is missing; --force overwrites)"
    )
    assert (rows[1]["status"], rows[1]["files"]) == ("ready", ["DEMO-2001_cigna_spravato_letter.pdf"])  # the batch went on
    assert Path("out/DEMO-1001_cigna_tms_letter.pdf").read_bytes() == before
    assert invoke(*args, "--force").exit_code == 0


@pytest.mark.slow
def test_resume_skips_finished_cases_and_writes_the_missing_files(samples_dir: Path) -> None:
    args = ("batch", "samples", "-o", "out", "--letters", "pdf", "--checklists", "--jobs", "1")
    invoke(*args)
    first = summary(Path("out"))
    kept = Path("out/DEMO-1001_cigna_tms_letter.pdf")
    kept_inode = kept.stat().st_ino
    Path("out/DEMO-2001_cigna_spravato_checklist.pdf").unlink()
    Path("out/DEMO-1003_medicare_tms_checklist.pdf").unlink()
    result = invoke(*args, "--resume")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "[1/4] DEMO-2001 ready",
        "[2/4] DEMO-1002 not eligible (documents already written)",
        "[3/4] DEMO-1001 ready (documents already written)",
        "[4/4] DEMO-1003 incomplete",
    ]
    assert summary(Path("out")) == first
    assert Path("out/DEMO-2001_cigna_spravato_checklist.pdf").exists()
    assert Path("out/DEMO-1003_medicare_tms_checklist.pdf").exists()
    assert kept.stat().st_ino == kept_inode  # not rewritten
    assert "(2 already done by an earlier run)" in result.stdout.splitlines()[0]


def test_resume_and_force_together_are_refused(samples_dir: Path) -> None:
    result = invoke("batch", "samples", "-o", "out", "--resume", "--force")
    assert result.exit_code == 2
    assert "--resume and --force contradict each other" in result.stderr


def pdf_text(path: Path) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join((page.extract_text() or "") for page in PdfReader(path).pages).split())


@pytest.mark.slow
def test_cases_sharing_a_patient_id_each_get_their_own_files(samples_dir: Path) -> None:
    Path("export.jsonl").write_text(
        sample_json("cigna-tms-ready.yaml", given_name="Ana") + "\n" + sample_json("cigna-tms-ready.yaml", given_name="Bea") + "\n", encoding="utf-8"
    )
    Path("cases").mkdir()
    for name, given in (("a.yaml", "Cleo"), ("b.yaml", "Dora")):
        Path("cases", name).write_text((SAMPLES / "cigna-tms-ready.yaml").read_text(encoding="utf-8").replace("given_name: José", f"given_name: {given}"), encoding="utf-8")
    result = invoke("batch", "export.jsonl", "cases", "-o", "out", "--letters", "pdf", "--checklists", "--jobs", "2")
    assert result.exit_code == 0, result.output
    rows = summary(Path("out"))
    assert [(r["source"], r["status"], r["files"]) for r in rows] == [
        ("export.jsonl:1", "ready", ["DEMO-1001_export-line1_cigna_tms_letter.pdf", "DEMO-1001_export-line1_cigna_tms_checklist.pdf"]),
        ("export.jsonl:2", "ready", ["DEMO-1001_export-line2_cigna_tms_letter.pdf", "DEMO-1001_export-line2_cigna_tms_checklist.pdf"]),
        ("cases/a.yaml", "ready", ["DEMO-1001_a_cigna_tms_letter.pdf", "DEMO-1001_a_cigna_tms_checklist.pdf"]),
        ("cases/b.yaml", "ready", ["DEMO-1001_b_cigna_tms_letter.pdf", "DEMO-1001_b_cigna_tms_checklist.pdf"]),
    ]
    names = {"export.jsonl:1": "Ana", "export.jsonl:2": "Bea", "cases/a.yaml": "Cleo", "cases/b.yaml": "Dora"}
    for r in rows:  # each file holds its own case's patient, and no other
        for file in r["files"]:
            text = pdf_text(Path("out", file))
            assert [n for n in names.values() if f"{n} Muñoz-Ñúñez" in text] == [names[r["source"]]], file
    assert sorted(p.name for p in Path("out").iterdir()) == sorted([f for r in rows for f in r["files"]] + ["summary.csv", "summary.json"])
    # the names are decided the same way on a rerun: --resume finds every file
    again = invoke("batch", "export.jsonl", "cases", "-o", "out", "--letters", "pdf", "--checklists", "--jobs", "2", "--resume")
    assert again.exit_code == 0 and summary(Path("out")) == rows
    assert "(4 already done by an earlier run)" in again.stdout


@pytest.mark.slow
def test_ids_that_differ_only_in_letter_case_are_shared_too(samples_dir: Path) -> None:
    Path("export.jsonl").write_text(sample_json("cigna-tms-ready.yaml", id="abc-1") + "\n" + sample_json("cigna-tms-ready.yaml", id="ABC-1") + "\n" + sample_json("cigna-tms-ready.yaml", id="abc-2") + "\n", encoding="utf-8")
    assert invoke("batch", "export.jsonl", "-o", "out", "--letters", "pdf", "--jobs", "1").exit_code == 0
    assert [r["files"] for r in summary(Path("out"))] == [
        ["abc-1_export-line1_cigna_tms_letter.pdf"],
        ["ABC-1_export-line2_cigna_tms_letter.pdf"],
        ["abc-2_cigna_tms_letter.pdf"],
    ]


def test_unreadable_lines_and_empty_folders_are_rows_too(tmp_path: Path) -> None:
    Path("empty").mkdir()
    Path("export.jsonl").write_bytes(b'{"patient": "\xff"}\n\n' + sample_json("cigna-tms-ready.yaml").encode() + b"\n")
    result = invoke("batch", "empty", "export.jsonl", "-o", "out")
    assert result.exit_code == 2
    assert [(r["source"], r["status"], r["error"]) for r in summary(Path("out"))] == [
        ("empty", "error", "empty: no case files in this folder (they end in .yaml, .yml, .json or .jsonl)"),
        ("export.jsonl:1", "error", "export.jsonl:1: the file is not UTF-8 text (save it as UTF-8)"),
        ("export.jsonl:3", "ready", None),
    ]
