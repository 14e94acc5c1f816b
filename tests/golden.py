"""Golden files: compare a command's output with the file that holds it, byte for byte.

After a change to the output has been reviewed, rewrite every golden file from the current
output with

    python -m pytest tests/cli --update-golden

and read `git diff tests/cli/golden` before committing it (docs/testing.md).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "cli" / "golden"
UPDATE_COMMAND = "python -m pytest tests/cli --update-golden"


def check_golden(request: pytest.FixtureRequest, actual: str, path: Path) -> None:
    """ACTUAL must equal the text of PATH; with --update-golden, PATH is rewritten instead."""
    if request.config.getoption("--update-golden"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="")
        return
    shown = path.relative_to(GOLDEN.parent.parent.parent)
    if not path.exists():
        pytest.fail(f"{shown} does not exist; write it with `{UPDATE_COMMAND}` and review it", pytrace=False)
    expected = path.read_text(encoding="utf-8")
    if actual != expected:
        diff = "".join(difflib.unified_diff(expected.splitlines(True), actual.splitlines(True), f"{shown} (golden)", "output now"))
        pytest.fail(
            f"the output differs from {shown}:\n{diff}\n"
            f"If this change is intended and reviewed, regenerate the golden files with `{UPDATE_COMMAND}` and commit the diff.",
            pytrace=False,
        )
