"""The store's SQL lives in named files: the tables of a current store in queries/schema.sql, the steps that
bring an older store up to date in queries/migrations.sql, every statement a load runs in queries/ingest_*.sql.

A store of the first schema version (its tables, and the rows of tests/data/stores/version_1.sql) opens and
becomes exactly what a new store is, its rows kept. Expected values are worked out by hand from that
file: pseudonyms from the store's key file (HMAC-SHA-256 of the trimmed, lower-cased text, first 32 hex digits,
`p_` before), not by the project's code.
"""

import ast
import hashlib
import hmac
import re
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from dashboard.ingest import MappingLooksWrong, ingest_file
from dashboard.queries import QUERIES_DIR
from dashboard.store import SCHEMA_VERSION, open_store

TEST_DATA = Path(__file__).parent / "data"
PROJECT = Path(__file__).resolve().parent.parent


def pseudonym_by_hand(store_file: Path, text: str) -> str:
    key = bytes.fromhex(store_file.with_name(store_file.name + ".key").read_text().strip())
    return "p_" + hmac.new(key, text.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def layout(connection) -> dict[str, list]:
    """Every table's columns (in order, with type, default and whether NULL is allowed), every constraint,
    view and sequence: what makes two stores the same store."""
    return {
        "columns": connection.execute(
            """SELECT table_name, column_index, column_name, data_type, column_default, is_nullable
               FROM duckdb_columns() WHERE database_name = current_database() AND NOT internal
                 AND table_name IN (SELECT table_name FROM duckdb_tables() WHERE database_name = current_database())
               ORDER BY ALL""").fetchall(),
        "constraints": connection.execute(
            """SELECT table_name, constraint_type, constraint_column_names FROM duckdb_constraints()
               WHERE database_name = current_database() ORDER BY ALL""").fetchall(),
        "views": connection.execute(
            """SELECT view_name FROM duckdb_views() WHERE database_name = current_database() AND NOT internal
               ORDER BY ALL""").fetchall(),
        "sequences": connection.execute(
            "SELECT sequence_name FROM duckdb_sequences() WHERE database_name = current_database()").fetchall(),
    }


# What versions 2 to 10 added to the store (the steps of queries/migrations.sql, and the tables they made): a store
# of version 1 is today's less these, with no rows in the tables it had that a later version did not change.
TABLES_ADDED_SINCE_VERSION_1 = (
    "service_purposes", "saved_mappings",  # 3
    "consent_daily", "consent_version_days", "consent_standing_days", "policy_version_days", "request_fact_rows",  # 4
    "erasures",  # 6
    "consent_holders", "request_holders", "policy_holders",  # 7
    "api_tokens", "watched_files",  # 8
    "denial_reason_words",  # 9
    "consent_standing_slices", "policy_version_slices",  # made at the next open, for stores of version 8 too
)
COLUMNS_ADDED_SINCE_VERSION_1 = (
    ("uploads", "is_sample"),  # 2
    ("uploads", "removed_by"), ("uploads", "removed_at"),  # 5
    ("uploads", "rows_set_aside"), ("rejected_rows", "set_aside"), ("uploads", "rows_folded"),  # 7
    ("request_versions", "denial_reason"),  # 9 (and two columns of request_fact_rows, a table of version 4)
    ("consent", "method"),  # 10
)


def version_1_store(folder: Path) -> Path:
    """A store as version 1 wrote it, with the rows of tests/data/stores/version_1.sql."""
    path = folder / "version-1.duckdb"
    with duckdb.connect(str(path)) as old:
        old.execute((QUERIES_DIR / "schema.sql").read_text(encoding="utf-8"))
        for table in TABLES_ADDED_SINCE_VERSION_1:
            old.execute(f"DROP TABLE {table}")
        for table, column in COLUMNS_ADDED_SINCE_VERSION_1:
            old.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        old.execute((TEST_DATA / "stores" / "version_1.sql").read_text(encoding="utf-8"))
    return path


def test_a_store_of_the_first_version_becomes_what_a_new_store_is_and_keeps_its_rows(tmp_path):
    fresh = open_store(tmp_path / "new.duckdb")
    try:
        expected_layout = layout(fresh)
    finally:
        fresh.close()
    path = version_1_store(tmp_path)

    store = open_store(path)
    try:
        assert store.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchall() == [
            (str(SCHEMA_VERSION),)]
        assert layout(store) == expected_layout
        # The columns added since version 1 take their defaults on the rows already there.
        assert store.execute(
            "SELECT upload_id, file_name, is_sample, removed_by, removed_at, rows_set_aside, rows_folded "
            "FROM uploads ORDER BY upload_id").fetchall() == [
            (1, "consent.csv", False, None, None, 0, 0),
            (2, "requests.csv", False, None, None, 0, 0),
            (3, "policies.csv", False, None, None, 0, 0)]
        assert store.execute("SELECT line, reason, set_aside FROM rejected_rows").fetchall() == [
            (5, "decision is not opt_in, opt_out, acknowledge or shown, nor a synonym of one", False)]
        # Every subject is a pseudonym now: C-1001's two decisions and its request are one person.
        c1001, c1002 = pseudonym_by_hand(path, "C-1001"), pseudonym_by_hand(path, "C-1002")
        assert store.execute("SELECT event_id, subject_id FROM consent ORDER BY event_id").fetchall() == [
            ("e1", c1001), ("e2", c1002), ("e3", c1001)]
        assert store.execute("SELECT request_id, subject_id FROM request_versions").fetchall() == [("r1", c1001)]
        # The summaries are filled at once: one row per day, purpose, channel, region and decision.
        assert store.execute(
            "SELECT day, purpose, channel, region, decision, events FROM consent_daily ORDER BY ALL").fetchall() == [
            (date(2024, 3, 1), "marketing", "app", "US-CA", "opt_out", 1),
            (date(2024, 3, 1), "marketing", "web", "EU", "opt_in", 1),
            (date(2024, 3, 2), "analytics", "web", "EU", "opt_in", 1)]
        # r1 (GDPR: one month) received on 1 March, closed on 11 March: 10 days, due on 1 April.
        assert store.execute("SELECT request_id, days_to_close, due_date FROM request_fact_rows").fetchall() == [
            ("r1", 10, date(2024, 4, 1))]
        # Per channel, the standing consent: web's subject (C-1001) opted in to marketing on 1 March.
        assert store.execute(
            "SELECT purpose, day, new_subjects, opt_in_change FROM consent_standing_slices "
            "WHERE dimension = 'channel' AND slice = 'web' ORDER BY ALL").fetchall() == [
            ("analytics", date(2024, 3, 2), 1, 1), ("marketing", date(2024, 3, 1), 1, 1)]
        # The upload ids go on from where version 1 left them.
        consent = tmp_path / "later.csv"
        consent.write_text("event_id,subject_id,occurred_at,purpose,decision\ne4,C-1002,2024-03-04T10:00:00Z,"
                           "marketing,opt_in\n")
        assert ingest_file(store, "consent", consent).upload_id == "4"
        assert store.execute("SELECT subject_id FROM consent WHERE event_id = 'e4'").fetchall() == [(c1002,)]
    finally:
        store.close()


def test_schema_sql_defines_every_table_of_a_store(tmp_path):
    store = open_store(tmp_path / "store.duckdb")
    try:
        tables = {name for (name,) in store.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() AND NOT temporary"
        ).fetchall()}
    finally:
        store.close()
    schema = (QUERIES_DIR / "schema.sql").read_text(encoding="utf-8")
    defined = set(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", schema))
    assert defined == tables
    # Nowhere else makes a table of the store; the ingest queries make temp tables only.
    for path in [*QUERIES_DIR.glob("*.sql"), *(PROJECT / "dashboard").rglob("*.py")]:
        if path.name != "schema.sql":
            assert not re.search(r"CREATE TABLE IF NOT EXISTS", path.read_text(encoding="utf-8")), path.name


def test_a_load_runs_no_sql_written_in_python():
    """ingest.py reads every statement from queries/: no string in it starts a SELECT, INSERT, UPDATE, DELETE,
    CREATE or WITH (BEGIN, COMMIT, ROLLBACK, a DROP of a temp table and SET VARIABLE may stay, and so may the
    pieces a profile compiles into, a condition on the records, say)."""
    tree = ast.parse((PROJECT / "dashboard" / "ingest.py").read_text(encoding="utf-8"))
    written = [node.value for node in ast.walk(tree)
               if isinstance(node, ast.Constant) and isinstance(node.value, str)
               and re.match(r"\s*\(?\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|WITH)\b", node.value)]
    assert written == []


def test_each_store_query_says_what_it_does_in_its_first_line():
    names = sorted(path.name for path in QUERIES_DIR.glob("*.sql")
                   if path.name.startswith(("ingest_", "schema", "migrat", "summary_")))
    assert "schema.sql" in names and "migrations.sql" in names and len(names) > 20
    for name in names:
        assert (QUERIES_DIR / name).read_text(encoding="utf-8").startswith("-- "), name


def test_a_timestamp_with_an_offset_and_a_space_after_it_is_read_at_its_offset(store, tmp_path):
    """Every value is trimmed once, where the file's rows are mapped (ingest_mapped.sql): `…+02:00 ` is 08:00 UTC."""
    consent = tmp_path / "consent.csv"
    consent.write_text("event_id,subject_id,occurred_at,purpose,decision\n"
                       "e1,s1,2024-03-01T10:00:00+02:00 ,marketing,opt_in\n"
                       "e2,s2, 2024-03-01T10:00:00+02:00,marketing,opt_in\n")
    ingest_file(store, "consent", consent)
    assert store.execute("SELECT event_id, occurred_at FROM consent ORDER BY event_id").fetchall() == [
        ("e1", datetime(2024, 3, 1, 8, 0)), ("e2", datetime(2024, 3, 1, 8, 0))]


def test_a_mapping_that_looks_wrong_is_refused_until_confirmed(store, tmp_path):
    """The checks of ingest_mapping_check.sql and ingest_unusual_values.sql, worked out by hand: five purposes that
    are JSON text (5 of 5 rows, at least a fifth); twelve purposes each on one row (12 new, all 12 on fewer than
    3 rows: at least ten, and at least 80% of them rare)."""
    json_purposes = tmp_path / "json.csv"
    json_purposes.write_text("event_id,subject_id,occurred_at,purpose,decision\n" + "".join(
        f'j{number},s{number},2024-03-0{number + 1}T10:00:00Z,"{{""id"": {number}}}",opt_in\n' for number in range(5)))
    with pytest.raises(MappingLooksWrong) as refused:
        ingest_file(store, "consent", json_purposes)
    assert str(refused.value) == (
        "json.csv: the purposes of 5 of 5 rows are JSON text, not purposes: check which column is mapped to "
        "‘purpose’, or load it anyway on purpose (Load anyway; --confirm)")

    tickets = tmp_path / "tickets.csv"
    tickets.write_text("event_id,subject_id,occurred_at,purpose,decision\n" + "".join(
        f"n{number},s{number},2024-03-01T10:00:00Z,ticket {number:02d},opt_in\n" for number in range(12)))
    with pytest.raises(MappingLooksWrong) as refused:
        ingest_file(store, "consent", tickets)
    assert "the mapping would create 12 new purposes, 12 of them on fewer than 3 rows each" in str(refused.value)
    assert store.execute("SELECT count(*) FROM consent").fetchall() == [(0,)]

    loaded = ingest_file(store, "consent", tickets, confirm=True)
    assert loaded.rows_loaded == 12
    # The five first by rows, then by name (all on one row), and the seven others counted.
    assert loaded.warnings == [("purposes not in the catalogue, kept as new purposes: ticket_00 (1 row), "
                                "ticket_01 (1 row), ticket_02 (1 row), ticket_03 (1 row), ticket_04 (1 row) and 7 more")]
