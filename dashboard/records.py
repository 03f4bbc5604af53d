"""Every record of an export as text in DuckDB: the temp table `raw` (columns c0, c1, ... in the header's
order, whatever the file's layout: CSV, newline-delimited JSON or Parquet), each record's line in the file,
and the lines set aside because they cannot be read (`malformed_records`), each with its reason."""

from __future__ import annotations

import duckdb

from dashboard import reading
from dashboard.reading import OpenedExport, UnusableFile


def read_raw(cursor, opened: OpenedExport) -> None:
    """Every record as text in file order (temp table `raw`, columns c0..cN, one per header field); malformed
    ones aside.

    Set aside, each with its line and reason (temp table `malformed_records`): the records DuckDB could not
    split into the header's fields (`csv_set_aside`, which have no row in `raw`), and the rows of `raw` that
    are no record to map (`unreadable_rows`): those holding a NUL byte or the reader's mark of a line over the
    limit, and the lines of a JSON file that are not JSON objects. A blank line of a JSON file is a row of
    `unreadable_rows` too, without a reason: not a record, not counted, but it keeps its place in the lines.
    """
    reasons = _unreadable_reasons()
    cursor.execute("CREATE OR REPLACE TEMP TABLE unreadable_rows (record BIGINT, reason VARCHAR)")
    if opened.layout == "ndjson":
        may_hold_nul = _read_json_lines(cursor, opened, reasons)
    elif opened.layout == "parquet":
        _read_parquet(cursor, opened)
        may_hold_nul = True
    else:
        _read_csv(cursor, opened, reasons)
        may_hold_nul = opened.has_nul
    # DuckDB reads a NUL byte as a character like any other (`market\0ing` would become a purpose), so the
    # rows holding one are found here. The reader says whether a text file has any, so a clean one costs
    # nothing; a Parquet file's values are always looked at.
    if may_hold_nul:
        # Generated column names only (c0, c1, ...); the mark and the reasons are bound.
        text = "concat(" + ", ".join(f"c{index}" for index in range(len(opened.header))) + ")"
        cursor.execute(
            f"""
            INSERT INTO unreadable_rows
            SELECT rowid, CASE WHEN contains({text}, $mark) THEN $long_line ELSE $nul END
            FROM raw WHERE contains({text}, chr(0))
            """,
            reasons,
        )
    unreadable = cursor.execute("SELECT count(*) FROM unreadable_rows WHERE reason IS NOT NULL").fetchone()[0]
    set_aside = has_rows(cursor, "csv_set_aside")
    cursor.execute(
        "CREATE OR REPLACE TEMP TABLE malformed_records AS SELECT line, reason FROM csv_set_aside"
        if not unreadable else
        f"""
        CREATE OR REPLACE TEMP TABLE malformed_records AS
        SELECT line, reason FROM csv_set_aside
        UNION ALL
        SELECT numbered.line, unreadable_rows.reason
        FROM ({numbered_records(opened.first_line, set_aside, [],
                                 "WHERE rowid IN (SELECT record FROM unreadable_rows WHERE reason IS NOT NULL)")}
             ) AS numbered
        JOIN unreadable_rows USING (record)
        """
    )


def _read_csv(cursor, opened: OpenedExport, reasons: dict[str, str]) -> None:
    """`raw` and `csv_set_aside` from a CSV file, read by DuckDB's CSV reader in the dialect the reader found."""
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


