"""Readers beyond plain CSV, through the same staging: UTF-16 both ways round, newline-delimited JSON (plain,
gzipped, nested), Parquet; and the JSON arrays and spreadsheets refused whole with one line.

The files under tests/data/readers/ are written by make_reader_files.py there, which names where each
format's bytes come from (Unicode's byte-order marks, JSON Lines and RFC 8259, DuckDB's own Parquet writer,
ECMA-376 for .xlsx, ODF 1.2 for .ods, [MS-CFB] and [MS-XLS] for .xls). Every figure below is counted by
hand from those files, line by line, in the comments.
"""

import gzip
import hashlib
import json
import re
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from dashboard.ingest import UnusableFile, ingest_file
from dashboard.reading import MAX_LINE_BYTES, open_export

READERS = Path(__file__).parent / "data" / "readers"
NOT_AN_OBJECT = "the line is not a JSON object"


def rows(store, sql, parameters=None):
    return store.execute(sql, parameters or {}).fetchall()


def rejected(store):
    return rows(store, "SELECT line, column_name, reason FROM rejected_rows ORDER BY line")


def counts(report):
    return report.rows_read, report.rows_loaded, report.rows_duplicate, report.rows_rejected


# --- UTF-16 -------------------------------------------------------------------------------------------------

# consent_utf16*.csv, after the header:
#   device-001  2024-03-01T09:00:00Z  Marketing               yes      -> 09:00 UTC, marketing, opt_in
#   device-002  2024-03-02 14:30:00   Research & Development  no       -> research_development, opt_out
#   device-003  2024-03-03            Café newsletter         granted  -> café_newsletter (new), opt_in
UTF16_ROWS = [
    (datetime(2024, 3, 1, 9, 0), "marketing", "opt_in"),
    (datetime(2024, 3, 2, 14, 30), "research_development", "opt_out"),
    (datetime(2024, 3, 3), "café_newsletter", "opt_in"),
]


@pytest.mark.parametrize("name", ["consent_utf16be.csv", "consent_utf16le.csv"])
def test_utf16_with_its_byte_order_mark_loads_every_row_either_way_round(store, name):
    assert (READERS / name).read_bytes()[:2] == (b"\xfe\xff" if "be" in name else b"\xff\xfe")
    report = ingest_file(store, "consent", READERS / name)
    assert counts(report) == (3, 3, 0, 0)
    assert rows(store, "SELECT occurred_at, purpose, decision FROM consent ORDER BY occurred_at") == UTF16_ROWS
    assert rows(store, "SELECT count(DISTINCT subject_id) FROM consent") == [(3,)]


# --- Newline-delimited JSON ---------------------------------------------------------------------------------

# consent.jsonl, line by line:
#   1  device-001  2024-03-01T09:00:00Z       marketing             opt_in       loaded (09:00 UTC)
#   2  device-002  2024-03-01T10:30:00+01:00  Marketing             granted      loaded (09:30 UTC, opt_in)
#   3  (blank)                                                                   skipped, not counted
#   4  device-003, its closing brace missing                                     rejected: not a JSON object
#   5  device-003  2024-03-02                 research_development  opt_out      loaded
#   6  device-004  1709424000 (a number)      communications        acknowledge  loaded (2024-03-03 00:00 UTC)
#   7  device-005  2024-03-04                 marketing             maybe        rejected: decision
# Read: 6 records (lines 1, 2, 4, 5, 6, 7); loaded 4; rejected 2.
JSONL_STORED = [
    (datetime(2024, 3, 1, 9, 0), "marketing", "opt_in"),
    (datetime(2024, 3, 1, 9, 30), "marketing", "opt_in"),
    (datetime(2024, 3, 2), "research_development", "opt_out"),
    (datetime(2024, 3, 3), "communications", "acknowledge"),
]
JSONL_REJECTED = [(4, None, NOT_AN_OBJECT), (7, "decision")]


def _rejected_lines(store):
    # The decision's reason is the vocabulary's wording; the line and column are what this reader decides.
    return [(line, column, reason) if column is None else (line, column) for line, column, reason in rejected(store)]


