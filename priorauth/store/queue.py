"""The work queue's operations: add cases, record submissions, decisions and units used.

Each function is one transaction: it either happens whole or not at all. Every change
writes an audit line naming the fields and states that changed, never their values.
Moves between states go through :mod:`priorauth.store.lifecycle`, which refuses a move
it does not allow before anything is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from priorauth.errors import PriorAuthError, UsageError
from priorauth.store import lifecycle
from priorauth.store.database import ConflictError, Store, StoreError
from priorauth.store.models import (
    ApprovedUnits,
    table_of,
    AuditEntry,
    CaseVersion,
    Decision,
    GeneratedDocument,
    Note,
    Patient,
    Request,
    Task,
    UnitUse,
    utcnow,
)

OUTCOMES = ("approved", "partial", "denied", "pended")
PRIORITIES = ("routine", "urgent")
DOCUMENT_KINDS = ("letter", "checklist", "packet", "appeal", "other")
LIST_FIELDS = (
    "id",
    "patient",
    "payer",
    "treatment",
    "rule_set",
    "status",
    "priority",
    "assignee",
    "next_action",
    "next_due",
    "reference",
    "auth_number",
    "valid_from",
    "valid_to",
    "units_approved",
    "units_used",
    "submitted_on",
    "version",
)


# ---- adding cases ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Added:
    source: str
    patient: str | None = None
    request_id: int | None = None
    rule_set: str | None = None
    status: str | None = None
    action: str = "error"  # opened, updated, unchanged, error
    case_version: int | None = None
    error: str | None = None


@dataclass
class AddResult:
    rows: list[Added] = field(default_factory=list)

    @property
    def errors(self) -> list[Added]:
        return [r for r in self.rows if r.action == "error"]


def _inputs(inputs: Sequence[str | Path]) -> tuple[int, Iterator[Any]]:
    """(how many, the cases) named by files, folders and JSON Lines, found as `priorauth batch` finds them."""
    from priorauth import batch

    sources = batch.discover(inputs, Path(os.devnull))
    return sum(src.count for src in sources), batch.case_inputs(sources)


def _load(item: Any) -> tuple[Any, str, str, str]:
    """(case, text as given, format, sha256 of the bytes) of one input."""
    from priorauth.case import load_case_text
    from priorauth.errors import CaseFileError, Issue
    from priorauth.loading import decode_text, read_bytes

    if item.problem is not None:
        raise CaseFileError(item.path, Issue("", item.problem, line=item.line))
    if item.data is not None:
        raw, fmt = item.data, "json"
    else:
        raw = read_bytes(Path(item.path), "case file", CaseFileError)
        fmt = "json" if item.path.lower().endswith(".json") else "yaml"
    text = decode_text(raw, item.path, "case file", CaseFileError)
    try:
        case = load_case_text(text, item.path, fmt)
    except CaseFileError as exc:
        if item.line is None:
            raise
        import dataclasses

        raise CaseFileError(exc.file, [dataclasses.replace(i, line=item.line) for i in exc.issues], exc.hint) from None
    return case, text, fmt, hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True)
class _Result:
    """One rule set's check of a case, as the queue keeps it (small, picklable)."""

    payer: str
    treatment: str
    rule_set: str
    rule_version: str
    status: str
    gaps: str


@dataclass(frozen=True)
class _Checked:
    source: str
    error: str | None = None
    patient: str = ""
    kind: str = "initial"
    text: str = ""
    fmt: str = ""
    sha256: str = ""
    results: tuple[_Result, ...] = ()


_CHECKER: tuple[Any, str | None, str | None] | None = None  # (registry, payer, treatment) of this process


def _die_with(parent: int) -> None:
    """A worker whose parent is killed (SIGKILL, out of memory) ends too, instead of
    waiting forever on its queue (Linux; elsewhere the pool's own checks apply)."""
    import signal
    import sys

    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            return
        if os.getppid() != parent:  # it died before prctl took effect
            os._exit(1)


def _init_checker(rules_dirs: Sequence[str], payer: str | None, treatment: str | None, parent: int | None = None) -> None:
    from priorauth.rules import Registry

    if parent is not None:  # a worker process
        import signal

        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        _die_with(parent)
    global _CHECKER
    _CHECKER = (Registry(rules_dirs), payer, treatment)


def _check(item: Any) -> _Checked:
    """Load and check one input; any failure becomes its error line (no patient value)."""
    from priorauth import batch
    from priorauth.api import check_case

    assert _CHECKER is not None
    registry, payer, treatment = _CHECKER
    try:
        case, text_, fmt, digest = _load(item)
        reports = check_case(case, registry, payer, treatment)
    except PriorAuthError as exc:
        return _Checked(item.source, error=batch.error_text(exc, item.source))
    except Exception as exc:  # a bug costs one case, not the import
        return _Checked(item.source, error=batch.internal_error(item.source, exc))
    return _Checked(item.source, None, case.patient.id, case.request.kind, text_, fmt, digest, _results(reports))


