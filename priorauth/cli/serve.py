"""`priorauth serve`: the web interface on this computer, with waitress (no development server)."""

from __future__ import annotations

from pathlib import Path

import click

from priorauth.cli.options import rules_dir_option
from priorauth.cli.queue import db_options

LOOPBACK = ("127.0.0.1", "localhost")
WILDCARD = ("0.0.0.0", "::", "[::]", "*", "")


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="The port to listen on (0: any free port).")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on: this computer only (127.0.0.1, the default), or with --allow-remote the name or address other computers use to reach this one (e.g. 192.168.1.20).",
)
@click.option(
    "--allow-remote",
    is_flag=True,
    help="Let other computers reach the web interface on --host. Needs at least one active account (`priorauth users add NAME`): everyone then logs in with a name and password, and no login address is printed.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    help="Where the web interface keeps the documents downloaded from case pages, and a FHIR upload while it is imported (default: the folder 'files' beside the default queue file).",
)
@rules_dir_option
@db_options
def serve(port: int, host: str, allow_remote: bool, data_dir: str | None, rules_dirs: tuple[str, ...], db: str | None, user: str | None) -> None:
    """Run the web interface for billing staff and prescribers on this computer.

    Prints one address to open in the browser; it logs you in once (a one-time token),
    then the browser keeps a session cookie for the working day. By default it listens on
    127.0.0.1 only, so no other computer can reach it; patient data stays on this machine. The
    queue's database is created or upgraded first (back it up before installing a newer
    priorauth). Stop it with Ctrl-C. For a shared install, add accounts with `priorauth
    users add` and give --host with --allow-remote: the login page then asks for a name
    and password, and the audit trail names the account.

    \b
    Examples:
      priorauth serve
      priorauth serve --port 8080
      priorauth serve --db postgresql://clinic@dbserver/priorauth
      priorauth serve --host 192.168.1.20 --allow-remote --db postgresql://clinic@dbserver/priorauth
    """
    from priorauth.errors import UsageError

    if host not in LOOPBACK and not allow_remote:
        raise UsageError(
            f"--host {host}: the web interface listens on this computer only (127.0.0.1) unless you add --allow-remote",
            "other computers may reach it only with accounts: add them with `priorauth users add NAME`, then give --host with --allow-remote",
        )
    if allow_remote:
        _check_remote(host, db, user)
    import waitress.server

    from priorauth.store import default_path
    from priorauth.web import create_app
    from priorauth.web.app import MAX_BODY

    files = Path(data_dir) if data_dir else default_path().parent / "files"
    remote = allow_remote and host not in LOOPBACK
    app = create_app(db, files, user=user, rules_dirs=rules_dirs, hosts=(host,) if remote else (), accounts_only=allow_remote)
    try:
        # threads: each page is short; 8 keep a slow one from holding up the rest
        server = waitress.server.create_server(
            app, host=host if remote else "127.0.0.1", port=port, threads=8, max_request_body_size=MAX_BODY + 65536, ident="priorauth", clear_untrusted_proxy_headers=True
        )
    except OSError as exc:
        app.extensions["priorauth_store"].close()
        raise UsageError(f"cannot listen on port {port}: {exc.strerror}", "give another --port (or 0 for any free one)") from None
    if allow_remote:
        address = f"http://{host}:{server.effective_port}/login"
        click.echo(f"priorauth is running for other computers too. Open this address and log in with your account:\n  {address}\nPress Ctrl-C to stop.")
    else:
        address = f"http://{host}:{server.effective_port}/login?token={app.config['PRIORAUTH_LOGIN_TOKEN']}"
        click.echo(f"priorauth is running. Open this address in your browser (it logs you in once):\n  {address}\nPress Ctrl-C to stop.")
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.close()
        app.extensions["priorauth_store"].close()


def _check_remote(host: str, db: str | None, user: str | None) -> None:
    """--allow-remote: a real host name or address, and at least one active account."""
    from priorauth.errors import UsageError
    from priorauth.store import accounts, database, open_store

    if host in WILDCARD:
        raise UsageError(
            f"--host {host}: give the name or address other computers use to reach this one (for example 192.168.1.20)",
            "the browser's address must match it: a request for any other name is refused",
        )
    sqlite_file = database._sqlite_file(database.resolve(db))
    if sqlite_file is not None and not sqlite_file.exists():
        count = 0  # no database yet: no accounts either (and no file made for a refusal)
    else:
        store = open_store(db, user, migrate=False)  # a server that cannot be reached says so
        try:
            database.upgrade(store)  # an older database has no accounts table yet
            count = accounts.active_count(store)
        finally:
            store.close()
    if count == 0:
        raise UsageError(
            "--allow-remote: the queue's database has no active account, so nobody could log in safely from another computer",
            "add one first: `priorauth users add NAME` (with the same --db)",
        )
