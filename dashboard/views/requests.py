"""Requests: volume by type over twelve months, outcomes and days to close per type, and what is overdue now."""

import pandas as pd
import streamlit as st

from dashboard import access, metrics, shell, small_counts
from dashboard.charts import requests as charts
from dashboard.formatting import day, days, percent, plural

filters = shell.current_filters()

period = shell.period_text(filters)
end = day(filters.end)
st.title("Requests")
st.caption(
    "How many data-subject requests arrive, how they end, how long they take against their legal deadline, and "
    f"which are overdue at the end of {end} (UTC). A combined request (access and deletion) counts "
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

tiles = shell.tile_row()
tiles.metric(
    "Received in the range",
    shell.count_text(summary["received"]),
    help=shell.definition("requests-received"),
    border=True,
    width=shell.TILE_WIDTH,
)
tiles.metric(
    "Closed on time",
    percent(summary["on_time_rate"]),
    f"of {shell.count_text(summary['closed'])} closed",  # "of 1 closed" reads right in both numbers
    delta_color="off",
    delta_arrow="off",
    help=f"{shell.requests(summary['closed'])} completed or denied with a closing date." + "\n\n" + shell.definition("requests-on-time"),
    border=True,
    width=shell.TILE_WIDTH,
)
tiles.metric(
    "Median days to close",
    days(summary["median_days_to_close"]),
    None if pd.isna(summary["mean_days_to_close"]) else f"mean {days(summary['mean_days_to_close'])}",
    delta_color="off",
    delta_arrow="off",
    help=shell.definition("requests-median-days"),
    border=True,
    width=shell.TILE_WIDTH,
)
tiles.metric(
    f"Overdue at {end}",
    shell.count_text(metrics.overdue_count(overdue)),
    help=shell.definition("requests-overdue"),
    border=True,
    width=shell.TILE_WIDTH,
)

st.subheader(f"Volume over the twelve months to {filters.end:%B %Y}")
if trailing.empty:
    shell.no_data("No request type is stored for these filters.")
else:
    volume = charts.with_month_labels(charts.with_type_labels(trailing))
    shell.show_chart((charts.trailing_volume_chart, volume, f"{filters.end:%B %Y}", {"min_cell": shell.min_cell()}), volume,
                     "Requests received per month by type", about="requests", key="requests-trailing-12-months",
                     period=shell.twelve_months_text(filters.end))

st.subheader("Outcomes by request type")
st.caption(f"Requests received {period}, by their latest known status, even where it was reached after the range.")
if by_type.empty:
    shell.no_data("No request was received in this range. Widen the dates or clear a filter in the sidebar.")
else:
    labelled = charts.with_type_labels(by_type)
    outcomes = charts.outcomes_by_status(labelled)
    shell.show_chart((charts.outcomes_chart, outcomes, period, {"min_cell": shell.min_cell()}), outcomes,
                     "Requests by status and type", about="requests", key="requests-by-status")
    shell.show_table(labelled)

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
    shell.show_chart((charts.days_to_close_chart, distribution, period, {"min_cell": shell.min_cell()}), distribution,
                     "Days to close by request type", about="requests", key="requests-days-to-close")

st.subheader(f"Overdue at the end of {end}")
if overdue.empty:
    st.success("No request is overdue: every open request is still within its deadline.",
               icon=":material/check_circle:")
elif pd.isna(metrics.overdue_count(overdue)) and not access.current().may_change:
    # A list of fewer rows than min_cell would give its hidden count away; analysts need it to act.
    st.info(f"Fewer than {shell.min_cell()} requests are overdue. While small counts are hidden, only analysts "
            "see which.", icon=":material/visibility_off:")
else:
    # The longest overdue first, as the query lists them; names, not keys, in the table and its CSV.
    listed = charts.overdue_rows(overdue)
    total = metrics.overdue_count(overdue)
    shown = (f"The {len(listed):,} longest overdue of {plural(total, 'open request')} past their due date; narrow the "
             "sidebar's request filters to list the others." if not pd.isna(total) and total > len(listed)
             else "Open requests past their due date, the longest overdue first.")
    st.caption(f"{shown} Request IDs are those of the exports.")
    shell.show_table(listed)
    shell.download_buttons("requests-overdue", shell.document(f"Requests overdue at the end of {end}", "requests"),
                           data=listed)
