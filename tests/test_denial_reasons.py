"""Denial reasons: the optional requests column `denial_reason`, kept as written, and its category among the reasons
a CCPA report may give for a denial (11 CCR § 7102(a)(2): the request "was not verifiable, was not made by a
consumer, called for information exempt from disclosure, or was denied on other grounds"), folded through the
phrases of data/words.toml's [denial_reason] table.

Where the vendors' reasons come from (their own public code):
- Fides writes `Denial Reason` in every layout of its privacy-request CSV: the message of the request's `denied`
  audit-log entry, for denied requests only. ethyca/fides, privacy_request_csv_download() in
  src/fides/service/privacy_request/privacy_request_csv_download.py at commit
  96aa40cba74e44a369d637b056f08310132b65ba (the entry written by PrivacyRequestService.deny_privacy_requests,
  src/fides/service/privacy_request/privacy_request_service.py, same commit); the same cell at release 2.70.0
  (58ac65560c00900b5cf88212c1f690d49885d184) and 2.52.0 (86f60a7a3175df63797169921f01dc8b938d0499), in
  src/fides/api/api/v1/endpoints/privacy_request_endpoints.py.
- Transcend's request export has no reason: transcend-io/cli at commit 7f00a8ba85a914448196597d5f33ac4881f23bc5,
  src/lib/requests/formatRequestForCsv.ts and the query it is filled from, src/lib/graphql/gqls/request.ts
  (unchanged in transcend-io/tools at 1272189642543542527d7c75fde66355ef49f145, packages/cli). Its profile gives a
  FAILED_VERIFICATION request (RequestStatus of transcend-io/privacy-types at
  4f65bdca55f16fda0b9a67a0ae2b95b93e48c0ad, src/request.ts) a reason from its status.

The files: tests/data/requests/denial_reasons.csv (made for this test) and the Fides and Transcend exports of
tests/data/vendors/, read only. Each expected category is worked out by hand in the comments: the reason lower-cased,
every run of other characters than letters and digits made one space; the phrases of data/words.toml found in it as
whole words; the longest decides.
"""

import csv
import hashlib
import json
import shutil
from pathlib import Path

import duckdb
import pytest

from dashboard.ingest import ingest_file
from dashboard.queries import QUERIES_DIR
from dashboard.reading import UnusableFile
from dashboard.store import SCHEMA_VERSION, open_store, remove_upload
from tests.conftest import stored_text

TEST_DATA = Path(__file__).parent / "data"
PROJECT = Path(__file__).resolve().parent.parent
DENIALS = TEST_DATA / "requests" / "denial_reasons.csv"
FIDES_CURRENT = TEST_DATA / "vendors" / "fides" / "fides_requests_current.csv"
FIDES_2024 = TEST_DATA / "vendors" / "fides" / "fides_requests_2024.csv"
TRANSCEND = TEST_DATA / "vendors" / "transcend" / "transcend_request_export.csv"


def rows(store, sql, parameters=None):
    return store.execute(sql, parameters or {}).fetchall()


def facts(store) -> dict[str, tuple]:
    """Per request id: (denial_reason, denial_category) as the request figures read them."""
    return {request_id: (reason, category) for request_id, reason, category in rows(
        store, "SELECT DISTINCT request_id, denial_reason, denial_category FROM request_facts")}


# By hand, from denial_reasons.csv:
EXPECTED = {
    # ' we were unable to verify your identity after two attempts ': `unable to verify`.
    "D-01": ("We were UNABLE to verify your identity after two attempts.", "identity_not_verified"),
    # ' not a california resident billing address in oregon ': `not a california resident`.
    "D-02": ("Not a California-resident (billing address in Oregon)", "not_a_consumer"),
    # `exempt` (6 letters) and `legal obligation` (16), both exempt.
    "D-03": ("Exempt: order records kept under a legal obligation", "exempt"),
    # `manifestly unfounded`, a phrase of `other`.
    "D-04": ("Manifestly unfounded - the same request 40 times in one day", "other"),
    # No phrase at all: other. The spaces around it are not kept.
    "D-05": ("Asked about a loyalty card we do not issue", "other"),
    # Denied without a reason: no category (the record-keeping check counts these).
    "D-06": (None, None),
    # Completed, no reason.
    "D-07": (None, None),
    # Withdrawn with a reason: the reason is kept, but only a denial has a category.
    "D-08": ("Identity could not be verified", None),
    # `not a california resident` (25 characters, not_a_consumer) and `not verified` (12, identity_not_verified):
    # the longer decides.
    "D-09": ("Not a California resident, and the identity was not verified either", "not_a_consumer"),
    # The address masked, the words kept: ' could not verify e mail address ', `could not verify`.
    "D-10": ("Could not verify [e-mail address]", "identity_not_verified"),
    # `exempt` is not a word of ' refused the nonexempt records were sent earlier ': no phrase, other.
    "D-11": ("Refused: the nonexempt records were sent earlier", "other"),
}


