"""A sample template context, for `templates check` and `templates list --variables`."""

from __future__ import annotations

from typing import Any

from priorauth.resources import data_dir


def sample_context() -> dict[str, Any]:
    """The context of the shipped ready TMS sample, evaluated against its rule set."""
    from pathlib import Path

    from priorauth.api import check_case
    from priorauth.case import load_case_with_digest
    from priorauth.letters.appeal import Denial
    from priorauth.letters.context import build_context
    from priorauth.letters.continuation import Authorization
    from priorauth.letters.facts import document_facts
    from priorauth.rules import Registry

    sample = Path(__file__).resolve().parent.parent.parent / "samples" / "cigna-tms-ready.yaml"
    if not sample.is_file():  # installed wheel: the sample case ships beside the templates
        sample = data_dir("templates") / "_sample-case.yaml"
    case, digest = load_case_with_digest(sample)
    registry = Registry(use_env=False)
    report = check_case(case, registry)[0]
    rule_set = registry.resolve(report.rule_set.id, case.request.date)[0].rule_set
    ctx = build_context(case, report, rule_set, None, digest)
    denial = Denial("SAMPLE-DENIAL-1", case.request.date, "Not medically necessary", "first", False)
    ctx.update(document_facts(case, report, rule_set, denial, Authorization("SAMPLE-AUTH-1", 36, 30)))
    return ctx
