"""`priorauth queue` on SQLite and PostgreSQL: the words, the JSON and the exit codes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import stat
from pathlib import Path

import pytest

from tests.helpers import SAMPLES, invoke
from tests.store.util import NOT_ELIGIBLE, PATIENT_VALUES, READY, jsonl, sample, write_case

TODAY = dt.date.today()


def q(db: str, *args: str) -> tuple[int, str, str]:
    return invoke("queue", *args, "--db", db, "--user", "alice")


def test_add_list_show(db_url: str, tmp_path: Path) -> None:
    code, out, err = q(db_url, "add", str(READY), str(NOT_ELIGIBLE))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "request 1 opened: DEMO-1001 cigna/tms ready (case version 1)",
        "request 2 opened: DEMO-1002 cigna/tms draft (case version 1)",
        "2 opened, 0 updated, 0 unchanged, 0 not added",
    ]
    code, out, _ = q(db_url, "list")
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["ID", "DUE", "STATUS", "PAYER", "TREATMENT", "PATIENT", "ASSIGNEE", "NEXT", "ACTION"]
    assert lines[1].split()[:7] == ["1", TODAY.isoformat(), "ready", "cigna", "tms", "DEMO-1001", "-"]
    assert lines[1].endswith("submit to the payer") and lines[-1] == "2 requests"
    code, out, _ = q(db_url, "show", "1")
    assert code == 0
    assert out.splitlines()[:3] == [
        "Request 1 (version 1): DEMO-1001 cigna/tms (initial), rule set version " + out.split("rule set version ")[1].split("\n")[0],
        "  status:       ready to submit",
        f"  next action:  submit to the payer, due {TODAY}",
    ]
    assert "History:" in out and "alice: opened as ready (check ready)" in out


def test_add_from_folder_and_json_lines_with_a_bad_line(db_url: str, tmp_path: Path) -> None:
    path = jsonl(tmp_path, 3)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("{not json\n")
    code, out, err = q(db_url, "add", str(path), str(SAMPLES))
    assert code == 2
    assert err.startswith(f"error: {path}:4: ")
    assert out.splitlines()[-1] == "7 opened, 0 updated, 0 unchanged, 1 not added"


def test_add_with_worker_processes_keeps_the_input_order(db_url: str, tmp_path: Path) -> None:
    path = jsonl(tmp_path, 40)
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[20] = '{"format": 1}'
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = q(db_url, "add", str(path), "--jobs", "2")
    assert code == 2 and err.startswith(f"error: {path}:21: ")
    rows = out.splitlines()
    assert rows[0] == "request 1 opened: P-00000 cigna/tms ready (case version 1)"
    assert rows[20] == "request 21 opened: P-00021 cigna/tms ready (case version 1)"
    assert rows[-1] == "39 opened, 0 updated, 0 unchanged, 1 not added"


def test_the_whole_life_through_the_commands(db_url: str) -> None:
    q(db_url, "add", str(READY))
    assert q(db_url, "submit", "1", "--ref", "0042")[1] == (
        f"request 1 submitted: submitted, waiting for the payer; next: confirm receipt and check status with the payer by {TODAY + dt.timedelta(days=3)}\n"
    )
    code, out, _ = q(db_url, "decide", "1", "denied", "--reason", "too few trials", "--appeal-by", "2027-01-30")
    assert (code, out) == (0, "request 1 decided: denied; next: appeal the denial (level 1) or withdraw by 2027-01-30\n")
    assert q(db_url, "submit", "1")[1].startswith("request 1 submitted: in appeal; next: check the appeal's status")
    valid_to = TODAY + dt.timedelta(days=60)
    code, out, err = q(db_url, "decide", "1", "approved", "--auth", "0123", "--valid-to", valid_to.isoformat(), "--units", "90867=1", "--units", "90868=35")
    assert (code, err) == (0, "")
    assert out == f"request 1 decided: approved; next: give treatment; request a continuation before the approval ends by {valid_to - dt.timedelta(days=14)}\n"
    assert q(db_url, "use", "1", "--units", "2")[0] == 0
    code, out, _ = q(db_url, "list")
    assert "(2/36 units)" in out
    code, out, _ = q(db_url, "show", "1", "--format", "json")
    data = json.loads(out)
    assert (data["status"], data["reference"], data["auth_number"], data["units_used"]) == ("approved", "0042", "0123", 2)
    assert [d["outcome"] for d in data["decisions"]] == ["denied", "approved"]
    assert q(db_url, "note", "1", "Called Cigna; spoke to J.")[0] == 0
    assert "alice: Called Cigna; spoke to J." in q(db_url, "show", "1")[1]


def test_refused_transition_is_one_clear_line(db_url: str) -> None:
    q(db_url, "add", str(READY))
    code, out, err = q(db_url, "use", "1", "--units", "1")
    assert (code, out) == (2, "")
    assert err == "error: request 1 is ready: to record units used it must be approved or partially approved\n  hint: from ready you can: submit, withdraw it\n"
    code, _, err = q(db_url, "decide", "1", "approved")
    assert (code, err.splitlines()[0]) == (2, "error: an approval needs the date it ends: --valid-to YYYY-MM-DD")
    code, _, err = q(db_url, "show", "7")
    assert (code, err.splitlines()[0]) == (2, "error: there is no request 7")


def test_conflict_exit_status_4(db_url: str) -> None:
    q(db_url, "add", str(READY))
    assert q(db_url, "set", "1", "--assignee", "maria", "--if-version", "1")[0] == 0
    code, out, err = q(db_url, "set", "1", "--assignee", "sam", "--if-version", "1")
    assert (code, out) == (4, "")
    assert err.splitlines()[0] == "error: request 1 was changed by someone else (it is at version 2, you had version 1); nothing was saved"


def test_list_json_filters_and_export(db_url: str, tmp_path: Path) -> None:
    q(db_url, "add", str(READY), str(NOT_ELIGIBLE), str(SAMPLES / "cigna-spravato-ready.yaml"))
    q(db_url, "set", "2", "--assignee", "maria")
    code, out, _ = q(db_url, "list", "--format", "json", "--assignee", "maria")
    assert code == 0 and [r["id"] for r in json.loads(out)] == [2]
    assert [r["id"] for r in json.loads(q(db_url, "list", "--format", "json", "--status", "draft")[1])] == [2]
    assert [r["id"] for r in json.loads(q(db_url, "list", "--format", "json", "--treatment", "spravato")[1])] == [3]
    assert json.loads(q(db_url, "list", "--format", "json", "--due", "2000-01-01")[1]) == []
    assert q(db_url, "list", "--payer", "aetna")[1].splitlines()[-1] == "0 requests"
    q(db_url, "withdraw", "3", "--reason", "patient chose TMS")
    assert [r["id"] for r in json.loads(q(db_url, "list", "--format", "json")[1])] == [1, 2]
    target = tmp_path / "queue.csv"
    code, out, _ = q(db_url, "export", "-o", str(target))
    assert (code, out) == (0, f"wrote {target}\n")
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert [(r["id"], r["status"], r["assignee"]) for r in rows] == [("1", "ready", ""), ("2", "draft", "maria"), ("3", "withdrawn", "")]
    code, _, err = q(db_url, "export", "-o", str(target))
    assert code == 2 and "already exists" in err
    exported = json.loads(q(db_url, "export", "--format", "json", "--open-only")[1])
    assert [r["id"] for r in exported] == [1, 2]


def test_export_csv_neutralises_formulas(db_url: str, tmp_path: Path) -> None:
    data = sample()
    data["patient"]["id"] = "=HYPERLINK(1)"
    q(db_url, "add", str(write_case(tmp_path, "f.json", data)))
    out = q(db_url, "export")[1]
    assert out.splitlines()[1].split(",")[1] == "'=HYPERLINK(1)"


def test_attach_records_a_letter(db_url: str, tmp_path: Path) -> None:
    q(db_url, "add", str(READY))
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(b"%PDF")
    assert q(db_url, "attach", "1", str(letter), "--kind", "letter")[1] == "request 1: letter recorded\n"
    assert f"letter {letter} sha256 " in q(db_url, "show", "1")[1]


def test_letter_and_checklist_for_a_request_are_recorded_against_it(db_url: str, tmp_path: Path) -> None:
    import hashlib

    case = tmp_path / "case.yaml"
    case.write_bytes(READY.read_bytes())
    q(db_url, "add", str(case))
    out_dir = tmp_path / "out"
    code, out, err = invoke("letter", str(case), "--request", "1", "--db", db_url, "--user", "alice", "--date", "2026-12-01", "-o", str(out_dir))
    assert (code, err) == (0, "")
    pdf, docx = out_dir / "DEMO-1001_cigna_tms_letter.pdf", out_dir / "DEMO-1001_cigna_tms_letter.docx"
    assert out.splitlines() == [f"wrote {pdf}", f"wrote {docx}", "request 1: 2 file(s) recorded as letter"]
    code, out, err = invoke("checklist", str(case), "--request", "1", "--db", db_url, "--format", "pdf", "--date", "2026-12-01", "-o", str(out_dir))
    assert (code, err) == (0, "") and out.endswith("request 1: 1 file(s) recorded as checklist\n")
    documents = json.loads(q(db_url, "show", "1", "--format", "json")[1])["documents"]
    assert [(d["kind"], d["file"], d["sha256"], d["case_version"]) for d in documents] == [
        ("letter", str(p.absolute()), hashlib.sha256(p.read_bytes()).hexdigest(), 1)
        for p in (pdf, docx)
    ] + [("checklist", str((out_dir / "DEMO-1001_cigna_tms_checklist.pdf").absolute()), hashlib.sha256((out_dir / "DEMO-1001_cigna_tms_checklist.pdf").read_bytes()).hexdigest(), 1)]


def test_a_document_for_a_request_needs_the_case_version_it_stands_on(db_url: str, tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_bytes(READY.read_bytes())
    q(db_url, "add", str(case))
    case.write_bytes(READY.read_bytes() + b"# edited after it was added\n")
    out_dir = tmp_path / "out"
    code, out, err = invoke("letter", str(case), "--request", "1", "--db", db_url, "-o", str(out_dir))
    assert (code, out) == (2, "")
    assert err == (
        f"error: {case} is not the case version request 1 stands on (version 1); nothing was written\n"
        f"  hint: add the case to the queue again (priorauth queue add {case}) so the request moves to it, then write the document\n"
    )
    assert not out_dir.exists() or not any(out_dir.iterdir())
    code, _, err = invoke("checklist", str(READY), "--request", "1", "--db", db_url, "--payer", "uhc", "-o", str(out_dir))
    assert code == 2 and err.startswith("error: --payer: request 1 is for cigna/tms")
    code, _, err = invoke("letter", str(READY), "--request", "7", "--db", db_url, "-o", str(out_dir))
    assert code == 2 and err.startswith("error: there is no request 7")


def test_a_rule_set_without_a_published_effective_date_is_recorded_by_its_checked_date(db_url: str, tmp_path: Path) -> None:
    import yaml

    from tests.helpers import ROOT

    example = yaml.safe_load((ROOT / "payer_rules/bcbsma/examples/spravato-incomplete-stale-hamd.yaml").read_text(encoding="utf-8"))
    rules = yaml.safe_load((ROOT / "payer_rules/bcbsma/spravato.yaml").read_text(encoding="utf-8"))
    assert rules["effective"] is None  # the premise: bcbsma published no effective date
    case = tmp_path / "case.json"
    case.write_text(json.dumps(example["case"], default=str), encoding="utf-8")
    code, _, err = q(db_url, "add", str(case))
    assert (code, err) == (0, "")
    shown = json.loads(q(db_url, "show", "1", "--format", "json")[1])
    assert shown["rule_version"] == f"unpublished, checked {rules['checked']}"


def test_errors_name_no_patient_value(db_url: str, tmp_path: Path) -> None:
    data = sample()
    data["coverage"]["member_id"] = ["U0000000001"]
    code, _, err = q(db_url, "add", str(write_case(tmp_path, "bad.json", data)))
    assert code == 2 and "coverage.member_id" in err
    assert not any(v in err for v in PATIENT_VALUES)


def test_default_database_and_user_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("PRIORAUTH_USER", "frontdesk")
    code, _, _ = invoke("queue", "add", str(READY))
    assert code == 0
    path = tmp_path / "data" / "priorauth" / "queue.sqlite3"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o700
    assert "frontdesk: opened as ready" in invoke("queue", "show", "1")[1]


def test_queue_and_db_help_import_no_database_library() -> None:
    import subprocess
    import sys

    from tests.helpers import ROOT

    code = (
        "import sys\n"
        "from priorauth.cli import main\n"
        "for args in (['queue', '--help'], ['queue', 'decide', '--help'], ['db', 'backup', '--help']):\n"
        "    try:\n        main(args)\n    except SystemExit:\n        pass\n"
        "print('IMPORTED:' + ','.join(m for m in ('sqlalchemy', 'alembic', 'psycopg', 'pydantic') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert out.stdout.strip().splitlines()[-1] == "IMPORTED:"
