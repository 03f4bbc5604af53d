"""Deadline health, the forecast and the per-jurisdiction table (metrics.md "Requests"), counted by hand.

tests/data/requests/health.csv, at the end of Sunday 2024-06-30 with due soon = 7 days (to 2024-07-07):

| id  | type     | received   | status    | closed     | law         | due        | at the end of 2024-06-30     |
|-----|----------|------------|-----------|------------|-------------|------------|------------------------------|
| H1  | access   | 2024-05-30 | open      |            | unspecified | 2024-06-29 | overdue by 1 day             |
| H2  | access   | 2024-05-31 | open      |            | unspecified | 2024-06-30 | due soon, 0 days left        |
| H3  | deletion | 2024-06-07 | open      |            | unspecified | 2024-07-07 | due soon, 7 days left        |
| H4  | access   | 2024-06-08 | open      |            | unspecified | 2024-07-08 | on track (8 days left)       |
| H5  | access   | 2024-05-20 | open      |            | CCPA        | 2024-07-04 | due soon, 4 days left        |
| H6  | deletion | 2024-04-01 | open      |            | CCPA        | 2024-05-16 | overdue by 45 days           |
| H7  | deletion | 2024-05-01 | completed | 2024-07-02 | unspecified | 2024-05-31 | overdue by 30 (closed later) |
| H8  | access   | 2024-06-25 | open      |            | CCPA        | 2024-08-09 | on track                     |
| H9  | deletion | 2024-06-28 | open      |            | CCPA        | 2024-08-12 | on track                     |
| H10 | access   | 2024-07-01 | open      |            | unspecified | 2024-07-31 | received after: not counted  |

Unspecified is 30 calendar days, CCPA access and deletion 45 (H5: 11 days to 31 May, 30 to 30 June, 4 more;
H6: 29 to 30 April, 16 more). K1..K11 are closed: K1 on 2024-05-31, before the 30 days ending 2024-06-30
(1 June to 30 June); K2..K11 inside them (K2 on 1 June, K11 at 23:00 on 30 June, K8 withdrawn, K6 and K11
denied): ten closed in the 30 days.

Forecast: at ten in 30 days, the k-th open request by due date closes 3k days after 30 June:
H6 (due 05-16) 07-03 late, H7 (05-31) 07-06 late, H1 (06-29) 07-09 late, H2 (06-30) 07-12 late, H5 (07-04)
07-15 late, H3 (07-07) 07-18 late, H4 (07-08) 07-21 late, H8 (08-09) 07-24 in time, H9 (08-12) 07-27 in time:
7 late of 9, the last closing on 2024-07-27.
"""

import json
from datetime import date
from pathlib import Path

import pytest

from dashboard import metrics
from tests.conftest import dashboard, open_copy, store_with

DATA = Path(__file__).parent / "data" / "requests"
END = date(2024, 6, 30)


@pytest.fixture(scope="module")
def health_store_file(tmp_path_factory, empty_store_file):
    return store_with(tmp_path_factory, empty_store_file, ("requests", DATA / "health.csv"))


@pytest.fixture
def store(health_store_file, tmp_path):
    with open_copy(health_store_file, tmp_path) as connection:
        yield connection


@pytest.fixture(scope="module")
def requests_store_file(tmp_path_factory, empty_store_file):
    return store_with(tmp_path_factory, empty_store_file, ("requests", DATA / "requests.csv"))


def figure(connection, name, due_soon_days=7, **selections):
    filters = metrics.Filters(start=date(2024, 1, 1), end=END, due_soon_days=due_soon_days, **selections)
    return metrics.figure(connection, name, filters)


def health(frame, breakdown="all"):
    rows = frame[frame["breakdown"] == breakdown]
    return {row["value"] if breakdown != "all" else "all": (row["open_at_end"], row["overdue"], row["due_soon"],
                                                            row["on_track"]) for _, row in rows.iterrows()}


def test_each_open_request_is_overdue_due_soon_or_on_track_at_the_range_end(store):
    frame = figure(store, "requests_health")
    # Open at the end: H1..H9 (H7 closed after it); H10 came later and the K rows closed before.
    assert health(frame) == {"all": (9, 3, 3, 3)}
    assert health(frame, "request_type") == {"access": (5, 1, 2, 2), "deletion": (4, 2, 1, 1)}
    assert health(frame, "jurisdiction") == {"CCPA": (4, 1, 1, 2), "unspecified": (5, 2, 2, 1)}


def test_due_soon_list_takes_due_dates_from_the_last_day_to_seven_days_after_it(store):
    listed = figure(store, "requests_due_soon")
    # H2 due on the last day itself, H3 on the seventh day after; H4 on the eighth is on track.
    assert list(zip(listed["request_id"], listed["days_left"])) == [("H2", 0), ("H5", 4), ("H3", 7)]
    assert set(listed["due_soon_total"]) == {3}
    overdue = figure(store, "requests_overdue")
    assert list(zip(overdue["request_id"], overdue["days_overdue"])) == [("H6", 45), ("H7", 30), ("H1", 1)]


