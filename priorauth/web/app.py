"""The Flask application: configuration, login, security headers, error pages.

Security, in one place (docs/web.md lists it for people):

- only loopback host names are trusted (a wrong ``Host`` header is a 400: DNS rebinding);
- a one-time login token (printed by `priorauth serve`) becomes a session cookie, and the
  address without the token replaces it at once; with accounts (`priorauth users`) the login
  page asks for a name and a password instead (the only way with ``accounts_only``, which
  `serve --allow-remote` sets): a wrong one waits a second, and a session gets
  ``LOGIN_ATTEMPTS`` tries; "Log out" ends the session;
- cookies are HttpOnly and SameSite=Strict, and expire after a working day;
- every POST (plain forms and htmx alike) needs the session's CSRF token;
- every answer says ``no-store``, ``nosniff``, ``no-referrer`` and a CSP without inline
  scripts or styles; pages cannot be framed;
- request bodies are capped (413, with a page that says so);
- URLs carry only the queue's numeric ids, never a patient's name or number, and nothing
  is logged per request (waitress writes no access log);
- an unexpected error is a page that says so, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import importlib
import os
import secrets
import time
from pathlib import Path
from typing import Any

from flask import Flask, current_app, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.exceptions import HTTPException, SecurityError

from priorauth.store import Store

# "module:attribute" of each blueprint, registered in this order. A feature adds one line.
BLUEPRINTS: tuple[str, ...] = (
    "priorauth.web.queue:bp",
    "priorauth.web.rules:bp",
    "priorauth.web.cases:bp",
)
# The navigation bar: (endpoint, label). An endpoint no blueprint provides is left out.
NAV: tuple[tuple[str, str], ...] = (
    ("queue.index", "Queue"),
    ("cases.new", "New case"),
    ("rules.index", "Rule sets"),
)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
MAX_BODY = 10 * 1024 * 1024  # an uploaded case file or scan: 10 MB is plenty
SESSION_HOURS = 12
OPEN_ENDPOINTS = ("login", "health", "static")  # everything else needs the session
LOGIN_ATTEMPTS = 5  # wrong passwords a session may send; then a new session (and its delays)
LOGIN_DELAY = 1.0  # seconds a wrong password waits before its answer
LOGIN_FAILED = "The name or password is wrong."

CSP = "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"


def create_app(
    store_url: str | None,
    data_dir: str | os.PathLike[str],
    *,
    secret_key: str | None = None,
    login_token: str | None = None,
    testing: bool = False,
    user: str | None = None,
    rules_dirs: tuple[str, ...] = (),
    hosts: tuple[str, ...] = (),
    accounts_only: bool = False,
) -> Flask:
    """The web app on the queue at ``store_url`` (a path or a database URL, as ``--db``;
    None: PRIORAUTH_DB, then the default file).

    ``data_dir`` holds what the web interface writes besides the database (uploads,
    generated documents); it is created 0700. The database is created or migrated to this
    version's layout. ``login_token`` is the one-time token of the printed address (a
    random one when not given: ``app.config["PRIORAUTH_LOGIN_TOKEN"]``). ``user`` is who
    the audit trail names (default: PRIORAUTH_USER, then the login name). ``hosts``:
    further host names to trust besides the loopback ones. ``accounts_only``: no login
    token at all; only an account's name and password log in, and the audit trail names
    the account (`serve --allow-remote`). Without it, accounts may log in too when any exist.
    """
    from priorauth.store import current_user, database, open_store

    app = _App(__name__)
    data = Path(data_dir).expanduser().absolute()
    data.mkdir(parents=True, exist_ok=True, mode=0o700)
    app.config.update(
        SECRET_KEY=secret_key or secrets.token_hex(32),  # a new key each start: old sessions end
        TESTING=testing,
        PROPAGATE_EXCEPTIONS=False,  # the error page, even in tests: they check it
        TRUSTED_HOSTS=[*LOOPBACK_HOSTS, *hosts],
        MAX_CONTENT_LENGTH=MAX_BODY,
        MAX_FORM_MEMORY_SIZE=MAX_BODY,
        MAX_FORM_PARTS=2000,
        SESSION_COOKIE_NAME="priorauth_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=SESSION_HOURS),
        WTF_CSRF_TIME_LIMIT=SESSION_HOURS * 3600,
        PRIORAUTH_LOGIN_TOKEN=None if accounts_only else login_token or secrets.token_urlsafe(24),
        PRIORAUTH_ACCOUNTS_ONLY=accounts_only,
        PRIORAUTH_LOGIN_DELAY=LOGIN_DELAY,
        PRIORAUTH_DATA_DIR=data,
        PRIORAUTH_RULES_DIRS=tuple(rules_dirs),
        PRIORAUTH_USER=current_user(user),
    )
    store = open_store(store_url, app.config["PRIORAUTH_USER"], migrate=False)
    database.upgrade(store)  # a fresh machine: create the tables; a newer priorauth: migrate
    app.extensions["priorauth_store"] = store
    CSRFProtect(app)

    for spec in BLUEPRINTS:
        module, _, attr = spec.partition(":")
        app.register_blueprint(getattr(importlib.import_module(module), attr))

    app.add_url_rule("/login", "login", _login, methods=["GET", "POST"])
    app.add_url_rule("/logout", "logout", _logout, methods=["POST"])
    app.add_url_rule("/health", "health", _health)
    app.add_url_rule("/", "home", lambda: redirect(url_for("queue.index")))
    app.before_request(_require_login)
    app.after_request(_headers)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _internal_error)
    app.context_processor(_template_globals)
    app.jinja_env.filters["day"] = _day
    return app


class _App(Flask):
    def log_exception(self, exc_info: Any) -> None:
        # Flask would log the traceback, whose text may hold patient values: only the kind.
        _log_unexpected(exc_info[0] if exc_info else None)


def _log_unexpected(kind: type | None) -> None:
    """One log line for an unexpected error: its kind and the route's pattern (no values, no ids)."""
    name = kind.__name__ if kind is not None else "unknown"
    current_app.logger.error("unexpected error (%s) on %s %s", name, request.method, request.url_rule or "an unknown address")


