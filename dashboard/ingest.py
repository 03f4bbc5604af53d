"""Loading one export into the store: read by DuckDB, normalised in SQL, landed whole or not at all."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from dashboard import reading, summaries
from dashboard.confinement import private_folder, readable_copy
from dashboard.formats import CANONICAL_COLUMNS, KINDS, TIMESTAMP_COLUMNS, ColumnMapping, map_columns
from dashboard.identities import mask, mask_file_name
from dashboard.queries import query_text
from dashboard.reading import DELIMITER_NAMES, OpenedExport, UnusableFile, open_export
from dashboard.store import WRITE_LOCK, bump_store_version, local_user
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
            columns = map_columns(opened.name, kind, opened.header, format=format, overrides=mapping)
            cursor = connection.cursor()
            try:
                return _ingest(cursor, opened, columns, date_order, loaded_by, sample)
            finally:
                cursor.close()
        finally:
            opened.cleanup()
    except UnusableFile as error:
        # A refusal may quote the file's first line or its header ("found: ..."), which can be a row of
        # data naming a person: the message is masked like every other text that is shown.
        raise UnusableFile(mask(str(error))) from None


# The most rows one file may bring (the store itself has no limit): a bound on the memory one load takes.
# Set in reading.py, whose first pass over a file already refuses one with more lines than that.
MAX_ROWS = reading.MAX_ROWS


@dataclass
class Staged:
    """A file read and normalised into temp tables (`staged`, and `staged_rows` for requests), not yet stored."""

    rows_read: int
    rows_rejected: int
    date_orders: dict[str, str]
    warnings: list[str]


def _stage(cursor, opened: OpenedExport, columns: ColumnMapping, date_order: str) -> Staged:
    """Read, map and normalise a file in the cursor's temp tables: the one path of loading and previewing."""
    kind = columns.kind
    # The store's connection reads only its private folder and the files it was opened for (store.py).
    copy = readable_copy(cursor, opened.read_path)
    if copy is not None:
        opened.temporary.append(copy)
        opened.read_path = copy
    cursor.execute("CREATE OR REPLACE TEMP TABLE vocabulary (field VARCHAR, word VARCHAR, canonical VARCHAR)")
    cursor.executemany("INSERT INTO vocabulary VALUES (?, ?, ?)", vocabulary_rows())

    _read_raw(cursor, opened)
    records = cursor.execute("SELECT count(*) FROM raw").fetchone()[0]
    if records > MAX_ROWS:
        raise UnusableFile(f"{opened.name}: has {records:,} rows; at most {MAX_ROWS:,} are loaded from one file: "
                           "split it and load the parts")
    _map_raw(cursor, columns, opened.skip_lines)
    warnings = _header_warnings(opened, columns)
    orders, order_warnings = _decide_date_orders(cursor, kind, date_order)
    warnings += order_warnings
    for column, order in orders.items():
        # Column names from the fixed TIMESTAMP_COLUMNS; the order is bound. The ingest queries read
        # them with getvariable(), which lets them run as several statements.
        cursor.execute(f"SET VARIABLE {column}_order = $order", {"order": order})
    cursor.execute(query_text(f"ingest_{kind}"))
    if kind == "requests":
        cursor.execute(query_text("ingest_request_types"))
    # Every record is in `staged` now: the text copy goes, so a big file is held in memory once.
    cursor.execute("DROP VIEW mapped")
    cursor.execute("DROP TABLE raw")

    malformed = cursor.execute("SELECT count(*) FROM malformed_records").fetchone()[0]
    parsed, bad = cursor.execute(
        "SELECT count(*), count(*) FILTER (WHERE reject_reason IS NOT NULL) FROM staged"
    ).fetchone()
    return Staged(parsed + malformed, bad + malformed, orders, warnings)


