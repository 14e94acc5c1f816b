"""`priorauth check` through Click's runner: output, exact JSON, exit codes, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from priorauth.cli import main
from tests.helpers import ROOT, SAMPLES

GOLDEN = Path(__file__).parent / "golden"


def run(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("sample", "code", "status"),
    [
        ("cigna-tms-ready.yaml", 0, "ready"),
        ("cigna-spravato-ready.yaml", 0, "ready"),
        ("cigna-tms-not-eligible.yaml", 1, "not_eligible"),
        ("medicare-tms-incomplete.yaml", 1, "incomplete"),
    ],
)
def test_samples_status_and_exit_code(sample: str, code: int, status: str) -> None:
    exit_code, out, _ = run("check", str(SAMPLES / sample), "--format", "json")
    assert exit_code == code
    assert json.loads(out)["status"] == status


def test_exact_json_report() -> None:
    exit_code, out, err = run("check", str(SAMPLES / "cigna-tms-not-eligible.yaml"), "--format", "json")
    assert exit_code == 1
    assert err == ""
    assert json.loads(out) == json.loads((GOLDEN / "cigna-tms-not-eligible.json").read_text())


def test_text_report_heading_marks_and_next_steps() -> None:
    exit_code, out, _ = run("check", str(SAMPLES / "medicare-tms-incomplete.yaml"))
    assert exit_code == 1
    lines = out.splitlines()
    assert lines[0] == "Medicare — TMS — policy LCD L34998: Transcranial Magnetic Stimulation (TMS) in the Treatment of Adults with Major Depressive Disorder"
    assert lines[1].startswith("  effective 2022-12-11; evidence: secondary")
    assert "  [?] No history of seizures: Screening for history of seizures is not documented" in lines
    assert "  [~] Validated depression scale within 30 days: STALE (newest 2026-08-01)" in lines
    assert "  INCOMPLETE: nothing fails, but the chart leaves gaps" in lines
    assert "   1. Document clinical.seizure_history (true or false) from the screening" in lines


def test_markdown_report() -> None:
    _, out, _ = run("check", str(SAMPLES / "cigna-tms-not-eligible.yaml"), "--format", "markdown")
    assert out.startswith("## Cigna Healthcare — TMS — EN0383\n")
    assert "| ❌ | Failed antidepressant trials | 1 of 2 required failed antidepressant trials" in out


def test_payer_all_gives_a_json_array_and_treatment_wins() -> None:
    exit_code, out, _ = run("check", str(SAMPLES / "cigna-tms-ready.yaml"), "--payer", "all", "--format", "json")
    data = json.loads(out)
    assert isinstance(data, list) and len(data) >= 2
    assert {r["treatment"] for r in data} == {"tms"}
    assert "medicare/tms" in {r["rule_set"]["id"] for r in data}
    assert exit_code == (0 if all(r["status"] == "ready" for r in data) else 1)
    _, out2, _ = run("check", str(SAMPLES / "cigna-tms-ready.yaml"), "--treatment", "spravato", "--format", "json")
    assert json.loads(out2)["rule_set"]["id"] == "cigna/spravato"
    _, out3, _ = run("check", str(SAMPLES / "cigna-tms-ready.yaml"), "--treatment", "both", "--format", "json")
    assert [r["rule_set"]["id"] for r in json.loads(out3)] == ["cigna/tms", "cigna/spravato"]


def test_unknown_payer_is_exit_2_with_hint() -> None:
    exit_code, out, err = run("check", str(SAMPLES / "cigna-tms-ready.yaml"), "--payer", "cignaa")
    assert exit_code == 2
    assert out == ""
    assert err == "error: --payer: no rule sets for payer 'cignaa'\n  hint: did you mean 'cigna'? see `priorauth rules list` for the payers known here\n"


def test_invalid_case_is_exit_2_without_traceback_or_patient_data(tmp_path: Path) -> None:
    bad = tmp_path / "case.yaml"
    bad.write_text((SAMPLES / "cigna-tms-ready.yaml").read_text().replace("sessions: 36", "sessions: lots"))
    exit_code, out, err = run("check", str(bad))
    assert exit_code == 2
    assert out == ""
    assert "request.sessions: input should be a valid integer" in err
    assert "Traceback" not in err and "Muñoz" not in err


def test_as_of_does_not_change_request_date(tmp_path: Path) -> None:
    _, out, _ = run("check", str(SAMPLES / "cigna-tms-ready.yaml"), "--as-of", "2026-12-01", "--format", "json")
    data = json.loads(out)
    assert data["as_of"] == "2026-12-01"
    assert data["request"]["date"] == "2026-11-18"
    exit_code, _, err = run("check", str(SAMPLES / "cigna-tms-ready.yaml"), "--as-of", "2026-13-01")
    assert exit_code == 2
    assert "must be a date written YYYY-MM-DD" in err


def test_rules_dir_takes_precedence(tmp_path: Path) -> None:
    src = (ROOT / "payer_rules" / "cigna" / "tms.yaml").read_text()
    (tmp_path / "cigna").mkdir()
    (tmp_path / "cigna" / "tms.yaml").write_text(src.replace("policy: EN0383", "policy: LOCAL-1"))
    _, out, _ = run("check", str(SAMPLES / "cigna-tms-ready.yaml"), "--rules-dir", str(tmp_path), "--format", "json")
    assert json.loads(out)["rule_set"]["policy"] == "LOCAL-1"
    assert json.loads(out)["rule_set"]["origin"] == "--rules-dir"
    _, out2, _ = run("check", str(SAMPLES / "cigna-tms-ready.yaml"), "--format", "json", env={"PRIORAUTH_RULES_DIR": str(tmp_path)})
    assert json.loads(out2)["rule_set"]["origin"] == "PRIORAUTH_RULES_DIR"


def test_schema_commands() -> None:
    _, out, _ = run("schema", "case")
    schema = json.loads(out)
    assert "patient" in schema["properties"]
    _, out, _ = run("schema", "rules")
    rules = json.loads(out)
    assert "criteria" in rules["properties"]
    assert "FailedTrialsCriterion" in rules["$defs"]


def test_help_and_version() -> None:
    exit_code, out, _ = run("--help")
    assert exit_code == 0
    assert "check" in out and "Exit status: 0 ready" in out
    exit_code, out, _ = run("--version")
    assert exit_code == 0 and out.startswith("priorauth ")


def test_check_does_not_import_document_libraries() -> None:
    code = (
        "import sys\n"
        "from priorauth.cli import main\n"
        "try:\n    main(['check', sys.argv[1]], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "bad = [m for m in ('reportlab', 'docx', 'jinja2') if m in sys.modules]\n"
        "print('IMPORTED:' + ','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(SAMPLES / "cigna-tms-ready.yaml")], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip().splitlines()[-1] == "IMPORTED:"


@pytest.mark.parametrize("args", [["--help"], ["--version"]])
def test_help_and_version_import_nothing_heavy(args: list[str]) -> None:
    code = (
        "import sys\n"
        "from priorauth.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        "print('IMPORTED:' + ','.join(m for m in ('pydantic', 'yaml', 'jinja2', 'reportlab', 'docx', 'sqlalchemy', 'alembic', 'platformdirs') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip().splitlines()[-1] == "IMPORTED:"