def test_each_request_keeps_its_reason_as_written_and_a_denial_gets_its_category(store):
    report = ingest_file(store, "requests", DENIALS)
    assert (report.format, report.rows_read, report.rows_loaded, report.rows_rejected) == ("canonical", 11, 11, 0)
    assert facts(store) == EXPECTED
    # The versions keep the reason; the category is worked out from it, never stored with the version.
    assert rows(store, "SELECT denial_reason FROM request_versions WHERE request_id = 'D-09'") == [
        (EXPECTED["D-09"][0],)]
    # Per category, as a § 7102 table counts the 9 denials: identity 2 (D-01, D-10), not a consumer 2 (D-02, D-09),
    # exempt 1 (D-03), other 3 (D-04, D-05, D-11), no reason 1 (D-06).
    assert dict(rows(store, "SELECT coalesce(denial_category, 'none'), count(*) FROM request_facts "
                            "WHERE status = 'denied' GROUP BY 1")) == {
        "identity_not_verified": 2, "not_a_consumer": 2, "exempt": 1, "other": 3, "none": 1}


def test_an_address_in_a_reason_is_masked_never_stored_and_the_upload_says_so(store):
    report = ingest_file(store, "requests", DENIALS)
    assert ("1 denial reason held an e-mail address or phone number: kept with it masked ([e-mail address], "
            "[phone number])") in report.warnings
    # No text of any table holds the address, whole or in part.
    assert not [cell for cell in stored_text(store) if "jane.doe" in cell or "example.com" in cell]
    assert not any("jane.doe" in warning for warning in report.warnings)


def test_the_data_contract_column_is_found_by_its_other_names(store, tmp_path):
    # A file whose column is named `Rejection Reason` is mapped to denial_reason on the mapping screen...
    from dashboard.formats import suggested_sources

    header = ["Ticket", "Type", "Opened", "State", "Rejection Reason"]
    assert suggested_sources("requests", header)["denial_reason"] == "Rejection Reason"
    # ...and a --map does the same on the command line.
    renamed = tmp_path / "renamed.csv"
    renamed.write_text("request_id,request_type,received_at,status,Rejection Reason\n"
                       "X-1,access,2024-03-01,denied,Unverified requester\n", encoding="utf-8")
    ingest_file(store, "requests", renamed, mapping={"denial_reason": "Rejection Reason"})
    # ' unverified requester ': `unverified`.
    assert facts(store)["X-1"] == ("Unverified requester", "identity_not_verified")


def test_a_new_reason_for_a_request_is_a_new_version_and_undo_brings_the_old_one_back(store, tmp_path):
    first = ingest_file(store, "requests", DENIALS)
    again = ingest_file(store, "requests", DENIALS)
    assert (again.rows_loaded, again.rows_duplicate) == (0, 11)
    # The reviewer wrote a better reason for D-05 in the next export: only that request changes.
    later = tmp_path / "later.csv"
    later.write_text("request_id,request_type,received_at,status,closed_at,jurisdiction,denial_reason\n"
                     "D-05,correction,2024-02-05T10:00:00Z,denied,2024-02-15T10:00:00Z,CCPA,"
                     "Not a consumer: the card belongs to a business account\n", encoding="utf-8")
    changed = ingest_file(store, "requests", later)
    assert (changed.rows_loaded, changed.rows_duplicate) == (1, 0)
    # `not a consumer`.
    assert facts(store)["D-05"] == ("Not a consumer: the card belongs to a business account", "not_a_consumer")
    remove_upload(store, int(changed.upload_id))
    assert facts(store)["D-05"] == EXPECTED["D-05"]
    # Undoing the first upload leaves every request to the second, which held them all.
    remove_upload(store, int(first.upload_id))
    assert facts(store) == EXPECTED


