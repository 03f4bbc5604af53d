"""The local store: where it lives, its schema and reference data, its upload history and undo."""

from __future__ import annotations

import csv
import getpass
import hashlib
import json
import os
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dashboard import audit, profiles, pseudonyms, summaries
from dashboard.confinement import clear_leftovers, confine, folder_of
from dashboard.formats import fold_header
from dashboard.queries import QUERIES_DIR, query_text, run_query

PROJECT_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = PROJECT_DIR / "data"
DEFAULT_STORE = DATA_DIR / "privacy.duckdb"
STORE_ENV = "PRIVACY_DASHBOARD_DB"

# Version of the tables' layout (queries/schema.sql). A store written by an older version is migrated on open
# (queries/migrations.sql); one written by a newer version is refused rather than misread.
SCHEMA_VERSION = 10

# One writer at a time in this process. Every page session runs on its own thread; DuckDB's optimistic
# transactions would fail one of two uploads landing at once with a conflict (both bump the store's
# version), so the writing part of an upload or undo waits for the other instead.
WRITE_LOCK = threading.RLock()

# Macros and views are code, not data: they are redefined whenever their SQL changes.
DEFINITION_FILES = ("macros.sql", "views.sql", "measures.sql")

# Which uploads brought a row. A row's own upload_id names the first upload still in the store that
# brought it; a holders table lists every other one (a later export that held the same row, loaded as
# a duplicate), so that undoing the first leaves the row to them. Consent rows are named by event_id.
CONSENT_HOLDERS = "consent_holders"
# The kinds whose stored rows are versions (every change an upload brought is kept, the newest shows):
# the table, the columns naming a row, the columns whose values make a version, and the holders table,
# where an upload that brought the version already shown is listed with that version's fingerprint.
# A key's versions are the runs of its holders in upload order: each row is the first upload of a run
# of uploads that brought the same values.
VERSIONED = {
    "requests": ("request_versions", ("request_id", "request_type"),
                 ("received_at", "status", "closed_at", "subject_id", "jurisdiction", "extended", "channel",
                  "denial_reason"),
                 "request_holders"),
    "policies": ("policy_versions_uploaded", ("policy_version",), ("effective_date", "title", "url"),
                 "policy_holders"),
}
HOLDER_TABLES = (CONSENT_HOLDERS, "request_holders", "policy_holders")


def version_fingerprint(values: tuple[str, ...], alias: str) -> str:
    """SQL of a version's fingerprint (macros.sql, version_fingerprint). Only fixed column names go in."""
    return "version_fingerprint([" + ", ".join(f"{alias}.{value}::VARCHAR" for value in values) + "])"


# The event id a consent row without one gets (queries/ingest_consent.sql), over a subject written here
# as a placeholder: the migration to pseudonyms derives such ids again from the new subject.
DERIVED_EVENT_ID = ("'d_' || left(sha256(concat_ws('|', {subject}, strftime(occurred_at, '%Y-%m-%dT%H:%M:%S.%f'), "
                    "purpose, decision, policy_version)), 32)")


class StoreError(Exception):
    """A problem with the store that a user can act on; its text is the whole message."""


class NoSuchUpload(StoreError):
    """An upload id the store has never had."""


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
        profiles.register_functions(connection)
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
    """Bring a store written by an older version to this one's tables (a new store: make them).

    The tables are defined in queries/schema.sql alone; queries/migrations.sql adds the columns an older
    store's tables lack. What is decided here is which of them run, and the steps that change rows.
    """
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
    if version > 0:
        # The columns later versions added to the tables this store has; then every table it lacks.
        connection.execute(query_text("migrations"))
    connection.execute(query_text("schema"))
    if version < 4:
        # The summaries every page reads (summaries.py) are computed once, when the definitions that compute
        # them are in place; a store made just now has no rows to summarise.
        _set_meta(connection, "summaries_stale", "1" if version > 0 else "0")
    if 0 < version < 7:
        # Every subject a pseudonym, a customer number as much as an e-mail address.
        _pseudonymise_subjects(connection)
    if 0 < version < 9:
        # A request's version names its denial reason too: the holders name theirs by the new fingerprint.
        _refingerprint_request_holders(connection)
    _set_meta(connection, "schema_version", str(SCHEMA_VERSION))
    if _meta(connection, "store_version") is None:
        _set_meta(connection, "store_version", "0")
    connection.execute("COMMIT")


