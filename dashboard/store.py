"""The local store: where it lives, its schema and reference data, its upload history and undo."""

from __future__ import annotations

import csv
import getpass
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dashboard import pseudonyms, summaries
from dashboard.confinement import clear_leftovers, confine, folder_of
from dashboard.formats import fold_header
from dashboard.queries import QUERIES_DIR, run_query

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_DIR / "data"
DEFAULT_STORE = DATA_DIR / "privacy.duckdb"
STORE_ENV = "PRIVACY_DASHBOARD_DB"

# Version of the tables' layout. A store written by an older version is migrated on open;
# one written by a newer version is refused rather than misread.
SCHEMA_VERSION = 6

# One writer at a time in this process. Every page session runs on its own thread; DuckDB's optimistic
# transactions would fail one of two uploads landing at once with a conflict (both bump the store's
# version), so the writing part of an upload or undo waits for the other instead.
WRITE_LOCK = threading.RLock()

# Macros and views are code, not data: they are redefined whenever their SQL changes.
DEFINITION_FILES = ("macros.sql", "views.sql")


class StoreError(Exception):
    """A problem with the store that a user can act on; its text is the whole message."""


def store_path(db: str | os.PathLike | None = None) -> Path:
    """The store's path: the --db option, else PRIVACY_DASHBOARD_DB, else data/privacy.duckdb."""
    if db:
        return Path(db)
    if os.environ.get(STORE_ENV):
        return Path(os.environ[STORE_ENV])
    return DEFAULT_STORE


def work_dir(db: str | os.PathLike | None = None) -> Path:
    """The private folder of the store at this path (confinement.folder_of)."""
    return folder_of(store_path(db))


def open_store(db: str | os.PathLike | None = None, *, readable=()) -> duckdb.DuckDBPyConnection:
    """Open (creating on first use) the store and bring its schema and reference data up to date.

    The connection is confined: it can read the store's private folder, the bundled sample and the
    `readable` files or folders named here (the exports a command was given), and no other file, and its
    configuration is locked, so that even a mistake that let file text into SQL could not read a secret.
    """
    path = store_path(db)
    path.parent.mkdir(parents=True, exist_ok=True)
    # Everything created from here on (the store, its WAL, DuckDB's spill files, copies of uploads) is
    # readable by this account only; a store made before this rule gets the same mode.
    os.umask(os.umask(0o077) | 0o077)
    private = work_dir(path)
    private.mkdir(mode=0o700, exist_ok=True)
    for existing in (path, path.with_name(path.name + ".wal"), private):
        if existing.exists() and existing.stat().st_mode & 0o077:
            existing.chmod(0o700 if existing.is_dir() else 0o600)
    try:
        connection = duckdb.connect(str(path))
    except duckdb.IOException as error:
        if "not a valid duckdb database" in str(error).lower():
            raise StoreError(f"{path}: not a store this program can read (it is not a DuckDB database file)") from None
        if "lock" in str(error).lower():
            raise StoreError(
                f"{path}: the store is in use by another program (the dashboard or another "
                "command); stop it or try again when it has finished"
            ) from None
        raise StoreError(f"{path}: cannot open the store ({error})") from None
    except duckdb.Error as error:
        raise StoreError(f"{path}: not a store this program can read ({error})") from None
    clear_leftovers(private)
    # A second open of one file in one process shares the first one's DuckDB instance, already set up.
    if not connection.execute("SELECT current_setting('lock_configuration')").fetchall()[0][0]:
        # GLOBAL: every cursor (each query's, each session's) reads in UTC.
        connection.execute("SET GLOBAL TimeZone = 'UTC'")
        # Registered on the long-lived connection itself: a function registered on a cursor outlives
        # the cursor in DuckDB and crashes the process when called after it closed.
        pseudonyms.register(connection, path)
        confine(connection, private, readable)
    # DuckDB draws a progress bar on the terminal for long statements (cursors do not); output here is JSON lines.
    connection.execute("SET enable_progress_bar = false")
    _migrate(connection, path)
    _refresh_definitions(connection)
    _mask_history(connection)
    _refresh_reference_data(connection)
    _fill_summaries(connection)
    return connection


def _fill_summaries(connection) -> None:
    """A store from before summaries (or whose filling was interrupted) gets them computed once."""
    if _meta(connection, "summaries_stale") != "1":
        return
    connection.execute("BEGIN TRANSACTION")
    summaries.rebuild(connection)
    _set_meta(connection, "summaries_stale", "0")
    connection.execute("COMMIT")


