"""House rules a linter does not check."""

from __future__ import annotations

import re

from tests.helpers import ROOT


def test_every_type_ignore_names_its_code_and_reason() -> None:
    bare = []
    for path in sorted((ROOT / "priorauth").rglob("*.py")):
        for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "type: ignore" in line and not re.search(r"# type: ignore\[[a-z, -]+\]  # \S", line):
                bare.append(f"{path.relative_to(ROOT)}:{no}")
    assert bare == [], "write `# type: ignore[code]  # why` (see docs/architecture.md)"
