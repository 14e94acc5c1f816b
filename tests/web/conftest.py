"""Fixtures of the web interface's tests.

- ``app``: the Flask app on a new SQLite queue (``db`` is its path), data folder in tmp_path;
  the day is fixed to ``util.TODAY``.
- ``client``: Flask's test client, logged in with the one-time token.
- browser tests (tests/web/browser/conftest.py): ``live_server`` on 127.0.0.1, ``page``
  (Playwright, the system's Chromium) and ``axe_check(page)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.pg import _no_env  # noqa: F401  # autouse: no PRIORAUTH_* variable from the shell
from tests.web.util import log_in, make_app


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "queue.sqlite3")


@pytest.fixture
def app(db: str, tmp_path: Path) -> Iterator[Flask]:
    app = make_app(db, tmp_path / "data")
    yield app
    app.extensions["priorauth_store"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    client = app.test_client()
    log_in(client)
    return client
