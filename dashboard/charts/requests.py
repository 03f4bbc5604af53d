"""Request charts: the trailing twelve months' volume by type, outcomes by type, days to close against the deadline,
and the overdue list."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from dashboard.charts.palette import STATUSES, request_type_colour, status_colour
from dashboard.small_counts import with_count_labels, with_totals

# How privacy teams name the request types; a type not listed is its key in words.
REQUEST_TYPE_LABELS = {
    "access": "Access",
    "deletion": "Deletion",
    "correction": "Correction",
    "opt_out": "Opt-out of sale/sharing",
    "limit": "Limit use of sensitive data",
    "portability": "Portability",
    "objection": "Objection",
    "restriction": "Restriction",
    "other": "Other",
}

# The overdue list's columns, named in words, as the page shows and downloads them.
OVERDUE_COLUMNS = {
    "request_id": "Request ID",
    "request_type_label": "Request type",
    "jurisdiction": "Jurisdiction",
    "received": "Received",
    "due_date": "Due",
    "days_overdue": "Days overdue",
}


def request_type_label(request_type: str) -> str:
    return REQUEST_TYPE_LABELS.get(request_type) or str(request_type).replace("_", " ").capitalize()


def type_order(present) -> list[str]:
    """The request types present, in the palette's fixed order (new types after, by name)."""
    present = set(present)
    return [key for key in request_type_colour(present).domain if key in present]


def with_type_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """The query's frame with each request type's label beside its key, rows in the palette's type order
    (within each month, for a frame with months). The query's own columns are kept as they are."""
    labelled = frame.copy()
    labelled.insert(labelled.columns.get_loc("request_type") + 1, "request_type_label",
                    [request_type_label(key) for key in labelled["request_type"]])
    order = {key: position for position, key in enumerate(type_order(labelled["request_type"]))}
    keys = [column for column in ("month",) if column in labelled.columns]
    labelled["_order"] = labelled["request_type"].map(order)
    return labelled.sort_values([*keys, "_order"], kind="stable").drop(columns="_order").reset_index(drop=True)


def with_month_labels(trailing: pd.DataFrame) -> pd.DataFrame:
    """requests_trailing_12_months (labelled) with each month in words ("Nov 2023") beside its YYYY-MM key."""
    labelled = trailing.copy()
    labelled.insert(labelled.columns.get_loc("month") + 1, "month_label",
                    [pd.Timestamp(f"{month}-01").strftime("%b %Y") for month in labelled["month"]])
    return labelled


def overdue_list(overdue: pd.DataFrame) -> pd.DataFrame:
    """requests_overdue as the page lists it: the columns named in words, the longest overdue first."""
    labelled = with_type_labels(overdue) if not overdue.empty else overdue.assign(request_type_label=pd.Series(
        dtype="str"))
    listed = labelled[list(OVERDUE_COLUMNS)].rename(columns=OVERDUE_COLUMNS)
    # with_type_labels sorts by type; the query's order (most days overdue first) is the one to keep.
    return listed.sort_values(["Days overdue", "Request ID"], ascending=[False, True], kind="stable").reset_index(
        drop=True)


def _type_colour(frame: pd.DataFrame, legend: alt.Legend | None = None) -> alt.Color:
    return alt.Color("request_type:N", scale=request_type_colour(frame["request_type"].unique()), legend=legend)


def _type_legend(frame: pd.DataFrame) -> alt.Legend:
    """A legend of the types a chart shows, named by their labels (the scale keeps every known key)."""
    pairs = dict(zip(frame["request_type"], frame["request_type_label"], strict=False))
    ordered = type_order(pairs)
    expression = "datum.label"
    for key in reversed(ordered):
        expression = f"datum.label === {json.dumps(key)} ? {json.dumps(pairs[key])} : ({expression})"
    return alt.Legend(title="Request type", values=ordered, labelExpr=expression, labelLimit=320, orient="bottom")


def _title(text: str, subtitle: str | None) -> alt.Title:
    return alt.Title(text, subtitle=subtitle or "", anchor="start")