def _results(reports: Sequence[Any]) -> tuple[_Result, ...]:
    """The reports of one case as the queue keeps them."""
    return tuple(
        _Result(
            payer=r.payer,
            treatment=r.treatment,
            rule_set=r.rule_set.id,
            rule_version=r.rule_set.effective or f"unpublished, checked {r.rule_set.checked}",
            status=r.status,
            gaps="; ".join([*r.topics("not_met"), *r.topics("unknown"), *(d.kind for d in r.missing_documents)]),
        )
        for r in reports
    )


def _check_chunk(items: list[Any]) -> list[_Checked]:
    return [_check(item) for item in items]


def _checked(inputs: Sequence[str | Path], rules_dirs: Sequence[str], payer: str | None, treatment: str | None, jobs: int) -> Iterator[_Checked]:
    """Every input checked, in input order; with jobs > 1 in worker processes, a few chunks in flight."""
    from priorauth import batch

    total, items = _inputs(inputs)
    if total <= batch.CHUNK_EVALUATE:  # a few cases: starting workers would cost more than it saves
        jobs = 1
    if jobs <= 1:
        _init_checker(rules_dirs, payer, treatment)
        for item in items:
            yield _check(item)
        return
    from collections import deque
    from concurrent.futures import Future, ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    pool = ProcessPoolExecutor(max_workers=jobs, initializer=_init_checker, initargs=(tuple(rules_dirs), payer, treatment, os.getpid()))
    pending: deque[Future[list[_Checked]]] = deque()
    try:
        for chunk in batch.chunks(items, batch.CHUNK_EVALUATE):
            pending.append(pool.submit(_check_chunk, chunk))
            while len(pending) >= jobs * batch.CHUNKS_IN_FLIGHT_PER_WORKER:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()
    except BrokenProcessPool:
        raise StoreError("a worker process stopped unexpectedly (out of memory, or killed); nothing was added", "rerun with fewer --jobs") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


WRITE_CHUNK = 250  # cases per batch of INSERTs
OPEN_STATES = ("draft", "ready", "submitted", "pended", "denied", "appeal")


def add_cases(
    store: Store,
    inputs: Sequence[str | Path],
    payer: str | None = None,
    treatment: str | None = None,
    rules_dirs: Sequence[str] = (),
    priority: str = "routine",
    assignee: str | None = None,
    today: dt.date | None = None,
    jobs: int = 1,
) -> AddResult:
    """Check each case and open (or update) one request per rule set, all in one transaction.

    A case that cannot be read or checked is reported and skipped; the others are added.
    The same case added twice is one version; a changed case is a new version, and the
    open requests of that patient and rule set move to it (a draft or ready one becomes
    draft or ready as the new check says). ``jobs`` > 1 checks the cases in that many
    worker processes while this one writes.
    """
    from priorauth.rules import Registry

    if not inputs:
        raise UsageError("no case files given")
    Registry(rules_dirs)  # a missing --rules-dir is refused before anything is read
    writer = _Writer(store.user, priority, assignee, today or dt.date.today())
    result = AddResult()
    with store.writing() as s, s.no_autoflush:
        chunk: list[_Checked] = []
        for checked in _checked(inputs, rules_dirs, payer, treatment, jobs):
            chunk.append(checked)
            if len(chunk) >= WRITE_CHUNK:
                result.rows += writer.write(s, chunk)
                chunk = []
        result.rows += writer.write(s, chunk)
    return result


