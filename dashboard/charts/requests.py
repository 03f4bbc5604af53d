"""Request charts: the trailing twelve months' volume by type, outcomes by type, days to close against the
deadline."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from dashboard import labels
from dashboard.charts import annotations
from dashboard.charts.palette import (
    EARLIER_DASH,
    FIT_WIDTH,
    GREY,
    description,
    legend,
    legend_names,
    rank,
    request_type_colour,
    status_colour,
    title,
    wrapped_labels,
)
from dashboard.formatting import COUNT_D3, percent, plural
from dashboard.small_counts import count_text, on, with_count_labels

# requests_by_type's status columns, in the catalogue's order of statuses.
STATUSES = ["completed", "denied", "withdrawn", "open"]

# A request type's name on an axis is broken into lines of about this many characters.
TYPE_CHARACTERS = 18


def request_type_label(request_type: str) -> str:
    """The display name of a request type (labels.name)."""
    return labels.name("request_type", request_type)


def type_order(present) -> list[str]:
    """The request types present, in the catalogue's order (new types after, by name)."""
    return labels.in_order("request_type", present)


def with_type_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """The query's frame with each request type's name beside its key, rows in the catalogue's type order
    (within each month, for a frame with months). The query's own columns are kept as they are."""
    labelled = frame.copy()
    labelled.insert(labelled.columns.get_loc("request_type") + 1, "request_type_label",
                    [request_type_label(key) for key in labelled["request_type"]])
    order = labels.positions("request_type", labelled["request_type"])
    keys = [column for column in ("month",) if column in labelled.columns]
    labelled["_order"] = labelled["request_type"].map(order)
    return labelled.sort_values([*keys, "_order"], kind="stable").drop(columns="_order").reset_index(drop=True)


def month_in_words(month: str) -> str:
    """A YYYY-MM key as "Nov 2023"."""
    return pd.Timestamp(f"{str(month)[:7]}-01").strftime("%b %Y")


def with_month_labels(trailing: pd.DataFrame) -> pd.DataFrame:
    """requests_trailing_12_months (labelled) with each month in words ("Nov 2023") beside its YYYY-MM key."""
    labelled = trailing.copy()
    labelled.insert(labelled.columns.get_loc("month") + 1, "month_label",
                    [month_in_words(month) for month in labelled["month"]])
    return labelled


def _type_colour(frame: pd.DataFrame, legend: alt.Legend | None = None) -> alt.Color:
    return alt.Color("request_type:N", scale=request_type_colour(frame["request_type"].unique()), legend=legend)


def _type_legend(frame: pd.DataFrame) -> alt.Legend:
    """A legend of the types a chart shows, by their names (the scale keeps every known key)."""
    return legend("request_type", type_order(frame["request_type"].unique()), "Request type")


def _hides(frame: pd.DataFrame, column: str, min_cell: int) -> bool:
    """Whether the small-count rule left out a count of the column (a hidden count is missing)."""
    return on(min_cell) and bool(frame[column].isna().any())


def _room_for_totals(totals: pd.Series) -> alt.Scale:
    """A count scale reaching a tenth past the largest total, so the total written past its bar stays inside."""
    largest = pd.to_numeric(totals, errors="coerce").max()
    largest = 0 if pd.isna(largest) else float(largest)
    return alt.Scale(domain=[0, max(largest * 1.1, 1)], nice=True)


