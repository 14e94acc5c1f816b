"""Every store test runs on SQLite and on a real PostgreSQL server started for the session
(the server and the ``engine_name`` / ``db_url`` fixtures: tests/pg.py, shared with the
web interface's tests through tests/conftest.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.pg import IN_CI, PgServer, _no_env  # noqa: F401  # _no_env is autouse; IN_CI and PgServer stay importable from here


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # A warning from SQLAlchemy here is a bug (one said the version column went unchecked).
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.filterwarnings("error::sqlalchemy.exc.SAWarning"))
