"""`priorauth serve`: the web interface on this computer, with waitress (no development server)."""

from __future__ import annotations

from pathlib import Path

import click

from priorauth.cli.options import rules_dir_option
from priorauth.cli.queue import db_options

LOOPBACK = ("127.0.0.1", "localhost")


@click.command()
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="The port to listen on (0: any free port).")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="The address to listen on. Only this computer (127.0.0.1 or localhost) for now: the web interface has no accounts yet, so any other address is refused.",
)
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    help="Where the web interface keeps the documents downloaded from case pages, and a FHIR upload while it is imported (default: the folder 'files' beside the default queue file).",
)
@rules_dir_option
@db_options
def serve(port: int, host: str, data_dir: str | None, rules_dirs: tuple[str, ...], db: str | None, user: str | None) -> None:
    """Run the web interface for billing staff and prescribers on this computer.

    Prints one address to open in the browser; it logs you in once (a one-time token),
    then the browser keeps a session cookie for the working day. It listens on 127.0.0.1
    only, so no other computer can reach it; patient data stays on this machine. The
    queue's database is created or upgraded first (back it up before installing a newer
    priorauth). Stop it with Ctrl-C.

    \b
    Examples:
      priorauth serve
      priorauth serve --port 8080
      priorauth serve --db postgresql://clinic@dbserver/priorauth
    """
    from priorauth.errors import UsageError

    if host not in LOOPBACK:
        raise UsageError(
            f"--host {host}: the web interface listens on this computer only (127.0.0.1)",
            "it has no accounts yet, so other computers may not reach it; open it on this computer",
        )
    import waitress.server

    from priorauth.store import default_path
    from priorauth.web import create_app
    from priorauth.web.app import MAX_BODY

    files = Path(data_dir) if data_dir else default_path().parent / "files"
    app = create_app(db, files, user=user, rules_dirs=rules_dirs)
    try:
        # threads: each page is short; 8 keep a slow one from holding up the rest
        server = waitress.server.create_server(
            app, host="127.0.0.1", port=port, threads=8, max_request_body_size=MAX_BODY + 65536, ident="priorauth", clear_untrusted_proxy_headers=True
        )
    except OSError as exc:
        app.extensions["priorauth_store"].close()
        raise UsageError(f"cannot listen on port {port}: {exc.strerror}", "give another --port (or 0 for any free one)") from None
    address = f"http://{host}:{server.effective_port}/login?token={app.config['PRIORAUTH_LOGIN_TOKEN']}"
    click.echo(f"priorauth is running. Open this address in your browser (it logs you in once):\n  {address}\nPress Ctrl-C to stop.")
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        server.close()
        app.extensions["priorauth_store"].close()
