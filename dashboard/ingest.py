"""Loading one export into the store: read by DuckDB, normalised in SQL, landed whole or not at all."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from dashboard import labels, reading, summaries
from dashboard.confinement import private_folder, readable_copy
from dashboard.formats import CANONICAL_COLUMNS, KINDS, TIMESTAMP_COLUMNS, map_columns
from dashboard.formatting import count as count_text
from dashboard.formatting import plural
from dashboard.identities import mask, mask_file_name
from dashboard.profiles import CompiledProfile
from dashboard.queries import query_text
from dashboard.reading import OpenedExport, UnusableFile, open_export
from dashboard.records import has_rows, numbered_records, read_raw
from dashboard.store import (
    CONSENT_HOLDERS,
    HOLDER_TABLES,
    VERSIONED,
    WRITE_LOCK,
    bump_store_version,
    local_user,
    version_fingerprint,
)
from dashboard.vocabulary import vocabulary_rows

DATE_ORDERS = ("mdy", "dmy")
DATE_ORDER_WORDS = {"mdy": "month-first", "dmy": "day-first"}
# How many examples a warning names before it says "and N more".
EXAMPLES = 5

__all__ = ["DATE_ORDERS", "UnusableFile", "UploadReport", "ingest_file"]


@dataclass
class UploadReport:
    """What one file did to the store: the counts of the command line's JSON line, and warnings."""

    file: str
    kind: str
    format: str
    upload_id: str
    rows_read: int
    rows_loaded: int
    rows_duplicate: int
    rows_rejected: int
    warnings: list[str] = field(default_factory=list)
    # Rows a profile sets aside (test requests, say): neither loaded nor rejected, each with its reason.
    rows_set_aside: int = 0
    set_aside: list[tuple[str, int]] = field(default_factory=list)
    # Consent rows that were the same choice as another row of the file once their services were folded
    # into one purpose (Usercentrics' Google Ads and YouTube at one click, both marketing): one decision.
    rows_folded: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def ingest_file(
    connection: duckdb.DuckDBPyConnection,
    kind: str,
    path: str | Path,
    *,
    format: str = "auto",
    date_order: str = "mdy",
    mapping: dict[str, str] | None = None,
    loaded_by: str | None = None,
    display_name: str | None = None,
    sample: bool = False,
    confirm: bool = False,
) -> UploadReport:
    """Load one export file of `kind` into the store and say what happened.

    Raises UnusableFile (one line: the file and the problem) when the file cannot be used at all;
    the store is then exactly as it was. `sample` marks the bundled sample data; the first real
    upload removes the sample in the same transaction, so sample and real figures never mix.

    The file is named by its masked name everywhere (the upload history, the report, every message):
    an export saved as `jane.doe@example.com.csv` is `[e-mail address].csv` (identities.py).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if date_order not in DATE_ORDERS:
        raise ValueError(f"unknown date order {date_order!r}; expected mdy or dmy")
    try:
        opened = open_export(Path(path), mask_file_name(display_name or Path(path).name),
                             work_dir=private_folder(connection))
        try:
            columns = _columns_of(opened, kind, format, mapping)
            cursor = connection.cursor()
            try:
                return _ingest(cursor, opened, columns, date_order, loaded_by, sample, confirm)
            finally:
                cursor.close()
        finally:
            opened.cleanup()
    except UnusableFile as error:
        # A refusal may quote the file's first line or its header ("found: ..."), which can be a row of
        # data naming a person: the message is masked like every other text that is shown.
        raise type(error)(mask(str(error)), header=error.header) from None


def _columns_of(opened: OpenedExport, kind: str, format: str, mapping) -> CompiledProfile:
    """The profile the file is read with; a refusal here carries the header, for a mapping to start from."""
    try:
        return map_columns(opened.name, kind, opened.header, format=format, overrides=mapping)
    except UnusableFile as error:
        raise UnusableFile(str(error), header=opened.header) from None


# The most rows one file may bring (the store itself has no limit): a bound on the memory one load takes.
# Set in reading.py, whose first pass over a file already refuses one with more lines than that.
MAX_ROWS = reading.MAX_ROWS


class MappingLooksWrong(UnusableFile):
    """A mapping whose purposes or request types look like something else; loading it needs `confirm`."""


# A mapping "looks wrong" when at least this share of the rows' purposes (or request types) is JSON text, a list,
# a yes/no flag or a person's identity...
SUSPICIOUS_SHARE = 0.2
# A file of fewer rows with a value is not judged: a stray value there is a rejected row or a new purpose,
# both listed in the report.
JUDGED_FROM = 5
# ...or when it would create at least this many new purposes (or unknown types), most of them on fewer than
# RARE_ROWS rows each: a column of ids or free text mapped as the purpose.
MANY_NEW = 10
RARE_ROWS = 3


def _mapping_looks_wrong(cursor, kind: str) -> str | None:
    """One line saying why the purposes (consent) or request types (requests) look mis-mapped, or None."""
    if kind == "policies":
        return None
    column, noun = ("purpose", "purposes") if kind == "consent" else ("request_type", "request types")
    # The text as the file spelled it, kept by the normalising query (names from the two fixed choices).
    spelled_as = "purpose_text" if kind == "consent" else "type_text"
    total, json_rows, list_rows, flag_rows, identity_rows = cursor.execute(
        rf"""
        WITH spelled AS (SELECT {spelled_as} AS text, count(*) AS rows FROM staged
                         WHERE {spelled_as} IS NOT NULL GROUP BY ALL),
        -- The words a profile, the service map or the vocabulary names are meant, whatever they look like.
        named AS (SELECT word FROM profile_purposes UNION SELECT fold_key(service_id) FROM service_purposes
                  UNION SELECT word FROM vocabulary WHERE field = 'request_type'),
        known AS (SELECT fold_purpose(label) AS folded FROM purposes UNION SELECT purpose FROM purposes)
        SELECT coalesce(sum(rows), 0),
               coalesce(sum(rows) FILTER (WHERE left(text, 1) IN ('{{', '[')), 0),
               coalesce(sum(rows) FILTER (WHERE left(text, 1) NOT IN ('{{', '[')
                   AND len(list_filter(regexp_split_to_array(text, '\s*[,;|]\s*'), lambda part: part <> '')) >= 2
                   AND fold_purpose(text) NOT IN (SELECT folded FROM known WHERE folded IS NOT NULL)), 0),
               coalesce(sum(rows) FILTER (WHERE fold_key(text) IN (
                   SELECT word FROM vocabulary WHERE field IN ('boolean', 'decision'))), 0),
               coalesce(sum(rows) FILTER (WHERE holds_identifier(text)), 0)
        FROM spelled
        WHERE fold_key(text) NOT IN (SELECT word FROM named WHERE word IS NOT NULL)
        """
    ).fetchall()[0]
    for rows, what in ((json_rows, "JSON text"), (list_rows, "lists of several values"),
                       (flag_rows, "yes/no or opt-in/opt-out flags"), (identity_rows, "e-mail addresses or phone numbers")):
        if total >= JUDGED_FROM and rows / total >= SUSPICIOUS_SHARE:
            return (f"the {noun} of {rows:,} of {total:,} rows are {what}, not {noun}: check which column is mapped "
                    f"to ‘{column}’, or load it anyway on purpose (Load anyway; --confirm)")
    new_values = (
        "SELECT purpose AS value, count(*) AS rows FROM staged WHERE reject_reason IS NULL AND purpose_is_new GROUP BY ALL"
        if kind == "consent" else
        "SELECT unknown_type AS value, count(*) AS rows FROM staged_rows WHERE unknown_type IS NOT NULL GROUP BY ALL"
    )
    new, rare = cursor.execute(
        f"SELECT count(*), count(*) FILTER (WHERE rows < {RARE_ROWS}) FROM ({new_values})").fetchall()[0]
    if new >= MANY_NEW and rare >= 0.8 * new:
        return (f"the mapping would create {new:,} new {noun}, {rare:,} of them on fewer than {RARE_ROWS} rows each: "
                f"check which column is mapped to ‘{column}’, or load it anyway on purpose (Load anyway; --confirm)")
    return None


@dataclass
class Staged:
    """A file read and normalised into temp tables (`staged`, and `staged_rows` for requests), not yet stored."""

    rows_read: int
    rows_rejected: int
    date_orders: dict[str, str]
    warnings: list[str]
    set_aside: list[tuple[str, int]] = field(default_factory=list)
    # Per date column: how many slash dates had a first field over 12, a second over 12, or neither.
    date_evidence: dict[str, tuple[int, int, int]] = field(default_factory=dict)

    @property
    def rows_set_aside(self) -> int:
        return sum(count for _reason, count in self.set_aside)


def _stage(cursor, opened: OpenedExport, columns: CompiledProfile, date_order: str, confirm: bool = False) -> Staged:
    """Read, map and normalise a file in the cursor's temp tables: the one path of loading and previewing."""
    kind = columns.kind
    # The store's connection reads only its private folder and the files it was opened for (store.py).
    copy = readable_copy(cursor, opened.read_path)
    if copy is not None:
        opened.temporary.append(copy)
        opened.read_path = copy
    cursor.execute("CREATE OR REPLACE TEMP TABLE vocabulary (field VARCHAR, word VARCHAR, canonical VARCHAR)")
    cursor.executemany("INSERT INTO vocabulary VALUES (?, ?, ?)", vocabulary_rows(columns.words))
    # A profile's (and the words file's) names for purposes: a vendor's category or service id.
    cursor.execute("CREATE OR REPLACE TEMP TABLE profile_purposes (word VARCHAR, purpose VARCHAR)")
    purposes = columns.words.get("purpose", {})
    if purposes:
        cursor.executemany("INSERT INTO profile_purposes VALUES (?, ?)", sorted(purposes.items()))

    read_raw(cursor, opened)
    records = cursor.execute("SELECT count(*) FROM raw").fetchone()[0]
    if records > MAX_ROWS:
        raise UnusableFile(f"{opened.name}: has {records:,} rows; at most {MAX_ROWS:,} are loaded from one file: "
                           "split it and load the parts")
    _map_raw(cursor, columns, opened)
    set_aside = _set_aside(cursor, columns)
    warnings = _header_warnings(opened, columns) + _note_warnings(cursor, columns)
    orders, order_warnings, evidence = _decide_date_orders(cursor, kind, date_order)
    warnings += order_warnings
    for column, order in orders.items():
        # Column names from the fixed TIMESTAMP_COLUMNS; the order is bound. The ingest queries read
        # them with getvariable(), which lets them run as several statements.
        cursor.execute(f"SET VARIABLE {column}_order = $order", {"order": order})
    cursor.execute(query_text(f"ingest_{kind}"))
    if kind == "requests":
        cursor.execute(query_text("ingest_request_types"))
    if not confirm:
        problem = _mapping_looks_wrong(cursor, kind)
        if problem:
            raise MappingLooksWrong(f"{opened.name}: {problem}", header=opened.header)
    # Every record is in `staged` now: the text copy goes, so a big file is held in memory once.
    cursor.execute("DROP VIEW mapped")
    cursor.execute("DROP VIEW mapped_all")
    cursor.execute("DROP TABLE raw")

    malformed = cursor.execute("SELECT count(*) FROM malformed_records").fetchone()[0]
    parsed, bad = cursor.execute(
        "SELECT count(*), count(*) FILTER (WHERE reject_reason IS NOT NULL) FROM staged"
    ).fetchone()
    staged = Staged(parsed + malformed, bad + malformed, orders, warnings, set_aside, evidence)
    staged.rows_read += staged.rows_set_aside
    return staged


