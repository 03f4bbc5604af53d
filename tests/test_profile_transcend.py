"""Transcend exports (privacy requests; consent preferences as a JSON cell and as one column per purpose), loaded
through their profiles (data/profiles/transcend_*.toml) and counted.

Where the formats come from (Transcend's own public code and documentation):
- Request export, `transcend request export`: transcend-io/cli at commit 7f00a8ba85a914448196597d5f33ac4881f23bc5,
  src/lib/requests/formatRequestForCsv.ts (the columns), src/lib/requests/streamPrivacyRequestsToCsv.ts (header =
  the keys of the first page's rows, rows in createdAt order), src/lib/helpers/writeCsv.ts (quoting, `true`/`false`,
  empty for null). Statuses and actions: transcend-io/privacy-types at 4f65bdca55f16fda0b9a67a0ae2b95b93e48c0ad,
  src/request.ts (RequestStatus) and src/actions.ts (RequestAction); what each status means:
  https://docs.transcend.io/docs/articles/dsr-automation/dsr-request-statuses-origins.
- Preferences with purposes as JSON: same cli commit, src/lib/consent-manager/types.ts (ConsentPreferenceUpload),
  src/lib/consent-manager/uploadConsents.ts (PurposeMap: true, false or "Auto"), examples/preference-upload.csv.
- Preferences, one column per purpose: same cli commit, examples/cli-upload-preferences-example.csv and
  src/commands/consent/upload-preferences/readme.ts.

The files under tests/data/vendors/transcend/:
- transcend_request_export.csv: the 33 requests of the repository's example file manual-enrichment-identifiers.csv
  (a list of requests the CLI wrote, committed in 2022 with PR #102; their ids, creation times, details, silent flags, core identifiers, types and data subject types; each person's
  address made an example.com one, the same person keeping the same address; the phone made a 555 number), laid out
  as `transcend request export` writes them: its header, createdAt order, identifier columns `email` and `phone`
  and the attribute column `Tags`. Changed so that the file covers the format: the statuses (all 16 of RequestStatus;
  the example rows were all ENRICHING), eleven request types, the countries and subdivisions, the completion times,
  and `Is Test Request`, true on the seven rows whose Details say "This is test request" and false on the others.
- transcend_preferences_purposes_json.csv: the example row of examples/preference-upload.csv, then fifteen more in
  its form.
- transcend_preferences_wide.csv: the four rows of examples/cli-upload-preferences-example.csv, then ten more.

Every expected figure is worked out below from the files with the mapping written out again here, and the totals
are also written as numbers counted by hand.
"""

import csv
import json
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from dashboard.ingest import ingest_file
from dashboard.store import open_store
from tests.conftest import stored_text

TRANSCEND = Path(__file__).parent / "data" / "vendors" / "transcend"
REQUESTS = TRANSCEND / "transcend_request_export.csv"
PREFERENCES_JSON = TRANSCEND / "transcend_preferences_purposes_json.csv"
PREFERENCES_WIDE = TRANSCEND / "transcend_preferences_wide.csv"

# `transcend request export`'s header for requests with `email` and `phone` identifiers and a `Tags` attribute.
REQUEST_HEADER = [
    "Request ID", "Created At", "Successfully Completed At", "Email", "Core Identifier", "Request Type",
    "Data Subject Type", "Status", "Country", "Country Sub Division", "Details", "Origin", "Silent Mode",
    "Is Test Request", "Language", "Purpose Trigger Name", "Purpose Trigger Value", "link", "daysRemaining",
    "email", "phone", "Tags",
]

# --- The mapping, as the profile's comments argue it -----------------------------------------------------------

