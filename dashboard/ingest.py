"""Loading one export into the store: read by DuckDB, normalised in SQL, landed whole or not at all."""

from __future__ import annotations

from contextlib import contextmanager
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
from dashboard.store import WRITE_LOCK, bump_store_version, local_user, refresh_denial_words
from dashboard.vocabulary import vocabulary_rows

DATE_ORDERS = ("mdy", "dmy")
DATE_ORDER_WORDS = {"mdy": "month-first", "dmy": "day-first"}
# How many examples a warning names before it says "and N more".
EXAMPLES = 5

__all__ = ["DATE_ORDERS", "ReadingChoices", "UnusableFile", "UploadReport", "ingest_file"]


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


@dataclass(frozen=True)
class ReadingChoices:
    """How a file is read: the choices a load and its preview share, each a keyword of ingest_file and
    preview_file. `format` names a profile (auto: the header decides); `date_order` reads the slash dates no
    row of their column settles; `mapping` takes canonical columns from other columns of the file, on top of
    the profile; `display_name` is the name the file is shown and kept by (masked, as every name is);
    `confirm` loads a mapping that looks wrong (MappingLooksWrong) on purpose."""

    format: str = "auto"
    date_order: str = "mdy"
    mapping: dict[str, str] | None = None
    display_name: str | None = None
    confirm: bool = False


def _run(cursor, name: str, **parameters):
    """Run the named query queries/NAME.sql on the load's cursor, its parameters bound; the cursor, to fetch."""
    return cursor.execute(query_text(name), parameters or None)


def ingest_file(
    connection: duckdb.DuckDBPyConnection,
    kind: str,
    path: str | Path,
    *,
    loaded_by: str | None = None,
    sample: bool = False,
    **choices,
) -> UploadReport:
    """Load one export file of `kind` into the store and say what happened; `choices` as ReadingChoices.

    Raises UnusableFile (one line: the file and the problem) when the file cannot be used at all;
    the store is then exactly as it was. `sample` marks the bundled sample data; the first real
    upload removes the sample in the same transaction, so sample and real figures never mix.

    The file is named by its masked name everywhere (the upload history, the report, every message):
    an export saved as `jane.doe@example.com.csv` is `[e-mail address].csv` (identities.py).
    """
    reading_choices = ReadingChoices(**choices)
    with _opened(connection, kind, path, reading_choices) as (opened, columns, cursor):
        return _ingest(cursor, opened, columns, reading_choices, loaded_by, sample)


@contextmanager
def _opened(connection, kind: str, path: str | Path, choices: ReadingChoices):
    """The file opened under its masked name, the profile it is read with and a cursor of its own: what a load
    and a preview start from, cleaned up after them. A refusal from either is masked on its way out."""
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
    if choices.date_order not in DATE_ORDERS:
        raise ValueError(f"unknown date order {choices.date_order!r}; expected mdy or dmy")
    try:
        opened = open_export(Path(path), mask_file_name(choices.display_name or Path(path).name),
                             work_dir=private_folder(connection))
        try:
            columns = _columns_of(opened, kind, choices.format, choices.mapping)
            cursor = connection.cursor()
            try:
                yield opened, columns, cursor
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
    # The text as the file spelled it, kept by the normalising query.
    spelled = "purpose_text" if kind == "consent" else "type_text"
    total, json_rows, list_rows, flag_rows, identity_rows = _run(
        cursor, "ingest_mapping_check", spelled=spelled).fetchall()[0]
    for rows, what in ((json_rows, "JSON text"), (list_rows, "lists of several values"),
                       (flag_rows, "yes/no or opt-in/opt-out flags"), (identity_rows, "e-mail addresses or phone numbers")):
        if total >= JUDGED_FROM and rows / total >= SUSPICIOUS_SHARE:
            return (f"the {noun} of {rows:,} of {total:,} rows are {what}, not {noun}: check which column is mapped "
                    f"to ‘{column}’, or load it anyway on purpose (Load anyway; --confirm)")
    # The new purposes (or unknown types), as the report lists them: how many, and how many on few rows.
    first = _run(cursor, "ingest_unusual_values", field=column, rare_rows=RARE_ROWS, limit=1).fetchall()
    new, rare = (first[0][2], first[0][3]) if first else (0, 0)
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


