"""`priorauth check` through Click's runner: exit codes, options, errors (whole reports: test_golden.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT, SAMPLES, invoke


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
    exit_code, out, _ = invoke("check", str(SAMPLES / sample), "--format", "json")
    assert exit_code == code
    assert json.loads(out)["status"] == status


def test_payer_all_gives_a_json_array_and_treatment_wins() -> None:
    exit_code, out, _ = invoke("check", str(SAMPLES / "cigna-tms-ready.yaml"), "--payer", "all", "--format", "json")
    data = json.loads(out)
    assert isinstance(data, list) and len(data) >= 2
    assert {r["treatment"] for r in data} == {"tms"}
    assert "medicare/tms" in {r["rule_set"]["id"] for r in data}
    assert exit_code == (0 if all(r["status"] == "ready" for r in data) else 1)
    _, out2, _ = invoke("check", str(SAMPLES / "cigna-tms-ready.yaml"), "--treatment", "spravato", "--format", "json")
    assert json.loads(out2)["rule_set"]["id"] == "cigna/spravato"
    _, out3, _ = invoke("check", str(SAMPLES / "cigna-tms-ready.yaml"), "--treatment", "both", "--format", "json")
    assert [r["rule_set"]["id"] for r in json.loads(out3)] == ["cigna/tms", "cigna/spravato"]


def test_unknown_payer_is_exit_2_with_hint() -> None:
    exit_code, out, err = invoke("check", str(SAMPLES / "cigna-tms-ready.yaml"), "--payer", "cignaa")
    assert exit_code == 2
    assert out == ""
    assert err == "error: --payer: no rule sets for payer 'cignaa'\n  hint: did you mean 'cigna'? see `priorauth rules list` for the payers known here\n"


def test_invalid_case_is_exit_2_without_traceback_or_patient_data(tmp_path: Path) -> None:
    bad = tmp_path / "case.yaml"
    bad.write_text((SAMPLES / "cigna-tms-ready.yaml").read_text().replace("sessions: 36", "sessions: lots"))
    exit_code, out, err = invoke("check", str(bad))
    assert exit_code == 2
    assert out == ""
    assert "request.sessions: input should be a valid integer" in err
    assert "Traceback" not in err and "Muñoz" not in err


def test_as_of_does_not_change_request_date(tmp_path: Path) -> None:
    _, out, _ = invoke("check", str(SAMPLES / "cigna-tms-ready.yaml"), "--as-of", "2026-12-01", "--format", "json")
    data = json.loads(out)
    assert data["as_of"] == "2026-12-01"
    assert data["request"]["date"] == "2026-11-18"
    exit_code, _, err = invoke("check", str(SAMPLES / "cigna-tms-ready.yaml"), "--as-of", "2026-13-01")
    assert exit_code == 2
    assert "must be a date written YYYY-MM-DD" in err


def test_rules_dir_takes_precedence(tmp_path: Path) -> None:
    src = (ROOT / "payer_rules" / "cigna" / "tms.yaml").read_text()
    (tmp_path / "cigna").mkdir()
    (tmp_path / "cigna" / "tms.yaml").write_text(src.replace("policy: EN0383", "policy: LOCAL-1"))
    _, out, _ = invoke("check", str(SAMPLES / "cigna-tms-ready.yaml"), "--rules-dir", str(tmp_path), "--format", "json")
    assert json.loads(out)["rule_set"]["policy"] == "LOCAL-1"
    assert json.loads(out)["rule_set"]["origin"] == "--rules-dir"
    _, out2, _ = invoke("check", str(SAMPLES / "cigna-tms-ready.yaml"), "--format", "json", env={"PRIORAUTH_RULES_DIR": str(tmp_path)})
    assert json.loads(out2)["rule_set"]["origin"] == "PRIORAUTH_RULES_DIR"


def test_schema_commands() -> None:
    _, out, _ = invoke("schema", "case")
    schema = json.loads(out)
    assert "patient" in schema["properties"]
    _, out, _ = invoke("schema", "rules")
    rules = json.loads(out)
    assert "criteria" in rules["properties"]
    assert "FailedTrialsCriterion" in rules["$defs"]


def test_help_and_version() -> None:
    exit_code, out, _ = invoke("--help")
    assert exit_code == 0
    assert "check" in out and "Exit status: 0 ready" in out
    exit_code, out, _ = invoke("--version")
    assert exit_code == 0 and out.startswith("priorauth ")


@pytest.mark.slow
def test_check_does_not_import_document_libraries() -> None:
    # nor the FHIR importer (a case file is not FHIR), the queue's store or the web app: start-up time
    code = (
        "import sys\n"
        "from priorauth.cli import main\n"
        "try:\n    main(['check', sys.argv[1]], standalone_mode=False)\nexcept SystemExit:\n    pass\n"
        "bad = [m for m in ('reportlab', 'docx', 'jinja2', 'priorauth.fhir', 'sqlalchemy', 'flask') if m in sys.modules]\n"
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


def test_payer_and_treatment_options_in_any_letter_case() -> None:
    from tests.helpers import invoke

    code, out, err = invoke("check", str(SAMPLES / "cigna-tms-ready.yaml"), "--payer", "CIGNA", "--treatment", "Spravato", "--format", "json")
    assert (code, err) == (1, "")  # a TMS case: Spravato's criteria are not all documented
    assert json.loads(out)["rule_set"]["id"] == "cigna/spravato"