def _ingest(cursor, opened: OpenedExport, columns: ColumnMapping, date_order: str, loaded_by, sample: bool):
    kind = columns.kind
    staged = _stage(cursor, opened, columns, date_order)
    rows_read, rows_rejected, warnings = staged.rows_read, staged.rows_rejected, staged.warnings
    if rows_read == 0:
        warnings.append("the file has a header but no rows")
    elif rows_rejected == rows_read:
        raise UnusableFile(f"{opened.name}: every one of its {rows_read} rows was rejected; first: {_first_reject(cursor)}")
    warnings += _value_warnings(cursor, kind)
    # Reading and normalising ran alongside other sessions; writing waits for any other upload or undo.
    with WRITE_LOCK:
        cursor.execute("BEGIN TRANSACTION")
        try:
            if not sample and _drop_sample(cursor):
                warnings.append("the sample data was removed: the figures now show your data only")
            upload_id = cursor.execute("SELECT nextval('upload_ids')").fetchone()[0]
            loaded, duplicate = _write_rows(cursor, kind, upload_id)
            _record_rejects(cursor, upload_id)
            cursor.execute(
                """
                INSERT INTO uploads (upload_id, file_name, sha256, kind, format, date_order, rows_read, rows_loaded,
                    rows_duplicate, rows_rejected, warnings, loaded_by, loaded_at, is_sample)
                VALUES ($upload_id, $file_name, $sha256, $kind, $format, $date_order, $rows_read, $rows_loaded,
                    $rows_duplicate, $rows_rejected, $warnings, $loaded_by, $loaded_at, $is_sample)
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
    )


def _drop_sample(cursor) -> bool:
    """Inside the upload's transaction: remove the sample uploads' rows and history, if any."""
    sample_ids = [row[0] for row in cursor.execute("SELECT upload_id FROM uploads WHERE is_sample").fetchall()]
    if not sample_ids:
        return False
    for table in ("consent", "request_versions", "policy_versions_uploaded", "rejected_rows", "uploads"):
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
) -> Preview:
    """Normalise a file as a load would, and show the first rows and rejects; the store is not touched.

    Raises UnusableFile as ingest_file does (a required column still unmapped, a file that is no CSV),
    with the file's name and the message masked as there.
    """
    try:
        return _preview(connection, kind, Path(path), format, date_order, mapping,
                        mask_file_name(display_name or Path(path).name), limit)
    except UnusableFile as error:
        raise UnusableFile(mask(str(error))) from None


def _preview(connection, kind: str, path: Path, format: str, date_order: str, mapping, shown_name: str,
             limit: int) -> Preview:
    """preview_file's work, on a file already named by its masked name."""
    opened = open_export(path, shown_name, work_dir=private_folder(connection))
    try:
        columns = map_columns(opened.name, kind, opened.header, format=format, overrides=mapping)
        cursor = connection.cursor()
        try:
            staged = _stage(cursor, opened, columns, date_order)
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
                   staged.rows_rejected, warnings, rows, rejects)


def _read_raw(cursor, opened: OpenedExport) -> None:
    """Every record as text in file order (temp table `raw`, columns c0..cN); malformed ones aside.

    Set aside, each with its line and reason (temp table `malformed_records`): the records DuckDB could not
    split into the header's fields (`csv_set_aside`, which have no row in `raw`), and the rows of `raw`
    holding a NUL byte or the reader's mark of a line over the limit (`unreadable_rows`).
    """
    # The dialect is already known from the header, so DuckDB's sniffer is switched off: it can
    # misjudge a messy file (skip rows, or give up on an unterminated quote) and refuse it whole.
    columns = {f"c{index}": "VARCHAR" for index in range(len(opened.header))}
    try:
        cursor.execute(
            """
            CREATE OR REPLACE TEMP TABLE raw AS
            SELECT * FROM read_csv($path, auto_detect = false, header = true, skip = $skip, columns = $columns,
                                   delim = $delimiter, quote = '"', escape = '"', encoding = $encoding,
                                   compression = 'auto', null_padding = false, max_line_size = $max_line_size,
                                   store_rejects = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_scans')
            """,
            {
                "path": str(opened.read_path),
                "skip": opened.skip_lines,
                "columns": columns,
                "delimiter": opened.delimiter,
                "encoding": opened.encoding,
                "max_line_size": reading.MAX_LINE_BYTES,
            },
        )
    except duckdb.Error as error:
        reason = str(error).splitlines()[0].removeprefix("Invalid Input Error: ")
        raise UnusableFile(f"{opened.name}: cannot be read as a CSV file ({reason})") from None
    reasons = _unreadable_reasons()
    # A record with several problems appears once per problem in DuckDB's table; count it once. One that
    # holds the reader's mark or a NUL byte is rejected for that, whatever else DuckDB found.
    cursor.execute(
        """
        CREATE OR REPLACE TEMP TABLE csv_set_aside AS
        SELECT line,
               CASE WHEN bool_or(contains(csv_line, $mark)) THEN $long_line
                    WHEN bool_or(contains(csv_line, chr(0))) THEN $nul
                    ELSE string_agg(DISTINCT CASE error_type
                   WHEN 'MISSING COLUMNS' THEN 'the line has fewer fields than the header'
                   WHEN 'TOO MANY COLUMNS' THEN 'the line has more fields than the header'
                   WHEN 'UNQUOTED VALUE' THEN 'a quote is not closed, or a quote inside a field is not doubled'
                   WHEN 'INVALID ENCODING' THEN 'the line is not valid text in the file''s encoding'
                   WHEN 'LINE SIZE OVER MAXIMUM' THEN $long_line
                   ELSE lower(error_type) END, '; ') END AS reason
        FROM csv_rejects
        GROUP BY line
        """,
        reasons,
    )
    # DuckDB reads a NUL byte as a character like any other (`market\0ing` would become a purpose), so the
    # rows holding one are found here. The reader says whether a file has any, so a clean file costs nothing.
    cursor.execute("CREATE OR REPLACE TEMP TABLE unreadable_rows (record BIGINT, reason VARCHAR)")
    if opened.has_nul:
        # Generated column names only (c0, c1, ...); the mark and the reasons are bound.
        text = "concat(" + ", ".join(columns) + ")"
        cursor.execute(
            f"""
            INSERT INTO unreadable_rows
            SELECT rowid, CASE WHEN contains({text}, $mark) THEN $long_line ELSE $nul END
            FROM raw WHERE contains({text}, chr(0))
            """,
            reasons,
        )
    unreadable = cursor.execute("SELECT count(*) FROM unreadable_rows").fetchone()[0]
    set_aside = _has_rows(cursor, "csv_set_aside")
    cursor.execute(
        "CREATE OR REPLACE TEMP TABLE malformed_records AS SELECT line, reason FROM csv_set_aside"
        if not unreadable else
        f"""
        CREATE OR REPLACE TEMP TABLE malformed_records AS
        SELECT line, reason FROM csv_set_aside
        UNION ALL
        SELECT numbered.line, unreadable_rows.reason
        FROM ({_numbered_records(2 + int(opened.skip_lines), set_aside, [],
                                 "WHERE rowid IN (SELECT record FROM unreadable_rows)")}) AS numbered
        JOIN unreadable_rows USING (record)
        """
    )