def _stage(cursor, opened: OpenedExport, columns: CompiledProfile, choices: ReadingChoices) -> Staged:
    """Read, map and normalise a file in the cursor's temp tables: the one path of loading and previewing."""
    kind = columns.kind
    # The store's connection reads only its private folder and the files it was opened for (store.py).
    copy = readable_copy(cursor, opened.read_path)
    if copy is not None:
        opened.temporary.append(copy)
        opened.read_path = copy
    vocabulary = vocabulary_rows(columns.words)
    _run(cursor, "ingest_vocabulary", fields=[row[0] for row in vocabulary], words=[row[1] for row in vocabulary],
         canonicals=[row[2] for row in vocabulary])
    purposes = sorted(columns.words.get("purpose", {}).items())
    _run(cursor, "ingest_profile_purposes", words=[word for word, _purpose in purposes],
         purposes=[purpose for _word, purpose in purposes])

    read_raw(cursor, opened)
    records = _run(cursor, "ingest_records").fetchall()[0][0]
    if records > MAX_ROWS:
        raise UnusableFile(f"{opened.name}: has {records:,} rows; at most {MAX_ROWS:,} are loaded from one file: "
                           "split it and load the parts")
    _map_raw(cursor, columns, opened)
    set_aside = _set_aside(cursor)
    warnings = _header_warnings(opened, columns) + _note_warnings(cursor, columns)
    orders, order_warnings, evidence = _decide_date_orders(cursor, kind, choices.date_order)
    warnings += order_warnings
    for column, order in orders.items():
        # Column names from the fixed TIMESTAMP_COLUMNS; the order is bound. The ingest queries read
        # them with getvariable(), which lets them run as several statements.
        cursor.execute(f"SET VARIABLE {column}_order = $order", {"order": order})
    _run(cursor, f"ingest_{kind}")
    if kind == "requests":
        _run(cursor, "ingest_request_types")
    if not choices.confirm:
        problem = _mapping_looks_wrong(cursor, kind)
        if problem:
            raise MappingLooksWrong(f"{opened.name}: {problem}", header=opened.header)
    # Every record is in `staged` now: the text copy goes, so a big file is held in memory once.
    cursor.execute("DROP VIEW mapped")
    cursor.execute("DROP VIEW mapped_all")
    cursor.execute("DROP TABLE raw")

    parsed, bad, malformed = _run(cursor, "ingest_staged_counts").fetchall()[0]
    staged = Staged(parsed + malformed, bad + malformed, orders, warnings, set_aside, evidence)
    staged.rows_read += staged.rows_set_aside
    return staged


def _ingest(cursor, opened: OpenedExport, columns: CompiledProfile, choices: ReadingChoices, loaded_by,
            sample: bool):
    kind = columns.kind
    staged = _stage(cursor, opened, columns, choices)
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
            upload_id = _run(cursor, "ingest_next_upload_id").fetchall()[0][0]
            loaded, duplicate = _write_rows(cursor, kind, upload_id)
            folded = _folded_rows(cursor) if kind == "consent" else 0
            duplicate -= folded
            if folded:
                warnings.append(f"{folded:,} {'row was' if folded == 1 else 'rows were'} the same choice as another "
                                "service of the same purpose at the same moment (services folded into one purpose): "
                                "kept as one decision, not counted as duplicates")
            _record_rejects(cursor, upload_id)
            _run(cursor, "ingest_upload_record", upload_id=upload_id, file_name=opened.name, sha256=opened.sha256,
                 kind=kind, format=columns.format, date_order=choices.date_order, rows_read=rows_read,
                 rows_loaded=loaded, rows_duplicate=duplicate, rows_rejected=rows_rejected, warnings=warnings,
                 loaded_by=loaded_by or local_user(), loaded_at=datetime.now(UTC).replace(tzinfo=None),
                 is_sample=sample, rows_set_aside=staged.rows_set_aside, rows_folded=folded)
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
    """The good rows that repeat an earlier row's derived event under another spelling of the purpose:
    services folded into one purpose, not copies."""
    return _run(cursor, "ingest_folded_rows").fetchall()[0][0]


