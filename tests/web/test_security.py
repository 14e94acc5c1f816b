"""The web interface's security points (docs/web.md), each with a request that tries it."""

from __future__ import annotations

import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from priorauth.store import queue as q
from tests.web.util import TOKEN, add_sample, csrf_token, post_form, request_row, text_of

CSP = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"


def test_a_wrong_host_header_is_refused(client: FlaskClient) -> None:
    answer = client.get("/queue", headers={"Host": "attacker.example:8765"})
    assert answer.status_code == 400
    assert answer.get_data(as_text=True) == "Bad request: this server answers only to its own address.\n"
    assert client.get("/health", headers={"Host": "127.0.0.1:8765"}).status_code == 200
    assert client.get("/queue", headers={"Host": "localhost:8765"}).status_code == 200


def test_nothing_but_the_login_page_without_the_session(app: Flask) -> None:
    anonymous = app.test_client()
    answer = anonymous.get("/queue")
    assert answer.status_code == 401
    assert "open the address that `priorauth serve` printed" in text_of(answer)
    assert anonymous.get("/requests/1").status_code == 401
    assert anonymous.post("/requests/1/note", data={"text": "x"}).status_code in (400, 401)
    assert anonymous.get("/health").status_code == 200


def test_the_token_logs_in_once_and_leaves_the_address_bar(app: Flask) -> None:
    first = app.test_client()
    answer = first.get(f"/login?token={TOKEN}")
    assert answer.status_code == 303
    assert answer.headers["Location"] == "/queue"
    cookie = answer.headers["Set-Cookie"]
    assert cookie.startswith("priorauth_session=")
    assert "; HttpOnly" in cookie and "; SameSite=Strict" in cookie and "Expires=" in cookie
    assert first.get("/queue").status_code == 200
    second = app.test_client()
    again = second.get(f"/login?token={TOKEN}")
    assert again.status_code == 403
    assert "Each address logs in once" in text_of(again)
    assert second.get("/queue").status_code == 401


def test_a_wrong_token_does_not_log_in(app: Flask) -> None:
    client = app.test_client()
    assert client.get("/login?token=guess").status_code == 403
    assert client.get("/queue").status_code == 401
    assert client.get(f"/login?token={TOKEN}").status_code == 303  # the right one still works


def test_security_headers_on_every_answer(client: FlaskClient) -> None:
    for url in ("/queue", "/rules", "/health", "/no-such-page", "/static/app.css"):
        with client.get(url) as answer:
            headers = answer.headers
        assert headers["Content-Security-Policy"] == CSP, url
        assert headers["Cache-Control"] == "no-store", url
        assert headers["X-Content-Type-Options"] == "nosniff", url
        assert headers["Referrer-Policy"] == "no-referrer", url
        assert headers["X-Frame-Options"] == "DENY", url


def test_pages_have_no_inline_script_or_style(client: FlaskClient, db: str) -> None:
    rid = add_sample(db)
    for url in ("/queue", f"/requests/{rid}", "/rules", "/rules/cigna/tms"):
        html = client.get(url).get_data(as_text=True)
        assert re.findall(r"<script(?![^>]*\bsrc=)", html) == [], url
        assert "<style" not in html and " style=" not in html, url


@pytest.mark.parametrize("token", [None, "forged-token", "csrf-of-another-session"])
def test_a_post_without_the_sessions_csrf_token_is_refused(client: FlaskClient, app: Flask, db: str, token: str | None) -> None:
    rid = add_sample(db)
    if token == "csrf-of-another-session":
        other = app.test_client()
        with other.session_transaction() as session:
            session["user"] = "someone"
        token = csrf_token(other)
    data = {"text": "called the payer", "version": "1"}
    if token:
        data["csrf_token"] = token
    answer = client.post(f"/requests/{rid}/note", data=data)
    assert answer.status_code == 400
    assert "This form was not accepted" in text_of(answer)
    assert "Nothing was saved" in text_of(answer)
    assert request_row(db, rid)["notes"] == []


def test_htmx_sends_the_token_in_a_header(client: FlaskClient, db: str) -> None:
    rid = add_sample(db)
    token = csrf_token(client)
    forged = client.post(f"/requests/{rid}/note", data={"text": "a"}, headers={"HX-Request": "true", "X-CSRFToken": "forged"})
    assert forged.status_code == 400
    answer = client.post(f"/requests/{rid}/note", data={"text": "called"}, headers={"HX-Request": "true", "X-CSRFToken": token})
    assert answer.status_code == 303
    assert [n["text"] for n in request_row(db, rid)["notes"]] == ["called"]


def test_the_body_size_is_capped(client: FlaskClient, db: str) -> None:
    rid = add_sample(db)
    answer = client.post(f"/requests/{rid}/note", data={"csrf_token": csrf_token(client), "text": "x" * (11 * 1024 * 1024)})
    assert answer.status_code == 413
    assert "larger than the limit of 10 MB. Nothing was saved." in text_of(answer)
    assert request_row(db, rid)["notes"] == []


def test_urls_carry_only_numeric_ids(client: FlaskClient, db: str) -> None:
    rid = add_sample(db)
    for url in ("/queue", f"/requests/{rid}"):
        html = client.get(url).get_data(as_text=True)
        assert "DEMO-1001" in html  # the patient is shown on the page...
        links = re.findall(r'(?:href|action|hx-post|hx-get)="([^"]*)"', html)
        assert links
        for link in links:  # ...but never put into an address
            assert "DEMO" not in link and "Mu" not in link, link
            assert re.fullmatch(r"[/a-z_.0-9?=&-]*|#main", link), link


def test_an_unexpected_error_is_a_page_without_traceback_or_values(client: FlaskClient, db: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    rid = add_sample(db)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("Muñoz-Ñúñez DEMO-1001")  # an error whose text holds patient values

    monkeypatch.setattr(q, "show_request", broken)
    with caplog.at_level(logging.DEBUG):
        answer = client.get(f"/requests/{rid}")
    assert answer.status_code == 500
    page = answer.get_data(as_text=True)
    assert "An unexpected error (RuntimeError) stopped this page. This is a bug in priorauth" in page
    assert "Traceback" not in page and "DEMO-1001" not in page and "Muñoz" not in page
    assert "DEMO-1001" not in caplog.text and "Traceback" not in caplog.text
    assert "unexpected error (RuntimeError) on GET /requests/<int:request_id>" in caplog.text


def test_the_database_never_puts_values_into_its_errors(app: Flask) -> None:
    assert app.extensions["priorauth_store"].engine.hide_parameters is True


def test_not_found_is_a_page(client: FlaskClient) -> None:
    answer = client.get("/requests/999")
    assert answer.status_code == 404
    assert "There is no such page" in text_of(answer)
    assert client.get("/rules/nobody/tms").status_code == 404


def test_an_action_on_a_request_that_does_not_exist_is_not_found(client: FlaskClient) -> None:
    assert post_form(client, "/requests/999/note", {"text": "x"}, version=1).status_code == 404