def current_store() -> Store:
    """The queue's store for this request, naming the logged-in user in the audit trail."""
    if "priorauth_store" not in g:
        base: Store = current_app.extensions["priorauth_store"]
        g.priorauth_store = Store(base.url, base.engine, session.get("user") or base.user)
    store: Store = g.priorauth_store
    return store


def message_page(title: str, text: str, status: int, hint: str | None = None) -> ResponseReturnValue:
    """A page with one message (errors, refusals); never a traceback or a patient value."""
    return render_template("message.html", title=title, text=text, hint=hint), status


# ---- login ------------------------------------------------------------------------------------


def _login() -> ResponseReturnValue:
    return _password_login() if request.method == "POST" else _login_page()


def _login_page() -> ResponseReturnValue:
    """The one-time token's address logs in; otherwise the login form (with accounts) or how to log in."""
    token = request.args.get("token", "")
    expected = current_app.config.get("PRIORAUTH_LOGIN_TOKEN")
    if expected and token and secrets.compare_digest(token.encode(), expected.encode()):
        current_app.config["PRIORAUTH_LOGIN_TOKEN"] = None  # one time only
        session.clear()
        session.permanent = True
        session["user"] = current_app.config["PRIORAUTH_USER"]
        return redirect(url_for("queue.index"), 303)  # the token leaves the address bar
    if session.get("user"):
        return redirect(url_for("queue.index"), 303)
    if _accounts_exist():
        return render_template("login.html", error=None, name=""), 403 if token else 401
    return _login_page_without_accounts(403 if token else 401)


def _accounts_exist() -> bool:
    from priorauth.store import accounts

    return bool(current_app.config["PRIORAUTH_ACCOUNTS_ONLY"]) or accounts.active_count(current_app.extensions["priorauth_store"]) > 0


def _password_login() -> ResponseReturnValue:
    """The login form: an account's name and password (CSRF-checked like every form)."""
    from priorauth.store import accounts

    if not _accounts_exist():
        return _login_page_without_accounts()
    name = request.form.get("name", "").strip()
    password = request.form.get("password", "")
    failures = int(session.get("login_failures", 0))
    if failures >= LOGIN_ATTEMPTS:
        return render_template("login.html", error="Too many wrong tries. Close the browser window, open the address again and retry.", name=""), 429
    found = accounts.check_password(current_app.extensions["priorauth_store"], name, password) if name and password else None
    if found is None:
        session["login_failures"] = failures + 1
        time.sleep(current_app.config["PRIORAUTH_LOGIN_DELAY"])  # slows guessing; the same for every kind of failure
        return render_template("login.html", error=LOGIN_FAILED, name=name if accounts.NAME.fullmatch(name) else ""), 401
    session.clear()
    session.permanent = True
    session["user"] = found
    session["account"] = True
    return redirect(url_for("queue.index"), 303)


