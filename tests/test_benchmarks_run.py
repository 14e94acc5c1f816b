"""The benchmark scripts still run against today's code (a smoke run of each quick mode).

They import library internals (a letter's context, the packet's parts), so a change there
can break a script that no other test runs. This checks that each runs to its figures; the
figures themselves are for people to read, not for a test (speed is never asserted here).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    ("script", "args", "figure"),
    [
        ("documents.py", ["--quick"], "PDF letters (write_pdf)"),
        ("packet.py", ["--quick"], "ratio packet / pypdf merge"),
        ("web_case.py", ["--rounds", "3"], "worst ratio"),
    ],
)
def test_benchmark_runs_to_its_figures(script: str, args: list[str], figure: str) -> None:
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / script), *args], capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert "Traceback" not in done.stderr, done.stderr[-2000:]
    assert figure in done.stdout, done.stdout[-2000:]
