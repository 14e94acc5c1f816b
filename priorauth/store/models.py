"""The tables of the work queue (SQLAlchemy 2). The migrations in ``migrations/`` create them.

Values typed by people (reference and authorization numbers, codes) are strings, kept
exactly as typed ("0123" stays "0123"). Times are UTC without a zone; dates are dates.
"""

from __future__ import annotations

import datetime as dt

from typing import cast

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


class Patient(Base):
    __tablename__ = "patients"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # patient.id of the case (the MRN)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class CaseVersion(Base):
    """A case exactly as it was validated; an edit is a new version, never an update."""

    __tablename__ = "case_versions"
    __table_args__ = (UniqueConstraint("patient_id", "number"), UniqueConstraint("patient_id", "sha256"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, ... per patient
    sha256: Mapped[str] = mapped_column(String(64))  # of the bytes as given (a letter's audit line names it)
    fmt: Mapped[str] = mapped_column(String(10))  # yaml or json
    source: Mapped[str] = mapped_column(Text)  # the file (and line) it came from
    text: Mapped[str] = mapped_column(Text)  # the case as given, byte for byte (decoded)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(200))
    # Relationships (no columns): new rows can point at each other before they have ids,
    # so an import is written in a few batched INSERTs.
    patient: Mapped[Patient] = relationship(lazy="raise_on_sql")


class Request(Base):
    """One request to one payer for one treatment under one rule set."""

    __tablename__ = "requests"
    __table_args__ = (Index("ix_requests_due", "status", "next_due"), Index("ix_requests_patient", "patient_id"), Index("ix_requests_order", "sort_key", "id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"))
    case_version_id: Mapped[int] = mapped_column(ForeignKey("case_versions.id"))  # the version it stands on now
    kind: Mapped[str] = mapped_column(String(20))  # initial or continuation
    payer: Mapped[str] = mapped_column(String(80))
    treatment: Mapped[str] = mapped_column(String(20))
    rule_set: Mapped[str] = mapped_column(String(120))
    # the version in force: its effective date, or "unpublished, checked <date>" where the payer published none
    rule_version: Mapped[str] = mapped_column(String(40))
    check_status: Mapped[str] = mapped_column(String(20))  # ready, incomplete, not_eligible
    # topics not met or not documented and missing documents, "; "-joined; the full report
    # is `priorauth check` of the case version against the rule-set version, when needed
    gaps: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10), default="routine")  # routine or urgent
    assignee: Mapped[str | None] = mapped_column(String(200))
    reference: Mapped[str | None] = mapped_column(String(100))  # the payer's reference (case) number
    auth_number: Mapped[str | None] = mapped_column(String(100))
    submitted_on: Mapped[dt.date | None] = mapped_column(Date)
    last_contact: Mapped[dt.date | None] = mapped_column(Date)
    info_due: Mapped[dt.date | None] = mapped_column(Date)
    appeal_level: Mapped[int] = mapped_column(Integer, default=0)
    appeal_deadline: Mapped[dt.date | None] = mapped_column(Date)
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    units_approved: Mapped[int | None] = mapped_column(Integer)
    units_used: Mapped[int] = mapped_column(Integer, default=0)
    next_action: Mapped[str | None] = mapped_column(String(200))  # derived (lifecycle.next_action)
    next_due: Mapped[dt.date | None] = mapped_column(Date)  # derived
    sort_key: Mapped[int] = mapped_column(Integer)  # derived: urgent first, then by next_due (see queue._derive)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime)
    version: Mapped[int] = mapped_column(Integer)
    patient: Mapped[Patient] = relationship(lazy="raise_on_sql")
    case_version: Mapped[CaseVersion] = relationship()

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012  # SQLAlchemy reads it once, as a class attribute


class Decision(Base):
    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))  # approved, partial, denied, pended
    decided_on: Mapped[dt.date] = mapped_column(Date)
    reference: Mapped[str | None] = mapped_column(String(100))
    auth_number: Mapped[str | None] = mapped_column(String(100))
    valid_from: Mapped[dt.date | None] = mapped_column(Date)
    valid_to: Mapped[dt.date | None] = mapped_column(Date)
    denial_reason: Mapped[str | None] = mapped_column(Text)
    appeal_level: Mapped[int] = mapped_column(Integer, default=0)  # the level this decision answered
    appeal_deadline: Mapped[dt.date | None] = mapped_column(Date)
    info_due: Mapped[dt.date | None] = mapped_column(Date)
    case_version_id: Mapped[int] = mapped_column(ForeignKey("case_versions.id"))
    rule_version: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(200))


class ApprovedUnits(Base):
    __tablename__ = "approved_units"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    code: Mapped[str] = mapped_column(String(20))  # procedure code as typed, or "units"
    units: Mapped[int] = mapped_column(Integer)


class UnitUse(Base):
    __tablename__ = "unit_uses"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    used_on: Mapped[dt.date] = mapped_column(Date)
    units: Mapped[int] = mapped_column(Integer)
    code: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(200))


class GeneratedDocument(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # letter, checklist, packet, other
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    case_version_id: Mapped[int] = mapped_column(ForeignKey("case_versions.id"))
    rule_version: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(200))


class Task(Base):
    __tablename__ = "tasks"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # submit, information, appeal, continuation
    due_on: Mapped[dt.date | None] = mapped_column(Date)
    opened_at: Mapped[dt.datetime] = mapped_column(DateTime)
    done_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    request: Mapped[Request] = relationship(lazy="raise_on_sql")


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(200))


class AuditEntry(Base):
    """Append-only (triggers refuse UPDATE and DELETE): who changed what, never the values."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime)
    user: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(40))
    request_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[str] = mapped_column(Text)  # field names and states, no patient value
    request: Mapped[Request | None] = relationship(primaryjoin="foreign(AuditEntry.request_id) == Request.id", lazy="raise_on_sql")


class User(Base):
    """An account of the web interface (`priorauth users`): a name and an Argon2 hash, never the password.

    Not in TABLES: backups and copies carry the queue, not the accounts (add them again).
    """

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)


TABLES = [Patient, CaseVersion, Request, Decision, ApprovedUnits, UnitUse, GeneratedDocument, Task, Note, AuditEntry]


def table_of(model: type[Base]) -> Table:
    """A model's Table (SQLAlchemy types ``__table__`` as the wider FromClause)."""
    return cast(Table, model.__table__)