def trailing_volume_chart(trailing: pd.DataFrame, end_label: str | None = None, *, min_cell: int = 0) -> alt.Chart:
    """Stacked bars of requests received per month, one colour per request type, over the twelve months of
    requests_trailing_12_months (labelled by with_type_labels and with_month_labels). Every month has its bar,
    an empty month a zero one."""
    months = list(dict.fromkeys(trailing["month_label"]))
    order = type_order(trailing["request_type"])
    rank = " : ".join(f"datum.request_type === {json.dumps(key)} ? {position}" for position, key in enumerate(order))
    subtitle = f"The twelve calendar months to {end_label}" if end_label else None
    trailing = with_count_labels(with_totals("requests_trailing_12_months", trailing), ("received", "month_total"),
                                 min_cell)
    return alt.Chart(trailing).mark_bar().transform_calculate(
        type_rank=f"{rank} : {len(order)}" if order else "0"
    ).encode(
        # Month above year on two lines, so twelve labels fit side by side.
        x=alt.X("month_label:O", sort=months, title=None,
                axis=alt.Axis(labelAngle=0, labelExpr="split(datum.label, ' ')", labelLineHeight=14)),
        y=alt.Y("received:Q", stack="zero", title="Requests received", axis=alt.Axis(format=",d", tickMinStep=1)),
        color=_type_colour(trailing, _type_legend(trailing)),
        # The first type in the palette's order sits at the base of each bar.
        order=alt.Order("type_rank:Q", sort="ascending"),
        tooltip=[
            alt.Tooltip("month_label:N", title="Month"),
            alt.Tooltip("request_type_label:N", title="Request type"),
            alt.Tooltip("received_label:N", title="Received"),
            alt.Tooltip("month_total_label:N", title="All types that month"),
        ],
    ).properties(title=_title("Requests received per month, by request type", subtitle), height=320,
                 width=alt.Step(48))


def outcomes_by_status(by_type: pd.DataFrame) -> pd.DataFrame:
    """requests_by_type (labelled) in long form: one row per type and status with its count, and the type's
    requests received (the counts' total) beside it."""
    long = by_type.melt(id_vars=["request_type", "request_type_label", "received"], value_vars=STATUSES,
                        var_name="status", value_name="requests")
    long.insert(long.columns.get_loc("status") + 1, "status_label", long["status"].str.capitalize())
    order = {key: position for position, key in enumerate(type_order(long["request_type"]))}
    long["_order"] = long["request_type"].map(order)
    long["_status"] = long["status"].map({key: position for position, key in enumerate(STATUSES)})
    return long.sort_values(["_order", "_status"], kind="stable").drop(columns=["_order", "_status"]).reset_index(
        drop=True)[["request_type", "request_type_label", "status", "status_label", "requests", "received"]]


def outcomes_chart(outcomes: pd.DataFrame, period: str | None = None, *, min_cell: int = 0) -> alt.Chart:
    """Per request type, a bar of the requests received in the range split by their latest status
    (outcomes_by_status's frame): completed, denied, withdrawn, still open."""
    labels = [request_type_label(key) for key in type_order(outcomes["request_type"])]
    outcomes = with_count_labels(outcomes, ("requests", "received"), min_cell)
    rank = " : ".join(f"datum.status === {json.dumps(key)} ? {position}" for position, key in enumerate(STATUSES))
    return alt.Chart(outcomes).mark_bar().transform_calculate(status_rank=f"{rank} : {len(STATUSES)}").encode(
        y=alt.Y("request_type_label:N", sort=labels, title=None, axis=alt.Axis(labelLimit=320)),
        x=alt.X("requests:Q", stack="zero", title="Requests received in the range",
                axis=alt.Axis(format=",d", tickMinStep=1)),
        color=alt.Color("status:N", scale=status_colour(), title="Status",
                        legend=alt.Legend(orient="bottom", labelExpr="upper(slice(datum.label, 0, 1)) + "
                                                                     "slice(datum.label, 1)")),
        order=alt.Order("status_rank:Q", sort="ascending"),
        tooltip=[
            alt.Tooltip("request_type_label:N", title="Request type"),
            alt.Tooltip("status_label:N", title="Status"),
            alt.Tooltip("requests_label:N", title="Requests"),
            alt.Tooltip("received_label:N", title="Of received"),
        ],
    ).properties(title=_title("Requests received in the range by latest status, by request type", period),
                 height=alt.Step(34))