@pytest.mark.parametrize("name", ["consent.jsonl", "consent.jsonl.gz"])
def test_json_lines_load_with_each_record_at_its_line(store, name):
    report = ingest_file(store, "consent", READERS / name)
    assert counts(report) == (6, 4, 0, 2)
    assert report.file == name
    assert rows(store, "SELECT occurred_at, purpose, decision FROM consent ORDER BY occurred_at") == JSONL_STORED
    assert _rejected_lines(store) == JSONL_REJECTED
    # The upload's hash is of the file as sent (gzipped or not).
    assert rows(store, "SELECT sha256 FROM uploads") == [(hashlib.sha256((READERS / name).read_bytes()).hexdigest(),)]


def test_the_gzipped_file_is_the_same_text():
    assert gzip.decompress((READERS / "consent.jsonl.gz").read_bytes()) == (READERS / "consent.jsonl").read_bytes()


@pytest.mark.parametrize("encoding, bom", [("utf-16-be", b"\xfe\xff"), ("utf-16-le", b"\xff\xfe"),
                                           ("cp1252", b""), ("utf-8", b"\xef\xbb\xbf")])
def test_json_lines_in_other_encodings_read_alike(store, tmp_path, encoding, bom):
    text = (READERS / "consent.jsonl").read_text(encoding="utf-8")
    export = tmp_path / "consent.jsonl"
    export.write_bytes(bom + text.encode(encoding))
    report = ingest_file(store, "consent", export)
    assert counts(report) == (6, 4, 0, 2)
    assert _rejected_lines(store) == JSONL_REJECTED


def test_lines_ending_in_lf_and_crlf_both_are_read(store, tmp_path):
    lines = (READERS / "consent.jsonl").read_text(encoding="utf-8").split("\n")
    export = tmp_path / "mixed.jsonl"
    # Lines 1-3 end in CRLF, the rest in LF, as when two exports are put together.
    export.write_bytes(("\r\n".join(lines[:4]) + "\n" + "\n".join(lines[4:])).encode("utf-8"))
    report = ingest_file(store, "consent", export)
    assert counts(report) == (6, 4, 0, 2)
    assert _rejected_lines(store) == JSONL_REJECTED


def test_runs_of_blank_and_broken_lines_keep_every_later_line_number(store, tmp_path):
    def record(subject, decision):
        return json.dumps({"subject_id": subject, "occurred_at": "2024-03-01", "purpose": "marketing",
                           "decision": decision})

    lines = [
        record("device-1", "opt_in"),  # 1 loaded
        "",  # 2 blank
        "   ",  # 3 blank (spaces only)
        "[1, 2]",  # 4 valid JSON, but not an object
        "not json at all",  # 5
        '"a string"',  # 6 valid JSON, but not an object
        "",  # 7 blank
        "",  # 8 blank
        record("device-2", "maybe"),  # 9 rejected: decision
        "{\u001f}",  # 10 a raw control character (DuckDB's field delimiter for these lines): not JSON
        record("device-3", "opt_out"),  # 11 loaded
        record("device-4", "nope"),  # 12 rejected: decision
    ]
    export = tmp_path / "runs.jsonl"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = ingest_file(store, "consent", export)
    # Records: lines 1, 4, 5, 6, 9, 10, 11, 12 (8); loaded 1 and 11; rejected the other 6.
    assert counts(report) == (8, 2, 0, 6)
    assert _rejected_lines(store) == [(4, None, NOT_AN_OBJECT), (5, None, NOT_AN_OBJECT), (6, None, NOT_AN_OBJECT),
                                      (9, "decision"), (10, None, NOT_AN_OBJECT), (12, "decision")]


def test_a_line_at_the_line_limit_is_set_aside_and_the_lines_after_it_keep_their_numbers(store, tmp_path):
    def record(subject, decision):
        return json.dumps({"subject_id": subject, "occurred_at": "2024-03-01", "purpose": "marketing",
                           "decision": decision})

    padding = '{"pad": "' + "x" * (MAX_LINE_BYTES - 11) + '"}'
    assert len(padding) == MAX_LINE_BYTES
    over = '{"pad": "' + "x" * MAX_LINE_BYTES + '"}'
    lines = [record("device-1", "opt_in"), padding, "", record("device-2", "maybe"), over, over,
             record("device-3", "opt_out"), record("device-4", "nope")]
    export = tmp_path / "long.jsonl"
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = ingest_file(store, "consent", export)
    # Records: lines 1, 2, 4, 5, 6, 7, 8 (line 3 is blank); loaded 1 and 7.
    assert counts(report) == (7, 2, 0, 5)
    long_line = f"the line is longer than {MAX_LINE_BYTES:,} bytes, the most one line may hold"
    assert _rejected_lines(store) == [(2, None, long_line), (4, "decision"), (5, None, long_line),
                                      (6, None, long_line), (8, "decision")]