class _Writer:
    """Writes checked cases in chunks: a few queries to find what exists, then batched INSERTs."""

    def __init__(self, user: str, priority: str, assignee: str | None, today: dt.date) -> None:
        self.user, self.priority, self.assignee, self.today = user, priority, assignee, today
        self.now = utcnow()
        # Tasks and audit lines of new requests: plain rows, inserted after the requests
        # have their ids (no ORM object each, one executemany per chunk).
        self.tasks: list[tuple[Request, str, dt.date | None]] = []
        self.audits: list[tuple[Request, str, str]] = []

    def write(self, s: Session, chunk: list[_Checked]) -> list[Added]:
        keys = {c.patient for c in chunk if c.error is None}
        patients = {p.key: p for p in s.scalars(select(Patient).where(Patient.key.in_(keys)))} if keys else {}
        key_of = {p.id: p.key for p in patients.values()}
        versions: dict[tuple[str, str], CaseVersion] = {}
        top: dict[str, int] = {}
        requests: dict[tuple[str, str], Request] = {}
        if key_of:
            for v in s.scalars(select(CaseVersion).where(CaseVersion.patient_id.in_(key_of))):
                versions[(key_of[v.patient_id], v.sha256)] = v
                top[key_of[v.patient_id]] = max(top.get(key_of[v.patient_id], 0), v.number)
            for r in s.scalars(select(Request).where(Request.patient_id.in_(key_of), Request.status.in_(OPEN_STATES)).order_by(Request.id)):
                requests[(key_of[r.patient_id], r.rule_set)] = r  # the newest open one per rule set
        done: list[tuple[_Checked, Request | None, str, CaseVersion | None]] = []
        for c in chunk:
            if c.error is not None:
                done.append((c, None, "error", None))
                continue
            patient = patients.get(c.patient)
            news: list[str] = []  # said once, in the audit line of the case's first request
            if patient is None:
                patient = patients[c.patient] = Patient(key=c.patient, created_at=self.now)
                s.add(patient)
                news.append("new patient")
            version = versions.get((c.patient, c.sha256))
            if version is None:
                top[c.patient] = top.get(c.patient, 0) + 1
                version = CaseVersion(
                    patient=patient, number=top[c.patient], sha256=c.sha256, fmt=c.fmt, source=c.source, text=c.text, created_at=self.now, created_by=self.user
                )
                versions[(c.patient, c.sha256)] = version
                s.add(version)
                news.append(f"case version {version.number} added")
            for res in c.results:
                existing = requests.get((c.patient, res.rule_set))
                if existing is None:
                    r = requests[(c.patient, res.rule_set)] = self._open(s, patient, version, c.kind, res, news)
                    done.append((c, r, "opened", version))
                elif existing.case_version is version:
                    done.append((c, existing, "unchanged", version))
                    if news:
                        self.audits.append((existing, "case.add", "; ".join(news)))
                else:
                    s.flush()  # rare (a changed case): its tasks are looked up below
                    self._recheck(s, existing, version, res, news)
                    done.append((c, existing, "updated", version))
                news = []
        s.flush()
        if self.tasks:
            s.execute(insert(table_of(Task)), [{"request_id": r.id, "kind": k, "due_on": d, "opened_at": self.now, "done_at": None} for r, k, d in self.tasks])
        if self.audits:
            s.execute(insert(table_of(AuditEntry)), [{"at": self.now, "user": self.user, "action": a, "request_id": r.id, "detail": d} for r, a, d in self.audits])
        self.tasks.clear()
        self.audits.clear()
        return [
            Added(c.source, error=c.error)
            if r is None or v is None
            else Added(c.source, c.patient, r.id, r.rule_set, r.status, action, v.number)
            for c, r, action, v in done
        ]

    def _open(self, s: Session, patient: Patient, version: CaseVersion, kind: str, res: _Result, news: list[str]) -> Request:
        status = "ready" if res.status == "ready" else "draft"
        r = Request(
            patient=patient,
            case_version=version,
            kind=kind,
            payer=res.payer,
            treatment=res.treatment,
            rule_set=res.rule_set,
            rule_version=res.rule_version,
            check_status=res.status,
            gaps=res.gaps,
            status=status,
            priority=self.priority,
            assignee=self.assignee,
            appeal_level=0,
            units_used=0,
            created_at=self.now,
            updated_at=self.now,
        )
        s.add(r)
        _derive(s, r, self.today, retask=True, new_tasks=self.tasks)
        self.audits.append((r, "request.open", "; ".join([f"opened as {status} (check {res.status})", *news])))
        return r

    def _recheck(self, s: Session, r: Request, version: CaseVersion, res: _Result, news: list[str]) -> None:
        old = r.status
        r.case_version = version
        r.rule_version, r.check_status, r.gaps = res.rule_version, res.status, res.gaps
        if r.status in ("draft", "ready"):
            r.status = lifecycle.move(r.id, r.status, "check", "ready" if res.status == "ready" else "draft")
        r.updated_at = utcnow()
        _derive(s, r, self.today, retask=r.status != old)
        detail = "; ".join([*news, f"now on case version {version.number}; check {res.status}"])
        _audit(s, self.user, "request.recheck", r, detail + _status_change(old, r.status))


# ---- changes to one request -----------------------------------------------------------------


def _add_note(s: Session, store: Store, r: Request, text_: str) -> None:
    """A note on ``r``, by the store's user, now (submit, decide and add_note all write one)."""
    s.add(Note(request_id=r.id, text=text_, created_at=utcnow(), created_by=store.user))


def _audit(s: Session, user: str, action: str, request: Request | int | None, detail: str) -> None:
    entry = AuditEntry(at=utcnow(), user=user, action=action, detail=detail)
    if isinstance(request, Request):
        entry.request = request  # a new request gets its id at the flush
    else:
        entry.request_id = request
    s.add(entry)