def _unreadable_reasons() -> dict[str, str]:
    """The reader's mark of an over-long line and the reasons of the rows set aside for it or a NUL byte."""
    return {
        "mark": reading.LONG_LINE_MARK,
        "long_line": f"the line is longer than {reading.MAX_LINE_BYTES:,} bytes, the most one line may hold",
        "nul": "the line contains a NUL byte (character 0), which no text export holds: the file may be damaged there",
    }


def _has_rows(cursor, table: str) -> bool:
    # The table's name is one of the fixed temp tables named in this module.
    return cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]


def _numbered_records(first_line: int, set_aside: bool, selected: list[str], where: str) -> str:
    """SQL of the rows of `raw` (those `where` keeps) as `record, line, <selected>`.

    A line number counts the header and blank lines before it, and the records DuckDB set aside before
    this one (`csv_set_aside`, each at a known line, none of them a row of `raw`). Only fixed pieces go
    in: an integer, the caller's column expressions and condition on `rowid`.
    """
    shown = "".join(f", {expression}" for expression in selected)
    if not set_aside:
        return f"SELECT rowid AS record, rowid + {int(first_line)} AS line{shown} FROM raw {where}"
    return f"""
        WITH set_aside AS (
            SELECT line - {int(first_line)} - (row_number() OVER (ORDER BY line) - 1) AS position,
                   row_number() OVER (ORDER BY line) AS before
            FROM csv_set_aside
        ),
        records AS (SELECT rowid AS record, * FROM raw {where})
        SELECT records.record,
               records.record + {int(first_line)} + coalesce(set_aside.before, 0) AS line{shown}
        FROM records
        ASOF LEFT JOIN set_aside ON records.record >= set_aside.position
        """


def _map_raw(cursor, columns: ColumnMapping, skip_lines: int) -> None:
    """Temp view `mapped`: the canonical columns (text) with each record's number and line.

    A view, not a copy: the normalising query reads the records once, straight from `raw`. Only fixed
    pieces are assembled here: generated column names (c0, c1, ...), canonical names, the vendor
    formats' templates written in formats.py, and integers.
    """
    selected = []
    for column, _required in CANONICAL_COLUMNS[columns.kind]:
        expression = columns.expression(column)
        selected.append(f"({expression})::VARCHAR AS {column}" if expression else f"NULL::VARCHAR AS {column}")
    # Rows set aside for a NUL byte or an over-long line keep their place in the numbering but are not mapped.
    where = "WHERE rowid NOT IN (SELECT record FROM unreadable_rows)" if _has_rows(cursor, "unreadable_rows") else ""
    numbered = _numbered_records(2 + int(skip_lines), _has_rows(cursor, "csv_set_aside"), selected, where)
    cursor.execute(f"CREATE OR REPLACE TEMP VIEW mapped AS {numbered}")


def _header_warnings(opened: OpenedExport, columns: ColumnMapping) -> list[str]:
    warnings = []
    if opened.source_encoding == "cp1252":
        warnings.append("the file is not UTF-8; it was read as Windows-1252 (Latin-1)")
    if columns.identity_columns:
        verb = "were not stored" if columns.format in ("canonical", "mapped") else "were only used for pseudonyms, never stored"
        # Column names come from the file, and a file without a header line has a person's data in their
        # place: they are masked like values.
        warnings.append(f"columns holding direct identifiers {verb}: "
                        + ", ".join(mask(name) for name in columns.identity_columns))
    return warnings


