"""Fixtures for the batch and compare tests: a folder of cases with bad ones among them."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from priorauth.rules import ENV_RULES_DIR
from tests.helpers import SAMPLES

SAMPLE_NAMES = ["cigna-spravato-ready.yaml", "cigna-tms-not-eligible.yaml", "cigna-tms-ready.yaml", "medicare-tms-incomplete.yaml"]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    # a developer's own PRIORAUTH_RULES_DIR must not change the expected statuses;
    # working in tmp_path keeps the summary's sources short and exact ("cases/...")
    monkeypatch.delenv(ENV_RULES_DIR, raising=False)
    monkeypatch.chdir(tmp_path)
    yield


def sample_json(name: str, **patient: str) -> str:
    """A sample case as one line of JSON, the way an EHR export writes it."""
    data = yaml.safe_load((SAMPLES / name).read_text(encoding="utf-8"))
    data["patient"].update(patient)
    return json.dumps(data, default=str, ensure_ascii=False)


@pytest.fixture
def cases(tmp_path: Path) -> Path:
    """cases/: the four samples, a file that is not YAML, and an export with a bad line 2."""
    folder = tmp_path / "cases"
    folder.mkdir()
    for name in SAMPLE_NAMES:
        shutil.copy(SAMPLES / name, folder / name)
    (folder / "broken.yaml").write_text("patient:\n  id: [unclosed\n", encoding="utf-8")
    bad = json.loads(sample_json("cigna-tms-ready.yaml", id="EXP-2"))
    del bad["coverage"]["member_id"]
    lines = [
        sample_json("cigna-tms-ready.yaml", id="EXP-1"),
        json.dumps(bad),
        "",  # blank lines are not cases, but still count for the line numbers
        sample_json("medicare-tms-incomplete.yaml", id="EXP-4"),
    ]
    (folder / "export.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder
