"""Patient values planted in broken files never appear in what priorauth prints.

The canaries (names, member id, birth date, also as a wrong-typed value, and as a drug
name that no catalog knows) sit next to every kind of error. A valid case's own report
may show its patient id and drugs; these are the error paths.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from tests.hardening.util import assert_no_canary, assert_no_traceback
from tests.helpers import invoke

CANARY_CASE = """\
patient:
  id: CANARY-CASE-1
  given_name: Zqxcanary
  family_name: Vwycanary
  birth_date: 1933-03-03
  sex: female
coverage:
  payer: cigna
  member_id: CANARY-MEMBER-991
request:
  treatment: tms
  date: 2026-11-18
  sessions: 36
prescriber:
  name: Anika Patel, MD
  npi: "1234567893"
diagnoses:
  - code: F33.2
    primary: true
medications:
  - drug: Plmdrugcanary
    max_daily_dose_mg: 200
    start: 2025-06-15
    end: 2025-09-01
    outcome: inadequate_response
"""


def _sub(old: str, new: str) -> str:
    assert old in CANARY_CASE, old
    return CANARY_CASE.replace(old, new, 1)


YAML_VARIANTS = {
    "bad-enum-next-to-canaries": _sub("  sex: female\n", "  sex: Zqxcanary\n"),
    "bad-birth-date": _sub("  birth_date: 1933-03-03\n", "  birth_date: 1933-02-30\n"),
    "birth-date-as-sessions": _sub("  sessions: 36\n", "  sessions: 1933-03-03\n"),
    "birth-date-as-dose": _sub("    max_daily_dose_mg: 200\n", "    max_daily_dose_mg: 19330303\n"),
    "birth-date-as-diagnosis": _sub("  - code: F33.2\n", "  - code: 1933-03-03\n"),
    "member-id-as-npi": _sub('  npi: "1234567893"\n', "  npi: CANARY-MEMBER-991\n"),
    "wrong-type-in-same-mapping": _sub("  sex: female\n", "  sex: [Zqxcanary, Vwycanary]\n"),
    "name-is-a-mapping": _sub("  given_name: Zqxcanary\n", "  given_name: {first: Zqxcanary, last: Vwycanary}\n"),
    "yaml-syntax-on-canary-line": _sub("  given_name: Zqxcanary\n", "  given_name: Zqxcanary: Vwycanary\n"),
    "yaml-unclosed-quote-on-canary-line": _sub("  family_name: Vwycanary\n", '  family_name: "Vwycanary\n'),
    "yaml-escape-in-canary": _sub("  family_name: Vwycanary\n", '  family_name: "Vwy\\zcanary"\n'),
    "yaml-tab-before-canary": _sub("  member_id: CANARY-MEMBER-991\n", "\tmember_id: CANARY-MEMBER-991\n"),
    "yaml-tag-on-canary": _sub("  given_name: Zqxcanary\n", "  given_name: !Zqxcanary Vwycanary\n"),
    "yaml-anchor-named-canary": _sub("  given_name: Zqxcanary\n  family_name: Vwycanary\n", "  given_name: &Zqxcanary x\n  family_name: *Zqxcanary\n"),
    "yaml-undefined-alias-canary": _sub("  family_name: Vwycanary\n", "  family_name: *Vwycanary\n"),
    "yaml-control-char-in-canary": _sub("  family_name: Vwycanary\n", "  family_name: Vwy\x07canary\n"),
    "duplicate-key-canary-value": _sub("  sex: female\n", "  sex: female\n  family_name: Zqxcanary\n"),
    "unknown-key-canary-value": _sub("  sex: female\n", "  sex: female\n  maiden_name: Vwycanary\n  dob: 1933-03-03\n"),
    "canary-drug-and-end-before-start": _sub("    end: 2025-09-01\n", "    end: 2025-01-01\n"),
    "canary-drug-with-bad-outcome": _sub("    outcome: inadequate_response\n", "    outcome: Zqxcanary\n"),
    "too-long-canary": _sub("  given_name: Zqxcanary\n", "  given_name: " + "Zqxcanary" * 30 + "\n"),
    "control-char-in-id": _sub("  id: CANARY-CASE-1\n", '  id: "Zqx\\tcanary"\n'),
    "huge-number-next-to-canary": _sub("  sessions: 36\n", "  sessions: 1933" + "0" * 5000 + "\n"),
    "nan-next-to-canary": _sub("    max_daily_dose_mg: 200\n", "    max_daily_dose_mg: .nan\n"),
    "missing-required-next-to-canary": _sub("  npi: \"1234567893\"\n", ""),
    "date-after-request": _sub("    start: 2025-06-15\n", "    start: 2033-03-03\n"),
    "birth-date-as-string-number": _sub("  birth_date: 1933-03-03\n", '  birth_date: "19330303"\n'),
}

JSON_BASE = {
    "patient": {"id": "CANARY-CASE-1", "given_name": "Zqxcanary", "family_name": "Vwycanary", "birth_date": "1933-03-03"},
    "coverage": {"payer": "cigna", "member_id": "CANARY-MEMBER-991"},
    "request": {"treatment": "tms", "date": "2026-11-18"},
    "prescriber": {"name": "Anika Patel, MD", "npi": "1234567893"},
    "diagnoses": [{"code": "F33.2", "primary": True}],
}
_JSON = json.dumps(JSON_BASE)
JSON_VARIANTS = {
    "json-syntax-right-after-canary": _JSON.replace('"Zqxcanary"', '"Zqxcanary" "x"'),
    "json-trailing-comma-after-canary": _JSON.replace('"Vwycanary"', '"Vwycanary",'),
    "json-bad-escape-in-canary": _JSON.replace('"Vwycanary"', '"Vwy\\qcanary"'),
    "json-lone-surrogate-in-canary": _JSON.replace('"Vwycanary"', '"Vwy\\ud800canary"'),
    "json-duplicate-key-canary": _JSON.replace('"given_name": "Zqxcanary"', '"given_name": "Zqxcanary", "given_name": "Vwycanary"'),
    "json-wrong-type": _JSON.replace('"1933-03-03"', "[1933, 3, 3]"),
    "json-birth-date-as-number": _JSON.replace('"1933-03-03"', "19330303"),
    "json-unknown-key-canary": _JSON.replace('"birth_date"', '"nickname": "Zqxcanary", "birth_date"'),
    "json-bad-enum": _JSON.replace('"treatment": "tms"', '"treatment": "Zqxcanary"'),
    "json-nan": _JSON.replace('"1933-03-03"', "NaN"),
    "json-huge-int": _JSON.replace('"1933-03-03"', "1933" + "3" * 5000),
}

VARIANTS = [(name, text, "yaml") for name, text in YAML_VARIANTS.items()] + [(name, text, "json") for name, text in JSON_VARIANTS.items()]


@pytest.fixture(autouse=True)
def _capture_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)


DRUG_CANARY = "Plmdrugcanary"  # a drug no catalog knows


def _check_quiet(result_texts: list[str], caplog: pytest.LogCaptureFixture) -> None:
    assert_no_canary(*result_texts, caplog.text)
    for text in [*result_texts, caplog.text]:
        assert DRUG_CANARY not in text


@pytest.mark.parametrize(("name", "text", "ext"), VARIANTS, ids=[v[0] for v in VARIANTS])
def test_canaries_stay_out_of_error_messages(name: str, text: str, ext: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    case = tmp_path / f"case.{ext}"
    case.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    for args in (["check", case], ["check", case, "--format", "json"], ["letter", case, "-o", out], ["checklist", case, "-o", out], ["compare", case]):
        result = invoke(*args)
        assert_no_traceback(result)
        assert result.exit_code == 2, (args[0], result.output)
        assert result.stdout == ""
        assert result.stderr.startswith("error: ")
        _check_quiet([result.stdout, result.stderr], caplog)
    assert not out.exists() or list(out.iterdir()) == []


def test_canaries_stay_out_of_batch_output(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    pytest.importorskip("priorauth.cli.batch")
    cases = tmp_path / "cases"
    cases.mkdir()
    for name, text, ext in VARIANTS:
        (cases / f"{name}.{ext}").write_text(text, encoding="utf-8")
    (cases / "export.jsonl").write_text("".join(t.replace("\n", " ") + "\n" for _, t, e in VARIANTS if e == "json"), encoding="utf-8")
    out = tmp_path / "out"
    result = invoke("batch", cases, "-o", out, "--letters", "pdf", "--checklists", "--jobs", "1")
    assert_no_traceback(result)
    assert result.exit_code == 2
    rows = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert {r["status"] for r in rows} == {"error"}
    _check_quiet([result.stdout, result.stderr, (out / "summary.json").read_text(encoding="utf-8"), (out / "summary.csv").read_text(encoding="utf-8")], caplog)


def test_a_valid_case_prints_no_identifying_value_on_stderr(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Not ready for a letter (exit 1): the gaps are listed, the patient is not named."""
    case = tmp_path / "case.yaml"
    case.write_text(CANARY_CASE, encoding="utf-8")
    result = invoke("letter", case, "-o", tmp_path / "out")
    assert_no_traceback(result)
    assert result.exit_code == 1
    assert result.stderr.startswith("error: the case is not ready for a letter of medical necessity; nothing was written")
    assert_no_canary(result.stderr, caplog.text)
    check = invoke("check", case)
    assert check.exit_code == 1 and check.stderr == ""
    assert_no_canary(check.stdout)  # the report names the case by its id, never the person