def test_a_json_file_is_known_by_its_first_character_whatever_its_name(store, tmp_path):
    export = tmp_path / "consent.csv"
    export.write_bytes((READERS / "consent.jsonl").read_bytes())
    assert open_export(export).layout == "ndjson"
    assert counts(ingest_file(store, "consent", export)) == (6, 4, 0, 2)


# consent_nested.ndjson, fields in the order first seen:
#   line 1: event_id, user.id, user.country, occurred_at, purpose, decision, consents.purposes
#   line 2: adds user.region
#   line 3: adds meta (an empty object: one field, its text `{}`)
NESTED_HEADER = ["event_id", "user.id", "user.country", "occurred_at", "purpose", "decision", "consents.purposes",
                 "user.region", "meta"]


def test_nested_objects_become_dotted_fields_in_the_order_first_seen():
    opened = open_export(READERS / "consent_nested.ndjson")
    assert (opened.layout, opened.header) == ("ndjson", NESTED_HEADER)
    assert opened.first_line == 1


def test_a_nested_field_is_mapped_by_its_dotted_name(store):
    report = ingest_file(store, "consent", READERS / "consent_nested.ndjson",
                         mapping={"subject_id": "user.id", "region": "user.country",
                                  "policy_version": "consents.purposes"})
    assert counts(report) == (3, 3, 0, 0)
    # device-101 made evt-1 and evt-3; device-102 evt-2.
    subjects = dict(rows(store, "SELECT event_id, subject_id FROM consent"))
    assert subjects["evt-1"] == subjects["evt-3"] != subjects["evt-2"]
    assert all(re.fullmatch(r"p_[0-9a-f]{32}", subject) for subject in subjects.values())
    # Only evt-1's user has a country; a field a record lacks is empty there.
    assert rows(store, "SELECT event_id, region FROM consent ORDER BY event_id") == [
        ("evt-1", "FR"), ("evt-2", None), ("evt-3", None)]
    # An array stays one field holding its JSON text (mapped to policy_version here only to see it stored).
    versions = dict(rows(store, "SELECT event_id, policy_version FROM consent"))
    assert {event: json.loads(text) for event, text in versions.items()} == {
        "evt-1": [{"id": "marketing", "enabled": True}],
        "evt-2": [],
        "evt-3": [{"id": "research_development", "enabled": True}],
    }


def test_a_json_file_without_the_needed_fields_is_refused_without_showing_a_line(store, tmp_path):
    export = tmp_path / "people.jsonl"
    export.write_text('{"email": "jane.doe@example.com", "when": "2024-03-01"}\n', encoding="utf-8")
    with pytest.raises(UnusableFile) as refused:
        ingest_file(store, "consent", export)
    message = str(refused.value)
    # Its field names are named (as a CSV file's columns are), never a record.
    assert message.startswith("people.jsonl: ") and "email, when" in message
    assert "example.com" not in message and "{" not in message and "2024" not in message


# --- Parquet ------------------------------------------------------------------------------------------------

# consent.parquet (DuckDB's COPY TO), rows:
#   1  pq-1  device-201 DE  2024-05-01 10:00:00+02:00      marketing             opt_in       08:00 UTC
#   2  pq-2  device-202 FR  2024-05-01 23:30:00-02:00      marketing             opt_out      05-02 01:30 UTC
#   3  pq-3  device-203 FR  2024-05-02 12:00:00+00:00      marketing             maybe        rejected: decision
#   4  pq-4  device-201 DE  2024-05-03 08:15:30.25+00:00   research_development  opt_in
#   5  pq-5  device-204 IT  2024-05-04 00:00:00+00:00      communications        acknowledge
PARQUET_HEADER = ["event_id", "user.id", "user.country", "occurred_at", "purpose", "decision", "channels"]


