"""Overview: the headline figures of consent, requests and policy versions, and one chart per area."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboard import labels, metrics, shell
from dashboard.charts import consent as consent_charts
from dashboard.charts import policy as policy_charts
from dashboard.charts import requests as request_charts
from dashboard.formatting import day, percent
from dashboard.metrics import _year_before

filters = shell.current_filters()
period = shell.period_text(filters)
end = day(filters.end)
twelve_months = f"12 months to {filters.end:%b %Y}"

st.title("Privacy overview")
st.caption(
    f"{day(filters.start)} to {end} (UTC). Consent standing and overdue requests are taken at the end of the "
    f"range; the requests volume covers the twelve calendar months to {filters.end:%B %Y}."
)


def points(change) -> str | None:
    return None if change is None or pd.isna(change) else f"{change * 100:+.1f} pts"


# Standing consent at the end of the range against the end of the day before it began.
catalogue = shell.query("purpose_catalogue")
consent_based = catalogue[catalogue["basis"] == "consent"]
at_end = shell.figure("consent_by_purpose", filters).set_index("purpose")
day_before = filters.start - timedelta(days=1)
at_start = shell.figure("consent_by_purpose", filters.with_range(day_before, day_before)).set_index("purpose")

st.subheader("Consent")
purpose_tiles = shell.tile_row()
for purpose in consent_based["purpose"]:
    end_rate = at_end["standing_opt_in_rate"].get(purpose)
    start_rate = at_start["standing_opt_in_rate"].get(purpose)
    subjects = at_end["standing_subjects"].get(purpose, 0)
    change = None if end_rate is None or start_rate is None else end_rate - start_rate
    purpose_tiles.metric(
        f"{labels.name('purpose', purpose)}: opted in",
        percent(end_rate),
        points(change),
        help=f"Standing consent at the end of {end}: the share of the {shell.people(subjects)} with a choice on "
        "record whose latest choice is opt-in. The change is against the day before the range.",
        border=True,
        width=shell.TILE_WIDTH,
    )

trend = shell.figure("consent_monthly_trend", filters)
trend = trend[trend["purpose"].isin(consent_based["purpose"])]
if trend.empty:
    shell.no_data("No consent choices in this range.")
else:
    trend = consent_charts.with_purpose_labels(trend)
    shell.show_chart((consent_charts.monthly_trend_chart, trend, "standing", period, {"min_cell": shell.min_cell()}), trend,
                     "Standing opt-in rate by month", about="consent", key="overview-consent-trend")

# Requests: the trailing twelve months against the twelve before them.
st.subheader("Requests")
trailing = shell.figure("requests_trailing_12_months", filters)
year_earlier = _year_before(filters.end) - timedelta(days=1)
received = shell.total("requests_trailing_12_months", filters, "received")
received_before = shell.total("requests_trailing_12_months", filters.with_range(year_earlier, year_earlier), "received")
overdue = shell.figure("requests_overdue", filters)
summary = shell.figure("requests_summary", filters).iloc[0]

tiles = shell.tile_row()
tiles.metric(
    f"Requests, {twelve_months}",
    shell.count_text(received),
    # No change beside a hidden count: it would give the count away.
    None if pd.isna(received) or pd.isna(received_before) or not received_before
    else f"{received - received_before:+,} on the 12 before",
    delta_color="off",
    help=shell.definition("overview-requests-received"),
    border=True,
    width=shell.TILE_WIDTH,
)
tiles.metric(
    "Closed on time",
    percent(summary["on_time_rate"]),
    help=f"{shell.requests(summary['closed'])} completed or denied." + "\n\n" + shell.definition("overview-on-time"),
    border=True,
    width=shell.TILE_WIDTH,
)
tiles.metric(
    f"Overdue at {end}",
    shell.count_text(metrics.overdue_count(overdue)),
    help=shell.definition("overview-overdue"),
    border=True,
    width=shell.TILE_WIDTH,
)
if trailing.empty:
    shell.no_data("No requests in the store.")
else:
    volume = request_charts.with_month_labels(request_charts.with_type_labels(trailing))
    shell.show_chart((request_charts.trailing_volume_chart, volume, f"{filters.end:%B %Y}", {"min_cell": shell.min_cell()}),
                     volume, "Requests received per month", about="requests", key="overview-requests-volume",
                     period=shell.twelve_months_text(filters.end))

st.subheader("Policy versions")
versions = shell.figure("policy_versions", filters)
latest = versions[versions["is_latest"]]
if latest.empty:
    st.metric("On the latest policy", "–", border=True, width=shell.TILE_WIDTH)
else:
    row = latest.iloc[0]
    shell.tile_row().metric(
        "On the latest policy",
        percent(row["share_current"]),
        f"version {row['policy_version']}",
        delta_color="off",
        delta_arrow="off",
        help=f"Version {row['policy_version']}, the latest in force at {end}: {shell.people(row['subjects_current'])} "
        "whose latest consent record carries it, of everyone with a known version.",
        border=True,
        width=shell.TILE_WIDTH,
    )

mix = shell.figure("policy_version_mix", filters)
if mix.empty:
    shell.no_data("No policy versions in this range.")
else:
    shell.show_chart((policy_charts.version_mix_chart, mix, versions, {"period": period, "min_cell": shell.min_cell()}), mix,
                     "Policy version mix by month", about="policy", key="overview-version-mix")