def _ingest(cursor, opened: OpenedExport, columns: CompiledProfile, date_order: str, loaded_by, sample: bool,
            confirm: bool):
    kind = columns.kind
    staged = _stage(cursor, opened, columns, date_order, confirm)
    rows_read, rows_rejected, warnings = staged.rows_read, staged.rows_rejected, staged.warnings
    if rows_read == 0:
        warnings.append("the file has a header but no rows")
    elif rows_rejected == rows_read:
        every = "its one row was" if rows_read == 1 else f"every one of its {count_text(rows_read)} rows was"
        raise UnusableFile(f"{opened.name}: {every} rejected; first: {_first_reject(cursor)}")
    warnings += _value_warnings(cursor, kind)
    # Reading and normalising ran alongside other sessions; writing waits for any other upload or undo.
    with WRITE_LOCK:
        cursor.execute("BEGIN TRANSACTION")
        try:
            if not sample and _drop_sample(cursor):
                warnings.append("the sample data was removed: the figures now show your data only")
            upload_id = cursor.execute("SELECT nextval('upload_ids')").fetchone()[0]
            loaded, duplicate = _write_rows(cursor, kind, upload_id)
            folded = _folded_rows(cursor) if kind == "consent" else 0
            duplicate -= folded
            if folded:
                warnings.append(f"{folded:,} {'row was' if folded == 1 else 'rows were'} the same choice as another "
                                "service of the same purpose at the same moment (services folded into one purpose): "
                                "kept as one decision, not counted as duplicates")
            _record_rejects(cursor, upload_id)
            cursor.execute(
                """
                INSERT INTO uploads (upload_id, file_name, sha256, kind, format, date_order, rows_read, rows_loaded,
                    rows_duplicate, rows_rejected, warnings, loaded_by, loaded_at, is_sample, rows_set_aside,
                    rows_folded)
                VALUES ($upload_id, $file_name, $sha256, $kind, $format, $date_order, $rows_read, $rows_loaded,
                    $rows_duplicate, $rows_rejected, $warnings, $loaded_by, $loaded_at, $is_sample, $rows_set_aside,
                    $rows_folded)
                """,
                {
                    "upload_id": upload_id,
                    "file_name": opened.name,
                    "sha256": opened.sha256,
                    "kind": kind,
                    "format": columns.format,
                    "date_order": date_order,
                    "rows_read": rows_read,
                    "rows_loaded": loaded,
                    "rows_duplicate": duplicate,
                    "rows_rejected": rows_rejected,
                    "warnings": warnings,
                    "loaded_by": loaded_by or local_user(),
                    "loaded_at": datetime.now(UTC).replace(tzinfo=None),
                    "is_sample": sample,
                    "rows_set_aside": staged.rows_set_aside,
                    "rows_folded": folded,
                },
            )
            bump_store_version(cursor)
            cursor.execute("COMMIT")
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
    return UploadReport(
        file=opened.name,
        kind=kind,
        format=columns.format,
        upload_id=str(upload_id),
        rows_read=rows_read,
        rows_loaded=loaded,
        rows_duplicate=duplicate,
        rows_rejected=rows_rejected,
        warnings=warnings,
        rows_set_aside=staged.rows_set_aside,
        set_aside=staged.set_aside,
        rows_folded=folded,
    )


