"""Accounts in the web interface: the login form, wrong and disabled logins, CSRF, log out,
the audit trail naming the account, and `serve --allow-remote`."""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from priorauth.store import accounts, open_store
from tests.helpers import invoke
from tests.web.util import TOKEN, USER, add_sample, make_app, post_form, request_row, text_of

PASSWORD = "correct horse battery staple"
FAILED = "The name or password is wrong."


def _add(db: str, name: str, password: str = PASSWORD) -> None:
    store = open_store(db, "admin")
    try:
        accounts.add_user(store, name, password)
    finally:
        store.close()


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The delays a wrong login waits (recorded, not slept)."""
    waited: list[float] = []
    monkeypatch.setattr("priorauth.web.app.time.sleep", waited.append)
    return waited


def _make(db: str, tmp_path: Path, **kwargs: object) -> Iterator[Flask]:
    app = make_app(db, tmp_path / "data", **kwargs)
    yield app
    app.extensions["priorauth_store"].close()


@pytest.fixture
def remote_app(db: str, tmp_path: Path) -> Iterator[Flask]:
    _add(db, "maria.lopez")
    yield from _make(db, tmp_path, accounts_only=True, hosts=("clinic-pc",))


def _login_token(client: FlaskClient) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").get_data(as_text=True))
    assert found
    return found.group(1)


def _log_in(client: FlaskClient, name: str, password: str) -> TestResponse:
    return client.post("/login", data={"csrf_token": _login_token(client), "name": name, "password": password})


def test_login_form_logs_in_and_the_audit_line_names_the_account(remote_app: Flask, db: str, sleeps: list[float]) -> None:
    client = remote_app.test_client()
    page = client.get("/queue")
    assert page.status_code == 401
    assert "Log in Name Password Log in" in text_of(page)
    assert 'autocomplete="current-password"' in page.get_data(as_text=True)
    answer = _log_in(client, "maria.lopez", PASSWORD)
    assert (answer.status_code, answer.headers["Location"]) == (303, "/queue")
    assert "Signed in as maria.lopez" in text_of(client.get("/queue"))
    rid = add_sample(db)
    assert post_form(client, f"/requests/{rid}/note", {"text": "Called Cigna"}, version=1).status_code == 303
    last = request_row(db, rid)["history"][-1]
    assert (last["user"], last["action"]) == ("maria.lopez", "request.note")
    assert sleeps == []


def test_the_pages_links_show_only_once_signed_in(remote_app: Flask, sleeps: list[float]) -> None:
    client = remote_app.test_client()
    nav = re.compile(r'<nav aria-label="Main">.*?</nav>', re.S)

    def links(html: str) -> list[str]:
        found = nav.search(html)
        assert found
        return re.findall(r'href="([^"]+)"', found.group(0))

    page = client.get("/login").get_data(as_text=True)
    assert links(page) == ["/"] and "Log out" not in page
    _log_in(client, "maria.lopez", PASSWORD)
    page = client.get("/queue").get_data(as_text=True)
    assert links(page) == ["/", "/queue", "/cases/new", "/rules"] and "Log out" in page


def test_token_login_is_off_with_accounts_only(remote_app: Flask) -> None:
    assert remote_app.config["PRIORAUTH_LOGIN_TOKEN"] is None
    client = remote_app.test_client()
    page = client.get(f"/login?token={TOKEN}")
    assert page.status_code == 403 and "Log in Name Password" in text_of(page)
    assert client.get("/queue").status_code == 401
    assert remote_app.test_client().get("/queue", headers={"Host": "clinic-pc"}).status_code == 401  # the given host is trusted
    assert remote_app.test_client().get("/queue", headers={"Host": "evil.example"}).status_code == 400


@pytest.mark.parametrize(("name", "password"), [("maria.lopez", "wrong password!"), ("nobody", PASSWORD), ("", ""), ("maria.lopez", "x" * 2000)])
def test_a_failed_login_says_only_that_the_name_or_password_is_wrong(remote_app: Flask, sleeps: list[float], name: str, password: str) -> None:
    client = remote_app.test_client()
    answer = _log_in(client, name, password)
    assert answer.status_code == 401
    assert f"Log in {FAILED} Name Password Log in" in text_of(answer)
    assert password not in answer.get_data(as_text=True) or password == ""
    assert sleeps == [1.0]
    assert client.get("/queue").status_code == 401


def test_a_session_gets_five_tries(remote_app: Flask, sleeps: list[float]) -> None:
    client = remote_app.test_client()
    for _ in range(5):
        assert _log_in(client, "maria.lopez", "wrong password!").status_code == 401
    answer = _log_in(client, "maria.lopez", PASSWORD)  # even the right one, now
    assert answer.status_code == 429
    assert "Too many wrong tries." in text_of(answer)
    assert len(sleeps) == 5
    assert _log_in(remote_app.test_client(), "maria.lopez", PASSWORD).status_code == 303  # a new session


def test_disabled_account_cannot_log_in_and_its_session_ends(remote_app: Flask, db: str, sleeps: list[float]) -> None:
    client = remote_app.test_client()
    assert _log_in(client, "maria.lopez", PASSWORD).status_code == 303
    assert client.get("/queue").status_code == 200
    store = open_store(db, "admin")
    accounts.disable_user(store, "maria.lopez")
    store.close()
    assert client.get("/queue").status_code == 401  # the next page asks to log in again
    answer = _log_in(client, "maria.lopez", PASSWORD)
    assert answer.status_code == 401 and FAILED in text_of(answer)


def test_the_login_form_needs_its_csrf_token(remote_app: Flask, sleeps: list[float]) -> None:
    client = remote_app.test_client()
    client.get("/login")
    for token in (None, "forged"):
        data = {"name": "maria.lopez", "password": PASSWORD} | ({"csrf_token": token} if token else {})
        answer = client.post("/login", data=data)
        assert answer.status_code == 400
        assert "This form was not accepted" in text_of(answer)
    assert client.get("/queue").status_code == 401
    assert sleeps == []


def test_log_out(remote_app: Flask) -> None:
    client = remote_app.test_client()
    _log_in(client, "maria.lopez", PASSWORD)
    page = client.get("/queue").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert token and 'action="/logout"' in page and ">Log out</button>" in page
    assert client.post("/logout").status_code == 400  # a forged log-out is refused too
    answer = client.post("/logout", data={"csrf_token": token.group(1)})
    assert (answer.status_code, answer.headers["Location"]) == (303, "/login")
    assert client.get("/queue").status_code == 401


def test_on_this_computer_the_token_and_accounts_both_log_in(db: str, tmp_path: Path, client: FlaskClient) -> None:
    # `client` logged in with the token (no accounts yet): its log-out page says how to get back in
    page = client.get("/queue").get_data(as_text=True)
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
    assert token
    answer = client.post("/logout", data={"csrf_token": token.group(1)})
    assert answer.status_code == 200 and "You are logged out." in text_of(answer)
    _add(db, "li")
    for app in _make(db, tmp_path):
        by_token = app.test_client()
        assert by_token.get(f"/login?token={TOKEN}").status_code == 303
        assert f"Signed in as {USER}" in text_of(by_token.get("/queue"))
        by_account = app.test_client()
        assert _log_in(by_account, "li", PASSWORD).status_code == 303
        assert "Signed in as li" in text_of(by_account.get("/queue"))


# ---- serve --allow-remote ------------------------------------------------------------------


def test_allow_remote_is_refused_without_an_active_account(tmp_path: Path) -> None:
    db = str(tmp_path / "q.sqlite3")
    expected = (
        "error: --allow-remote: the queue's database has no active account, so nobody could log in safely from another computer\n"
        "  hint: add one first: `priorauth users add NAME` (with the same --db)\n"
    )
    assert invoke("serve", "--host", "127.0.0.2", "--allow-remote", "--db", db) == (2, "", expected)
    assert not Path(db).exists()
    _add(db, "maria")
    invoke("users", "disable", "maria", "--db", db)
    assert invoke("serve", "--host", "127.0.0.2", "--allow-remote", "--db", db) == (2, "", expected)
    code, out, err = invoke("serve", "--host", "0.0.0.0", "--allow-remote", "--db", db)
    assert (code, out) == (2, "")
    assert err.startswith("error: --host 0.0.0.0: give the name or address other computers use to reach this one")


@pytest.mark.slow
def test_serve_allow_remote_logs_in_with_an_account(tmp_path: Path) -> None:
    db = tmp_path / "queue.sqlite3"
    _add(str(db), "front-desk")
    proc = subprocess.Popen(
        [sys.executable, "-m", "priorauth", "serve", "--host", "127.0.0.2", "--allow-remote", "--port", "0", "--db", str(db), "--data-dir", str(tmp_path / "files")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PRIORAUTH_USER": "someone-else"},
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "priorauth is running for other computers too. Open this address and log in with your account:\n"
        address = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.2:\d+/login", address), address
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
        with pytest.raises(urllib.error.HTTPError) as first:
            browser.open(address, timeout=10)
        form = first.value.read().decode()
        first.value.close()
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token
        body = urllib.parse.urlencode({"csrf_token": token.group(1), "name": "front-desk", "password": PASSWORD}).encode()
        with browser.open(address, data=body, timeout=10) as answer:
            assert answer.url == address.replace("/login", "/queue")
            assert "Signed in as front-desk" in answer.read().decode()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert err == ""
