"""The CCPA report (11 CCR § 7102) as it is published and defended: its scopes, the columns that add up, the denials
by reason, its notes, the warning for a year with no request in scope, and the evidence pack. Counted by hand from
three canonical requests files under tests/data/ccpa/, loaded in this order:

1. requests_2024.csv (upload 1):

| id  | type       | received   | status    | closed     | law     | denial reason                              |
|-----|------------|------------|-----------|------------|---------|--------------------------------------------|
| A1  | deletion   | 2024-02-01 | completed | 2024-02-11 | CCPA    |                                            |
| A2  | deletion   | 2024-12-20 | open      |            | CCPA    | (completed 2025-01-10 by upload 2)         |
| A3  | deletion   | 2024-03-01 | denied    | 2024-03-05 | CCPA    | Unable to verify identity                  |
| A4  | deletion   | 2024-04-01 | withdrawn | 2024-04-03 | CCPA    |                                            |
| A5  | access     | 2024-05-01 | denied    | 2024-05-20 | CCPA    | Requester is not a California resident     |
| A6  | access     | 2024-06-01 | denied    | 2024-06-02 | CCPA    | Records retained under a legal obligation  |
| A7  | access     | 2024-12-31 | open      |            | CCPA    |                                            |
| A8  | access     | 2024-07-01 | denied    | 2024-07-31 | CCPA    | (none)                                     |
| A9  | opt_out    | 2024-08-01 | completed | 2024-08-05 | CCPA    |                                            |
| A10 | access     | 2024-09-01 | completed | 2024-09-11 | Texas   |                                            |
| A11 | deletion   | 2024-10-01 | denied    | 2024-10-02 | GDPR    | Manifestly unfounded                       |
| A12 | correction | 2023-12-15 | completed | 2024-01-05 | UK_GDPR |                                            |

2. requests_2024_update.csv (upload 2): A2 completed on 2025-01-10.
3. requests_2023_elsewhere.csv (upload 3): C1 access 2023 GDPR completed; C2 deletion 2023 open and C3 access 2023
   completed, both without a law.

2024 under the CCPA: deletion A1 (10 days), A2 (21 days: 20 Dec to 10 Jan), A3 (denied, 4), A4 (withdrawn);
access A5 (19), A6 (1), A7 (open), A8 (30); opt-out A9 (4).
"""

import csv
import hashlib
import io
import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from dashboard import ccpa, metrics, operations
from dashboard.charts import denials as denial_charts
from dashboard.queries import run_query
from tests.conftest import dashboard, open_copy, store_with

DATA = Path(__file__).parent / "data" / "ccpa"
FILES = ("requests_2024.csv", "requests_2024_update.csv", "requests_2023_elsewhere.csv")
FIGURES = ("received", "complied", "denied", "withdrawn", "open", "median_days", "mean_days", "open_at_year_end",
           "denied_identity_not_verified", "denied_not_a_consumer", "denied_exempt", "denied_other",
           "denied_without_reason")


@pytest.fixture(scope="module")
def store_file(tmp_path_factory, empty_store_file):
    return store_with(tmp_path_factory, empty_store_file, *(("requests", DATA / name) for name in FILES))


@pytest.fixture
def store(store_file, tmp_path):
    with open_copy(store_file, tmp_path) as connection:
        yield connection


def figures(connection, year: int, scope: str) -> dict[str, tuple]:
    return {row["request_type"]: tuple(row[name] for name in FIGURES)
            for row in metrics.ccpa_report(connection, year, scope=scope)}


def test_ccpa_2024_adds_up_with_withdrawn_and_still_open_and_its_denials_by_reason(store):
    report = figures(store, 2024, "ccpa")
    # received, complied, denied, withdrawn, open, median, mean, open on 31 Dec, denied by reason (identity, not a
    # consumer, exempt, other, none).
    assert report == {
        # A1 and A2 complied (A2 in January: open on 31 December), A3 denied (identity), A4 withdrawn.
        # Days 10, 21, 4: median 10, mean 35 / 3.
        "deletion": (4, 2, 1, 1, 0, 10.0, 11.67, 1, 1, 0, 0, 0, 0),
        "correction": (0, 0, 0, 0, 0, None, None, 0, 0, 0, 0, 0, 0),  # A12 came in 2023, under UK GDPR
        # A5 (not a consumer), A6 (exempt), A8 (no reason) denied; A7 open. Days 19, 1, 30: median 19, mean 50 / 3.
        "access": (4, 0, 3, 0, 1, 19.0, 16.67, 1, 0, 1, 1, 0, 1),
        "opt_out": (1, 1, 0, 0, 0, 4.0, 4.0, 0, 0, 0, 0, 0, 0),
        "limit": (0, 0, 0, 0, 0, None, None, 0, 0, 0, 0, 0, 0),
    }
    for received, complied, denied, withdrawn, still_open, *_rest in report.values():
        assert received == complied + denied + withdrawn + still_open