def test_fides_denial_reason_column(store):
    report = ingest_file(store, "requests", FIDES_CURRENT)
    assert report.format == "fides_requests"
    # The four denied requests of the file and their Denial Reason, by hand; every other request's cell is empty.
    denied = {row["Request ID"]: row["Denial Reason"] for row in csv.DictReader(FIDES_CURRENT.open(encoding="utf-8"))
              if row["Status"] == "denied"}
    assert denied == {
        "pri_3316ee13-1935-41f1-ba43-d31ccf4a4524": "",
        "pri_54dc99d0-474d-4b91-92c6-6fcfb5a421d7": "Duplicate of a request already answered",
        "pri_5fd4519b-6cf1-4308-9bf2-cafd1dbfd863": "Requester is not a resident of a covered jurisdiction",
        "pri_693ba38f-db5b-4fe0-973b-95f0f2a5c1de": "Identity could not be verified",
    }
    assert {request_id: value for request_id, value in facts(store).items() if value != (None, None)} == {
        # `duplicate`, a phrase of other.
        "pri_54dc99d0-474d-4b91-92c6-6fcfb5a421d7": ("Duplicate of a request already answered", "other"),
        # `not a resident`.
        "pri_5fd4519b-6cf1-4308-9bf2-cafd1dbfd863": (
            "Requester is not a resident of a covered jurisdiction", "not_a_consumer"),
        # `could not be verified`.
        "pri_693ba38f-db5b-4fe0-973b-95f0f2a5c1de": ("Identity could not be verified", "identity_not_verified"),
    }
    # Denied without a reason: both of its types (access+erasure) have no category.
    assert rows(store, "SELECT request_type, status, denial_reason, denial_category FROM request_facts "
                       "WHERE request_id = 'pri_3316ee13-1935-41f1-ba43-d31ccf4a4524' ORDER BY 1") == [
        ("access", "denied", None, None), ("deletion", "denied", None, None)]


def test_fides_2024_layout_denial_reason_column(store):
    ingest_file(store, "requests", FIDES_2024)
    assert {request_id: value for request_id, value in facts(store).items() if value != (None, None)} == {
        "pri_d7ab1090-2ee2-4ee9-b50a-1d8f27575f8c": (
            "Requester is not a resident of a covered jurisdiction", "not_a_consumer"),
        "pri_18d4dedb-9ca4-4d50-b479-0b5b51e2aa3d": ("Identity could not be verified", "identity_not_verified"),
    }


def test_transcend_has_no_reason_column_but_a_failed_verification_says_why(store):
    report = ingest_file(store, "requests", TRANSCEND)
    assert report.format == "transcend_requests"
    # By hand: the real requests (Is Test Request false) that Transcend closed unanswered are two FAILED_VERIFICATION
    # (6c12a7f3..., 5b803991...) and two CANCELED (42cebb87..., 43db6132...), all four denied.
    closed = {row["Request ID"]: row["Status"] for row in csv.DictReader(TRANSCEND.open(encoding="utf-8"))
              if row["Is Test Request"] == "false" and row["Status"] in ("FAILED_VERIFICATION", "CANCELED")}
    assert closed == {"6c12a7f3-d67b-435f-ab9c-ec9930215898": "FAILED_VERIFICATION",
                      "5b803991-8968-484c-a0a9-3ada0ca83a40": "FAILED_VERIFICATION",
                      "42cebb87-bb34-4db9-8d7f-a0907938d3c4": "CANCELED",
                      "43db6132-0be8-4ac9-b5ec-b9f64079cce1": "CANCELED"}
    reason = "Verification failed (Transcend status FAILED_VERIFICATION)"
    # `verification failed`; a canceled request has no reason on record, and no other request has one.
    assert {request_id: value for request_id, value in facts(store).items() if value != (None, None)} == {
        "6c12a7f3-d67b-435f-ab9c-ec9930215898": (reason, "identity_not_verified"),
        "5b803991-8968-484c-a0a9-3ada0ca83a40": (reason, "identity_not_verified"),
    }
    assert rows(store, "SELECT DISTINCT status FROM request_facts WHERE request_id IN "
                       "('42cebb87-bb34-4db9-8d7f-a0907938d3c4', '43db6132-0be8-4ac9-b5ec-b9f64079cce1')") == [("denied",)]


