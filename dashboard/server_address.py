"""The running server's address, in a small file next to the store (`<store>.server`), so that the command
line finds the dashboard that holds the store and sends its work there.

The server writes it as it starts and removes it as it stops. It holds the address, the server's process id,
an id of this start, and a secret for this start: the file is readable by the store's owner only, so a
command that can read it runs as the account that owns the store, and acts as that account does without a
server. A file left by a server that was killed is never trusted: its process must be alive and the address
must answer with the same start id, else the command opens the store itself.
"""

from __future__ import annotations

import json
import os
import secrets
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from dashboard.store import store_path

# Where the API lives under the server's address (and its base path).
API = "/api/v1"
# How long a command waits for a server whose process is alive but not answering yet (it is starting).
STARTING_WAIT_SECONDS = 10.0


@dataclass(frozen=True)
class ServerAddress:
    url: str  # http://127.0.0.1:8501 (with the base path, if any); the API is under url + API
    pid: int
    instance: str
    secret: str


def address_file(db=None) -> Path:
    path = store_path(db)
    return path.with_name(path.name + ".server")


def write(db, url: str) -> ServerAddress:
    """At the server's start: a fresh start id and secret, in a file only this account can read."""
    address = ServerAddress(url.rstrip("/"), os.getpid(), secrets.token_hex(8), secrets.token_urlsafe(32))
    path = address_file(db)
    temporary = path.with_name(path.name + f".{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(address.__dict__, file)
    os.replace(temporary, path)
    return address


def remove(db, address: ServerAddress) -> None:
    """At the server's stop: its own file only (a later server may have written one since)."""
    path = address_file(db)
    if read(db) == address:
        path.unlink(missing_ok=True)


def read(db=None) -> ServerAddress | None:
    try:
        fields = json.loads(address_file(db).read_text(encoding="utf-8"))
        return ServerAddress(str(fields["url"]), int(fields["pid"]), str(fields["instance"]), str(fields["secret"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def answering_instance(url: str, timeout: float = 3.0) -> str | None:
    """The start id a server at `url` answers its health check with, or None when nothing answers there."""
    try:
        with urllib.request.urlopen(url.rstrip("/") + API + "/health", timeout=timeout) as answer:
            return str(json.loads(answer.read().decode("utf-8")).get("instance") or "")
    except (OSError, ValueError):  # nothing answers there (URLError is an OSError), or not the API
        return None


def running_server(db=None) -> ServerAddress | None:
    """The server holding the store at this path, when one is running; None otherwise (no file, or a stale one:
    its process is gone, or what answers at its address is not it)."""
    address = read(db)
    if address is None or not _alive(address.pid):
        return None
    deadline = time.monotonic() + STARTING_WAIT_SECONDS
    while True:
        instance = answering_instance(address.url)
        if instance == address.instance:
            return address
        if instance is not None or time.monotonic() > deadline or not _alive(address.pid):
            return None
        time.sleep(0.2)
