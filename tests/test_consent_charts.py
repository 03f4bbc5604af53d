"""The consent chart builders, read through their Vega-Lite specs: what they encode, say and draw."""

import math

import pandas as pd
import pytest

from dashboard.charts import consent as charts
from dashboard.charts.palette import PURPOSES, purpose_colour

LABELS = {
    "quality_control": "To ensure quality control (incl. staff training)",
    "marketing": "Marketing, targeted offers, newsletters",
    "research_development": "Research and product development",
}
MARKETING_COLOUR = purpose_colour().range[PURPOSES.index("marketing")]


def by_purpose() -> pd.DataFrame:
    """consent_by_purpose as the query returns it: sorted by purpose key."""
    return pd.DataFrame({
        "purpose": ["marketing", "quality_control", "research_development"],
        "opt_ins": [1813, 1333, 0],
        "opt_outs": [1386, 128, 0],
        "decision_opt_in_rate": [0.5667, 0.9124, None],
        "standing_subjects": [3000, 3000, 3000],
        "standing_opt_ins": [1645, 2749, 1145],
        "standing_opt_in_rate": [0.5483, 0.9163, 0.3817],
    })


def monthly_trend() -> pd.DataFrame:
    return pd.DataFrame({
        "month": ["2024-09", "2024-09", "2024-10", "2024-10"],
        "purpose": ["marketing", "research_development", "marketing", "research_development"],
        "opt_ins": [75, 40, 70, 28],
        "opt_outs": [57, 78, 52, 82],
        "decision_opt_in_rate": [0.5682, 0.3390, 0.5738, 0.2545],
        "standing_subjects": [2900, 2900, 3000, 3000],
        "standing_opt_ins": [1590, 1117, 1645, 1145],
        "standing_opt_in_rate": [0.5483, 0.3852, 0.5483, 0.3817],
    })


def by_channel() -> pd.DataFrame:
    return pd.DataFrame({
        "purpose": ["marketing", "marketing", "quality_control"],
        "channel": ["email", "web", "web"],
        "opt_ins": [0, 1065, 648],
        "opt_outs": [119, 843, 52],
        "decision_opt_in_rate": [0.0, 0.5582, 0.9257],
    })


def drawn_rows(spec: dict) -> list[dict]:
    """The one dataset a chart draws, without the counts as text its tooltips show (tested on their own)."""
    (rows,) = spec["datasets"].values()
    return [{key: value for key, value in row.items() if not key.endswith("_label") or key == "purpose_label"
             or key == "rate_label"} for row in rows]


def as_rows(frame: pd.DataFrame) -> list[dict]:
    return [
        {key: None if isinstance(value, float) and math.isnan(value) else value for key, value in row.items()}
        for row in frame.to_dict("records")
    ]


def colour_of(scale: dict, purpose: str) -> str:
    return scale["range"][scale["domain"].index(purpose)]


def test_labelled_frames_follow_the_policy_order_and_name_the_choices_denominator():
    labelled = charts.with_purpose_labels(by_purpose(), LABELS)
    assert list(labelled["purpose"]) == ["quality_control", "marketing", "research_development"]
    assert list(labelled["purpose_label"]) == [LABELS[key] for key in labelled["purpose"]]
    assert list(labelled["choices"]) == [1461, 3199, 0]
    # The query's own figures are untouched.
    assert labelled.set_index("purpose").loc["marketing", "decision_opt_in_rate"] == 0.5667
    # A purpose missing from the catalogue still gets a readable name.
    assert charts.purpose_label("loyalty_programme", LABELS) == "Loyalty programme"


def test_the_side_by_side_rates_carry_their_denominators():
    rates = charts.rates_side_by_side(charts.with_purpose_labels(by_purpose(), LABELS)).set_index(
        ["purpose", "measure"])
    choices = rates.loc[("marketing", charts.CHOICES_IN_RANGE)]
    standing = rates.loc[("marketing", charts.STANDING_AT_END)]
    assert (choices["opt_in_rate"], choices["opted_in"], choices["denominator"]) == (0.5667, 1813, 3199)
    assert choices["rate_label"] == "56.7% of 3,199 choices"
    assert (standing["opt_in_rate"], standing["opted_in"], standing["denominator"]) == (0.5483, 1645, 3000)
    assert standing["rate_label"] == "54.8% of 3,000 people"
    assert rates.loc[("research_development", charts.CHOICES_IN_RANGE), "rate_label"] == "no choices to count"


