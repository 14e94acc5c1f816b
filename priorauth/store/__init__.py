"""The work queue's store: every request tracked from the first check to the decision.

One SQLite file in the user's data folder by default; any PostgreSQL database with
``--db postgresql://...`` or ``PRIORAUTH_DB``. The library never prints and never exits;
``priorauth.cli.queue`` and ``priorauth.cli.db`` are its commands.

    from priorauth.store import open_store, queue
    store = open_store()                 # or open_store("postgresql://clinic@db/queue")
    result = queue.add_cases(store, ["cases/"])
    for row in queue.list_requests(store):
        ...
"""

from priorauth.store.database import ConflictError, Store, StoreError, current_user, default_path, open_store

__all__ = ["ConflictError", "Store", "StoreError", "current_user", "default_path", "open_store"]
