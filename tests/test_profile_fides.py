"""Fides privacy-request CSVs in the three layouts Fides has written since 2024, read through their profiles.

Source of every layout: ethyca/fides, privacy_request_csv_download() —
- current (fides_requests): src/fides/service/privacy_request/privacy_request_csv_download.py at commit
  96aa40cba74e44a369d637b056f08310132b65ba; the layout came with commit 35da65b73911e45ce18f2daea9c207c5128cb742
  (2025-09-24, release 2.71.0);
- September 2025 (fides_requests_2025_09): src/fides/api/api/v1/endpoints/privacy_request_endpoints.py at
  release 2.70.0 (commit 58ac65560c00900b5cf88212c1f690d49885d184), layout of commit
  f3c39447a5ceeaace86ecf7e7d737043ec802520 (2025-09-11);
- 2024 (fides_requests_2024): the same endpoints file at release 2.52.0 (commit
  86f60a7a3175df63797169921f01dc8b938d0499).
The files in tests/data/vendors/fides/ hold made-up requests written the way that code writes them: Python's
csv.writer, str(datetime) of timezone-aware times, PrivacyRequestStatus values, ActionType values joined with
`+` (current layout only), identities as Fides validates them (e-mail, E.164 phone, external id), the 2024
identity and custom-field cells as str(dict). Every expected figure below was counted by hand from those
files; the per-request tables are in the comments next to the figures.
"""

import ast
import csv
import re
from datetime import datetime
from pathlib import Path

import pytest

from dashboard.ingest import ingest_file

FIDES = Path(__file__).parent / "data" / "vendors" / "fides"
CURRENT = FIDES / "fides_requests_current.csv"
REORDERED = FIDES / "fides_requests_current_reordered.csv"  # the same 26 requests, identity columns reordered
SEPTEMBER_2025 = FIDES / "fides_requests_2025_09.csv"
LAYOUT_2024 = FIDES / "fides_requests_2024.csv"
FIDES_CONSENT = Path(__file__).parent / "data" / "vendors" / "fides_consent_report.csv"

# The fixed order in which a request's identities name the person (the profiles' subject_id).
IDENTITY_ORDER = ("email", "phone_number", "external_id", "fides_user_device_id", "ga_client_id", "ljt_readerID")


def rows(store, sql, parameters=None):
    return store.execute(sql, parameters or {}).fetchall()