def _folded_rows(cursor) -> int:
    """The good rows that repeat an earlier row's derived event (same subject, instant, purpose, decision and
    version) under another spelling of the purpose: services folded into one purpose, not copies."""
    return cursor.execute(
        """
        SELECT coalesce(sum(rows - 1), 0) FROM (
            SELECT count(DISTINCT purpose_text) AS rows FROM staged
            WHERE reject_reason IS NULL AND starts_with(event_id, 'd_')
            GROUP BY event_id HAVING count(DISTINCT purpose_text) > 1)
        """
    ).fetchall()[0][0]


def _drop_sample(cursor) -> bool:
    """Inside the upload's transaction: remove the sample uploads' rows and history, if any."""
    sample_ids = [row[0] for row in cursor.execute("SELECT upload_id FROM uploads WHERE is_sample").fetchall()]
    if not sample_ids:
        return False
    for table in ("consent", "request_versions", "policy_versions_uploaded", "rejected_rows", *HOLDER_TABLES,
                  "uploads"):
        # Table names from the fixed tuple above; the ids are bound.
        cursor.execute(f"DELETE FROM {table} WHERE list_contains($ids, upload_id)", {"ids": sample_ids})
    summaries.rebuild(cursor)
    return True


@dataclass
class Preview:
    """What loading a file would do, without storing anything: for the mapping screen."""

    file: str
    kind: str
    format: str
    header: list[str]
    date_orders: dict[str, str]
    rows_read: int
    rows_rejected: int
    warnings: list[str]
    rows: pd.DataFrame  # the first normalised rows, canonical columns
    rejects: pd.DataFrame  # the first rejected rows: line, column, value, reason
    # Per date column: slash dates with a first field over 12, with a second over 12, and ambiguous ones.
    date_evidence: dict[str, tuple[int, int, int]] = field(default_factory=dict)