def _meta(connection, key: str) -> str | None:
    row = connection.execute("SELECT value FROM store_meta WHERE key = $key", {"key": key}).fetchone()
    return row[0] if row else None


def _set_meta(connection, key: str, value: str) -> None:
    connection.execute(
        "INSERT OR REPLACE INTO store_meta (key, value) VALUES ($key, $value)",
        {"key": key, "value": value},
    )


def _migrate(connection, path: Path) -> None:
    has_meta = connection.execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'store_meta' AND NOT temporary"
    ).fetchone()[0]
    version = int(_meta(connection, "schema_version") or 0) if has_meta else 0
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: the store was written by a newer version of the dashboard "
            f"(schema {version}, this one knows {SCHEMA_VERSION}); update the dashboard"
        )
    if version == SCHEMA_VERSION:
        return
    connection.execute("BEGIN TRANSACTION")
    if version < 1:
        connection.execute((QUERIES_DIR / "schema.sql").read_text(encoding="utf-8"))
    if version < 2:
        # The bundled sample is marked, so the dashboard can say so and remove it again.
        connection.execute("ALTER TABLE uploads ADD COLUMN IF NOT EXISTS is_sample BOOLEAN DEFAULT false")
    if version < 3:
        # Vendor services folded into purposes (data/service_purposes.csv), and column mappings saved by name.
        connection.execute(
            "CREATE TABLE IF NOT EXISTS service_purposes (service_id VARCHAR PRIMARY KEY, purpose VARCHAR NOT NULL, "
            "service_name VARCHAR)"
        )
        connection.execute(
            "CREATE TABLE IF NOT EXISTS saved_mappings (name VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, "
            "header VARCHAR[] NOT NULL, columns VARCHAR NOT NULL, saved_at TIMESTAMP NOT NULL)"
        )
    if version < 4:
        # Summaries every page reads instead of the raw rows (summaries.py), filled once the
        # definitions that compute them are in place.
        summaries.create_tables(connection)
        # A store made just now has no rows to summarise; an older one gets its summaries computed once.
        _set_meta(connection, "summaries_stale", "1" if version > 0 else "0")
    if version < 5:
        # An undo is recorded in the history (who, when), not erased from it.
        connection.execute("ALTER TABLE uploads ADD COLUMN IF NOT EXISTS removed_by VARCHAR")
        connection.execute("ALTER TABLE uploads ADD COLUMN IF NOT EXISTS removed_at TIMESTAMP")
    if version < 6:
        # An erasure is recorded as having happened (when, by whom, how many people and rows), never whom.
        connection.execute(
            "CREATE TABLE IF NOT EXISTS erasures (erasure_id INTEGER PRIMARY KEY, erased_at TIMESTAMP NOT NULL, "
            "erased_by VARCHAR, people INTEGER NOT NULL, consent_rows BIGINT NOT NULL, "
            "request_rows BIGINT NOT NULL, values_cleared BIGINT NOT NULL)"
        )
    _set_meta(connection, "schema_version", str(SCHEMA_VERSION))
    if _meta(connection, "store_version") is None:
        _set_meta(connection, "store_version", "0")
    connection.execute("COMMIT")


def _mask_history(connection) -> None:
    """Once per store: the upload history and rejected values that a version before masking kept as
    written (file names, warnings, values holding e-mail addresses or phone numbers) are masked now."""
    if _meta(connection, "history_masked") == "1":
        return
    from dashboard.identities import mask, mask_file_name

    connection.execute("BEGIN TRANSACTION")
    uploads = connection.execute("SELECT upload_id, file_name, warnings FROM uploads").fetchall()
    changed = [{"id": upload_id, "name": mask_file_name(name), "warnings": [mask(warning) for warning in warnings or []]}
               for upload_id, name, warnings in uploads
               if mask_file_name(name) != name or any(mask(warning) != warning for warning in warnings or [])]
    if changed:
        connection.executemany(
            "UPDATE uploads SET file_name = $name, warnings = $warnings WHERE upload_id = $id", changed)
    connection.execute("UPDATE rejected_rows SET value = masked(value) WHERE value IS DISTINCT FROM masked(value)")
    _set_meta(connection, "history_masked", "1")
    connection.execute("COMMIT")


