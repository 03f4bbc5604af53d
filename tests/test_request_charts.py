"""The request charts, the deadline-health chart and the overdue and due-soon lists, read through their Vega-Lite specification and their frames.

Names are the catalogue's (data/labels.toml): "Opt-out of sale/sharing", "Completed", "GDPR (EU/EEA)".
"""

import pandas as pd

from dashboard import small_counts
from dashboard.charts import deadlines
from dashboard.charts import requests as charts
from dashboard.definitions import readable

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
    "type_closed": [7, 7, 7, 9, 9],  # each type's requests: 4 + 2 + 1 and 6 + 3
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
PERIOD = "01 Jan 2024 – 31 Dec 2024 (UTC)"


def dataset(spec: dict) -> list[dict]:
    (rows,) = spec["datasets"].values()
    return rows


def colour_of(scale: dict, key: str) -> str:
    return scale["range"][scale["domain"].index(key)]


def test_types_are_named_from_the_catalogue_and_in_its_order():
    labelled = charts.with_type_labels(TRAILING)
    first_month = labelled[labelled["month"] == "2024-01"]
    assert first_month["request_type"].tolist() == ["access", "deletion", "right_to_explanation"]
    assert first_month["request_type_label"].tolist() == ["Access", "Deletion", "Right to explanation"]
    assert charts.request_type_label("opt_out") == "Opt-out of sale/sharing"
    # The query's own columns are kept untouched.
    assert labelled["received"].sum() == TRAILING["received"].sum()


def volume(frame: pd.DataFrame = TRAILING, min_cell: int = 0) -> pd.DataFrame:
    """The trailing frame as the page gets it: with the month's total (the query's month_total, summed here by
    hand), small counts hidden, then names."""
    frame = frame.assign(month_total=frame.groupby("month")["received"].transform("sum"))
    hidden = small_counts.hide(frame, min_cell)
    return charts.with_month_labels(charts.with_type_labels(hidden))


def test_trailing_chart_stacks_every_month_and_type_with_the_fixed_type_colours():
    spec = charts.trailing_volume_chart(volume(), "December 2024").to_dict()
    bars, totals = spec["layer"]

    assert spec["title"]["text"] == "Requests received per month, by request type"
    assert spec["title"]["subtitle"] == ["The twelve calendar months to December 2024"]
    assert bars["mark"]["type"] == "bar"
    encoding = bars["encoding"]
    assert encoding["x"]["field"] == "month_label"
    assert encoding["x"]["sort"] == [pd.Timestamp(f"{month}-01").strftime("%b %Y") for month in MONTHS]
    assert (encoding["y"]["field"], encoding["y"]["stack"]) == ("received", "zero")
    assert encoding["color"]["field"] == "request_type"
    # Deletion is the catalogue's second type: the second colour, vermilion; the new type takes the tenth.
    scale = encoding["color"]["scale"]
    assert colour_of(scale, "deletion") == "#D55E00"
    assert colour_of(scale, "right_to_explanation") == "#C51B7D"
    assert encoding["color"]["legend"]["values"] == ["access", "deletion", "right_to_explanation"]
    assert '"right_to_explanation" ? "Right to explanation"' in encoding["color"]["legend"]["labelExpr"]
    assert [item["title"] for item in encoding["tooltip"]] == ["Month", "Request type", "Received",
                                                                "All types that month"]

    rows = dataset(spec)
    assert len(rows) == 12 * 3
    assert {row["month_label"] for row in rows} == {"Jan 2024", "Feb 2024", "Mar 2024", "Apr 2024", "May 2024",
                                                    "Jun 2024", "Jul 2024", "Aug 2024", "Sep 2024", "Oct 2024",
                                                    "Nov 2024", "Dec 2024"}
    # A type with no request that month still has its (zero) row: no holes.
    assert [row["received"] for row in rows if row["month"] == "2024-07"] == [5, 3, 0]
    # Each month's total (5 + 3 + 0) is written above its bar, once per month.
    assert totals["mark"]["type"] == "text"
    assert totals["encoding"]["text"]["field"] == "month_total_label"
    assert {"filter": 'datum.request_type === "access"'} in totals["transform"]
    assert {row["month_total_label"] for row in rows} == {"8"}


