"""Pseudonyms for direct identifiers: a keyed hash whose secret lives beside the store, never in it."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import duckdb
import pyarrow as pa

KEY_ENV = "PRIVACY_DASHBOARD_KEY"


def key_path(store_file: Path) -> Path:
    """The secret's file: PRIVACY_DASHBOARD_KEY, else the store's path with `.key` appended."""
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV])
    return store_file.with_name(store_file.name + ".key")


def secret_key(store_file: Path) -> bytes:
    """The store's secret, created on first use, readable by its owner only."""
    path = key_path(store_file)
    if path.exists():
        return bytes.fromhex(path.read_text().strip())
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    # O_EXCL: two processes creating the key at once must not end up with two different secrets.
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key.hex())
    return key


def pseudonym(key: bytes, identifier: str) -> str:
    """The same person's identifier gives the same pseudonym in every upload to this store."""
    normalised = identifier.strip().lower()
    return "p_" + hmac.new(key, normalised.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def register(connection: duckdb.DuckDBPyConnection, store_file: Path) -> None:
    """Make `pseudonym(text)` callable in this connection's SQL.

    Idempotent: a second connection to the same file in one process shares the first one's DuckDB
    instance, where the function already exists (registering it again fails with "already exists").
    """
    try:
        # Cheaper than listing every function: an unknown one is a catalog error.
        connection.execute("SELECT pseudonym(NULL)").fetchall()
        return
    except duckdb.CatalogException:
        pass
    # The keyed hash's state after the key, made once: each value then costs one copy and one update,
    # the same digest as pseudonym() (every subject of a ten-million-row file goes through here).
    keyed = hmac.new(secret_key(store_file), digestmod=hashlib.sha256)

    def one(value: str) -> str:
        digest = keyed.copy()
        digest.update(value.strip().lower().encode("utf-8"))
        return "p_" + digest.hexdigest()[:32]

    def pseudonyms(values: pa.Array) -> pa.Array:
        return pa.array([None if value is None else one(value) for value in values.to_pylist()], type=pa.string())

    connection.create_function(
        "pseudonym", pseudonyms, [duckdb.sqltype("VARCHAR")], duckdb.sqltype("VARCHAR"), type="arrow"
    )
