"""Typed output: `priorauth schema report`, and reports, comparisons and batch rows that
re-serialise byte for byte through their typed models (priorauth/outputs.py)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from priorauth.api import check
from priorauth.compare import Comparison
from priorauth.outputs import ROW_FIELDS, ReportDocument, Row, report_schema, reports_adapter
from tests.helpers import SAMPLES, invoke, make_case, report_for

GOLDEN = Path(__file__).parent / "golden" / "cigna-tms-not-eligible.json"
SAMPLE_FILES = sorted(SAMPLES.glob("*.yaml"))


def reprint(text: str) -> str:
    """Validate a report through the typed model and print it the way `check` does."""
    return json.dumps(reports_adapter().dump_python(reports_adapter().validate_json(text), mode="json"), indent=2, ensure_ascii=False) + "\n"


def test_schema_report_prints_the_json_schema_of_the_report() -> None:
    code, out, _ = invoke("schema", "report")
    assert code == 0
    data = json.loads(out)
    assert data["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert data["title"] == "priorauth check report (JSON contract v1)"
    # one report, or an array of them (--payer all)
    assert data["anyOf"] == [{"$ref": "#/$defs/ReportDocument"}, {"type": "array", "items": {"$ref": "#/$defs/ReportDocument"}}]
    report = data["$defs"]["ReportDocument"]
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))
    assert list(report_schema()["$defs"]["ReportDocument"]["properties"]) == list(golden)  # the contract's keys, in its order
    assert report["required"] == list(golden)
    assert report["additionalProperties"] is False
    assert report["properties"]["status"]["enum"] == ["ready", "incomplete", "not_eligible"]
    documents = data["$defs"]["DocumentEntry"]
    assert {"satisfied_by", "attach", "note"} <= set(documents["properties"])
    assert not {"satisfied_by", "attach", "note"} & set(documents["required"])  # present only when set
    assert "details" not in data["$defs"]["CriterionDocument"]["required"]


def test_golden_report_validates_and_reprints_byte_for_byte() -> None:
    text = GOLDEN.read_text(encoding="utf-8")
    assert isinstance(reports_adapter().validate_json(text), ReportDocument)
    assert reprint(text) == text


@pytest.mark.parametrize("sample", SAMPLE_FILES, ids=lambda p: p.stem)
@pytest.mark.parametrize("payer", [[], ["--payer", "all"]], ids=["own-payer", "all-payers"])
def test_real_reports_validate_and_reprint_byte_for_byte(sample: Path, payer: list[str]) -> None:
    _, out, _ = invoke("check", str(sample), "--format", "json", *payer)
    assert out.startswith("[" if payer else "{")
    assert reprint(out) == out


def test_optional_keys_survive_the_round_trip() -> None:
    # a scored PHQ-9 standing for the scale document (satisfied_by/attach/note), and a
    # criterion with sub-results (details); the samples have no such document
    case = make_case(assessments=[{"instrument": "PHQ-9", "score": 20, "date": "2026-11-01"}])
    either = {"id": "either", "kind": "any_of", "criteria": [{"id": "a", "kind": "age", "min": 18}, {"id": "b", "kind": "age", "max": 30}]}
    data = report_for(case, either, documents=[{"kind": "rating_scale", "max_age_days": 30}]).to_json()
    assert list(data["documents"][0])[-3:] == ["satisfied_by", "attach", "note"]
    assert data["documents"][0]["note"] == "on file per assessments[0] (2026-11-01); attach the scored PHQ-9"
    assert list(data["criteria"][0])[-1] == "details"
    assert "details" not in data["criteria"][0]["details"][0]
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    assert reprint(text) == text


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.update(status="maybe"), "status"),
        (lambda d: d.update(extra="x"), "extra"),
        (lambda d: d.pop("as_of"), "as_of"),
        (lambda d: d["criteria"][0].update(status="passed"), "criteria.0.status"),
        (lambda d: d["rule_set"].pop("policy"), "rule_set.policy"),
    ],
)
def test_a_report_off_the_contract_is_rejected(change: Callable[[dict[str, Any]], object], where: str) -> None:
    data = json.loads(GOLDEN.read_text(encoding="utf-8"))
    change(data)
    with pytest.raises(ValidationError) as exc:
        ReportDocument.model_validate_json(json.dumps(data))
    assert where in [".".join(map(str, e["loc"])) for e in exc.value.errors()]


def test_as_of_is_the_date_the_rule_set_was_chosen_for() -> None:
    case = SAMPLES / "cigna-tms-ready.yaml"
    default = check(case)[0]
    assert default.as_of == default.request_date == "2026-11-18"
    earlier = check(case, as_of=dt.date(2026, 6, 1))[0]
    assert (earlier.as_of, earlier.request_date) == ("2026-06-01", "2026-11-18")
    assert earlier.to_json()["as_of"] == "2026-06-01"


@pytest.mark.parametrize("payer", [[], ["--payer", "all"]], ids=["own-payer", "all-payers"])
def test_comparison_reprints_through_its_typed_model(payer: list[str]) -> None:
    _, out, _ = invoke("compare", str(SAMPLES / "cigna-tms-not-eligible.yaml"), "--format", "json", *payer)
    comparison = TypeAdapter(Comparison).validate_json(out)
    assert json.dumps(comparison.to_json(), indent=2, ensure_ascii=False) + "\n" == out
    assert list(json.loads(out)) == ["case", "request_date", "as_of", "payers", "elsewhere", "ready"]


def test_batch_rows_are_typed_and_keep_summary_format(tmp_path: Path) -> None:
    code, _, _ = invoke("batch", str(SAMPLES), "-o", str(tmp_path / "out"))
    assert code == 1
    text = (tmp_path / "out" / "summary.json").read_text(encoding="utf-8")
    rows = TypeAdapter(list[Row]).validate_json(text)
    assert [json.dumps(r.to_json(), ensure_ascii=False) for r in rows] == [line.strip().rstrip(",") for line in text.splitlines()[1:-1]]
    csv_lines = (tmp_path / "out" / "summary.csv").read_text(encoding="utf-8").splitlines()
    assert csv_lines[0] == ",".join(ROW_FIELDS)
    row = Row("=cmd|x", "C-1", "cigna", "tms", "cigna/tms", "incomplete", unknown=("severity", "ect"), missing_documents=("rating_scale",))
    assert row.to_csv() == ["'=cmd|x", "C-1", "cigna", "tms", "cigna/tms", "incomplete", "", "severity;ect", "rating_scale", "", ""]
    assert row.to_json() == {
        "source": "=cmd|x", "case": "C-1", "payer": "cigna", "treatment": "tms", "rule_set": "cigna/tms", "status": "incomplete",
        "unmet": [], "unknown": ["severity", "ect"], "missing_documents": ["rating_scale"], "files": [], "error": None,
    }
