"""The request charts and the overdue list, read through their Vega-Lite specification and their frames."""

import pandas as pd

from dashboard.charts import requests as charts
from dashboard.charts.palette import request_type_colour

MONTHS = [f"2024-{month:02d}" for month in range(1, 13)]
TRAILING = pd.DataFrame(
    [(month, request_type, received)
     for month in MONTHS
     for request_type, received in (("deletion", 3), ("access", 5), ("right_to_explanation", 0))],
    columns=["month", "request_type", "received"],
)

DAYS = pd.DataFrame({
    "request_type": ["access", "access", "access", "opt_out", "opt_out"],
    "days_to_close": [3, 10, 50, 2, 9],
    "requests": [4, 2, 1, 6, 3],
    "deadline_days": pd.array([45, 45, 45, None, None], dtype="Int32"),
})

OVERDUE = pd.DataFrame({
    "request_id": ["DSR-2", "DSR-1", "DSR-3"],
    "request_type": ["opt_out", "access", "access"],
    "jurisdiction": ["CCPA", "GDPR", "CCPA"],
    "received": pd.to_datetime(["2024-09-25", "2024-01-02", "2024-09-12"]),
    "due_date": pd.to_datetime(["2024-10-16", "2024-02-02", "2024-10-27"]),
    "days_overdue": [15, 272, 4],
    "channel": ["web_form", "email", "web_form"],
})


def dataset(spec: dict) -> list[dict]:
    (rows,) = spec["datasets"].values()
    return rows


def test_types_are_labelled_in_words_and_ordered_as_the_palette():
    labelled = charts.with_type_labels(TRAILING)
    first_month = labelled[labelled["month"] == "2024-01"]
    assert first_month["request_type"].tolist() == ["access", "deletion", "right_to_explanation"]
    assert first_month["request_type_label"].tolist() == ["Access", "Deletion", "Right to explanation"]
    assert charts.request_type_label("opt_out") == "Opt-out of sale/sharing"
    # The query's own columns are kept untouched.
    assert labelled["received"].sum() == TRAILING["received"].sum()


def test_trailing_chart_stacks_every_month_and_type_with_the_fixed_type_colours():
    volume = charts.with_month_labels(charts.with_type_labels(TRAILING))
    spec = charts.trailing_volume_chart(volume, "31 Dec 2024").to_dict()

    assert spec["title"]["text"] == "Requests received per month, by request type"
    assert spec["title"]["subtitle"] == "The twelve calendar months to 31 Dec 2024"
    assert spec["mark"]["type"] == "bar"
    encoding = spec["encoding"]
    assert encoding["x"]["field"] == "month_label"
    assert encoding["x"]["sort"] == [pd.Timestamp(f"{month}-01").strftime("%b %Y") for month in MONTHS]
    assert (encoding["y"]["field"], encoding["y"]["stack"]) == ("received", "zero")
    assert encoding["color"]["field"] == "request_type"
    palette = request_type_colour(["right_to_explanation"])
    assert encoding["color"]["scale"] == {"domain": palette.domain, "range": palette.range}
    assert encoding["color"]["legend"]["values"] == ["access", "deletion", "right_to_explanation"]
    assert [item["title"] for item in encoding["tooltip"]] == ["Month", "Request type", "Received",
                                                                "All types that month"]

    rows = dataset(spec)
    assert len(rows) == 12 * 3
    assert {row["month_label"] for row in rows} == {"Jan 2024", "Feb 2024", "Mar 2024", "Apr 2024", "May 2024",
                                                    "Jun 2024", "Jul 2024", "Aug 2024", "Sep 2024", "Oct 2024",
                                                    "Nov 2024", "Dec 2024"}
    # A type with no request that month still has its (zero) row: no holes.
    assert [row["received"] for row in rows if row["month"] == "2024-07"] == [5, 3, 0]


BY_TYPE = pd.DataFrame({
    "request_type": ["deletion", "access"],
    "received": [10, 20],
    "completed": [6, 15],
    "denied": [2, 1],
    "withdrawn": [0, 1],
    "open": [2, 3],
    "median_days_to_close": [12.0, 9.5],
    "mean_days_to_close": [13.25, 10.0],
    "on_time_rate": [0.875, 0.9375],
})


