"""Request metrics (metrics.md "Requests" and "CCPA annual metrics"), counted by hand from a small CSV.

tests/data/requests/requests.csv, as stored (a combined type is one row per type):

| id  | type             | received (UTC) | status    | closed_at  | jurisdiction | ext | channel  | due        |
|-----|------------------|----------------|-----------|------------|--------------|-----|----------|------------|
| R01 | access+deletion  | 2024-02-01     | completed | 2024-02-11 | CCPA         |     | web_form | 2024-03-17 |
| R02 | access           | 2024-01-31     | open      |            | GDPR         |     | email    | 2024-02-29 |
| R03 | access+deletion  | 2024-01-31     | open      |            | GDPR         | yes | email    | 2024-04-30 |
| R04 | opt_out          | 2024-06-01 Sat | open      |            | CCPA         |     | web_form | 2024-06-21 |
| R05 | deletion         | 2024-04-10     | completed | 2024-07-15 | CCPA         |     | phone    | 2024-05-25 |
| R06 | access           | 2024-05-01     | completed | (none)     | CCPA         |     | web_form | 2024-06-15 |
| R07 | access           | 2024-04-01     | denied    | 2024-06-20 | PIPL         |     | email    | 2024-05-01 |
| R08 | deletion         | 2024-05-20     | withdrawn | 2024-05-22 | unspecified  |     | app      | 2024-06-19 |
| R09 | correction       | 2023-12-15     | open      |            | CCPA         |     | mail     | 2024-01-29 |
| R10 | access           | 2024-07-02     | open      |            | CCPA         |     | web_form | 2024-08-16 |
| R11 | opt_out          | 2024-06-20 Thu | completed | 2024-06-25 | CCPA         |     | web_form | 2024-07-11 |
| R12 | deletion         | 2024-03-05     | completed | 2024-04-20 | GDPR         |     | email    | 2024-04-05 |
| R13 | access           | 2024-02-10     | denied    | 2024-02-10 | CCPA         |     | phone    | 2024-03-26 |
| R14 | access           | 2024-05-30     | open      |            | UK_GDPR      |     | (none)   | 2024-06-30 |

days_to_close (completed/denied with closed_at): R01 10 (each type), R05 96, R07 80, R11 5, R12 46, R13 0.
The range used below is 2024-01-01 .. 2024-06-30 unless a test says otherwise.
"""

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from dashboard import metrics
from dashboard.ingest import ingest_file
from dashboard.queries import run_query
from tests.conftest import open_copy, store_with

DATA = Path(__file__).parent / "data" / "requests"


@pytest.fixture(scope="module")
def requests_store_file(tmp_path_factory, empty_store_file):
    """A store with requests.csv loaded through the real ingest, once for the module."""
    return store_with(tmp_path_factory, empty_store_file, ("requests", DATA / "requests.csv"))


@pytest.fixture
def store(requests_store_file, tmp_path):
    """A test's own copy of it."""
    with open_copy(requests_store_file, tmp_path) as connection:
        yield connection