def test_the_deletion_colour_stays_when_another_type_is_present_or_not():
    only_deletion = TRAILING[TRAILING["request_type"] == "deletion"]
    for frame in (TRAILING, only_deletion):
        scale = charts.trailing_volume_chart(volume(frame), "December 2024").to_dict()["layer"][0]["encoding"][
            "color"]["scale"]
        assert colour_of(scale, "deletion") == "#D55E00"


def test_trailing_chart_says_what_small_counts_leave_out_and_keeps_the_month_total():
    spec = charts.trailing_volume_chart(volume(min_cell=4), "December 2024", min_cell=4).to_dict()
    assert spec["title"]["subtitle"] == [
        "The twelve calendar months to December 2024",
        "Types with fewer than 4 requests in a month are not drawn; the",
        "figure above each bar is the month's total.",
    ]
    january = {row["request_type"]: row for row in dataset(spec) if row["month"] == "2024-01"}
    # Deletion's 3 is hidden (not drawn, "<4" in the tooltip); the month's total still counts it: 5 + 3 = 8.
    assert january["deletion"]["received"] is None and january["deletion"]["received_label"] == "<4"
    assert january["access"]["month_total_label"] == "8"
    # Without anything hidden, no such line.
    assert len(charts.trailing_volume_chart(volume(), "December 2024", min_cell=4).to_dict()["title"]["subtitle"]) == 1


def test_trailing_chart_describes_its_months():
    busier = TRAILING.assign(received=[10 if (month, kind) == ("2024-03", "access") else received
                                       for month, kind, received in TRAILING.itertuples(index=False)])
    spec = charts.trailing_volume_chart(volume(busier), "December 2024").to_dict()
    # 11 months of 5 + 3 = 8, and March's 10 + 3 = 13: 88 + 13 = 101 in all.
    assert spec["description"] == (
        "Requests received per month, by request type (stacked bar chart), the twelve calendar months to "
        "December 2024. 101 requests in all; 13 requests in Mar 2024, the most in a month.")


def test_trailing_chart_fits_a_narrow_column():
    spec = charts.trailing_volume_chart(volume(), "December 2024").to_dict()
    assert "width" not in spec and "width" not in spec["layer"][0]
    assert spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    # Month above year.
    assert spec["layer"][0]["encoding"]["x"]["axis"]["labelExpr"] == "split(datum.label, ' ')"
    assert (spec["layer"][0]["encoding"]["color"]["legend"]["orient"],
            spec["layer"][0]["encoding"]["color"]["legend"]["columns"]) == ("bottom", 2)


BY_TYPE = pd.DataFrame({
    "request_type": ["deletion", "access"],
    "received": [10, 20],
    "completed": [6, 15],
    "denied": [2, 1],
    "withdrawn": [0, 1],
    "open": [2, 3],
    "closed": [8, 16],  # completed + denied
    "median_days_to_close": [12.0, 9.5],
    "mean_days_to_close": [13.25, 10.0],
    "on_time_rate": [0.875, 0.9375],
})


