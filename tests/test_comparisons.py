"""Comparisons (Definitions page "Comparisons"): a range set against the previous range of the same length or the
same range a year earlier, counted by hand from tests/data/compare/consent.csv (marketing choices, one a person a
day at noon UTC) and tests/data/compare/requests.csv:

| person | Jan 2024       | Feb 2024                 | Mar 2024                     | Feb 2025        |
|--------|----------------|--------------------------|------------------------------|-----------------|
| c1     |                | opt-in 3 Feb             | opt-out 15 Mar               |                 |
| c2     |                | opt-in 10 Feb            |                              |                 |
| c3     |                | opt-out 28 Feb           |                              | opt-in 20 Feb   |
| c4     |                | opt-in 29 Feb (leap day) |                              |                 |
| c5, c6 |                |                          | opt-out 1 Mar, opt-out 9 Mar |                 |
| c7, c8 |                |                          | opt-in 20 Mar, opt-in 31 Mar |                 |
| c9     | opt-in 30 Jan  |                          |                              |                 |
| c10    | opt-out 31 Jan |                          |                              |                 |
| c11, c12 |              |                          |                              | opt-in 14, 28 Feb |

- March 2024 (whole month) against the previous range, February 2024 (29 days):
  choices 2 opt-ins of 5 (40.0%) against 3 of 4 (75.0%): -35.0 points;
  standing at 31 Mar 5 of 10 (c2, c4, c7, c8, c9) against 29 Feb 4 of 6 (c1, c2, c4, c9): 0.5 - 0.6667 = -16.7 points.
- 10-20 March 2024 (11 days) against 28 Feb - 9 Mar 2024 (11 days, across the leap day and a month end):
  1 of 2 (c1 out, c7 in) = 50.0% against 1 of 4 (c3 out, c4 in, c5 out, c6 out) = 25.0%: +25.0 points.
- February 2025 against February 2024, a year earlier (29 days): 3 of 3 = 100.0% against 75.0%: +25.0 points;
  standing 8 of 12 against 4 of 6: no change.
- Requests received: March 2024 3 (R3, R4, R5: access 1, deletion 2) against February 2 (R1, R2: access 2).
- Marketing notices shown (no choices: they change none of the figures above): in February x1 on 15 Feb, who made no
  choice (1 shown, no-choice rate 100%); in March x2 on 5 Mar, no choice, and c7 a minute before opting in on
  20 Mar (2 shown, 1 chose, 50%): +1 shown, -50.0 points.
"""

import json
from datetime import date
from pathlib import Path

import pytest

from dashboard import comparisons, metrics
from dashboard.charts import consent as consent_charts
from dashboard.charts import requests as request_charts
from tests.conftest import dashboard, open_copy, open_page_for_range, store_with

DATA = Path(__file__).parent / "data" / "compare"


@pytest.mark.parametrize(("start", "end", "kind", "earlier"), [
    # Whole months against as many whole months: March against February of a leap year.
    ("2024-03-01", "2024-03-31", "previous", ("2024-02-01", "2024-02-29")),
    # January to October against the ten months before: March to December.
    ("2024-01-01", "2024-10-31", "previous", ("2023-03-01", "2023-12-31")),
    # Days against as many days: 11 days back across 29 February and the end of February.
    ("2024-03-10", "2024-03-20", "previous", ("2024-02-28", "2024-03-09")),
    ("2023-03-10", "2023-03-20", "previous", ("2023-02-27", "2023-03-09")),
    # A year earlier: February 2024's 29 days against February 2023's 28, and back.
    ("2024-02-01", "2024-02-29", "year", ("2023-02-01", "2023-02-28")),
    ("2025-02-01", "2025-02-28", "year", ("2024-02-01", "2024-02-29")),
    # 29 February to 5 March (6 days) against 28 February to 5 March (6 days).
    ("2024-02-29", "2024-03-05", "year", ("2023-02-28", "2023-03-05")),
    ("2024-03-10", "2024-03-20", "year", ("2023-03-10", "2023-03-20")),
])
def test_the_range_a_range_is_set_against(start, end, kind, earlier):
    got = comparisons.earlier_range(date.fromisoformat(start), date.fromisoformat(end), kind)
    assert tuple(day.isoformat() for day in got) == earlier