def test_the_us_scope_adds_texas_and_every_law_adds_the_gdpr(store):
    # Every US state law: A10 (Texas, access, 10 days): days 19, 1, 30, 10: median 14.5, mean 60 / 4.
    assert figures(store, 2024, "us")["access"] == (5, 1, 3, 0, 1, 14.5, 15.0, 1, 0, 1, 1, 0, 1)
    assert figures(store, 2024, "us")["deletion"] == figures(store, 2024, "ccpa")["deletion"]
    # Every law: A11 (GDPR, deletion, denied as manifestly unfounded: other grounds, 1 day): days 10, 21, 4, 1.
    assert figures(store, 2024, "all")["deletion"] == (5, 2, 2, 1, 0, 7.0, 9.0, 1, 1, 0, 0, 1, 0)


def test_notes_say_what_adds_up_and_how_many_were_open_at_year_end(store):
    # 2024 under the CCPA (its year is complete: the newest data is from 31 December).
    notes = operations.ccpa_report(store, 2024, scope="ccpa")["notes"]
    assert notes[0] == ("Scope: requests made under the CCPA (California consumers), received from 1 January to 31 "
                        "December 2024. A request for several things (for example to know and to delete) counts "
                        "once under each.")
    # The newest data: A7, received 31 December 2024, so the year is complete.
    assert notes[1] == ("Each request counts by its latest known status in the newest export (data to 31 December "
                        "2024): requests received = complied with + denied + withdrawn + still open.")
    # A2 and A7 were open on 31 December; A2 has been completed since.
    assert notes[2] == "2 of the year's requests were still open on 31 December 2024; 1 of them has been closed since."
    assert "(7 in all)" in notes[3]  # A1, A2, A3, A5, A6, A8, A9 have days
    assert any(note.startswith("Denials by reason follow the grounds of section 7102(a)(2)") for note in notes)
    assert any("Global Privacy Control" in note for note in notes)
    # A year the data stops short of: its period ends with the data, and what is open is what is open now.
    partial = ccpa.notes(metrics.ccpa_frame(store, 2024, scope="ccpa"), 2024, "ccpa", last=date(2024, 11, 30))
    assert partial[0].startswith("Scope: requests made under the CCPA (California consumers), received from 1 "
                                 "January to 30 November 2024.")
    assert partial[2] == "1 of the year's requests is still open in the newest export."  # A7


def test_a_year_without_ccpa_requests_is_all_zeros_with_a_warning_saying_why(store):
    assert set(figures(store, 2023, "ccpa").values()) == {(0, 0, 0, 0, 0, None, None, 0, 0, 0, 0, 0, 0)}
    laws = run_query(store, "ccpa_year_laws", {"year": 2023})
    # 2023: C2 and C3 carry no law; C1 is under the GDPR, A12 under UK GDPR.
    assert ccpa.scope_warning(laws, 2023, "ccpa") == (
        "No request received in 2023 is marked CCPA, so every figure below is 0: 2 requests of the year carry no law "
        "and 2 requests are under other laws (GDPR (EU/EEA) 1, UK GDPR 1). If the request tool does not record the "
        "law, map its location or law column on the Data page, or choose a wider scope.")
    assert ccpa.scope_warning(laws, 2023, "all") is None
    assert ccpa.scope_warning(run_query(store, "ccpa_year_laws", {"year": 2024}), 2024, "ccpa") is None


