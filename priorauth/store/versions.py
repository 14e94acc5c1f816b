"""A patient's case and its versions, for the web pages: save a case given as text (an
edit, an upload, a FHIR import) as a new version and re-check it at once, and read a
patient's versions and requests back.

Saving goes through the same writer as ``priorauth queue add``: the same version rules
(the same text twice is one version), the same re-check of the open requests, the same
audit lines. What it adds is the check that nobody saved another version since the
editor was opened (``base_version``), so two tabs never overwrite each other silently.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import defer

from priorauth.errors import PriorAuthError
from priorauth.store.database import ConflictError, Store, StoreError
from priorauth.store.models import CaseVersion, Patient, Request

__all__ = ["Saved", "VersionInfo", "PatientCase", "save_case", "patient_case", "version_text", "patient_of_request"]


@dataclass(frozen=True)
class Saved:
    patient_id: int  # the database id (URLs carry it, never the patient's own id)
    version: int  # the case version the requests stand on now
    action: str  # opened, updated, unchanged
    requests: list[tuple[int, str, str]]  # (request id, rule set, status)


class NewCaseExists(ConflictError):
    """A new case for a patient id that already has a case."""


def save_case(
    store: Store,
    text: str,
    fmt: str,
    source: str,
    *,
    registry: Any = None,
    base_version: int | None = None,
    patient_id: int | None = None,
    new: bool = False,
    today: dt.date | None = None,
) -> Saved:
    """Validate and check ``text`` and store it as the patient's newest case version.

    ``patient_id`` with ``base_version``: an edit of that patient's case opened at that
    version; refused (:class:`ConflictError`, nothing saved) when another version was
    saved meanwhile, or when the edit names another patient. ``new``: refused when the
    patient already has a case. Raises :class:`~priorauth.errors.CaseFileError` for a
    case that does not validate, as ``priorauth check`` would.
    """
    from priorauth.api import check_case
    from priorauth.case import load_case_text
    from priorauth.rules import Registry
    from priorauth.store.queue import _Checked, _results, _Writer

    case = load_case_text(text, source, fmt)
    results = _results(check_case(case, registry or Registry()))
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    checked = _Checked(source, None, case.patient.id, case.request.kind, text, fmt, digest, results)
    with store.writing() as s, s.no_autoflush:
        found = s.scalars(select(Patient).where(Patient.key == case.patient.id).with_for_update()).first()
        if patient_id is not None:
            if found is None or found.id != patient_id:
                raise ConflictError(
                    "the patient ID was changed: this page edits one patient's case; nothing was saved",
                    "put the patient ID back, or start a new case for the other patient",
                )
            top = _current_number(s, found.id)
            if base_version is not None and top != base_version:
                raise ConflictError(
                    f"someone else saved this case meanwhile (it is at version {top}, you opened version {base_version}); nothing was saved",
                    "your changes are still in the form: open the case in another tab to see what changed, then save again",
                )
        elif new and found is not None:
            raise NewCaseExists(
                "a case for this patient ID already exists; nothing was saved",
                "open it from the queue and edit it there, or check the patient ID",
            )
        if found is not None:
            # The text of an earlier version saved again (an edit undone) is a new version
            # too, so the newest version is always the current one: a comment tells them apart.
            top = _current_number(s, found.id)
            same = s.scalar(select(CaseVersion.number).where(CaseVersion.patient_id == found.id, CaseVersion.sha256 == digest))
            if same is not None and same != top:
                if fmt == "json":  # JSON has no comments: trailing blank space tells them apart
                    text = text.rstrip() + "\n" + " " * (top + 1) + "\n"
                else:
                    text = text.rstrip("\n") + f"\n# the same case as version {same}, saved again as version {top + 1}\n"
                digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
                checked = _Checked(source, None, case.patient.id, case.request.kind, text, fmt, digest, results)
        rows = _Writer(store.user, "routine", None, today or dt.date.today()).write(s, [checked])
        patient = found or s.scalars(select(Patient).where(Patient.key == case.patient.id)).one()
        number = rows[0].case_version if rows and rows[0].case_version else 0
        actions = {r.action for r in rows}
        action = "opened" if "opened" in actions else "updated" if "updated" in actions else "unchanged"
        return Saved(patient.id, number, action, [(r.request_id, r.rule_set or "", r.status or "") for r in rows if r.request_id is not None])


def _current_number(s: Any, patient_id: int) -> int:
    """The number of the patient's newest case version (versions only ever grow: see save_case)."""
    return int(s.scalar(select(func.max(CaseVersion.number)).where(CaseVersion.patient_id == patient_id)) or 0)


@dataclass(frozen=True)
class VersionInfo:
    id: int
    number: int
    sha256: str
    fmt: str
    source: str
    created_at: dt.datetime
    created_by: str


@dataclass(frozen=True)
class PatientCase:
    patient_id: int
    key: str  # the patient's own id (shown on pages, never put in a URL)
    versions: list[VersionInfo]  # oldest first
    current: VersionInfo  # the newest version
    text: str  # the current version's text, and its format
    fmt: str
    requests: list[dict[str, Any]]  # the patient's requests, newest first


def _info(v: CaseVersion) -> VersionInfo:
    return VersionInfo(v.id, v.number, v.sha256, v.fmt, v.source, v.created_at, v.created_by)


def patient_case(store: Store, patient_id: int) -> PatientCase:
    """A patient's case versions, the newest one's text, and the patient's requests."""
    with store.reading() as s:
        patient = s.get(Patient, patient_id)
        if patient is None:
            raise StoreError(f"there is no patient {patient_id}", "open the case from the queue")
        # the text of the current version only: a case edited often has many versions
        versions = s.scalars(select(CaseVersion).options(defer(CaseVersion.text)).where(CaseVersion.patient_id == patient_id).order_by(CaseVersion.number)).all()
        if not versions:
            raise StoreError(f"patient {patient_id} has no case version", "add the case again")
        number_of = {v.id: v.number for v in versions}
        requests = [
            {
                "id": r.id,
                "payer": r.payer,
                "treatment": r.treatment,
                "rule_set": r.rule_set,
                "status": r.status,
                "check_status": r.check_status,
                "case_version": number_of.get(r.case_version_id),
                "rule_version": r.rule_version,
                "kind": r.kind,
                "version": r.version,
            }
            for r in s.scalars(select(Request).where(Request.patient_id == patient_id).order_by(Request.id.desc()))
        ]
        current = versions[-1]  # the newest is the current one (see save_case)
        return PatientCase(patient.id, patient.key, [_info(v) for v in versions], _info(current), current.text, current.fmt, requests)


def version_text(store: Store, patient_id: int, number: int) -> tuple[str, str]:
    """(text, format) of case version ``number`` of the patient."""
    with store.reading() as s:
        v = s.scalars(select(CaseVersion).where(CaseVersion.patient_id == patient_id, CaseVersion.number == number)).first()
        if v is None:
            raise StoreError(f"patient {patient_id} has no case version {number}", "open the case to see its versions")
        return v.text, v.fmt


def patient_of_request(store: Store, request_id: int) -> int:
    with store.reading() as s:
        r = s.get(Request, request_id)
        if r is None:
            raise StoreError(f"there is no request {request_id}", "open the queue to see the requests")
        return r.patient_id


def refuse(exc: PriorAuthError) -> str:
    """One line for a page: the message and how to fix it."""
    return exc.message + (f" ({exc.hint})" if exc.hint else "")