STATUSES = {
    "REQUEST_MADE": "open", "ENRICHING": "open", "ON_HOLD": "open", "WAITING": "open", "COMPILING": "open",
    "APPROVING": "open", "DELAYED": "open", "SECONDARY": "open", "SECONDARY_APPROVING": "open",
    "COMPLETED": "completed", "DOWNLOADABLE": "completed", "VIEW_CATEGORIES": "completed",
    "SECONDARY_COMPLETED": "completed",
    "REVOKED": "withdrawn", "CANCELED": "denied", "FAILED_VERIFICATION": "denied",
}
TYPES = {
    "ACCESS": "access", "BUSINESS_PURPOSE": "access", "ERASURE": "deletion", "RECTIFICATION": "correction",
    "RESTRICTION": "restriction", "SALE_OPT_OUT": "opt_out", "TRACKING_OPT_OUT": "opt_out",
    "USE_OF_SENSITIVE_INFORMATION_OPT_OUT": "limit", "CONTACT_OPT_OUT": "objection",
}
STATE_LAWS = {"US-CA": "CCPA", "US-VA": "VCDPA", "US-CO": "CPA", "US-CT": "CTDPA", "US-UT": "UCPA", "US-TX": "TDPSA"}
# The EU-27 (Greece as GR or EL), Iceland, Liechtenstein, Norway, and Transcend's `EU`.
GDPR_COUNTRIES = {
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "EL", "HU", "IE", "IT", "LV", "LT",
    "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "EU",
}


