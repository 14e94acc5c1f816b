"""Browser tests: the app on 127.0.0.1 in a thread, driven by Playwright in the system's Chromium.

No browser is downloaded (never `playwright install`): Debian's /usr/bin/chromium
(`apt-get install chromium`; .ci/run installs it). Without Chromium or Playwright the
tests are skipped with the reason; in CI (CI=true) they fail instead.

- ``server`` / ``live_server``: the app of one queue database, served on a free port;
  ``live_server.url``, ``.db`` (the queue), ``.app``.
- ``page``: a new browser page (its own cookies), not logged in: ``login(page, server)``.
- ``axe_check(page)``: axe-core's WCAG 2.1 A and AA rules over the page; fails on any
  violation, naming the rule and the elements. ``keyboard_check(page)``: every visible
  control reached with Tab.
- ``screenshot(page, name)``: with PRIORAUTH_SCREENSHOTS=docs/screenshots, the pictures
  for the README and docs/web.md are taken again.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from tests.pg import IN_CI
from tests.web.util import TOKEN, make_app

CHROMIUM = os.environ.get("PRIORAUTH_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parent / "axe.min.js"
# Set to a folder (docs/screenshots) to keep the pictures the journeys take; unset, a test run changes no file.
SCREENSHOTS = os.environ.get("PRIORAUTH_SCREENSHOTS")
LAUNCH_ARGS = ["--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = str(Path(__file__).parent)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.slow)  # a browser: part of the full run, not the fast one


def _unavailable(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"browser tests must run in CI, but {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install playwright; never `playwright install`)")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    manager = sync_playwright().start()
    try:
        browser = manager.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
    except Exception as exc:
        manager.stop()
        _unavailable(f"Chromium did not start: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    yield browser
    browser.close()
    manager.stop()


@dataclass
class LiveServer:
    url: str
    db: str
    app: Flask


@pytest.fixture
def live_server(db_url: str, tmp_path: Path) -> Iterator[LiveServer]:
    """The app on a free port of 127.0.0.1, on SQLite and on PostgreSQL (``db_url``)."""
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request lines in the test output
    app = make_app(db_url, tmp_path / "data")
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveServer(f"http://127.0.0.1:{srv.server_port}", db_url, app)
    finally:
        srv.shutdown()
        thread.join(5)
        app.extensions["priorauth_store"].close()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(10_000)
    page = context.new_page()
    yield page
    context.close()


def login(page: Any, server: LiveServer) -> None:
    page.goto(f"{server.url}/login?token={TOKEN}")
    assert page.url == f"{server.url}/queue", page.url


def axe_check(page: Any) -> None:
    """0 violations of WCAG 2.1 A and AA (axe-core) on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))  # evaluate is not subject to the page's CSP
    result = page.evaluate("async () => await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})")
    violations = [
        {"rule": v["id"], "impact": v["impact"], "help": v["help"], "where": [n["target"] for n in v["nodes"]][:5]} for v in result["violations"]
    ]
    assert violations == [], json.dumps(violations, indent=1)


def screenshot(page: Any, name: str) -> None:
    """Keep a picture of the page for the README and docs/web.md: PRIORAUTH_SCREENSHOTS/NAME.png."""
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


_FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, summary"


def keyboard_check(page: Any) -> None:
    """Every visible control of the page is reached with the Tab key, in order, from the top."""
    wanted = page.evaluate(
        """(sel) => Array.from(document.querySelectorAll(sel))
            .filter(e => e.checkVisibility({visibilityProperty: true}) && !e.disabled)
            .map((e, i) => { e.dataset.kbd = String(i); return i; })""",
        _FOCUSABLE,
    )
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }")
    page.locator("body").focus()
    reached: list[str] = []
    for _ in range(len(wanted) + 10):
        page.keyboard.press("Tab")
        mark = page.evaluate("() => document.activeElement ? (document.activeElement.dataset.kbd || '') : ''")
        if mark and mark not in reached:
            reached.append(mark)
        if len(reached) == len(wanted):
            break
    missing = sorted(set(map(str, wanted)) - set(reached), key=int)
    names = page.evaluate(
        "(marks) => marks.map(m => { const e = document.querySelector(`[data-kbd='${m}']`); return e.tagName + ' ' + (e.innerText || e.name || ''); })", missing
    )
    assert names == [], f"not reached with Tab: {names}"
