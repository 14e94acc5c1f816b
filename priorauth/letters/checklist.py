"""The checklist as a worklist for the person assembling the request.

:func:`worklist_facts` is the ``worklist`` variable of the checklist template: the tasks
still to do (each worded as a clinical task, never a field name), every attachment once
(the letter itself and the payer's request form included, each with what is on file), and
the payer's submission channel when the rule set knows it.
"""

from __future__ import annotations

from typing import Any

from priorauth.case import Case
from priorauth.letters.plain import plain, task
from priorauth.report import Report
from priorauth.rules.model import RuleSet, walk
from priorauth.vocabulary import DOCUMENT_LABELS

LOOK_UP = "payer fax/portal: look up on the payer's site"


def _letter_name(case: Case, rule_set: RuleSet) -> str:
    if not rule_set.prior_authorization:
        return "Documentation summary of medical necessity (priorauth letter), signed by the prescriber"
    if case.request.kind == "continuation":
        return "Continuation letter of medical necessity (priorauth letter), signed by the prescriber"
    return "Letter of medical necessity (priorauth letter), signed by the prescriber"


def worklist_facts(case: Case, report: Report, rule_set: RuleSet) -> dict[str, Any]:
    """The ``worklist`` template variable."""
    flags = {c.id: getattr(c, "flag", None) for c in walk(rule_set.criteria)}
    todo: list[str] = []
    for c in report.criteria:
        if c.status != "met":
            todo.append(task(c, flags.get(c.id)))
    for d in report.documents:
        if not d.on_file and d.next_step:
            todo.append(plain(d.next_step))
    todo = list(dict.fromkeys(t.rstrip(".") for t in todo))  # once each, in order
    attach: list[dict[str, str]] = [{"name": _letter_name(case, rule_set), "on_file": "write it when the tasks above are done" if todo else "ready to write"}]
    if rule_set.prior_authorization:
        attach.append({"name": f"{rule_set.payer_name} prior authorization request form", "on_file": "get the current form from the payer's site and fill it in"})
    listed: set[str] = set()
    for d in report.documents:
        listed.add(d.kind)
        if d.satisfied_by and d.attach:
            state = f"on file: {d.attach}" + (f", dated {d.date}" if d.date else "")
        elif d.on_file:
            state = f"on file, dated {d.date}" if d.date else "on file"
        elif d.state == "stale":
            state = f"too old: the newest is dated {d.date}" + (f"; needs one within {d.max_age_days} days" if d.max_age_days else "")
        elif d.state == "undated":
            state = "on file without a date: date it"
        else:
            state = "missing" + (f": needs one dated within {d.max_age_days} days" if d.max_age_days else "")
        attach.append({"name": d.label, "on_file": state})
    for doc in case.docs:  # records the case lists beyond those the policy requires: they go too
        if doc.kind not in listed:
            listed.add(doc.kind)
            attach.append({"name": doc.title or DOCUMENT_LABELS[doc.kind], "on_file": f"on file, dated {doc.date.isoformat()}" if doc.date else "on file"})
    sub = rule_set.submission
    channel = [f"{label} {value}" for label, value in (("fax", sub.fax), ("portal", sub.portal), ("phone", sub.phone)) if value]
    return {
        "todo": todo,
        "attach": attach,
        "submission": {"fax": sub.fax, "portal": sub.portal, "phone": sub.phone, "text": "; ".join(channel) if channel else LOOK_UP},
    }
