"""Deadlines ahead: the health of the requests open at the range's end per request type and per jurisdiction, the
due-soon and overdue lists as the page shows them, and the per-jurisdiction table."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from dashboard import labels
from dashboard.charts.palette import FIT_WIDTH, description, legend_names, rank, scale, title, wrapped_labels
from dashboard.formatting import COUNT_D3, plural
from dashboard.small_counts import on, with_count_labels

HEALTH = ["overdue", "due_soon", "on_track"]
# The breakdowns of requests_health, in the order the chart draws them, with their headings.
BREAKDOWNS = {"request_type": "By request type", "jurisdiction": "By jurisdiction"}
NAME_CHARACTERS = 22


def health_long(health: pd.DataFrame) -> pd.DataFrame:
    """requests_health's type and jurisdiction rows in long form, as the chart draws them and its Data tab reads:
    one row per breakdown, type or law, and health, with its requests and the type's or law's open requests beside
    it; types, then laws, each in the catalogue's order. `_breakdown` and `_key` keep the keys."""
    parts = []
    for breakdown, heading in BREAKDOWNS.items():
        rows = health[health["breakdown"] == breakdown]
        order = labels.positions(breakdown, rows["value"])
        rows = rows.assign(_breakdown=breakdown, breakdown_name=heading.removeprefix("By ").capitalize(),
                           name=[labels.name(breakdown, key) for key in rows["value"]], _key=rows["value"],
                           _order=rows["value"].map(order))
        long = rows.melt(id_vars=["_breakdown", "breakdown_name", "_key", "name", "open_at_end", "_order"],
                         value_vars=HEALTH, var_name="health", value_name="requests")
        long["_health"] = long["health"].map(labels.positions("health", HEALTH, every=True))
        parts.append(long.sort_values(["_order", "_health"], kind="stable"))
    columns = ["_breakdown", "breakdown_name", "_key", "name", "health", "health_label", "requests", "open_at_end"]
    if not parts:
        return pd.DataFrame(columns=columns)
    long = pd.concat(parts, ignore_index=True)
    long["health_label"] = [labels.name("health", key) for key in long["health"]]
    return long[columns]


def health_chart(long: pd.DataFrame, end_label: str | None = None, *, due_soon_days: int = 7,
                 min_cell: int = 0) -> alt.VConcatChart:
    """Per request type, then per jurisdiction, a bar of the requests open at the range's end split into overdue,
    due soon and on track (health_long's frame), the open requests written beside it. While small counts are
    hidden, a part under min_cell is not drawn and the subtitle says so; the figure beside the bar still counts it."""
    long = with_count_labels(long, ("requests", "open_at_end"), min_cell)
    hides = on(min_cell) and bool(long["requests"].isna().any())
    note = (f"Parts with fewer than {min_cell} requests are not drawn; the figure beside each bar is all its open "
            "requests." if hides else None)
    period = f"Requests open at the end of {end_label}; due soon is within {plural(due_soon_days, 'day')}" if end_label \
        else None
    largest = pd.to_numeric(long["open_at_end"], errors="coerce").max()
    x_scale = alt.Scale(domain=[0, max(float(0 if pd.isna(largest) else largest) * 1.15, 1)], nice=True)
    parts = [_health_part(long, breakdown, heading, x_scale) for breakdown, heading in BREAKDOWNS.items()
             if (long["_breakdown"] == breakdown).any()]
    return alt.vconcat(*parts, data=long, spacing=18).resolve_scale(x="shared").properties(
        title=title("Open requests by deadline health", period, note), autosize=FIT_WIDTH,
        description=description("Open requests by deadline health, by request type and by jurisdiction (stacked "
                                "bar charts)", period, _headline(long)),
    )


def _health_part(long: pd.DataFrame, breakdown: str, heading: str, x_scale: alt.Scale) -> alt.LayerChart:
    names = list(dict.fromkeys(long.loc[long["_breakdown"] == breakdown, "name"]))
    base = alt.Chart().transform_filter(f"datum._breakdown === {json.dumps(breakdown)}")
    y = alt.Y("name:N", sort=names, title=None,
              axis=alt.Axis(labelExpr=wrapped_labels(names, NAME_CHARACTERS), labelLimit=0, labelLineHeight=12,
                            labelOverlap=False, minExtent=150, maxExtent=150))
    bars = base.transform_calculate(
        health_rank=rank("health", HEALTH)
    ).mark_bar().encode(
        y=y,
        x=alt.X("requests:Q", stack="zero", title="Open requests", scale=x_scale,
                axis=alt.Axis(format=COUNT_D3, tickMinStep=1)),
        color=alt.Color("health:N", scale=scale("health", HEALTH), title="Deadline",
                        legend=alt.Legend(orient="bottom", values=HEALTH, labelExpr=legend_names("health", HEALTH))),
        order=alt.Order("health_rank:Q", sort="ascending"),
        tooltip=[alt.Tooltip("name:N", title=heading.removeprefix("By ").capitalize()),
                 alt.Tooltip("health_label:N", title="Deadline"),
                 alt.Tooltip("requests_label:N", title="Requests"),
                 alt.Tooltip("open_at_end_label:N", title="Open in all")],
    )
    totals = base.transform_filter(f"datum.health === {json.dumps(HEALTH[0])}").transform_calculate(
        total_at="isValid(datum.open_at_end) ? datum.open_at_end : 0"
    ).mark_text(align="left", baseline="middle", dx=4, fontSize=11, color="black").encode(
        y=y, x=alt.X("total_at:Q", scale=x_scale), text=alt.Text("open_at_end_label:N"),
    )
    return alt.layer(bars, totals).properties(
        height=alt.Step(32), title=alt.Title(heading, anchor="start", fontSize=12, color="black", offset=4))


def _headline(long: pd.DataFrame) -> str | None:
    """The open requests in all and how many are overdue, where no count of it is hidden."""
    types = long[long["_breakdown"] == "request_type"]
    if types.empty or types["requests"].isna().any():
        return None
    overdue = int(types.loc[types["health"] == "overdue", "requests"].sum())
    return f"{plural(int(types['requests'].sum()), 'open request')}, {overdue:,} overdue"


# The due-soon and overdue lists' columns, by key, as the page shows and downloads them.
LIST_COLUMNS = {
    "overdue": ["request_id", "request_type", "jurisdiction", "received", "due_date", "days_overdue"],
    "due_soon": ["request_id", "request_type", "jurisdiction", "received", "due_date", "days_left"],
}


def listed(frame: pd.DataFrame, health: str) -> pd.DataFrame:
    """requests_overdue or requests_due_soon as the page lists them, by key: the longest overdue, or the soonest
    due, first."""
    days, ascending = ("days_overdue", False) if health == "overdue" else ("days_left", True)
    return frame[LIST_COLUMNS[health]].sort_values([days, "request_id"], ascending=[ascending, True], kind="stable",
                                                   ignore_index=True)


def by_jurisdiction(frame: pd.DataFrame) -> pd.DataFrame:
    """requests_by_jurisdiction as the page's table shows it: the laws in the catalogue's order (others after by
    name); the counts first, the deadlines next, so a narrow page keeps them in view; the day figures and their
    denominator last."""
    return frame.assign(_order=frame["jurisdiction"].map(labels.positions("jurisdiction", frame["jurisdiction"]))).sort_values("_order", kind="stable")[
        JURISDICTION_COLUMNS].reset_index(drop=True)


JURISDICTION_COLUMNS = ["jurisdiction", "received", "completed", "denied", "withdrawn", "open", "overdue", "due_soon",
                        "on_time_rate", "median_days_to_close", "mean_days_to_close", "closed"]
