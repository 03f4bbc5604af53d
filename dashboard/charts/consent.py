"""Consent charts: opt-in rates by purpose, their monthly trend, and the choices by channel and by region."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from dashboard import labels
from dashboard.charts import annotations
from dashboard.charts.palette import (
    EARLIER_DASH,
    EARLIER_OPACITY,
    FIT_WIDTH,
    SEQUENTIAL,
    description,
    legend,
    purpose_colour,
    title,
    top_axis,
    wrapped_labels,
)
from dashboard.comparisons import change, points_text
from dashboard.formatting import PERCENT_D3, percent, plural
from dashboard.small_counts import count_text, is_hidden, with_count_labels

CHOICES_IN_RANGE = "Choices made in the range"
STANDING_AT_END = "Standing at the end"
MEASURES = [CHOICES_IN_RANGE, STANDING_AT_END]

# The two opt-in rates of metrics.md, each with the counts it is made of.
TREND_RATES = {
    "standing": {
        "column": "standing_opt_in_rate", "opted_in": "standing_opt_ins", "denominator": "standing_subjects",
        "title": "Standing opt-in rate at each month's end, by purpose",
        "axis": "Opted in at month end", "opted_in_title": "People opted in",
        "denominator_title": "People with a choice", "what": "opted in",
    },
    "decision": {
        "column": "decision_opt_in_rate", "opted_in": "opt_ins", "denominator": "choices",
        "title": "Opt-in rate of the choices made each month, by purpose",
        "axis": "Opt-in share of choices", "opted_in_title": "Opt-ins", "denominator_title": "Choices made",
        "what": "of choices were opt-ins",
    },
}

# Heatmap cells at or above this rate carry white text. The cell colours run from SEQUENTIAL's light end to its
# dark end in RGB; at 0.72 and above white text has at least 4.5:1 contrast, below it black text has.
DARK_CELL = 0.72
# A heatmap with more channels or regions than this lists them as rows, the purposes as columns.
MAX_HEATMAP_COLUMNS = 6


def purpose_label(purpose: str, labels_by_key: dict[str, str] | None = None) -> str:
    """The display name of a purpose (labels.name); the `labels_by_key` argument is no longer read."""
    return labels.name("purpose", purpose)


def purpose_in_words(purpose: str) -> str:
    """The display name of a purpose: the same as purpose_label, kept for the pages that call it."""
    return labels.name("purpose", purpose)


def with_purpose_labels(frame: pd.DataFrame, labels_by_key: dict[str, str] | None = None) -> pd.DataFrame:
    """The query's frame with each purpose's display name and, where it has choices, their count (the
    denominator of decision_opt_in_rate), in the catalogue's purpose order. The query's own columns are kept
    as they are. `labels_by_key` is accepted for the callers that still pass it; names come from labels.py."""
    labelled = frame.copy()
    names = [labels.name("purpose", key) for key in labelled["purpose"]]
    labelled.insert(labelled.columns.get_loc("purpose") + 1, "purpose_label", names)
    if {"opt_ins", "opt_outs"} <= set(labelled.columns) and "choices" not in labelled.columns:
        at = labelled.columns.get_loc("opt_outs") + 1
        labelled.insert(at, "choices", labelled["opt_ins"] + labelled["opt_outs"])
    order = labels.positions("purpose", labelled["purpose"], every=True)
    labelled["_order"] = labelled["purpose"].map(order)
    by = ["month", "_order"] if "month" in labelled.columns else ["_order"]
    return labelled.sort_values(by, kind="stable").drop(columns="_order").reset_index(drop=True)


def rates_side_by_side(by_purpose: pd.DataFrame, earlier: pd.DataFrame | None = None) -> pd.DataFrame:
    """consent_by_purpose (labelled) in long form: one row per purpose and rate, with its denominator. With
    `earlier` (consent_by_purpose over the range compared with), each rate's earlier value and its change in points
    beside it, the change written after the label ("64.2% of 1,234 people · +2.1 pts")."""
    rows = []
    before = earlier.set_index("purpose") if earlier is not None else None
    for row in by_purpose.itertuples(index=False):
        for measure, rate, opted_in, denominator, unit in (
                (CHOICES_IN_RANGE, "decision_opt_in_rate", "opt_ins", "choices", "choices"),
                (STANDING_AT_END, "standing_opt_in_rate", "standing_opt_ins", "standing_subjects", "people")):
            now = getattr(row, rate)
            was = before.at[row.purpose, rate] if before is not None and row.purpose in before.index else None
            rows.append({
                "purpose": row.purpose, "purpose_label": row.purpose_label, "measure": measure, "opt_in_rate": now,
                "opted_in": getattr(row, opted_in), "denominator": getattr(row, denominator),
                "denominator_unit": unit, "earlier_opt_in_rate": was, "opt_in_rate_change": change(now, was),
            })
    columns = ["purpose", "purpose_label", "measure", "opt_in_rate", "opted_in", "denominator", "denominator_unit"]
    if earlier is not None:
        columns += ["earlier_opt_in_rate", "opt_in_rate_change"]
    long = pd.DataFrame(rows, columns=columns)
    for column in columns[7:]:
        long[column] = pd.to_numeric(long[column], errors="coerce")
    long["rate_label"] = [_rate_label(rate, denominator, unit) for rate, denominator, unit in zip(
        long["opt_in_rate"], long["denominator"], long["denominator_unit"], strict=True)]
    if earlier is not None:
        long["rate_label"] = [label + (f" · {points_text(moved)}" if not pd.isna(moved) else "")
                              for label, moved in zip(long["rate_label"], long["opt_in_rate_change"], strict=True)]
    return long


UNITS = {"choices": ("choice", "choices"), "people": ("person", "people")}


def _rate_label(rate, denominator, unit: str) -> str:
    if pd.notna(rate):
        return f"{percent(rate)} of {plural(int(denominator), *UNITS.get(unit, (unit, unit)))}"
    if is_hidden(denominator) or denominator:
        return f"too few {unit} to show"  # hidden by the small-count setting
    return f"no {unit} to count"


def _labels_in_order(frame: pd.DataFrame) -> list[str]:
    """The purpose labels a frame holds, in the order of its rows (with_purpose_labels sorts them)."""
    return list(dict.fromkeys(frame["purpose_label"]))


def _purpose_legend(frame: pd.DataFrame) -> alt.Legend:
    """A legend of the purposes a chart shows, by their names (the scale keeps every known key)."""
    return legend("purpose", labels.in_order("purpose", frame["purpose"].unique()), "Purpose")


def _purpose_colour(frame: pd.DataFrame, legend: alt.Legend | None = None, channel=alt.Color) -> alt.Color:
    return channel("purpose:N", scale=purpose_colour(frame["purpose"].unique()), legend=legend)


def _rate_axis(field: str) -> alt.X:
    # Room on the right of the bars for their labels; the axis stops at 100%.
    return alt.X(f"{field}:Q", title="Opt-in rate", scale=alt.Scale(domain=[0, 1.45], nice=False),
                 axis=alt.Axis(format="%", values=[0, 0.2, 0.4, 0.6, 0.8, 1.0]))


BARS_NOTE = ("Outlined bars: the choices made in the range.", "Filled bars: the people with a choice at its end.")
# Each purpose's band: its name on top, then its two bars.
NAME_ROW = "name"


def opt_in_rates_chart(rates: pd.DataFrame, period: str | None = None, *, min_cell: int = 0,
                       earlier_label: str | None = None) -> alt.LayerChart:
    """Per purpose, the opt-in rate of the choices made in the range (an outlined bar) beside standing consent at
    its end (a filled bar), each bar labelled with its denominator, the purpose's name above its bars so the
    bars have the chart's whole width. Takes rates_side_by_side's frame; where it holds the earlier range's rates,
    each label ends with the change on them (in points) and `earlier_label` says which range that is."""
    purposes = _labels_in_order(rates)
    rates = with_count_labels(rates, ("opted_in", "denominator"), min_cell)
    offsets = alt.Scale(domain=[NAME_ROW, *MEASURES], paddingInner=0.15)
    base = alt.Chart(rates).encode(
        y=alt.Y("purpose_label:N", sort=purposes, title=None,
                axis=alt.Axis(labels=False, ticks=False, domain=False)),
        yOffset=alt.YOffset("measure:N", sort=MEASURES, scale=offsets),
        x=_rate_axis("opt_in_rate"),
        tooltip=[
            alt.Tooltip("purpose_label:N", title="Purpose"),
            alt.Tooltip("measure:N", title="Measure"),
            alt.Tooltip("opt_in_rate:Q", title="Opt-in rate", format=PERCENT_D3),
            alt.Tooltip("opted_in_label:N", title="Opted in"),
            alt.Tooltip("denominator_label:N", title="Out of"),
            alt.Tooltip("denominator_unit:N", title="Counted in"),
        ],
    )
    # The purpose's colour outlines both bars (it has 3:1 contrast on white); the standing bar is filled with it.
    bars = base.mark_bar(strokeWidth=2).encode(
        stroke=_purpose_colour(rates, channel=alt.Stroke),
        fill=alt.when(alt.datum.measure == CHOICES_IN_RANGE).then(alt.value("white")).otherwise(
            _purpose_colour(rates, channel=alt.Fill)),
    )
    # A bar without a rate (no choice in the range) still gets its label, at zero, saying why.
    figures = base.mark_text(align="left", baseline="middle", dx=5, fontSize=11).transform_calculate(
        label_at="isValid(datum.opt_in_rate) ? datum.opt_in_rate : 0"
    ).encode(x=_rate_axis("label_at"), text=alt.Text("rate_label:N"))
    names = alt.Chart(rates).transform_filter(alt.datum.measure == STANDING_AT_END).transform_calculate(
        row=json.dumps(NAME_ROW)
    ).mark_text(align="left", baseline="middle", fontSize=12, fontWeight="bold", limit=400).encode(
        y=alt.Y("purpose_label:N", sort=purposes),
        yOffset=alt.YOffset("row:N", scale=offsets),
        x=alt.datum(0),
        text=alt.Text("purpose_label:N"),
    )
    layers = [bars, figures, names]
    compared = "earlier_opt_in_rate" in rates.columns and earlier_label
    notes = (*BARS_NOTE, f"After each figure: its change on {earlier_label}.") if compared else BARS_NOTE
    return alt.layer(*layers, data=rates).properties(
        title=title("Opt-in rate by purpose: choices made in the range and standing consent at its end", period,
                     *notes),
        height=66 * len(purposes), autosize=FIT_WIDTH,
        description=description(
            "Opt-in rate by purpose (bar chart): of the choices made in the range (outlined bars) and of the people "
            "with a choice at its end (filled bars)", period, _rates_headline(rates)),
    )


def _rates_headline(rates: pd.DataFrame) -> str | None:
    sentences = []
    for purpose, rows in rates.groupby("purpose_label", sort=False):
        by_measure = rows.set_index("measure")
        parts = []
        if CHOICES_IN_RANGE in by_measure.index and pd.notna(by_measure.at[CHOICES_IN_RANGE, "opt_in_rate"]):
            parts.append(f"{percent(by_measure.at[CHOICES_IN_RANGE, 'opt_in_rate'])} of choices were opt-ins")
        if STANDING_AT_END in by_measure.index and pd.notna(by_measure.at[STANDING_AT_END, "opt_in_rate"]):
            parts.append(f"{percent(by_measure.at[STANDING_AT_END, 'opt_in_rate'])} of people opted in at the end")
        if parts:
            sentences.append(f"{purpose}: {', '.join(parts)}")
    return "; ".join(sentences) or None


def monthly_trend_chart(trend: pd.DataFrame, rate: str = "standing", period: str | None = None, *,
                        min_cell: int = 0, earlier: pd.DataFrame | None = None,
                        earlier_label: str | None = None,
                        markers: pd.DataFrame | None = None) -> alt.Chart | alt.LayerChart:
    """One line per purpose over the months of consent_monthly_trend (labelled): the standing opt-in rate at
    each month's end, or the opt-in rate of the choices made that month. `earlier` is the same figure over the
    range compared with, laid over these months (comparisons.laid_over): drawn as faded dashed lines, each point
    on the month it is compared with, its own month in the tooltip; `earlier_label` says which range it is."""
    measure = TREND_RATES[rate]
    trend = with_count_labels(trend, (measure["opted_in"], measure["denominator"]), min_cell)
    x = alt.X("month:T", timeUnit="utcyearmonth", title=None,
              axis=alt.Axis(format="%b %Y", labelAngle=0, labelOverlap="greedy"))
    y = alt.Y(f"{measure['column']}:Q", title=measure["axis"], axis=alt.Axis(format="%"), scale=alt.Scale(domain=[0, 1]))
    counts = [alt.Tooltip(f"{measure['opted_in']}_label:N", title=measure["opted_in_title"]),
              alt.Tooltip(f"{measure['denominator']}_label:N", title=measure["denominator_title"])]
    lines = alt.Chart(trend).mark_line(point=True).encode(
        x=x, y=y, color=_purpose_colour(trend, _purpose_legend(trend)),
        tooltip=[
            alt.Tooltip("month:T", timeUnit="utcyearmonth", title="Month", format="%B %Y"),
            alt.Tooltip("purpose_label:N", title="Purpose"),
            alt.Tooltip(f"{measure['column']}:Q", title="Opt-in rate", format=PERCENT_D3),
            *counts,
        ],
    )
    layers, note, headline = [lines], None, _trend_headline(trend, measure)
    if earlier is not None and not earlier.empty:
        earlier = with_count_labels(earlier, (measure["opted_in"], measure["denominator"]), min_cell)
        # After the range's own lines, whose legend (at full strength) is the shared scale's.
        layers.append(alt.Chart(earlier).mark_line(
            strokeDash=EARLIER_DASH, opacity=EARLIER_OPACITY, point=alt.OverlayMarkDef(opacity=EARLIER_OPACITY),
        ).encode(
            x=x, y=y, color=_purpose_colour(earlier),
            tooltip=[alt.Tooltip("month_from:N", title=f"Month ({earlier_label})"),
                     alt.Tooltip("purpose_label:N", title="Purpose"),
                     alt.Tooltip(f"{measure['column']}:Q", title="Opt-in rate", format=PERCENT_D3), *counts],
        ))
        note = f"Faded dashed lines: {earlier_label}, each month beside the one it is compared with."
        headline = "; ".join(part for part in (headline, f"faded lines show {earlier_label}") if part)
    chart = (layers[0] if len(layers) == 1 else alt.layer(*layers)).properties(
        title=title(measure["title"], period, note), height=320, autosize=FIT_WIDTH,
        description=description(f"{measure['title']} (line chart)", period, headline),
    )
    return annotations.add(chart, markers, annotations.TemporalMonths.of(trend["month"]))


def _trend_headline(trend: pd.DataFrame, measure: dict) -> str | None:
    shown = trend.dropna(subset=[measure["column"]])
    if shown.empty:
        return None
    last = shown["month"].max()
    month = pd.Timestamp(str(last)[:7] + "-01").strftime("%b %Y")
    figures = [f"{row.purpose_label} {percent(getattr(row, measure['column']))}"
               for row in shown[shown["month"] == last].itertuples(index=False)]
    return f"In {month}: " + ", ".join(figures) + f" {measure['what']}"


def breakdown_chart(breakdown: pd.DataFrame, dimension: str, period: str | None = None, *,
                    min_cell: int = 0, transpose: bool | None = None) -> alt.LayerChart:
    """A heatmap of the opt-in rate of choices per purpose and channel or region (consent_by_channel or
    consent_by_region, labelled), each cell with its rate and the number of choices it is taken over.

    The channels or regions are the columns while they are few; with more than MAX_HEATMAP_COLUMNS (or with
    `transpose`) they are the rows and the purposes the columns, so the cells keep their room on a narrow
    screen."""
    name = dimension.replace("_", " ")
    purposes = _labels_in_order(breakdown)
    breakdown = with_count_labels(breakdown, ("opt_ins", "opt_outs", "choices"), min_cell)
    keys = labels.in_order(dimension, breakdown[dimension].unique())
    breakdown[f"{dimension}_label"] = [labels.name(dimension, key) for key in breakdown[dimension]]
    values = [labels.name(dimension, key) for key in keys]
    if transpose is None:
        transpose = len(values) > MAX_HEATMAP_COLUMNS
    across, down = (("purpose_label", purposes, None), (f"{dimension}_label", values, name.capitalize()))
    if not transpose:
        across, down = down, across
    base = alt.Chart(breakdown).encode(
        x=alt.X(f"{across[0]}:N", sort=across[1], title=across[2],
                axis=top_axis(across[1])),
        y=alt.Y(f"{down[0]}:N", sort=down[1], title=down[2],
                axis=alt.Axis(labelExpr=wrapped_labels(down[1]), labelLimit=0, titleAngle=0, titleAlign="right",
                              titleAnchor="start", titleY=-8)),
        tooltip=[
            alt.Tooltip("purpose_label:N", title="Purpose"),
            alt.Tooltip(f"{dimension}_label:N", title=name.capitalize()),
            alt.Tooltip("decision_opt_in_rate:Q", title="Opt-in rate", format=PERCENT_D3),
            alt.Tooltip("opt_ins_label:N", title="Opt-ins"),
            alt.Tooltip("opt_outs_label:N", title="Opt-outs"),
            alt.Tooltip("choices_label:N", title="Choices made"),
        ],
    )
    cells = base.mark_rect(stroke="white", strokeWidth=2).encode(
        color=alt.Color("decision_opt_in_rate:Q", title="Opt-in rate of choices",
                        # One hue from light to dark: ordered, and readable with any colour vision.
                        scale=alt.Scale(domain=[0, 1], range=list(SEQUENTIAL), interpolate="rgb"),
                        legend=alt.Legend(format="%", orient="bottom", gradientLength=200, values=[0, 0.25, 0.5, 0.75, 1])),
    )
    text_colour = alt.when(f"datum.decision_opt_in_rate >= {DARK_CELL}").then(alt.value("white")).otherwise(
        alt.value("black"))
    rates = base.mark_text(baseline="bottom", dy=1, fontSize=12, fontWeight="bold").encode(
        text=alt.Text("decision_opt_in_rate:Q", format=PERCENT_D3), color=text_colour,
    )
    counts = base.mark_text(baseline="top", dy=3, fontSize=10).transform_calculate(
        of_choices="'of ' + datum.choices_label"
    ).encode(text=alt.Text("of_choices:N"), color=text_colour)
    return alt.layer(cells, rates, counts, data=breakdown).properties(
        title=title(f"Opt-in rate of choices made in the range, by purpose and {name}", period),
        height=alt.Step(44), autosize=FIT_WIDTH,
        description=description(
            f"Opt-in rate of choices made in the range, by purpose and {name} (heatmap"
            + (f", {len(values)} {name}s as rows)" if transpose else ")"), period,
            _breakdown_headline(breakdown, dimension, min_cell)),
    )


def _breakdown_headline(breakdown: pd.DataFrame, dimension: str, min_cell: int) -> str | None:
    """The cell with the most choices (whose rate is shown), in words."""
    shown = breakdown.dropna(subset=["decision_opt_in_rate", "choices"])
    if shown.empty:
        return None
    top = shown.loc[shown["choices"].astype("int64").idxmax()]
    return (f"Most choices: {top['purpose_label']}, {dimension.replace('_', ' ')} {top[f'{dimension}_label']}, "
            f"{percent(top['decision_opt_in_rate'])} of {count_text(top['choices'], min_cell)} choices were opt-ins")