def _drop_sample(cursor) -> bool:
    """Inside the upload's transaction: remove the sample uploads' rows and history, if any."""
    if not _run(cursor, "ingest_drop_sample").fetchall()[0][0]:
        return False
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


def preview_file(connection, kind: str, path: str | Path, *, limit: int = 10, **choices) -> Preview:
    """Normalise a file as a load would, and show the first rows and rejects; the store is not touched.
    `choices` as ReadingChoices, as for ingest_file.

    Raises UnusableFile as ingest_file does (a required column still unmapped, a file that is no CSV),
    with the file's name and the message masked as there.
    """
    reading_choices = ReadingChoices(**choices)
    with _opened(connection, kind, path, reading_choices) as (opened, columns, cursor):
        staged = _stage(cursor, opened, columns, reading_choices)
        shown = [column for column, _required in CANONICAL_COLUMNS[kind]]
        rows = _run(cursor, "ingest_preview_request_rows" if kind == "requests" else "ingest_preview_rows",
                    limit=limit).df()[shown]
        rejects = _run(cursor, "ingest_rejects", limit=limit).df()
        warnings = staged.warnings + _value_warnings(cursor, kind)
    return Preview(opened.name, kind, columns.format, opened.header, staged.date_orders, staged.rows_read,
                   staged.rows_rejected, warnings, rows, rejects, staged.date_evidence)


def _map_raw(cursor, columns: CompiledProfile, opened: OpenedExport) -> None:
    """Temp views `mapped_all` (every row, with the reason a profile sets it aside) and `mapped` (the rows
    to normalise): the canonical columns (text, trimmed) with each record's number and line (ingest_mapped.sql).

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
    notes = "[" + ", ".join(condition for condition, _note in columns.notes) + "]"
    cursor.execute(query_text("ingest_mapped").format(
        records=numbered, canonical_columns=", ".join(canonical), set_aside=columns.set_aside or "NULL", notes=notes))


def _set_aside(cursor) -> list[tuple[str, int]]:
    """The rows the profile sets aside (temp table `set_aside_rows`), counted per reason."""
    return [(reason, count) for reason, count in _run(cursor, "ingest_set_aside").fetchall()]


def _note_warnings(cursor, columns: CompiledProfile) -> list[str]:
    """`<N> rows: <note>` for each noted alternative of the profile that filled a row."""
    if not columns.notes:
        return []
    counts = dict(_run(cursor, "ingest_notes").fetchall())
    return [f"{plural(counts[number], 'row')}: {note}"
            for number, (_condition, note) in enumerate(columns.notes, start=1) if counts.get(number)]


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
        day_first, month_first, ambiguous = _run(cursor, "ingest_date_evidence", column=column).fetchall()[0]
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


# Values kept but worth a look, per kind: the field of ingest_unusual_values.sql and what to tell the user, with
# the display name (field, key) of what they are counted as.
UNUSUAL_VALUES = (
    ("consent", "purpose", "purposes not in the catalogue, kept as new purposes: ", None),
    ("requests", "request_type", "request types not recognised, counted as ‘{name}’: ", ("request_type", "other")),
    ("requests", "jurisdiction", "jurisdictions not recognised, counted as ‘{name}’: ", ("jurisdiction", "unspecified")),
)
# Requests whose closure looks odd (ingest_odd_closures.sql), each message in its two forms: one row, several rows.
ODD_CLOSURES = (
    ("closed_without_date",
     "row has a closed status but no closed_at: kept, never overdue and not in the day figures",
     "rows have a closed status but no closed_at: kept, never overdue and not in the day figures"),
    ("open_with_date", "row is open but has a closed_at: kept as open", "rows are open but have a closed_at: kept as open"),
    ("closed_before_received", "row was closed before it was received: kept, please check",
     "rows were closed before they were received: kept, please check"),
)


def _value_warnings(cursor, kind: str) -> list[str]:
    """Values kept but worth a look: new purposes, unknown types and jurisdictions, odd closures, and values
    dropped because they held a person's e-mail address or phone number."""
    warnings = []
    # Per column, the kept rows whose value there was dropped by the ingest query (`dropped_identities`).
    dropped = _run(cursor, "ingest_dropped_identities").fetchall()
    if dropped:
        warnings.append("values holding an e-mail address or phone number were not stored, and their rows "
                        "were kept without them: "
                        + _examples(dropped, len(dropped), lambda row: f"{row[0]} ({plural(row[1], 'row')})"))
    for value_kind, value_field, message, counted_as in UNUSUAL_VALUES:
        if value_kind != kind:
            continue
        counts = _run(cursor, "ingest_unusual_values", field=value_field, rare_rows=RARE_ROWS,
                      limit=EXAMPLES).fetchall()
        if counts:
            message = message.format(name=labels.name(*counted_as)) if counted_as else message
            warnings.append(message + _examples(counts, counts[0][2],
                                                lambda row: f"{row[0]} ({plural(row[1], 'row')})"))
    if kind == "requests":
        masked_reasons = _run(cursor, "ingest_masked_reasons").fetchall()[0][0]
        if masked_reasons:
            warnings.append(f"{plural(masked_reasons, 'denial reason')} held an e-mail address or phone number: "
                            "kept with it masked ([e-mail address], [phone number])")
        odd_lines = dict(_run(cursor, "ingest_odd_closures").fetchall())
        for oddity, one, many in ODD_CLOSURES:
            lines = odd_lines.get(oddity)
            if lines:
                warnings.append(
                    f"{count_text(len(lines))} {one if len(lines) == 1 else many} "
                    f"({'line' if len(lines) == 1 else 'lines'} "
                    + _examples(lines, len(lines), str)
                    + ")"
                )
    return warnings