def test_outcomes_chart_splits_each_type_by_status_with_the_status_colours():
    outcomes = charts.outcomes_by_status(charts.with_type_labels(BY_TYPE))
    assert outcomes[["request_type", "status", "status_label", "requests", "received"]].values.tolist() == [
        ["access", "completed", "Completed", 15, 20], ["access", "denied", "Denied", 1, 20],
        ["access", "withdrawn", "Withdrawn", 1, 20], ["access", "open", "Open", 3, 20],
        ["deletion", "completed", "Completed", 6, 10], ["deletion", "denied", "Denied", 2, 10],
        ["deletion", "withdrawn", "Withdrawn", 0, 10], ["deletion", "open", "Open", 2, 10],
    ]
    spec = charts.outcomes_chart(outcomes, PERIOD).to_dict()
    bars, totals = spec["layer"]
    assert spec["title"]["text"] == ["Requests received in the range by latest status, by", "request type"]
    encoding = bars["encoding"]
    assert encoding["y"]["field"] == "request_type_label" and encoding["y"]["sort"] == ["Access", "Deletion"]
    assert (encoding["x"]["field"], encoding["x"]["stack"]) == ("requests", "zero")
    # Green, red, grey, amber: none of them a request type's colour (deletion is vermilion #D55E00).
    assert encoding["color"]["scale"] == {"domain": ["completed", "denied", "withdrawn", "open"],
                                          "range": ["#009E73", "#A3243B", "#5F5F5F", "#B87F00"]}
    assert '"open" ? "Open"' in encoding["color"]["legend"]["labelExpr"]
    assert {"field": "received_label", "type": "nominal", "title": "Of received"} in encoding["tooltip"]
    assert len(dataset(spec)) == 8
    # Each type's requests received are written beside its bar.
    assert totals["encoding"]["text"]["field"] == "received_label"
    assert {row["request_type"]: row["received_label"] for row in dataset(spec)} == {"access": "20", "deletion": "10"}
    assert spec["description"] == (
        "Requests received in the range by latest status, by request type (stacked bar chart), "
        f"{PERIOD}. Most requests: Access, 20 requests received: 15 completed, 1 denied, 1 withdrawn, 3 open.")


def test_outcomes_chart_says_what_small_counts_leave_out():
    hidden = small_counts.hide(BY_TYPE, 3)  # 1s and 2s hidden; 0 stays a 0
    spec = charts.outcomes_chart(charts.outcomes_by_status(charts.with_type_labels(hidden)), PERIOD,
                                 min_cell=3).to_dict()
    assert spec["title"]["subtitle"][1:] == ["Statuses with fewer than 3 requests of a type are not drawn; the",
                                             "figure beside each bar is all the type's requests."]
    deletion = {row["status"]: row for row in dataset(spec) if row["request_type"] == "deletion"}
    assert deletion["denied"]["requests"] is None and deletion["denied"]["requests_label"] == "<3"
    assert deletion["completed"]["received_label"] == "10"


def test_days_to_close_chart_draws_one_chart_per_type_sharing_the_days():
    distribution = charts.with_type_labels(DAYS)
    spec = charts.days_to_close_chart(distribution, PERIOD).to_dict()

    assert spec["title"]["text"] == ["Days from receipt to closing of completed and denied", "requests, by request type"]
    access, opt_out = spec["vconcat"]
    # Each type's chart is headed by its name and its closed requests: 4 + 2 + 1 and 6 + 3.
    assert access["title"]["text"] == "Access: 7 closed"
    assert opt_out["title"]["text"] == "Opt-out of sale/sharing: 9 closed"
    assert spec["resolve"]["scale"] == {"x": "shared", "y": "independent"}
    bars, rule, rule_label = access["layer"]
    assert {"filter": 'datum.request_type === "access"'} in bars["transform"]
    assert bars["mark"]["type"] == "bar"
    assert bars["encoding"]["y"]["field"] == "requests"
    assert colour_of(bars["encoding"]["color"]["scale"], "access") == "#0072B2"
    # The days reach past the deadline, 45 x 1.3 = 58.5, beyond the longest, 50.
    assert bars["encoding"]["x"]["scale"]["domain"] == [-0.5, 59.0]
    assert {"title": "Of all closed of this type", "field": "type_closed_label", "type": "nominal"} in (
        bars["encoding"]["tooltip"])
    assert rule["mark"]["type"] == "rule"
    assert rule["encoding"]["x"]["field"] == "deadline_days"
    assert {"filter": "isValid(datum.deadline_days)"} in rule["transform"]
    assert rule_label["encoding"]["text"]["field"] == "deadline_text"
    # The days axis is titled once, under the last chart.
    assert bars["encoding"]["x"]["title"] is None
    assert opt_out["layer"][0]["encoding"]["x"]["title"] == "Days from receipt to closing"
    # No fixed width: each chart takes the column's width (Streamlit sets it; a download sets its own).
    assert "width" not in spec and all("width" not in part for part in spec["vconcat"])

    rows = dataset(spec)
    assert [(row["request_type"], row["days_to_close"], row["requests"], row["deadline_days"]) for row in rows] == [
        ("access", 3, 4, 45), ("access", 10, 2, 45), ("access", 50, 1, 45),
        ("opt_out", 2, 6, None), ("opt_out", 9, 3, None),
    ]
    assert spec["description"] == (
        "Days from receipt to closing of completed and denied requests, by request type (a bar chart per type, "
        f"with its deadline), {PERIOD}. Access: 7 closed, deadline 45 days; "
        "Opt-out of sale/sharing: 9 closed.")
    assert charts.deadline_note(distribution).startswith("No deadline line for Opt-out of sale/sharing:")


