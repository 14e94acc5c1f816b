"""The login form of accounts in a real browser: axe-core, the keyboard, a wrong then a right password, log out."""

from __future__ import annotations

from typing import Any

from priorauth.store import accounts, open_store
from tests.web.browser.conftest import LiveServer, axe_check, keyboard_check, screenshot

PASSWORD = "correct horse battery staple"


def test_login_form_with_an_account(page: Any, live_server: LiveServer, engine_name: str, monkeypatch: Any) -> None:
    monkeypatch.setitem(live_server.app.config, "PRIORAUTH_LOGIN_DELAY", 0)
    store = open_store(live_server.db, "admin")
    accounts.add_user(store, "maria.lopez", PASSWORD)
    store.close()
    page.goto(f"{live_server.url}/queue")
    assert page.locator("h1").inner_text() == "Log in"
    axe_check(page)
    keyboard_check(page)
    page.get_by_label("Name").fill("maria.lopez")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").inner_text() == "The name or password is wrong."
    assert page.get_by_label("Name").input_value() == "maria.lopez"
    axe_check(page)  # the form in its error state
    if engine_name == "sqlite":
        screenshot(page, "login")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    assert page.url == f"{live_server.url}/queue"
    assert "Signed in as maria.lopez" in page.locator("footer").inner_text()
    axe_check(page)
    page.get_by_role("button", name="Log out").click()
    assert page.url == f"{live_server.url}/login"
    page.goto(f"{live_server.url}/queue")
    assert page.locator("h1").inner_text() == "Log in"