def test_the_command_line_takes_a_scope_and_keeps_all_jurisdictions(store_file):
    us = json.loads(dashboard("report", "ccpa", "--year", "2024", "--scope", "us", db=store_file).stdout)
    assert us["scope"] == "us" and "TDPSA" in us["jurisdictions"] and "GDPR" not in us["jurisdictions"]
    every = dashboard("report", "ccpa", "--year", "2024", "--all-jurisdictions", db=store_file)
    assert json.loads(every.stdout)["scope"] == "all"
    clash = dashboard("report", "ccpa", "--year", "2024", "--all-jurisdictions", "--scope", "us", db=store_file)
    assert clash.returncode == 2 and clash.stderr == "--all-jurisdictions is --scope all, not --scope us\n"
    published = dashboard("report", "ccpa", "--year", "2024", "--csv", db=store_file).stdout.splitlines()
    assert published[3] == "access,Requests to know,4,0,3,0,1,19.0,16.67,1,0,1,1,0,1"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_evidence_pack_lists_exactly_the_uploads_that_hold_the_years_requests(store_file, tmp_path):
    pack_file = tmp_path / "evidence.zip"
    result = dashboard("report", "ccpa", "--year", "2024", "--evidence", str(pack_file), db=store_file)
    assert result.returncode == 0, result.stderr
    assert result.stderr.startswith(f"Evidence pack written to {pack_file} (")
    with zipfile.ZipFile(pack_file) as pack:
        assert pack.namelist() == ["ccpa-metrics-2024.csv", "ccpa-metrics-2024.html", "ccpa-metrics-2024.md",
                                   "definitions.md", "uploads.csv", "settings.json", "denial_reason_words.csv",
                                   "MANIFEST.txt"]
        files = {name: pack.read(name) for name in pack.namelist()}
    uploads = list(csv.DictReader(line for line in files["uploads.csv"].decode("utf-8-sig").splitlines()
                                  if not line.startswith("#")))
    # Upload 1 holds the current versions of A1 and A3..A9 (8 requests); upload 2 the completed A2; upload 3 none
    # of 2024's (its requests are 2023's), and A10, A11 are outside the CCPA.
    assert [(row["upload_id"], row["file_name"], row["sha256"], row["requests_in_report"]) for row in uploads] == [
        ("1", "requests_2024.csv", sha256(DATA / FILES[0]), "8"),
        ("2", "requests_2024_update.csv", sha256(DATA / FILES[1]), "1")]
    assert uploads[0]["rows_read"] == "12" and uploads[0]["loaded_at"].endswith(" UTC")
    table = files["ccpa-metrics-2024.csv"].decode("utf-8-sig").splitlines()
    assert "Requests to know,4,0,3,0,1,19.0,16.7,0,1,1,0,1" in table
    settings = json.loads(files["settings.json"])
    assert (settings["year"], settings["scope"], settings["laws"], settings["min_cell"]) == (2024, "ccpa", ["CCPA"], 0)
    assert "## Denied, by reason" in files["definitions.md"].decode("utf-8")
    # The manifest gives each other file's SHA-256.
    manifest = files["MANIFEST.txt"].decode("utf-8").splitlines()
    listed = dict(reversed(line.split("  ")) for line in manifest if "  " in line)
    assert listed == {name: hashlib.sha256(content).hexdigest() for name, content in files.items()
                      if name != "MANIFEST.txt"}


def test_the_evidence_of_every_law_in_2023_and_the_html_with_its_notes(store):
    exact = metrics.ccpa_frame(store, 2023, scope="all")
    published = ccpa.report(exact, 2023, "all", last=date(2024, 12, 31), min_cell=0, source="test")
    # 2023, every law: C1, C2, C3 from upload 3 and A12 from upload 1.
    assert ccpa.evidence_uploads(store, 2023, "all")[["upload_id", "requests_in_report"]].values.tolist() == [
        [1, 1], [3, 3]]
    html = published.html()
    assert "<caption>Requests received from 1 January to 31 December 2023: requests made under any law, wherever " \
           "the person lives</caption>" in html
    # C2 (still open) and A12 (completed on 5 January 2024) were open on 31 December 2023.
    assert ("<li>2 of the year&#x27;s requests were still open on 31 December 2023; 1 of them has been closed "
            "since.</li>") in html
    pack = zipfile.ZipFile(io.BytesIO(ccpa.evidence_pack(store, published, min_cell=0,
                                                          generated_at=datetime(2025, 2, 1, 9, 30, tzinfo=UTC))))
    # No denial of 2023 has a reason: no word list in the pack, nor reason columns in the table.
    assert "denial_reason_words.csv" not in pack.namelist()
    assert json.loads(pack.read("settings.json"))["generated_at"] == "2025-02-01T09:30:00Z"
    assert pack.read("ccpa-metrics-2023-all.csv").decode("utf-8-sig").splitlines()[-6] == (
        "Request type,Requests received,Complied with in whole or in part,Denied,Withdrawn,Still open,"
        "Median days to respond,Mean days to respond")


