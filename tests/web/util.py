"""Helpers for the web interface's tests: a logged-in client, forms with their CSRF token, queue rows."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from priorauth.store import Store, open_store
from priorauth.store import queue as q
from priorauth.web import create_app
from tests.helpers import SAMPLES

TOKEN = "test-login-token-0123456789"
USER = "maria"
TODAY = dt.date(2026, 12, 1)  # the day the app thinks it is: dates in the tests stay fixed


def make_app(db: str, data_dir: Path, **kwargs: Any) -> Flask:
    app = create_app(db, data_dir, login_token=TOKEN, testing=True, user=USER, **kwargs)
    app.config["PRIORAUTH_TODAY"] = TODAY
    return app


def log_in(client: FlaskClient) -> None:
    answer = client.get(f"/login?token={TOKEN}")
    assert answer.status_code == 303, answer.data


def csrf_token(client: FlaskClient, page: str = "/queue") -> str:
    """The session's CSRF token, as every page carries it."""
    html = client.get(page).get_data(as_text=True)
    found = re.search(r'<meta name="csrf-token" content="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def post_form(client: FlaskClient, url: str, data: dict[str, Any], version: int | None = None) -> TestResponse:
    """POST a form as the page sends it: with the CSRF token (and the request's version, when given)."""
    fields = {"csrf_token": csrf_token(client), **data}
    if version is not None:
        fields["version"] = str(version)
    return client.post(url, data=fields)


def add_sample(db: str, name: str = "cigna-tms-ready.yaml", payer: str = "cigna", treatment: str = "tms", **kwargs: Any) -> int:
    """Add a shipped sample case to the queue; the id of its (one) request."""
    store = open_store(db, "setup")
    try:
        result = q.add_cases(store, [str(SAMPLES / name)], payer=payer, treatment=treatment, today=TODAY, **kwargs)
        assert not result.errors, result.errors
        request_id = result.rows[0].request_id
        assert request_id is not None
        return request_id
    finally:
        store.close()


def request_row(db: str, request_id: int) -> dict[str, Any]:
    store: Store = open_store(db, "check")
    try:
        return q.show_request(store, request_id)
    finally:
        store.close()


def text_of(response: TestResponse) -> str:
    """The page's text without tags and with single spaces, for assertions on words."""
    import html

    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split())