def _facts(r: Request) -> lifecycle.Facts:
    return lifecycle.Facts(
        status=r.status,
        created_on=r.created_at.date(),
        submitted_on=r.submitted_on,
        last_contact=r.last_contact,
        info_due=r.info_due,
        appeal_deadline=r.appeal_deadline,
        appeal_level=r.appeal_level,
        valid_to=r.valid_to,
        units_approved=r.units_approved,
        units_used=r.units_used,
    )


def _derive(s: Session, r: Request, today: dt.date, retask: bool, new_tasks: list[Any] | None = None) -> None:
    """Set the next action and its due date; on a change of state, close and open tasks.

    ``new_tasks``: a new request's task goes there as (request, kind, due), for the caller
    to insert in bulk.
    """
    facts = _facts(r)
    r.next_action, r.next_due = lifecycle.next_action(facts, today)
    # one integer to sort the queue by, cheaper than two keys: urgent first, then by due date
    r.sort_key = (0 if r.priority == "urgent" else 1) * 10_000_000 + (r.next_due.toordinal() if r.next_due else 9_999_999)
    if not retask:
        return
    now = utcnow()
    if r.id is not None:  # a new request has no task yet
        for task in s.scalars(select(Task).where(Task.request_id == r.id, Task.done_at.is_(None))):
            task.done_at = now
    opened = lifecycle.task_for(r.status, facts)
    if opened is not None and new_tasks is not None:
        new_tasks.append((r, opened[0], opened[1]))
    elif opened is not None:
        s.add(Task(request=r, kind=opened[0], due_on=opened[1], opened_at=now))


class _Change:
    """``with _Change(store, id, expected_version) as (s, r):`` one change to one request."""

    def __init__(self, store: Store, request_id: int, expected_version: int | None, today: dt.date | None) -> None:
        self.store, self.request_id, self.expected = store, request_id, expected_version
        self.today = today or dt.date.today()

    def __enter__(self) -> tuple[Session, Request]:
        self._tx = self.store.writing()
        s = self._tx.__enter__()
        r = s.get(Request, self.request_id)
        if r is None:
            self._tx.__exit__(None, None, None)
            raise StoreError(f"there is no request {self.request_id}", "see `priorauth queue list --all` for the requests")
        if self.expected is not None and r.version != self.expected:
            self._tx.__exit__(None, None, None)
            raise ConflictError(
                f"request {self.request_id} was changed by someone else (it is at version {r.version}, you had version {self.expected}); nothing was saved",
                f"run `priorauth queue show {self.request_id}` and repeat your change",
            )
        self.old_status = r.status
        self.r = r
        return s, r

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> Any:
        if kind is None:
            self.r.updated_at = utcnow()
            try:
                _derive(self._tx_session, self.r, self.today, retask=self.r.status != self.old_status)
            except BaseException as e:  # pragma: no cover - a bug: roll back
                return self._tx.__exit__(type(e), e, e.__traceback__)
        return self._tx.__exit__(kind, exc, tb)

    @property
    def _tx_session(self) -> Session:
        return Session.object_session(self.r)  # type: ignore[return-value]  # the request is always attached to the open session here


def _status_change(old: str, new: str) -> str:
    return f"; status {old} -> {new}" if old != new else ""


def submit(
    store: Store,
    request_id: int,
    reference: str | None = None,
    on: dt.date | None = None,
    anyway: bool = False,
    expected_version: int | None = None,
    today: dt.date | None = None,
    note: str | None = None,
) -> Request:
    """Record that the request (or, after a denial, its appeal) went to the payer.

    ``note``: kept with it in the same transaction (how it was sent, to whom).
    """
    day = on or today or dt.date.today()
    with _Change(store, request_id, expected_version, today) as (s, r):
        old = r.status
        if r.status == "denied":
            r.status = lifecycle.move(r.id, r.status, "appeal")
            r.appeal_level += 1
            what = f"appeal level {r.appeal_level} submitted"
        elif r.status == "draft" and anyway:
            r.status = lifecycle.move(r.id, r.status, "submit_anyway")
            what = "submitted with gaps"
        else:
            if r.status == "draft":
                raise lifecycle.TransitionError(
                    f"request {r.id} is a draft: its case has gaps ({r.gaps or 'see queue show'})",
                    "add the completed case with `priorauth queue add`, or submit anyway with --anyway",
                )
            r.status = lifecycle.move(r.id, r.status, "submit")
            what = "submitted"
        r.submitted_on = day
        r.last_contact = day
        fields = []
        if reference is not None:
            r.reference = reference
            fields.append("reference")
        if note:
            _add_note(s, store, r, note)
            what += "; note added"
        _audit(s, store.user, "request.submit", r.id, what + (f"; changed: {', '.join(fields)}" if fields else "") + _status_change(old, r.status))
    return r


