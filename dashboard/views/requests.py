"""Requests: volume by type over twelve months, outcomes and days to close per type, and what is overdue now."""

import pandas as pd
import streamlit as st

from dashboard import access, metrics, shell, small_counts
from dashboard.charts import requests as charts
from dashboard.downloads import csv_bytes

filters = shell.current_filters()


def percent(rate) -> str:
    return "–" if rate is None or pd.isna(rate) else f"{rate:.1%}"


def days(value) -> str:
    return "–" if value is None or pd.isna(value) else f"{value:,.2f}".rstrip("0").rstrip(".")


period = f"{filters.start:%d %b %Y} – {filters.end:%d %b %Y} (UTC)"
st.title("Requests")
st.caption(
    "How many data-subject requests arrive, how they end, how long they take against their legal deadline, and "
    f"which are overdue at the end of {filters.end:%d %b %Y} (UTC). A combined request (access and deletion) counts "
    "once for each of its types."
)
if filters.request_types or filters.jurisdictions or filters.request_channels:
    st.caption("Only the request types, jurisdictions and channels chosen in the sidebar count.")

trailing = shell.figure("requests_trailing_12_months", filters)
by_type = shell.figure("requests_by_type", filters)
summary = shell.figure("requests_summary", filters).iloc[0]
overdue = shell.figure("requests_overdue", filters)
if trailing.empty and by_type.empty and overdue.empty:
    shell.no_data("No request is stored yet. Load a requests export on the **Data** page.")
    st.stop()

tiles = st.columns(4)
tiles[0].metric(
    "Received in the range",
    shell.count_text(summary["received"]),
    help=f"Requests received from {filters.start:%d %b %Y} to {filters.end:%d %b %Y}, every type together "
    "(a combined request counts once per type).",
    border=True,
)
tiles[1].metric(
    "Closed on time",
    percent(summary["on_time_rate"]),
    f"of {shell.count_text(summary['closed'])} closed",
    delta_color="off",
    delta_arrow="off",
    help=f"Of the {shell.count_text(summary['closed'])} requests received in the range and completed or denied with a closing "
    "date, the share closed on or before their due date (the deadline of their law and type, extensions included).",
    border=True,
)
tiles[2].metric(
    "Median days to close",
    days(summary["median_days_to_close"]),
    None if pd.isna(summary["mean_days_to_close"]) else f"mean {days(summary['mean_days_to_close'])}",
    delta_color="off",
    delta_arrow="off",
    help="Calendar days from receipt to closing, over the completed and denied requests received in the range.",
    border=True,
)
tiles[3].metric(
    "Overdue now",
    shell.count_text(metrics.overdue_count(overdue)),
    help=f"Requests still open at the end of {filters.end:%d %b %Y} whose due date has passed, wherever in time "
    "they were received. Listed at the bottom of the page.",
    border=True,
)

st.subheader("Volume over the last twelve months")
if trailing.empty:
    shell.no_data("No request type is stored for these filters.")
else:
    volume = charts.with_month_labels(charts.with_type_labels(trailing))
    shell.show_chart(charts.trailing_volume_chart(volume, f"{filters.end:%d %b %Y}", min_cell=shell.min_cell()), volume,
                     "Requests received per month by type", key="requests-trailing-12-months")

st.subheader("Outcomes by request type")
st.caption(f"Requests received {period}, by their latest known status, even where it was reached after the range.")
if by_type.empty:
    shell.no_data("No request was received in this range. Widen the dates or clear a filter in the sidebar.")
else:
    labelled = charts.with_type_labels(by_type)
    outcomes = charts.outcomes_by_status(labelled)
    shell.show_chart(charts.outcomes_chart(outcomes, period, min_cell=shell.min_cell()), outcomes,
                     "Requests by status and type",
                     key="requests-by-status")
    number, count = st.column_config.NumberColumn, shell.count_column
    st.dataframe(
        shell.table(labelled),
        hide_index=True,
        width="stretch",
        column_order=["request_type_label", "received", "completed", "denied", "withdrawn", "open",
                      "median_days_to_close", "mean_days_to_close", "on_time_rate"],
        column_config={
            "request_type_label": st.column_config.TextColumn("Request type", pinned=True),
            "received": count("Received", help="Requests received in the range."),
            "completed": count("Completed", help="Of those, completed (in whole or in part)."),
            "denied": count("Denied"),
            "withdrawn": count("Withdrawn"),
            "open": count("Open", help="Not closed yet, as the latest export says."),
            "median_days_to_close": number("Median days", format="%.2f",
                                           help="Calendar days from receipt to closing, completed and denied "
                                                "requests with a closing date."),
            "mean_days_to_close": number("Mean days", format="%.2f", help="The same requests' average."),
            "on_time_rate": number("On time", format="percent",
                                   help="Completed and denied requests with a closing date that closed by their due "
                                        "date ÷ all of them."),
        },
    )

st.subheader("Days to close against the deadline")
# A day's count is often small: while small counts are hidden, the days are grouped by week.
weekly = small_counts.on(shell.min_cell())
days_to_close = shell.figure("requests_days_to_close", filters, regroup=charts.in_weeks if weekly else None)
if days_to_close.empty:
    shell.no_data("No request received in this range has been completed or denied yet.")
else:
    distribution = charts.with_type_labels(days_to_close)
    st.caption(
        "Completed and denied requests received in the range, by calendar days from receipt to closing. The dashed "
        "line is a type's deadline without extension: an extended request may close after it and still be on time."
        + (" The days are grouped by week, as small counts are hidden." if weekly else "")
    )
    note = charts.deadline_note(distribution)
    if note:
        st.caption(f":material/info: {note}")
    shell.show_chart(charts.days_to_close_chart(distribution, period, min_cell=shell.min_cell()), distribution,
                     "Days to close by request type", key="requests-days-to-close")

st.subheader(f"Overdue at the end of {filters.end:%d %b %Y}")
if overdue.empty:
    st.success("No request is overdue: every open request is still within its deadline.",
               icon=":material/check_circle:")
elif pd.isna(metrics.overdue_count(overdue)) and not access.current().may_change:
    # A list of fewer rows than min_cell would give its hidden count away; analysts need it to act.
    st.info(f"Fewer than {shell.min_cell()} requests are overdue. While small counts are hidden, only analysts "
            "see which.", icon=":material/visibility_off:")
else:
    listed = charts.overdue_list(overdue)
    total = metrics.overdue_count(overdue)
    shown = (f"The {len(listed):,} longest overdue of {total:,} open requests past their due date; narrow the "
             "sidebar's request filters to list the others." if not pd.isna(total) and total > len(listed)
             else "Open requests past their due date, the longest overdue first.")
    st.caption(f"{shown} Request IDs are those of the exports.")
    st.dataframe(
        listed,
        hide_index=True,
        width="stretch",
        column_config={
            "Received": st.column_config.DateColumn(format="YYYY-MM-DD"),
            "Due": st.column_config.DateColumn(format="YYYY-MM-DD", help="Deadline of the request's law and "
                                                                        "type, extensions included."),
            "Days overdue": st.column_config.NumberColumn(format="localized",
                                                          help=f"Days from the due date to {filters.end:%d %b %Y}."),
        },
    )
    st.download_button("Overdue list (CSV)", csv_bytes(listed), file_name=f"overdue-requests-{filters.end}.csv",
                       mime="text/csv", key="requests-overdue-csv", icon=":material/download:", on_click="ignore")