def trailing_volume_chart(trailing: pd.DataFrame, end_label: str | None = None, *, min_cell: int = 0,
                          earlier: pd.DataFrame | None = None, earlier_label: str | None = None,
                          markers: pd.DataFrame | None = None) -> alt.LayerChart:
    """Stacked bars of requests received per month, one colour per request type, over the twelve months of
    requests_trailing_12_months (labelled by with_type_labels and with_month_labels), each month's total above
    its bar. Every month has its bar, an empty month a zero one. While small counts are hidden, a type's count
    under min_cell is not drawn, and the subtitle says so; the total above the bar still counts it.

    `earlier` is the same figure for the range compared with, laid over these months (comparisons.laid_over, then
    with_month_labels): its monthly totals are drawn as a grey dashed line across the bars, `earlier_label` naming
    that range."""
    months = list(dict.fromkeys(trailing["month_label"]))
    order = type_order(trailing["request_type"])
    period = f"The twelve calendar months to {end_label}" if end_label else None
    trailing = with_count_labels(trailing, ("received", "month_total"), min_cell)
    note = (f"Types with fewer than {min_cell} requests in a month are not drawn; the figure above each bar is "
            "the month's total." if _hides(trailing, "received", min_cell) else None)
    # Month above year on two lines, so twelve labels fit side by side in a narrow column.
    x = alt.X("month_label:O", sort=months, title=None,
              axis=alt.Axis(labelAngle=0, labelExpr="split(datum.label, ' ')", labelLineHeight=13))
    bars = alt.Chart().transform_calculate(type_rank=rank("request_type", order)).mark_bar().encode(
        x=x,
        y=alt.Y("received:Q", stack="zero", title="Requests received", scale=_room_for_totals(
            trailing["month_total"] if earlier is None else pd.concat([trailing["month_total"], earlier["month_total"]])),
                axis=alt.Axis(format=COUNT_D3, tickMinStep=1)),
        color=_type_colour(trailing, _type_legend(trailing)),
        # The first type in the catalogue's order sits at the base of each bar.
        order=alt.Order("type_rank:Q", sort="ascending"),
        tooltip=[
            alt.Tooltip("month_label:N", title="Month"),
            alt.Tooltip("request_type_label:N", title="Request type"),
            alt.Tooltip("received_label:N", title="Received"),
            alt.Tooltip("month_total_label:N", title="All types that month"),
        ],
    )
    # One total per month, at its full height (above what is drawn when a count is hidden).
    totals = alt.Chart().transform_filter(
        f"datum.request_type === {json.dumps(order[0])}" if order else "true"
    ).transform_calculate(
        total_at="isValid(datum.month_total) ? datum.month_total : 0"
    ).mark_text(baseline="bottom", dy=-3, fontSize=10, color="black").encode(
        x=x, y=alt.Y("total_at:Q"), text=alt.Text("month_total_label:N"),
        tooltip=[alt.Tooltip("month_label:N", title="Month"),
                 alt.Tooltip("month_total_label:N", title="All types that month")],
    )
    layers, compared, headline = [bars, totals], None, _trailing_headline(trailing)
    if earlier is not None and not earlier.empty:
        before = earlier.drop_duplicates("month_label")
        before = with_count_labels(before[before["month_label"].isin(months)], ("month_total",), min_cell)
        layers.append(alt.Chart(before).mark_line(
            color=GREY, strokeDash=EARLIER_DASH, strokeWidth=2, point=alt.OverlayMarkDef(color=GREY, filled=False),
        ).encode(
            x=x, y=alt.Y("month_total:Q"),
            tooltip=[alt.Tooltip("month_from:N", title=f"Month ({earlier_label})"),
                     alt.Tooltip("month_total_label:N", title="All types that month")],
        ))
        compared = f"Grey dashed line: the monthly totals of {earlier_label}, each beside the month it is compared with."
        headline = "; ".join(part for part in (headline, f"the grey line shows {earlier_label}") if part)
    chart = alt.layer(*layers, data=trailing).properties(
        title=title("Requests received per month, by request type", period, note, compared), height=320,
        autosize=FIT_WIDTH,
        description=description("Requests received per month, by request type (stacked bar chart)",
                                f"the twelve calendar months to {end_label}" if end_label else None, headline),
    )
    return annotations.add(chart, markers, annotations.MonthBands("month_label", tuple(months), "%b %Y"))