def _refresh_definitions(connection) -> None:
    sources = [(QUERIES_DIR / name).read_text(encoding="utf-8") for name in DEFINITION_FILES]
    digest = hashlib.sha256("\n".join(sources).encode()).hexdigest()
    if _meta(connection, "definitions_sha256") == digest:
        return
    connection.execute("BEGIN TRANSACTION")
    for source in sources:
        connection.execute(source)
    _set_meta(connection, "definitions_sha256", digest)
    connection.execute("COMMIT")


def _read_reference(path: Path) -> tuple[str, list[dict[str, str]]]:
    raw = path.read_bytes()
    rows = list(csv.DictReader(raw.decode("utf-8-sig").splitlines()))
    return hashlib.sha256(raw).hexdigest(), rows


def _split_list(value: str | None) -> list[str] | None:
    items = [item.strip() for item in (value or "").split("|") if item.strip()]
    return items or None


def _refresh_reference_data(connection) -> None:
    """Load the editable catalogue files (purposes, deadlines, services) when they changed since last time."""
    purposes_sha, purposes = _read_reference(DATA_DIR / "purposes.csv")
    deadlines_sha, deadlines = _read_reference(DATA_DIR / "deadlines.csv")
    services_sha, services = _read_reference(DATA_DIR / "service_purposes.csv")
    stored = tuple(_meta(connection, f"{name}_sha256") for name in ("purposes", "deadlines", "services"))
    if stored == (purposes_sha, deadlines_sha, services_sha):
        return
    connection.execute("BEGIN TRANSACTION")
    connection.execute("DELETE FROM purposes")
    connection.executemany(
        "INSERT INTO purposes VALUES ($purpose, $label, $basis, $aliases)",
        [
            {
                "purpose": row["purpose"].strip(),
                "label": row["label"].strip(),
                "basis": (row.get("basis") or "").strip() or None,
                "aliases": _split_list(row.get("aliases")),
            }
            for row in purposes
        ],
    )
    connection.execute("DELETE FROM deadlines")
    connection.executemany(
        "INSERT INTO deadlines VALUES ($jurisdiction, $types, $deadline, $unit, $extension, $ext_unit)",
        [
            {
                "jurisdiction": row["jurisdiction"].strip(),
                "types": None if row["request_types"].strip() == "*" else _split_list(row["request_types"]),
                "deadline": int(row["deadline"]),
                "unit": row["deadline_unit"].strip(),
                "extension": int(row.get("extension") or 0),
                "ext_unit": (row.get("extension_unit") or row["deadline_unit"]).strip(),
            }
            for row in deadlines
        ],
    )
    connection.execute("DELETE FROM service_purposes")
    connection.executemany(
        "INSERT INTO service_purposes VALUES ($service, $purpose, $name)",
        [
            {"service": row["service_id"].strip(), "purpose": row["purpose"].strip(),
             "name": (row.get("service_name") or "").strip() or None}
            for row in services
            if (row.get("service_id") or "").strip()
        ],
    )
    if stored[1] != deadlines_sha:
        summaries.refresh_requests(connection)
    _set_meta(connection, "purposes_sha256", purposes_sha)
    _set_meta(connection, "deadlines_sha256", deadlines_sha)
    _set_meta(connection, "services_sha256", services_sha)
    connection.execute("COMMIT")


def store_version(connection) -> int:
    """A counter every upload and undo increases: cached results keyed by it are never stale."""
    return int(_meta(connection, "store_version") or 0)


def bump_store_version(connection) -> None:
    """Inside the caller's transaction: mark the store's rows as changed."""
    _set_meta(connection, "store_version", str(store_version(connection) + 1))


@dataclass(frozen=True)
class RemovedUpload:
    upload_id: int
    file_name: str
    kind: str
    rows_removed: int