def test_the_record_keeping_check_counts_what_section_7101_asks_for_and_how_far_back(store_file):
    document = json.loads(dashboard("metrics", db=store_file).stdout)["records"]
    # 15 requests (A1..A12, C1..C3), none with a channel; every closed one has its date; of the 5 denied (A3, A5,
    # A6, A8, A11) A8 has no reason. From C1 (1 March 2023) to A7 (31 December 2024): 21 whole months.
    assert document == {"requests_on_record": 15, "without_channel": 15, "closed_without_date": 0,
                        "denied_requests": 5, "denied_without_reason": 1, "first_received": "2023-03-01",
                        "newest_data_day": "2024-12-31", "months_held": 21}


def test_the_requests_page_counts_denials_by_ground_per_type(store):
    filters = metrics.Filters(start=date(2024, 1, 1), end=date(2024, 12, 31))
    denials = metrics.figure(store, "requests_denials", filters)
    # Denied in 2024: A3 (deletion, identity), A11 (deletion, manifestly unfounded: other grounds); A5 (access, not a
    # consumer), A6 (access, exempt), A8 (access, no reason).
    assert list(zip(denials["request_type"], denials["denial_category"], denials["requests"],
                    denials["type_denied"])) == [
        ("access", "exempt", 1, 3), ("access", "none", 1, 3), ("access", "not_a_consumer", 1, 3),
        ("deletion", "identity_not_verified", 1, 2), ("deletion", "other", 1, 2)]
    labelled = denial_charts.with_labels(denials)
    # Types in the catalogue's order (access, deletion), grounds in theirs, no reason last.
    assert list(zip(labelled["request_type_label"], labelled["denial_category_label"])) == [
        ("Access", "Not a consumer (e.g. not a resident)"), ("Access", "Exempt (an exception applies)"),
        ("Access", "No reason recorded"), ("Deletion", "Identity could not be verified"), ("Deletion", "Other grounds")]
    spec = denial_charts.denials_chart(labelled, "2024").to_dict()
    assert spec["description"].endswith("5 denied requests.")
    colours = spec["layer"][0]["encoding"]["color"]["scale"]
    assert dict(zip(colours["domain"], colours["range"]))["none"] == "#767676"
    ccpa_only = metrics.figure(store, "requests_denials", metrics.Filters(
        start=date(2024, 1, 1), end=date(2024, 12, 31), jurisdictions=("CCPA",)))
    assert ccpa_only[ccpa_only["request_type"] == "deletion"]["denial_category"].tolist() == ["identity_not_verified"]


def test_metrics_for_the_calendar_year_carries_the_reports_figures(store_file):
    """`metrics` over a calendar year and `report ccpa --scope all` count the same requests the same way."""
    document = json.loads(dashboard("metrics", "--start", "2024-01-01", "--end", "2024-12-31", db=store_file).stdout)
    report = {row["request_type"]: row for row in json.loads(
        dashboard("report", "ccpa", "--year", "2024", "--scope", "all", db=store_file).stdout)["rows"]}
    for row in document["requests"]["by_type"]:
        published = report[row["request_type"]]
        assert (row["received"], row["completed"], row["denied"], row["withdrawn"], row["open"]) == (
            published["received"], published["complied"], published["denied"], published["withdrawn"],
            published["open"]), row["request_type"]
    by_ground = {}
    for row in document["requests"]["denials"]:
        by_ground[row["denial_category"]] = by_ground.get(row["denial_category"], 0) + row["requests"]
    assert by_ground == {
        "identity_not_verified": sum(row["denied_identity_not_verified"] for row in report.values()),
        "not_a_consumer": sum(row["denied_not_a_consumer"] for row in report.values()),
        "exempt": sum(row["denied_exempt"] for row in report.values()),
        "other": sum(row["denied_other"] for row in report.values()),
        "none": sum(row["denied_without_reason"] for row in report.values()),
    } == {"identity_not_verified": 1, "not_a_consumer": 1, "exempt": 1, "other": 1, "none": 1}
