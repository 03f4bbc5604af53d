"""The dashboard server's one connection to its store, held for the server's whole life."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import duckdb

from dashboard.store import WRITE_LOCK, StoreError, open_store, store_path


class _Held:
    """The connection and the store file it has open.

    Not a cache entry: a client can clear Streamlit's caches at will (a `clear_cache` message needs no
    sign-in), and a store reopened under a live one would register its functions twice on the same
    DuckDB instance. Only a change of store path (tests) or an erasure's rewrite replaces it.
    """

    lock = threading.Lock()
    path: Path | None = None
    connection: duckdb.DuckDBPyConnection | None = None


def held_connection(db: str | os.PathLike | None = None) -> tuple[duckdb.DuckDBPyConnection, bool]:
    """This process's connection to the store, opened on first use; and whether this call opened it."""
    path = store_path(db).resolve()
    with _Held.lock:
        if _Held.connection is not None and _Held.path == path:
            return _Held.connection, False
        if _Held.connection is not None:
            _Held.connection.close()
            _Held.connection = None
        _Held.connection, _Held.path = open_store(path), path
        return _Held.connection, True


def close_held() -> None:
    """At the server's stop: the held connection closes, so the store is checkpointed and left whole."""
    with WRITE_LOCK, _Held.lock:
        if _Held.connection is not None:
            _Held.connection.close()
            _Held.connection, _Held.path = None, None


def reopen_held(between) -> None:
    """Close the held connection, call `between(path)` on the closed store file, and open it again; uploads
    and undos wait meanwhile, and a page reading at that moment shows its one-line error once."""
    with WRITE_LOCK, _Held.lock:
        if _Held.connection is None:
            raise StoreError("the store is not open in this process")
        path = _Held.path
        _Held.connection.close()
        _Held.connection = None
        try:
            between(path)
        finally:
            _Held.connection = open_store(path)
