"""Consent: opt-in rates per purpose, choices made in the range beside standing consent, by month, channel, region."""

import pandas as pd
import streamlit as st

from dashboard import shell
from dashboard.charts import consent as charts

filters = shell.current_filters()

TILES_PER_ROW = 4
TREND_CHOICES = {"standing": "Standing at month end", "decision": "Choices made that month"}


def percent(rate) -> str:
    return "–" if rate is None or pd.isna(rate) else f"{rate:.1%}"


period = f"{filters.start:%d %b %Y} – {filters.end:%d %b %Y} (UTC)"
st.title("Consent")
st.caption(
    f"What people agree to, purpose by purpose: the choices they made from {filters.start:%d %b %Y} to "
    f"{filters.end:%d %b %Y}, and where consent stands at the end of {filters.end:%d %b %Y} (UTC)."
)

catalogue = shell.query("purpose_catalogue")
labels = dict(zip(catalogue["purpose"], catalogue["label"], strict=True))
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

purposes = charts.with_purpose_labels(by_purpose, labels)
trend = charts.with_purpose_labels(shell.figure("consent_monthly_trend", filters), labels)

# Tiles: standing consent at the end of the range, with its monthly course as a sparkline.
st.subheader(f"Opted in at the end of {filters.end:%d %b %Y}")
tiles_per_row = min(len(purposes), TILES_PER_ROW)
for first in range(0, len(purposes), tiles_per_row):
    row_purposes = purposes.iloc[first:first + tiles_per_row].itertuples(index=False)
    for column, purpose in zip(st.columns(tiles_per_row), row_purposes, strict=False):
        monthly = trend.loc[trend["purpose"] == purpose.purpose, "standing_opt_in_rate"].dropna().tolist()
        basis = (bases.get(purpose.purpose) or "not in the purpose catalogue").replace("_", " ")
        choices_made = "none" if purpose.choices is not pd.NA and not purpose.choices else (
            f"{percent(purpose.decision_opt_in_rate)} were opt-ins ({shell.count_text(purpose.opt_ins)} of "
            f"{shell.count_text(purpose.choices)} choices)"
        )
        # The catalogue's labels are sentences; a tile has room for a name.
        column.metric(
            charts.purpose_in_words(purpose.purpose),
            percent(purpose.standing_opt_in_rate),
            f"of {shell.count_text(purpose.standing_subjects)} people",
            delta_color="off",
            delta_arrow="off",
            help=(
                f"**{purpose.purpose_label}**\n\n"
                f"**Standing consent** at the end of {filters.end:%d %b %Y}: {shell.count_text(purpose.standing_opt_ins)} "
                f"of the {shell.count_text(purpose.standing_subjects)} people with a choice on record have opted in "
                "as their latest "
                f"choice.\n\n**Choices made in the range**: {choices_made}.\n\nThe line is the standing rate at "
                f"each month's end. Legal basis: {basis}."
            ),
            border=True,
            chart_data=monthly or None,
        )

st.subheader("Choices in the range and standing at its end")
rates = charts.rates_side_by_side(purposes)
shell.show_chart(charts.opt_in_rates_chart(rates, period, min_cell=shell.min_cell()), rates, "Opt-in rate by purpose", key="consent-by-purpose")

st.subheader("Month by month")
trend_rate = st.segmented_control(
    "Rate", list(TREND_CHOICES), default="standing", format_func=TREND_CHOICES.get, key="consent-trend-rate",
    required=True, label_visibility="collapsed",
) or "standing"
if trend.empty:
    shell.no_data()
else:
    shell.show_chart(charts.monthly_trend_chart(trend, trend_rate, period, min_cell=shell.min_cell()), trend,
                     "Opt-in rate by month and purpose", key="consent-monthly-trend")

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
    breakdown = charts.with_purpose_labels(breakdown, labels)
    shell.show_chart(charts.breakdown_chart(breakdown, dimension, period, min_cell=shell.min_cell()), breakdown,
                     f"Opt-in rate by purpose and {dimension}", key=f"consent-by-{dimension}")

st.subheader("Figures by purpose")
number, count = st.column_config.NumberColumn, shell.count_column
st.dataframe(
    shell.table(purposes),
    hide_index=True,
    width="stretch",
    column_order=["purpose_label", "opt_ins", "opt_outs", "choices", "decision_opt_in_rate", "standing_subjects",
                  "standing_opt_ins", "standing_opt_in_rate"],
    column_config={
        "purpose_label": st.column_config.TextColumn("Purpose", pinned=True),
        "opt_ins": count("Opt-ins", help="Opt-in choices made in the range."),
        "opt_outs": count("Opt-outs", help="Opt-out choices made in the range."),
        "choices": count("Choices", help="Opt-ins and opt-outs made in the range."),
        "decision_opt_in_rate": number("Opt-in rate of choices", format="percent",
                                       help="Opt-ins ÷ choices made in the range."),
        "standing_subjects": count("People with a choice",
                                   help=f"People with an opt-in or opt-out on record at the end of "
                                        f"{filters.end:%d %b %Y}."),
        "standing_opt_ins": count("Opted in at end", help="Of those, the people whose latest choice is an opt-in."),
        "standing_opt_in_rate": number("Standing opt-in rate", format="percent",
                                       help="Opted in at end ÷ people with a choice."),
    },
)
