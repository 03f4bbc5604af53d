"""Requests: volume by type over twelve months, outcomes and days to close per type and per law, and the deadlines
ahead: what is overdue, what falls due soon and what would be late at the present pace."""

import pandas as pd
import streamlit as st

from dashboard import access, comparisons, metrics, shell, small_counts
from dashboard.charts import deadlines
from dashboard.charts import denials as denial_charts
from dashboard.charts import requests as charts
from dashboard.formatting import day, days, percent, plural
from dashboard.views import chart_markers

filters = shell.current_filters()

period = shell.period_text(filters)
end = day(filters.end)
st.title("Requests")
st.caption(
    "How many data-subject requests arrive, how they end, how long they take against their legal deadline, and "
    f"which are overdue or due soon at the end of {end} (UTC). A combined request (access and deletion) counts "
    "once for each of its types."
)
if filters.request_types or filters.jurisdictions or filters.request_channels:
    st.caption("Only the request types, jurisdictions and channels chosen in the sidebar count.")

trailing = shell.figure("requests_trailing_12_months", filters)
by_type = shell.figure("requests_by_type", filters)
summary = shell.figure("requests_summary", filters).iloc[0]
overdue = shell.figure("requests_overdue", filters)
due_soon = shell.figure("requests_due_soon", filters)
health = shell.figure("requests_health", filters)
forecast = shell.figure("requests_forecast", filters).iloc[0]
by_law = shell.figure("requests_by_jurisdiction", filters)
if trailing.empty and by_type.empty and overdue.empty:
    shell.no_data("No request is stored yet. Load a requests export on the **Data** page.")
    st.stop()
soon_days = filters.due_soon_days
whole = health[health["breakdown"] == "all"].iloc[0]
# The range chosen under "Compare with": its figures beside these (a tile's change), its months under these.
earlier = shell.earlier()
if earlier is not None:
    before = shell.figure("requests_summary", earlier.filters).iloc[0]
    before_health = shell.figure("requests_health", earlier.filters)
    before_whole = before_health[before_health["breakdown"] == "all"].iloc[0]
    before_overdue = metrics.overdue_count(shell.figure("requests_overdue", earlier.filters))
    st.caption(f":material/compare_arrows: Set against {earlier.words}: the change is beside each figure, and the "
               "volume chart draws the earlier months' totals as a grey dashed line.")


def change(now, earlier_figure, kind: str = "count", better: str | None = "lower") -> dict:
    """A tile's change on the earlier range (none without a comparison); green is better: fewer open or overdue,
    fewer days, more on time. A volume is neither."""
    return earlier.tile(now, earlier_figure, kind, better) if earlier is not None else {}


tiles = shell.tile_row()
tiles.metric(
    "Received in the range",
    shell.count_text(summary["received"]),
    **change(summary["received"], before["received"] if earlier is not None else None, better=None),
    help=shell.definition("requests-received"),
    border=True,
    width=shell.TILE_WIDTH,
)
tiles.metric(
    "Closed on time",
    percent(summary["on_time_rate"]),
    **(change(summary["on_time_rate"], before["on_time_rate"], "points", "higher") if earlier is not None else {
        # "of 1 closed" reads right in both numbers
        "delta": f"of {shell.count_text(summary['closed'])} closed", "delta_color": "off", "delta_arrow": "off"}),
    help=f"{shell.requests(summary['closed'])} completed or denied with a closing date." + "\n\n" + shell.definition("requests-on-time"),
    border=True,
    width=shell.TILE_WIDTH,
)
tiles.metric(
    "Median days to close",
    days(summary["median_days_to_close"]),
    **(change(summary["median_days_to_close"], before["median_days_to_close"], "days") if earlier is not None else {
        "delta": None if pd.isna(summary["mean_days_to_close"]) else f"mean {days(summary['mean_days_to_close'])}",
        "delta_color": "off", "delta_arrow": "off"}),
    help=shell.definition("requests-median-days"),
    border=True,
    width=shell.TILE_WIDTH,
)

st.subheader(f"Deadlines at the end of {end}")
st.caption(
    f"Every request still open at the end of {end}, wherever in time it was received: overdue, due within "
    f"{plural(soon_days, 'day')} (the due-soon setting), or on track."
)
tiles = shell.tile_row()
tiles.metric(f"Open at {end}", shell.count_text(whole["open_at_end"]),
             **change(whole["open_at_end"], before_whole["open_at_end"] if earlier is not None else None),
             help=shell.definition("requests-open-at-end"), border=True, width=shell.TILE_WIDTH)
tiles.metric(f"Overdue at {end}", shell.count_text(metrics.overdue_count(overdue)),
             **change(metrics.overdue_count(overdue), before_overdue if earlier is not None else None),
             help=shell.definition("requests-overdue"), border=True, width=shell.TILE_WIDTH)
tiles.metric(f"Due in the next {plural(soon_days, 'day')}", shell.count_text(whole["due_soon"]),
             **change(whole["due_soon"], before_whole["due_soon"] if earlier is not None else None),
             help=shell.definition("requests-due-soon"), border=True, width=shell.TILE_WIDTH)
tiles.metric("On track", shell.count_text(whole["on_track"]), help=shell.definition("requests-on-track"),
             border=True, width=shell.TILE_WIDTH)