@pytest.fixture(scope="module")
def compare_store(tmp_path_factory, empty_store_file):
    return store_with(tmp_path_factory, empty_store_file, ("consent", DATA / "consent.csv"),
                      ("requests", DATA / "requests.csv"))


def marketing(store, tmp_path, start, end) -> tuple:
    with open_copy(store, tmp_path) as connection:
        row = metrics.figure(connection, "consent_by_purpose", metrics.Filters(start, end)).set_index("purpose")
    row = row.loc["marketing"]
    return int(row.opt_ins), int(row.choices), row.decision_opt_in_rate


def test_eleven_days_against_the_eleven_before_across_the_leap_day(compare_store, tmp_path):
    now = metrics.Filters(date(2024, 3, 10), date(2024, 3, 20))
    before = now.earlier("previous")
    assert (before.start, before.end) == (date(2024, 2, 28), date(2024, 3, 9))
    assert marketing(compare_store, tmp_path, now.start, now.end) == (1, 2, 0.5)
    assert marketing(compare_store, tmp_path, before.start, before.end) == (1, 4, 0.25)


def test_metrics_carries_march_against_february(compare_store, tmp_path):
    result = dashboard("metrics", "--start", "2024-03-01", "--end", "2024-03-31", "--compare", "previous",
                       db=compare_store)
    assert result.returncode == 0, result.stderr
    comparison = json.loads(result.stdout)["comparison"]
    assert comparison["kind"] == "previous"
    assert comparison["range"] == {"start": "2024-02-01", "end": "2024-02-29"}
    assert comparison["data_from"] == "2024-01-30"
    [before] = comparison["consent"]["by_purpose"]
    assert (before["opt_ins"], before["opt_outs"], before["decision_opt_in_rate"]) == (3, 1, 0.75)
    [moved] = comparison["changes"]["consent"]["by_purpose"]
    assert moved["decision_opt_in_rate"] == pytest.approx(0.4 - 0.75)
    assert moved["standing_opt_in_rate"] == pytest.approx(0.5 - 0.6667)
    assert moved["standing_subjects"] == 10 - 6
    requests = comparison["changes"]["requests"]
    assert requests["summary"]["received"] == 3 - 2
    # Access 1 against 2; deletion 2 against none at all.
    assert {row["request_type"]: row["received"] for row in requests["by_type"]} == {"access": -1, "deletion": 2}


def test_a_year_earlier_across_the_leap_day(compare_store, tmp_path):
    result = dashboard("metrics", "--start", "2025-02-01", "--end", "2025-02-28", "--compare", "year",
                       db=compare_store)
    comparison = json.loads(result.stdout)["comparison"]
    assert comparison["range"] == {"start": "2024-02-01", "end": "2024-02-29"}
    [moved] = comparison["changes"]["consent"]["by_purpose"]
    assert moved["decision_opt_in_rate"] == pytest.approx(1.0 - 0.75)
    assert moved["standing_opt_in_rate"] == pytest.approx(0.6667 - 0.6667)


def test_no_change_against_a_range_before_the_data(compare_store):
    result = dashboard("metrics", "--start", "2024-03-01", "--end", "2024-03-31", "--compare", "year",
                       db=compare_store)
    comparison = json.loads(result.stdout)["comparison"]
    assert comparison["range"] == {"start": "2023-03-01", "end": "2023-03-31"}
    assert comparison["changes"] is None


def test_an_unknown_comparison_is_refused(compare_store):
    result = dashboard("metrics", "--compare", "last-week", db=compare_store)
    assert result.returncode == 2
    assert "last-week" in result.stderr and "Traceback" not in result.stderr


