"""Overview: the headline figures of consent, requests and policy versions, and one chart per area."""

from datetime import timedelta

import pandas as pd
import streamlit as st

from dashboard import metrics, shell
from dashboard.charts import consent as consent_charts
from dashboard.charts import policy as policy_charts
from dashboard.charts import requests as request_charts
from dashboard.metrics import _year_before

filters = shell.current_filters()
period = f"{filters.start:%d %b %Y} – {filters.end:%d %b %Y}"

st.title("Privacy overview")
st.caption(
    f"{filters.start:%d %b %Y} to {filters.end:%d %b %Y} (UTC). Consent standing and overdue requests are "
    "taken at the end of the range; the requests volume covers the twelve months ending with it."
)


def percent(rate) -> str:
    return "–" if rate is None or pd.isna(rate) else f"{rate:.1%}"


def points(change) -> str | None:
    return None if change is None or pd.isna(change) else f"{change * 100:+.1f} pts"


# Standing consent at the end of the range against the end of the day before it began.
catalogue = shell.query("purpose_catalogue")
consent_based = catalogue[catalogue["basis"] == "consent"]
labels = dict(zip(catalogue["purpose"], catalogue["label"], strict=True))
at_end = shell.figure("consent_by_purpose", filters).set_index("purpose")
day_before = filters.start - timedelta(days=1)
at_start = shell.figure("consent_by_purpose", filters.with_range(day_before, day_before)).set_index("purpose")

st.subheader("Consent")
purpose_tiles = st.columns(max(len(consent_based), 1))
for column, purpose in zip(purpose_tiles, consent_based["purpose"], strict=False):
    end_rate = at_end["standing_opt_in_rate"].get(purpose)
    start_rate = at_start["standing_opt_in_rate"].get(purpose)
    subjects = at_end["standing_subjects"].get(purpose, 0)
    change = None if end_rate is None or start_rate is None else end_rate - start_rate
    column.metric(
        f"{labels.get(purpose, purpose)}: opted in",
        percent(end_rate),
        points(change),
        help=f"Standing consent at the end of {filters.end:%d %b %Y}: the share of the {shell.count_text(subjects)} people "
        "with a choice on record whose latest choice is opt-in. The change is against the day before the range.",
        border=True,
    )

trend = shell.figure("consent_monthly_trend", filters)
trend = trend[trend["purpose"].isin(consent_based["purpose"])]
if trend.empty:
    shell.no_data("No consent choices in this range.")
else:
    trend = consent_charts.with_purpose_labels(trend, labels)
    shell.show_chart(consent_charts.monthly_trend_chart(trend, "standing", period, min_cell=shell.min_cell()), trend,
                     "Standing opt-in rate by month", key="overview-consent-trend")

# Requests: the trailing twelve months against the twelve before them.
st.subheader("Requests")
trailing = shell.figure("requests_trailing_12_months", filters)
year_earlier = _year_before(filters.end) - timedelta(days=1)
received = shell.total("requests_trailing_12_months", filters, "received")
received_before = shell.total("requests_trailing_12_months", filters.with_range(year_earlier, year_earlier), "received")
overdue = shell.figure("requests_overdue", filters)
summary = shell.figure("requests_summary", filters).iloc[0]

tiles = st.columns(3)
tiles[0].metric(
    "Requests, last 12 months",
    shell.count_text(received),
    # No change beside a hidden count: it would give the count away.
    None if pd.isna(received) or pd.isna(received_before) or not received_before
    else f"{received - received_before:+,} on the 12 before",
    delta_color="off",
    help="Data-subject requests of every type (a combined request counts once per type) received in the "
    f"twelve calendar months ending {filters.end:%d %b %Y}.",
    border=True,
)
tiles[1].metric(
    "Closed on time",
    percent(summary["on_time_rate"]),
    help=f"Of the {shell.count_text(summary['closed'])} requests received in the range and completed or denied, the share "
    "closed on or before their due date (deadline of their law and type, extensions included).",
    border=True,
)
tiles[2].metric(
    "Overdue now",
    shell.count_text(metrics.overdue_count(overdue)),
    help=f"Requests still open at the end of {filters.end:%d %b %Y} whose due date has passed.",
    border=True,
)
if trailing.empty:
    shell.no_data("No requests in the store.")
else:
    volume = request_charts.with_month_labels(request_charts.with_type_labels(trailing))
    shell.show_chart(request_charts.trailing_volume_chart(volume, f"{filters.end:%d %b %Y}", min_cell=shell.min_cell()),
                     volume,
                     "Requests received per month", key="overview-requests-volume")

st.subheader("Policy versions")
versions = shell.figure("policy_versions", filters)
latest = versions[versions["is_latest"]]
if latest.empty:
    st.metric("On the latest policy", "–", border=True)
else:
    row = latest.iloc[0]
    st.columns(3)[0].metric(
        f"On policy {row['policy_version']}",
        percent(row["share_current"]),
        help=f"The latest version in force at {filters.end:%d %b %Y}: {shell.count_text(row['subjects_current'])} people "
        "whose latest consent record carries it, of everyone with a known version.",
        border=True,
    )

mix = shell.figure("policy_version_mix", filters)
if mix.empty:
    shell.no_data("No policy versions in this range.")
else:
    shell.show_chart(policy_charts.version_mix_chart(mix, versions, min_cell=shell.min_cell()), mix,
                     "Policy version mix by month",
                     key="overview-version-mix")