def test_outcomes_chart_splits_each_type_by_status_with_the_status_colours():
    outcomes = charts.outcomes_by_status(charts.with_type_labels(BY_TYPE))
    assert outcomes[["request_type", "status", "requests", "received"]].values.tolist() == [
        ["access", "completed", 15, 20], ["access", "denied", 1, 20], ["access", "withdrawn", 1, 20],
        ["access", "open", 3, 20],
        ["deletion", "completed", 6, 10], ["deletion", "denied", 2, 10], ["deletion", "withdrawn", 0, 10],
        ["deletion", "open", 2, 10],
    ]
    spec = charts.outcomes_chart(outcomes, "2024").to_dict()
    assert spec["title"]["text"] == "Requests received in the range by latest status, by request type"
    encoding = spec["encoding"]
    assert encoding["y"]["field"] == "request_type_label" and encoding["y"]["sort"] == ["Access", "Deletion"]
    assert (encoding["x"]["field"], encoding["x"]["stack"]) == ("requests", "zero")
    assert encoding["color"]["scale"] == {"domain": ["completed", "denied", "withdrawn", "open"],
                                          "range": ["#009E73", "#D55E00", "#999999", "#E69F00"]}
    assert {"field": "received_label", "type": "nominal", "title": "Of received"} in encoding["tooltip"]
    assert len(dataset(spec)) == 8


def test_days_to_close_chart_draws_the_deadline_only_where_one_applies():
    distribution = charts.with_type_labels(DAYS)
    spec = charts.days_to_close_chart(distribution, "01 Jan 2024 – 31 Dec 2024 (UTC)").to_dict()

    assert spec["title"]["text"] == ("Days from receipt to closing of completed and denied requests, "
                                     "by request type")
    assert spec["facet"]["row"]["field"] == "request_type_label"
    assert spec["facet"]["row"]["sort"] == ["Access", "Opt-out of sale/sharing"]
    bars, rule, rule_label = spec["spec"]["layer"]
    assert bars["mark"]["type"] == "bar"
    assert bars["encoding"]["y"]["field"] == "requests"
    assert {"title": "Of all closed of this type", "field": "type_closed_label", "type": "nominal"} in (
        bars["encoding"]["tooltip"])
    assert rule["mark"]["type"] == "rule"
    assert rule["encoding"]["x"]["field"] == "deadline_days"
    assert {"filter": "isValid(datum.deadline_days)"} in rule["transform"]
    assert rule_label["encoding"]["text"]["field"] == "deadline_text"

    rows = dataset(spec)
    assert [(row["request_type"], row["days_to_close"], row["requests"], row["deadline_days"]) for row in rows] == [
        ("access", 3, 4, 45), ("access", 10, 2, 45), ("access", 50, 1, 45),
        ("opt_out", 2, 6, None), ("opt_out", 9, 3, None),
    ]
    assert charts.deadline_note(distribution).startswith("No deadline line for Opt-out of sale/sharing:")


def test_deadline_note_when_no_type_has_one_and_when_all_have_one():
    with_deadlines = charts.with_type_labels(DAYS.assign(deadline_days=pd.array([45] * 3 + [30] * 2, dtype="Int32")))
    assert charts.deadline_note(with_deadlines) is None
    without = charts.with_type_labels(DAYS.assign(deadline_days=pd.array([None] * 5, dtype="Int32")))
    assert charts.deadline_note(without).startswith("No type has a deadline line:")


def test_overdue_list_names_its_columns_in_words_longest_overdue_first():
    listed = charts.overdue_list(OVERDUE)
    assert list(listed.columns) == ["Request ID", "Request type", "Jurisdiction", "Received", "Due", "Days overdue"]
    assert listed["Request ID"].tolist() == ["DSR-1", "DSR-2", "DSR-3"]
    assert listed.iloc[0].tolist() == ["DSR-1", "Access", "GDPR", pd.Timestamp("2024-01-02"),
                                       pd.Timestamp("2024-02-02"), 272]
    empty = charts.overdue_list(OVERDUE.iloc[0:0])
    assert empty.empty and list(empty.columns) == list(listed.columns)
