"""Consent charts: opt-in rates by purpose, their monthly trend, and the choices by channel and by region."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from dashboard.charts.palette import OKABE_ITO, purpose_colour
from dashboard.small_counts import is_hidden, with_count_labels

CHOICES_IN_RANGE = "Choices made in the range"
STANDING_AT_END = "Standing at the end"
MEASURES = [CHOICES_IN_RANGE, STANDING_AT_END]

# The two opt-in rates of metrics.md, each with the counts it is made of.
TREND_RATES = {
    "standing": {
        "column": "standing_opt_in_rate", "opted_in": "standing_opt_ins", "denominator": "standing_subjects",
        "title": "Standing opt-in rate at each month's end, by purpose",
        "axis": "Opted in at month end", "opted_in_title": "People opted in",
        "denominator_title": "People with a choice",
    },
    "decision": {
        "column": "decision_opt_in_rate", "opted_in": "opt_ins", "denominator": "choices",
        "title": "Opt-in rate of the choices made each month, by purpose",
        "axis": "Opt-in share of choices", "opted_in_title": "Opt-ins", "denominator_title": "Choices made",
    },
}

# Fill the page's width; the height given is the plot's own, titles and legends come on top of it
# (Streamlit would otherwise squeeze a layered chart's plot to make everything fit one height).
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")

# Heatmap cells darker than this carry white text.
DARK_CELL = 0.8


def purpose_in_words(purpose: str) -> str:
    """A purpose key as a short name: `research_development` is "Research development"."""
    return purpose.replace("_", " ").capitalize()


def purpose_label(purpose: str, labels: dict[str, str]) -> str:
    """The catalogue's label of a purpose, or its key in words when the catalogue lacks it."""
    return labels.get(purpose) or purpose_in_words(purpose)