def test_a_shorter_due_soon_setting_moves_requests_to_on_track(store):
    # Three days: to 2024-07-03. H5 (07-04) and H3 (07-07) are on track now.
    assert health(figure(store, "requests_health", due_soon_days=3)) == {"all": (9, 3, 1, 5)}
    assert list(figure(store, "requests_due_soon", due_soon_days=3)["request_id"]) == ["H2"]


def test_the_filters_narrow_health(store):
    assert health(figure(store, "requests_health", jurisdictions=("CCPA",))) == {"all": (4, 1, 1, 2)}


def test_forecast_at_the_last_thirty_days_pace(store):
    forecast = figure(store, "requests_forecast").iloc[0]
    assert forecast["open_at_end"] == 9
    assert forecast["closed_last_30_days"] == 10
    assert forecast["projected_late"] == 7
    assert forecast["projected_clear_date"].date() == date(2024, 7, 27)


def test_forecast_follows_the_filters_and_without_closings_counts_every_open_request_late(store):
    # Deletions: K5, K6 and K10 closed in the 30 days. At three in 30 days the k-th open deletion closes 10k
    # days after 30 June: H6 07-10 late, H7 07-20 late, H3 (07-07) 07-30 late, H9 (08-12) 08-09 in time.
    deletions = figure(store, "requests_forecast", request_types=("deletion",)).iloc[0]
    assert (deletions["closed_last_30_days"], deletions["projected_late"]) == (3, 3)
    # CCPA: no CCPA request closed in the 30 days, so none of the four open ones would close.
    ccpa = figure(store, "requests_forecast", jurisdictions=("CCPA",)).iloc[0]
    assert (ccpa["closed_last_30_days"], ccpa["projected_late"]) == (0, 4)


def test_per_jurisdiction_table_by_hand_and_against_the_types(requests_store_file, tmp_path):
    # tests/data/requests/requests.csv (its table is in test_request_metrics.py), 2024-01-01 .. 2024-06-30.
    with open_copy(requests_store_file, tmp_path) as connection:
        by_law = figure(connection, "requests_by_jurisdiction").set_index("jurisdiction")
        by_type = figure(connection, "requests_by_type")
    # CCPA: R01 (access and deletion), R04, R05, R06, R11, R13 received in the range; R09 came in December.
    # Completed R01 x2, R05, R06, R11; denied R13; open R04. Closed with a date: R01 10 and 10, R05 96, R11 5,
    # R13 0: median 10, mean 121 / 5 = 24.2; on time all but R05 (closed 07-15, due 05-25): 4 / 5.
    # Overdue at 06-30: R09 (due 01-29), R04 (06-21), R05 (open until 07-15, due 05-25).
    ccpa = by_law.loc["CCPA"]
    assert (ccpa["received"], ccpa["completed"], ccpa["denied"], ccpa["withdrawn"], ccpa["open"]) == (7, 5, 1, 0, 1)
    assert (ccpa["median_days_to_close"], ccpa["mean_days_to_close"], ccpa["on_time_rate"]) == (10, 24.2, 0.8)
    assert (ccpa["overdue"], ccpa["due_soon"]) == (3, 0)
    # UK GDPR: R14 received 05-30, due 06-30 (one month), open: due soon, nothing closed.
    uk = by_law.loc["UK_GDPR"]
    assert (uk["received"], uk["open"], uk["closed"], uk["due_soon"]) == (1, 1, 0, 1)
    assert uk.isna()["on_time_rate"]
    # The laws add up to the types.
    for column in ("received", "completed", "denied", "withdrawn", "open", "closed"):
        assert by_law[column].sum() == by_type[column].sum(), column
    assert by_law["received"].sum() == 14


def test_metrics_carries_health_with_the_setting_from_the_environment(health_store_file):
    result = dashboard("metrics", "--end", "2024-06-30", db=health_store_file,
                       env={"PRIVACY_DASHBOARD_DUE_SOON_DAYS": "3"})
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)["requests"]["health"]
    assert (document["due_soon_days"], document["open_at_end"], document["overdue"], document["due_soon"],
            document["on_track"]) == (3, 9, 3, 1, 5)
    assert document["by_jurisdiction"]["CCPA"] == {"open_at_end": 4, "overdue": 1, "due_soon": 0, "on_track": 3}
    assert document["forecast"] == {"closed_last_30_days": 10, "projected_late": 7,
                                    "projected_clear_date": "2024-07-27"}


def test_an_unusable_due_soon_setting_is_refused_in_one_line(health_store_file):
    result = dashboard("metrics", db=health_store_file, env={"PRIVACY_DASHBOARD_DUE_SOON_DAYS": "soon"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [(
        "PRIVACY_DASHBOARD_DUE_SOON_DAYS: due_soon_days must be a whole number, 0 (only requests due on the "
        "range's last day) or more, not 'soon'")]