def decide(
    store: Store,
    request_id: int,
    outcome: str,
    on: dt.date | None = None,
    reference: str | None = None,
    auth_number: str | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    units: Sequence[tuple[str, int]] = (),
    reason: str | None = None,
    appeal_deadline: dt.date | None = None,
    info_due: dt.date | None = None,
    expected_version: int | None = None,
    today: dt.date | None = None,
    note: str | None = None,
) -> Request:
    """Record the payer's decision: approved, partial, denied or pended (information asked).

    ``note``: kept with it in the same transaction (say, what the payer asked for).
    """
    if outcome not in OUTCOMES:
        raise UsageError(f"decision must be one of {', '.join(OUTCOMES)}")
    day = on or today or dt.date.today()
    if outcome in ("approved", "partial"):
        if valid_to is None:
            raise UsageError("an approval needs the date it ends: --valid-to YYYY-MM-DD", "it is on the payer's approval letter")
        start = valid_from or day
        if valid_to < start:
            raise UsageError("--valid-to is before the approval starts", "check the dates on the approval letter")
        if outcome == "partial" and not units:
            raise UsageError("a partial approval needs the units approved: --units CODE=N (or --units N)")
    elif outcome == "denied" and not reason:
        raise UsageError("a denial needs its reason: --reason TEXT", "the payer's letter states it; the appeal answers it")
    event = {"approved": "approve", "partial": "approve_partly", "denied": "deny", "pended": "pend"}[outcome]
    with _Change(store, request_id, expected_version, today) as (s, r):
        old = r.status
        r.status = lifecycle.move(r.id, r.status, event)
        decision = Decision(
            request_id=r.id,
            outcome=outcome,
            decided_on=day,
            reference=reference,
            auth_number=auth_number,
            denial_reason=reason,
            appeal_level=r.appeal_level,
            case_version_id=r.case_version_id,
            rule_version=r.rule_version,
            created_at=utcnow(),
            created_by=store.user,
        )
        fields: list[str] = []
        if reference is not None:
            r.reference = reference
            fields.append("reference")
        if outcome in ("approved", "partial"):
            decision.valid_from, decision.valid_to = valid_from or day, valid_to
            r.valid_from, r.valid_to = decision.valid_from, valid_to
            r.units_approved = sum(n for _, n in units) if units else None
            r.auth_number = auth_number
            fields += ["auth_number"] * (auth_number is not None) + ["valid_from", "valid_to"] + ["units_approved"] * bool(units)
        elif outcome == "denied":
            decision.appeal_deadline = appeal_deadline or day + dt.timedelta(days=lifecycle.APPEAL_DAYS)
            r.appeal_deadline = decision.appeal_deadline
            fields += ["denial_reason", "appeal_deadline"]
        else:
            decision.info_due = info_due or day + dt.timedelta(days=lifecycle.INFO_DAYS)
            r.info_due = decision.info_due
            fields.append("info_due")
        r.last_contact = day
        s.add(decision)
        s.flush()
        for code, n in units:
            s.add(ApprovedUnits(decision_id=decision.id, code=code, units=n))
        if r.status in lifecycle.ACTIVE_APPROVAL and r.units_approved is not None and r.units_used >= r.units_approved:
            r.status = lifecycle.move(r.id, r.status, "exhaust")
        if note:
            _add_note(s, store, r, note)
            fields.append("note added")
        _audit(s, store.user, "request.decide", r.id, f"decision {outcome}; changed: {', '.join(fields)}{_status_change(old, r.status)}")
    return r


def record_use(
    store: Store,
    request_id: int,
    units: int,
    on: dt.date | None = None,
    code: str | None = None,
    expected_version: int | None = None,
    today: dt.date | None = None,
) -> Request:
    """Record sessions given (TMS) or devices used (Spravato) under an approval."""
    if units < 1:
        raise UsageError("--units must be 1 or more")
    day = on or today or dt.date.today()
    with _Change(store, request_id, expected_version, today) as (s, r):
        old = r.status
        lifecycle.move(r.id, r.status, "use", r.status)
        if (r.valid_from and day < r.valid_from) or (r.valid_to and day > r.valid_to):
            raise lifecycle.TransitionError(
                f"request {r.id}: the date is outside the approval ({r.valid_from} to {r.valid_to})",
                "units given outside the approval are not covered; check --date",
            )
        s.add(UnitUse(request_id=r.id, used_on=day, units=units, code=code, created_at=utcnow(), created_by=store.user))
        r.units_used += units
        if r.units_approved is not None and r.units_used >= r.units_approved:
            r.status = lifecycle.move(r.id, r.status, "exhaust")
        _audit(s, store.user, "request.use", r.id, f"units used recorded; changed: units_used{_status_change(old, r.status)}")
    return r