def local_user() -> str:
    """The account running this program: who an upload or undo is recorded as without sign-in."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def remove_upload(connection, upload_id: int, *, removed_by: str | None = None) -> RemovedUpload:
    """Undo one upload: its rows go, and any request or policy it had updated shows its earlier state.

    The upload stays in the history, marked with who removed it and when; the bundled sample, which
    nobody uploaded, leaves the history with its rows.
    """
    # The check and the removal under one lock: two undos of one upload cannot both pass the check.
    with WRITE_LOCK:
        row = connection.execute(
            "SELECT file_name, kind, is_sample, removed_by, removed_at FROM uploads WHERE upload_id = $id",
            {"id": upload_id},
        ).fetchone()
        if row is None:
            raise StoreError(f"upload {upload_id}: no such upload (see `python -m dashboard uploads`)")
        file_name, kind, is_sample, earlier_by, earlier_at = row
        if earlier_at is not None:
            raise StoreError(f"upload {upload_id}: already removed, on {earlier_at:%Y-%m-%d %H:%M} UTC by {earlier_by}")
        table = {"consent": "consent", "requests": "request_versions", "policies": "policy_versions_uploaded"}[kind]
        connection.execute("BEGIN TRANSACTION")
        try:
            if kind == "consent":
                summaries.consent_upload_removing(connection, upload_id)
            # The table name is one of three fixed names chosen above, never user text.
            removed = connection.execute(
                f"DELETE FROM {table} WHERE upload_id = $id", {"id": upload_id}
            ).fetchone()[0]
            if kind == "requests":
                summaries.refresh_requests(connection)
            elif kind == "policies":
                summaries.refresh_policies(connection)
            connection.execute("DELETE FROM rejected_rows WHERE upload_id = $id", {"id": upload_id})
            if is_sample:
                connection.execute("DELETE FROM uploads WHERE upload_id = $id", {"id": upload_id})
            else:
                connection.execute(
                    "UPDATE uploads SET removed_by = $by, removed_at = $at WHERE upload_id = $id",
                    {"id": upload_id, "by": removed_by or local_user(), "at": datetime.now(UTC).replace(tzinfo=None)},
                )
            bump_store_version(connection)
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    return RemovedUpload(upload_id, file_name, kind, int(removed))


def sample_upload_ids(connection) -> list[int]:
    """The uploads that hold the bundled sample data (none once real data has been loaded)."""
    cursor = connection.cursor()  # sessions run on threads of their own: never the shared connection itself
    try:
        return [row[0] for row in cursor.execute(
            "SELECT upload_id FROM uploads WHERE is_sample ORDER BY upload_id").fetchall()]
    finally:
        cursor.close()


def remove_sample(connection) -> int:
    """Remove every sample upload; the number removed."""
    removed = sample_upload_ids(connection)
    for upload_id in removed:
        remove_upload(connection, upload_id)
    return len(removed)


@dataclass(frozen=True)
class SavedMapping:
    """A column mapping an analyst saved: for a kind of export, canonical column -> the file's column."""

    name: str
    kind: str
    header: tuple[str, ...]
    columns: dict[str, str]


def save_mapping(connection, name: str, kind: str, header: list[str], columns: dict[str, str]) -> SavedMapping:
    """Save (or replace) a mapping under a name; files with the same header will be offered it."""
    name = name.strip()
    if not name:
        raise StoreError("a saved mapping needs a name")
    folded = [fold_header(column) for column in header]
    connection.execute(
        "INSERT OR REPLACE INTO saved_mappings VALUES ($name, $kind, $header, $columns, now()::TIMESTAMP)",
        {"name": name, "kind": kind, "header": folded, "columns": json.dumps(columns, sort_keys=True)},
    )
    return SavedMapping(name, kind, tuple(folded), dict(columns))


def _saved(row) -> SavedMapping:
    return SavedMapping(row[0], row[1], tuple(row[2]), json.loads(row[3]))


def saved_mapping(connection, name: str) -> SavedMapping | None:
    row = connection.execute(
        "SELECT name, kind, header, columns FROM saved_mappings WHERE name = $name", {"name": name.strip()}
    ).fetchall()
    return _saved(row[0]) if row else None


def mapping_for_header(connection, kind: str, header: list[str]) -> SavedMapping | None:
    """The saved mapping made for a file with this very header (same columns, same order), if any."""
    row = connection.execute(
        "SELECT name, kind, header, columns FROM saved_mappings WHERE kind = $kind AND header = $header "
        "ORDER BY saved_at DESC LIMIT 1",
        {"kind": kind, "header": [fold_header(column) for column in header]},
    ).fetchall()
    return _saved(row[0]) if row else None


def list_uploads(connection):
    """The upload history, newest first, as a DataFrame."""
    return run_query(connection, "uploads")


def rejected_rows(connection, upload_id: int):
    """Every rejected row of one upload with its line, column, value and reason."""
    return run_query(connection, "rejected_rows", {"upload_id": upload_id})