def preview_file(
    connection,
    kind: str,
    path: str | Path,
    *,
    format: str = "auto",
    date_order: str = "mdy",
    mapping: dict[str, str] | None = None,
    display_name: str | None = None,
    limit: int = 10,
    confirm: bool = False,
) -> Preview:
    """Normalise a file as a load would, and show the first rows and rejects; the store is not touched.

    Raises UnusableFile as ingest_file does (a required column still unmapped, a file that is no CSV),
    with the file's name and the message masked as there.
    """
    try:
        return _preview(connection, kind, Path(path), format, date_order, mapping,
                        mask_file_name(display_name or Path(path).name), limit, confirm)
    except UnusableFile as error:
        raise type(error)(mask(str(error)), header=error.header) from None


def _preview(connection, kind: str, path: Path, format: str, date_order: str, mapping, shown_name: str,
             limit: int, confirm: bool = False) -> Preview:
    """preview_file's work, on a file already named by its masked name."""
    opened = open_export(path, shown_name, work_dir=private_folder(connection))
    try:
        columns = _columns_of(opened, kind, format, mapping)
        cursor = connection.cursor()
        try:
            staged = _stage(cursor, opened, columns, date_order, confirm)
            table = "staged_rows" if kind == "requests" else "staged"
            shown = ", ".join(column for column, _required in CANONICAL_COLUMNS[kind])
            # Column names from the fixed canonical list; the limit is bound.
            rows = cursor.execute(
                f"SELECT {shown} FROM {table} WHERE reject_reason IS NULL ORDER BY record LIMIT $limit"
                if kind != "requests" else
                f"SELECT {shown} FROM {table} ORDER BY record LIMIT $limit",
                {"limit": limit},
            ).df()
            rejects = cursor.execute(
                """SELECT line, column_name, value, reason FROM (
                       SELECT line, reject_column AS column_name, reject_value AS value, reject_reason AS reason
                       FROM staged WHERE reject_reason IS NOT NULL
                       UNION ALL SELECT line, NULL, NULL, reason FROM malformed_records)
                   ORDER BY line LIMIT $limit""",
                {"limit": limit},
            ).df()
            warnings = staged.warnings + _value_warnings(cursor, kind)
        finally:
            cursor.close()
    finally:
        opened.cleanup()
    return Preview(opened.name, kind, columns.format, opened.header, staged.date_orders, staged.rows_read,
                   staged.rows_rejected, warnings, rows, rejects, staged.date_evidence)