def add_note(store: Store, request_id: int, text_: str, on: dt.date | None = None, expected_version: int | None = None, today: dt.date | None = None) -> Request:
    """A note (a call to the payer, who was spoken to); it counts as the latest contact."""
    if not text_.strip():
        raise UsageError("the note is empty")
    with _Change(store, request_id, expected_version, today) as (s, r):
        _add_note(s, store, r, text_)
        r.last_contact = max(d for d in (r.last_contact, on or today or dt.date.today()) if d is not None)
        _audit(s, store.user, "request.note", r.id, "note added")
    return r


def set_fields(store: Store, request_id: int, assignee: str | None = None, priority: str | None = None, expected_version: int | None = None) -> Request:
    if priority is not None and priority not in PRIORITIES:
        raise UsageError(f"priority must be one of {', '.join(PRIORITIES)}")
    with _Change(store, request_id, expected_version, None) as (s, r):
        changed = []
        if assignee is not None:
            r.assignee = assignee or None
            changed.append("assignee")
        if priority is not None:
            r.priority = priority
            changed.append("priority")
        if not changed:
            raise UsageError("nothing to change: give --assignee or --priority")
        _audit(s, store.user, "request.set", r.id, f"changed: {', '.join(changed)}")
    return r


def withdraw(store: Store, request_id: int, reason: str | None = None, expected_version: int | None = None) -> Request:
    with _Change(store, request_id, expected_version, None) as (s, r):
        old = r.status
        r.status = lifecycle.move(r.id, r.status, "withdraw")
        if reason:
            s.add(Note(request_id=r.id, text=f"withdrawn: {reason}", created_at=utcnow(), created_by=store.user))
        _audit(s, store.user, "request.withdraw", r.id, "withdrawn" + _status_change(old, r.status))
    return r


CONTINUATION_GAP = "the case is not yet updated for the continuation (sessions given, response)"


def start_continuation(store: Store, request_id: int, expected_version: int | None = None, today: dt.date | None = None) -> Request:
    """Open the continuation of an approval: a new request of the same patient, payer and
    rule set, on the same case version, as a draft until the case is updated for the
    continuation and added again (which moves it, as any open request, to the new version)."""
    day = today or dt.date.today()
    with _Change(store, request_id, expected_version, today) as (s, r):
        if r.status not in (*lifecycle.ACTIVE_APPROVAL, "exhausted", "expired"):
            raise lifecycle.TransitionError(f"request {r.id} is {r.status}: a continuation follows an approval", "record the payer's approval first")
        other = s.scalar(select(Request.id).where(Request.patient_id == r.patient_id, Request.rule_set == r.rule_set, Request.status.in_(OPEN_STATES)))
        if other is not None:
            raise lifecycle.TransitionError(f"request {other} of this patient and rule set is still open", f"work on request {other}; it is the continuation's place")
        now = utcnow()
        same = ("patient_id", "case_version_id", "payer", "treatment", "rule_set", "rule_version", "check_status", "priority", "assignee")
        new = Request(
            **{f: getattr(r, f) for f in same},
            kind="continuation",
            gaps=CONTINUATION_GAP,
            status="draft",
            appeal_level=0,
            units_used=0,
            created_at=now,
            updated_at=now,
        )
        s.add(new)
        _derive(s, new, day, retask=True)
        s.flush()
        _audit(s, store.user, "request.open", new.id, f"opened as draft: continuation of request {r.id}")
        _audit(s, store.user, "request.continue", r.id, f"continuation opened: request {new.id}")
    return new


@dataclass(frozen=True)
class RequestBasis:
    """What a request stands on: the rule set, and the case version (by its file's sha256)."""

    request_id: int
    payer: str
    treatment: str
    rule_set: str
    case_sha256: str
    case_version: int


def request_basis(store: Store, request_id: int) -> RequestBasis:
    """The rule set and case version of request ``request_id``, to write its documents from."""
    with store.reading() as s:
        r = s.get(Request, request_id)
        if r is None:
            raise StoreError(f"there is no request {request_id}", "see `priorauth queue list --all` for the requests")
        version = s.get(CaseVersion, r.case_version_id)
        assert version is not None
        return RequestBasis(r.id, r.payer, r.treatment, r.rule_set, version.sha256, version.number)


def attach(store: Store, request_id: int, path: str | Path, kind: str, expected_version: int | None = None) -> GeneratedDocument:
    """Record a letter, checklist or packet made for the request: its file and sha256."""
    if kind not in DOCUMENT_KINDS:
        raise UsageError(f"--kind must be one of {', '.join(DOCUMENT_KINDS)}")
    file = Path(path)
    try:
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror}", "give the path of the document that was written") from None
    with _Change(store, request_id, expected_version, None) as (s, r):
        doc = GeneratedDocument(
            request_id=r.id,
            kind=kind,
            path=str(file.absolute()),
            sha256=digest,
            case_version_id=r.case_version_id,
            rule_version=r.rule_version,
            created_at=utcnow(),
            created_by=store.user,
        )
        s.add(doc)
        _audit(s, store.user, "request.attach", r.id, f"{kind} recorded")
    return doc


