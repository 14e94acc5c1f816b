"""The Rule sets pages (read-only): the list, and each one in plain English.

The words are those of `priorauth rules list` and `priorauth rules show`
(:mod:`priorauth.rules.describe`), so the page and the command never disagree.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, render_template, request
from flask.typing import ResponseReturnValue

from priorauth.errors import PriorAuthError

bp = Blueprint("rules", __name__)


def _registry():  # type: ignore[no-untyped-def]  # priorauth.rules.Registry, imported late
    from priorauth.rules import Registry

    return Registry(current_app.config["PRIORAUTH_RULES_DIRS"])


@bp.get("/rules")
def index() -> ResponseReturnValue:
    from priorauth.rules.describe import rule_set_summary

    rows = [rule_set_summary(s) for s in _registry().sources()]
    rows.sort(key=lambda r: (r["id"], r["effective"] or ""))
    return render_template("rules/index.html", rows=rows)


@bp.get("/rules/<path:rule_id>")
def show(rule_id: str) -> ResponseReturnValue:
    from priorauth.rules.describe import describe_rule_set, rule_set_summary

    registry = _registry()
    versions = registry.versions(rule_id)
    if not versions:
        abort(404)
    as_of = request.args.get("as_of", "")
    try:
        day = dt.date.fromisoformat(as_of) if as_of else dt.date.today()
    except ValueError:
        abort(404)
    try:
        source, warning = registry.resolve(rule_id, day)
    except PriorAuthError:
        abort(404)
    others = [v.rule_set for v in versions if v.path != source.path]
    lines = describe_rule_set(source.rule_set, source, others)
    # the first block is the policy's facts; each further block a heading and its lines
    blocks: list[list[str]] = [[]]
    for line in lines:
        if line == "":
            blocks.append([])
        else:
            blocks[-1].append(line)
    summary = rule_set_summary(source)
    return render_template(
        "rules/show.html",
        rule_id=rule_id,
        facts=blocks[0],
        sections=[(b[0].rstrip(":"), _items(b[1:])) for b in blocks[1:] if b],
        warning=warning,
        summary=summary,
        versions=[rule_set_summary(v) for v in versions],
    )


def _items(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Text lines as list items: a line "  - text" starts one (its depth from the indent);
    the lines indented under it (policy text, ids) belong to it."""
    items: list[tuple[int, list[str]]] = []
    for line in lines:
        text = line.lstrip()
        indent = len(line) - len(text)
        if text.startswith("- ") or not items:
            items.append((max(0, indent // 2 - 1), [text.removeprefix("- ")]))
        else:
            items[-1][1].append(text)
    return items