def parameters(**overrides) -> dict:
    """The first half of 2024, no filters; overrides replace any of them."""
    values = {
        "start": date(2024, 1, 1),
        "end": date(2024, 6, 30),
        "request_types": None,
        "jurisdictions": None,
        "request_channels": None,
    }
    return values | overrides


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as plain dicts: missing values as None, dates as YYYY-MM-DD, as the JSON output shows them."""

    def plain(value):
        if isinstance(value, pd.Timestamp):
            return value.date().isoformat()
        if not isinstance(value, (list, tuple)) and pd.isna(value):
            return None
        return value.item() if hasattr(value, "item") else value

    return [{key: plain(value) for key, value in row.items()} for row in frame.to_dict("records")]


# --- Trailing twelve months -------------------------------------------------------------------------


def received_by_month(frame: pd.DataFrame) -> dict[tuple[str, str], int]:
    return {(row["month"], row["request_type"]): row["received"] for row in records(frame)}


def test_trailing_twelve_months_has_every_month_and_type_with_zeros(store):
    # The start (May) is ignored: the window is the twelve months ending with June 2024.
    frame = run_query(
        store, "requests_trailing_12_months", parameters(start=date(2024, 5, 1), end=date(2024, 6, 30))
    )
    assert list(frame.columns) == ["month", "request_type", "received", "month_total"]
    months = [f"2023-{m:02d}" for m in range(7, 13)] + [f"2024-{m:02d}" for m in range(1, 7)]
    # Every type in the store: access, correction (R09, 2023), deletion, opt_out; R10's July access
    # is after the end but access is present anyway. 12 months x 4 types = 48 rows, sorted.
    types = ["access", "correction", "deletion", "opt_out"]
    assert list(zip(frame["month"], frame["request_type"])) == [(m, t) for m in months for t in types]
    counts = received_by_month(frame)
    assert {key: n for key, n in counts.items() if n} == {
        ("2023-12", "correction"): 1,  # R09
        ("2024-01", "access"): 2,  # R02, R03 (access+deletion counts once per type)
        ("2024-01", "deletion"): 1,  # R03
        ("2024-02", "access"): 2,  # R01, R13
        ("2024-02", "deletion"): 1,  # R01
        ("2024-03", "deletion"): 1,  # R12
        ("2024-04", "access"): 1,  # R07
        ("2024-04", "deletion"): 1,  # R05
        ("2024-05", "access"): 2,  # R06, R14
        ("2024-05", "deletion"): 1,  # R08
        ("2024-06", "opt_out"): 2,  # R04, R11
    }
    assert counts[("2023-07", "access")] == 0  # a zero row, so the chart has no hole
    assert frame["received"].sum() == 15  # 7 access + 5 deletion + 2 opt_out + 1 correction
    # Each month's total on every row of the month: January 2 access + 1 deletion, July none.
    assert set(frame.loc[frame["month"] == "2024-01", "month_total"]) == {3}
    assert set(frame.loc[frame["month"] == "2023-07", "month_total"]) == {0}


def test_trailing_twelve_months_cuts_the_last_month_at_end(store):
    frame = run_query(store, "requests_trailing_12_months", parameters(end=date(2024, 6, 15)))
    counts = received_by_month(frame)
    assert counts[("2024-06", "opt_out")] == 1  # R04 (June 1st); R11 (June 20th) is after the end
    assert len(frame) == 48  # still 2023-07 .. 2024-06, 4 types

    july = received_by_month(run_query(store, "requests_trailing_12_months", parameters(end=date(2024, 7, 15))))
    assert min(month for month, _ in july) == "2023-08"  # 2023-08 .. 2024-07
    assert july[("2024-07", "access")] == 1  # R10, received July 2nd
    assert july[("2023-12", "correction")] == 1  # R09 still inside the window


def test_trailing_twelve_months_type_filter_narrows_the_types(store):
    frame = run_query(
        store, "requests_trailing_12_months", parameters(request_types=["opt_out", "correction"])
    )
    assert len(frame) == 24  # 12 months x 2 types
    assert sorted(set(frame["request_type"])) == ["correction", "opt_out"]
    assert frame["received"].sum() == 3  # R04, R11 (opt_out) + R09 (correction)


# --- Per request type ----------------------------------------------------------------------------------


def test_requests_by_type_counts_stored_status_and_day_figures(store):
    frame = run_query(store, "requests_by_type", parameters())
    assert records(frame) == [
        {
            "request_type": "access",
            # R01 R02 R03 R06 R07 R13 R14 received in the range; R10 (July) is not.
            "received": 7,
            "completed": 2,  # R01, R06 (R06 has no closed_at but still counts by its status)
            "denied": 2,  # R07, R13
            "withdrawn": 0,
            "open": 3,  # R02, R03, R14
            "closed": 3,  # R01, R07, R13: completed or denied with a closed_at (not R06)
            "median_days_to_close": 10.0,  # days R13 0, R01 10, R07 80 (R06: no closed_at) -> middle 10
            "mean_days_to_close": 30.0,  # (0 + 10 + 80) / 3
            # on time: R01 Feb 11 <= Mar 17 yes; R07 Jun 20 > May 1 no; R13 Feb 10 <= Mar 26 yes
            "on_time_rate": 0.6667,  # 2 / 3
        },
        {
            "request_type": "deletion",
            "received": 5,  # R01 R03 R05 R08 R12
            "completed": 3,  # R01, R05 (completed on Jul 15, after the end), R12
            "denied": 0,
            "withdrawn": 1,  # R08
            "open": 1,  # R03
            "closed": 3,  # R01, R12, R05
            "median_days_to_close": 46.0,  # R01 10, R12 46, R05 96 -> 46
            "mean_days_to_close": 50.67,  # (10 + 46 + 96) / 3 = 50.666...
            # on time: R01 yes; R12 Apr 20 > Apr 5 no; R05 Jul 15 > May 25 no
            "on_time_rate": 0.3333,  # 1 / 3
        },
        {
            "request_type": "opt_out",
            "received": 2,  # R04, R11
            "completed": 1,  # R11
            "denied": 0,
            "withdrawn": 0,
            "open": 1,  # R04
            "closed": 1,  # R11
            "median_days_to_close": 5.0,  # R11: Jun 25 - Jun 20
            "mean_days_to_close": 5.0,
            "on_time_rate": 1.0,  # R11 Jun 25 <= due Jul 11 (15 business days from Thu Jun 20): 1 / 1
        },
    ]


def test_requests_by_type_without_closed_requests_has_empty_day_figures(store):
    # Channel filter 'unknown' matches requests without a channel: only R14 (access, open).
    frame = run_query(store, "requests_by_type", parameters(request_channels=["unknown"]))
    assert records(frame) == [
        {
            "request_type": "access",
            "received": 1,
            "completed": 0,
            "denied": 0,
            "withdrawn": 0,
            "open": 1,
            "closed": 0,
            "median_days_to_close": None,
            "mean_days_to_close": None,
            "on_time_rate": None,  # no closed request: no denominator
        }
    ]


def test_requests_by_type_jurisdiction_filter(store):
    frame = run_query(store, "requests_by_type", parameters(jurisdictions=["CCPA"]))
    access = records(frame)[0]
    assert access["request_type"] == "access"
    assert access["received"] == 3  # R01, R06, R13 (R10 is received after the end)
    assert access["median_days_to_close"] == 5.0  # R13 0, R01 10 -> (0 + 10) / 2
    assert access["on_time_rate"] == 1.0  # R01 and R13 both on time: 2 / 2


# --- Overdue -------------------------------------------------------------------------------------------


def test_overdue_at_end_lists_each_type_and_requests_closed_later(store):
    frame = run_query(store, "requests_overdue", parameters())
    assert list(frame.columns) == [
        "request_id", "request_type", "jurisdiction", "received", "due_date", "days_overdue", "channel",
        "overdue_total",
    ]
    assert set(frame.pop("overdue_total")) == {6}
    assert records(frame) == [
        # Received in 2023 (before the range) and still open: overdue all the same.
        # 2024-01-29 -> 2024-06-30: 2 + 29 + 31 + 30 + 31 + 30 = 153
        {"request_id": "R09", "request_type": "correction", "jurisdiction": "CCPA",
         "received": "2023-12-15", "due_date": "2024-01-29", "days_overdue": 153, "channel": "mail"},
        # GDPR, received Jan 31: due Feb 29 (clamped). 2024-02-29 -> 2024-06-30: 31 + 30 + 31 + 30 = 122
        {"request_id": "R02", "request_type": "access", "jurisdiction": "GDPR",
         "received": "2024-01-31", "due_date": "2024-02-29", "days_overdue": 122, "channel": "email"},
        # GDPR extended, received Jan 31: due Apr 30. Apr 30 -> Jun 30: 31 + 30 = 61, once per type.
        {"request_id": "R03", "request_type": "access", "jurisdiction": "GDPR",
         "received": "2024-01-31", "due_date": "2024-04-30", "days_overdue": 61, "channel": "email"},
        {"request_id": "R03", "request_type": "deletion", "jurisdiction": "GDPR",
         "received": "2024-01-31", "due_date": "2024-04-30", "days_overdue": 61, "channel": "email"},
        # Completed on Jul 15, after the end: still open at the end of Jun 30.
        # Apr 10 + 45 = May 25; May 25 -> Jun 30: 31 + 5 = 36
        {"request_id": "R05", "request_type": "deletion", "jurisdiction": "CCPA",
         "received": "2024-04-10", "due_date": "2024-05-25", "days_overdue": 36, "channel": "phone"},
        # CCPA opt-out received Saturday Jun 1: 15 business days -> Friday Jun 21; Jun 30 - Jun 21 = 9
        {"request_id": "R04", "request_type": "opt_out", "jurisdiction": "CCPA",
         "received": "2024-06-01", "due_date": "2024-06-21", "days_overdue": 9, "channel": "web_form"},
    ]
    # Not overdue: R06 (completed without closed_at, due Jun 15), R14 (due Jun 30, not before the end),
    # R10 (received after the end), R07/R08/R11 (closed by the end).


def test_overdue_lists_the_longest_thousand_and_counts_them_all(store, tmp_path):
    """However many are overdue, the page's data stays small; the count stays exact."""
    export = tmp_path / "many.csv"
    lines = ["request_id,request_type,received_at,status,jurisdiction"]
    lines += [f"M{number:04d},access,2024-01-{1 + number % 28:02d}T10:00:00Z,open,GDPR" for number in range(1500)]
    export.write_text("\n".join(lines) + "\n")
    ingest_file(store, "requests", export)
    frame = run_query(store, "requests_overdue", parameters())
    assert len(frame) == 1000
    assert set(frame["overdue_total"]) == {1506}  # 1,500 open since January, and the six of requests.csv
    # The longest overdue first: R09 of requests.csv (153 days), then those received on January 1st
    # (due February 1st, 150 days at June 30).
    assert list(frame["days_overdue"].iloc[:3]) == [153, 150, 150]


