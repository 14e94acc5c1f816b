"""What is being requested, code by code: the service lines with their units.

One place works out the billing lines of a request, so the letter, the checklist, the
packet's cover sheet and the FHIR (Da Vinci PAS) request all say the same thing
(../shared/reference/codes.md and letters.md):

- TMS: 90867 x 1 (the first session, with cortical mapping and motor threshold), 90868 x
  (sessions - 1) (each later session), 90869 only when the motor threshold is re-determined
  (listed when the case asks for it, with no count: it is billed as it happens).
- Spravato: an administration visit per session, G2082 up to 56 mg or G2083 above 56 mg,
  and the drug J0013 per 1 mg (S0013 for service before 2026-01-01), so J0013 units are
  the dose per session times the sessions. When the codes (the case's, else the rule
  set's) name administration codes but no drug code, no drug line is added: Original
  Medicare bills no separate drug code with G2082/G2083.

Nothing is invented: a count the case does not give is ``None`` and the line says what to
record (``missing``). The library only computes; the words for people are in ``basis``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from priorauth.case import Case

# The day J0013 replaced S0013 for esketamine nasal spray (HCPCS, codes.md).
J0013_FROM = dt.date(2026, 1, 1)
DEVICE_MG = 28  # one Spravato nasal spray device holds 28 mg
TMS_SESSIONS_PER_WEEK = 5  # letters.md: "frequency (5 a week)" for a standard course

CODE_MEANINGS = {
    "90867": "TMS, initial, including cortical mapping and motor threshold",
    "90868": "TMS, subsequent delivery and management, per session",
    "90869": "TMS, subsequent motor threshold re-determination with delivery",
    "J0013": "Esketamine nasal spray, 1 mg",
    "S0013": "Esketamine nasal spray, 1 mg (through 2025-12-31)",
    "G2082": "Office visit with supervised esketamine self-administration, up to 56 mg, 2 h observation",
    "G2083": "Office visit with supervised esketamine self-administration, more than 56 mg, 2 h observation",
    "0889T": "Accelerated / personalized TMS (Category III)",
    "0890T": "Accelerated / personalized TMS (Category III)",
    "0891T": "Accelerated / personalized TMS (Category III)",
    "0892T": "Accelerated / personalized TMS (Category III)",
}
CPT = "cpt"
HCPCS = "hcpcs"


@dataclass(frozen=True)
class ServiceLine:
    """One code of the request and how many units of it."""

    code: str  # as the case or the rule gives it
    system: str  # "cpt" or "hcpcs" (Category III codes are CPT)
    meaning: str  # the code's short title, "" when unknown
    units: int | None  # None: the case does not give the number (see ``missing``) or it is billed as it happens
    unit: str  # what one unit is: "session", "mg", "visit"
    basis: str  # how the number was reached, in words: "36 sessions requested, less the first"
    missing: str | None = None  # the task that would give the number, when ``units`` is None and it is needed
    as_needed: bool = False  # billed only when it happens (90869): listed, never counted


@dataclass(frozen=True)
class PlannedService:
    """The request as a reviewer reads it: the lines, the dose, the frequency, the dates."""

    treatment: str
    lines: tuple[ServiceLine, ...]
    sessions: int | None
    dose_mg: int | None  # Spravato: the planned dose per session
    frequency: str | None  # in words; None when the protocol does not set one
    start: dt.date | None
    weeks: int | None  # TMS: the course length at the frequency, in weeks
    end: dt.date | None  # the last day of the planned period: start + weeks (TMS only)
    missing: tuple[str, ...]  # every task that would complete the lines, once each

    @property
    def counted(self) -> tuple[ServiceLine, ...]:
        """The lines with a number of units (what a PAS request or a fax form can carry)."""
        return tuple(line for line in self.lines if line.units is not None)


def _system(code: str) -> str:
    return CPT if code[:1].isdigit() else HCPCS


def _line(code: str, units: int | None, unit: str, basis: str, missing: str | None = None, as_needed: bool = False) -> ServiceLine:
    return ServiceLine(code, _system(code), CODE_MEANINGS.get(code, ""), units, unit, basis, missing, as_needed)


def _sessions(case: Case) -> int | None:
    r = case.request
    if r.sessions is not None:
        return r.sessions
    if r.treatment == "spravato" and r.devices is not None and r.dose_mg is not None:
        mg = r.devices * DEVICE_MG
        if mg % r.dose_mg == 0:
            return mg // r.dose_mg
    return None


def _tms(case: Case, codes: list[str], sessions: int | None) -> tuple[list[ServiceLine], str | None]:
    ask = "Record the number of TMS sessions requested"
    lines = []
    for code in codes:
        if code == "90867":
            lines.append(_line(code, 1 if sessions else None, "session", "the first session, with cortical mapping and motor threshold", None if sessions else ask))
        elif code == "90868":
            if sessions is None:
                lines.append(_line(code, None, "session", "each session after the first", ask))
            else:
                lines.append(_line(code, sessions - 1, "session", f"{sessions} sessions requested, less the first"))
        elif code == "90869":
            lines.append(_line(code, None, "session", "only when the motor threshold is re-determined", as_needed=True))
        else:
            lines.append(_line(code, None, "session", "as the protocol gives it", None))
    protocol = case.request.protocol
    frequency = f"{TMS_SESSIONS_PER_WEEK} sessions a week" if protocol in (None, "standard", "deep", "theta_burst") else None
    return lines, frequency


def _spravato(case: Case, codes: list[str], sessions: int | None, start: dt.date) -> tuple[list[ServiceLine], str | None]:
    dose = case.request.dose_mg
    ask_dose = "Record the planned dose per session (56 or 84 mg)"
    ask_sessions = "Record the number of Spravato treatment sessions requested"
    drug = "J0013" if start >= J0013_FROM else "S0013"
    visit = None if dose is None else ("G2082" if dose <= 56 else "G2083")
    lines = []
    if visit is None:
        lines.append(ServiceLine("G2082 or G2083", HCPCS, "Office visit with supervised esketamine self-administration, 2 h observation", None, "visit", "one per session; G2082 up to 56 mg, G2083 above", ask_dose))
    else:
        lines.append(_line(visit, sessions, "visit", f"one per session, {dose} mg" if sessions else "one per session", None if sessions else ask_sessions))
    drug_billed = not codes or bool({"J0013", "S0013"} & set(codes)) or not ({"G2082", "G2083"} & set(codes))
    if drug_billed and dose is not None and sessions is not None:
        lines.append(_line(drug, dose * sessions, "mg", f"{dose} mg a session x {sessions} sessions"))
    elif drug_billed:
        lines.append(_line(drug, None, "mg", "the dose per session times the sessions", ask_dose if dose is None else ask_sessions))
    known = {"J0013", "S0013", "G2082", "G2083"}
    for code in codes:
        if code not in known:
            lines.append(_line(code, None, "unit", "as the case lists it"))
    kind = case.request.kind
    frequency = "twice a week in weeks 1 to 4 (induction, per the label)" if kind == "initial" else "once a week or every 2 weeks (maintenance, per the label)"
    return lines, frequency


def plan(case: Case, default_codes: list[str] | tuple[str, ...] = ()) -> PlannedService:
    """The service lines of ``case``'s request.

    ``default_codes`` (the rule set's procedure codes) stand in when the case lists none.
    """
    r = case.request
    codes = list(r.procedure_codes or default_codes)
    sessions = _sessions(case)
    start = r.start_date or r.date
    if r.treatment == "tms":
        if not codes:
            codes = ["90867", "90868"]
        lines, frequency = _tms(case, codes, sessions)
    else:
        lines, frequency = _spravato(case, codes, sessions, start)
    weeks = end = None
    if r.treatment == "tms" and sessions and frequency:
        weeks = -(-sessions // TMS_SESSIONS_PER_WEEK)
        if r.start_date is not None:
            end = r.start_date + dt.timedelta(days=weeks * 7 - 1)
    missing = tuple(dict.fromkeys(line.missing for line in lines if line.missing))
    return PlannedService(r.treatment, tuple(lines), sessions, r.dose_mg, frequency, r.start_date, weeks, end, missing)
