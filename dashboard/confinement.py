"""What the store's connection may read: its private folder (copies of exports, and how they go), the
bundled sample and the exports a command names; nothing else, and nothing can lift that."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

SAMPLE_DIR = Path(__file__).resolve().parent.parent / "data" / "sample"
# Folders already cleared of leftovers by this process: a second open of the same store must not remove
# files the first one is still using.
_CLEARED: set[Path] = set()


def folder_of(store_file: Path) -> Path:
    """The store's private folder (`<store>.work`, this account only): copies of uploads waiting to be read,
    transcoded exports. The store's connection may read files there and nowhere else but the sample."""
    return store_file.with_name(store_file.name + ".work")


def store_file_of(connection) -> Path:
    """The file a connection (or one of its cursors) has open. Asked on a cursor of its own: the shared
    connection refuses a second thread's call while another session's is running."""
    cursor = connection.cursor()
    try:
        return Path(cursor.execute(
            "SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchall()[0][0])
    finally:
        cursor.close()


def private_folder(connection) -> Path:
    """The private folder of the store a connection has open."""
    return folder_of(store_file_of(connection))


def confine(connection, private: Path, readable) -> None:
    """The connection reads only its private folder, the sample and the named exports; nothing can undo it."""
    allowed = [Path(item).resolve() for item in readable]
    directories = [str(private.resolve()) + os.sep, str(SAMPLE_DIR.resolve()) + os.sep,
                   *(str(item) + os.sep for item in allowed if item.is_dir())]
    files = [str(item) for item in allowed if not item.is_dir()]
    # Lists are bound, never pasted: a folder's name may hold any character.
    connection.execute("SET GLOBAL allowed_directories = $directories", {"directories": directories})
    connection.execute("SET GLOBAL allowed_paths = $files", {"files": files})
    connection.execute("SET GLOBAL enable_external_access = false")
    # The settings a connection may still change, which reach no file: the progress bar a terminal draws,
    # and the session's time zone (every macro reads timestamps as UTC whatever it is; tests set it).
    connection.execute("SET GLOBAL allowed_configs = ['enable_progress_bar', 'TimeZone']")
    connection.execute("SET GLOBAL lock_configuration = true")


def readable_by(connection, path: Path) -> bool:
    """Whether the store's connection may read this file (its confinement allows it)."""
    resolved = str(Path(path).resolve())
    directories, files = connection.execute(
        "SELECT current_setting('allowed_directories'), current_setting('allowed_paths')").fetchall()[0]
    directories, files = directories or [], files or []
    return resolved in files or any(resolved.startswith(directory) for directory in directories)


def readable_copy(connection, path: Path) -> Path | None:
    """None when the connection may read `path` where it is; else a private copy it may read (same suffixes,
    so `.gz` still means gzip), which the caller removes. Exports handed over by code that did not name them
    when opening the store (a test, a script) are read this way; the Data page's and the command line's
    never need it."""
    if readable_by(connection, path):
        return None
    handle, name = tempfile.mkstemp(prefix="export-", suffix="".join(Path(path).suffixes[-2:]),
                                    dir=private_folder(connection))
    with os.fdopen(handle, "wb") as copy, open(path, "rb") as source:
        shutil.copyfileobj(source, copy, length=1 << 20)
    return Path(name)


def clear_leftovers(private: Path) -> None:
    """Copies left by a process that stopped mid-load (killed, or a browser that never came back) go when
    the store is next opened: whoever holds the store now is the only one who could be using them."""
    if private in _CLEARED:
        return
    _CLEARED.add(private)
    for leftover in private.iterdir():
        if leftover.is_file() or leftover.is_symlink():
            leftover.unlink(missing_ok=True)