def _pseudonymise_subjects(connection) -> None:
    """Schema 7, inside the migration's transaction: every subject is a pseudonym.

    Before, only a subject that looked like an e-mail address or phone number was made one; a customer
    number or device id was kept as written. Each such value becomes the pseudonym of its trimmed text,
    as a load makes it now, so the same number loaded before and after is one person. (pseudonym() is
    registered on the connection before the store is migrated.) An event id derived from such a subject
    is derived again from the pseudonym, so that loading the same export again still finds the event.
    """
    connection.execute(
        """
        CREATE OR REPLACE TEMP TABLE subject_pseudonyms AS
        SELECT spelled, pseudonym(trim(spelled)) AS pseudonym
        FROM (SELECT subject_id AS spelled FROM consent UNION SELECT subject_id FROM request_versions)
        WHERE spelled IS NOT NULL AND NOT regexp_full_match(spelled, 'p_[0-9a-f]{32}')
        """
    )
    try:
        if not connection.execute("SELECT count(*) FROM subject_pseudonyms").fetchall()[0][0]:
            return
        # Spellings of one person that were two subjects until now (`C-1001` and `c-1001`): the state
        # summaries, which follow each subject, are computed again once the definitions are in place.
        spellings, people = connection.execute(
            "SELECT count(*), count(DISTINCT pseudonym) FROM subject_pseudonyms "
            "WHERE spelled IN (SELECT subject_id FROM consent)"
        ).fetchall()[0]
        old_id, new_id = (DERIVED_EVENT_ID.format(subject=subject)
                          for subject in ("consent.subject_id", "subject_pseudonyms.pseudonym"))
        connection.execute(
            f"""
            UPDATE consent
            SET subject_id = subject_pseudonyms.pseudonym,
                event_id = CASE WHEN starts_with(consent.event_id, 'd_') AND consent.event_id = {old_id}
                                THEN {new_id} ELSE consent.event_id END
            FROM subject_pseudonyms
            WHERE consent.subject_id = subject_pseudonyms.spelled
            """
        )
        for table in ("request_versions", "request_fact_rows"):
            # Two fixed names: the versions, and the copy of the current ones the request figures read.
            connection.execute(
                f"UPDATE {table} SET subject_id = subject_pseudonyms.pseudonym FROM subject_pseudonyms "
                f"WHERE {table}.subject_id = subject_pseudonyms.spelled"
            )
        if people < spellings:
            _merge_repeated_events(connection)
            _set_meta(connection, "summaries_stale", "1")
    finally:
        connection.execute("DROP TABLE subject_pseudonyms")


def _refingerprint_request_holders(connection) -> None:
    """Schema 9, inside the migration's transaction: a request version's fingerprint is over its values with the
    denial reason last (VERSIONED), so each holder's fingerprint of the version it brought, made over the values
    without it, is made again. Every stored version had no denial reason. Written out, not the macro
    version_fingerprint, which a store older than version 7 lacks."""
    table, _keys, values, holders = VERSIONED["requests"]
    before = [value for value in values if value != "denial_reason"]

    def fingerprint(columns: list[str]) -> str:
        return "md5(to_json([" + ", ".join(f"{column}::VARCHAR" for column in columns) + "])::VARCHAR)"

    # Fixed names only: the table, holders and value columns of VERSIONED.
    connection.execute(
        f"""
        UPDATE {holders} SET version = renamed.new_version
        FROM (SELECT DISTINCT request_id, request_type, {fingerprint(before)} AS old_version,
                     {fingerprint(list(values))} AS new_version
              FROM {table}) AS renamed
        WHERE {holders}.request_id = renamed.request_id AND {holders}.request_type = renamed.request_type
          AND {holders}.version = renamed.old_version
        """
    )


def _merge_repeated_events(connection) -> None:
    """One decision that two spellings of a subject had stored twice (its id derived from each) is kept
    once, by the first upload that brought it; the other uploads hold it too."""
    connection.execute(
        """
        CREATE OR REPLACE TEMP TABLE repeated_events AS
        SELECT event_id, min(upload_id) AS first_upload, list(DISTINCT upload_id) AS uploads
        FROM consent GROUP BY event_id HAVING count(*) > 1
        """
    )
    connection.execute(
        """
        DELETE FROM consent WHERE rowid IN (
            SELECT consent.rowid FROM consent JOIN repeated_events USING (event_id)
            QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY consent.upload_id, consent.rowid) > 1)
        """
    )
    connection.execute(
        f"""
        INSERT INTO {CONSENT_HOLDERS}
        SELECT event_id, holder FROM (SELECT event_id, first_upload, unnest(uploads) AS holder FROM repeated_events)
        WHERE holder <> first_upload
        """
    )
    connection.execute("DROP TABLE repeated_events")


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
    """When the program's SQL changed since the store was last opened: the tables it lacks (schema.sql), then
    the macros and views."""
    sources = [(QUERIES_DIR / name).read_text(encoding="utf-8") for name in ("schema.sql", *DEFINITION_FILES)]
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