def test_days_to_close_chart_says_what_small_counts_leave_out():
    hidden = small_counts.hide(DAYS, 5)
    spec = charts.days_to_close_chart(charts.with_type_labels(hidden), PERIOD, min_cell=5).to_dict()
    assert spec["title"]["subtitle"] == [PERIOD, "Days with fewer than 5 requests of a type are not drawn."]
    access, opt_out = spec["vconcat"]
    # Access: 4, 2 and 1 are all hidden; its 7 closed are not.
    assert access["title"]["text"] == "Access: 7 closed"
    assert access["title"]["subtitle"] == "Fewer than 5 on each of its days: none drawn."
    assert opt_out["title"]["subtitle"] == ""


def test_each_type_heading_gives_its_share_closed_by_the_deadline_line_or_not():
    # Access: 6 of its 7 closed by the deadline; opt-out (15 business days, no line): 8 of 9.
    days = charts.with_type_labels(DAYS.assign(type_on_time_rate=[6 / 7] * 3 + [8 / 9] * 2))
    spec = charts.days_to_close_chart(days, PERIOD).to_dict()
    assert [part["title"]["text"] for part in spec["vconcat"]] == [
        "Access: 7 closed, 85.7% by the deadline", "Opt-out of sale/sharing: 9 closed, 88.9% by the deadline"]
    # Under min_cell 8, access's 7 closed are too few for its share: the heading says only the count.
    hidden = small_counts.hide(days, 8)
    access, _ = charts.days_to_close_chart(hidden, PERIOD, min_cell=8).to_dict()["vconcat"]
    assert access["title"]["text"] == "Access: <8 closed"


def test_deadline_note_when_no_type_has_one_and_when_all_have_one():
    with_deadlines = charts.with_type_labels(DAYS.assign(deadline_days=pd.array([45] * 3 + [30] * 2, dtype="Int32")))
    assert charts.deadline_note(with_deadlines) is None
    without = charts.with_type_labels(DAYS.assign(deadline_days=pd.array([None] * 5, dtype="Int32")))
    assert charts.deadline_note(without).startswith("No type has a deadline line:")


def test_overdue_list_names_its_columns_and_values_in_words_longest_overdue_first():
    listed = readable(deadlines.listed(OVERDUE, "overdue"))
    assert list(listed.columns) == ["Request ID", "Request type", "Jurisdiction", "Received", "Due", "Days overdue"]
    assert listed["Request ID"].tolist() == ["DSR-1", "DSR-2", "DSR-3"]
    assert listed.iloc[0].tolist() == ["DSR-1", "Access", "GDPR (EU/EEA)", pd.Timestamp("2024-01-02"),
                                       pd.Timestamp("2024-02-02"), 272]
    assert listed.iloc[1]["Request type"] == "Opt-out of sale/sharing"
    empty = readable(deadlines.listed(OVERDUE.iloc[0:0], "overdue"))
    assert empty.empty and list(empty.columns) == list(listed.columns)


