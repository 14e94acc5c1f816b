"""The evaluation report: results per criterion, overall status.

Its JSON form, the contract v1 of shared/spec/report-format.md, is the typed
:class:`priorauth.outputs.ReportDocument`; ``Report.to_json()`` is a shortcut to it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from priorauth.vocabulary import in_force_text

Status = Literal["met", "not_met", "unknown"]
Overall = Literal["ready", "incomplete", "not_eligible"]
DocumentState = Literal["on_file", "missing", "stale", "undated"]


@dataclass
class CriterionResult:
    id: str
    kind: str
    topic: str
    label: str
    status: Status
    message: str
    evidence: list[str] = field(default_factory=list)  # pointers into the case: "medications[1]"
    next_step: str | None = None
    explanations: list[str] = field(default_factory=list)  # per-item reasons ("medications[2]: ...")
    details: list[CriterionResult] = field(default_factory=list)  # sub-results of all_of / any_of / n_of
    source: str | None = None
    # why each item that could have counted did not ("medications[1] duloxetin: not in the drug
    # catalog; ..."), shown under the criterion line; the JSON carries the same in explanations
    gaps: list[str] = field(default_factory=list)
    # the reason the source does not confirm this criterion (None: it does); reports show
    # the mark and letters never quote such a criterion as the policy's words
    unverified: str | None = None
    # documents this result rests on for this case, (kind, max age in days); the engine
    # adds them to the required documents (an attestation the criterion relies on)
    requires: list[tuple[str, int | None]] = field(default_factory=list)


@dataclass
class DocumentStatus:
    kind: str
    label: str
    state: DocumentState
    max_age_days: int | None
    evidence: list[str] = field(default_factory=list)  # documents[i] that satisfy it (or the stale ones)
    date: str | None = None  # date of the newest document of this kind
    next_step: str | None = None
    # a case field that stands for the document ("assessments[0]"), and what to attach for it
    satisfied_by: str | None = None
    attach: str | None = None  # "the scored PHQ-9"

    @property
    def on_file(self) -> bool:
        return self.state == "on_file"

    @property
    def note(self) -> str | None:
        """'on file per assessments[0] (2026-11-20); attach the scored PHQ-9'."""
        if not self.satisfied_by:
            return None
        return f"on file per {self.satisfied_by} ({self.date}); attach {self.attach}"


@dataclass
class RuleSetInfo:
    id: str
    payer: str
    payer_name: str
    treatment: str
    policy: str
    title: str
    url: str | None
    effective: str | None  # None: the payer published no effective date
    ends: str | None
    evidence: str
    evidence_note: str | None
    source_file: str
    origin: str
    checked: str | None = None  # the day the criteria were last checked against the source

    @property
    def in_force(self) -> str:
        """'effective 2026-03-15' or 'effective date not published; criteria checked 2026-11-01'."""
        return in_force_text(self.effective, self.ends, self.checked)


@dataclass
class Report:
    case: str
    payer: str
    treatment: str
    request_kind: str
    indication: str | None
    request_date: str
    as_of: str
    rule_set: RuleSetInfo
    criteria: list[CriterionResult]
    documents: list[DocumentStatus]
    notes: list[str] = field(default_factory=list)

    @property
    def request(self) -> dict[str, str | None]:
        """What was requested: ``{"kind", "date", "indication"}``, as the JSON has it."""
        return {"kind": self.request_kind, "date": self.request_date, "indication": self.indication}

    @property
    def missing_documents(self) -> list[DocumentStatus]:
        return [d for d in self.documents if not d.on_file]

    @property
    def status(self) -> Overall:
        states = {c.status for c in self.criteria}
        if "not_met" in states:
            return "not_eligible"
        if "unknown" in states or self.missing_documents:
            return "incomplete"
        return "ready"

    @property
    def next_steps(self) -> list[str]:
        steps: list[str] = []
        for c in self.criteria:
            if c.status != "met" and c.next_step and c.next_step not in steps:
                steps.append(c.next_step)
        for d in self.missing_documents:
            if d.next_step and d.next_step not in steps:
                steps.append(d.next_step)
        return steps

    def topics(self, status: Status) -> list[str]:
        out: list[str] = []
        for c in self.criteria:
            if c.status == status and c.topic not in out:
                out.append(c.topic)
        return out

    def to_json(self) -> dict[str, Any]:
        """The JSON contract v1 (see :class:`priorauth.outputs.ReportDocument`)."""
        from priorauth.outputs import ReportDocument

        return ReportDocument.of(self).model_dump(mode="json")


def exit_code(reports: list[Report]) -> int:
    return 0 if all(r.status == "ready" for r in reports) else 1