def _trailing_headline(trailing: pd.DataFrame) -> str | None:
    totals = trailing.drop_duplicates("month")[["month_label", "month_total"]]
    shown = totals.dropna(subset=["month_total"])
    if shown.empty:
        return None
    busiest = shown.loc[shown["month_total"].astype("int64").idxmax()]
    busiest = f"{plural(int(busiest['month_total']), 'request')} in {busiest['month_label']}, the most in a month"
    if len(shown) < len(totals):  # a month's total is hidden: the sum would give it away
        return busiest
    return f"{plural(int(shown['month_total'].sum()), 'request')} in all; {busiest}"


def outcomes_by_status(by_type: pd.DataFrame) -> pd.DataFrame:
    """requests_by_type (labelled) in long form: one row per type and status with its count, and the type's
    requests received (the counts' total) beside it."""
    long = by_type.melt(id_vars=["request_type", "request_type_label", "received"], value_vars=STATUSES,
                        var_name="status", value_name="requests")
    long.insert(long.columns.get_loc("status") + 1, "status_label",
                [labels.name("status", key) for key in long["status"]])
    order = labels.positions("request_type", long["request_type"])
    statuses = labels.positions("status", STATUSES, every=True)
    long["_order"] = long["request_type"].map(order)
    long["_status"] = long["status"].map(statuses)
    return long.sort_values(["_order", "_status"], kind="stable").drop(columns=["_order", "_status"]).reset_index(
        drop=True)[["request_type", "request_type_label", "status", "status_label", "requests", "received"]]


def outcomes_chart(outcomes: pd.DataFrame, period: str | None = None, *, min_cell: int = 0) -> alt.LayerChart:
    """Per request type, a bar of the requests received in the range split by their latest status
    (outcomes_by_status's frame): completed, denied, withdrawn, still open; the type's requests received beside
    it. While small counts are hidden, a status under min_cell is not drawn, and the subtitle says so; the
    figure beside the bar still counts it."""
    names = [request_type_label(key) for key in type_order(outcomes["request_type"])]
    statuses = labels.in_order("status", outcomes["status"].unique())
    outcomes = with_count_labels(outcomes, ("requests", "received"), min_cell)
    note = (f"Statuses with fewer than {min_cell} requests of a type are not drawn; the figure beside each bar is "
            "all the type's requests." if _hides(outcomes, "requests", min_cell) else None)
    y = alt.Y("request_type_label:N", sort=names, title=None,
              axis=alt.Axis(labelExpr=wrapped_labels(names, TYPE_CHARACTERS), labelLimit=0, labelLineHeight=12))
    bars = alt.Chart().transform_calculate(status_rank=rank("status", statuses)).mark_bar().encode(
        y=y,
        x=alt.X("requests:Q", stack="zero", title="Requests received in the range",
                scale=_room_for_totals(outcomes["received"] * 1.05), axis=alt.Axis(format=COUNT_D3, tickMinStep=1)),
        color=alt.Color("status:N", scale=status_colour(statuses), title="Status",
                        legend=alt.Legend(orient="bottom", values=statuses,
                                          labelExpr=legend_names("status", statuses))),
        order=alt.Order("status_rank:Q", sort="ascending"),
        tooltip=[
            alt.Tooltip("request_type_label:N", title="Request type"),
            alt.Tooltip("status_label:N", title="Status"),
            alt.Tooltip("requests_label:N", title="Requests"),
            alt.Tooltip("received_label:N", title="Of received"),
        ],
    )
    totals = alt.Chart().transform_filter(
        f"datum.status === {json.dumps(statuses[0])}" if statuses else "true"
    ).transform_calculate(
        total_at="isValid(datum.received) ? datum.received : 0"
    ).mark_text(align="left", baseline="middle", dx=4, fontSize=11, color="black").encode(
        y=y, x=alt.X("total_at:Q"), text=alt.Text("received_label:N"),
        tooltip=[alt.Tooltip("request_type_label:N", title="Request type"),
                 alt.Tooltip("received_label:N", title="Received in the range")],
    )
    return alt.layer(bars, totals, data=outcomes).properties(
        title=title("Requests received in the range by latest status, by request type", period, note),
        height=alt.Step(34), autosize=FIT_WIDTH,
        description=description("Requests received in the range by latest status, by request type (stacked bar "
                                "chart)", period, _outcomes_headline(outcomes, min_cell)),
    )