def test_overdue_at_an_earlier_end(store):
    frame = run_query(store, "requests_overdue", parameters(end=date(2024, 3, 31)))
    assert list(zip(frame["request_id"], frame["days_overdue"])) == [
        ("R09", 62),  # Jan 29 -> Mar 31: 2 + 29 + 31
        ("R02", 31),  # Feb 29 -> Mar 31
    ]  # R03 is due Apr 30; R12 (closed Apr 20) is due Apr 5, not before Mar 31


def test_overdue_filters(store):
    gdpr = run_query(store, "requests_overdue", parameters(jurisdictions=["GDPR"]))
    assert list(zip(gdpr["request_id"], gdpr["request_type"])) == [
        ("R02", "access"), ("R03", "access"), ("R03", "deletion"),
    ]
    deletion = run_query(store, "requests_overdue", parameters(request_types=["deletion"]))
    assert list(zip(deletion["request_id"], deletion["days_overdue"])) == [("R03", 61), ("R05", 36)]


# --- Days to close distribution ------------------------------------------------------------------------


def test_days_to_close_distribution_is_aggregated(store):
    frame = run_query(store, "requests_days_to_close", parameters())
    assert records(frame.drop(columns="type_on_time_rate")) == [
        # access: R13 0, R01 10, R07 80. CCPA (45 days) and PIPL (30 days) mixed -> no single deadline.
    # type_closed: each type's closed requests, 3 access, 3 deletion, 1 opt_out.
        {"request_type": "access", "days_to_close": 0, "requests": 1, "deadline_days": None, "type_closed": 3},
        {"request_type": "access", "days_to_close": 10, "requests": 1, "deadline_days": None, "type_closed": 3},
        {"request_type": "access", "days_to_close": 80, "requests": 1, "deadline_days": None, "type_closed": 3},
        # deletion: R01 10, R12 46 (GDPR: a month, not a number of days), R05 96 (closed after the end).
        {"request_type": "deletion", "days_to_close": 10, "requests": 1, "deadline_days": None, "type_closed": 3},
        {"request_type": "deletion", "days_to_close": 46, "requests": 1, "deadline_days": None, "type_closed": 3},
        {"request_type": "deletion", "days_to_close": 96, "requests": 1, "deadline_days": None, "type_closed": 3},
        # opt_out: R11 5; CCPA opt-out deadlines are business days.
        {"request_type": "opt_out", "days_to_close": 5, "requests": 1, "deadline_days": None, "type_closed": 1},
    ]  # R06 (completed, no closed_at) and R08 (withdrawn) are not in the figures


