"""Options for the whole suite: --update-golden rewrites the golden files (see docs/testing.md)."""

from __future__ import annotations

import pytest

# One PostgreSQL server per session for the store's and the web interface's tests.
from tests.pg import db_url, engine_name, pg_server  # noqa: F401


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the golden files in tests/cli/golden from today's output, after a reviewed change (then read the git diff)",
    )