# --- the words file --------------------------------------------------------------------------------------------

def words_copy(tmp_path: Path, monkeypatch) -> Path:
    """A copy of the shipped words file, which the store reads instead of the project's."""
    words = tmp_path / "words.toml"
    shutil.copy(PROJECT / "data" / "words.toml", words)
    monkeypatch.setenv("PRIVACY_DASHBOARD_WORDS", str(words))
    return words


def add_phrase(words: Path, category: str, phrase: str) -> None:
    text = words.read_text(encoding="utf-8")
    opening = f"{category} = [\n"
    assert text.count(opening) == 1
    words.write_text(text.replace(opening, f'{opening}    "{phrase}",\n'), encoding="utf-8")


def test_a_phrase_added_to_the_words_file_folds_stored_reasons_without_loading_them_again(tmp_path, monkeypatch):
    words = words_copy(tmp_path, monkeypatch)
    path = tmp_path / "store.duckdb"
    store = open_store(path)
    ingest_file(store, "requests", DENIALS)
    assert facts(store)["D-05"] == ("Asked about a loyalty card we do not issue", "other")
    store.close()

    # ' asked about a loyalty card we do not issue ' holds `loyalty card`: the next open folds it again.
    add_phrase(words, "not_a_consumer", "loyalty card")
    store = open_store(path)
    assert facts(store)["D-05"] == ("Asked about a loyalty card we do not issue", "not_a_consumer")
    # Only D-05 changed.
    assert facts(store) == {**EXPECTED, "D-05": ("Asked about a loyalty card we do not issue", "not_a_consumer")}

    # A load reads the words file too, and folds every stored request with it, not only the file's: ' refused the
    # nonexempt records were sent earlier ' holds `sent earlier` (12 characters).
    add_phrase(words, "exempt", "sent earlier")
    other = tmp_path / "other.csv"
    other.write_text("request_id,request_type,received_at,status\nZ-1,access,2024-04-01,open\n", encoding="utf-8")
    ingest_file(store, "requests", other)
    assert facts(store)["D-11"] == ("Refused: the nonexempt records were sent earlier", "exempt")
    assert facts(store)["Z-1"] == (None, None)
    store.close()


def test_a_mistake_in_the_words_file_is_named_by_a_load_and_the_store_keeps_its_phrases(tmp_path, monkeypatch):
    words = words_copy(tmp_path, monkeypatch)
    path = tmp_path / "store.duckdb"
    store = open_store(path)
    ingest_file(store, "requests", DENIALS)
    store.close()
    words.write_text(words.read_text(encoding="utf-8").replace("not_a_consumer = [", "not_a_customer = ["),
                     encoding="utf-8")
    store = open_store(path)
    try:
        assert facts(store) == EXPECTED
        with pytest.raises(UnusableFile) as refused:
            ingest_file(store, "requests", DENIALS)
        assert str(refused.value) == ("denial_reasons.csv: words.toml: [denial_reason] names not_a_customer; known: "
                                      "identity_not_verified, not_a_consumer, exempt, other")
    finally:
        store.close()


# --- a store of the previous schema version -------------------------------------------------------------------

VERSION_8_VALUES = ("received_at", "status", "closed_at", "subject_id", "jurisdiction", "extended", "channel")


def fingerprint_by_hand(values: list) -> str:
    """macros.sql's version_fingerprint written out: the values as a JSON list of text, its MD5."""
    return hashlib.md5(json.dumps(values, separators=(",", ":")).encode()).hexdigest()