def test_days_to_close_gives_each_type_its_share_closed_by_the_deadline(store):
    frame = run_query(store, "requests_days_to_close", parameters())
    # access: R13 and R01 on time, R07 (PIPL, closed 06-20, due 05-01) late; deletion: R01 on time, R05 (07-15,
    # due 05-25) and R12 (GDPR, 04-20, due 04-05) late; opt_out: R11 on time. As requests_by_type's on-time rates.
    assert frame.groupby("request_type")["type_on_time_rate"].first().to_dict() == {
        "access": 0.6667, "deletion": 0.3333, "opt_out": 1.0}


def test_days_to_close_deadline_line_for_one_calendar_day_rule(store):
    ccpa = run_query(store, "requests_days_to_close", parameters(jurisdictions=["CCPA"])).drop(
        columns="type_on_time_rate")
    assert records(ccpa) == [
        {"request_type": "access", "days_to_close": 0, "requests": 1, "deadline_days": 45, "type_closed": 2},  # R13
        {"request_type": "access", "days_to_close": 10, "requests": 1, "deadline_days": 45, "type_closed": 2},  # R01
        {"request_type": "deletion", "days_to_close": 10, "requests": 1, "deadline_days": 45, "type_closed": 2},  # R01
        {"request_type": "deletion", "days_to_close": 96, "requests": 1, "deadline_days": 45, "type_closed": 2},  # R05
        {"request_type": "opt_out", "days_to_close": 5, "requests": 1, "deadline_days": None, "type_closed": 1},  # R11
    ]
    pipl = run_query(store, "requests_days_to_close", parameters(jurisdictions=["PIPL"])).drop(
        columns="type_on_time_rate")
    assert records(pipl) == [{"request_type": "access", "days_to_close": 80, "requests": 1, "deadline_days": 30, "type_closed": 1}]