def _denial_words() -> tuple[str, list[tuple[str, str]]] | None:
    """The words file's denial-reason phrases (profiles.denial_reason_words) and their hash; None when the file
    cannot be read: the phrases stored stay, and the next load names the mistake (profiles.user_words)."""
    try:
        phrases = profiles.denial_reason_words()
    except (profiles.ProfileError, OSError):
        return None
    return hashlib.sha256(json.dumps(phrases).encode()).hexdigest(), phrases


def refresh_denial_words(cursor, words=None) -> bool:
    """Inside the caller's transaction: the denial-reason phrases of the words file (or `words`, _denial_words'
    reading of it) into the store when they changed since they were last read; whether they did. The caller then
    refreshes the request facts, whose denial_category they decide (summaries.refresh_requests)."""
    words = words if words is not None else _denial_words()
    if words is None or _meta(cursor, "denial_words_sha256") == words[0]:
        return False
    cursor.execute("DELETE FROM denial_reason_words")
    if words[1]:
        cursor.executemany("INSERT INTO denial_reason_words VALUES ($category, $phrase, $position)",
                           [{"category": category, "phrase": phrase, "position": position}
                            for position, (category, phrase) in enumerate(words[1], start=1)])
    _set_meta(cursor, "denial_words_sha256", words[0])
    return True


def _refresh_reference_data(connection) -> None:
    """Load the editable catalogue files (purposes, deadlines, services) and the words file's denial-reason phrases
    when they changed since last time."""
    purposes_sha, purposes = _read_reference(DATA_DIR / "purposes.csv")
    deadlines_sha, deadlines = _read_reference(DATA_DIR / "deadlines.csv")
    services_sha, services = _read_reference(DATA_DIR / "service_purposes.csv")
    stored = tuple(_meta(connection, f"{name}_sha256") for name in ("purposes", "deadlines", "services"))
    words = _denial_words()
    words_changed = words is not None and _meta(connection, "denial_words_sha256") != words[0]
    if stored == (purposes_sha, deadlines_sha, services_sha) and not words_changed:
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
    refresh_denial_words(connection, words)
    has_requests = connection.execute("SELECT EXISTS (SELECT 1 FROM request_versions)").fetchall()[0][0]
    if (stored[1] != deadlines_sha or words_changed) and has_requests:
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
    rows_removed: int  # rows (for requests and policies, versions) it brought that no other upload holds
    rows_staying: int  # rows it brought that stay because another upload still in the store holds them


