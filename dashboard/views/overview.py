"""Overview: the headline figures of consent, requests and policy versions, and one chart per area."""

import pandas as pd
import streamlit as st

from dashboard import alerts, comparisons, labels, metrics, settings, shell
from dashboard.charts import consent as consent_charts
from dashboard.charts import policy as policy_charts
from dashboard.charts import requests as request_charts
from dashboard.formatting import as_text, day, percent
from dashboard.views import chart_markers

filters = shell.current_filters()
period = shell.period_text(filters)
end = day(filters.end)
twelve_months = f"12 months to {filters.end:%b %Y}"

st.title("Privacy overview")
st.caption(
    f"{day(filters.start)} to {end} (UTC). Consent standing and overdue requests are taken at the end of the "
    f"range; the requests volume covers the twelve calendar months to {filters.end:%B %Y}."
)

# Alerts (alerts.py, the settings' [alerts] rules) for the month holding the range's end, every filter aside.
st.subheader("Alerts")
try:
    fired = alerts.evaluate(shell.connection(), filters.end, settings.alert_rules(), min_cell=shell.min_cell(),
                            due_soon_days=filters.due_soon_days,
                            run=lambda name, parameters: shell.query(name, exact=True, **parameters))
except settings.SettingError as error:
    st.warning(f"The alerts are not checked: {as_text(str(error))}", icon=":material/error:")
else:
    for alert in fired:
        st.warning(f"{as_text(alert.sentence)}. [Open the view]({alert.link})", icon=":material/notifications_active:")
    if not fired:
        st.success(f"No alert for {filters.end:%B %Y}.", icon=":material/notifications_none:")


# Standing consent at the end of the range against the end of the day before it began (overview_consent).
standing = shell.figure("overview_consent", filters)

st.subheader("Consent")
purpose_tiles = shell.tile_row()
for tile in standing.itertuples(index=False):
    purpose_tiles.metric(
        f"{labels.name('purpose', tile.purpose)}: opted in",
        percent(tile.standing_opt_in_rate),
        comparisons.points_text(tile.standing_opt_in_change),
        help=f"Standing consent at the end of {end}: the share of the {shell.people(tile.standing_subjects)} with a "
        "choice on record whose latest choice is opt-in. The change is against the day before the range.",
        border=True,
        width=shell.TILE_WIDTH,
    )

trend = shell.figure("consent_monthly_trend", filters)
trend = trend[trend["purpose"].isin(standing["purpose"])]
if trend.empty:
    shell.no_data("No consent choices in this range.")
else:
    trend = consent_charts.with_purpose_labels(trend)
    shell.show_chart((consent_charts.monthly_trend_chart, trend, "standing", period,
                      {"min_cell": shell.min_cell(), "markers": chart_markers.for_chart()}), trend,
                     "Standing opt-in rate by month", about="consent", key="overview-consent-trend")

# Requests: the trailing twelve months against the twelve before them.
st.subheader("Requests")
trailing = shell.figure("requests_trailing_12_months", filters)
received = shell.figure("overview_requests", filters).iloc[0]
overdue = shell.figure("requests_overdue", filters)
summary = shell.figure("requests_summary", filters).iloc[0]

tiles = shell.tile_row()
tiles.metric(
    f"Requests, {twelve_months}",
    shell.count_text(received["received"]),
    # No change beside a hidden count: it would give the count away (overview_requests leaves it out).
    None if pd.isna(received["received_change"]) else f"{received['received_change']:+,} on the 12 before",
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
    shell.show_chart((request_charts.trailing_volume_chart, volume, f"{filters.end:%B %Y}",
                      {"min_cell": shell.min_cell(), "markers": chart_markers.for_requests_volume()}),
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
    shell.show_chart((policy_charts.version_mix_chart, mix, versions, {"period": period, "min_cell": shell.min_cell(),
                      "markers": chart_markers.for_chart(area="policy")}), mix,
                     "Policy version mix by month", about="policy", key="overview-version-mix")