def _map_raw(cursor, columns: CompiledProfile, opened: OpenedExport) -> None:
    """Temp views `mapped_all` (every row, with the reason a profile sets it aside) and `mapped` (the rows
    to normalise): the canonical columns (text) with each record's number and line.

    Views, not copies: the normalising query reads the records once, straight from `raw`. Only fixed
    pieces are assembled here: generated column names (c0, c1, ...), canonical names, the SQL the profile
    engine compiled (profiles.py), and integers; every value a profile holds is a variable set here with a
    bound parameter.
    """
    for name, value in columns.variables.items():
        # The variable's name is generated by profiles.py (profile_value_<n>); the value is bound.
        cursor.execute(f"SET VARIABLE {name} = $value", {"value": value})
    # `raw` has one column per header field, whatever the file's layout (records.py).
    selected = [f"c{index}" for index in range(len(opened.header))]
    if columns.entry is not None:
        # One row per item; a record set aside, or with no items, stays one row (so nothing is lost unseen).
        items = columns.entry if columns.set_aside is None else f"CASE WHEN ({columns.set_aside}) IS NOT NULL THEN NULL ELSE {columns.entry} END"
        selected.append(f"unnest(coalesce(nullif({items}, []), [NULL])) AS entry")
    # Rows set aside for a NUL byte or an over-long line keep their place in the numbering but are not mapped.
    where = "WHERE rowid NOT IN (SELECT record FROM unreadable_rows)" if has_rows(cursor, "unreadable_rows") else ""
    numbered = numbered_records(opened.first_line, has_rows(cursor, "csv_set_aside"), selected, where)
    canonical = []
    for column, _required in CANONICAL_COLUMNS[columns.kind]:
        expression = columns.expressions.get(column)
        canonical.append(f"({expression})::VARCHAR AS {column}" if expression else f"NULL::VARCHAR AS {column}")
    notes = "".join(f", {condition} AS note_{index}" for index, (condition, _note) in enumerate(columns.notes))
    cursor.execute(
        f"""CREATE OR REPLACE TEMP VIEW mapped_all AS
            SELECT record, line, {', '.join(canonical)}, {columns.set_aside or 'NULL'}::VARCHAR AS set_aside{notes}
            FROM ({numbered})"""
    )
    names = ", ".join(column for column, _required in CANONICAL_COLUMNS[columns.kind])
    cursor.execute(f"CREATE OR REPLACE TEMP VIEW mapped AS SELECT record, line, {names} FROM mapped_all WHERE set_aside IS NULL")


def _set_aside(cursor, columns: CompiledProfile) -> list[tuple[str, int]]:
    """The rows the profile sets aside (temp table `set_aside_rows`), counted per reason."""
    cursor.execute(
        "CREATE OR REPLACE TEMP TABLE set_aside_rows AS SELECT line, set_aside AS reason FROM mapped_all "
        + ("WHERE set_aside IS NOT NULL" if columns.set_aside else "WHERE false")
    )
    return [(reason, count) for reason, count in cursor.execute(
        "SELECT reason, count(*) FROM set_aside_rows GROUP BY ALL ORDER BY count(*) DESC, reason").fetchall()]