def local_user() -> str:
    """The account running this program: who an upload or undo is recorded as without sign-in."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


# The uploads still in the store other than the one being undone (a holder of an upload that is gone,
# such as a sample dropped by the first real upload, holds nothing).
_OTHER_LIVE = "SELECT upload_id FROM uploads WHERE removed_at IS NULL AND upload_id <> $id"


def removal_preview(connection, upload_id: int) -> tuple[int, int]:
    """What undoing an upload would do: (rows that go, rows that stay because another upload holds them).

    For the confirmation: "N rows will go; M stay because another upload holds them". For requests and
    policies a row is a version: a request's status as the upload brought it.
    """
    cursor = connection.cursor()  # page sessions run on threads of their own: never the shared connection itself
    try:
        row = cursor.execute("SELECT kind FROM uploads WHERE upload_id = $id", {"id": upload_id}).fetchall()
        if not row:
            raise NoSuchUpload(f"upload {upload_id}: no such upload (see ‘python -m dashboard uploads’)")
        return _going_and_staying(cursor, row[0][0], upload_id)
    finally:
        cursor.close()


def _going_and_staying(cursor, kind: str, upload_id: int) -> tuple[int, int]:
    if kind == "consent":
        # Rows it brought first, kept when another upload still in the store brought them too; rows another
        # upload brought first (it loaded them as duplicates) stay with that upload.
        query = f"""
            WITH others AS ({_OTHER_LIVE}),
            held AS (
                SELECT EXISTS (SELECT 1 FROM {CONSENT_HOLDERS} AS holder
                               WHERE holder.event_id = consent.event_id
                                 AND holder.upload_id IN (SELECT upload_id FROM others)) AS kept
                FROM consent WHERE upload_id = $id
                UNION ALL
                SELECT TRUE FROM {CONSENT_HOLDERS} AS holder
                WHERE holder.upload_id = $id
                  AND EXISTS (SELECT 1 FROM consent WHERE consent.event_id = holder.event_id)
            )
            SELECT count(*) FILTER (NOT kept), count(*) FILTER (kept) FROM held
        """
    else:
        query = f"""
            WITH {_holdings_sql(kind)},
            mine AS (SELECT * FROM holdings WHERE upload_id = $id)
            SELECT count(*) FILTER (NOT kept), count(*) FILTER (kept)
            FROM (SELECT EXISTS (SELECT 1 FROM holdings AS other
                                 WHERE {_same_key(kind, "other", "mine")} AND other.version = mine.version
                                   AND other.upload_id <> $id) AS kept
                  FROM mine)
        """
    # Fixed text only: table and column names from this module; the upload id is bound.
    going, staying = cursor.execute(query, {"id": upload_id}).fetchall()[0]
    return int(going), int(staying)


def _same_key(kind: str, left: str, right: str) -> str:
    return " AND ".join(f"{left}.{key} = {right}.{key}" for key in VERSIONED[kind][1])


def _holdings_sql(kind: str) -> str:
    """CTEs `touched` (the keys an upload $id holds) and `holdings` (each holder of those keys still in the
    store, $id included, with the version it brought): from the rows, whose upload_id is a holder, and the
    holders table."""
    table, keys, values, holders = VERSIONED[kind]
    key_list = ", ".join(keys)
    return f"""
        touched AS (SELECT DISTINCT {key_list} FROM (
            SELECT {key_list} FROM {table} WHERE upload_id = $id
            UNION ALL SELECT {key_list} FROM {holders} WHERE upload_id = $id)),
        holdings AS (
            SELECT {", ".join(f"stored.{key}" for key in keys)}, {version_fingerprint(values, "stored")} AS version,
                   stored.upload_id
            FROM {table} AS stored JOIN touched USING ({key_list})
            UNION ALL
            SELECT {", ".join(f"holder.{key}" for key in keys)}, holder.version, holder.upload_id
            FROM {holders} AS holder JOIN touched USING ({key_list})
            WHERE holder.upload_id = $id OR holder.upload_id IN ({_OTHER_LIVE}))"""


def _remove_consent(cursor, upload_id: int) -> None:
    """Inside the undo's transaction: its consent rows go, but one another upload still holds passes to
    the first such upload, which is no longer listed as a holder besides."""
    cursor.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE successors AS
        SELECT holder.event_id, min(holder.upload_id) AS upload_id
        FROM {CONSENT_HOLDERS} AS holder
        WHERE holder.upload_id IN ({_OTHER_LIVE})
          AND holder.event_id IN (SELECT event_id FROM consent WHERE upload_id = $id)
        GROUP BY holder.event_id
        """,
        {"id": upload_id},
    )
    cursor.execute(
        "UPDATE consent SET upload_id = successors.upload_id FROM successors "
        "WHERE consent.upload_id = $id AND consent.event_id = successors.event_id",
        {"id": upload_id},
    )
    cursor.execute(
        f"DELETE FROM {CONSENT_HOLDERS} USING successors "
        f"WHERE {CONSENT_HOLDERS}.event_id = successors.event_id AND {CONSENT_HOLDERS}.upload_id = successors.upload_id"
    )
    cursor.execute("DROP TABLE successors")
    # What is left under its id is exactly what goes: the summaries take those rows away.
    summaries.consent_upload_removing(cursor, upload_id)
    cursor.execute("DELETE FROM consent WHERE upload_id = $id", {"id": upload_id})
    cursor.execute(f"DELETE FROM {CONSENT_HOLDERS} WHERE upload_id = $id", {"id": upload_id})