def test_due_soon_list_puts_the_soonest_due_first():
    due_soon = OVERDUE.rename(columns={"days_overdue": "days_left"}).assign(days_left=[3, 0, 7])
    listed = readable(deadlines.listed(due_soon, "due_soon"))
    assert list(listed.columns) == ["Request ID", "Request type", "Jurisdiction", "Received", "Due", "Days left"]
    assert list(zip(listed["Request ID"], listed["Days left"])) == [("DSR-1", 0), ("DSR-2", 3), ("DSR-3", 7)]


# requests_health as the query returns it: 9 open, by type and by law (tests/test_requests_health.py's file).
HEALTH = pd.DataFrame({
    "breakdown": ["all", "jurisdiction", "jurisdiction", "request_type", "request_type"],
    "value": [None, "CCPA", "unspecified", "access", "deletion"],
    "open_at_end": [9, 4, 5, 5, 4],
    "overdue": [3, 1, 2, 1, 2],
    "due_soon": [3, 1, 2, 2, 1],
    "on_track": [3, 2, 1, 2, 1],
})


def test_health_chart_draws_each_type_and_law_split_by_deadline_health():
    long = deadlines.health_long(HEALTH)
    # The 'all' row is the tiles', not a bar; types first (catalogue order), then laws, each in three parts.
    assert list(zip(long["_key"], long["health"], long["requests"])) == [
        ("access", "overdue", 1), ("access", "due_soon", 2), ("access", "on_track", 2),
        ("deletion", "overdue", 2), ("deletion", "due_soon", 1), ("deletion", "on_track", 1),
        ("CCPA", "overdue", 1), ("CCPA", "due_soon", 1), ("CCPA", "on_track", 2),
        ("unspecified", "overdue", 2), ("unspecified", "due_soon", 2), ("unspecified", "on_track", 1)]
    assert long["name"].drop_duplicates().tolist() == ["Access", "Deletion", "CCPA (California)", "No law recorded"]
    assert readable(long).columns.tolist() == ["Breakdown", "Type or jurisdiction", "Deadline", "Requests",
                                               "Open at the end"]
    spec = deadlines.health_chart(long, "30 Jun 2024", due_soon_days=7).to_dict()
    assert [part["title"]["text"] for part in spec["vconcat"]] == ["By request type", "By jurisdiction"]
    assert spec["title"]["subtitle"] == ["Requests open at the end of 30 Jun 2024; due soon is within 7 days"]
    assert spec["description"].endswith("9 open requests, 3 overdue.")
    colours = spec["vconcat"][0]["layer"][0]["encoding"]["color"]["scale"]
    assert dict(zip(colours["domain"], colours["range"])) == {"overdue": "#A3243B", "due_soon": "#B87F00",
                                                             "on_track": "#009E73"}


def test_health_chart_leaves_out_small_parts_and_says_so():
    long = small_counts.hide(deadlines.health_long(HEALTH), 2)
    spec = deadlines.health_chart(long, "30 Jun 2024", due_soon_days=7, min_cell=2).to_dict()
    assert " ".join(spec["title"]["subtitle"][1:]) == (
        "Parts with fewer than 2 requests are not drawn; the figure beside each bar is all its open requests.")
    values = [row for row in dataset(spec) if row["_key"] == "access"]
    # Access's one overdue request is under 2: not drawn, and read <2; its 5 open still stand beside the bar.
    assert [(row["health"], row["requests_label"]) for row in values] == [
        ("overdue", "<2"), ("due_soon", "2"), ("on_track", "2")]
    assert {row["open_at_end_label"] for row in values} == {"5"}