def refresh(store: Store, today: dt.date | None = None) -> int:
    """Move approvals whose end date has passed to expired, and re-derive next actions."""
    day = today or dt.date.today()
    ended = select(Request.id).where(Request.status.in_(lifecycle.ACTIVE_APPROVAL), Request.valid_to < day).limit(1)
    with store.reading() as s:
        if s.scalar(ended) is None:  # the usual case: no write, no lock
            return 0
    with store.writing() as s:
        due = s.scalars(select(Request).where(Request.status.in_(lifecycle.ACTIVE_APPROVAL), Request.valid_to < day)).all()
        for r in due:
            old = r.status
            r.status = lifecycle.move(r.id, r.status, "expire")
            r.updated_at = utcnow()
            _derive(s, r, day, retask=True)
            _audit(s, "priorauth", "request.expire", r.id, f"approval ended{_status_change(old, r.status)}")
    return len(due)


# ---- reading --------------------------------------------------------------------------------


def _list_query(
    status: Iterable[str] = (),
    payer: str | None = None,
    treatment: str | None = None,
    assignee: str | None = None,
    closed: bool = False,
    due_by: dt.date | None = None,
    expiring_by: dt.date | None = None,
) -> Any:
    """A Core query whose columns are LIST_FIELDS, in that order.

    ``expiring_by``: only approvals ending by that day or with few units left (the
    continuation is due).
    """
    t, p = Request.__table__.c, Patient.__table__.c
    cols = [p.key.label("patient") if f == "patient" else t[f] for f in LIST_FIELDS]
    q = select(*cols).select_from(Request.__table__.join(Patient.__table__, p.id == t.patient_id))
    status = list(status)
    if status:
        q = q.where(t.status.in_(status))
    elif not closed:
        q = q.where(t.status.not_in(lifecycle.CLOSED))
    if payer:
        q = q.where(t.payer == payer)
    if treatment:
        q = q.where(t.treatment == treatment)
    if assignee:
        q = q.where(t.assignee == assignee)
    if due_by:
        q = q.where(t.next_due <= due_by)
    if expiring_by:
        from sqlalchemy import or_

        q = q.where(
            t.status.in_(lifecycle.ACTIVE_APPROVAL),
            or_(t.valid_to <= expiring_by, t.units_approved - t.units_used <= lifecycle.UNITS_LOW),
        )
    # urgent first, then what is due first (no due date last), then the oldest
    return q.order_by(t.sort_key, t.id)


