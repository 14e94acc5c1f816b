"""`priorauth export pas`: what is refused (exit 1 or 2, nothing written), and how the file
is written (atomic, 0600, never over an existing file without --force, byte-identical)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.helpers import SAMPLES, invoke
from tests.pas import cases

DATE = "2026-12-01"


def export(case: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    result = invoke("export", "pas", str(case), "--date", DATE, "-o", str(out), *extra)
    return result.exit_code, result.stdout, result.stderr


def refused(case: Path, tmp_path: Path, *extra: str) -> tuple[int, str]:
    out = tmp_path / "request.json"
    code, stdout, stderr = export(case, out, *extra)
    assert stdout == ""
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left
    return code, stderr


def test_a_case_that_is_not_ready_is_refused_with_its_gaps(tmp_path: Path) -> None:
    code, err = refused(SAMPLES / "cigna-tms-not-eligible.yaml", tmp_path)
    assert code == 1
    lines = err.splitlines()
    assert lines[0] == "error: the case is not ready for a prior-authorization request; nothing was written"
    assert lines[1].startswith("cigna/tms (") and lines[1].endswith("): not eligible")
    assert all(line.startswith("  - ") for line in lines[2:-1]) and len(lines) > 3
    assert lines[-1] == "  hint: close the gaps above, then export again; `priorauth checklist` lists what to attach"


def test_a_payer_without_prior_authorization_is_refused(tmp_path: Path) -> None:
    code, err = refused(SAMPLES / "medicare-tms-incomplete.yaml", tmp_path)
    assert code == 2
    assert err.startswith("error: this payer has no prior authorization step; medicare/tms (")
    assert "is checked at claim review, so there is no request to send\n" in err


def test_a_line_without_units_is_refused_naming_the_task(tmp_path: Path) -> None:
    code, err = refused(cases.spravato_without_dose(tmp_path), tmp_path)
    assert code == 1
    assert err == (
        "error: a service line of the request has no number of units; nothing was written\n"
        "  - Record the planned dose per session (56 or 84 mg)\n"
        "  hint: complete the case, then export again\n"
    )


def test_an_appeal_is_not_a_pas_request(tmp_path: Path) -> None:
    code, err = refused(cases.READY_TMS, tmp_path, "--appeal")
    assert code == 2
    assert err.startswith("error: PAS does not carry appeals: ")
    assert "`priorauth letter CASE --template letter-appeal` writes the letter" in err


@pytest.mark.parametrize(
    ("continuation", "extra", "message"),
    [
        (False, ("--continuation", "--auth-number", "PA-1"), "error: --continuation: the case's request.kind is initial"),
        (False, ("--auth-number", "PA-1"), "error: --auth-number goes with --continuation"),
        (True, (), "error: the case's request.kind is continuation: a continuation request names the authorization it extends"),
        (True, ("--continuation",), "error: --continuation needs --auth-number"),
    ],
)
def test_continuation_options_agree_with_the_case(continuation: bool, extra: tuple[str, ...], message: str, tmp_path: Path) -> None:
    case = cases.tms(tmp_path, continuation)
    out = tmp_path / "out"
    out.mkdir()
    code, err = refused(case, out, *extra)
    assert code == 2
    assert err.startswith(message)


def test_every_payer_at_once_is_refused(tmp_path: Path) -> None:
    code, err = refused(cases.READY_TMS, tmp_path, "--payer", "all")
    assert (code, err.splitlines()[0]) == (2, "error: --payer all: a prior-authorization request goes to one payer")


def test_no_patient_value_in_any_refusal(tmp_path: Path) -> None:
    case = cases.tms(tmp_path, continuation=True)
    out = tmp_path / "out"
    out.mkdir()
    for extra in ((), ("--appeal",), ("--payer", "all")):
        _, err = refused(case, out, *extra)
        for value in ("DEMO-1001", "José", "Muñoz", "U0000000001", "1981-04-02", "3340021"):
            assert value not in err


@pytest.mark.slow
def test_the_file_is_private_byte_identical_and_never_overwritten(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    assert export(cases.READY_TMS, first)[0] == 0
    assert export(cases.READY_TMS, second)[0] == 0
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    assert first.read_bytes() == second.read_bytes()
    before = first.read_bytes()
    code, stdout, stderr = export(cases.READY_TMS, first, "--date", "2026-12-02")
    assert (code, stdout) == (2, "")
    assert stderr == f"error: {first} already exists\n  hint: use --force to overwrite it, or choose another output folder with -o\n"
    assert first.read_bytes() == before
    assert export(cases.READY_TMS, first, "--date", "2026-12-02", "--force")[0] == 0
    changed = json.loads(first.read_text(encoding="utf-8"))
    assert changed["timestamp"] == "2026-12-02T00:00:00Z"
    assert changed["identifier"] != json.loads(before)["identifier"]  # another request, another identifier


def test_the_default_date_is_today_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    monkeypatch.setattr("priorauth.cli.options.today", lambda: dt.date(2026, 12, 24))
    out = tmp_path / "r.json"
    assert invoke("export", "pas", str(cases.READY_TMS), "-o", str(out))[0] == 0
    bundle = json.loads(out.read_text(encoding="utf-8"))
    assert bundle["timestamp"] == "2026-12-24T00:00:00Z"
    assert bundle["entry"][0]["resource"]["created"] == "2026-12-24"


def test_a_date_before_the_request_is_refused(tmp_path: Path) -> None:
    code, err = refused(cases.READY_TMS, tmp_path, "--date", "2026-11-01")
    assert code == 2
    assert err.startswith("error: --date is before the case's request date (request.date)")


PDF = b"%PDF-1.4\n% a scanned evaluation\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 8


def test_listed_documents_travel_inline_when_their_files_exist(tmp_path: Path) -> None:
    import base64

    (tmp_path / "scans").mkdir()
    (tmp_path / "scans" / "eval.pdf").write_bytes(PDF)
    (tmp_path / "scans" / "phq9.png").write_bytes(PNG)
    (tmp_path / "scans" / "notes.txt").write_bytes(b"plain text")
    text = cases.READY_TMS.read_text(encoding="utf-8")
    text = text.replace("    title: Psychiatric evaluation for TMS\n", "    title: Psychiatric evaluation for TMS\n    path: scans/eval.pdf\n")
    text = text.replace("    title: PHQ-9 and HAM-D17\n", "    title: PHQ-9 and HAM-D17\n    path: scans/phq9.png\n")
    text = text.replace("  - kind: medication_history\n    date: 2026-11-05\n", "  - kind: medication_history\n    date: 2026-11-05\n    path: scans/missing.pdf\n")
    text = text.replace("  - kind: psychotherapy_notes\n    date: 2026-01-10\n", "  - kind: psychotherapy_notes\n    date: 2026-01-10\n    path: scans/notes.txt\n")
    case = tmp_path / "case.yaml"
    case.write_text(text, encoding="utf-8")
    out = tmp_path / "r.json"
    code, stdout, stderr = export(case, out)
    assert (code, stderr) == (0, "")
    assert stdout.splitlines()[1:6] == [
        "  attached the letter of medical necessity (PDF)",
        "  attached the documentation checklist (PDF)",
        "  attached documents[0] (psychiatric evaluation, application/pdf)",
        "  attached documents[2] (validated depression rating scale, image/png)",
        "  not attached documents[1]: its file was not found (path is resolved from the case file's folder)",
    ]
    assert "  not attached documents[4]: its file is not a PDF or an image (PNG, JPEG, TIFF)" in stdout.splitlines()
    bundle = json.loads(out.read_text(encoding="utf-8"))
    docs = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "DocumentReference"]
    assert [(d["type"]["text"], d["date"], d["content"][0]["attachment"]["contentType"]) for d in docs[2:]] == [
        ("Psychiatric evaluation for TMS", "2026-11-05T00:00:00Z", "application/pdf"),
        ("PHQ-9 and HAM-D17", "2026-11-10T00:00:00Z", "image/png"),
    ]
    assert base64.b64decode(docs[2]["content"][0]["attachment"]["data"]) == PDF
    assert base64.b64decode(docs[3]["content"][0]["attachment"]["data"]) == PNG
    claim = bundle["entry"][0]["resource"]
    report_types = [i["extension"][0]["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] for i in claim["supportingInfo"]]
    assert report_types == ["PY", "77", "06", "RT", "77"]  # letter, checklist, evaluation, scale, the answers
    assert claim["item"][0]["informationSequence"] == [1, 2, 3, 4, 5]


@pytest.mark.slow
def test_a_request_of_the_work_queue_is_recorded(tmp_path: Path) -> None:
    db = str(tmp_path / "q.sqlite3")
    case = cases.tms(tmp_path)
    assert invoke("queue", "add", str(case), "--db", db)[0] == 0
    out = tmp_path / "r.json"
    code, stdout, stderr = export(case, out, "--request", "1", "--db", db)
    assert (code, stderr) == (0, "")
    assert stdout.endswith("request 1: the file recorded as packet\n")
    shown = json.loads(invoke("queue", "show", "1", "--db", db, "--format", "json").stdout)
    assert [(d["kind"], d["file"]) for d in shown["documents"]] == [("packet", str(out.absolute()))]
    code, _, stderr = export(case, tmp_path / "other.json", "--request", "1", "--db", db, "--payer", "uhc")
    assert code == 2 and stderr.startswith("error: --payer: request 1 is for cigna/tms")
    # after a denial the request goes on as an appeal, which PAS does not carry
    assert invoke("queue", "submit", "1", "--ref", "PA-7", "--db", db)[0] == 0
    assert invoke("queue", "decide", "1", "denied", "--reason", "fewer trials", "--appeal-by", "2027-01-30", "--db", db)[0] == 0
    code, stdout, stderr = export(case, tmp_path / "after.json", "--request", "1", "--db", db)
    assert (code, stdout) == (2, "")
    assert stderr.startswith("error: request 1 is denied, and PAS does not carry appeals: ")
    assert not (tmp_path / "after.json").exists()


def test_a_case_with_only_codes_billed_as_they_happen_is_refused(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text(cases.READY_TMS.read_text(encoding="utf-8").replace('["90867", "90868", "90869"]', '["90869", "0889T"]'), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    code, err = refused(case, out)
    assert code == 1
    assert err.startswith("error: the request has no service line with a number of units (its codes are billed as they happen")


@pytest.mark.slow
def test_a_code_without_units_is_named_and_the_folder_is_made(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text(cases.READY_TMS.read_text(encoding="utf-8").replace('["90867", "90868", "90869"]', '["90867", "90868", "0889T"]'), encoding="utf-8")
    out = tmp_path / "new" / "folder" / "request.json"
    code, stdout, stderr = export(case, out)
    assert (code, stderr) == (0, "")
    assert (
        "  note: 0889T is not sent: its number of units is not known here (as the protocol gives it); "
        "add it in your EHR or clearinghouse if the payer needs it\n"
    ) in stdout
    codes = [i["productOrService"]["coding"][0]["code"] for i in json.loads(out.read_text(encoding="utf-8"))["entry"][0]["resource"]["item"]]
    assert codes == ["90867", "90868"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o600


def test_a_continuation_for_a_queue_request_takes_the_recorded_authorization_number(tmp_path: Path) -> None:
    db = str(tmp_path / "q.sqlite3")
    initial = cases.tms(tmp_path)
    (tmp_path / "later").mkdir()
    continuation = cases.tms(tmp_path / "later", continuation=True)
    assert invoke("queue", "add", str(initial), "--db", db)[0] == 0
    assert invoke("queue", "submit", "1", "--ref", "PA-7", "--db", db)[0] == 0
    assert invoke("queue", "decide", "1", "approved", "--auth", "0123", "--valid-to", "2027-01-30", "--units", "36", "--db", db)[0] == 0
    assert invoke("queue", "add", str(continuation), "--db", db).stdout.startswith("request 2 opened")
    out = tmp_path / "r.json"
    code, stdout, stderr = export(continuation, out, "--continuation", "--request", "2", "--db", db)
    assert (code, stderr) == (0, ""), stderr
    assert stdout.endswith("request 2: the file recorded as packet\n")
    claim = json.loads(out.read_text(encoding="utf-8"))["entry"][0]["resource"]
    numbers = [e["valueString"] for item in claim["item"] for e in item.get("extension", []) if e["url"].endswith("extension-authorizationNumber")]
    assert numbers and set(numbers) == {"0123"}  # exactly as recorded: the leading 0 kept
    # a number typed wins over the recorded one
    code, _, stderr = export(continuation, tmp_path / "typed.json", "--continuation", "--auth-number", "PA-9", "--request", "2", "--db", db)
    assert (code, stderr) == (0, "")
    claim = json.loads((tmp_path / "typed.json").read_text(encoding="utf-8"))["entry"][0]["resource"]
    assert {e["valueString"] for item in claim["item"] for e in item.get("extension", []) if e["url"].endswith("extension-authorizationNumber")} == {"PA-9"}


def test_a_continuation_for_a_queue_request_without_a_recorded_approval_needs_the_number(tmp_path: Path) -> None:
    db = str(tmp_path / "q.sqlite3")
    case = cases.tms(tmp_path, continuation=True)
    assert invoke("queue", "add", str(case), "--db", db)[0] == 0
    code, stderr = refused(case, tmp_path, "--continuation", "--request", "1", "--db", db)
    assert code == 2 and stderr.startswith("error: --continuation needs --auth-number: the number of the authorization it extends")
