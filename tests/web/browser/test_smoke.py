"""The first login in a real browser, and the pages without a request, checked with axe-core."""

from __future__ import annotations

from typing import Any

from tests.web.browser.conftest import LiveServer, axe_check, keyboard_check, login, screenshot
from tests.web.util import TOKEN


def test_first_login_drops_the_token_from_the_address(page: Any, live_server: LiveServer) -> None:
    page.goto(f"{live_server.url}/queue")
    assert "Log in" in page.title()
    axe_check(page)
    login(page, live_server)
    assert TOKEN not in page.url
    assert page.locator("h1").inner_text() == "Queue"
    axe_check(page)
    # the token was for one time only: a second browser is refused
    other = page.context.browser.new_context().new_page()
    other.goto(f"{live_server.url}/login?token={TOKEN}")
    assert "Log in" in other.title()
    other.context.close()


def test_rule_set_pages_pass_axe(page: Any, live_server: LiveServer, engine_name: str) -> None:
    login(page, live_server)
    page.get_by_role("link", name="Rule sets").click()
    assert page.locator("h1").inner_text() == "Rule sets"
    axe_check(page)
    if engine_name == "sqlite":
        screenshot(page, "rules")
    page.get_by_role("link", name="cigna/tms").first.click()
    assert "Cigna" in page.locator("h1").inner_text()
    axe_check(page)
    keyboard_check(page)
    if engine_name == "sqlite":
        screenshot(page, "rule-set")


def test_error_pages_pass_axe(page: Any, live_server: LiveServer) -> None:
    login(page, live_server)
    page.goto(f"{live_server.url}/requests/999")
    assert page.locator("h1").inner_text() == "Not found"
    axe_check(page)