def list_requests(
    store: Store,
    status: Iterable[str] = (),
    payer: str | None = None,
    treatment: str | None = None,
    assignee: str | None = None,
    closed: bool = False,
    due_by: dt.date | None = None,
    expiring_by: dt.date | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> Iterator[dict[str, Any]]:
    """The queue, what is due first, as plain rows (streamed: memory stays flat).

    ``limit`` and ``offset``: one page of it (the web interface's queue page).
    """
    unknown = [s for s in status if s not in lifecycle.STATUSES]
    if unknown:
        raise UsageError(f"unknown status '{unknown[0]}'", f"statuses: {', '.join(lifecycle.STATUSES)}")
    query = _list_query(status, payer, treatment, assignee, closed, due_by, expiring_by)
    if limit is not None:
        query = query.limit(limit).offset(offset)
    with store.reading() as s:
        for row in s.connection().execution_options(yield_per=1000).execute(query):
            yield dict(zip(LIST_FIELDS, row))


def change_stamp(store: Store) -> int:
    """A number that grows with every change to the queue: the newest audit line's id.

    Every change writes an audit line, and lines are never deleted (triggers), so an
    unchanged number means an unchanged queue, except that on PostgreSQL two
    transactions may commit in the other order than their ids (a reader caching on this
    number should also expire its copy after a few seconds).
    """
    from sqlalchemy import func

    # a bare connection, no ORM session: this is asked on every look at the queue
    with store._translated(), store.engine.connect() as conn:
        return conn.execute(select(func.max(table_of(AuditEntry).c.id))).scalar() or 0


def status_counts(store: Store) -> dict[str, int]:
    """How many requests are in each state (states with none are left out)."""
    from sqlalchemy import func

    t = Request.__table__.c
    with store.reading() as s:
        return {row.status: row.n for row in s.execute(select(t.status, func.count().label("n")).group_by(t.status))}


def filter_choices(store: Store) -> dict[str, list[str]]:
    """The payers, treatments and assignees in use, each sorted: what the queue can be filtered by."""
    t = Request.__table__.c
    found: dict[str, set[str]] = {"payer": set(), "treatment": set(), "assignee": set()}
    with store.reading() as s:
        for payer, treatment, assignee in s.execute(select(t.payer, t.treatment, t.assignee).distinct()):
            found["payer"].add(payer)
            found["treatment"].add(treatment)
            if assignee is not None:
                found["assignee"].add(assignee)
    return {k: sorted(v) for k, v in found.items()}


def show_request(store: Store, request_id: int) -> dict[str, Any]:
    """Everything about one request: its case versions, decisions, units, documents, tasks, notes, history."""
    with store.reading() as s:
        r = s.get(Request, request_id)
        if r is None:
            raise StoreError(f"there is no request {request_id}", "see `priorauth queue list --all` for the requests")
        patient = s.get(Patient, r.patient_id)
        assert patient is not None
        versions = {v.id: v.number for v in s.scalars(select(CaseVersion).where(CaseVersion.patient_id == r.patient_id))}
        out: dict[str, Any] = {f: getattr(r, f) for f in LIST_FIELDS if f != "patient"}
        out.update(
            patient=patient.key,
            kind=r.kind,
            rule_version=r.rule_version,
            case_version=versions[r.case_version_id],
            check_status=r.check_status,
            gaps=[g for g in r.gaps.split("; ") if g],
            appeal_level=r.appeal_level,
            appeal_deadline=r.appeal_deadline,
            info_due=r.info_due,
            last_contact=r.last_contact,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )
        units: dict[int, list[dict[str, Any]]] = {}
        decisions = s.scalars(select(Decision).where(Decision.request_id == r.id).order_by(Decision.id)).all()
        for u in s.scalars(select(ApprovedUnits).where(ApprovedUnits.decision_id.in_([d.id for d in decisions])).order_by(ApprovedUnits.id)):
            units.setdefault(u.decision_id, []).append({"code": u.code, "units": u.units})
        out["decisions"] = [
            {
                "outcome": d.outcome,
                "decided_on": d.decided_on,
                "reference": d.reference,
                "auth_number": d.auth_number,
                "valid_from": d.valid_from,
                "valid_to": d.valid_to,
                "units": units.get(d.id, []),
                "denial_reason": d.denial_reason,
                "appeal_level": d.appeal_level,
                "appeal_deadline": d.appeal_deadline,
                "info_due": d.info_due,
                "case_version": versions[d.case_version_id],
                "rule_version": d.rule_version,
                "by": d.created_by,
            }
            for d in decisions
        ]
        out["uses"] = [
            {"date": u.used_on, "units": u.units, "code": u.code, "by": u.created_by}
            for u in s.scalars(select(UnitUse).where(UnitUse.request_id == r.id).order_by(UnitUse.used_on, UnitUse.id))
        ]
        out["documents"] = [
            {"kind": d.kind, "file": d.path, "sha256": d.sha256, "case_version": versions[d.case_version_id], "rule_version": d.rule_version, "by": d.created_by}
            for d in s.scalars(select(GeneratedDocument).where(GeneratedDocument.request_id == r.id).order_by(GeneratedDocument.id))
        ]
        out["tasks"] = [
            {"kind": t.kind, "due": t.due_on, "done": t.done_at is not None}
            for t in s.scalars(select(Task).where(Task.request_id == r.id).order_by(Task.id))
        ]
        out["notes"] = [
            {"at": n.created_at, "by": n.created_by, "text": n.text} for n in s.scalars(select(Note).where(Note.request_id == r.id).order_by(Note.id))
        ]
        out["history"] = [
            {"at": a.at, "user": a.user, "action": a.action, "detail": a.detail}
            for a in s.scalars(select(AuditEntry).where(AuditEntry.request_id == r.id).order_by(AuditEntry.id))
        ]
        return out


def case_text(store: Store, request_id: int) -> tuple[str, str]:
    """(the case as given, its format) of the version the request stands on now."""
    with store.reading() as s:
        r = s.get(Request, request_id)
        if r is None:
            raise StoreError(f"there is no request {request_id}", "see `priorauth queue list --all` for the requests")
        v = s.get(CaseVersion, r.case_version_id)
        assert v is not None
        return v.text, v.fmt


# ---- export ---------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """JSON-ready: dates as YYYY-MM-DD, times as ISO 8601 UTC."""
    if isinstance(value, dt.datetime):
        return value.isoformat() + "Z"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def _csv_cell(value: Any) -> str:
    from priorauth.outputs import csv_cell as batch_csv_cell

    return batch_csv_cell("" if value is None else str(plain(value)))


def export_csv(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """CSV lines (header first); cells that a spreadsheet would run as formulas are quoted."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(LIST_FIELDS)
    for row in rows:
        writer.writerow([_csv_cell(row[f]) for f in LIST_FIELDS])
        if buffer.tell() > 65536:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_json(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """A JSON array, one request per line, streamed."""
    yield "["
    first = True
    for row in rows:
        yield ("\n" if first else ",\n") + json.dumps(plain(row), ensure_ascii=False)
        first = False
    yield "\n]\n"