def with_purpose_labels(frame: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """The query's frame with each purpose's label and, where it has choices, their count (the denominator
    of decision_opt_in_rate), in the policy's purpose order. The query's own columns are kept as they are."""
    labelled = frame.copy()
    names = [purpose_label(key, labels) for key in labelled["purpose"]]
    labelled.insert(labelled.columns.get_loc("purpose") + 1, "purpose_label", names)
    if {"opt_ins", "opt_outs"} <= set(labelled.columns) and "choices" not in labelled.columns:
        at = labelled.columns.get_loc("opt_outs") + 1
        labelled.insert(at, "choices", labelled["opt_ins"] + labelled["opt_outs"])
    order = {key: position for position, key in enumerate(purpose_colour(labelled["purpose"]).domain)}
    labelled["_order"] = labelled["purpose"].map(order)
    by = ["month", "_order"] if "month" in labelled.columns else ["_order"]
    return labelled.sort_values(by, kind="stable").drop(columns="_order").reset_index(drop=True)


def rates_side_by_side(by_purpose: pd.DataFrame) -> pd.DataFrame:
    """consent_by_purpose (labelled) in long form: one row per purpose and rate, with its denominator."""
    rows = []
    for row in by_purpose.itertuples(index=False):
        rows.append({
            "purpose": row.purpose, "purpose_label": row.purpose_label, "measure": CHOICES_IN_RANGE,
            "opt_in_rate": row.decision_opt_in_rate, "opted_in": row.opt_ins, "denominator": row.choices,
            "denominator_unit": "choices",
        })
        rows.append({
            "purpose": row.purpose, "purpose_label": row.purpose_label, "measure": STANDING_AT_END,
            "opt_in_rate": row.standing_opt_in_rate, "opted_in": row.standing_opt_ins,
            "denominator": row.standing_subjects, "denominator_unit": "people",
        })
    long = pd.DataFrame(rows, columns=["purpose", "purpose_label", "measure", "opt_in_rate", "opted_in",
                                       "denominator", "denominator_unit"])
    long["rate_label"] = [_rate_label(rate, denominator, unit) for rate, denominator, unit in zip(
        long["opt_in_rate"], long["denominator"], long["denominator_unit"], strict=True)]
    return long


def _rate_label(rate, denominator, unit: str) -> str:
    if pd.notna(rate):
        return f"{rate:.1%} of {int(denominator):,} {unit}"
    if is_hidden(denominator) or denominator:
        return f"too few {unit} to show"  # hidden by the small-count setting
    return f"no {unit} to count"


def _labels_in_order(frame: pd.DataFrame) -> list[str]:
    """The purpose labels a frame holds, in the order of its rows (with_purpose_labels sorts them)."""
    return list(dict.fromkeys(frame["purpose_label"]))


def _purpose_legend(frame: pd.DataFrame) -> alt.Legend:
    """A legend of the purposes a chart shows, named by their labels (the scale keeps every known key)."""
    pairs = dict(zip(frame["purpose"], frame["purpose_label"], strict=True))
    expression = "datum.label"
    for key, label in reversed(pairs.items()):
        expression = f"datum.label === {json.dumps(key)} ? {json.dumps(label)} : ({expression})"
    return alt.Legend(title="Purpose", values=list(pairs), labelExpr=expression, labelLimit=320, orient="bottom",
                      columns=1)


def _purpose_colour(frame: pd.DataFrame, legend: alt.Legend | None = None) -> alt.Color:
    return alt.Color("purpose:N", scale=purpose_colour(frame["purpose"].unique()), legend=legend)


def _title(text: str, period: str | None) -> alt.Title:
    return alt.Title(text, subtitle=period or "", anchor="start")


def _rate_axis(field: str) -> alt.X:
    # Room on the right of the bars for their labels; the axis stops at 100%.
    return alt.X(f"{field}:Q", title="Opt-in rate", scale=alt.Scale(domain=[0, 1.35], nice=False),
                 axis=alt.Axis(format="%", values=[0, 0.2, 0.4, 0.6, 0.8, 1.0]))


def opt_in_rates_chart(rates: pd.DataFrame, period: str | None = None, *, min_cell: int = 0) -> alt.LayerChart:
    """Per purpose, the opt-in rate of the choices made in the range beside standing consent at its end,
    each bar labelled with its denominator. Takes rates_side_by_side's frame."""
    purposes = _labels_in_order(rates)
    rates = with_count_labels(rates, ("opted_in", "denominator"), min_cell)
    base = alt.Chart(rates).encode(
        y=alt.Y("purpose_label:N", sort=purposes, title=None, axis=alt.Axis(labelLimit=320)),
        yOffset=alt.YOffset("measure:N", sort=MEASURES, scale=alt.Scale(domain=MEASURES)),
        x=_rate_axis("opt_in_rate"),
        tooltip=[
            alt.Tooltip("purpose_label:N", title="Purpose"),
            alt.Tooltip("measure:N", title="Measure"),
            alt.Tooltip("opt_in_rate:Q", title="Opt-in rate", format=".1%"),
            alt.Tooltip("opted_in_label:N", title="Opted in"),
            alt.Tooltip("denominator_label:N", title="Out of"),
            alt.Tooltip("denominator_unit:N", title="Counted in"),
        ],
    )
    bars = base.mark_bar().encode(
        color=_purpose_colour(rates),
        opacity=alt.Opacity("measure:N", sort=MEASURES, title=None,
                            scale=alt.Scale(domain=MEASURES, range=[0.5, 1.0]),
                            legend=alt.Legend(orient="bottom", symbolType="square")),
    )
    # A bar without a rate (no choice in the range) still gets its label, at zero, saying why.
    labels = base.mark_text(align="left", baseline="middle", dx=4, fontSize=11).transform_calculate(
        label_at="isValid(datum.opt_in_rate) ? datum.opt_in_rate : 0"
    ).encode(x=_rate_axis("label_at"), text=alt.Text("rate_label:N"))
    return alt.layer(bars, labels, data=rates).properties(
        title=_title("Opt-in rate by purpose: choices made in the range and standing consent at its end", period),
        height=70 * len(purposes), autosize=FIT_WIDTH,
    )


def monthly_trend_chart(trend: pd.DataFrame, rate: str = "standing", period: str | None = None, *,
                        min_cell: int = 0) -> alt.Chart:
    """One line per purpose over the months of consent_monthly_trend (labelled): the standing opt-in rate at
    each month's end, or the opt-in rate of the choices made that month."""
    measure = TREND_RATES[rate]
    trend = with_count_labels(trend, (measure["opted_in"], measure["denominator"]), min_cell)
    return alt.Chart(trend).mark_line(point=True).encode(
        x=alt.X("month:T", timeUnit="utcyearmonth", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0)),
        y=alt.Y(f"{measure['column']}:Q", title=measure["axis"], axis=alt.Axis(format="%"),
                scale=alt.Scale(domain=[0, 1])),
        color=_purpose_colour(trend, _purpose_legend(trend)),
        tooltip=[
            alt.Tooltip("month:T", timeUnit="utcyearmonth", title="Month", format="%B %Y"),
            alt.Tooltip("purpose_label:N", title="Purpose"),
            alt.Tooltip(f"{measure['column']}:Q", title="Opt-in rate", format=".1%"),
            alt.Tooltip(f"{measure['opted_in']}_label:N", title=measure["opted_in_title"]),
            alt.Tooltip(f"{measure['denominator']}_label:N", title=measure["denominator_title"]),
        ],
    ).properties(title=_title(measure["title"], period), height=320, autosize=FIT_WIDTH)


