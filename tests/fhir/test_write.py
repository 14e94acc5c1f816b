"""Writing an imported case as YAML: where each note and fact to complete is placed, how
comment lines are cleaned, and whole numbers, on a case made by hand."""

from __future__ import annotations

import pytest

from priorauth.case_yaml import dump
from priorauth.fhir.mapping import Imported, ToComplete
from priorauth.fhir.write import _printable, case_yaml

HEAD = (
    "# Imported from FHIR: chart.json, Patient/p.\n"
    "# Each fact names the resource it came from. Lines marked TO COMPLETE are what FHIR\n"
    "# cannot say: fill them in from the chart, or leave the fact out (absent = not documented).\n"
)


def _case(notes: dict[str, list[str]], todo: list[tuple[str, str]], source: str = "chart.json") -> Imported:
    data = {"patient": {"id": "MRN-1"}, "medications": [{"drug": "a", "max_daily_dose_mg": 20.0}, {"drug": "b", "max_daily_dose_mg": 37.5}]}
    return Imported("Patient/p", source, data, notes, [ToComplete(path, why) for path, why in todo])


def test_notes_and_facts_to_complete_stand_above_the_nearest_part_that_exists() -> None:
    imp = _case(
        {"medications[1].outcome": ["moved up"], "medications[1]": ["its own"], "medications[1].drug": ["at the drug"], "medications[5]": ["no item 5"], "rems": ["no rems"]},
        [("medications[1].adherence_pct", "why"), ("patient.sex", "why"), ("rems.enrolled", "why"), ("medications[02]", "why"), ("patient.id", "why"), ("medications[0][3]", "why")],
    )
    assert case_yaml(imp) == HEAD + (
        "# TO COMPLETE patient.sex: why\n"
        "patient:\n"
        "  # TO COMPLETE patient.id: why\n"
        '  id: "MRN-1"\n'
        "# no item 5\n"
        "# TO COMPLETE medications[02]: why\n"
        "medications:\n"
        "  # TO COMPLETE medications[0][3]: why\n"
        '  - drug: "a"\n'
        "    max_daily_dose_mg: 20\n"
        "  # moved up\n"
        "  # its own\n"
        "  # TO COMPLETE medications[1].adherence_pct: why\n"
        "  # at the drug\n"
        '  - drug: "b"\n'
        "    max_daily_dose_mg: 37.5\n"
        "\n"
        "# no rems\n"
        "# TO COMPLETE rems.enrolled: why\n"
    )


def test_comment_lines_are_cleaned_only_when_one_needs_it() -> None:
    # a "|" or a single space is left alone; a leading space, a double space, a tab or an
    # empty line sends the whole case to the line-by-line cleaning, which changes only those
    clean = _case({"patient.id": ["a | b", "MRN x"]}, [("patient", "c|d")])
    assert case_yaml(clean).splitlines()[3:6] == ["# TO COMPLETE patient: c|d", "patient:", "  # a | b"]
    for odd, cleaned in ((" lead", "lead"), ("two  spaces", "two spaces"), ("tab\there", "tab here"), ("", ""), ("é\u2028x", "é x")):
        text = case_yaml(_case({"patient.id": [odd, "MRN x"]}, [("patient.id", "end ")], source=" chart.json\n"))
        assert text.startswith(HEAD)
        assert text[len(HEAD) :].splitlines()[:5] == ["patient:", f"  # {cleaned}".rstrip(), "  # MRN x", "  # TO COMPLETE patient.id: end", '  id: "MRN-1"']


def test_printable_is_str_isprintable() -> None:
    for c in range(0x80):
        assert _printable(chr(c)) == chr(c).isprintable()
    for text in ("", "abc ~", "é", "a\u00a0b", "a\u2028b", "x\x7f"):
        assert _printable(text) == text.isprintable()


@pytest.mark.parametrize(("whole", "expected"), [(False, "dose: 20.0\nscores: [3.0, 2.5]\n"), (True, "dose: 20\nscores: [3, 2.5]\n")])
def test_dump_writes_whole_numbers_without_point_zero_only_when_asked(whole: bool, expected: str) -> None:
    assert dump({"dose": 20.0, "scores": [3.0, 2.5]}, whole_numbers=whole) == expected
