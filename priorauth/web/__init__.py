"""The local web interface: `priorauth serve` runs it on the clinic's own machine.

Server-rendered pages (Flask and Jinja2), usable without JavaScript; htmx where it saves a
reload. Every change goes through :mod:`priorauth.store.queue`, so it lands in the audit
trail with the user and the time, exactly as the `priorauth queue` commands do.

    from priorauth.web import create_app
    app = create_app("queue.sqlite3", "data/")      # a WSGI app; waitress serves it

Blueprints: each feature is one module with a ``bp`` (see :data:`BLUEPRINTS`).
"""

from priorauth.web.app import BLUEPRINTS, create_app, current_store

__all__ = ["BLUEPRINTS", "create_app", "current_store"]
