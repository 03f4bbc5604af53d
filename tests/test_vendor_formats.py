"""Vendor exports as the tools write them (Fides requests and consent, Usercentrics history), loaded and counted.

The expected figures are worked out here from the CSV files with data.md's mapping rules, written out
again below rather than imported, so a slip in the project's vocabulary cannot hide itself. The files
come from tests/data/vendors/make_vendor_exports.py; the tests read them as they are.
"""

import csv
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dashboard.ingest import UnusableFile, ingest_file
from dashboard.store import open_store
from tests.conftest import open_copy, store_and_reports, stored_text

VENDORS = Path(__file__).parent / "data" / "vendors"
PROJECT = Path(__file__).resolve().parent.parent
FIDES_REQUESTS = VENDORS / "fides_privacy_requests.csv"
FIDES_CONSENT = VENDORS / "fides_consent_report.csv"
USERCENTRICS = VENDORS / "usercentrics_consent_history.csv"

# --- data.md's rules, as an analyst would apply them by hand ---------------------------------------------

FIDES_REQUEST_TYPES = {"access": "access", "erasure": "deletion", "update": "correction", "consent": "opt_out"}
OPEN_STATUSES = {
    "open", "new", "pending", "received", "in_progress", "in_processing", "approved", "paused", "requires_input",
    "identity_unverified", "pre_approval_not_eligible", "error",
}
CLOSED_STATUSES = {"complete": "completed", "completed": "completed", "denied": "denied", "canceled": "withdrawn"}
PLACES = {"california": "CCPA", "us-ca": "CCPA", "virginia": "VCDPA", "texas": "TDPSA", "france": "GDPR", "eu": "GDPR",
          "cn": "PIPL"}
DECISIONS = {
    "opt_in": "opt_in", "true": "opt_in", "1": "opt_in",
    "opt_out": "opt_out", "false": "opt_out", "0": "opt_out",
    "acknowledge": "acknowledge",
}
TCF_REASON = "tcf"