def read_export(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def identities_of(record: dict[str, str]) -> dict[str, str]:
    """A request's identities as the file gives them: its identity columns, or the 2024 dict cell."""
    if "Subject Identity" in record:
        return {key: value for key, value in ast.literal_eval(record["Subject Identity"]).items() if value}
    return {key: record[key] for key in IDENTITY_ORDER if record.get(key)}


def person_of(record: dict[str, str]) -> str:
    """Who made the request, by hand: the first identity in the fixed order, case aside."""
    identities = identities_of(record)
    return next(identities[key] for key in IDENTITY_ORDER if key in identities).lower()


def load(store, path: Path):
    return ingest_file(store, "requests", path)


# --- every layout: recognised by its header, every row read --------------------------------------------------

@pytest.mark.parametrize(
    "path, profile, counts",
    [
        # 26 requests; 3 of them access+erasure (pri_07b1452c, pri_54dc99d0, pri_3316ee13): 26 + 3 = 29 rows.
        (CURRENT, "fides_requests", (26, 29, 0, 0)),
        (REORDERED, "fides_requests", (26, 29, 0, 0)),
        # Older layouts name one action type per request: one row each.
        (SEPTEMBER_2025, "fides_requests_2025_09", (18, 18, 0, 0)),
        (LAYOUT_2024, "fides_requests_2024", (20, 20, 0, 0)),
    ],
)
def test_each_layout_is_recognised_and_read_whole(store, path, profile, counts):
    report = load(store, path)
    assert report.format == profile
    assert (report.rows_read, report.rows_loaded, report.rows_duplicate, report.rows_rejected) == counts
    assert report.rows_set_aside == 0
    assert rows(store, "SELECT format FROM uploads") == [(profile,)]


def test_the_consent_report_is_recognised_by_its_header(store):
    report = ingest_file(store, "consent", FIDES_CONSENT)
    assert report.format == "fides_consent"


# --- current layout -------------------------------------------------------------------------------------------

def test_current_layout_types_and_statuses(store):
    load(store, CURRENT)
    # Request Type per request (oldest first): access, erasure, access, consent, access+erasure, update, access,
    # erasure, access, consent, erasure, access, access+erasure, update, consent, access, access, erasure, access,
    # erasure, access, erasure, access+erasure, erasure, consent, access.
    # access 10 + 3 (from the joined ones) = 13; erasure 7 + 3 = 10; update 2; consent 4.
    assert dict(rows(store, "SELECT request_type, count(*) FROM requests GROUP BY ALL")) == {
        "access": 13, "deletion": 10, "correction": 2, "opt_out": 4}
    # complete 10 requests (one access+erasure): 11 rows; denied 4 requests (two access+erasure): 6 rows;
    # canceled 1 + duplicate 1 = 2 withdrawn; open: requires_manual_finalization, in_processing,
    # awaiting_email_send, identity_unverified, pending, approved, error, requires_input, paused,
    # awaiting_pre_approval = 10.
    assert dict(rows(store, "SELECT status, count(*) FROM requests GROUP BY ALL")) == {
        "completed": 11, "denied": 6, "withdrawn": 2, "open": 10}
    # The current layout exports no location (only a `Custom Field Preferred format` here).
    assert rows(store, "SELECT jurisdiction, count(*) FROM requests GROUP BY ALL") == [("unspecified", 29)]


def test_current_layout_close_times(store):
    report = load(store, CURRENT)
    # Completed requests without Completed On (Fides sets it only for finalized erasures): pri_30452124,
    # pri_20b86e74, pri_582fa1a4, pri_a49d9f3b, pri_ae817d81, pri_5844fa53, pri_7f9adda6, pri_7a875fbd = 8.
    assert "8 rows: completed requests without Completed On took Last Updated as their close time" in report.warnings
    # Days to close (closed date - received date, UTC) of the completed rows:
    #   access     10-01 -> 10-02 (Last Updated)  1      erasure    10-02 -> 10-09 (Last Updated)  7
    #   consent    10-04 -> 10-04 (Last Updated)  0      access+erasure 10-06 -> 10-20 (Completed On) 14 and 14
    #   update     10-07 -> 10-10 (Last Updated)  3      erasure    10-09 -> 10-21 (Completed On) 12
    #   consent    10-11 -> 10-11 (Last Updated)  0      access     10-15 -> 10-15 (Last Updated)  0
    #   access     10-30 -> 10-31 (Last Updated)  1      consent    11-12 -> 11-12 (Last Updated)  0
    # 52 days over 11 rows.
    count, total = rows(store, """SELECT count(*), sum(closed_at::DATE - received_at::DATE) FROM requests
                                  WHERE status = 'completed'""")[0]
    assert (count, total) == (11, 52)
    assert rows(store, "SELECT avg(days_to_close) FROM request_facts WHERE status = 'completed'")[0][0] == \
        pytest.approx(52 / 11)
    # Denied rows close at Time Approved/Denied: 10-03 -> 10-06 3, 10-10 -> 10-13 3, 10-16 -> 10-17 1 (twice),
    # 11-10 -> 11-11 1 (twice): 10 days over 6 rows.
    assert rows(store, """SELECT count(*), sum(closed_at::DATE - received_at::DATE) FROM requests
                          WHERE status = 'denied'""") == [(6, 10)]
    # Completed On wins over Last Updated (2025-10-20 09:14:31.002118) for the finalized access+erasure.
    assert rows(store, "SELECT DISTINCT closed_at FROM requests WHERE request_id = $id",
                {"id": "pri_07b1452c-1fc3-498b-a98c-8e87d0dbe8d8"}) == [(datetime(2025, 10, 20, 9, 14, 27, 645390),)]
    # The cancelled and the duplicate request have no close time in this layout.
    assert rows(store, "SELECT count(*) FROM requests WHERE status = 'withdrawn' AND closed_at IS NULL") == [(2,)]


def test_a_re_export_with_its_identity_columns_in_another_order_adds_nothing(store):
    load(store, CURRENT)
    before = sorted(rows(store, "SELECT request_id, request_type, subject_id, status, closed_at FROM requests"))
    report = load(store, REORDERED)
    assert report.format == "fides_requests"
    # Every one of the 26 records is already stored as it is.
    assert (report.rows_read, report.rows_loaded, report.rows_duplicate, report.rows_rejected) == (26, 0, 26, 0)
    assert sorted(rows(store, "SELECT request_id, request_type, subject_id, status, closed_at FROM requests")) \
        == before
    # 20 people (ann.lee has 3 requests; bob.okafor, carol.martin, farid.khan, grace.tanaka 2 each).
    assert rows(store, "SELECT count(DISTINCT subject_id) FROM requests") == [(20,)]


# --- September 2025 layout ----------------------------------------------------------------------------------

def test_september_2025_layout(store):
    load(store, SEPTEMBER_2025)
    # Oldest first: access, erasure, access, consent, update, erasure, erasure, access, erasure, access, access,
    # access, consent, access, erasure, erasure, access, erasure.
    assert dict(rows(store, "SELECT request_type, count(*) FROM requests GROUP BY ALL")) == {
        "access": 8, "deletion": 7, "opt_out": 2, "correction": 1}
    # complete 6, denied 3, canceled 1; open: requires_manual_finalization, in_processing, awaiting_email_send,
    # identity_unverified, pending, error, approved, paused = 8.
    assert dict(rows(store, "SELECT status, count(*) FROM requests GROUP BY ALL")) == {
        "completed": 6, "denied": 3, "withdrawn": 1, "open": 8}
    # Custom Field Location: California 5 and US-CA 2 (CCPA 7), Virginia 2, France 2, Colorado 1, Texas 1 (TDPSA)
    # and 5 empty (unspecified).
    assert dict(rows(store, "SELECT jurisdiction, count(*) FROM requests GROUP BY ALL")) == {
        "CCPA": 7, "VCDPA": 2, "GDPR": 2, "CPA": 1, "TDPSA": 1, "unspecified": 5}
    # No column says when a completed or cancelled request closed: 6 + 1 rows without closed_at.
    assert rows(store, """SELECT count(*) FROM requests
                          WHERE status IN ('completed', 'withdrawn') AND closed_at IS NULL""") == [(7,)]
    # Denied: 08-07 -> 08-11 4, 08-18 -> 08-20 2, 09-02 -> 09-03 1: 7 days over 3.
    assert rows(store, """SELECT count(*), sum(closed_at::DATE - received_at::DATE) FROM requests
                          WHERE status = 'denied'""") == [(3, 7)]


# --- 2024 layout ----------------------------------------------------------------------------------------------

def test_2024_layout(store):
    load(store, LAYOUT_2024)
    # Oldest first: access, erasure, access, consent, update, access, erasure, access, erasure, access, access,
    # access, consent, access, erasure, erasure, access, erasure, erasure, access.
    assert dict(rows(store, "SELECT request_type, count(*) FROM requests GROUP BY ALL")) == {
        "access": 10, "deletion": 7, "opt_out": 2, "correction": 1}
    # complete 8, denied 3, canceled 1; open: in_processing, awaiting_email_send, identity_unverified, pending,
    # error, approved, paused, requires_input = 8.
    assert dict(rows(store, "SELECT status, count(*) FROM requests GROUP BY ALL")) == {
        "completed": 8, "denied": 3, "withdrawn": 1, "open": 8}
    # The `location` custom field inside the dict cell: California 6 and US-CA 1 (CCPA 7), Virginia 4, France 2,
    # Colorado 1, Texas 1 (TDPSA) and 5 requests with no custom field (unspecified).
    assert dict(rows(store, "SELECT jurisdiction, count(*) FROM requests GROUP BY ALL")) == {
        "CCPA": 7, "VCDPA": 4, "GDPR": 2, "CPA": 1, "TDPSA": 1, "unspecified": 5}
    assert rows(store, """SELECT count(*) FROM requests
                          WHERE status IN ('completed', 'withdrawn') AND closed_at IS NULL""") == [(9,)]
    # Denied: 10-07 -> 10-09 2, 10-22 -> 10-25 3, 11-12 -> 11-13 1: 6 days over 3.
    assert rows(store, """SELECT count(*), sum(closed_at::DATE - received_at::DATE) FROM requests
                          WHERE status = 'denied'""") == [(3, 6)]
    # 19 people: bob.okafor made two requests (written Bob.Okafor@example.com, as Fides keeps the case).
    assert rows(store, "SELECT count(DISTINCT subject_id) FROM requests") == [(19,)]


def test_one_person_has_one_pseudonym_in_every_layout(store):
    files = (CURRENT, SEPTEMBER_2025, LAYOUT_2024)
    for path in files:
        load(store, path)
    person = {record["Request ID"]: person_of(record) for path in files for record in read_export(path)}
    subjects_of: dict[str, set[str]] = {}
    for request_id, subject in rows(store, "SELECT DISTINCT request_id, subject_id FROM requests"):
        subjects_of.setdefault(person[request_id], set()).add(subject)
    assert all(len(subjects) == 1 for subjects in subjects_of.values())
    # The 2024 file's 19 people and the September file's 18 are all among the current file's 20.
    assert len(subjects_of) == 20
    assert rows(store, "SELECT count(DISTINCT subject_id) FROM requests") == [(20,)]
    assert all(re.fullmatch(r"p_[0-9a-f]{32}", subject) for (subject,) in rows(
        store, "SELECT DISTINCT subject_id FROM requests"))


# --- no identity in the store ---------------------------------------------------------------------------------

def test_no_raw_identity_reaches_the_store_file(store, tmp_path):
    files = (CURRENT, REORDERED, SEPTEMBER_2025, LAYOUT_2024)
    for path in files:
        load(store, path)
    identities = set()
    for path in files:
        for record in read_export(path):
            identities.update(identities_of(record).values())
    # 17 e-mail addresses (and Bob.Okafor's capitalised form from 2024), 6 phone numbers, 2 external ids.
    assert len([value for value in identities if "@" in value]) == 18
    assert len([value for value in identities if re.fullmatch(r"\+1\d{3}555\d{4}", value)]) == 6
    assert len([value for value in identities if value.startswith("cus_")]) == 2
    assert len(identities) == 26
    store.execute("CHECKPOINT")
    # The store file (and its write-ahead log, if any is left), never the key file beside it.
    contents = b"".join(path.read_bytes() for path in tmp_path.glob("store.duckdb*")
                        if path.is_file() and not path.name.endswith(".key"))
    assert contents
    found = [value for value in identities
             if value.encode() in contents or value.lower().encode() in contents]
    assert found == []
