"""The issue's acceptance path: `sample`, `ingest` of the three files, `metrics` and `report ccpa`,
each as a real process on a real store, with figures checked against the CSVs themselves."""

import csv
import json
import subprocess
import sys
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


def dashboard(*arguments):
    result = subprocess.run([sys.executable, "-m", "dashboard", *arguments], check=False, cwd=PROJECT,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def sample_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sample")
    db = folder / "store.duckdb"
    written = dashboard("sample", "--out", str(folder / "exports")).split()
    assert [Path(path).name for path in written] == ["consent.csv", "requests.csv", "policies.csv"]
    reports = {}
    for kind, name in (("policies", "policies.csv"), ("consent", "consent.csv"), ("requests", "requests.csv")):
        reports[kind] = json.loads(dashboard("ingest", kind, str(folder / "exports" / name), "--db", str(db)))
    return folder, db, reports


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def utc_date(text):
    """The UTC calendar date of an ISO 8601 time written by the sample generator."""
    moment = datetime.fromisoformat(text)
    return (moment - (moment.utcoffset() or timedelta())).date()


def test_sample_files_load_without_rejects(sample_store):
    _, _, reports = sample_store
    for report in reports.values():
        assert report["rows_rejected"] == 0
        assert report["rows_loaded"] > 0


def test_metrics_document_has_the_shape_of_the_interface(sample_store):
    _, db, _ = sample_store
    document = json.loads(dashboard("metrics", "--db", str(db)))
    # A section per page, the interface's keys first in each.
    assert list(document) == ["range", "filters", "overview", "consent", "requests", "records", "policy"]
    assert document["filters"] == {}
    assert list(document["overview"]) == ["consent", "requests", "policy"]
    assert list(document["overview"]["requests"]) == [
        "received", "received_before", "received_change", "closed", "on_time_rate", "overdue"]
    assert list(document["consent"]) == ["by_purpose", "monthly", "by_channel", "by_region", "reach", "methods"]
    assert list(document["consent"]["by_purpose"][0]) == [
        "purpose", "opt_ins", "opt_outs", "decision_opt_in_rate", "standing_subjects", "standing_opt_ins",
        "standing_opt_in_rate"]
    assert list(document["requests"]) == ["trailing_12_months", "by_type", "overdue", "summary", "days_to_close",
                                          "health", "by_jurisdiction", "denials"]
    assert list(document["requests"]["health"]) == [
        "at", "due_soon_days", "open_at_end", "overdue", "due_soon", "on_track", "by_request_type", "by_jurisdiction",
        "forecast"]
    assert list(document["requests"]["by_type"][0]) == [
        "request_type", "received", "completed", "denied", "withdrawn", "open", "median_days_to_close",
        "mean_days_to_close", "on_time_rate"]
    assert list(document["policy"]) == ["versions", "latest_version", "latest_version_share", "mix", "adoption"]
    assert list(document["policy"]["versions"][0]) == [
        "policy_version", "effective_date", "subjects_current", "share_current"]
    # Lists are sorted by their first key (then the second).
    months = [(row["month"], row["request_type"]) for row in document["requests"]["trailing_12_months"]]
    assert months == sorted(months) and len({month for month, _ in months}) == 12


def test_default_range_is_the_year_to_the_newest_date(sample_store):
    folder, db, _ = sample_store
    newest = max(
        [utc_date(row["occurred_at"]) for row in read_csv(folder / "exports" / "consent.csv")]
        + [utc_date(row["received_at"]) for row in read_csv(folder / "exports" / "requests.csv")]
    )
    document = json.loads(dashboard("metrics", "--db", str(db)))
    assert document["range"] == {
        "end": newest.isoformat(),
        "start": (newest.replace(year=newest.year - 1) + timedelta(days=1)).isoformat(),
    }


def test_choice_counts_equal_a_count_of_the_csv(sample_store):
    folder, db, _ = sample_store
    start, end = date(2024, 1, 1), date(2024, 6, 30)
    expected = Counter()
    for row in read_csv(folder / "exports" / "consent.csv"):
        if row["decision"] in ("opt_in", "opt_out") and start <= utc_date(row["occurred_at"]) <= end:
            expected[(row["purpose"], row["decision"])] += 1
    document = json.loads(dashboard("metrics", "--db", str(db), "--start", str(start), "--end", str(end)))
    got = {}
    for row in document["consent"]["by_purpose"]:
        got[(row["purpose"], "opt_in")] = row["opt_ins"]
        got[(row["purpose"], "opt_out")] = row["opt_outs"]
        choices = row["opt_ins"] + row["opt_outs"]
        assert row["decision_opt_in_rate"] == (round(row["opt_ins"] / choices, 4) if choices else None)
    assert {key: value for key, value in got.items() if value} == dict(expected)


def test_requests_received_per_type_equal_a_count_of_the_csv(sample_store):
    folder, db, _ = sample_store
    start, end = date(2024, 1, 1), date(2024, 6, 30)
    expected = Counter()
    for row in read_csv(folder / "exports" / "requests.csv"):
        if start <= utc_date(row["received_at"]) <= end:
            for request_type in row["request_type"].split("+"):
                expected[request_type] += 1
    document = json.loads(dashboard("metrics", "--db", str(db), "--start", str(start), "--end", str(end)))
    assert {row["request_type"]: row["received"] for row in document["requests"]["by_type"]} == dict(expected)
    for row in document["requests"]["by_type"]:
        assert row["received"] == row["completed"] + row["denied"] + row["withdrawn"] + row["open"]


def test_ccpa_report_has_five_rows_and_a_publishable_csv(sample_store):
    _, db, _ = sample_store
    report = json.loads(dashboard("report", "ccpa", "--year", "2024", "--db", str(db)))
    assert report["year"] == 2024 and report["scope"] == "ccpa" and report["jurisdictions"] == ["CCPA"]
    assert [row["label"] for row in report["rows"]] == [
        "Requests to delete", "Requests to correct", "Requests to know",
        "Requests to opt-out of sale/sharing", "Requests to limit"]
    published = dashboard("report", "ccpa", "--year", "2024", "--csv", "--db", str(db)).splitlines()
    assert published[0] == (
        "request_type,label,received,complied,denied,withdrawn,open,median_days,mean_days,open_at_year_end,"
        "denied_identity_not_verified,denied_not_a_consumer,denied_exempt,denied_other,denied_without_reason")
    assert len(published) == 6
    everyone = json.loads(dashboard("report", "ccpa", "--year", "2024", "--all-jurisdictions", "--db", str(db)))
    assert sum(row["received"] for row in everyone["rows"]) > sum(row["received"] for row in report["rows"])


def test_min_cell_hides_small_counts(sample_store):
    _, db, _ = sample_store
    document = json.loads(dashboard("metrics", "--db", str(db), "--min-cell", "1000000"))
    for row in document["consent"]["by_purpose"]:
        assert row["decision_opt_in_rate"] is None and row["standing_opt_in_rate"] is None
        assert all(row[count] in (0, "<1000000") for count in ("opt_ins", "opt_outs", "standing_subjects"))
