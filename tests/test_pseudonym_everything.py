"""Every subject_id is a keyed pseudonym, whatever it looks like (spec/data.md, "Direct identifiers never enter
the store"): a customer number or device id as much as an e-mail address; a store written before this rule
is migrated once, so the same number loaded before and after is one person; erasure finds them by the same rule.

Expected pseudonyms are computed here by hand from the store's key file (HMAC-SHA-256 of the trimmed,
lower-cased text, first 32 hex digits, `p_` before), not by the project's code.
"""

import hashlib
import hmac
from pathlib import Path

import duckdb

from dashboard.ingest import ingest_file
from dashboard.store import SCHEMA_VERSION, open_store, remove_upload
from tests.test_summaries import assert_summaries_agree


def pseudonym_by_hand(store_file: Path, text: str) -> str:
    key = bytes.fromhex(store_file.with_name(store_file.name + ".key").read_text().strip())
    return "p_" + hmac.new(key, text.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def derived_event_id(subject: str, occurred: str, purpose: str, decision: str, version: str = "unknown") -> str:
    """The id ingest_consent.sql gives an event without one, as data.md describes it, by hand."""
    text = f"{subject}|{occurred}|{purpose}|{decision}|{version}"
    return "d_" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def store_bytes(path: Path) -> bytes:
    wal = path.with_name(path.name + ".wal")
    return path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")


CONSENT = """event_id,subject_id,occurred_at,purpose,decision
e1,C-1001,2024-01-01T10:00:00Z,marketing,opt_in
e2, C-1001 ,2024-01-02T10:00:00Z,marketing,opt_out
e3,device-7f3a9,2024-01-03T10:00:00Z,marketing,opt_in
e4,Jane Doe <jane.doe@example.com>,2024-01-04T10:00:00Z,marketing,opt_in
e5,jane.doe@example.com,2024-01-05T10:00:00Z,analytics,opt_in
"""
REQUESTS = """request_id,request_type,received_at,status,closed_at,subject_id,jurisdiction
r1,access,2024-01-10,open,,C-1001,US-CA
r2,deletion,2024-01-11,open,,,US-CA
"""


def test_a_customer_number_is_stored_as_a_pseudonym_never_as_written(tmp_path):
    path = tmp_path / "store.duckdb"
    store = open_store(path)
    ingest_file(store, "consent", write(tmp_path, "consent.csv", CONSENT))
    ingest_file(store, "requests", write(tmp_path, "requests.csv", REQUESTS))

    customer = pseudonym_by_hand(path, "C-1001")
    device = pseudonym_by_hand(path, "device-7f3a9")
    jane = pseudonym_by_hand(path, "jane.doe@example.com")
    # The number with spaces around it is the same person; the `Name <address>` form is its address.
    assert store.execute("SELECT event_id, subject_id FROM consent ORDER BY 1").fetchall() == [
        ("e1", customer), ("e2", customer), ("e3", device), ("e4", jane), ("e5", jane)]
    # A request without a subject keeps none.
    assert store.execute("SELECT request_id, subject_id FROM requests ORDER BY 1").fetchall() == [
        ("r1", customer), ("r2", None)]
    assert store.execute("SELECT subject_id FROM request_fact_rows WHERE request_id = 'r1'").fetchall() == [
        (customer,)]
    store.execute("CHECKPOINT")
    store.close()

    written = store_bytes(path)
    for raw in (b"C-1001", b"c-1001", b"device-7f3a9", b"jane.doe@example.com"):
        assert raw not in written, raw
    assert customer.encode() in written


def old_style_store(tmp_path: Path) -> Path:
    """A store as schema 6 wrote it: customer numbers kept as written (an event without an id derived
    from the raw number), no holder tables and no set-aside columns.

    Upload 1: C-2002's opt-in (no event id) and bob's opt-out; upload 2: C-2002's request; upload 3:
    C-3003's opt-in, and, written directly, the same decision of C-2002 spelled `c-2002`, its id derived
    from that spelling (two subjects until now).
    """
    path = tmp_path / "old.duckdb"
    store = open_store(path)
    ingest_file(store, "consent", write(tmp_path, "old.csv", OLD_CONSENT))
    ingest_file(store, "requests", write(tmp_path, "old_requests.csv", OLD_REQUESTS))
    ingest_file(store, "consent", write(tmp_path, "other.csv", OTHER_CONSENT))
    number = pseudonym_by_hand(path, "C-2002")
    store.execute(
        "UPDATE consent SET subject_id = 'C-2002', event_id = $raw_id WHERE subject_id = $number",
        {"raw_id": derived_event_id("C-2002", OCCURRED, "marketing", "opt_in"), "number": number})
    store.execute("ALTER TABLE consent DROP COLUMN method")  # schema 10's
    store.execute(
        "INSERT INTO consent VALUES ($id, 'c-2002', TIMESTAMP '2024-01-01 10:00:00', 'marketing', 'opt_in', "
        "'unknown', NULL, NULL, 3)", {"id": derived_event_id("c-2002", OCCURRED, "marketing", "opt_in")})
    store.execute("UPDATE consent SET subject_id = 'C-3003' WHERE subject_id = $p",
                  {"p": pseudonym_by_hand(path, "C-3003")})
    for table in ("request_versions", "request_fact_rows"):
        store.execute(f"UPDATE {table} SET subject_id = 'C-2002' WHERE subject_id = $number", {"number": number})
    for table in ("consent_holders", "request_holders", "policy_holders"):
        store.execute(f"DROP TABLE {table}")
    store.execute("ALTER TABLE uploads DROP COLUMN rows_set_aside")
    store.execute("ALTER TABLE rejected_rows DROP COLUMN set_aside")
    store.execute("UPDATE store_meta SET value = '6' WHERE key = 'schema_version'")
    store.close()
    return path


OCCURRED = "2024-01-01T10:00:00.000000"
OLD_CONSENT = """subject_id,occurred_at,purpose,decision
C-2002,2024-01-01T10:00:00Z,marketing,opt_in
bob@example.org,2024-01-02T10:00:00Z,marketing,opt_out
"""
OLD_REQUESTS = """request_id,request_type,received_at,status,closed_at,subject_id,jurisdiction
r1,access,2024-01-03,open,,C-2002,US-CA
"""
OTHER_CONSENT = """event_id,subject_id,occurred_at,purpose,decision
e9,C-3003,2024-02-01T10:00:00Z,marketing,opt_in
"""


def test_an_old_store_is_migrated_once_and_a_number_loaded_before_and_after_is_one_person(tmp_path):
    path = old_style_store(tmp_path)
    with duckdb.connect(str(path), read_only=True) as old:
        assert sorted(row[0] for row in old.execute("SELECT subject_id FROM consent").fetchall())[:3] == [
            "C-2002", "C-3003", "c-2002"]

    store = open_store(path)
    try:
        number, bob = pseudonym_by_hand(path, "C-2002"), pseudonym_by_hand(path, "bob@example.org")
        assert store.execute("SELECT value FROM store_meta WHERE key = 'schema_version'").fetchall() == [
            (str(SCHEMA_VERSION),)]
        assert SCHEMA_VERSION == 10
        # Both spellings are one person now: one decision, kept by upload 1, which upload 3 holds too;
        # its id derived again from the pseudonym, as a load derives it now.
        event = derived_event_id(number, OCCURRED, "marketing", "opt_in")
        assert store.execute("SELECT event_id, subject_id, upload_id FROM consent ORDER BY occurred_at").fetchall() == [
            (event, number, 1),
            (derived_event_id(bob, "2024-01-02T10:00:00.000000", "marketing", "opt_out"), bob, 1),
            ("e9", pseudonym_by_hand(path, "C-3003"), 3)]
        assert store.execute("SELECT * FROM consent_holders").fetchall() == [(event, 3)]
        assert store.execute("SELECT subject_id FROM request_versions").fetchall() == [(number,)]
        assert store.execute("SELECT subject_id FROM request_fact_rows").fetchall() == [(number,)]
        assert store.execute("SELECT rows_set_aside FROM uploads WHERE upload_id = 1").fetchall() == [(0,)]
        # The figures follow: one person in marketing opted in (C-2002), one out (bob), C-3003 in.
        assert_summaries_agree(store)

        # The same export loaded again after the migration finds both decisions already stored.
        again = ingest_file(store, "consent", write(tmp_path, "old-again.csv", OLD_CONSENT))
        assert (again.rows_loaded, again.rows_duplicate) == (0, 2)
        # A new decision of the same number is the same person.
        later = ingest_file(store, "consent", write(
            tmp_path, "later.csv", "subject_id,occurred_at,purpose,decision\n c-2002,2024-03-01T10:00:00Z,marketing,opt_out\n"))
        assert later.rows_loaded == 1
        assert store.execute("SELECT count(*) FROM consent WHERE subject_id = $p", {"p": number}).fetchall() == [(2,)]
        # Upload 1 undone: C-2002's opt-in stays, upload 3 (and the reload) still hold it; bob's opt-out
        # stays, the reload holds it.
        removed = remove_upload(store, 1)
        assert (removed.rows_removed, removed.rows_staying) == (0, 2)
        assert store.execute("SELECT upload_id FROM consent WHERE event_id = $e", {"e": event}).fetchall() == [(3,)]
        assert_summaries_agree(store)
    finally:
        store.close()

    # Once: opening it again changes nothing.
    reopened = open_store(path)
    try:
        assert reopened.execute("SELECT count(*), count(DISTINCT subject_id) FROM consent").fetchall() == [(4, 3)]
    finally:
        reopened.close()


def test_forget_finds_a_customer_number_by_the_same_rule(tmp_path):
    from dashboard.erasure import forget

    path = tmp_path / "store.duckdb"
    store = open_store(path)
    try:
        ingest_file(store, "consent", write(tmp_path, "consent.csv", CONSENT))
        ingest_file(store, "consent", write(tmp_path, "again.csv", CONSENT))  # every row held twice
        ingest_file(store, "requests", write(tmp_path, "requests.csv", REQUESTS))

        # Written with other capitals and spaces, as a person might type it.
        result = forget(store, [" c-1001", "device-7f3a9"])
        # C-1001: e1, e2 and request r1; the device: e3.
        assert (result.people, result.consent_rows, result.request_rows) == (2, 3, 1)
        assert store.execute("SELECT event_id FROM consent ORDER BY 1").fetchall() == [("e4",), ("e5",)]
        # The list of uploads that brought their rows went with them.
        assert store.execute("SELECT event_id FROM consent_holders ORDER BY 1").fetchall() == [("e4",), ("e5",)]
        assert store.execute("SELECT request_id FROM requests").fetchall() == [("r2",)]
    finally:
        store.close()