tiles.metric(
    "Projected late",
    shell.count_text(forecast["projected_late"]),
    f"at {shell.count_text(forecast['closed_last_30_days'])} closed in 30 days",
    delta_color="off",
    delta_arrow="off",
    help=shell.definition("requests-forecast"),
    border=True,
    width=shell.TILE_WIDTH,
)
if small_counts.any_counted(health["open_at_end"]):
    clear = forecast["projected_clear_date"]
    st.caption(
        ":material/trending_up: A projection, not a prediction: if requests kept closing at the pace of the 30 days "
        f"to {end} and in order of due date, " + (
            f"the last open request would close on {day(clear)}." if not pd.isna(clear)
            else "nothing would close: no request closed in those 30 days.")
    )
    long = deadlines.health_long(health)
    shell.show_chart((deadlines.health_chart, long, end, {"due_soon_days": soon_days, "min_cell": shell.min_cell()}),
                     long, "Open requests by deadline health", about="requests", key="requests-health",
                     period=f"at the end of {end} (UTC); due soon is within {plural(soon_days, 'day')}")
else:
    st.success(f"No request is open at the end of {end}.", icon=":material/check_circle:")


def open_list(frame: pd.DataFrame, health_key: str, total_column: str, what: str) -> None:
    """The overdue or due-soon list: the first 1,000 of them, with their download. While small counts are hidden,
    a list shorter than min_cell is for analysts only: its length would give the hidden count away."""
    total = metrics.list_total(frame, total_column)
    if frame.empty:
        st.success(f"No request is {what}.", icon=":material/check_circle:")
        return
    if pd.isna(total) and not access.current().may_change:
        st.info(f"Fewer than {shell.min_cell()} requests are {what}. While small counts are hidden, only analysts "
                "see which.", icon=":material/visibility_off:")
        return
    listed = deadlines.listed(frame, health_key)
    first = "the longest overdue" if health_key == "overdue" else "the soonest due"
    shown = (f"The {len(listed):,} {first.removeprefix('the ')} of {plural(total, 'open request')} {what}; narrow "
             "the sidebar's request filters to list the others." if not pd.isna(total) and total > len(listed)
             else f"Open requests {what}, {first} first.")
    st.caption(f"{shown} Request IDs are those of the exports.")
    shell.show_table(listed)
    shell.download_buttons(f"requests-{health_key.replace('_', '-')}",
                           shell.document(f"Requests {what} at the end of {end}", "requests"), data=listed)


soon_total = shell.count_text(metrics.list_total(due_soon, "due_soon_total"))
overdue_tab, soon_tab = st.tabs([f"Overdue ({shell.count_text(metrics.overdue_count(overdue))})",
                                 f"Due in the next {plural(soon_days, 'day')} ({soon_total})"])
with overdue_tab:
    open_list(overdue, "overdue", "overdue_total", "overdue")
with soon_tab:
    open_list(due_soon, "due_soon", "due_soon_total", f"due within {plural(soon_days, 'day')}")

st.subheader(f"Volume over the twelve months to {filters.end:%B %Y}")
if trailing.empty:
    shell.no_data("No request type is stored for these filters.")
else:
    volume = charts.with_month_labels(charts.with_type_labels(trailing))
    compared = {}
    if earlier is not None:
        laid = earlier.laid_over(shell.figure("requests_trailing_12_months", earlier.filters))
        if laid is not None:
            compared = {"earlier": charts.with_month_labels(laid), "earlier_label": earlier.words}
    shell.show_chart((charts.trailing_volume_chart, volume, f"{filters.end:%B %Y}", {"min_cell": shell.min_cell(),
                                                                                   **compared,
                                                                                   "markers": chart_markers.for_requests_volume()}),
                     volume, "Requests received per month by type", about="requests", key="requests-trailing-12-months",
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
    if earlier is not None:
        st.caption(f"With each type's figures over {earlier.words}, and the change on them.")
        labelled = comparisons.changes(labelled, shell.figure("requests_by_type", earlier.filters), ["request_type"],
                                       ["received", "on_time_rate", "median_days_to_close"], counts=("received",))
    shell.show_table(labelled)

st.subheader("Denials by reason")
denials = shell.figure("requests_denials", filters)
if denials.empty:
    shell.no_data("No request received in this range was denied.")
else:
    st.caption(f"Requests received {period} that were denied, by the grounds CCPA section 7102(a)(2) names, from "
               "each denial's reason as the export wrote it (data/words.toml says which words mean which ground).")
    grounds = denial_charts.with_labels(denials)
    shell.show_chart((denial_charts.denials_chart, grounds, period, {"min_cell": shell.min_cell()}), grounds,
                     "Denied requests by ground", about="requests", key="requests-denials")

st.subheader("By jurisdiction")
if by_law.empty:
    shell.no_data("No request was received in this range or is open at its end.")
else:
    st.caption(f"Requests received {period} under each law, how they ended and how fast; and of each law's requests "
               f"open at the end of {end}, those overdue and those due within {plural(soon_days, 'day')}.")
    laws = deadlines.by_jurisdiction(by_law)
    shell.show_table(laws)
    shell.download_buttons("requests-by-jurisdiction", shell.document("Requests by jurisdiction", "requests"),
                           data=laws)

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
