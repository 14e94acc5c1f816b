"""The case guide: every field described, docs/cases.md up to date, the schema carries the words,
and the kind -> fields table misses no field the engine reads."""

from __future__ import annotations

import copy
import json
import subprocess
import sys

import pytest

from priorauth.case import Case
from priorauth.case_guide import KIND_FIELDS, case_fields, case_schema, criterion_fields, example_case, leaf_criteria, markdown
from priorauth.case_guide_text import GUIDE
from priorauth.rules import Registry
from priorauth.rules import model as m
from tests.helpers import ROOT, invoke


def test_every_field_of_the_case_model_has_a_description() -> None:
    missing = [f.path for f in case_fields() if f.entry is None]
    assert missing == [], f"describe these fields in priorauth/case_guide_text.py: {missing}"
    for f in case_fields():
        assert f.entry.meaning.strip() and f.entry.reviewer.strip(), f.path
        if not f.section:
            assert f.entry.example is not None, f"{f.path}: give an example"


def test_every_criterion_kind_says_which_fields_it_reads() -> None:
    leaves = [k for k in m.KINDS if k not in ("all_of", "any_of", "n_of")]
    assert sorted(KIND_FIELDS) == sorted(leaves)
    paths = {f.path for f in case_fields()}
    for rs in _rule_sets():
        for c in leaf_criteria(rs.criteria):
            for path in criterion_fields(c):
                assert path in paths, f"{rs.id} {c.id}: {path} is not a case field"


def test_the_examples_form_one_valid_case() -> None:
    case = Case.model_validate(example_case())
    assert case.coverage.member_id == "U1234567801"
    assert case.meds[0].drug == "sertraline"


def test_docs_cases_md_is_up_to_date() -> None:
    current = (ROOT / "docs" / "cases.md").read_text(encoding="utf-8")
    assert current == markdown(), "docs/cases.md is out of date: run python docs/make_cases.py"


@pytest.mark.slow
def test_make_cases_check_mode() -> None:
    done = subprocess.run([sys.executable, str(ROOT / "docs" / "make_cases.py"), "--check"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_docs_show_meaning_values_example_reviewer_and_readers() -> None:
    text = (ROOT / "docs" / "cases.md").read_text(encoding="utf-8")
    section = text[text.index("### `medications[].outcome`") :]
    section = section[: section.index("\n### ", 5)]
    assert "How the trial ended." in section
    assert "- Allowed values: `inadequate_response`, `partial_response`, `intolerance`, `contraindicated`, `response`, `ongoing`" in section
    assert "- Example: `inadequate_response`" in section
    assert "- What a reviewer uses it for: Only a failed trial counts" in section
    assert "- Read by: every rule set" in section
    # computed from the rule files: only the triple-s rule set asks for adherence
    adherence = text[text.index("### `medications[].adherence_pct`") :]
    assert "- Read by: triple-s/spravato\n" in adherence
    # every Spravato rule set but bcbsms/spravato, whose payer covers Spravato for no one
    assert "| `rems_enrollment` | Spravato REMS enrollment | bcbsma/spravato, bcbsnd/spravato, carefirst/spravato," in text
    assert "bcbsms" not in text[text.index("| `rems_enrollment` | Spravato REMS enrollment |") :].splitlines()[0]


def test_schema_case_carries_the_descriptions() -> None:
    code, out, _ = invoke("schema", "case")
    assert code == 0
    data = json.loads(out)
    drug = data["$defs"]["Medication"]["properties"]["drug"]["description"]
    assert drug.startswith("The medication's generic or brand name")
    assert "Example: sertraline." in drug
    assert data["properties"]["medications"]["description"].startswith(GUIDE["medications"].meaning)
    assert data["title"] == "priorauth case file (format 1)"
    assert case_schema() == data


def _rule_sets() -> list[m.RuleSet]:
    return [s.rule_set for s in Registry(use_env=False).sources()]


def _examples() -> list[tuple[m.RuleSet, dict]]:
    from priorauth.rules.examples import load_example

    registry = Registry(use_env=False)
    out = []
    for path in sorted((ROOT / "payer_rules").glob("*/examples/*.yaml")):
        ex = load_example(path)
        day = ex.case.request.date
        source, _ = registry.resolve(ex.rule_set, day)
        out.append((source, ex.case.model_dump(mode="json", exclude_none=True)))
    return out


def _drop(data: dict, path: str) -> list[dict]:
    """Copies of ``data`` without the field at ``path`` (each list item in turn)."""
    parts = path.split(".")
    out = []

    def walk(node, i, root):
        part = parts[i]
        key = part.removesuffix("[]")
        if not isinstance(node, dict) or key not in node:
            return
        if i == len(parts) - 1:
            copy_ = copy.deepcopy(root)
            target = copy_
            for p in trail:
                target = target[p]
            del target[key]
            out.append(copy_)
            return
        if part.endswith("[]"):
            for j, item in enumerate(node[key]):
                trail.extend([key, j])
                walk(item, i + 1, root)
                del trail[-2:]
        else:
            trail.append(key)
            walk(node[key], i + 1, root)
            trail.pop()

    trail: list = []
    walk(data, 0, data)
    return out


@pytest.mark.slow
def test_fields_outside_a_criterion_do_not_change_its_result() -> None:
    """The kind -> fields table is complete: dropping any other optional field leaves every
    criterion's result as it was, on every example case of every shipped rule set."""
    from priorauth.engine import evaluate

    optional = [f.path for f in case_fields() if not f.section and not f.required]
    checked = 0
    for source, data in _examples():
        base = {r.id: r for r in evaluate(Case.model_validate(data), source).criteria}
        crits = {c.id: c for c in m.walk(source.rule_set.criteria)}
        for path in optional:
            for variant in _drop(data, path):
                try:
                    case = Case.model_validate(variant)
                except Exception:
                    continue
                for r in evaluate(case, source).criteria:
                    leaves = leaf_criteria([crits[r.id]])
                    reads = {p for c in leaves for p in criterion_fields(c)} | {"request.kind", "request.indication", "request.date"}
                    if path in reads:
                        continue
                    before = base[r.id]
                    assert (r.status, r.message) == (before.status, before.message), f"{source.rule_set.id} {r.id} changes without {path}: add it to KIND_FIELDS"
                    checked += 1
    assert checked > 1000