def test_opt_in_rates_chart_puts_each_purpose_s_two_rates_side_by_side():
    rates = charts.rates_side_by_side(charts.with_purpose_labels(by_purpose(), LABELS))
    spec = charts.opt_in_rates_chart(rates, "1 Nov 2023 – 31 Oct 2024 (UTC)").to_dict()
    bars, labels = spec["layer"]

    assert spec["title"]["text"] == "Opt-in rate by purpose: choices made in the range and standing consent at its end"
    assert spec["title"]["subtitle"] == "1 Nov 2023 – 31 Oct 2024 (UTC)"
    assert drawn_rows(spec) == as_rows(rates)

    assert bars["mark"]["type"] == "bar"
    encoding = bars["encoding"]
    assert encoding["y"]["field"] == "purpose_label"
    assert encoding["y"]["sort"] == [LABELS[key] for key in ("quality_control", "marketing", "research_development")]
    assert encoding["yOffset"]["field"] == "measure"
    assert encoding["x"]["field"] == "opt_in_rate"
    assert encoding["x"]["axis"]["format"] == "%"
    assert encoding["color"]["field"] == "purpose"
    assert encoding["color"]["scale"]["domain"] == PURPOSES
    assert colour_of(encoding["color"]["scale"], "marketing") == MARKETING_COLOUR
    assert {(tip["field"], tip.get("format")) for tip in encoding["tooltip"]} >= {
        ("opt_in_rate", ".1%"), ("opted_in_label", None), ("denominator_label", None), ("denominator_unit", None),
    }
    # The text beside each bar names its denominator.
    assert labels["mark"]["type"] == "text"
    assert labels["encoding"]["text"]["field"] == "rate_label"


@pytest.mark.parametrize(
    ("rate", "column", "denominator", "title"),
    [
        ("standing", "standing_opt_in_rate", "standing_subjects",
         "Standing opt-in rate at each month's end, by purpose"),
        ("decision", "decision_opt_in_rate", "choices", "Opt-in rate of the choices made each month, by purpose"),
    ],
)
def test_monthly_trend_draws_the_chosen_rate_with_its_denominator(rate, column, denominator, title):
    trend = charts.with_purpose_labels(monthly_trend(), LABELS)
    spec = charts.monthly_trend_chart(trend, rate).to_dict()

    assert spec["mark"]["type"] == "line"
    assert spec["title"]["text"] == title
    assert drawn_rows(spec) == as_rows(trend)
    encoding = spec["encoding"]
    assert (encoding["x"]["field"], encoding["x"]["type"], encoding["x"]["timeUnit"]) == ("month", "temporal",
                                                                                         "utcyearmonth")
    assert encoding["y"]["field"] == column
    assert encoding["y"]["axis"]["format"] == "%"
    assert encoding["color"]["field"] == "purpose"
    assert encoding["color"]["scale"]["domain"] == PURPOSES
    assert colour_of(encoding["color"]["scale"], "marketing") == MARKETING_COLOUR
    # The legend lists only the purposes drawn, under their labels.
    assert encoding["color"]["legend"]["values"] == ["marketing", "research_development"]
    assert LABELS["marketing"] in encoding["color"]["legend"]["labelExpr"]
    tooltips = {tip["field"]: tip.get("format") for tip in encoding["tooltip"]}
    assert tooltips[column] == ".1%"
    # Counts are text in tooltips: a count hidden as small reads "<N", where a number format prints 0.
    assert f"{denominator}_label" in tooltips
    assert [row[f"{denominator}_label"] for row in spec["datasets"][spec["data"]["name"]]] == [
        f"{value:,}" for value in trend[denominator]]


def test_breakdown_heatmap_gives_each_cell_its_rate_and_choices():
    breakdown = charts.with_purpose_labels(by_channel(), LABELS)
    spec = charts.breakdown_chart(breakdown, "channel").to_dict()
    cells, rates, counts = spec["layer"]

    assert spec["title"]["text"] == "Opt-in rate of choices made in the range, by purpose and channel"
    assert drawn_rows(spec) == as_rows(breakdown)
    assert cells["mark"]["type"] == "rect"
    assert cells["encoding"]["x"]["field"] == "channel"
    assert cells["encoding"]["y"]["field"] == "purpose_label"
    assert cells["encoding"]["color"]["field"] == "decision_opt_in_rate"
    assert cells["encoding"]["color"]["scale"]["domain"] == [0, 1]
    assert cells["encoding"]["color"]["legend"]["format"] == "%"
    tooltips = {tip["field"]: tip.get("format") for tip in cells["encoding"]["tooltip"]}
    assert tooltips == {"purpose_label": None, "channel": None, "decision_opt_in_rate": ".1%", "opt_ins_label": None,
                        "opt_outs_label": None, "choices_label": None}
    assert rates["encoding"]["text"] == {"field": "decision_opt_in_rate", "format": ".1%", "type": "quantitative"}
    assert counts["encoding"]["text"]["field"] == "of_choices"
    assert counts["transform"][0]["calculate"] == "'of ' + datum.choices_label"


def test_marketing_keeps_its_colour_whatever_else_a_chart_shows():
    only_marketing = charts.with_purpose_labels(monthly_trend().query("purpose == 'marketing'"), LABELS)
    with_a_new_purpose = monthly_trend().assign(purpose=["marketing", "loyalty_programme"] * 2)
    with_a_new_purpose = charts.with_purpose_labels(with_a_new_purpose, LABELS)
    for trend in (only_marketing, with_a_new_purpose):
        scale = charts.monthly_trend_chart(trend).to_dict()["encoding"]["color"]["scale"]
        assert colour_of(scale, "marketing") == MARKETING_COLOUR
    scale = charts.monthly_trend_chart(with_a_new_purpose).to_dict()["encoding"]["color"]["scale"]
    assert scale["domain"] == [*PURPOSES, "loyalty_programme"]