def read_export(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def rows(store, sql, parameters=None):
    return store.execute(sql, parameters or {}).fetchall()


def counts(store, sql) -> dict:
    return dict(rows(store, sql))


def utc(text: str) -> datetime | None:
    """Transcend's `2022-11-15T22:27:08.839Z` as naive UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=None) if text else None


def jurisdiction(row: dict[str, str]) -> str:
    """In the US the state names the law; elsewhere the country."""
    if row["Country"] == "US":
        return STATE_LAWS.get(row["Country Sub Division"], "unspecified")
    if row["Country"] in GDPR_COUNTRIES:
        return "GDPR"
    return "UK_GDPR" if row["Country"] == "GB" else "unspecified"


def real_requests() -> list[dict[str, str]]:
    return [row for row in read_export(REQUESTS) if row["Is Test Request"] != "true"]


def expected_requests() -> list[tuple]:
    """(request_id, type, received_at, status, closed_at, jurisdiction) of every real request."""
    return [(row["Request ID"], TYPES.get(row["Request Type"], "other"), utc(row["Created At"]),
             STATUSES[row["Status"]], utc(row["Successfully Completed At"]), jurisdiction(row))
            for row in real_requests()]


@dataclass
class Loaded:
    """One file loaded into a store of its own, once per module: the tests that use it only read it."""

    path: Path  # the store file
    store: object
    report: object


def load_alone(tmp_path_factory, kind: str, path: Path) -> Loaded:
    folder = tmp_path_factory.mktemp(path.stem)
    with pytest.MonkeyPatch.context() as patch:
        # No analyst's saved profile in the way (conftest does the same around each test).
        patch.setenv("PRIVACY_DASHBOARD_PROFILES", str(tmp_path_factory.mktemp("saved-profiles")))
        store = open_store(folder / "store.duckdb")
        return Loaded(folder / "store.duckdb", store, ingest_file(store, kind, path))


@pytest.fixture(scope="module")
def requests_loaded(tmp_path_factory):
    loaded = load_alone(tmp_path_factory, "requests", REQUESTS)
    yield loaded
    loaded.store.close()


@pytest.fixture(scope="module")
def json_loaded(tmp_path_factory):
    loaded = load_alone(tmp_path_factory, "consent", PREFERENCES_JSON)
    yield loaded
    loaded.store.close()


@pytest.fixture(scope="module")
def wide_loaded(tmp_path_factory):
    loaded = load_alone(tmp_path_factory, "consent", PREFERENCES_WIDE)
    yield loaded
    loaded.store.close()


# --- Recognition -----------------------------------------------------------------------------------------------


def test_the_request_file_has_the_header_the_cli_writes():
    with REQUESTS.open(encoding="utf-8") as handle:
        assert handle.readline().rstrip("\n").split(",") == REQUEST_HEADER
    records = read_export(REQUESTS)
    # Every status Transcend has, on the rows that are loaded; rows in the order the export asks for.
    assert {row["Status"] for row in real_requests()} == set(STATUSES)
    assert [row["Created At"] for row in records] == sorted(row["Created At"] for row in records)


@pytest.mark.parametrize(
    "loaded, kind, file, profile",
    [
        ("requests_loaded", "requests", REQUESTS, "transcend_requests"),
        ("json_loaded", "consent", PREFERENCES_JSON, "transcend_preferences_json"),
        ("wide_loaded", "consent", PREFERENCES_WIDE, "transcend_preferences_wide"),
    ],
)
def test_each_file_is_recognised_by_its_header(request, loaded, kind, file, profile):
    loaded = request.getfixturevalue(loaded)
    assert (loaded.report.kind, loaded.report.format) == (kind, profile)
    assert rows(loaded.store, "SELECT file_name, kind, format FROM uploads") == [(file.name, kind, profile)]


# --- Requests --------------------------------------------------------------------------------------------------


def test_request_counts_with_test_requests_set_aside(requests_loaded):
    records = read_export(REQUESTS)
    tests = [row for row in records if row["Is Test Request"] == "true"]
    # 33 requests, 7 of them tests ("This is test request"); no request has two types.
    assert (len(records), len(tests)) == (33, 7)
    report = requests_loaded.report
    assert (report.rows_read, report.rows_loaded, report.rows_duplicate, report.rows_rejected,
            report.rows_set_aside) == (33, 26, 0, 0, 7)
    assert report.set_aside == [("a test request, not a real one", 7)]


def test_test_requests_are_listed_with_their_lines(requests_loaded):
    store = requests_loaded.store
    lines = [line for line, row in enumerate(read_export(REQUESTS), start=2) if row["Is Test Request"] == "true"]
    assert rows(store, "SELECT line, reason FROM rejected_rows WHERE set_aside ORDER BY line") == [
        (line, "a test request, not a real one") for line in lines]
    assert rows(store, "SELECT count(*) FROM rejected_rows WHERE NOT set_aside") == [(0,)]
    test_ids = {row["Request ID"] for row in read_export(REQUESTS) if row["Is Test Request"] == "true"}
    stored = {request_id for (request_id,) in rows(store, "SELECT request_id FROM requests")}
    assert not stored & test_ids


def test_request_statuses(requests_loaded):
    expected = Counter(request[3] for request in expected_requests())
    # Counted by hand: COMPLETED 9, DOWNLOADABLE, VIEW_CATEGORIES and SECONDARY_COMPLETED 1 each = 12 completed;
    # nine open statuses 1 each; CANCELED 2 + FAILED_VERIFICATION 2 = 4 denied; REVOKED 1 withdrawn.
    assert expected == {"completed": 12, "open": 9, "denied": 4, "withdrawn": 1}
    assert counts(requests_loaded.store, "SELECT status, count(*) FROM requests GROUP BY 1") == expected


def test_request_types(requests_loaded):
    expected = Counter(request[1] for request in expected_requests())
    # AUTOMATED_DECISION_MAKING_OPT_OUT and SALE_OPT_IN have no dashboard type: `other`, and listed.
    assert expected == {"deletion": 12, "access": 6, "opt_out": 2, "other": 2, "objection": 1, "correction": 1,
                        "restriction": 1, "limit": 1}
    assert counts(requests_loaded.store, "SELECT request_type, count(*) FROM requests GROUP BY 1") == expected
    warning = next(warning for warning in requests_loaded.report.warnings if warning.startswith("request types"))
    assert "automated_decision_making_opt_out (1 row)" in warning and "sale_opt_in (1 row)" in warning


def test_request_jurisdictions_from_the_state_in_the_us_and_the_country_elsewhere(requests_loaded):
    expected = Counter(request[5] for request in expected_requests())
    # US-CA 10 -> CCPA; US-VA 1 -> VCDPA; FR 3, FR-75 1, DE 1, EU 1 -> GDPR; GB 3, GB-ENG 1 -> UK_GDPR;
    # US-TX 1 -> TDPSA; US without a state 2, Canada's CA-QC 1 and no country 1 -> unspecified.
    assert expected == {"CCPA": 10, "VCDPA": 1, "GDPR": 6, "UK_GDPR": 4, "TDPSA": 1, "unspecified": 4}
    store = requests_loaded.store
    assert counts(store, "SELECT jurisdiction, count(*) FROM requests GROUP BY 1") == expected
    by_id = dict(rows(store, "SELECT request_id, jurisdiction FROM requests"))
    assert by_id["851bc2b7-2bc8-4aff-a1c3-83e018b828c7"] == "unspecified"  # CA, CA-QC: Canada, not California
    assert by_id["46462c5a-fdbb-49c5-9ae7-7fe9fd6778d4"] == "GDPR"  # FR, FR-75
    assert by_id["642ab12f-0e61-4c36-a4de-3a23897f1541"] == "UK_GDPR"  # GB, GB-ENG
    assert by_id["6c12a7f3-d67b-435f-ab9c-ec9930215898"] == "unspecified"  # US, no state


def test_requests_are_stored_with_utc_times_and_the_completion_time_as_closed_at(requests_loaded):
    store = requests_loaded.store
    stored = rows(store, "SELECT request_id, request_type, received_at, status, closed_at, jurisdiction FROM requests")
    assert sorted(stored, key=repr) == sorted(expected_requests(), key=repr)
    # Transcend gives a completion time and nothing else: the 12 completed requests have one; the 5 denied or
    # withdrawn ones have none and are named in the report.
    assert rows(store, "SELECT count(*) FROM requests WHERE closed_at IS NOT NULL") == [(12,)]
    assert "5 rows have a closed status but no closed_at" in " ".join(requests_loaded.report.warnings)


def test_request_channels_are_the_origin(requests_loaded):
    expected = Counter(row["Origin"].lower() for row in real_requests())
    assert expected == {"privacy_center": 24, "admin_dashboard": 1, "api": 1}
    assert counts(requests_loaded.store, "SELECT channel, count(*) FROM requests GROUP BY 1") == expected


def test_requesters_get_one_pseudonym_each(requests_loaded):
    person = {row["Request ID"]: row["Email"].lower() for row in real_requests()}
    # requester02 made three requests (one typed Requester02@Example.com), requester18 two: 23 people.
    assert len(set(person.values())) == 23
    subjects = rows(requests_loaded.store, "SELECT request_id, subject_id FROM requests")
    assert all(re.fullmatch(r"p_[0-9a-f]{32}", subject) for _id, subject in subjects)
    subjects_of = {}
    for request_id, subject in subjects:
        subjects_of.setdefault(person[request_id], set()).add(subject)
    assert all(len(found) == 1 for found in subjects_of.values())
    assert len({subject for _id, subject in subjects}) == 23


def test_an_export_from_tr_request_export_loads_without_close_times(tmp_path):
    # `tr-request-export` as first written (transcend-io/cli at 380479badde3d6f0e8e6028ec9e7ddfbb944c348, 2023-04-06,
    # src/requests/pullRequestsToCsv.ts): no completion time, no purpose trigger, no daysRemaining.
    header = ["Request ID", "Created At", "Email", "Core Identifier", "Request Type", "Data Subject Type", "Status",
              "Country", "Country Sub Division", "Details", "Origin", "Silent Mode", "Is Test Request", "Language",
              "link", "email", "phone", "Tags"]
    export = tmp_path / "transcend-request-export.csv"
    with export.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(read_export(REQUESTS))
    store = open_store(tmp_path / "store.duckdb")
    report = ingest_file(store, "requests", export)
    assert (report.format, report.rows_read, report.rows_loaded, report.rows_rejected, report.rows_set_aside) == (
        "transcend_requests", 33, 26, 0, 7)
    assert counts(store, "SELECT status, count(*) FROM requests GROUP BY 1") == {
        "completed": 12, "open": 9, "denied": 4, "withdrawn": 1}
    # Every closed request (12 + 4 + 1) is then without a close time.
    assert rows(store, "SELECT count(*) FROM requests WHERE closed_at IS NOT NULL") == [(0,)]
    assert "17 rows have a closed status but no closed_at" in " ".join(report.warnings)
    store.close()


# --- Preferences, purposes as a JSON object --------------------------------------------------------------------


def json_decisions() -> list[tuple[str, str, str, str]]:
    """(user, timestamp, purpose key, decision) for every purpose of every row."""
    purpose_key = {"SaleOfInfo": "sale_of_info"}
    decision = {True: "opt_in", False: "opt_out", "Auto": "shown"}
    expanded = []
    for row in read_export(PREFERENCES_JSON):
        for purpose, value in json.loads(row["purposes"]).items():
            # Unconfirmed defaults are a notice shown, whatever they say; an empty `confirmed` counts as true.
            chosen = "shown" if row["confirmed"] == "false" else decision[value]
            expanded.append((row["userId"], row["timestamp"], purpose_key.get(purpose, purpose.lower()), chosen))
    return expanded


def test_json_preferences_counts(json_loaded):
    report = json_loaded.report
    # 16 rows holding 7+5+5+5+2+2+1+4+5+3+2+2+3+2+5+1 = 54 purposes; every one a distinct decision.
    assert len(json_decisions()) == 54
    assert (report.rows_read, report.rows_loaded, report.rows_duplicate, report.rows_rejected,
            report.rows_set_aside) == (54, 54, 0, 0, 0)
    # user04 and user08 did not confirm: their 5 + 5 purposes were defaults.
    assert "10 rows: purposes resolved from defaults and not confirmed by the person were kept as shown, not as choices" \
        in report.warnings


def test_json_preferences_per_purpose(json_loaded):
    store = json_loaded.store
    expected = Counter((purpose, decision) for _user, _time, purpose, decision in json_decisions())
    assert expected == {
        ("analytics", "opt_in"): 7, ("analytics", "opt_out"): 4, ("analytics", "shown"): 2,
        ("sale_of_info", "opt_in"): 4, ("sale_of_info", "opt_out"): 4, ("sale_of_info", "shown"): 3,
        ("advertising", "opt_in"): 4, ("advertising", "opt_out"): 6, ("advertising", "shown"): 3,
        ("essential", "opt_in"): 4, ("essential", "shown"): 2,
        ("functional", "opt_in"): 6, ("functional", "opt_out"): 1, ("functional", "shown"): 2,
        ("testconsent", "opt_in"): 1, ("visiblenotconfigurable", "opt_in"): 1,
    }
    stored = rows(store, "SELECT purpose, decision, count(*) FROM consent GROUP BY ALL")
    assert {(purpose, decision): count for purpose, decision, count in stored} == expected
    assert rows(store, "SELECT count(DISTINCT subject_id), count(*) FROM consent") == [(15, 54)]
    # user05 changed their mind about advertising three weeks later: both decisions are kept.
    assert rows(store, """SELECT occurred_at, decision FROM consent WHERE purpose = 'advertising'
                          AND subject_id IN (SELECT subject_id FROM consent GROUP BY 1
                                             HAVING count(DISTINCT occurred_at) = 2)
                          ORDER BY 1""") == [(datetime(2024, 3, 13, 14, 21, 9, 881000), "opt_in"),
                                             (datetime(2024, 4, 2, 10, 5, 51, 240000), "opt_out")]


# --- Preferences, one column per purpose -----------------------------------------------------------------------


def wide_decisions() -> list[tuple[str, str, str]]:
    """(identifier, purpose key, decision) for every filled purpose cell."""
    return [(row["identifier"], purpose.lower(), {"true": "opt_in", "false": "opt_out"}[row[purpose]])
            for row in read_export(PREFERENCES_WIDE) for purpose in ("Sales", "Marketing") if row[purpose]]


def test_wide_preferences_counts(wide_loaded):
    report = wide_loaded.report
    # 14 rows: Sales filled on 12, Marketing on 11 (an empty cell leaves the purpose as it was: no row).
    assert len(wide_decisions()) == 23
    assert (report.rows_read, report.rows_loaded, report.rows_duplicate, report.rows_rejected,
            report.rows_set_aside) == (23, 23, 0, 0, 0)
    # Sales is the example's own purpose, not one of the policy's: listed as new.
    assert "sales (12 rows)" in next(warning for warning in report.warnings if warning.startswith("purposes not in"))


def test_wide_preferences_per_purpose(wide_loaded):
    store = wide_loaded.store
    expected = Counter((purpose, decision) for _who, purpose, decision in wide_decisions())
    assert expected == {("sales", "opt_in"): 7, ("sales", "opt_out"): 5,
                        ("marketing", "opt_in"): 7, ("marketing", "opt_out"): 4}
    stored = rows(store, "SELECT purpose, decision, count(*) FROM consent GROUP BY ALL")
    assert {(purpose, decision): count for purpose, decision, count in stored} == expected
    assert rows(store, "SELECT count(DISTINCT subject_id) FROM consent") == [(13,)]
    # `2025-03-21 10:49:21.192000000 -07:00`, the example's first timestamp, in UTC.
    assert rows(store, "SELECT min(occurred_at) FROM consent") == [(datetime(2025, 3, 21, 17, 49, 21, 192000),)]


# --- No identity in the store ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "loaded, file",
    [("requests_loaded", REQUESTS), ("json_loaded", PREFERENCES_JSON), ("wide_loaded", PREFERENCES_WIDE)],
)
def test_no_raw_identity_in_the_store(request, loaded, file):
    loaded = request.getfixturevalue(loaded)
    text = file.read_text(encoding="utf-8")
    emails = set(re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", text))
    phones = set(re.findall(r"\+1\d{10}", text))
    assert emails and (phones or file != REQUESTS)
    store = loaded.store
    cells = stored_text(store)
    assert not [cell for cell in cells if "@" in cell]
    assert not [cell for cell in cells if any(phone[2:] in re.sub(r"\D", "", cell) for phone in phones)]
    # And the file's bytes, in the spellings a leak would take.
    store.execute("CHECKPOINT")
    raw = b"".join(path.read_bytes() for path in loaded.path.parent.rglob("store.duckdb*")
                   if path.is_file() and not path.name.endswith(".key"))
    spellings = {spelling for address in emails for spelling in (address, address.lower())}
    spellings |= {spelling for phone in phones for spelling in (phone, phone[2:])}
    assert [spelling for spelling in sorted(spellings) if spelling.encode() in raw] == []


# --- Words an analyst adds -------------------------------------------------------------------------------------


def write_words(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def test_a_status_word_for_this_profile_takes_effect_on_the_next_load(tmp_path, monkeypatch):
    # The profile maps Transcend's 16 statuses and nothing else. A status a later Transcend might add
    # (ARCHIVED here, which Transcend does not have) is rejected until an analyst names it in the words file.
    records = read_export(REQUESTS)
    changed = "898deb1a-5f98-48a7-9505-71e7a48a6e15"  # a real, COMPLETED request
    for row in records:
        if row["Request ID"] == changed:
            assert (row["Status"], row["Is Test Request"]) == ("COMPLETED", "false")
            row["Status"] = "ARCHIVED"
    export = tmp_path / "transcend_request_export.csv"
    with export.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=REQUEST_HEADER, lineterminator="\n")
        writer.writeheader()
        writer.writerows(records)
    words = tmp_path / "words.toml"
    monkeypatch.setenv("PRIVACY_DASHBOARD_WORDS", str(words))

    # A word for another profile does not apply to this one.
    write_words(words, '[profile.fides_requests.status]\narchived = "completed"\n')
    before = open_store(tmp_path / "before.duckdb")
    report = ingest_file(before, "requests", export)
    assert (report.format, report.rows_loaded, report.rows_rejected, report.rows_set_aside) == (
        "transcend_requests", 25, 1, 7)
    assert rows(before, "SELECT column_name, value FROM rejected_rows WHERE NOT set_aside") == [
        ("status", "ARCHIVED")]
    before.close()

    write_words(words, '[profile.fides_requests.status]\narchived = "completed"\n\n'
                       '[profile.transcend_requests.status]\narchived = "completed"\n')
    after = open_store(tmp_path / "after.duckdb")
    report = ingest_file(after, "requests", export)
    assert (report.rows_loaded, report.rows_rejected, report.rows_set_aside) == (26, 0, 7)
    assert rows(after, "SELECT status FROM requests WHERE request_id = $id", {"id": changed}) == [("completed",)]
    assert counts(after, "SELECT status, count(*) FROM requests GROUP BY 1")["completed"] == 12
    after.close()


def test_an_analyst_can_count_canceled_requests_as_withdrawn(store, tmp_path, monkeypatch):
    # The profile counts CANCELED (by an administrator or a rule) as denied; the words file, whose words for a
    # profile win over the profile's own, can say otherwise.
    words = tmp_path / "words.toml"
    write_words(words, '[profile.transcend_requests.status]\ncanceled = "withdrawn"\n')
    monkeypatch.setenv("PRIVACY_DASHBOARD_WORDS", str(words))
    ingest_file(store, "requests", REQUESTS)
    canceled = sum(row["Status"] == "CANCELED" for row in real_requests())
    assert canceled == 2
    assert counts(store, "SELECT status, count(*) FROM requests GROUP BY 1") == {
        "completed": 12, "open": 9, "denied": 4 - canceled, "withdrawn": 1 + canceled}