def test_days_to_close_counts_requests_sharing_a_value(store, tmp_path):
    # Two more CCPA access requests closed after 10 days, uploaded as a second file.
    extra = tmp_path / "more.csv"
    extra.write_text(
        "request_id,request_type,received_at,status,closed_at,jurisdiction\n"
        "X1,access,2024-03-01,completed,2024-03-11,CCPA\n"
        "X2,know,2024-03-02,denied,2024-03-12,california\n",
        encoding="utf-8",
    )
    ingest_file(store, "requests", extra)
    frame = run_query(store, "requests_days_to_close", parameters(jurisdictions=["CCPA"], request_types=["access"]))
    assert list(zip(frame["days_to_close"], frame["requests"])) == [(0, 1), (10, 3)]  # R13; R01 + X1 + X2


# --- CCPA annual metrics (section 7102) ----------------------------------------------------------------

LABELS = [
    ("deletion", "Requests to delete"),
    ("correction", "Requests to correct"),
    ("access", "Requests to know"),
    ("opt_out", "Requests to opt-out of sale/sharing"),
    ("limit", "Requests to limit"),
]


def ccpa_rows(frame) -> list[tuple]:
    return [
        (row["request_type"], row["received"], row["complied"], row["denied"], row["median_days"], row["mean_days"])
        for row in records(frame)
    ]


