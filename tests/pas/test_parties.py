"""Who the request names: the payer's identifier only from the rule set, the prescriber's
NUCC taxonomy only where the specialty has one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import ROOT, invoke
from tests.pas import cases

pytestmark = pytest.mark.slow  # each export renders a letter and a checklist


def export(case: Path, tmp_path: Path, *extra: str) -> tuple[dict[str, Any], str]:
    out = tmp_path / "request.json"
    code, stdout, stderr = invoke("export", "pas", str(case), "--date", "2026-12-01", "-o", str(out), *extra)
    assert (code, stderr) == (0, "")
    return json.loads(out.read_text(encoding="utf-8")), stdout


def resource(bundle: dict[str, Any], kind: str) -> dict[str, Any]:
    (found,) = [e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == kind]
    return found


def with_specialty(tmp_path: Path, specialty: str) -> Path:
    case = tmp_path / "case.yaml"
    case.write_text(cases.READY_TMS.read_text(encoding="utf-8").replace("specialty: psychiatry", f"specialty: {specialty}"), encoding="utf-8")
    return case


def test_a_psychiatric_nurse_practitioner_has_its_nucc_code(tmp_path: Path) -> None:
    bundle, stdout = export(with_specialty(tmp_path, "psychiatric_nurse_practitioner"), tmp_path)
    claim = resource(bundle, "Claim")
    assert claim["careTeam"][0]["qualification"]["coding"] == [
        {"system": "http://nucc.org/provider-taxonomy", "code": "363LP0808X", "display": "Nurse Practitioner, Psychiatric/Mental Health"}
    ]
    assert resource(bundle, "PractitionerRole")["specialty"][0]["coding"][0]["code"] == "363LP0808X"
    assert "NUCC" not in stdout


def test_another_specialty_names_no_taxonomy_and_says_so(tmp_path: Path) -> None:
    bundle, stdout = export(with_specialty(tmp_path, "other"), tmp_path)
    assert "qualification" not in resource(bundle, "Claim")["careTeam"][0]
    assert "specialty" not in resource(bundle, "PractitionerRole")
    assert (
        "  note: prescriber.specialty has no single NUCC taxonomy code here: the request names the prescriber without one "
        "(add it in your EHR or clearinghouse if the payer asks)\n"
    ) in stdout


def test_the_payer_identifier_comes_only_from_the_rule_set(tmp_path: Path) -> None:
    rules = tmp_path / "rules" / "cigna"
    rules.mkdir(parents=True)
    text = (ROOT / "payer_rules" / "cigna" / "tms.yaml").read_text(encoding="utf-8")
    (rules / "tms.yaml").write_text(text.replace("\npayer_name:", '\npayer_identifier: "62308"\npayer_name:', 1), encoding="utf-8")
    bundle, stdout = export(cases.READY_TMS, tmp_path, "--rules-dir", str(tmp_path / "rules"))
    payer = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Organization")
    assert payer["identifier"] == [
        {"type": {"coding": [{"system": "http://hl7.org/fhir/us/carin-bb/CodeSystem/C4BBIdentifierType", "code": "payerid"}]}, "value": "62308"}
    ]
    assert payer["name"] == "Cigna Healthcare"
    assert "payer identifier" not in stdout
    (tmp_path / "shipped").mkdir()
    shipped, _ = export(cases.READY_TMS, tmp_path / "shipped")
    assert "identifier" not in next(e["resource"] for e in shipped["entry"] if e["resource"]["resourceType"] == "Organization")


def test_without_a_start_date_the_items_carry_no_dates_and_the_output_says_so(tmp_path: Path) -> None:
    case = tmp_path / "case.yaml"
    case.write_text(cases.READY_SPRAVATO.read_text(encoding="utf-8").replace("  start_date: 2026-12-01\n", "", 1), encoding="utf-8")
    bundle, stdout = export(case, tmp_path)
    items = resource(bundle, "Claim")["item"]
    assert [(i["productOrService"]["coding"][0]["code"], i["quantity"]["value"]) for i in items] == [("G2082", 8), ("J0013", 448)]
    assert [key for i in items for key in i if key.startswith("serviced")] == []
    assert "  note: request.start_date is not given: the service lines carry no dates\n" in stdout