def version_8_store(folder: Path) -> Path:
    """A store as schema version 8 wrote it: without the denial columns and phrases; r1 loaded by upload 1 and again,
    unchanged, by upload 2, which holds it by the fingerprint of its seven values."""
    path = folder / "version-8.duckdb"
    with duckdb.connect(str(path)) as old:
        old.execute((QUERIES_DIR / "schema.sql").read_text(encoding="utf-8"))
        old.execute("DROP TABLE denial_reason_words")
        old.execute("ALTER TABLE request_versions DROP COLUMN denial_reason")
        old.execute("ALTER TABLE request_fact_rows DROP COLUMN denial_reason")
        old.execute("ALTER TABLE request_fact_rows DROP COLUMN denial_category")
        old.execute("INSERT INTO store_meta VALUES ('schema_version', '8'), ('store_version', '2')")
        old.execute("SELECT nextval('upload_ids') FROM range(2)")
        old.execute(
            """INSERT INTO uploads (upload_id, file_name, sha256, kind, format, date_order, rows_read, rows_loaded,
                                    rows_duplicate, rows_rejected, warnings, loaded_by, loaded_at) VALUES
               (1, 'requests.csv', 'aa', 'requests', 'canonical', 'mdy', 1, 1, 0, 0, [], 'analyst',
                TIMESTAMP '2024-03-12 12:00:00'),
               (2, 'requests-again.csv', 'aa', 'requests', 'canonical', 'mdy', 1, 0, 1, 0, [], 'analyst',
                TIMESTAMP '2024-03-13 12:00:00')""")
        old.execute("INSERT INTO request_versions VALUES ('r1', 'deletion', TIMESTAMP '2024-03-01 00:00:00', 'denied', "
                    "TIMESTAMP '2024-03-11 00:00:00', NULL, 'CCPA', false, 'web', 1, 2)")
        held = fingerprint_by_hand(["2024-03-01 00:00:00", "denied", "2024-03-11 00:00:00", None, "CCPA", "false", "web"])
        old.execute("INSERT INTO request_holders VALUES ('r1', 'deletion', $version, 2)", {"version": held})
    return path


def test_a_store_of_schema_8_opens_gains_the_columns_and_its_holders_still_hold(tmp_path):
    assert SCHEMA_VERSION == 10  # schema 8 goes through 9 (denial reasons) to 10 (consent methods)
    fresh = open_store(tmp_path / "new.duckdb")
    columns = ("SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() "
               "AND table_name IN ('request_versions', 'request_fact_rows', 'denial_reason_words') ORDER BY table_name, "
               "column_index")
    try:
        expected_columns = rows(fresh, columns)
    finally:
        fresh.close()
    path = version_8_store(tmp_path)

    store = open_store(path)
    try:
        assert rows(store, "SELECT value FROM store_meta WHERE key = 'schema_version'") == [("10",)]
        # The same tables, columns in the same order, as a new store's: the denial columns last.
        assert rows(store, columns) == expected_columns
        assert [name for _table, name, _type in expected_columns if _table == "request_fact_rows"][-2:] == [
            "denial_reason", "denial_category"]
        # The phrases are read at the open.
        assert rows(store, "SELECT count(*) > 0 FROM denial_reason_words") == [(True,)]
        assert facts(store) == {"r1": (None, None)}
        # Upload 2's holding names the version by its values with the denial reason (none) last.
        assert rows(store, "SELECT version FROM request_holders") == [(fingerprint_by_hand(
            ["2024-03-01 00:00:00", "denied", "2024-03-11 00:00:00", None, "CCPA", "false", "web", None]),)]
        # So undoing upload 1 leaves r1 to upload 2, as before the migration.
        removed = remove_upload(store, 1)
        assert (removed.rows_removed, removed.rows_staying) == (0, 1)
        assert rows(store, "SELECT request_id, status, upload_id FROM request_versions") == [("r1", "denied", 2)]
        # A reason loaded now is kept and folded.
        later = tmp_path / "later.csv"
        later.write_text("request_id,request_type,received_at,status,closed_at,jurisdiction,denial_reason\n"
                         "r1,deletion,2024-03-01,denied,2024-03-11,CCPA,Exempt: kept for a legal hold\n",
                         encoding="utf-8")
        assert ingest_file(store, "requests", later).rows_loaded == 1
        # `exempt` (6) and `legal hold` (10), both exempt.
        assert facts(store) == {"r1": ("Exempt: kept for a legal hold", "exempt")}
    finally:
        store.close()