def _outcomes_headline(outcomes: pd.DataFrame, min_cell: int) -> str | None:
    """The type with the most requests received, its statuses in words."""
    received = outcomes.drop_duplicates("request_type").dropna(subset=["received"])
    if received.empty:
        return None
    top = received.loc[received["received"].astype("int64").idxmax()]
    rows = outcomes[outcomes["request_type"] == top["request_type"]]
    parts = [f"{count_text(row.requests, min_cell)} {row.status_label.lower()}" for row in rows.itertuples()]
    return (f"Most requests: {top['request_type_label']}, {plural(int(top['received']), 'request')} received: "
            + ", ".join(parts))


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
        "of days. Its heading gives the share closed by the deadline; choose one jurisdiction in the sidebar to see "
        "the deadline as a line."
    )


WEEK = 7


def in_weeks(days: pd.DataFrame) -> pd.DataFrame:
    """requests_days_to_close with the days grouped by week (0-6, 7-13, ...): each type's requests summed per
    week, `days_to_close` the week's first day. Counts of a week are larger than a day's, so fewer are hidden
    as small."""
    weekly = days.assign(days_to_close=days["days_to_close"] // WEEK * WEEK)
    columns = {"requests": ("requests", "sum")} | {
        column: (column, "first") for column in ("deadline_days", "type_closed", "type_on_time_rate")
        if column in days.columns}
    grouped = weekly.groupby(["request_type", "days_to_close"], as_index=False, sort=True).agg(**columns)
    grouped.insert(grouped.columns.get_loc("days_to_close") + 1, "days_to", grouped["days_to_close"] + WEEK - 1)
    return grouped


def days_to_close_chart(days: pd.DataFrame, period: str | None = None, *, min_cell: int = 0) -> alt.VConcatChart:
    """For each request type, how many closed requests took each number of days (requests_days_to_close,
    labelled, or in_weeks of it), with the type's deadline as a dashed line where one number of calendar days
    applies to all. One chart per type, stacked, sharing the days axis; each takes the page's width."""
    order = type_order(days["request_type"])
    days = with_count_labels(days, ("requests", "type_closed"), min_cell)
    if "days_to" not in days.columns:
        days = days.assign(days_to=days["days_to_close"])
    days["days_text"] = [f"{first:,}" if first == last else f"{first:,}–{last:,}"
                         for first, last in zip(days["days_to_close"], days["days_to"], strict=True)]
    weekly = bool((days["days_to"] != days["days_to_close"]).any())
    unit = "weeks" if weekly else "days"
    note = (f"{unit.capitalize()} with fewer than {min_cell} requests of a type are not drawn."
            if _hides(days, "requests", min_cell) else None)
    # Every part has the same days, reaching past the longest deadline with room for its words.
    longest = max(float(days["days_to"].max()) if not days.empty else 0.0,
                  float(days["deadline_days"].max()) * 1.3 if days["deadline_days"].notna().any() else 0.0)
    x_scale = alt.Scale(domain=[-0.5, longest + 0.5], nice=False)
    parts = []
    for position, key in enumerate(order):
        rows = days[days["request_type"] == key]
        heading = f"{request_type_label(key)}: {rows['type_closed_label'].iloc[0]} closed{_by_deadline(rows)}"
        empty = (f"Fewer than {min_cell} on each of its {unit}: none drawn."
                 if on(min_cell) and rows["requests"].isna().all() else None)
        parts.append(_days_part(key, heading, empty, x_scale, last=position == len(order) - 1))
    return alt.vconcat(*parts, data=days, spacing=14).resolve_scale(x="shared", y="independent").properties(
        title=title("Days from receipt to closing of completed and denied requests, by request type", period, note),
        autosize=FIT_WIDTH,
        description=description(
            "Days from receipt to closing of completed and denied requests, by request type (a bar chart per "
            "type, with its deadline)", period, _days_headline(days, order)),
    )


def _by_deadline(rows: pd.DataFrame) -> str:
    """", 96.4% by the deadline": a type's share closed on or before its due date, where it may be shown."""
    if "type_on_time_rate" not in rows.columns or rows["type_on_time_rate"].isna().all():
        return ""
    return f", {percent(rows['type_on_time_rate'].dropna().iloc[0])} by the deadline"


def _days_part(request_type: str, heading: str, empty: str | None, x_scale: alt.Scale,
               last: bool) -> alt.LayerChart:
    """One request type's chart of days_to_close_chart: its bars, its deadline line, and its heading (with
    `empty` under it when none of its counts may be drawn)."""
    base = alt.Chart().transform_filter(f"datum.request_type === {json.dumps(request_type)}")
    # Each bar covers its whole days, centred on them.
    bars = base.transform_calculate(
        day_from="datum.days_to_close - 0.5", day_to="datum.days_to + 0.5"
    ).mark_bar().encode(
        x=alt.X("day_from:Q", scale=x_scale, title="Days from receipt to closing" if last else None,
                axis=alt.Axis(format="d", tickMinStep=1)),
        x2="day_to:Q",
        y=alt.Y("requests:Q", title="Requests", axis=alt.Axis(format=COUNT_D3, tickMinStep=1, tickCount=3,
                                                                 # The same room for every part's counts, so
                                                                 # their days line up.
                                                                 minExtent=40, maxExtent=40)),
        y2=alt.Y2Datum(0),
        color=alt.Color("request_type:N", scale=request_type_colour([request_type]), legend=None),
        tooltip=[
            alt.Tooltip("request_type_label:N", title="Request type"),
            alt.Tooltip("days_text:N", title="Days to close"),
            alt.Tooltip("requests_label:N", title="Requests"),
            alt.Tooltip("type_closed_label:N", title="Of all closed of this type"),
        ],
    )
    deadline = base.transform_filter("isValid(datum.deadline_days)").transform_aggregate(
        deadline_days="max(deadline_days)", groupby=["request_type_label"]
    ).transform_calculate(deadline_text="'Deadline: ' + datum.deadline_days + ' days'")
    rule = deadline.mark_rule(color="black", strokeDash=[6, 4], strokeWidth=1.5).encode(
        x=alt.X("deadline_days:Q", scale=x_scale),
        tooltip=[
            alt.Tooltip("request_type_label:N", title="Request type"),
            alt.Tooltip("deadline_days:Q", title="Deadline (calendar days)"),
        ],
    )
    rule_label = deadline.mark_text(align="left", baseline="top", dx=4, y=2, fontSize=11).encode(
        x=alt.X("deadline_days:Q", scale=x_scale), text="deadline_text:N"
    )
    return alt.layer(bars, rule, rule_label).properties(
        height=100, title=alt.Title(heading, subtitle=empty or "", anchor="start", fontSize=12, color="black",
                                    offset=4),
    )


def _days_headline(days: pd.DataFrame, order: list[str]) -> str | None:
    parts = []
    for key in order:
        rows = days[days["request_type"] == key]
        deadline = rows["deadline_days"].dropna()
        text = f"{request_type_label(key)}: {rows['type_closed_label'].iloc[0]} closed{_by_deadline(rows)}"
        if not deadline.empty:
            text += f", deadline {int(deadline.iloc[0])} days"
        parts.append(text)
    return "; ".join(parts) or None

