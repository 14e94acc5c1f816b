"""Honest dates: a rule set whose payer published no effective date says so everywhere,
is in force on any request date, and still gives way to an end date or a later version."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import docx

from priorauth.rules import Registry
from tests.helpers import SAMPLES, invoke, lines
from tests.rules.conftest import acme_rule, write

READY_TMS = SAMPLES / "cigna-tms-ready.yaml"
UNPUBLISHED = acme_rule().replace("effective: 2026-01-01\n", "effective: null\nchecked: 2026-11-01\n")


def test_premera_report_says_the_date_is_not_published() -> None:
    _, out, _ = invoke("check", str(READY_TMS), "--payer", "premera")
    assert out.splitlines()[1].startswith("  effective date not published; criteria checked 2026-11-01; evidence: secondary")
    _, out, _ = invoke("check", str(READY_TMS), "--payer", "premera", "--format", "json")
    rule_set = json.loads(out)["rule_set"]
    assert (rule_set["effective"], rule_set["checked"]) == (None, "2026-11-01")
    _, out, _ = invoke("check", str(READY_TMS), "--payer", "premera", "--format", "markdown")
    assert "*Transcranial Magnetic Stimulation*, effective date not published; criteria checked 2026-11-01; evidence" in out


def test_rules_show_says_the_date_is_not_published() -> None:
    out = lines(invoke("rules", "show", "premera/tms"))
    assert out[3] == "In force: effective date not published; criteria checked 2026-11-01 (no end date known)"


def test_letter_cites_an_unpublished_policy_by_number_and_title_only(tmp_path: Path) -> None:
    code, _, _ = invoke("letter", str(READY_TMS), "--payer", "premera", "-o", str(tmp_path), "--date", "2026-12-01")
    assert code == 0
    d = docx.Document(str(tmp_path / "DEMO-1001_premera_tms_letter.docx"))
    body = " ".join(" ".join(p.text for p in d.paragraphs).split())
    footer = " ".join(p.text for s in d.sections for p in s.footer.paragraphs)
    assert "Premera Blue Cross policy Premera Blue Cross TMS policy (number not given in the reference sheet), Transcranial Magnetic Stimulation, and how the enclosed records document each of its points:" in body
    assert "effective" not in body and "November 1, 2026" not in body
    assert "effective" not in footer.split("·")[1]


def test_a_dated_policy_keeps_its_effective_date_in_the_letter(tmp_path: Path) -> None:
    invoke("letter", str(READY_TMS), "-o", str(tmp_path), "--date", "2026-12-01")
    d = docx.Document(str(tmp_path / "DEMO-1001_cigna_tms_letter.docx"))
    assert "(effective March 15, 2026)" in " ".join(p.text for p in d.paragraphs)


def test_unpublished_needs_the_checked_date(tmp_path: Path) -> None:
    path = write(tmp_path / "acme" / "tms.yaml", acme_rule().replace("effective: 2026-01-01\n", "effective: null\n"))
    result = invoke("rules", "validate", str(path))
    assert result.exit_code == 2
    assert "effective is null: give `checked`, the date the criteria were last checked against the source" in result.output


def test_unpublished_validates_and_says_so(tmp_path: Path) -> None:
    path = write(tmp_path / "acme" / "tms.yaml", UNPUBLISHED)
    assert lines(invoke("rules", "validate", str(path))) == [f"ok  {path}  (acme/tms, effective date not published; criteria checked 2026-11-01)"]


def test_unpublished_is_in_force_on_any_date_until_its_end_and_the_next_version(tmp_path: Path) -> None:
    write(tmp_path / "acme" / "tms-old.yaml", UNPUBLISHED.replace("checked: 2026-11-01\n", "checked: 2026-11-01\nends: 2025-12-31\n"))
    write(tmp_path / "acme" / "tms.yaml", acme_rule(effective="2026-01-01", age=21))
    registry = Registry([tmp_path], use_env=False, include_shipped=False)
    for day, effective in [(dt.date(1990, 1, 1), None), (dt.date(2025, 12, 31), None), (dt.date(2026, 1, 1), dt.date(2026, 1, 1))]:
        source, warning = registry.resolve("acme/tms", day)
        assert (source.rule_set.effective, warning) == (effective, None), day
    files = [str(tmp_path / "acme" / "tms-old.yaml"), str(tmp_path / "acme" / "tms.yaml")]
    assert lines(invoke("rules", "validate", *files))[-1] == "2 valid, 0 invalid"


def test_unpublished_without_an_end_overlaps_a_dated_version(tmp_path: Path) -> None:
    old = write(tmp_path / "acme" / "tms-old.yaml", UNPUBLISHED)
    new = write(tmp_path / "acme" / "tms.yaml", acme_rule(effective="2026-01-01"))
    out = lines(invoke("rules", "validate", str(old), str(new)))
    assert out[2] == (
        f"error: {new}: acme/tms effective 2026-01-01 overlaps {old} (effective date not published; criteria checked 2026-11-01): "
        "both in force on 2026-01-01 (give the older version an `ends` date before the newer one's `effective`)"
    )