def deadline_note(days: pd.DataFrame) -> str | None:
    """Why a type has no deadline line, when one lacks it: its requests fall under business-day or month
    deadlines, or under several laws with different numbers of days. Takes requests_days_to_close, labelled."""
    without = days.loc[days["deadline_days"].isna(), "request_type_label"].drop_duplicates().tolist()
    if not without:
        return None
    which = "No type has a deadline line" if len(without) == days["request_type"].nunique() else (
        f"No deadline line for {', '.join(without)}")
    return (
        f"{which}: its requests fall under business-day or monthly deadlines, or under laws with different numbers "
        "of days. Choose one jurisdiction in the sidebar to see its deadline."
    )


WEEK = 7


def in_weeks(days: pd.DataFrame) -> pd.DataFrame:
    """requests_days_to_close with the days grouped by week (0-6, 7-13, ...): each type's requests summed per
    week, `days_to_close` the week's first day. Counts of a week are larger than a day's, so fewer are hidden
    as small."""
    weekly = days.assign(days_to_close=days["days_to_close"] // WEEK * WEEK)
    columns = {"requests": ("requests", "sum")} | {
        column: (column, "first") for column in ("deadline_days", "type_closed") if column in days.columns}
    grouped = weekly.groupby(["request_type", "days_to_close"], as_index=False, sort=True).agg(**columns)
    grouped.insert(grouped.columns.get_loc("days_to_close") + 1, "days_to", grouped["days_to_close"] + WEEK - 1)
    return grouped


def days_to_close_chart(days: pd.DataFrame, period: str | None = None, *, min_cell: int = 0) -> alt.FacetChart:
    """For each request type, how many closed requests took each number of days (requests_days_to_close,
    labelled, or in_weeks of it), with the type's deadline as a dashed line where one number of calendar days
    applies to all."""
    order = type_order(days["request_type"])
    days = with_count_labels(with_totals("requests_days_to_close", days), ("requests", "type_closed"), min_cell)
    if "days_to" not in days.columns:
        days = days.assign(days_to=days["days_to_close"])
    days["days_text"] = [f"{first:,}" if first == last else f"{first:,}–{last:,}"
                         for first, last in zip(days["days_to_close"], days["days_to"], strict=True)]
    labels = [request_type_label(key) for key in order]
    # Each bar covers its whole days, centred on them.
    base = alt.Chart().transform_calculate(
        day_from="datum.days_to_close - 0.5", day_to="datum.days_to + 0.5"
    )
    bars = base.mark_bar().encode(
        x=alt.X("day_from:Q", title="Days from receipt to closing", axis=alt.Axis(format="d", tickMinStep=1)),
        x2="day_to:Q",
        y=alt.Y("requests:Q", title="Requests", axis=alt.Axis(format=",d", tickMinStep=1)),
        y2=alt.Y2Datum(0),
        color=_type_colour(days, legend=None),
        tooltip=[
            alt.Tooltip("request_type_label:N", title="Request type"),
            alt.Tooltip("days_text:N", title="Days to close"),
            alt.Tooltip("requests_label:N", title="Requests"),
            alt.Tooltip("type_closed_label:N", title="Of all closed of this type"),
        ],
    )
    deadline = alt.Chart().transform_filter("isValid(datum.deadline_days)").transform_aggregate(
        deadline_days="max(deadline_days)", groupby=["request_type_label"]
    ).transform_calculate(deadline_text="'Deadline: ' + datum.deadline_days + ' days'")
    rule = deadline.mark_rule(color="black", strokeDash=[6, 4], strokeWidth=1.5).encode(
        x=alt.X("deadline_days:Q"),
        tooltip=[
            alt.Tooltip("request_type_label:N", title="Request type"),
            alt.Tooltip("deadline_days:Q", title="Deadline (calendar days)"),
        ],
    )
    rule_label = deadline.mark_text(align="left", baseline="top", dx=4, y=2, fontSize=11).encode(
        x=alt.X("deadline_days:Q"), text="deadline_text:N"
    )
    return alt.layer(bars, rule, rule_label, data=days).properties(height=110, width=640).facet(
        row=alt.Row("request_type_label:N", sort=labels, title=None,
                    header=alt.Header(labelAngle=0, labelAlign="left", labelAnchor="start", labelOrient="top",
                                      labelFontWeight="bold")),
    ).resolve_scale(y="independent").properties(
        title=_title("Days from receipt to closing of completed and denied requests, by request type", period),
    )