def _note_warnings(cursor, columns: CompiledProfile) -> list[str]:
    """`<N> rows: <note>` for each noted alternative of the profile that filled a row."""
    if not columns.notes:
        return []
    counts = cursor.execute(
        "SELECT " + ", ".join(f"count(*) FILTER (WHERE note_{index})" for index in range(len(columns.notes)))
        + " FROM mapped_all WHERE set_aside IS NULL"
    ).fetchall()[0]
    return [f"{plural(count, 'row')}: {note}" for count, (_condition, note) in zip(counts, columns.notes, strict=True) if count]


def _header_warnings(opened: OpenedExport, columns: CompiledProfile) -> list[str]:
    warnings = []
    if opened.source_encoding == "cp1252":
        warnings.append("the file is not UTF-8; it was read as Windows-1252 (Latin-1)")
    # Column names come from the file, and a file without a header line has a person's data in their
    # place: they are masked like values.
    if columns.identity_columns:
        warnings.append("columns holding direct identifiers were only used for pseudonyms, never stored: "
                        + ", ".join(mask(name) for name in columns.identity_columns))
    if columns.dropped_columns:
        warnings.append("columns holding direct identifiers were not stored: "
                        + ", ".join(mask(name) for name in columns.dropped_columns))
    if columns.kind == "requests" and "jurisdiction" not in columns.expressions:
        # Fides' current export, for one, names no location: say so rather than show a CCPA table of zeros.
        unspecified = labels.name("jurisdiction", "unspecified")
        warnings.append(f"the file names no jurisdiction: every request is counted as ‘{unspecified}’, so none is in "
                        "the CCPA figures; a profile can give the file's jurisdiction as a constant")
    return warnings


def _decide_date_orders(cursor, kind: str, chosen: str):
    """Per timestamp column: day-first, month-first, or (all ambiguous) the order the user chose; with the
    warnings, and the counts that decided (first field over 12, second over 12, ambiguous)."""
    orders, warnings, evidence = {}, [], {}
    for column in TIMESTAMP_COLUMNS[kind]:
        day_first, month_first, ambiguous = cursor.execute(
            f"""
            WITH slash AS (
                SELECT regexp_extract(trim({column}), '^(\\d{{1,2}})/(\\d{{1,2}})/\\d', ['a', 'b']) AS p
                FROM mapped
                WHERE contains({column}, '/') AND regexp_matches(trim({column}), '^\\d{{1,2}}/\\d{{1,2}}/\\d')
            )
            SELECT count(*) FILTER (WHERE p.a::INT > 12),
                   count(*) FILTER (WHERE p.b::INT > 12),
                   count(*) FILTER (WHERE p.a::INT <= 12 AND p.b::INT <= 12)
            FROM slash
            """
        ).fetchone()
        if day_first and month_first:
            order = "dmy" if day_first > month_first else "mdy"
            warnings.append(
                f"{column}: slash dates mix day-first ({count_text(day_first)}) and month-first "
                f"({count_text(month_first)}); "
                f"read {DATE_ORDER_WORDS[order]}, and the dates that cannot be read so were rejected"
            )
        elif day_first:
            order = "dmy"
        elif month_first:
            order = "mdy"
        else:
            order = chosen
            if ambiguous:
                warnings.append(
                    f"{column}: {'its one slash date' if ambiguous == 1 else f'all {count_text(ambiguous)} slash dates'} "
                    "could be read either way; "
                    f"read {DATE_ORDER_WORDS[chosen]} as chosen (date order {chosen})"
                )
        orders[column] = order
        evidence[column] = (day_first, month_first, ambiguous)
    return orders, warnings, evidence


def _examples(rows: list[tuple], total: int, describe) -> str:
    """The first few rows described, `and N more`; values from the file masked, as every warning is."""
    shown = ", ".join(mask(describe(row)) for row in rows[:EXAMPLES])
    return shown + (f" and {total - EXAMPLES} more" if total > EXAMPLES else "")