def test_parquet_columns_are_the_header_with_structs_flattened():
    opened = open_export(READERS / "consent.parquet")
    assert (opened.layout, opened.header) == ("parquet", PARQUET_HEADER)
    assert opened.sha256 == hashlib.sha256((READERS / "consent.parquet").read_bytes()).hexdigest()


def test_a_parquet_export_loads_in_utc_with_each_row_at_its_number(store):
    report = ingest_file(store, "consent", READERS / "consent.parquet",
                         mapping={"subject_id": "user.id", "region": "user.country"})
    assert counts(report) == (5, 4, 0, 1)
    assert rows(store, "SELECT event_id, occurred_at, purpose, decision, region FROM consent ORDER BY event_id") == [
        ("pq-1", datetime(2024, 5, 1, 8, 0), "marketing", "opt_in", "DE"),
        ("pq-2", datetime(2024, 5, 2, 1, 30), "marketing", "opt_out", "FR"),
        ("pq-4", datetime(2024, 5, 3, 8, 15, 30, 250000), "research_development", "opt_in", "DE"),
        ("pq-5", datetime(2024, 5, 4), "communications", "acknowledge", "IT"),
    ]
    assert [(line, column) for line, column, _reason in rejected(store)] == [(3, "decision")]
    # device-201 made pq-1 and pq-4.
    assert rows(store, "SELECT count(DISTINCT subject_id) FROM consent") == [(3,)]


def test_parquet_timestamps_without_a_zone_and_lists_are_text_as_written(store, tmp_path):
    export = tmp_path / "plain.parquet"
    with duckdb.connect() as writer:
        writer.execute(
            """
            COPY (SELECT * FROM (VALUES
                ('s-1', TIMESTAMP '2024-06-01 12:34:56.789', 'marketing', 'yes', ['a', 'b']),
                ('s-2', TIMESTAMP '2024-06-02 00:00:00', 'marketing', 'no', []))
              AS rows(subject_id, occurred_at, purpose, decision, tags))
            TO '""" + str(export) + "' (FORMAT parquet)"
        )
    report = ingest_file(store, "consent", export, mapping={"policy_version": "tags"})
    assert counts(report) == (2, 2, 0, 0)
    assert rows(store, "SELECT occurred_at, decision, policy_version FROM consent ORDER BY occurred_at") == [
        (datetime(2024, 6, 1, 12, 34, 56, 789000), "opt_in", '["a","b"]'),
        (datetime(2024, 6, 2), "opt_out", "[]"),
    ]


# --- Refused whole ------------------------------------------------------------------------------------------

REFUSED = [
    ("consent_array.json",
     "consent_array.json: is a JSON array, not newline-delimited JSON: export one object per line (JSON Lines)"),
    ("consent.xlsx", "consent.xlsx: is a spreadsheet (Excel), not a CSV file: save it as CSV"),
    ("consent.xls", "consent.xls: is a spreadsheet (Excel), not a CSV file: save it as CSV"),
    ("consent.ods", "consent.ods: is a spreadsheet (OpenDocument), not a CSV file: save it as CSV"),
]


@pytest.mark.parametrize("name, message", REFUSED, ids=[name for name, _message in REFUSED])
def test_json_arrays_and_spreadsheets_are_refused_with_one_line(store, name, message):
    with pytest.raises(UnusableFile) as refused:
        ingest_file(store, "consent", READERS / name)
    assert str(refused.value) == message
    assert rows(store, "SELECT count(*) FROM uploads") == [(0,)]


def test_a_spreadsheet_renamed_csv_is_still_named_a_spreadsheet(store, tmp_path):
    export = tmp_path / "consent.csv"
    export.write_bytes((READERS / "consent.xlsx").read_bytes())
    with pytest.raises(UnusableFile) as refused:
        ingest_file(store, "consent", export)
    assert str(refused.value) == "consent.csv: is a spreadsheet (Excel), not a CSV file: save it as CSV"


def test_one_json_object_over_several_lines_is_refused_with_one_line(store, tmp_path):
    export = tmp_path / "pretty.json"
    export.write_text('{\n  "subject_id": "device-1",\n  "decision": "opt_in"\n}\n', encoding="utf-8")
    with pytest.raises(UnusableFile) as refused:
        ingest_file(store, "consent", export)
    assert str(refused.value) == ("pretty.json: is one JSON object written over several lines, not newline-delimited "
                                  "JSON: export one object per line (JSON Lines)")