def read_export(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def utc(text: str) -> datetime | None:
    """A timestamp cell as naive UTC: Python's str(datetime) with or without offset, ISO with Z, epoch ms."""
    text = text.strip()
    if not text:
        return None
    if text.isdigit():
        return datetime(1970, 1, 1) + timedelta(milliseconds=int(text))
    moment = datetime.fromisoformat(text)
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def request_status(text: str) -> str:
    word = text.strip().lower()
    if word in OPEN_STATUSES or re.match(r"(awaiting|pending|requires)_", word):
        return "open"
    return CLOSED_STATUSES[word]


def jurisdiction(text: str) -> str:
    return PLACES.get(text.strip().lower(), "unspecified")


def fold_purpose(text: str) -> str:
    words = [word for word in re.split(r"[\W_]+", text.lower()) if word and word != "and"]
    return "_".join(words)


def purpose_catalogue() -> dict[str, str]:
    """Folded key, label and alias of each purpose in data/purposes.csv -> its key."""
    catalogue = {}
    for row in read_export(PROJECT / "data" / "purposes.csv"):
        for spelling in [row["purpose"], row["label"], *(row.get("aliases") or "").split("|")]:
            if fold_purpose(spelling):
                catalogue[fold_purpose(spelling)] = row["purpose"]
    return catalogue


def service_purposes() -> dict[str, str]:
    path = PROJECT / "data" / "service_purposes.csv"
    if not path.exists():
        return {}
    return {row["service_id"].strip(): row["purpose"].strip() for row in read_export(path) if row["service_id"]}


def purpose(text: str) -> str:
    text = text.strip()
    if text in service_purposes():
        return service_purposes()[text]
    return purpose_catalogue().get(fold_purpose(text), fold_purpose(text))


def region(text: str) -> str | None:
    text = text.strip()
    if not text:
        return None
    if text.lower() in ("eea", "eu"):
        return "EU"
    return re.sub(r"[\s_]+", "-", text).upper()


def first_identity(row: dict[str, str], columns: tuple[str, ...]) -> str | None:
    """The value a pseudonym is made from: the first identity filled, as the same person (case, spaces aside)."""
    return next((row[column].strip().lower() for column in columns if row[column].strip()), None)


def rows(store, sql, parameters=None):
    return store.execute(sql, parameters or {}).fetchall()


def counts(store, sql) -> dict:
    return dict(rows(store, sql))


# --- what each file should give ---------------------------------------------------------------------------


def expected_requests() -> list[tuple]:
    """One (request_id, type, received_at, status, closed_at, jurisdiction) per request and type."""
    expected = []
    for row in read_export(FIDES_REQUESTS):
        status = request_status(row["Status"])
        closed_at = utc(row["Completed On"]) or (utc(row["Time Approved/Denied"]) if status == "denied" else None)
        for part in row["Request Type"].split("+"):
            expected.append((row["Request ID"], FIDES_REQUEST_TYPES[part.strip()], utc(row["Time Received"]), status,
                             closed_at, jurisdiction(row["Custom Field Location"])))
    return expected


def fides_consent_verdicts() -> list[tuple[int, dict, str | None]]:
    """(line, row, rejected column or None) for every record of the Fides consent report."""
    verdicts = []
    for line, row in enumerate(read_export(FIDES_CONSENT), start=2):
        if first_identity(row, ("fides_user_device_id", "email", "external_id")) is None:
            verdicts.append((line, row, "subject_id"))
        elif row["preference"].strip().lower() not in DECISIONS:
            verdicts.append((line, row, "decision"))
        else:
            verdicts.append((line, row, None))
    return verdicts


def expected_fides_consent() -> list[tuple]:
    """One (event_id, occurred_at, purpose, decision, channel, region) per stored decision."""
    kept = {}
    for _line, row, rejected in fides_consent_verdicts():
        if rejected is None:
            kept.setdefault(row["id"], (row["id"], utc(row["request_timestamp"]), purpose(row["notice_name"]),
                                        DECISIONS[row["preference"].strip().lower()], row["request_origin"] or None,
                                        region(row["user_geography"])))
    return list(kept.values())


# --- loading ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def fides_requests_once(tmp_path_factory, empty_store_file):
    """The Fides requests export loaded once for the module: (store file, report). Tests read copies of it."""
    path, (report,) = store_and_reports(tmp_path_factory, empty_store_file, ("requests", FIDES_REQUESTS))
    return path, report


@pytest.fixture(scope="module")
def fides_consent_once(tmp_path_factory, empty_store_file):
    """The Fides consent report loaded once for the module: (store file, report)."""
    path, (report,) = store_and_reports(tmp_path_factory, empty_store_file, ("consent", FIDES_CONSENT))
    return path, report


@pytest.fixture
def fides_requests_loaded(fides_requests_once):
    return fides_requests_once[1]


@pytest.fixture
def fides_consent_loaded(fides_consent_once):
    return fides_consent_once[1]


@pytest.fixture
def requests_store(fides_requests_once, tmp_path):
    """This test's own copy of the store holding the Fides requests export."""
    with open_copy(fides_requests_once[0], tmp_path) as connection:
        yield connection


@pytest.fixture
def consent_store(fides_consent_once, tmp_path):
    """This test's own copy of the store holding the Fides consent report."""
    with open_copy(fides_consent_once[0], tmp_path) as connection:
        yield connection


@pytest.mark.parametrize("kind, path, vendor", [("requests", FIDES_REQUESTS, "fides_requests"),
                                                ("consent", FIDES_CONSENT, "fides_consent")])
def test_a_format_named_on_purpose_reads_the_file_as_recognising_it_does(store, tmp_path, kind, path, vendor):
    recognised = ingest_file(store, kind, path)
    other = open_store(tmp_path / "named.duckdb")
    try:
        named = ingest_file(other, kind, path, format=vendor)
    finally:
        other.close()
    assert named.format == recognised.format == vendor
    assert (named.rows_read, named.rows_loaded, named.rows_rejected) == (
        recognised.rows_read, recognised.rows_loaded, recognised.rows_rejected)


@pytest.mark.parametrize(
    "kind, path, vendor",
    [
        ("requests", FIDES_REQUESTS, "fides_requests"),
        ("consent", FIDES_CONSENT, "fides_consent"),
        ("consent", USERCENTRICS, "usercentrics"),
    ],
)
def test_format_is_recognised_by_the_header(store, kind, path, vendor):
    report = ingest_file(store, kind, path)
    assert (report.kind, report.format) == (kind, vendor)
    assert rows(store, "SELECT file_name, kind, format FROM uploads") == [(path.name, kind, vendor)]


def test_a_vendor_format_of_the_other_kind_is_refused(store):
    with pytest.raises(UnusableFile, match="fides_consent is a consent format, not a requests one"):
        ingest_file(store, "requests", FIDES_CONSENT, format="fides_consent")
    assert rows(store, "SELECT count(*) FROM uploads") == [(0,)]


# --- Fides privacy requests ------------------------------------------------------------------------------


def test_fides_requests_counts(fides_requests_loaded):
    records = read_export(FIDES_REQUESTS)
    combined = sum("+" in row["Request Type"] for row in records)
    assert len(records) == 300 and combined > 0
    report = fides_requests_loaded
    # A combined access+erasure is one stored request of each type.
    assert (report.rows_read, report.rows_loaded, report.rows_duplicate, report.rows_rejected) == (
        300, 300 + combined, 0, 0)


def test_fides_request_types_statuses_and_jurisdictions(requests_store, fides_requests_loaded):
    expected = expected_requests()
    assert counts(requests_store, "SELECT request_type, count(*) FROM requests GROUP BY 1") == Counter(
        request[1] for request in expected)
    assert counts(requests_store, "SELECT status, count(*) FROM requests GROUP BY 1") == Counter(
        request[3] for request in expected)
    assert counts(requests_store, "SELECT jurisdiction, count(*) FROM requests GROUP BY 1") == Counter(
        request[5] for request in expected)


def test_fides_requests_are_stored_with_utc_times_and_closed_at_from_completion_or_denial(
        requests_store, fides_requests_loaded):
    # Fides' Deadline column is computed from the export day; nothing stored may come from it.
    stored = rows(requests_store, "SELECT request_id, request_type, received_at, status, closed_at, jurisdiction FROM requests")
    assert sorted(stored, key=repr) == sorted(expected_requests(), key=repr)


def test_fides_deadline_column_is_not_the_due_date(requests_store, fides_requests_loaded):
    # Fides writes created_at + days_left, and days_left counts from the day of the export.
    rule = next(row for row in read_export(PROJECT / "data" / "deadlines.csv")
                if row["jurisdiction"] == "CCPA" and row["request_types"] == "*")
    assert rule["deadline_unit"] == "calendar_days"
    facts = rows(requests_store, """SELECT request_id, received_date, due_date FROM request_facts
                           WHERE jurisdiction = 'CCPA' AND request_type IN ('access', 'deletion')""")
    assert len(facts) > 50
    assert all(due == received + timedelta(days=int(rule["deadline"])) for _id, received, due in facts)
    fides_deadline = {row["Request ID"]: utc(row["Deadline"]) for row in read_export(FIDES_REQUESTS)}
    assert all(fides_deadline[request_id].date() != due for request_id, _received, due in facts
               if fides_deadline[request_id])


def test_fides_request_warnings_name_what_an_analyst_should_check(fides_requests_loaded):
    records = read_export(FIDES_REQUESTS)
    canceled = sum(row["Status"] == "canceled" for row in records)
    unknown_places = Counter(row["Custom Field Location"] for row in records
                             if row["Custom Field Location"] and jurisdiction(row["Custom Field Location"])
                             == "unspecified")
    warnings = fides_requests_loaded.warnings
    assert f"{canceled} rows have a closed status but no closed_at" in " ".join(warnings)
    # Every place the file names is a law's now (Texas, its only other one, is the TDPSA's): no warning about them.
    assert unknown_places == Counter() and Counter(row["Custom Field Location"] for row in records)["Texas"] == 8
    assert not any(warning.startswith("jurisdictions not recognised") for warning in warnings)
    assert any("email" in warning and "phone_number" in warning and "identifiers" in warning for warning in warnings)


def test_fides_requesters_get_one_pseudonym_each(requests_store, fides_requests_loaded):
    person_of_request = {row["Request ID"]: first_identity(row, ("email", "phone_number"))
                         for row in read_export(FIDES_REQUESTS)}
    subjects = rows(requests_store, "SELECT DISTINCT request_id, subject_id FROM requests")
    people_by_subject, subjects_by_person = {}, {}
    for request_id, subject in subjects:
        people_by_subject.setdefault(subject, set()).add(person_of_request[request_id])
        subjects_by_person.setdefault(person_of_request[request_id], set()).add(subject)
    # The same address typed Ann.Lee@Example.com and ann.lee@example.com is one person.
    assert all(len(people) == 1 for people in people_by_subject.values())
    assert all(len(found) == 1 for found in subjects_by_person.values())
    assert len(subjects_by_person) == len(set(person_of_request.values()))


# --- Fides consent report --------------------------------------------------------------------------------


def test_fides_consent_counts(fides_consent_loaded):
    verdicts = fides_consent_verdicts()
    rejected = [verdict for verdict in verdicts if verdict[2]]
    tcf = [verdict for verdict in rejected if verdict[1]["preference"] == "tcf"]
    assert (len(verdicts), len(rejected), len(tcf)) == (400, 7, 5)
    report = fides_consent_loaded
    # One line is repeated verbatim (an overlapping page of the report): a duplicate of its own id.
    assert (report.rows_read, report.rows_loaded, report.rows_duplicate, report.rows_rejected) == (
        400, len(expected_fides_consent()), 1, 7)
    assert report.rows_loaded == 392


def test_fides_consent_rejects_tcf_and_broken_rows_with_their_reasons(consent_store, fides_consent_loaded):
    stored = rows(consent_store, "SELECT line, column_name, value, reason FROM rejected_rows ORDER BY line")
    expected = [(line, column) for line, _row, column in fides_consent_verdicts() if column]
    assert [(line, column) for line, column, _value, _reason in stored] == expected
    by_line = {line: (value, reason) for line, _column, value, reason in stored}
    for line, row, column in fides_consent_verdicts():
        if column is None:
            continue
        value, reason = by_line[line]
        if row["preference"] == "tcf":
            assert value == "tcf" and TCF_REASON in reason.lower()
        elif column == "subject_id":
            assert reason == "subject_id is empty"
        else:
            assert reason == "decision is empty"


def test_fides_consent_decisions_purposes_regions_and_channels(consent_store, fides_consent_loaded):
    expected = expected_fides_consent()
    assert counts(consent_store, "SELECT decision, count(*) FROM consent GROUP BY 1") == Counter(row[3] for row in expected)
    assert counts(consent_store, "SELECT purpose, count(*) FROM consent GROUP BY 1") == Counter(row[2] for row in expected)
    assert counts(consent_store, "SELECT region, count(*) FROM consent GROUP BY 1") == Counter(row[5] for row in expected)
    assert counts(consent_store, "SELECT channel, count(*) FROM consent GROUP BY 1") == Counter(row[4] for row in expected)
    assert rows(consent_store, "SELECT DISTINCT policy_version FROM consent") == [("unknown",)]
    stored = rows(consent_store, "SELECT event_id, occurred_at, purpose, decision, channel, region FROM consent")
    assert sorted(stored, key=repr) == sorted(expected, key=repr)


def test_fides_consent_new_purposes_are_listed(fides_consent_loaded):
    # Counted over the file's good rows, the repeated line included: the warning is about what the file says.
    keys = [purpose(row["notice_name"]) for _line, row, rejected in fides_consent_verdicts() if rejected is None]
    new = Counter(key for key in keys if key not in set(purpose_catalogue().values()))
    assert set(new) == {"analytics", "essential", "data_sales_sharing"}
    warning = next(warning for warning in fides_consent_loaded.warnings if warning.startswith("purposes not in"))
    for key, count in new.items():
        assert f"{key} ({count} rows)" in warning


def test_fides_consent_subjects_are_pseudonyms_of_device_email_or_external_id(consent_store, fides_consent_loaded):
    identity = ("fides_user_device_id", "email", "external_id")
    person_of_event = {row["id"]: first_identity(row, identity) for _line, row, bad in fides_consent_verdicts()
                       if not bad}
    subjects_by_person = {}
    for event_id, subject in rows(consent_store, "SELECT event_id, subject_id FROM consent"):
        subjects_by_person.setdefault(person_of_event[event_id], set()).add(subject)
    assert all(len(found) == 1 for found in subjects_by_person.values())
    all_subjects = [subject for found in subjects_by_person.values() for subject in found]
    assert len(set(all_subjects)) == len(subjects_by_person)
    # People change their mind: some devices decided more than once on the same notice.
    repeated = Counter((person_of_event[event_id], purpose_key) for event_id, purpose_key in
                       rows(consent_store, "SELECT event_id, purpose FROM consent"))
    assert max(repeated.values()) > 1
    assert not set(all_subjects) & set(person_of_event.values())


# --- Usercentrics consent history: tests/test_profile_consent_tools.py -------------------------------------


# --- all three together ----------------------------------------------------------------------------------


def load_all(store):
    return [
        ingest_file(store, "requests", FIDES_REQUESTS),
        ingest_file(store, "consent", FIDES_CONSENT),
        ingest_file(store, "consent", USERCENTRICS),
    ]


def identifiers_in_files() -> tuple[set[str], set[str]]:
    emails = {row["email"] for row in read_export(FIDES_REQUESTS) + read_export(FIDES_CONSENT) if row["email"]}
    phones = {row["phone_number"] for row in read_export(FIDES_REQUESTS) if row["phone_number"]}
    return emails, phones


def test_no_email_or_phone_number_reaches_the_store(store, tmp_path):
    load_all(store)
    emails, phones = identifiers_in_files()
    assert len(emails) > 50 and len(phones) > 50
    cells = stored_text(store)
    assert not [cell for cell in cells if "@" in cell]
    digits_of_phones = {re.sub(r"\D", "", phone) for phone in phones}
    assert not [cell for cell in cells if re.sub(r"\D", "", cell) in digits_of_phones]
    # And the file's bytes, in the spellings a leak would take.
    store.execute("CHECKPOINT")
    raw = b"".join(path.read_bytes() for path in tmp_path.glob("store.duckdb*")
                   if path.is_file() and not path.name.endswith(".key"))
    spellings = set()
    for email in emails:
        spellings |= {email, email.lower()}
    for phone in phones:
        spellings |= {phone, phone.replace(" ", ""), re.sub(r"\D", "", phone)}
    assert [spelling for spelling in sorted(spellings) if spelling.encode() in raw] == []


@pytest.mark.parametrize(
    "kind, path, table",
    [
        ("requests", FIDES_REQUESTS, "request_versions"),
        ("consent", FIDES_CONSENT, "consent"),
        ("consent", USERCENTRICS, "consent"),
    ],
)
def test_loading_a_vendor_export_again_adds_nothing(store, kind, path, table):
    first = ingest_file(store, kind, path)
    # Table name from the fixed list above.
    before = rows(store, f"SELECT count(*) FROM {table}")
    again = ingest_file(store, kind, path)
    assert again.rows_loaded == 0
    # Services folded into one purpose (Usercentrics) are one decision in either load, never a duplicate.
    assert again.rows_duplicate == first.rows_read - first.rows_rejected - first.rows_folded
    assert again.rows_rejected == first.rows_rejected
    assert rows(store, f"SELECT count(*) FROM {table}") == before


def test_all_three_exports_load_side_by_side(store):
    reports = load_all(store)
    assert [report.format for report in reports] == ["fides_requests", "fides_consent", "usercentrics"]
    decisions = len(expected_fides_consent()) + reports[2].rows_loaded
    assert rows(store, "SELECT count(*) FROM consent") == [(decisions,)]
    assert rows(store, "SELECT count(*) FROM requests") == [(len(expected_requests()),)]
    assert rows(store, "SELECT count(*) FROM rejected_rows") == [(7 + 2,)]


# --- the files themselves --------------------------------------------------------------------------------


def test_the_generator_gives_the_kept_files_byte_for_byte(tmp_path):
    subprocess.run([sys.executable, str(VENDORS / "make_vendor_exports.py"), str(tmp_path)], check=True,
                   capture_output=True, timeout=60)
    for kept in (FIDES_REQUESTS, FIDES_CONSENT, USERCENTRICS):
        assert (tmp_path / kept.name).read_bytes() == kept.read_bytes(), kept.name


def test_the_files_hold_the_awkward_cases_the_tests_rely_on():
    requests = read_export(FIDES_REQUESTS)
    statuses = {row["Status"] for row in requests}
    assert statuses == {
        "pending", "approved", "denied", "in_processing", "complete", "paused", "canceled", "identity_unverified",
        "requires_input", "awaiting_email_send", "error", "requires_manual_finalization",
    }
    assert {row["Request Type"] for row in requests} == {"access", "erasure", "consent", "update", "access+erasure"}
    received = [row["Time Received"] for row in requests]
    assert any(cell.endswith("-05:00") for cell in received)
    assert any(re.fullmatch(r"\S+ \d\d:\d\d:\d\d\+00:00", cell) for cell in received)  # no microseconds
    assert all(bool(row["Completed On"]) == (row["Status"] == "complete") for row in requests)
    assert any(row["email"] and not row["phone_number"] for row in requests)
    assert any(row["phone_number"] and not row["email"] for row in requests)
    consent = read_export(FIDES_CONSENT)
    assert any(not row["fides_user_device_id"] and row["email"] for row in consent)
    assert any(not row["fides_user_device_id"] and not row["email"] and row["external_id"] for row in consent)
    timestamps = [row["Timestamp"] for row in read_export(USERCENTRICS)]
    assert any(cell.isdigit() for cell in timestamps) and any(cell.endswith("Z") for cell in timestamps)