# Values kept but worth a look, per kind: the query counting them (fixed text) and what to tell the user, with
# the display name (field, key) of what they are counted as. The values are listed as the file spelled them.
UNUSUAL_VALUES = (
    ("consent", "purposes not in the catalogue, kept as new purposes: ", None,
     """SELECT purpose, count(*) FROM staged WHERE reject_reason IS NULL AND purpose_is_new
        GROUP BY ALL ORDER BY count(*) DESC, purpose"""),
    ("requests", "request types not recognised, counted as ‘{name}’: ", ("request_type", "other"),
     """SELECT unknown_type, count(*) FROM staged_rows WHERE unknown_type IS NOT NULL
        GROUP BY ALL ORDER BY count(*) DESC, unknown_type"""),
    ("requests", "jurisdictions not recognised, counted as ‘{name}’: ", ("jurisdiction", "unspecified"),
     """SELECT jurisdiction_text, count(*) FROM staged WHERE reject_reason IS NULL AND jurisdiction_unknown
        GROUP BY ALL ORDER BY count(*) DESC, jurisdiction_text"""),
)


def _value_warnings(cursor, kind: str) -> list[str]:
    """Values kept but worth a look: new purposes, unknown types and jurisdictions, odd closures, and values
    dropped because they held a person's e-mail address or phone number."""
    warnings = []
    # Per column, the kept rows whose value there was dropped by the ingest query (`dropped_identities`).
    dropped = cursor.execute(
        """SELECT name, count(*) FROM (
               SELECT unnest(dropped_identities) AS name FROM staged WHERE reject_reason IS NULL)
           GROUP BY ALL ORDER BY count(*) DESC, name"""
    ).fetchall()
    if dropped:
        warnings.append("values holding an e-mail address or phone number were not stored, and their rows "
                        "were kept without them: "
                        + _examples(dropped, len(dropped), lambda row: f"{row[0]} ({plural(row[1], 'row')})"))
    for value_kind, message, counted_as, count_query in UNUSUAL_VALUES:
        if value_kind != kind:
            continue
        counts = cursor.execute(count_query).fetchall()
        if counts:
            message = message.format(name=labels.name(*counted_as)) if counted_as else message
            warnings.append(message + _examples(counts, len(counts), lambda row: f"{row[0]} ({plural(row[1], 'row')})"))
    if kind == "requests":
        # Each message in its two forms: one row, several rows.
        for condition, one, many in (
            ("status <> 'open' AND closed_at IS NULL",
             "row has a closed status but no closed_at: kept, never overdue and not in the day figures",
             "rows have a closed status but no closed_at: kept, never overdue and not in the day figures"),
            ("status = 'open' AND closed_at IS NOT NULL", "row is open but has a closed_at: kept as open",
             "rows are open but have a closed_at: kept as open"),
            ("closed_at < received_at", "row was closed before it was received: kept, please check",
             "rows were closed before they were received: kept, please check"),
        ):
            lines = cursor.execute(
                f"SELECT line FROM staged WHERE reject_reason IS NULL AND {condition} ORDER BY line"
            ).fetchall()
            if lines:
                warnings.append(
                    f"{count_text(len(lines))} {one if len(lines) == 1 else many} "
                    f"({'line' if len(lines) == 1 else 'lines'} "
                    + _examples(lines, len(lines), lambda row: str(row[0]))
                    + ")"
                )
    return warnings


def _first_reject(cursor) -> str:
    row = cursor.execute(
        """
        SELECT line, reason FROM (
            SELECT line, reject_reason AS reason FROM staged WHERE reject_reason IS NOT NULL
            UNION ALL SELECT line, reason FROM malformed_records)
        ORDER BY line LIMIT 1
        """
    ).fetchone()
    return f"line {row[0]}: {row[1]}"


