"""Per-criterion verification: a criterion the source does not confirm carries the mark and
its reason in the rule file, reports, `rules show`, `rules list --format json`; letters
never quote it as the policy's words."""

from __future__ import annotations

import json
from pathlib import Path

import docx
import pytest

from priorauth.rules import Registry
from priorauth.rules.model import walk
from tests.helpers import SAMPLES, invoke, lines
from tests.rules.conftest import acme_rule, write

READY_TMS = SAMPLES / "cigna-tms-ready.yaml"
READY_SPRAVATO = SAMPLES / "cigna-spravato-ready.yaml"

# every item the v2 section of shared/reference/payer-criteria.md marks unverified
V2_UNVERIFIED = [
    ("aetna/tms", "no-active-substance-use"),
    ("medicare/spravato", "failed-antidepressants"),
    ("medicare-noridian/tms", "failed-antidepressants"),
    ("medicare-noridian/tms", "diagnosis"),
    ("uhc/spravato", "failed-antidepressants"),
    ("uhc/spravato", "baseline-score"),
    ("uhc/spravato", "psychiatrist"),
    ("independence/tms", "inadequate-response-two-classes"),
    ("premera/tms", "failed-antidepressants"),
    ("washington-hca/tms", "diagnosis"),
    ("washington-hca/tms", "not-psychotic"),
]


@pytest.mark.parametrize(("rule_id", "criterion"), V2_UNVERIFIED)
def test_every_item_the_v2_section_lists_is_marked(rule_id: str, criterion: str) -> None:
    rs = Registry(use_env=False).versions(rule_id)[-1].rule_set
    marked = {c.id: c.unverified for c in walk(rs.criteria)}
    assert marked[criterion], f"{rule_id} {criterion} is not marked unverified"


def test_the_mark_is_a_rule_file_key_with_a_reason(tmp_path: Path) -> None:
    text = acme_rule().replace("    min: 18\n", "    min: 18\n    unverified: from a third-party summary\n")
    path = write(tmp_path / "acme" / "tms.yaml", text)
    assert lines(invoke("rules", "validate", str(path)))[0] == f"ok  {path}  (acme/tms, effective 2026-01-01)"
    out = lines(invoke("rules", "show", "acme/tms", "--rules-dir", str(tmp_path)))
    assert "    Unverified (not confirmed by the source: from a third-party summary)." in out


def test_reports_show_the_mark() -> None:
    _, out, _ = invoke("check", str(READY_TMS), "--payer", "premera")
    assert (
        "      unverified (not confirmed by the source: the source says 2 to 3 failures depending on the\n"
        "        condition; the count is our reading)\n"
    ) in out
    _, out, _ = invoke("check", str(READY_TMS), "--payer", "premera", "--format", "json")
    criteria = {c["id"]: c for c in json.loads(out)["criteria"]}
    assert criteria["failed-antidepressants"]["unverified"] == "the source says 2 to 3 failures depending on the condition; the count is our reading"
    assert "unverified" not in criteria["age"]
    _, out, _ = invoke("check", str(READY_TMS), "--payer", "premera", "--format", "markdown")
    assert "| ✅ | Failed antidepressant trials *(unverified (not confirmed by the source: the source says 2 to 3 failures" in out


def test_rules_show_and_list_expose_the_mark() -> None:
    out = lines(invoke("rules", "show", "premera/tms"))
    assert "    Unverified (not confirmed by the source: the source says 2 to 3 failures depending on the condition; the count is our reading)." in out
    items = {item["id"]: item for item in json.loads(invoke("rules", "list", "--format", "json").output)}
    assert items["premera/tms"]["unverified"] == [
        {"id": "failed-antidepressants", "reason": "the source says 2 to 3 failures depending on the condition; the count is our reading"}
    ]
    assert [u["id"] for u in items["uhc/spravato"]["unverified"]] == ["failed-antidepressants", "baseline-score", "psychiatrist"]


def test_letters_set_an_unverified_criterion_apart(tmp_path: Path) -> None:
    code, _, _ = invoke("letter", str(READY_TMS), "--payer", "premera", "-o", str(tmp_path), "--date", "2026-12-01")
    assert code == 0
    paragraphs = [p.text for p in docx.Document(str(tmp_path / "DEMO-1001_premera_tms_letter.docx")).paragraphs]
    heading = paragraphs.index("We could not confirm the wording of the following points in the published policy; the enclosed records document them:")
    trials = next(i for i, p in enumerate(paragraphs) if "Failed antidepressant trials." in p)
    age = next(i for i, p in enumerate(paragraphs) if p.startswith("☑\tAge. Mr. Muñoz-Ñúñez is 45 years old"))
    assert age < heading < trials
