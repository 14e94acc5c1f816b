"""Mutated valid cases and rule files: a clean error (exit 2) or a valid report, never a crash.

Cases come from samples/ and the `case:` part of every shipped example; rule files are
the shipped ones. Each example deletes keys, changes types, swaps values, inserts junk
keys, moves dates and shuffles lists, then runs `priorauth check --format json`.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hardening.util import READY_TMS, assert_no_traceback
from tests.helpers import ROOT, SAMPLES, invoke

pytestmark = pytest.mark.slow  # `pytest -m "not slow"` leaves these out (docs/testing.md)

PathT = tuple[Any, ...]


def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


CASES: list[dict[str, Any]] = [_load(p) for p in sorted(SAMPLES.glob("*.yaml"))]
CASES += [_load(p)["case"] for p in sorted((ROOT / "payer_rules").glob("*/examples/*.yaml"))][:40]
RULE_FILES = {p.parent.name + "/" + p.stem: _load(p) for p in sorted((ROOT / "payer_rules").glob("cigna/*.yaml"))}

JUNK: list[Any] = [
    None, True, False, 0, -1, 7, 3.5, -0.0, 1e308, 10**30, "", " ", "x" * 300, "Zqxcanary", "2025-02-30",
    "1933-03-03", "9999-12-31", "0001-01-01", dt.date(1900, 1, 1), [], {}, [1, 2], {"a": 1}, [None], ["F33.2"],
    {"kind": "age"}, "tms", "cigna", "ready", "../../etc/passwd", "\u202e\u0000".strip("\u0000"),
]
JUNK_KEYS = ["patient", "kind", "id", "drug", "date", "start", "end", "x", "", "medication", "sesions", "documents", "__class__", "1"]

REPORT_FIELDS = {"case", "payer", "treatment", "rule_set", "status", "criteria", "missing_documents", "next_steps"}
RULE_SET_FIELDS = {"id", "policy", "title", "url", "effective", "evidence"}


def _paths(node: Any, path: PathT = ()) -> Iterator[PathT]:
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, path + (i,))


def _get(node: Any, path: PathT) -> Any:
    for part in path:
        node = node[part]
    return node


def _set(root: Any, path: PathT, value: Any) -> Any:
    if not path:
        return value
    _get(root, path[:-1])[path[-1]] = value
    return root


@st.composite
def mutated(draw: st.DrawFn, documents: list[Any]) -> Any:
    doc = copy.deepcopy(draw(st.sampled_from(documents)))
    for _ in range(draw(st.integers(1, 3))):
        paths = list(_paths(doc))
        path = draw(st.sampled_from(paths))
        op = draw(st.sampled_from(["delete", "junk", "swap", "insert", "date", "shuffle"]))
        target = _get(doc, path)
        if op == "delete" and path:
            parent = _get(doc, path[:-1])
            del parent[path[-1]]
        elif op == "junk":
            doc = _set(doc, path, copy.deepcopy(draw(st.sampled_from(JUNK))))
        elif op == "swap":
            other = draw(st.sampled_from(paths))
            if path and other and path[: len(other)] != other and other[: len(path)] != path:
                a, b = copy.deepcopy(target), copy.deepcopy(_get(doc, other))
                doc = _set(doc, path, b)
                doc = _set(doc, other, a)
        elif op == "insert" and isinstance(target, dict):
            target[draw(st.sampled_from(JUNK_KEYS))] = copy.deepcopy(draw(st.sampled_from(JUNK)))
        elif op == "date" and isinstance(target, (dt.date, str)):
            try:
                day = target if isinstance(target, dt.date) else dt.date.fromisoformat(target)
            except ValueError:
                continue
            try:
                shifted = day + dt.timedelta(days=draw(st.integers(-40000, 40000)))
            except OverflowError:
                continue
            doc = _set(doc, path, shifted if draw(st.booleans()) else shifted.isoformat())
        elif op == "shuffle" and isinstance(target, list):
            doc = _set(doc, path, draw(st.permutations(target)))
    return doc


def _write(folder: Path, data: Any, fmt: str) -> Path:
    if fmt == "json":
        path = folder / "case.json"
        path.write_text(json.dumps(data, default=str), encoding="utf-8")
    else:
        path = folder / "case.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def _assert_error_or_report(*args: Any) -> None:
    result = invoke(*args, "--format", "json")
    assert_no_traceback(result)
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code == 2:
        assert result.stdout == ""
        assert result.stderr.startswith("error: ") and "unexpected internal error" not in result.stderr
        return
    data = json.loads(result.stdout)
    for report in data if isinstance(data, list) else [data]:
        assert set(report) >= REPORT_FIELDS
        assert set(report["rule_set"]) >= RULE_SET_FIELDS
        assert report["status"] in ("ready", "incomplete", "not_eligible")
        for criterion in report["criteria"]:
            assert {"id", "topic", "status", "message", "evidence"} <= set(criterion)
            assert criterion["status"] in ("met", "not_met", "unknown")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated(CASES), fmt=st.sampled_from(["yaml", "json"]))
def test_mutated_cases_give_an_error_or_a_report(data: Any, fmt: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        _assert_error_or_report("check", _write(Path(folder), data, fmt))


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=mutated(list(RULE_FILES.values())))
def test_mutated_rule_files_give_an_error_or_a_report(data: Any) -> None:
    with tempfile.TemporaryDirectory() as folder:
        rule_id = data.get("id") if isinstance(data, dict) and isinstance(data.get("id"), str) else "cigna/tms"
        where = Path(folder) / "cigna" / ("spravato.yaml" if rule_id.endswith("spravato") else "tms.yaml")
        where.parent.mkdir()
        where.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        case = SAMPLES / ("cigna-spravato-ready.yaml" if where.stem == "spravato" else READY_TMS.name)
        _assert_error_or_report("check", case, "--rules-dir", folder)


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_the_unmutated_documents_are_valid(fmt: str, tmp_path: Path) -> None:
    """The seeds themselves load: mutations start from valid input."""
    for i, case in enumerate(CASES):
        folder = tmp_path / str(i)
        folder.mkdir()
        result = invoke("check", _write(folder, case, fmt), "--format", "json")
        assert result.exit_code in (0, 1), result.output