def breakdown_chart(breakdown: pd.DataFrame, dimension: str, period: str | None = None, *,
                    min_cell: int = 0) -> alt.LayerChart:
    """A heatmap of the opt-in rate of choices per purpose and channel or region (consent_by_channel or
    consent_by_region, labelled), each cell with its rate and the number of choices it is taken over."""
    name = dimension.replace("_", " ")
    purposes = _labels_in_order(breakdown)
    breakdown = with_count_labels(breakdown, ("opt_ins", "opt_outs", "choices"), min_cell)
    base = alt.Chart(breakdown).encode(
        x=alt.X(f"{dimension}:N", title=name.capitalize(), sort="ascending", axis=alt.Axis(labelAngle=0,
                                                                                          orient="top")),
        y=alt.Y("purpose_label:N", sort=purposes, title=None, axis=alt.Axis(labelLimit=320)),
        tooltip=[
            alt.Tooltip("purpose_label:N", title="Purpose"),
            alt.Tooltip(f"{dimension}:N", title=name.capitalize()),
            alt.Tooltip("decision_opt_in_rate:Q", title="Opt-in rate", format=".1%"),
            alt.Tooltip("opt_ins_label:N", title="Opt-ins"),
            alt.Tooltip("opt_outs_label:N", title="Opt-outs"),
            alt.Tooltip("choices_label:N", title="Choices made"),
        ],
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("decision_opt_in_rate:Q", title="Opt-in rate of choices",
                        # One hue from light to dark: ordered, and readable with any colour vision.
                        scale=alt.Scale(domain=[0, 1], range=["#F2F7FB", OKABE_ITO[0]]),
                        legend=alt.Legend(format="%", orient="bottom", gradientLength=240)),
    )
    text_colour = alt.when(f"datum.decision_opt_in_rate >= {DARK_CELL}").then(alt.value("white")).otherwise(
        alt.value("black"))
    rates = base.mark_text(baseline="bottom", dy=1, fontSize=12, fontWeight="bold").encode(
        text=alt.Text("decision_opt_in_rate:Q", format=".1%"), color=text_colour,
    )
    counts = base.mark_text(baseline="top", dy=3, fontSize=10).transform_calculate(
        of_choices="'of ' + datum.choices_label"
    ).encode(text=alt.Text("of_choices:N"), color=text_colour)
    return alt.layer(cells, rates, counts, data=breakdown).properties(
        title=_title(f"Opt-in rate of choices made in the range, by purpose and {name}", period),
        height=alt.Step(44), autosize=FIT_WIDTH,
    )
