"""The Queue page and each request's page with its actions (submit, decide, units used...).

Every action is a POST form with the CSRF token, carries the version of the request the
person was looking at (``expected_version``: a change by someone else meanwhile is a clear
conflict, nothing saved), goes through :mod:`priorauth.store.queue` (so the audit trail
names the user and the time), and answers with a redirect: the back button never sends
it again. A refused action shows the request page again with the message and what was
typed.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from markupsafe import Markup

from priorauth.errors import PriorAuthError
from priorauth.store import ConflictError, Store, StoreError
from priorauth.store import lifecycle
from priorauth.store import queue as q
from priorauth.web.app import current_store

bp = Blueprint("queue", __name__)

PAGE_SIZE = 50
CHANNELS = ("fax", "payer portal", "electronic prior authorization (ePA)", "phone", "mail")
UNIT_ROWS = 3  # rows of "procedure code, units" in the approval forms
DECISION_FORMS = {
    "approved": "Record an approval",
    "partial": "Record a partial approval",
    "denied": "Record a denial",
    "pended": "Record a request for information",
}


def today() -> dt.date:
    """Today, or the day the app was configured with (PRIORAUTH_TODAY: tests, screenshots)."""
    day: dt.date | None = current_app.config.get("PRIORAUTH_TODAY")
    return day or dt.date.today()


class FormError(PriorAuthError):
    """A field of a form is missing or wrong: its label, what is wrong, how to fix it."""

    def __init__(self, field: str, message: str, hint: str | None = None) -> None:
        super().__init__(message, hint)
        self.field = field


# ---- the queue --------------------------------------------------------------------------------


@bp.get("/queue")
def index() -> ResponseReturnValue:
    args = request.args
    status = args.get("status", "")
    if status and status not in lifecycle.STATUSES and status != "closed":
        status = ""
    filters = {
        "status": status,
        "payer": args.get("payer", ""),
        "treatment": args.get("treatment", ""),
        "assignee": args.get("assignee", ""),
        "expiring": "1" if args.get("expiring") == "1" else "",
    }
    page = max(1, args.get("page", 1, type=int) or 1)
    store = current_store()
    day = today()
    # The page's content is the same for everyone until the queue changes (or the day does):
    # kept, keyed by the queue's change stamp, for a few seconds.
    key = (q.change_stamp(store), day, page, *filters.values())
    cache: _PageCache = current_app.extensions.setdefault("priorauth_queue_pages", _PageCache())
    body = cache.get(key)
    if body is None:
        if q.refresh(store, day):  # approvals that ended: expired (a change, so a new stamp)
            key = (q.change_stamp(store), *key[1:])
        body = Markup(_queue_body(store, day, filters, page))
        cache.put(key, body)
    return render_template("queue/index.html", body=body)


class _PageCache:
    """The newest rendered queue pages: a few dozen, each kept at most TTL seconds."""

    TTL = 2.0  # PostgreSQL may commit two changes out of the order of their stamps: a bound
    SIZE = 64

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: OrderedDict[tuple[Any, ...], tuple[float, Markup]] = OrderedDict()

    def get(self, key: tuple[Any, ...]) -> Markup | None:
        with self.lock:
            found = self.items.get(key)
            if found is None or time.monotonic() - found[0] > self.TTL:
                return None
            self.items.move_to_end(key)
            return found[1]

    def put(self, key: tuple[Any, ...], body: Markup) -> None:
        with self.lock:
            self.items[key] = (time.monotonic(), body)
            self.items.move_to_end(key)
            while len(self.items) > self.SIZE:
                self.items.popitem(last=False)


def _queue_body(store: Store, day: dt.date, filters: dict[str, str], page: int) -> str:
    status = filters["status"]
    statuses = list(lifecycle.CLOSED) if status == "closed" else [status] if status else []
    rows = list(
        q.list_requests(
            store,
            statuses,
            filters["payer"] or None,
            filters["treatment"] or None,
            filters["assignee"] or None,
            expiring_by=day + dt.timedelta(days=lifecycle.CONTINUATION_DAYS) if filters["expiring"] else None,
            limit=PAGE_SIZE + 1,
            offset=(page - 1) * PAGE_SIZE,
        )
    )
    more = len(rows) > PAGE_SIZE
    counts = q.status_counts(store)
    choices = q.filter_choices(store)
    active: dict[str, Any] = {k: v for k, v in filters.items() if v}
    return render_template(
        "queue/_body.html",
        rows=[_queue_row(r, day) for r in rows[:PAGE_SIZE]],
        counts=[(s, lifecycle.STATUSES[s], counts.get(s, 0)) for s in lifecycle.STATUSES],
        total=sum(counts.values()),
        filters=filters,
        filtered=bool(active),
        payers=choices["payer"],
        treatments=choices["treatment"],
        assignees=choices["assignee"],
        statuses=lifecycle.STATUSES,
        page=page,
        prev_url=url_for("queue.index", **active, page=page - 1) if page > 1 else None,
        next_url=url_for("queue.index", **active, page=page + 1) if more else None,
        today=day,
    )


def _queue_row(r: Mapping[str, Any], day: dt.date) -> dict[str, Any]:
    row = dict(r)
    row["status_words"] = lifecycle.STATUSES.get(r["status"], r["status"])
    row["overdue"] = r["next_due"] is not None and r["next_due"] < day
    row["units_left"] = None if r["units_approved"] is None else r["units_approved"] - r["units_used"]
    row["days_left"] = (r["valid_to"] - day).days if r["valid_to"] is not None and r["status"] in lifecycle.ACTIVE_APPROVAL else None
    return row


# ---- one request ------------------------------------------------------------------------------


@bp.get("/requests/<int:request_id>")
def show(request_id: int) -> ResponseReturnValue:
    return _request_page(request_id)


def _request_page(request_id: int, error: PriorAuthError | None = None, form: Mapping[str, str] | None = None, action: str | None = None) -> ResponseReturnValue:
    store = current_store()
    day = today()
    q.refresh(store, day)
    try:
        r = q.show_request(store, request_id)
    except StoreError:
        abort(404)
    r["status_words"] = lifecycle.STATUSES.get(r["status"], r["status"])
    r["units_left"] = None if r["units_approved"] is None else r["units_approved"] - r["units_used"]
    r["days_left"] = (r["valid_to"] - day).days if r["valid_to"] is not None and r["status"] in lifecycle.ACTIVE_APPROVAL else None
    r["overdue"] = r["next_due"] is not None and r["next_due"] < day
    events = set(lifecycle.allowed_events(r["status"]))
    status = 200
    if error is not None:
        status = 409 if isinstance(error, ConflictError) else 400
    return (
        render_template(
            "queue/request.html",
            r=r,
            can={
                "submit": r["status"] in ("ready", "pended", "draft"),
                "appeal": "appeal" in events,
                "decide": "approve" in events,
                "pend": "pend" in events,
                "use": "use" in events,
                "withdraw": "withdraw" in events,
                "continue": r["status"] in (*lifecycle.ACTIVE_APPROVAL, "exhausted", "expired"),
            },
            error=error,
            error_field=getattr(error, "field", None),
            action=action,
            form=form or {},
            channels=CHANNELS,
            unit_rows=range(UNIT_ROWS),
            outcome_words=DECISION_FORMS,
            today=day,
        ),
        status,
    )


def _action(request_id: int, name: str, run: Callable[[int | None], Any], done: str) -> ResponseReturnValue:
    """Run one change with the version the form was made from; redirect, or show the page again with the message."""
    version = request.form.get("version", type=int)
    try:
        run(version)
    except ConflictError as exc:
        if "version" in exc.message:
            exc = ConflictError(
                "Someone else changed this request after you opened it. Nothing was saved.",
                "The page now shows the request as it is; check it and make your change again if it is still needed.",
            )
        return _request_page(request_id, exc, request.form, name)
    except StoreError as exc:
        if exc.message.startswith("there is no request"):
            abort(404)
        return _request_page(request_id, exc, request.form, name)
    except PriorAuthError as exc:
        return _request_page(request_id, exc, request.form, name)
    flash(done, "success")
    return redirect(url_for("queue.show", request_id=request_id), 303)


def _date(field: str, label: str, required: bool = False) -> dt.date | None:
    value = request.form.get(field, "").strip()
    if not value:
        if required:
            raise FormError(field, f"{label}: enter a date.", "Use the date picker, or type it as YYYY-MM-DD.")
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise FormError(field, f"{label}: this is not a date.", "Use the date picker, or type it as YYYY-MM-DD.") from None


def _text(field: str) -> str | None:
    value = request.form.get(field, "")
    return value if value.strip() else None  # kept exactly as typed


@bp.post("/requests/<int:request_id>/submit")
def submit(request_id: int) -> ResponseReturnValue:
    def run(version: int | None) -> Any:
        channel = request.form.get("channel", "")
        if channel and channel not in CHANNELS:
            raise FormError("channel", "How it was sent: choose one of the list.")
        on = _date("on", "Sent on", required=True)
        note = f"sent by {channel}" if channel else None
        return q.submit(
            current_store(),
            request_id,
            reference=_text("reference"),
            on=on,
            anyway=request.form.get("anyway") == "1",
            expected_version=version,
            today=today(),
            note=note,
        )

    return _action(request_id, "submit", run, "Recorded: sent to the payer.")


@bp.post("/requests/<int:request_id>/decide")
def decide(request_id: int) -> ResponseReturnValue:
    outcome = request.form.get("outcome", "")
    if outcome not in q.OUTCOMES:
        abort(400)

    def run(version: int | None) -> Any:
        units = _units() if outcome in ("approved", "partial") else []
        valid_to = _date("valid_to", "Approved until", required=outcome in ("approved", "partial"))
        if outcome == "partial" and not units:
            raise FormError("units_0", "A partial approval needs the units approved.", "Enter the procedure code and the number of units from the payer's letter.")
        if outcome == "denied" and not _text("reason"):
            raise FormError("reason", "Reason for the denial: enter it as the payer's letter states it.", "The appeal answers this reason.")
        if outcome == "pended" and not _text("asked"):
            raise FormError("asked", "What the payer asked for: describe it.", "For example: the PHQ-9 scores of the last two visits.")
        return q.decide(
            current_store(),
            request_id,
            outcome,
            on=_date("on", "Decided on", required=True),
            reference=_text("reference"),
            auth_number=_text("auth_number"),
            valid_from=_date("valid_from", "Approved from"),
            valid_to=valid_to,
            units=units,
            reason=_text("reason"),
            appeal_deadline=_date("appeal_by", "Appeal by"),
            info_due=_date("info_due", "Information due by"),
            expected_version=version,
            today=today(),
            note=f"the payer asked for: {request.form['asked']}" if outcome == "pended" else None,
        )

    words = {"approved": "an approval", "partial": "a partial approval", "denied": "a denial", "pended": "a request for information"}
    return _action(request_id, f"decide-{outcome}", run, f"Recorded {words[outcome]}.")


def _units() -> list[tuple[str, int]]:
    units = []
    for i in range(UNIT_ROWS):
        code, number = request.form.get(f"code_{i}", "").strip(), request.form.get(f"units_{i}", "").strip()
        if not code and not number:
            continue
        if not number.isdigit() or int(number) < 1:
            raise FormError(f"units_{i}", f"Units, row {i + 1}: enter a whole number of 1 or more.")
        units.append((code or "units", int(number)))
    return units


@bp.post("/requests/<int:request_id>/use")
def use(request_id: int) -> ResponseReturnValue:
    def run(version: int | None) -> Any:
        number = request.form.get("units", "1").strip()
        if not number.isdigit() or int(number) < 1:
            raise FormError("units", "Units used: enter a whole number of 1 or more.")
        return q.record_use(current_store(), request_id, int(number), on=_date("on", "Used on"), expected_version=version, today=today())

    return _action(request_id, "use", run, "Recorded: units used.")


@bp.post("/requests/<int:request_id>/note")
def note(request_id: int) -> ResponseReturnValue:
    def run(version: int | None) -> Any:
        text = request.form.get("text", "")
        if not text.strip():
            raise FormError("text", "Note: write something first.")
        return q.add_note(current_store(), request_id, text, expected_version=version, today=today())

    return _action(request_id, "note", run, "Note added.")


@bp.post("/requests/<int:request_id>/assign")
def assign(request_id: int) -> ResponseReturnValue:
    def run(version: int | None) -> Any:
        priority = request.form.get("priority", "routine")
        if priority not in q.PRIORITIES:
            raise FormError("priority", "Priority: choose routine or urgent.")
        return q.set_fields(current_store(), request_id, assignee=request.form.get("assignee", "").strip(), priority=priority, expected_version=version)

    return _action(request_id, "assign", run, "Saved.")


@bp.post("/requests/<int:request_id>/continue")
def start_continuation(request_id: int) -> ResponseReturnValue:
    opened: list[int] = []

    def run(version: int | None) -> Any:
        new = q.start_continuation(current_store(), request_id, expected_version=version, today=today())
        opened.append(new.id)
        return new

    answer = _action(request_id, "continue", run, "Continuation opened: update the case for it (sessions given, response); then it can be submitted.")
    return redirect(url_for("queue.show", request_id=opened[0]), 303) if opened else answer


@bp.post("/requests/<int:request_id>/withdraw")
def withdraw(request_id: int) -> ResponseReturnValue:
    def run(version: int | None) -> Any:
        return q.withdraw(current_store(), request_id, reason=_text("reason"), expected_version=version)

    return _action(request_id, "withdraw", run, "Withdrawn.")
