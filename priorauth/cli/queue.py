"""`priorauth queue`: the work queue of requests, from the first check to the decision.

SQLAlchemy is imported inside each command, so `priorauth --help` stays light.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

import click

from priorauth.cli.options import DateType, payer_option, rules_dir_option

if TYPE_CHECKING:
    from priorauth.store import Store

F = Callable[..., Any]
STATUS_CHOICES = ["draft", "ready", "submitted", "pended", "approved", "partial", "denied", "appeal", "expired", "exhausted", "withdrawn"]


def db_options(f: F) -> F:
    """--db and --user, on every command that opens the queue."""
    f = click.option("--user", metavar="NAME", help="Who makes the change, for the audit log (default: PRIORAUTH_USER, then your login name).")(f)
    return click.option(
        "--db",
        metavar="PATH|URL",
        help="The queue's database: an SQLite file or postgresql://user@host/dbname (default: PRIORAUTH_DB, then queue.sqlite3 in your data folder).",
    )(f)


def _open(db: str | None, user: str | None = None) -> Store:
    from priorauth.store import open_store

    return closed_with_command(open_store(db, user))


def closed_with_command(store: Store) -> Store:
    """The store, closed (its connections returned) when the command ends, however it ends."""
    click.get_current_context().call_on_close(store.close)
    return store


def _if_version(f: F) -> F:
    return click.option(
        "--if-version",
        "expected",
        type=int,
        metavar="N",
        help="Refuse the change if the request changed since you saw version N (`queue show` prints it).",
    )(f)


def _request_id(f: F) -> F:
    return click.argument("request_id", metavar="ID", type=click.IntRange(min=1))(f)


@click.group()
def queue() -> None:
    """Track every request from the first check to the payer's decision.

    Each case added is checked, and one request is opened per rule set (payer and
    treatment). A request moves through draft, ready, submitted, pended, approved,
    partially approved, denied, in appeal, expired, exhausted or withdrawn; the next
    action and its due date follow from its state and dates. Every change is saved at
    once, in one transaction, with a line in the audit log.

    \b
    Examples:
      priorauth queue add cases/
      priorauth queue list
      priorauth queue submit 12 --ref PA-0042
      priorauth queue decide 12 approved --auth 0123 --valid-to 2027-03-01 --units 90868=36
    """


@queue.command()
@click.argument("inputs", nargs=-1, required=True, metavar="CASE...", type=click.Path())
@payer_option
@click.option("--treatment", type=click.Choice(["tms", "spravato", "both"]), help="Treatment to request (default: the case's request.treatment).")
@rules_dir_option
@click.option("--priority", type=click.Choice(["routine", "urgent"]), default="routine", show_default=True, help="Priority of the new requests.")
@click.option("--assignee", metavar="NAME", help="Who works on the new requests.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Processes checking cases (default: the number of CPUs); 1 checks them in this process.")
@db_options
def add(
    inputs: tuple[str, ...], payer: str | None, treatment: str | None, rules_dirs: tuple[str, ...], priority: str, assignee: str | None, jobs: int | None, db: str | None, user: str | None
) -> None:
    """Check each CASE and open a request per rule set asked for.

    CASE is a case file, a folder of them (searched recursively), or a JSON Lines file
    (one case per line), as for `priorauth batch`. A case already in the queue is not
    added twice; a changed case becomes a new version of the patient's case, and the
    open requests of that patient and rule set move to it (draft or ready, as the check
    now says). A case that cannot be read is reported and skipped; the others are added.

    \b
    Examples:
      priorauth queue add samples/cigna-tms-ready.yaml
      priorauth queue add cases/ export.jsonl --assignee maria
      priorauth queue add case.yaml --payer all --treatment both

    Exit status: 0 every case added; 2 some case could not be read (the others were added).
    """
    from priorauth.batch import default_jobs
    from priorauth.store import queue as q

    store = _open(db, user)
    result = q.add_cases(store, inputs, payer, treatment, rules_dirs, priority, assignee, jobs=jobs or default_jobs())
    counts = {"opened": 0, "updated": 0, "unchanged": 0}
    for row in result.rows:
        if row.action == "error":
            click.echo(f"error: {row.error}", err=True)
            continue
        counts[row.action] += 1
        click.echo(f"request {row.request_id} {row.action}: {row.patient} {row.rule_set} {row.status} (case version {row.case_version})")
    click.echo(f"{counts['opened']} opened, {counts['updated']} updated, {counts['unchanged']} unchanged, {len(result.errors)} not added")
    raise SystemExit(2 if result.errors else 0)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return value.isoformat() if isinstance(value, dt.date) else str(value)


LIST_HEADER = f"  {'ID':<5}  {'DUE':<10}  {'STATUS':<9}  {'PAYER':<12}  {'TREATMENT':<9}  {'PATIENT':<14}  {'ASSIGNEE':<10}  NEXT ACTION"


_LINE = "%s %-5s  %-10s  %-9s  %-12s  %-9s  %-14s  %-10s  %s%s"


def _list_line(row: dict[str, Any], today: dt.date) -> str:
    due = row["next_due"]
    return _LINE % (
        "!" if due is not None and due < today else ("*" if row["priority"] == "urgent" else " "),
        row["id"],
        due or "-",
        row["status"],
        row["payer"],
        row["treatment"],
        row["patient"],
        row["assignee"] or "-",
        row["next_action"] or "-",
        "" if row["units_approved"] is None else f" ({row['units_used']}/{row['units_approved']} units)",
    )


@queue.command("list")
@click.option("--status", "statuses", multiple=True, type=click.Choice(STATUS_CHOICES), help="Only requests in this state (repeat for several).")
@click.option("--payer", help="Only requests to this payer id.")
@click.option("--treatment", type=click.Choice(["tms", "spravato"]), help="Only this treatment.")
@click.option("--assignee", metavar="NAME", help="Only requests assigned to NAME.")
@click.option("--due", "due_by", type=DateType(), is_flag=False, flag_value=dt.date.today().isoformat(), help="Only what is due by this date (alone: today).")
@click.option("--all", "closed", is_flag=True, help="Include closed requests (expired, exhausted, withdrawn).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
@db_options
def list_(statuses: tuple[str, ...], payer: str | None, treatment: str | None, assignee: str | None, due_by: dt.date | None, closed: bool, fmt: str, db: str | None, user: str | None) -> None:
    """List the queue: urgent first, then what is due first.

    An approval whose end date has passed is moved to expired first. In the text
    output, ! marks an overdue next action and * an urgent request. Closed requests
    (expired, exhausted, withdrawn) are left out unless --all or --status asks for them.

    \b
    Examples:
      priorauth queue list
      priorauth queue list --due --assignee maria
      priorauth queue list --status denied --status pended --payer cigna
      priorauth queue list --format json > queue.json
    """
    from priorauth.store import queue as q

    store = _open(db, user)
    q.refresh(store)
    rows = q.list_requests(store, statuses, payer, treatment, assignee, closed, due_by)
    out = sys.stdout
    if fmt == "json":
        for part in q.export_json(rows):
            out.write(part)
        return
    today = dt.date.today()
    out.write(LIST_HEADER + "\n")
    count = 0
    for row in rows:
        out.write(_list_line(row, today) + "\n")
        count += 1
    out.write(f"{count} request{'s' if count != 1 else ''}\n")


@queue.command()
@_request_id
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True, help="Output format.")
@click.option("--case", "with_case", is_flag=True, help="Print the case the request stands on now, as it was given.")
@db_options
def show(request_id: int, fmt: str, with_case: bool, db: str | None, user: str | None) -> None:
    """Show one request: its state, next action, decisions, units, documents and history.

    \b
    Examples:
      priorauth queue show 12
      priorauth queue show 12 --format json
      priorauth queue show 12 --case > case-v2.yaml
    """
    from priorauth.store import queue as q

    store = _open(db, user)
    if with_case:
        click.echo(q.case_text(store, request_id)[0], nl=False)
        return
    q.refresh(store)
    data = q.show_request(store, request_id)
    if fmt == "json":
        click.echo(json.dumps(q.plain(data), ensure_ascii=False, indent=2))
        return
    click.echo("\n".join(_show_lines(data)))


def _show_lines(d: dict[str, Any]) -> list[str]:
    from priorauth.store.lifecycle import STATUSES

    lines = [
        f"Request {d['id']} (version {d['version']}): {d['patient']} {d['rule_set']} ({d['kind']}), rule set version {d['rule_version']}",
        f"  status:       {STATUSES[d['status']]}",
        f"  next action:  {_cell(d['next_action'])}" + (f", due {d['next_due']}" if d["next_due"] else ""),
        f"  case:         version {d['case_version']}, check {d['check_status'].replace('_', ' ')}" + (f"; gaps: {', '.join(d['gaps'])}" if d["gaps"] else ""),
        f"  priority:     {d['priority']}; assignee: {_cell(d['assignee'])}",
        f"  reference:    {_cell(d['reference'])}; authorization: {_cell(d['auth_number'])}",
    ]
    if d["submitted_on"]:
        lines.append(f"  submitted:    {d['submitted_on']}" + (f" (appeal level {d['appeal_level']})" if d["appeal_level"] else ""))
    if d["valid_to"]:
        lines.append(f"  valid:        {d['valid_from']} to {d['valid_to']}")
    if d["units_approved"] is not None:
        lines.append(f"  units:        {d['units_used']} used of {d['units_approved']} approved")
    for title, key, fmt in (
        ("Decisions", "decisions", lambda x: f"{x['decided_on']} {x['outcome']}" + "".join(
            f"; {label} {x[k]}" for label, k in (("reference", "reference"), ("authorization", "auth_number"), ("valid to", "valid_to"), ("reason", "denial_reason"), ("appeal by", "appeal_deadline"), ("information due", "info_due")) if x[k]
        ) + ("; units " + ", ".join(f"{u['code']}={u['units']}" for u in x["units"]) if x["units"] else "") + f" (case version {x['case_version']}, by {x['by']})"),
        ("Units used", "uses", lambda x: f"{x['date']} {x['units']}" + (f" {x['code']}" if x["code"] else "") + f" (by {x['by']})"),
        ("Documents", "documents", lambda x: f"{x['kind']} {x['file']} sha256 {x['sha256'][:12]} (case version {x['case_version']}, rules {x['rule_version']})"),
        ("Open tasks", "tasks", lambda x: f"{x['kind']}" + (f" due {x['due']}" if x["due"] else "")),
        ("Notes", "notes", lambda x: f"{x['at']:%Y-%m-%d %H:%M} {x['by']}: {x['text']}"),
        ("History", "history", lambda x: f"{x['at']:%Y-%m-%d %H:%M} {x['user']}: {x['detail']}"),
    ):
        items = [x for x in d[key] if key != "tasks" or not x["done"]]
        if items:
            lines += ["", f"{title}:"] + [f"  {fmt(x)}" for x in items]
    return lines


def _done(r: Any, what: str) -> None:
    from priorauth.store.lifecycle import STATUSES

    click.echo(f"request {r.id} {what}: {STATUSES[r.status]}; next: {_cell(r.next_action)}" + (f" by {r.next_due}" if r.next_due else ""))


@queue.command()
@_request_id
@click.option("--ref", "reference", metavar="TEXT", help="The payer's reference (case) number, kept exactly as typed.")
@click.option("--date", "on", type=DateType(), help="When it was sent (default: today).")
@click.option("--anyway", is_flag=True, help="Submit a draft although its case has gaps.")
@_if_version
@db_options
def submit(request_id: int, reference: str | None, on: dt.date | None, anyway: bool, expected: int | None, db: str | None, user: str | None) -> None:
    """Record that request ID was sent to the payer (after a denial: that the appeal was).

    A pended request submitted again means the information asked for was sent.

    \b
    Examples:
      priorauth queue submit 12 --ref PA-0042
      priorauth queue submit 12 --ref PA-0042 --date 2026-11-20
      priorauth queue submit 15 --anyway
    """
    from priorauth.store import queue as q

    _done(q.submit(_open(db, user), request_id, reference, on, anyway, expected), "submitted")


def _units(values: Iterable[str]) -> list[tuple[str, int]]:
    out = []
    for value in values:
        code, sep, number = value.rpartition("=")
        if not sep:
            code, number = "units", value
        if not number.strip().isdigit() or int(number) < 1 or (sep and not code.strip()):
            raise click.BadParameter("write CODE=N (such as 90868=36) or a number of units", param_hint="--units")
        out.append((code.strip(), int(number)))
    return out


@queue.command()
@_request_id
@click.argument("outcome", type=click.Choice(["approved", "partial", "denied", "pended"]))
@click.option("--date", "on", type=DateType(), help="Date of the decision (default: today).")
@click.option("--ref", "reference", metavar="TEXT", help="The payer's reference number, exactly as on the letter.")
@click.option("--auth", "auth_number", metavar="TEXT", help="Approvals: the authorization number, exactly as on the letter (0123 stays 0123).")
@click.option("--valid-from", type=DateType(), help="Approvals: first day covered (default: the decision date).")
@click.option("--valid-to", type=DateType(), help="Approvals: last day covered (required).")
@click.option("--units", "units", multiple=True, metavar="CODE=N", help="Approvals: units approved per procedure code, or a plain number (repeat for each code).")
@click.option("--reason", metavar="TEXT", help="Denials: the payer's reason (required).")
@click.option("--appeal-by", type=DateType(), help="Denials: the appeal deadline (default: 60 days after the decision).")
@click.option("--info-due", type=DateType(), help="Pended: when the information is due (default: 14 days after the decision).")
@_if_version
@db_options
def decide(
    request_id: int,
    outcome: str,
    on: dt.date | None,
    reference: str | None,
    auth_number: str | None,
    valid_from: dt.date | None,
    valid_to: dt.date | None,
    units: tuple[str, ...],
    reason: str | None,
    appeal_by: dt.date | None,
    info_due: dt.date | None,
    expected: int | None,
    db: str | None,
    user: str | None,
) -> None:
    """Record the payer's decision on request ID: approved, partial, denied or pended.

    An approval sets the dates it covers and opens the continuation task two weeks
    before it ends; a denial keeps its reason and opens the appeal task with its
    deadline; pended (information requested) opens a task due when the payer wants it.

    \b
    Examples:
      priorauth queue decide 12 approved --auth 0123 --valid-to 2027-03-01 --units 90867=1 --units 90868=35
      priorauth queue decide 12 partial --valid-to 2027-01-15 --units 20
      priorauth queue decide 12 denied --reason "fewer than 4 antidepressant trials" --appeal-by 2027-01-30
      priorauth queue decide 12 pended --info-due 2026-12-01
    """
    from priorauth.store import queue as q

    r = q.decide(_open(db, user), request_id, outcome, on, reference, auth_number, valid_from, valid_to, _units(units), reason, appeal_by, info_due, expected)
    _done(r, "decided")


@queue.command()
@_request_id
@click.option("--units", type=click.IntRange(min=1), required=True, help="Sessions given (TMS) or devices used (Spravato).")
@click.option("--date", "on", type=DateType(), help="When (default: today).")
@click.option("--code", metavar="CODE", help="The procedure code the units count against.")
@_if_version
@db_options
def use(request_id: int, units: int, on: dt.date | None, code: str | None, expected: int | None, db: str | None, user: str | None) -> None:
    """Record units used under the approval of request ID.

    When every approved unit is used the request becomes exhausted.

    \b
    Examples:
      priorauth queue use 12 --units 1
      priorauth queue use 12 --units 2 --date 2026-12-03 --code 90868
    """
    from priorauth.store import queue as q

    _done(q.record_use(_open(db, user), request_id, units, on, code, expected), "units recorded")


@queue.command()
@_request_id
@click.argument("text")
@_if_version
@db_options
def note(request_id: int, text: str, expected: int | None, db: str | None, user: str | None) -> None:
    """Add a note to request ID (a call to the payer, who was spoken to).

    A note counts as a contact: the next status check is due three days later.

    \b
    Examples:
      priorauth queue note 12 "Called Cigna, spoke to J. at provider services; in clinical review"
    """
    from priorauth.store import queue as q

    _done(q.add_note(_open(db, user), request_id, text, expected_version=expected), "noted")


@queue.command()
@_request_id
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--kind", type=click.Choice(["letter", "checklist", "packet", "appeal", "other"]), required=True, help="What the document is.")
@_if_version
@db_options
def attach(request_id: int, file: str, kind: str, expected: int | None, db: str | None, user: str | None) -> None:
    """Record a letter, checklist or packet made for request ID.

    The file's path and SHA-256 are kept with the case version and rule-set version the
    request stands on, so one can later tell which case a letter was written from.

    \b
    Examples:
      priorauth letter case.yaml -o out/ && priorauth queue attach 12 out/DEMO-1001_cigna_tms_letter.pdf --kind letter
      priorauth queue attach 12 packet.pdf --kind packet
    """
    from priorauth.store import queue as q

    q.attach(_open(db, user), request_id, file, kind, expected)
    click.echo(f"request {request_id}: {kind} recorded")


@queue.command("set")
@_request_id
@click.option("--assignee", metavar="NAME", help="Who works on it ('' to clear).")
@click.option("--priority", type=click.Choice(["routine", "urgent"]), help="Priority.")
@_if_version
@db_options
def set_(request_id: int, assignee: str | None, priority: str | None, expected: int | None, db: str | None, user: str | None) -> None:
    """Change who works on request ID, or its priority.

    \b
    Examples:
      priorauth queue set 12 --assignee maria
      priorauth queue set 12 --priority urgent
    """
    from priorauth.store import queue as q

    _done(q.set_fields(_open(db, user), request_id, assignee, priority, expected), "changed")


@queue.command()
@_request_id
@click.option("--reason", metavar="TEXT", help="Why (kept as a note).")
@_if_version
@db_options
def withdraw(request_id: int, reason: str | None, expected: int | None, db: str | None, user: str | None) -> None:
    """Withdraw request ID (the patient chose another treatment, moved, ...).

    \b
    Examples:
      priorauth queue withdraw 12 --reason "patient chose Spravato"
    """
    from priorauth.store import queue as q

    _done(q.withdraw(_open(db, user), request_id, reason, expected), "withdrawn")


@queue.command()
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv", show_default=True, help="File format.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="File to write (0600; default: standard output).")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@click.option("--open-only", is_flag=True, help="Leave out closed requests (expired, exhausted, withdrawn).")
@db_options
def export(fmt: str, output: str | None, force: bool, open_only: bool, db: str | None, user: str | None) -> None:
    """Export the queue as CSV or JSON for the clinic's own reports.

    One row per request: its patient id, payer, treatment, rule set, state, next action
    and due date, reference and authorization numbers, dates and units.

    \b
    Examples:
      priorauth queue export -o queue.csv
      priorauth queue export --format json --open-only > open.json
    """
    from pathlib import Path

    from priorauth.store import queue as q

    store = _open(db, user)
    q.refresh(store)
    rows = q.list_requests(store, closed=not open_only)
    parts = q.export_json(rows) if fmt == "json" else q.export_csv(rows)
    if output is None:
        for part in parts:
            sys.stdout.write(part)
        return
    from priorauth.output import write_atomic

    write_atomic(Path(output), "".join(parts).encode("utf-8"), force=force)
    click.echo(f"wrote {output}")
