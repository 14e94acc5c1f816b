"""`priorauth rules list`: the table, the JSON fields, and where each rule set comes from."""

from __future__ import annotations

import json
import re
from pathlib import Path

from priorauth.rules import Registry
from tests.helpers import invoke, lines
from tests.rules.conftest import SHIPPED, acme_rule, write

HEADER = ["ID", "PAYER", "TREATMENT", "POLICY", "EFFECTIVE", "ENDS", "CHECKED", "EVIDENCE", "FROM", "FILE"]


def _rows(output: str) -> dict[str, list[list[str]]]:
    out: dict[str, list[list[str]]] = {}
    for line in output.splitlines()[1:]:
        if line.startswith("note: "):
            continue
        cells = re.split(r"\s{2,}", line)
        out.setdefault(cells[0], []).append(cells)
    return out


def test_text_table_has_a_header_and_aligned_columns() -> None:
    result = invoke("rules", "list")
    assert result.exit_code == 0
    out = lines(result)
    assert re.split(r"\s{2,}", out[0]) == HEADER
    start = out[0].index("EFFECTIVE")
    for line in out[1:]:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}|not published", line[start : start + 13].strip()), line


def test_text_row_of_a_shipped_rule_set() -> None:
    rows = _rows(invoke("rules", "list").output)
    assert rows["cigna/tms"] == [
        ["cigna/tms", "Cigna Healthcare", "tms", "EN0383", "2026-03-15", "-", "2026-12-01", "secondary", "shipped", "payer_rules/cigna/tms.yaml"]
    ]
    assert rows["medicare/tms"] == [
        ["medicare/tms", "Medicare", "tms", "LCD L34998", "2022-12-11", "-", "2026-12-01", "secondary", "shipped", "payer_rules/medicare/tms.yaml"]
    ]


def test_an_unpublished_effective_date_is_said_as_such() -> None:
    rows = _rows(invoke("rules", "list").output)
    assert rows["premera/tms"] == [
        ["premera/tms", "Premera Blue Cross", "tms", "Premera Blue Cross TMS policy (number not given in the reference sheet)", "not published", "-", "2026-11-01", "secondary", "shipped", "payer_rules/premera/tms.yaml"]
    ]
    items = {item["id"]: item for item in json.loads(invoke("rules", "list", "--format", "json").output)}
    assert (items["premera/tms"]["effective"], items["premera/tms"]["checked"]) == (None, "2026-11-01")


def test_every_shipped_version_is_listed() -> None:
    result = invoke("rules", "list", "--format", "json")
    listed = sorted((item["id"], item["effective"]) for item in json.loads(result.output))
    expected = sorted((s.rule_set.id, s.rule_set.effective and s.rule_set.effective.isoformat()) for s in Registry(use_env=False).sources())
    assert listed == expected


def test_treatment_filter() -> None:
    rows = _rows(invoke("rules", "list", "--treatment", "spravato").output)
    assert "cigna/spravato" in rows and "cigna/tms" not in rows
    assert {cells[2] for versions in rows.values() for cells in versions} == {"spravato"}


def test_json_fields() -> None:
    result = invoke("rules", "list", "--format", "json")
    assert result.exit_code == 0
    items = {item["id"]: item for item in json.loads(result.output)}
    assert items["cigna/tms"] == {
        "id": "cigna/tms",
        "payer": "cigna",
        "payer_name": "Cigna Healthcare",
        "treatment": "tms",
        "policy": "EN0383",
        "title": "Transcranial Magnetic Stimulation",
        "url": None,
        "effective": "2026-03-15",
        "checked": "2026-12-01",
        "ends": None,
        "evidence": "secondary",
        "unverified": [],
        "origin": "shipped",
        "path": str(SHIPPED / "cigna" / "tms.yaml"),
        "overrides": [],
    }
    assert items["medicare/tms"]["url"] == "https://www.cms.gov/medicare-coverage-database/view/lcd.aspx?LCDId=34998"


def test_dated_versions_are_all_listed_with_their_dates(tmp_path: Path) -> None:
    write(tmp_path / "acme" / "tms-2024.yaml", acme_rule("2024-01-01", ends="2025-12-31"))
    write(tmp_path / "acme" / "tms.yaml", acme_rule("2026-01-01", age=21))
    rows = _rows(invoke("rules", "list", "--rules-dir", str(tmp_path)).output)
    assert [cells[4:9] for cells in rows["acme/tms"]] == [
        ["2024-01-01", "2025-12-31", "-", "primary", "--rules-dir"],
        ["2026-01-01", "-", "-", "primary", "--rules-dir"],
    ]
    assert [cells[9] for cells in rows["acme/tms"]] == [str(tmp_path / "acme" / "tms-2024.yaml"), str(tmp_path / "acme" / "tms.yaml")]


def test_no_rule_sets_for_an_empty_selection(tmp_path: Path) -> None:
    # a --rules-dir that does not exist is a usage error, not a traceback
    result = invoke("rules", "list", "--rules-dir", str(tmp_path / "missing"))
    assert result.exit_code == 2
    assert f"rules folder not found: {tmp_path / 'missing'} (from --rules-dir)" in result.output
