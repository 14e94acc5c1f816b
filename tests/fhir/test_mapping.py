"""The mapping's remembered answers give what working them out anew gives."""

from __future__ import annotations

from priorauth.fhir import models as m
from priorauth.fhir.mapping import RXNORM, daily_dose, resolve_drug
from priorauth.fhir.tables import load_tables


def _concept(*codes: tuple[str, str]) -> m.CodeableConcept:
    return m.CodeableConcept(coding=[m.Coding(system=RXNORM, code=code, display=display) for code, display in codes])


def test_a_drug_is_remembered_per_whole_concept() -> None:
    tables = load_tables()
    unknown = ("999999", "a study drug")
    assert resolve_drug(_concept(unknown), tables) is None
    # the same first coding, then one the table knows: not the answer remembered for the first concept
    assert resolve_drug(_concept(unknown, ("36437", "sertraline")), tables) == ("sertraline", "antidepressant", None)
    assert resolve_drug(_concept(unknown), tables) is None
    assert len(tables.memo["drugs"]) == 2


def test_daily_dose_says_how_it_was_computed() -> None:
    def dosage(value: float, unit: str, per_day: float) -> m.Dosage:
        timing = m.Timing(repeat=m.Repeat(frequency=per_day, period=1, periodUnit="d"))
        return m.Dosage(timing=timing, doseAndRate=[m.DoseAndRate(doseQuantity=m.Quantity(value=value, unit=unit))])

    assert daily_dose([dosage(100, "mg", 2)], None) == (200.0, "100 mg x 2/day")
    # the highest of several instructions; tablets count with the strength of one
    assert daily_dose([dosage(1, "tablet", 1), dosage(1.5, "tablets", 2)], 50.0) == (150.0, "50 mg x 1.5 x 2/day")
    assert daily_dose([dosage(2, "tablet", 1)], None) == (None, None)