def _write_rows(cursor, kind: str, upload_id: int) -> tuple[int, int]:
    """Add what is new; return (stored rows added or changed, records that changed nothing).

    A record that changes nothing still counts as brought by this upload: it is listed among the row's
    holders (store.py), so that undoing the upload that brought the row first leaves it to this one.
    """
    if kind == "consent":
        # Copies of one event inside a file are rare: a count of distinct hashes proves there are none
        # (a collision only sends the file down the exact path) before paying for the exact pass.
        good, has_copies = cursor.execute(
            "SELECT count(*), count(*) <> count(DISTINCT hash(event_id)) FROM staged WHERE reject_reason IS NULL"
        ).fetchone()
        store_has_rows = cursor.execute("SELECT EXISTS (SELECT 1 FROM consent)").fetchone()[0]
        rows = (
            """(SELECT * FROM staged WHERE reject_reason IS NULL
                QUALIFY row_number() OVER (PARTITION BY event_id ORDER BY record) = 1)"""
            if has_copies else "(SELECT * FROM staged WHERE reject_reason IS NULL)"
        )
        new = "NOT EXISTS (SELECT 1 FROM consent WHERE consent.event_id = good.event_id)" if store_has_rows else "TRUE"
        # Fixed text only: the two choices above.
        loaded = cursor.execute(
            f"""
            INSERT INTO consent
            SELECT event_id, subject_id, occurred_at, purpose, decision, policy_version, channel, region,
                   $upload_id
            FROM {rows} AS good
            WHERE {new}
            """,
            {"upload_id": upload_id},
        ).fetchone()[0]
        if store_has_rows and loaded < good:
            # The events already stored under another upload: this one holds them too.
            cursor.execute(
                f"""
                INSERT INTO {CONSENT_HOLDERS}
                SELECT {"DISTINCT" if has_copies else ""} event_id, $upload_id
                FROM staged AS good
                WHERE reject_reason IS NULL AND EXISTS (
                    SELECT 1 FROM consent WHERE consent.event_id = good.event_id AND consent.upload_id <> $upload_id)
                """,
                {"upload_id": upload_id},
            )
        summaries.consent_upload_added(cursor, upload_id, store_was_empty=not store_has_rows)
        return loaded, good - loaded

    # Requests and policies keep every version; a record that changes nothing is a duplicate,
    # and within one file the later line wins.
    table, keys, values, holders = VERSIONED[kind]
    current, staged = ("requests", "staged_rows") if kind == "requests" else ("policies", "staged")
    # Names below come from the fixed tuples above, never from the file.
    key_list = ", ".join(keys)
    join = " AND ".join(f"present.{key} = newest.{key}" for key in keys)
    changed = " OR ".join(f"present.{value} IS DISTINCT FROM newest.{value}" for value in values)
    # Each key's newest record, whether it changes the version shown, and that version's fingerprint
    # (of the stored row, so that it is the very text store.py computes).
    cursor.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE arriving AS
        SELECT newest.*, present.{keys[0]} IS NULL OR {changed} AS changes_something,
               {version_fingerprint(values, "present")} AS present_version
        FROM (SELECT *, row_number() OVER (PARTITION BY {key_list} ORDER BY record DESC) AS newness
              FROM {staged} WHERE {"TRUE" if kind == "requests" else "reject_reason IS NULL"}) AS newest
        LEFT JOIN {current} AS present ON {join}
        WHERE newest.newness = 1
        """
    )
    cursor.execute("CREATE OR REPLACE TEMP VIEW changes AS SELECT * FROM arriving WHERE changes_something")
    cursor.execute(
        f"INSERT INTO {holders} SELECT {key_list}, present_version, $upload_id FROM arriving WHERE NOT changes_something",
        {"upload_id": upload_id},
    )
    loaded = cursor.execute(
        f"INSERT INTO {table} SELECT {key_list}, {', '.join(values)}, $upload_id, line FROM changes"
        if kind == "policies"
        else f"""INSERT INTO {table} SELECT request_id, request_type, received_at, status, closed_at, subject_id,
                 jurisdiction, extended, channel, $upload_id, line FROM changes""",
        {"upload_id": upload_id},
    ).fetchone()[0]
    if kind == "requests":
        summaries.refresh_requests(cursor)
    else:
        summaries.refresh_policies(cursor)
    good = cursor.execute("SELECT count(*) FROM staged WHERE reject_reason IS NULL").fetchone()[0]
    changed_records = cursor.execute("SELECT count(DISTINCT record) FROM changes").fetchone()[0]
    return loaded, good - changed_records


def _record_rejects(cursor, upload_id: int) -> None:
    """Keep every rejected record with its line, column, value and reason (never a raw line: it may
    hold identifiers), and every row a profile set aside with its line and reason."""
    cursor.execute(
        """
        INSERT INTO rejected_rows (upload_id, line, column_name, value, reason, set_aside)
        SELECT $upload_id, line, reject_column, reject_value, reject_reason, false
        FROM staged WHERE reject_reason IS NOT NULL
        UNION ALL
        SELECT $upload_id, line, NULL, NULL, reason, false FROM malformed_records
        UNION ALL
        SELECT $upload_id, line, NULL, NULL, reason, true FROM set_aside_rows
        """,
        {"upload_id": upload_id},
    )
