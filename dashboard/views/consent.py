"""Consent: opt-in rates per purpose, choices made in the range beside standing consent, by month, channel, region."""

import pandas as pd
import streamlit as st

from dashboard import labels, shell
from dashboard.charts import consent as charts
from dashboard.formatting import day, percent
from dashboard.views import chart_markers

filters = shell.current_filters()

TREND_CHOICES = {"standing": "Standing at month end", "decision": "Choices made that month"}

period = shell.period_text(filters)
end = day(filters.end)
st.title("Consent")
st.caption(
    f"What people agree to, purpose by purpose: the choices they made from {day(filters.start)} to {end}, and "
    f"where consent stands at the end of {end} (UTC)."
)

catalogue = shell.query("purpose_catalogue")
bases = dict(zip(catalogue["purpose"], catalogue["basis"], strict=True))
necessary = catalogue.loc[catalogue["basis"] == "necessary", "label"].tolist()
if necessary:
    st.caption(
        ":material/info: Necessary purposes are acknowledged, not chosen, so they have no opt-in rate: "
        + " · ".join(necessary) + "."
    )

by_purpose = shell.figure("consent_by_purpose", filters)
if by_purpose.empty:
    shell.no_data("No opt-in or opt-out choice was made up to the end of this range. "
                  "Widen the dates or clear a filter in the sidebar.")
    st.stop()

purposes = charts.with_purpose_labels(by_purpose)
trend = charts.with_purpose_labels(shell.figure("consent_monthly_trend", filters))

# Tiles: standing consent at the end of the range, with its monthly course as a sparkline.
st.subheader(f"Opted in at the end of {end}")
tiles = shell.tile_row()
for purpose in purposes.itertuples(index=False):
    monthly = trend.loc[trend["purpose"] == purpose.purpose, "standing_opt_in_rate"].dropna().tolist()
    basis = (bases.get(purpose.purpose) or "not in the purpose catalogue").replace("_", " ")
    choices_made = "none" if purpose.choices is not pd.NA and not purpose.choices else (
        f"{percent(purpose.decision_opt_in_rate)} were opt-ins ({shell.count_text(purpose.opt_ins)} of "
        f"{shell.count_text(purpose.choices)} choices)"
    )
    wording = labels.description(purpose.purpose)
    tiles.metric(
        labels.name("purpose", purpose.purpose),
        percent(purpose.standing_opt_in_rate),
        f"of {shell.people(purpose.standing_subjects)}",
        delta_color="off",
        delta_arrow="off",
        help=(
            f"**{purpose.purpose_label}**" + (f" ({wording})" if wording else "") + "\n\n"
            f"**Standing consent** at the end of {end}: {shell.count_text(purpose.standing_opt_ins)} "
            f"of the {shell.people(purpose.standing_subjects)} with a choice on record have opted in "
            "as their latest "
            f"choice.\n\n**Choices made in the range**: {choices_made}.\n\nThe line is the standing rate at "
            f"each month's end. Legal basis: {basis}."
        ),
        border=True,
        chart_data=monthly or None,
        width=shell.TILE_WIDTH,
    )

st.subheader("Choices in the range and standing at its end")
rates = charts.rates_side_by_side(purposes)
shell.show_chart((charts.opt_in_rates_chart, rates, period, {"min_cell": shell.min_cell()}), rates, "Opt-in rate by purpose",
                 about="consent", key="consent-by-purpose")

st.subheader("Who was shown a notice")
reach = shell.figure("consent_reach", filters)
if reach.empty:
    st.info("The exports loaded hold no notice views in this range (rows a consent tool records when it shows a "
            "banner or applies a default without a choice), so who was asked and did not choose cannot be counted. "
            "Tools that export them: Usercentrics, Commanders Act, Transcend.", icon=":material/visibility_off:")
else:
    st.caption(f"People shown a notice {period}, and of them those who made an opt-in or opt-out choice in the same "
               "range; the rest made none. Notice is the banner itself, where a view names no purpose.")
    shown = charts.with_purpose_labels(reach)
    shell.show_table(shown)
    shell.download_buttons("consent-reach", shell.document("Who was shown a notice", "consent"), data=shown)

st.subheader("Month by month")
trend_rate = st.segmented_control(
    "Rate", list(TREND_CHOICES), default="standing", format_func=TREND_CHOICES.get, key="consent-trend-rate",
    required=True, label_visibility="collapsed",
) or "standing"
if trend.empty:
    shell.no_data()
else:
    shell.show_chart((charts.monthly_trend_chart, trend, trend_rate, period,
                      {"min_cell": shell.min_cell(), "markers": chart_markers.for_chart()}), trend,
                     "Opt-in rate by month and purpose", about="consent", key="consent-monthly-trend")

st.subheader("By channel and by region")
st.caption(
    "The share of the choices made in the range that were opt-ins, by the channel a choice came through and the "
    "region of the person making it. A choice with no channel or region recorded is counted under 'unknown'."
)
for dimension, figure_name in (("channel", "consent_by_channel"), ("region", "consent_by_region")):
    breakdown = shell.figure(figure_name, filters)
    if breakdown.empty:
        shell.no_data(f"No opt-in or opt-out choice was made in this range, so there is nothing to show by "
                      f"{dimension}.")
        continue
    breakdown = charts.with_purpose_labels(breakdown)
    shell.show_chart((charts.breakdown_chart, breakdown, dimension, period, {"min_cell": shell.min_cell()}), breakdown,
                     f"Opt-in rate by purpose and {dimension}", about="consent", key=f"consent-by-{dimension}")

st.subheader("Figures by purpose")
shell.show_table(purposes)