def test_ccpa_report_has_five_rows_in_order_for_ccpa_only(store):
    frame = run_query(store, "ccpa_report", metrics.ccpa_parameters(2024, "ccpa"))
    assert list(frame.columns) == [
        "request_type", "label", "received", "complied", "denied", "withdrawn", "open", "median_days", "mean_days",
        "responded", "open_at_year_end", "denied_identity_not_verified", "denied_not_a_consumer", "denied_exempt",
        "denied_other", "denied_without_reason",
    ]
    # The day figures are taken over the requests complied with or denied that have a closed_at.
    assert frame["responded"].tolist() == [2, 0, 2, 1, 0]
    assert list(zip(frame["request_type"], frame["label"])) == LABELS
    assert ccpa_rows(frame) == [
        ("deletion", 2, 2, 0, 53.0, 53.0),  # R01 10, R05 96: median = mean = (10 + 96) / 2
        ("correction", 0, 0, 0, None, None),  # R09 was received in 2023
        # R01 (10), R06 (completed, no closed_at), R10 (open, July), R13 (denied, 0): (0 + 10) / 2
        ("access", 4, 2, 1, 5.0, 5.0),
        ("opt_out", 2, 1, 0, 5.0, 5.0),  # R04 open, R11 5 days
        ("limit", 0, 0, 0, None, None),  # no requests: zeros and empty day figures
    ]


def test_ccpa_report_all_jurisdictions(store):
    frame = run_query(store, "ccpa_report", metrics.ccpa_parameters(2024, "all"))
    assert ccpa_rows(frame) == [
        # R01 10, R03 open, R05 96, R08 withdrawn, R12 46: median 46, mean (10 + 46 + 96) / 3 = 50.67
        ("deletion", 5, 3, 0, 46.0, 50.67),
        ("correction", 0, 0, 0, None, None),
        # + R02, R03, R14 (open) and R07 (PIPL, denied, 80): days 0, 10, 80 -> median 10, mean 30
        ("access", 8, 2, 2, 10.0, 30.0),
        ("opt_out", 2, 1, 0, 5.0, 5.0),
        ("limit", 0, 0, 0, None, None),
    ]


def test_ccpa_report_for_another_year(store):
    frame = run_query(store, "ccpa_report", metrics.ccpa_parameters(2023, "ccpa"))
    assert ccpa_rows(frame) == [
        ("deletion", 0, 0, 0, None, None),
        ("correction", 1, 0, 0, None, None),  # R09, still open
        ("access", 0, 0, 0, None, None),
        ("opt_out", 0, 0, 0, None, None),
        ("limit", 0, 0, 0, None, None),
    ]


# --- The Overview's requests tile -----------------------------------------------------------------------

def test_the_overview_sets_twelve_months_of_requests_against_the_twelve_before(store):
    # Twelve calendar months to 2025-01-31 (2024-02-01 ..): R01 twice (two types), R04, R05, R06, R07, R08, R10,
    # R11, R12, R13, R14 = 12. The twelve to 2024-01-31 (2023-02-01 ..): R02, R03 twice, R09 = 4. 12 - 4 = 8.
    assert records(run_query(store, "overview_requests", parameters(end=date(2025, 1, 31)))) == [
        {"received": 12, "received_before": 4, "received_change": 8}]
    # CCPA only: R01 twice, R04, R05, R06, R10, R11, R13 = 8 against R09 = 1.
    assert records(run_query(store, "overview_requests", parameters(end=date(2025, 1, 31), jurisdictions=["CCPA"]))) == [
        {"received": 8, "received_before": 1, "received_change": 7}]
    # Ending on a leap day: 2023-03-01 .. 2024-02-29 holds R01 twice, R02, R03 twice, R09, R13 = 7; a year earlier,
    # to 2023-02-28, nothing was received, so there is no change to show.
    assert records(run_query(store, "overview_requests", parameters(end=date(2024, 2, 29)))) == [
        {"received": 7, "received_before": 0, "received_change": None}]
