"""`priorauth compare`: TMS and Spravato side by side, as text and JSON, and its exit status."""

from __future__ import annotations

import json

from tests.helpers import SAMPLES, invoke

READY_TMS = str(SAMPLES / "cigna-tms-ready.yaml")
NOT_ELIGIBLE = str(SAMPLES / "cigna-tms-not-eligible.yaml")


def test_text_side_by_side() -> None:
    result = invoke("compare", READY_TMS)
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "Case DEMO-1001, request of 2026-11-18: TMS and Spravato side by side"
    assert lines[2:4] == [
        "  PAYER  TMS                         SPRAVATO",
        "  cigna  ready (0 unmet, 0 unknown)  incomplete (0 unmet, 5 unknown, 2 missing documents)",
    ]
    assert "  TMS (cigna/tms, policy EN0383): ready; nothing left to do" in lines
    assert "  Spravato (cigna/spravato, policy Psychiatry - Spravato): incomplete; next steps:" in lines
    assert "    1. Review the state PDMP and record clinical.pdmp_checked" in lines
    assert lines[-1] == "Ready: cigna TMS"


def test_json_statuses_counts_and_steps_unmet_first() -> None:
    result = invoke("compare", NOT_ELIGIBLE, "--format", "json")
    assert result.exit_code == 1  # neither treatment is ready
    data = json.loads(result.stdout)
    assert (data["case"], data["ready"]) == ("DEMO-1002", [])
    [cigna] = data["payers"]
    assert (cigna["payer"], cigna["payer_name"]) == ("cigna", "Cigna Healthcare")
    summary = {t: (cigna[t]["status"], cigna[t]["rule_set"], cigna[t]["unmet"], cigna[t]["unknown"], cigna[t]["missing_documents"]) for t in ("tms", "spravato")}
    assert summary == {"tms": ("not_eligible", "cigna/tms", 1, 0, 0), "spravato": ("not_eligible", "cigna/spravato", 1, 5, 2)}
    steps = cigna["spravato"]["next_steps"]
    assert len(steps) == 8 and len(set(steps)) == 8
    assert steps[0].startswith("Document 1 more failed antidepressant trial")  # the unmet criterion comes first
    assert steps[-1].startswith("File the prescription drug monitoring program (PDMP) report")


def test_payer_with_one_treatment_shows_no_rule_set() -> None:
    result = invoke("compare", READY_TMS, "--payer", "aetna", "--format", "json")
    assert result.exit_code == 0
    [aetna] = json.loads(result.stdout)["payers"]
    assert aetna["tms"]["status"] == "ready"
    assert aetna["spravato"] == {
        "treatment": "spravato",
        "status": "no_rule_set",
        "rule_set": None,
        "policy": None,
        "effective": None,
        "unmet": None,
        "unknown": None,
        "missing_documents": None,
        "next_steps": [],
        "notes": [],
    }
    text = invoke("compare", NOT_ELIGIBLE, "--payer", "bcbsma")
    assert "  bcbsma  no rule set  " in text.stdout
    out = text.stdout.splitlines()
    said = out.index("  TMS: priorauth has no TMS criteria for Blue Cross Blue Shield of Massachusetts, so it cannot")
    assert out[said + 1 : said + 3] == ["    say whether or how this plan covers TMS; ask the plan. TMS at the payers priorauth has", "    criteria for is shown below, for reference."]
    assert text.exit_code == 1


def test_the_other_treatment_is_shown_at_the_payers_that_have_it() -> None:
    text = invoke("compare", READY_TMS, "--payer", "florida-blue")
    out = text.stdout.splitlines()
    start = out.index("Spravato at the payers priorauth has criteria for (for reference: this case judged by each")
    assert out[start + 1] == "payer's rules; not this patient's coverage):"
    rows = {line.split()[0]: line for line in out[start + 3 :] if line.startswith("  ") and line.split()}
    assert rows["bcbsms"].split("  ")[-1] == "bcbsms/spravato" and "not eligible (1 unmet, 0 unknown)" in rows["bcbsms"]
    assert "florida-blue" not in rows and "cigna" in rows
    assert out[-1] == "Ready: florida-blue TMS"  # the reference rows are not the patient's coverage
    data = json.loads(invoke("compare", READY_TMS, "--payer", "florida-blue", "--format", "json").stdout)
    assert {e["result"]["treatment"] for e in data["elsewhere"]} == {"spravato"}
    assert data["ready"] == ["florida-blue/tms"]
    # a payer with both treatments, or every payer, has nothing to show elsewhere
    assert json.loads(invoke("compare", READY_TMS, "--format", "json").stdout)["elsewhere"] == []


def test_every_payer() -> None:
    result = invoke("compare", READY_TMS, "--payer", "all", "--format", "json")
    data = json.loads(result.stdout)
    assert len(data["payers"]) > 10
    assert "cigna/tms" in data["ready"]
    assert all(p["tms"]["status"] != "no_rule_set" or p["spravato"]["status"] != "no_rule_set" for p in data["payers"])


def test_unknown_payer_is_invalid_input() -> None:
    result = invoke("compare", READY_TMS, "--payer", "cigan")
    assert result.exit_code == 2
    assert "did you mean 'cigna'?" in result.stderr


def test_help_states_the_exit_status() -> None:
    out = invoke("compare", "--help").stdout
    assert "0 at least one treatment is ready" in " ".join(out.split())


def test_commands_are_listed_documented_and_have_examples() -> None:
    from tests.helpers import ROOT

    listing = invoke("--help").stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("batch", "compare"):
        assert any(line.split()[:1] == [name] for line in listing.splitlines())
        help_text = invoke(name, "--help").stdout
        assert f"priorauth {name}" in help_text.split("Examples:")[1]
        assert f"priorauth {name} " in readme
