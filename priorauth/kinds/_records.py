"""Which entries of a case show that a required document exists, and how fresh it is.

A document is on file when ``documents`` lists one of its kind dated inside the rule set's
window. One case field proves the same thing on its own: a dated score in ``assessments``
*is* the rating-scale document (the scored scale), so billing staff need not enter it twice.
The report then says which entry stands for the document and that the scored scale must be
attached, because a field in the case is not a page in the submission.

Other fields are deliberately not linked: ``clinical.pdmp_checked`` and
``rems.patient_enrolled`` carry no date, so they cannot show a PDMP report or an enrollment
form inside its window; a ``psychotherapy`` or ``prior_courses`` entry, an ``ect.status`` or
the screening flags summarise care whose notes, records or evaluation may sit with another
provider, so they prove the fact, not that the document is on file.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from priorauth.case import Case
from priorauth.kinds.base import RuleSetView, walk
from priorauth.loading import format_path
from priorauth.vocabulary import VALIDATED_SCALES



@dataclass(frozen=True)
class Record:
    """One case entry that shows a document of some kind exists."""

    pointer: str  # "documents[2]" or "assessments[0]"
    date: dt.date | None
    attach: str | None = None  # set when a case field stands for the document: what to attach

    @property
    def is_document(self) -> bool:
        return self.attach is None

    def fresh(self, max_age_days: int | None, today: dt.date) -> bool:
        return max_age_days is None or (self.date is not None and (today - self.date).days <= max_age_days)


def scale_instruments(rule_set: RuleSetView) -> frozenset[str]:
    """The scales the rule set accepts: those its severity criteria name, else any validated scale."""
    severity = [c for c in walk(rule_set.criteria) if c.kind == "severity"]
    if severity and all(c.alternatives for c in severity):
        return frozenset(t.instrument for c in severity for t in c.alternatives)
    return frozenset(VALIDATED_SCALES)


def records(case: Case, kind: str, instruments: frozenset[str]) -> list[Record]:
    """Every entry of the case that shows a ``kind`` document: filed documents first."""
    out = [Record(format_path(("documents", i)), d.date) for i, d in enumerate(case.docs) if d.kind == kind]
    if kind == "rating_scale":
        out += [Record(format_path(("assessments", i)), a.date, f"the scored {a.instrument}") for i, a in enumerate(case.scales) if a.instrument in instruments]
    return out


def newest(found: list[Record]) -> Record | None:
    """The most recent dated record; of two on one day, the one listed first."""
    dated = [(r.date, -i, r) for i, r in enumerate(found) if r.date is not None]
    return max(dated, key=lambda x: (x[0], x[1]))[2] if dated else None
