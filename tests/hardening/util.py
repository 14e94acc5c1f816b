"""Helpers for the hardening tests: running the CLI in a child process and checking what a user would see."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import ROOT, SAMPLES, Run

HERE = Path(__file__).parent
CORPUS = HERE / "corpus"
CASE_CORPUS = CORPUS / "cases"
RULE_CORPUS = CORPUS / "rules"
READY_TMS = SAMPLES / "cigna-tms-ready.yaml"

# Values planted in broken files: none of them may ever reach stdout, stderr or a log.
CANARIES = ("Zqxcanary", "Vwycanary", "CANARY-MEMBER-991", "1933-03-03", "19330303")


def subprocess_priorauth(*args: str, timeout: float = 30, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m priorauth ARGS...` in a child process: for what could hang or crash the interpreter."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env.pop("PRIORAUTH_RULES_DIR", None)
    return subprocess.run(
        [sys.executable, "-m", "priorauth", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd or ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
    )


def assert_no_traceback(result: Run) -> None:
    # an exception that escaped the command has already failed the test in tests.helpers.invoke
    assert "Traceback" not in result.output


def assert_clean_error(result: Run) -> None:
    """Exit 2, a message on stderr, nothing on stdout, no traceback."""
    assert_no_traceback(result)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")


def assert_no_canary(*texts: str) -> None:
    for text in texts:
        for canary in CANARIES:
            assert canary not in text, f"{canary!r} leaked into: {text[:500]!r}"