def _remove_versions(cursor, kind: str, upload_id: int) -> None:
    """Inside the undo's transaction: the versions of every key the upload held are made again from the
    holders that remain, in upload order. Each run of uploads that brought the same values is one row,
    under the run's first upload; the others in the run are its holders. A version only this upload
    brought goes, and the key shows the version before it again."""
    table, keys, values, holders = VERSIONED[kind]
    key_list = ", ".join(keys)
    cursor.execute(f"CREATE OR REPLACE TEMP TABLE remaining_holdings AS WITH {_holdings_sql(kind)} "
                   "SELECT * FROM holdings WHERE upload_id <> $id", {"id": upload_id})
    # The values of every version of those keys, this upload's still among them.
    cursor.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE version_values AS
        SELECT * FROM (
            SELECT {key_list}, {version_fingerprint(values, "stored")} AS version, {", ".join(values)}, line, upload_id
            FROM {table} AS stored
            WHERE ({key_list}) IN (SELECT ({key_list}) FROM remaining_holdings))
        QUALIFY row_number() OVER (PARTITION BY {key_list}, version ORDER BY upload_id) = 1
        """
    )
    cursor.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE runs AS
        SELECT *, lag(version) OVER (PARTITION BY {key_list} ORDER BY upload_id) IS DISTINCT FROM version AS starts
        FROM remaining_holdings
        """
    )
    cursor.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE touched_keys AS
        SELECT {key_list} FROM {table} WHERE upload_id = $id UNION SELECT {key_list} FROM {holders} WHERE upload_id = $id
        """,
        {"id": upload_id},
    )
    for stored in (table, holders):
        cursor.execute(f"DELETE FROM {stored} WHERE ({key_list}) IN (SELECT ({key_list}) FROM touched_keys)")
    cursor.execute(
        f"""
        INSERT INTO {table} BY NAME
        SELECT runs.upload_id, version_values.* EXCLUDE (version, upload_id)
        FROM runs JOIN version_values USING ({key_list}, version)
        WHERE runs.starts
        """
    )
    cursor.execute(f"INSERT INTO {holders} BY NAME SELECT {key_list}, version, upload_id FROM runs WHERE NOT starts")
    cursor.execute("DROP TABLE touched_keys")
    cursor.execute("DROP TABLE runs")
    cursor.execute("DROP TABLE version_values")
    cursor.execute("DROP TABLE remaining_holdings")


def remove_upload(connection, upload_id: int, *, removed_by: str | None = None) -> RemovedUpload:
    """Undo one upload: the rows only it brought go, and any request or policy it had updated shows its
    earlier state. A row another upload still in the store brought too stays, now held by that upload.

    The upload stays in the history, marked with who removed it and when; the bundled sample, which
    nobody uploaded, leaves the history with its rows.
    """
    started = time.monotonic()
    # The check and the removal under one lock: two undos of one upload cannot both pass the check.
    with WRITE_LOCK:
        row = connection.execute(
            "SELECT file_name, kind, is_sample, removed_by, removed_at FROM uploads WHERE upload_id = $id",
            {"id": upload_id},
        ).fetchone()
        if row is None:
            raise NoSuchUpload(f"upload {upload_id}: no such upload (see ‘python -m dashboard uploads’)")
        file_name, kind, is_sample, earlier_by, earlier_at = row
        if earlier_at is not None:
            raise StoreError(f"upload {upload_id}: already removed, on {earlier_at:%Y-%m-%d %H:%M} UTC by {earlier_by}")
        connection.execute("BEGIN TRANSACTION")
        try:
            going, staying = _going_and_staying(connection, kind, upload_id)
            if kind == "consent":
                _remove_consent(connection, upload_id)
            else:
                _remove_versions(connection, kind, upload_id)
                if kind == "requests":
                    summaries.refresh_requests(connection)
                else:
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
    audit.record("undo", who=removed_by or local_user(), upload_id=upload_id, kind=kind, file=file_name,
                 rows_removed=going, rows_staying=staying, ms=round((time.monotonic() - started) * 1000))
    return RemovedUpload(upload_id, file_name, kind, going, staying)


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


def set_aside_rows(connection, upload_id: int):
    """The rows of one upload its profile set aside: line and reason, in file order."""
    return run_query(connection, "set_aside_rows", {"upload_id": upload_id})


def set_aside_reasons(connection, upload_id: int | None = None) -> dict[int, list[tuple[str, int, int]]]:
    """Per upload (every one, or the one named): (reason, rows, first line) of its set-aside rows, most first."""
    by_upload: dict[int, list[tuple[str, int, int]]] = {}
    for row in run_query(connection, "set_aside_reasons", {"upload_id": upload_id}).itertuples(index=False):
        by_upload.setdefault(int(row.upload_id), []).append((row.reason, int(row.rows), int(row.first_line)))
    return by_upload
