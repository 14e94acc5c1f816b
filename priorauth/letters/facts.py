"""The variables of the appeal, continuation and checklist templates, beside the common context.

``appeal`` (only when a denial is given), ``continuation`` and ``worklist``: see
:mod:`priorauth.letters.appeal`, :mod:`priorauth.letters.continuation` and
:mod:`priorauth.letters.checklist`.
"""

from __future__ import annotations

from typing import Any

from priorauth.case import Case
from priorauth.letters.appeal import Denial, appeal_facts
from priorauth.letters.checklist import worklist_facts
from priorauth.letters.continuation import Authorization, continuation_facts
from priorauth.report import Report
from priorauth.rules.model import RuleSet


def document_facts(case: Case, report: Report, rule_set: RuleSet, denial: Denial | None, authorization: Authorization | None) -> dict[str, Any]:
    worklist = worklist_facts(case, report, rule_set)
    facts: dict[str, Any] = {
        "continuation": continuation_facts(authorization, case, report.treatment),
        "worklist": worklist,
        "submission": worklist["submission"],  # the payer's fax, portal and phone (rule file `submission`)
    }
    if denial is not None:
        facts["appeal"] = appeal_facts(denial, case, report, rule_set)
    return facts