def _login_page_without_accounts(status: int = 401) -> ResponseReturnValue:
    return message_page(
        "Log in",
        "This address does not log you in: open the address that `priorauth serve` printed when it started. Each address logs in once.",
        status,
        "If it was used already (or the server restarted), stop `priorauth serve` and start it again for a new address.",
    )


def _logout() -> ResponseReturnValue:
    session.clear()
    if _accounts_exist():
        return redirect(url_for("login"), 303)
    return message_page(
        "Logged out",
        "You are logged out. The address `priorauth serve` printed logs in only once: to log in again, stop `priorauth serve` and start it again.",
        200,
    )


def _require_login() -> ResponseReturnValue | None:
    if request.routing_exception is not None:  # no such page, or a wrong Host: its own answer
        return None
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    if session.get("user") and session.get("account") and not _still_active(session["user"]):
        session.clear()  # the account was disabled meanwhile: its session ends now
    if session.get("user"):
        return None
    return _login_page()


def _still_active(name: str) -> bool:
    from priorauth.store import accounts

    return accounts.is_active(current_app.extensions["priorauth_store"], name)


def _health() -> ResponseReturnValue:
    return "ok\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


# ---- headers and errors -----------------------------------------------------------------------


def _headers(response: Any) -> Any:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Cache-Control"] = "no-store"
    return response


def _csrf_error(exc: CSRFError) -> ResponseReturnValue:
    return message_page(
        "The form has expired",
        "This form was not accepted: it did not come from a page of this server, or it is older than this session. Nothing was saved.",
        400,
        "Go back, reload the page and send the form again.",
    )


_HTTP_WORDS = {
    400: ("Bad request", "The server could not understand the request. Nothing was saved."),
    401: ("Log in", "Open the address that `priorauth serve` printed."),
    403: ("Not allowed", "You are not allowed to open this page."),
    404: ("Not found", "There is no such page, or what it showed no longer exists."),
    405: ("Not allowed", "This address does not take that kind of request."),
    413: ("Too large", f"What was sent is larger than the limit of {MAX_BODY // (1024 * 1024)} MB. Nothing was saved."),
}


def _http_error(exc: HTTPException) -> ResponseReturnValue:
    status = exc.code or 500
    if isinstance(exc, SecurityError):
        # a wrong Host header (DNS rebinding): no page of the app, no address built from it
        return "Bad request: this server answers only to its own address.\n", 400, {"Content-Type": "text/plain; charset=utf-8"}
    title, text = _HTTP_WORDS.get(status, (exc.name, "The request could not be handled. Nothing was saved."))
    hint = "Send a smaller file, or split it." if status == 413 else None
    return message_page(title, text, status, hint)


def _internal_error(exc: Exception) -> ResponseReturnValue:
    # The exception's text may hold patient values: it is neither shown nor logged.
    _log_unexpected(type(exc))
    return message_page(
        "Something went wrong",
        f"An unexpected error ({type(exc).__name__}) stopped this page. This is a bug in priorauth; what was saved before it is kept.",
        500,
        "Go back and try again; if it happens again, report what you did (not the patient's details).",
    )


def _template_globals() -> dict[str, Any]:
    endpoints = {rule.endpoint for rule in current_app.url_map.iter_rules()}
    user = session.get("user")
    return {
        # The pages' links only for someone signed in: on the login page they would lead
        # back to it.
        "nav": [(endpoint, label) for endpoint, label in NAV if endpoint in endpoints] if user else [],
        "current_user": user,
        "remote": current_app.config["PRIORAUTH_ACCOUNTS_ONLY"],
    }


def _day(value: Any) -> str:
    """A date as YYYY-MM-DD; empty for None."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat() if isinstance(value, dt.date) else str(value)