def _read_json_lines(cursor, opened: OpenedExport, reasons: dict[str, str]) -> bool:
    """`raw`, `csv_set_aside` and `unreadable_rows` from a newline-delimited JSON file; whether a value may
    hold a NUL byte.

    Each line is read as one text field by DuckDB's CSV reader (so its line limit and the reader's marks of
    over-long lines work as for CSV) and is one row of `raw`, so that a row's line is its number + 1. Each
    header field is taken out of the line by its JSON pointer, bound as a parameter, never SQL text: a field's
    name comes from the file. A line that is not a JSON object is set aside with its line (never its text); a
    blank line is skipped but counted.
    """
    try:
        # Strict mode off: a file whose lines end in LF and CRLF both (exports put together) is read, not
        # refused; with no quote and a delimiter no JSON text holds (reading.py), it changes nothing else.
        cursor.execute(
            """
            CREATE OR REPLACE TEMP TABLE json_lines AS
            SELECT * FROM read_csv($path, auto_detect = false, header = false, columns = {'text': 'VARCHAR'},
                                   delim = $delimiter, quote = '', escape = '', encoding = $encoding,
                                   compression = 'auto', strict_mode = false, max_line_size = $max_line_size,
                                   store_rejects = true, rejects_table = 'csv_rejects', rejects_scan = 'csv_scans')
            """,
            {
                "path": str(opened.read_path),
                "delimiter": opened.delimiter,
                "encoding": opened.encoding,
                "max_line_size": reading.MAX_LINE_BYTES,
            },
        )
    except duckdb.Error as error:
        reason = str(error).splitlines()[0].removeprefix("Invalid Input Error: ")
        raise UnusableFile(f"{opened.name}: cannot be read as newline-delimited JSON ({reason})") from None
    # A line DuckDB set aside itself (one just at its line limit) has no row; it is counted where it was.
    cursor.execute(
        """
        CREATE OR REPLACE TEMP TABLE csv_set_aside AS
        SELECT line, CASE WHEN bool_or(contains(csv_line, $mark) OR error_type = 'LINE SIZE OVER MAXIMUM')
                          THEN $long_line
                          WHEN bool_or(contains(csv_line, chr(0))) THEN $nul
                          ELSE $not_object END AS reason
        FROM csv_rejects
        GROUP BY line
        """,
        {**reasons, "not_object": reading.NOT_JSON_OBJECT},
    )
    # json_type only where json_valid holds: it raises on anything else (and its error quotes the line).
    cursor.execute(
        """
        INSERT INTO unreadable_rows
        SELECT record, reason FROM (
            SELECT rowid AS record,
                   coalesce(trim(text, $blank), '') = '' AS blank,
                   CASE WHEN blank THEN NULL
                        WHEN contains(text, $mark) THEN $long_line
                        WHEN contains(text, chr(0)) THEN $nul
                        WHEN coalesce(CASE WHEN json_valid(text) THEN json_type(text) END, '') <> 'OBJECT'
                        THEN $not_object END AS reason
            FROM json_lines)
        WHERE blank OR reason IS NOT NULL
        """,
        {**reasons, "blank": " \t\r", "not_object": reading.NOT_JSON_OBJECT},
    )
    # Generated column names and list positions only; the pointers are bound.
    fields = ", ".join(f"fields[{index + 1}] AS c{index}" for index in range(len(opened.header)))
    cursor.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE raw AS
        SELECT {fields} FROM (
            SELECT lines.record,
                   CASE WHEN unreadable_rows.record IS NULL THEN json_extract_string(lines.text, $pointers) END
                       AS fields
            FROM (SELECT rowid AS record, text FROM json_lines) AS lines
            LEFT JOIN unreadable_rows USING (record)
        )
        ORDER BY record
        """,
        {"pointers": opened.json_pointers},
    )
    # A value may spell a NUL byte as the escape \u0000; only then are the values looked at for one.
    may_hold_nul = cursor.execute(
        "SELECT coalesce(bool_or(contains(text, $escape)), false) FROM json_lines", {"escape": "\\u0000"}
    ).fetchall()[0][0]
    cursor.execute("DROP TABLE json_lines")
    return may_hold_nul


# How each kind of Parquet value becomes text (reading.ParquetField.form); fixed templates of a generated
# expression. A timestamp is written `YYYY-MM-DD HH:MM:SS[.ffffff]`, one with a time zone as its UTC time.
_PARQUET_TEXT = {
    "text": "{value}::VARCHAR",
    "timestamp": "{value}::TIMESTAMP::VARCHAR",
    "timestamp_utc": "timezone('UTC', {value})::VARCHAR",
    "json": "to_json({value})::VARCHAR",
}


def _read_parquet(cursor, opened: OpenedExport) -> None:
    """`raw` from a Parquet file: each header field as text, its row's number + 1 as its line.

    The file's columns are renamed t0, t1, ... by position and a nested field is reached with struct_extract
    and its names bound as parameters: no name from the file is ever SQL text.
    """
    parameters: dict[str, object] = {"path": str(opened.read_path)}
    selected = []
    for index, parquet_field in enumerate(opened.parquet_fields):
        value = f"t{int(parquet_field.column)}"
        for depth, key in enumerate(parquet_field.keys):
            parameters[f"key_{index}_{depth}"] = key
            value = f"struct_extract({value}, $key_{index}_{depth})"
        selected.append(_PARQUET_TEXT[parquet_field.form].format(value=value) + f" AS c{index}")
    aliases = ", ".join(f"t{index}" for index in range(opened.parquet_columns))
    try:
        cursor.execute(
            f"CREATE OR REPLACE TEMP TABLE raw AS SELECT {', '.join(selected)} "
            f"FROM read_parquet($path) AS source({aliases})",
            parameters,
        )
    except duckdb.Error as error:
        # DuckDB's message names the file it read, which may be a private copy: the user's name stands in.
        reason = (str(error).splitlines()[0].removeprefix("Invalid Input Error: ")
                  .replace(str(opened.read_path), opened.name))
        raise UnusableFile(f"{opened.name}: cannot be read as a Parquet file ({reason})") from None
    cursor.execute("CREATE OR REPLACE TEMP TABLE csv_set_aside (line BIGINT, reason VARCHAR)")


def _unreadable_reasons() -> dict[str, str]:
    """The reader's mark of an over-long line and the reasons of the rows set aside for it or a NUL byte."""
    return {
        "mark": reading.LONG_LINE_MARK,
        "long_line": f"the line is longer than {reading.MAX_LINE_BYTES:,} bytes, the most one line may hold",
        "nul": "the line contains a NUL byte (character 0), which no text export holds: the file may be damaged there",
    }


def has_rows(cursor, table: str) -> bool:
    # The table's name is one of the fixed temp tables named in this module.
    return cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {table})").fetchone()[0]


def numbered_records(first_line: int, set_aside: bool, selected: list[str], where: str) -> str:
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
            -- Consecutive set-aside lines share a position: the join must take the last of them.
            SELECT position, max(before) AS before
            FROM (SELECT line - {int(first_line)} - (row_number() OVER (ORDER BY line) - 1) AS position,
                         row_number() OVER (ORDER BY line) AS before
                  FROM csv_set_aside)
            GROUP BY position
        ),
        records AS (SELECT rowid AS record, * FROM raw {where})
        SELECT records.record,
               records.record + {int(first_line)} + coalesce(set_aside.before, 0) AS line{shown}
        FROM records
        ASOF LEFT JOIN set_aside ON records.record >= set_aside.position
        """