def _decide_date_orders(cursor, kind: str, chosen: str) -> tuple[dict[str, str], list[str]]:
    """Per timestamp column: day-first, month-first, or (all ambiguous) the order the user chose."""
    orders, warnings = {}, []
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
                f"{column}: slash dates mix day-first ({day_first}) and month-first ({month_first}); "
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
                    f"{column}: all {ambiguous} slash dates could be read either way; "
                    f"read {DATE_ORDER_WORDS[chosen]} as chosen (date order {chosen})"
                )
        orders[column] = order
    return orders, warnings


def _examples(rows: list[tuple], total: int, describe) -> str:
    """The first few rows described, `and N more`; values from the file masked, as every warning is."""
    shown = ", ".join(mask(describe(row)) for row in rows[:EXAMPLES])
    return shown + (f" and {total - EXAMPLES} more" if total > EXAMPLES else "")


# Values kept but worth a look, per kind: the query counting them (fixed text) and what to tell the user.
UNUSUAL_VALUES = (
    ("consent", "purposes not in the catalogue, kept as new purposes: ",
     """SELECT purpose, count(*) FROM staged WHERE reject_reason IS NULL AND purpose_is_new
        GROUP BY ALL ORDER BY count(*) DESC, purpose"""),
    ("requests", "request types not recognised, kept as `other`: ",
     """SELECT unknown_type, count(*) FROM staged_rows WHERE unknown_type IS NOT NULL
        GROUP BY ALL ORDER BY count(*) DESC, unknown_type"""),
    ("requests", "jurisdictions not recognised, counted as `unspecified`: ",
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
                        + _examples(dropped, len(dropped), lambda row: f"{row[0]} ({row[1]} rows)"))
    for value_kind, message, count_query in UNUSUAL_VALUES:
        if value_kind != kind:
            continue
        counts = cursor.execute(count_query).fetchall()
        if counts:
            warnings.append(message + _examples(counts, len(counts), lambda row: f"{row[0]} ({row[1]} rows)"))
    if kind == "requests":
        for condition, message in (
            ("status <> 'open' AND closed_at IS NULL",
             "have a closed status but no closed_at: kept, never overdue and not in the day figures"),
            ("status = 'open' AND closed_at IS NOT NULL", "are open but have a closed_at: kept as open"),
            ("closed_at < received_at", "were closed before they were received: kept, please check"),
        ):
            lines = cursor.execute(
                f"SELECT line FROM staged WHERE reject_reason IS NULL AND {condition} ORDER BY line"
            ).fetchall()
            if lines:
                warnings.append(
                    f"{len(lines)} rows {message} (lines "
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
    """Add what is new; return (stored rows added or changed, records that changed nothing)."""
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
        summaries.consent_upload_added(cursor, upload_id, store_was_empty=not store_has_rows)
        return loaded, good - loaded

    # Requests and policies keep every version; a record that changes nothing is a duplicate,
    # and within one file the later line wins.
    if kind == "requests":
        table, keys, values = (
            "request_versions",
            ("request_id", "request_type"),
            ("received_at", "status", "closed_at", "subject_id", "jurisdiction", "extended", "channel"),
        )
        current, staged = "requests", "staged_rows"
    else:
        table, keys, values = "policy_versions_uploaded", ("policy_version",), ("effective_date", "title", "url")
        current, staged = "policies", "staged"
    # Names below come from the fixed tuples above, never from the file.
    key_list = ", ".join(keys)
    join = " AND ".join(f"present.{key} = newest.{key}" for key in keys)
    changed = " OR ".join(f"present.{value} IS DISTINCT FROM newest.{value}" for value in values)
    cursor.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE changes AS
        SELECT newest.*
        FROM (SELECT *, row_number() OVER (PARTITION BY {key_list} ORDER BY record DESC) AS newness
              FROM {staged} WHERE {"TRUE" if kind == "requests" else "reject_reason IS NULL"}) AS newest
        LEFT JOIN {current} AS present ON {join}
        WHERE newest.newness = 1 AND (present.{keys[0]} IS NULL OR {changed})
        """
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
    hold identifiers)."""
    cursor.execute(
        """
        INSERT INTO rejected_rows
        SELECT $upload_id, line, reject_column, reject_value, reject_reason
        FROM staged WHERE reject_reason IS NOT NULL
        UNION ALL
        SELECT $upload_id, line, NULL, NULL, reason FROM malformed_records
        """,
        {"upload_id": upload_id},
    )


def describe_dialect(opened: OpenedExport) -> str:
    """How the file was read, for progress messages: `utf-8, comma-delimited`."""
    return f"{opened.source_encoding}, {DELIMITER_NAMES[opened.delimiter]}-delimited"