def _first_reject(cursor) -> str:
    line, _column, _value, reason = _run(cursor, "ingest_rejects", limit=1).fetchall()[0]
    return f"line {line}: {reason}"


def _write_rows(cursor, kind: str, upload_id: int) -> tuple[int, int]:
    """Add what is new; return (stored rows added or changed, records that changed nothing).

    A record that changes nothing still counts as brought by this upload: it is listed among the row's
    holders (store.py), so that undoing the upload that brought the row first leaves it to this one.
    """
    if kind == "consent":
        good, file_has_copies, store_has_rows = _run(cursor, "ingest_consent_copies").fetchall()[0]
        # Read when the queries below are planned: the look-ups they spare a file cost it nothing.
        cursor.execute("SET VARIABLE file_has_copies = $value", {"value": file_has_copies})
        cursor.execute("SET VARIABLE store_has_rows = $value", {"value": store_has_rows})
        loaded = _run(cursor, "ingest_consent_rows", upload_id=upload_id).fetchall()[0][0]
        if store_has_rows and loaded < good:
            # The events already stored under another upload: this one holds them too.
            _run(cursor, "ingest_consent_holders", upload_id=upload_id)
        summaries.consent_upload_added(cursor, upload_id, store_was_empty=not store_has_rows)
        return loaded, good - loaded

    # Requests and policies keep every version; a record that changes nothing is a duplicate,
    # and within one file the later line wins. The queries run as several statements: the id is a variable.
    cursor.execute("SET VARIABLE upload_id = $upload_id", {"upload_id": upload_id})
    _run(cursor, "ingest_request_versions" if kind == "requests" else "ingest_policy_versions")
    loaded, records_stored, good = _run(cursor, "ingest_versions_stored").fetchall()[0]
    if kind == "requests":
        # The words file is read at every load: its denial-reason phrases too, for every stored request.
        refresh_denial_words(cursor)
        summaries.refresh_requests(cursor)
    else:
        summaries.refresh_policies(cursor)
    return loaded, good - records_stored


def _record_rejects(cursor, upload_id: int) -> None:
    """Keep every rejected record with its line, column, value and reason (never a raw line: it may
    hold identifiers), and every row a profile set aside with its line and reason."""
    _run(cursor, "ingest_rejected_rows", upload_id=upload_id)
