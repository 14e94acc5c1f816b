"""Options for the whole suite: --update-golden rewrites the golden files (see docs/testing.md)."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the golden files in tests/cli/golden from today's output, after a reviewed change (then read the git diff)",
    )