def test_the_trend_chart_lays_the_earlier_months_over_the_range(compare_store, tmp_path):
    with open_copy(compare_store, tmp_path) as connection:
        now = metrics.Filters(date(2024, 3, 1), date(2024, 3, 31))
        trend = metrics.figure(connection, "consent_monthly_trend", now)
        before = metrics.figure(connection, "consent_monthly_trend", now.earlier("previous"))
    laid = comparisons.laid_over(consent_charts.with_purpose_labels(before), 1)
    assert laid[["month", "month_from", "decision_opt_in_rate"]].values.tolist() == [["2024-03", "Feb 2024", 0.75]]
    spec = consent_charts.monthly_trend_chart(consent_charts.with_purpose_labels(trend), "decision", earlier=laid,
                                              earlier_label="the previous range").to_dict()
    faded = [layer for layer in spec["layer"] if isinstance(layer["mark"], dict) and layer["mark"].get("strokeDash")]
    assert len(faded) == 1
    rows = spec["datasets"][faded[0]["data"]["name"]]
    assert [(row["month"], row["decision_opt_in_rate"]) for row in rows] == [("2024-03", 0.75)]
    assert "Faded dashed lines: the previous range" in " ".join(spec["title"]["subtitle"])


def test_the_volume_chart_draws_the_earlier_totals():
    trailing = request_charts.with_month_labels(request_charts.with_type_labels(
        _frame([("2024-02", "access", 2, 2), ("2024-03", "access", 1, 3), ("2024-03", "deletion", 2, 3)])))
    earlier = request_charts.with_month_labels(comparisons.laid_over(
        _frame([("2024-01", "access", 0, 0), ("2024-02", "access", 2, 2)]), 1))
    spec = request_charts.trailing_volume_chart(trailing, "March 2024", earlier=earlier,
                                                earlier_label="the previous range").to_dict()
    line = [layer for layer in spec["layer"] if isinstance(layer["mark"], dict) and layer["mark"].get("strokeDash")]
    rows = spec["datasets"][line[0]["data"]["name"]]
    assert [(row["month_label"], row["month_total"], row["month_from"]) for row in rows] == [
        ("Feb 2024", 0, "Jan 2024"), ("Mar 2024", 2, "Feb 2024")]


def _frame(rows):
    import pandas as pd

    return pd.DataFrame(rows, columns=["month", "request_type", "received", "month_total"])


@pytest.fixture
def app_store(compare_store):
    return compare_store


def test_the_pages_set_march_against_february(app):
    # A link carrying the choice opens with it (the sidebar's selectbox is bound to the URL).
    app.query_params["compare"] = "Previous range"
    open_page_for_range(app, "views/consent.py", date(2024, 3, 1), date(2024, 3, 31))
    assert app.sidebar.selectbox(key="compare").value == "Previous range"
    tile = next(tile for tile in app.metric if tile.label == "Marketing")
    assert (tile.value, tile.proto.delta) == ("50.0%", "-16.7 pts on Feb 2024")
    assert any("Set against the previous range, 01 Feb 2024 – 29 Feb 2024" in caption.value for caption in app.caption)
    (table,) = [frame.value for frame in app.dataframe if "Change of the opt-in rate of choices" in frame.value]
    assert table["Change of the opt-in rate of choices"].round(1).tolist() == [-35.0]
    (reach,) = [frame.value for frame in app.dataframe if "Change of the no-choice rate" in frame.value]
    assert reach[["People shown a notice", "Change of people shown"]].values.tolist() == [[2, 1]]
    assert reach["Change of the no-choice rate"].round(1).tolist() == [-50.0]

    app.switch_page("views/requests.py").run()
    tile = next(tile for tile in app.metric if tile.label == "Received in the range")
    assert (tile.value, tile.proto.delta) == ("3", "+1 on Feb 2024")
