"""Regenerate docs/cases.md from the case guide (priorauth/case_guide_text.py), the case
model and the shipped rule files: `python docs/make_cases.py`. With --check, write nothing
and exit 1 when docs/cases.md is out of date.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from priorauth.case_guide import markdown  # noqa: E402

TARGET = ROOT / "docs" / "cases.md"


def main(argv: list[str]) -> int:
    text = markdown()
    if "--check" in argv:
        current = TARGET.read_text(encoding="utf-8") if TARGET.exists() else ""
        if current != text:
            print(f"{TARGET} is out of date: run python docs/make_cases.py", file=sys.stderr)
            return 1
        return 0
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
