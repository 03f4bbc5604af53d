"""Consent: opt-in rates per purpose, choices made in the range beside standing consent, by month, channel, region."""

import pandas as pd
import streamlit as st

from dashboard import comparisons, labels, shell
from dashboard.charts import consent as charts
from dashboard.charts import methods as method_charts
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
# The range chosen under "Compare with": its figures beside these, its months laid over these in the trend.
earlier = shell.earlier()
if earlier is not None:
    earlier_purposes = charts.with_purpose_labels(shell.figure("consent_by_purpose", earlier.filters))
    earlier_trend = earlier.laid_over(charts.with_purpose_labels(shell.figure("consent_monthly_trend", earlier.filters)))
    st.caption(f":material/compare_arrows: Set against {earlier.words}: the change is beside each figure, and the "
               "monthly chart draws the earlier months as faded dashed lines.")
    changed = comparisons.changes(purposes, earlier_purposes, ["purpose"],
                                  ["decision_opt_in_rate", "standing_opt_in_rate"]).set_index("purpose")

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
    moved = changed.at[purpose.purpose, "standing_opt_in_rate_vs_earlier"] if earlier is not None else None
    against = (f"\n\n**Change**: {comparisons.points_text(moved) or 'none to give'} on the standing rate at the end "
               f"of {day(earlier.filters.end)} "
               f"({percent(changed.at[purpose.purpose, 'standing_opt_in_rate_earlier'])}), {earlier.words}."
               if earlier is not None else "")
    tiles.metric(
        labels.name("purpose", purpose.purpose),
        percent(purpose.standing_opt_in_rate),
        **(earlier.tile(purpose.standing_opt_in_rate, changed.at[purpose.purpose, "standing_opt_in_rate_earlier"],
                        "points", better=None) if earlier is not None else {
            "delta": f"of {shell.people(purpose.standing_subjects)}", "delta_color": "off", "delta_arrow": "off"}),
        help=(
            f"**{purpose.purpose_label}**" + (f" ({wording})" if wording else "") + "\n\n"
            f"**Standing consent** at the end of {end}: {shell.count_text(purpose.standing_opt_ins)} "
            f"of the {shell.people(purpose.standing_subjects)} with a choice on record have opted in "
            "as their latest "
            f"choice.\n\n**Choices made in the range**: {choices_made}.\n\nThe line is the standing rate at "
            f"each month's end. Legal basis: {basis}." + against
        ),
        border=True,
        chart_data=monthly or None,
        width=shell.TILE_WIDTH,
    )

st.subheader("Choices in the range and standing at its end")
rates = charts.rates_side_by_side(purposes, earlier_purposes if earlier is not None else None)
shell.show_chart((charts.opt_in_rates_chart, rates, period,
                  {"min_cell": shell.min_cell(), "earlier_label": earlier.words if earlier is not None else None}),
                 rates, "Opt-in rate by purpose", about="consent", key="consent-by-purpose")

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
    if earlier is not None:
        # A purpose nobody was shown earlier: no one shown then, and no rate to set against.
        st.caption(f"With the people shown and the no-choice rate over {earlier.words}, and the changes.")
        shown = comparisons.changes(shown, shell.figure("consent_reach", earlier.filters), ["purpose"],
                                    ["people_shown", "no_choice_rate"], counts=("people_shown",))
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
    compared = {"earlier": earlier_trend, "earlier_label": earlier.words} if earlier is not None else {}
    shell.show_chart((charts.monthly_trend_chart, trend, trend_rate, period, {"min_cell": shell.min_cell(), **compared,
                                                                  "markers": chart_markers.for_chart()}),
                     trend, "Opt-in rate by month and purpose", about="consent", key="consent-monthly-trend")
    if earlier is not None and earlier_trend is None:
        st.caption(f"{earlier.words.capitalize()} ends in the same month as this range, so its months are not drawn "
                   "over these; its figures are beside the tiles and in the table below.")

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
if earlier is not None:
    st.caption(f"With each rate's figure over {earlier.words}, and the change on it in percentage points.")
    shell.show_table(changed.reset_index()[[*purposes.columns, "decision_opt_in_rate_earlier", "decision_opt_in_rate_vs_earlier",
                                            "standing_opt_in_rate_earlier", "standing_opt_in_rate_vs_earlier"]])
else:
    shell.show_table(purposes)

st.subheader("How people opted out")
methods = shell.figure("consent_by_method", filters)
if methods.empty:
    st.info("The exports loaded record no method for the choices in this range (how a choice was made: a Global "
            "Privacy Control signal, the banner, the preference centre, an e-mail link), so opt-outs by signal cannot "
            "be counted. Tools that export one: Fides (its consent report's method), Commanders Act (banner or "
            "privacy center); a plain file may carry a `method` column.", icon=":material/do_not_disturb_on:")
else:
    st.caption(f"The opt-outs made {period} by how each was made, as the exports record it, and the share of each "
               "purpose's opt-outs that a Global Privacy Control (GPC) signal from the person's browser made. Every "
               "opt-out counts, those with no method recorded too (Not recorded): the share is a floor where methods "
               "are missing.")
    by_method = method_charts.with_labels(methods)
    shares = method_charts.gpc_shares(by_method)
    # A GPC signal opts out of sale and sharing: the purposes it touched get a tile, the others one line.
    signalled = shares[shares["gpc_opt_outs"].isna() | (shares["gpc_opt_outs"] > 0)]
    untouched = shares.loc[~shares.index.isin(signalled.index), "purpose_label"].tolist()
    gpc_tiles = shell.tile_row()
    for share in signalled.itertuples(index=False):
        gpc_tiles.metric(
            f"{share.purpose_label}: opt-outs by GPC signal", percent(share.gpc_share),
            f"{shell.count_text(share.gpc_opt_outs)} of {shell.count_text(share.all_opt_outs)} opt-outs",
            delta_color="off", delta_arrow="off", border=True, width=shell.TILE_WIDTH,
            help=f"Of the opt-outs made for {share.purpose_label} {period}, the share a Global Privacy Control "
                 "signal made (opt-outs with no method recorded count in the whole).",
        )
    if untouched:
        st.caption("No opt-out of " + ", ".join(untouched) + f" was made by a GPC signal {period}.")
    shell.show_chart((method_charts.opt_outs_by_method_chart, by_method, period, {"min_cell": shell.min_cell()}),
                     by_method, "Opt-outs by how they were made, by purpose", about="consent", key="consent-by-method")
    by_region = method_charts.with_labels(shell.figure("consent_by_method_region", filters))
    st.caption(f"The share of the opt-outs made {period} that a GPC signal made, per region of the person choosing "
               "(Unknown where none is recorded), for the purposes GPC signals opted out of; the download holds every "
               "purpose and method.")
    region_shares = method_charts.gpc_shares(by_region)
    if not signalled.empty:
        shell.show_table(region_shares[region_shares["purpose"].isin(signalled["purpose"])])
    shell.download_buttons("consent-by-method-region",
                           shell.document("GPC share of opt-outs by region", "consent", period=period),
                           data=by_region)
