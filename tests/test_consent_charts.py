"""The consent chart builders, read through their Vega-Lite specs: what they encode, say and draw.

Purpose names are the catalogue's (data/purposes.csv, column `label`): quality_control "Quality control",
marketing "Marketing", research_development "Research and development", in that order.
"""

import math

import pandas as pd
import pytest

from dashboard.charts import consent as charts

NAMES = {"quality_control": "Quality control", "marketing": "Marketing",
         "research_development": "Research and development"}
# The catalogue's six purposes, in its order: marketing is the fifth, and takes the fifth purpose colour.
CATALOGUE = ["transaction_processing", "customer_service", "quality_control", "communications", "marketing",
             "research_development"]
MARKETING_COLOUR = "#0072B2"
PERIOD = "01 Nov 2023 – 31 Oct 2024 (UTC)"


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
        "opt_ins": [75, 40, 70, 33],
        "opt_outs": [57, 78, 52, 77],
        "decision_opt_in_rate": [0.5682, 0.3390, 0.5738, 0.3],
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


def by_region(regions: list[str]) -> pd.DataFrame:
    """Marketing choices in each region: 10 opt-ins and 10 opt-outs, 50.0% each."""
    return pd.DataFrame({"purpose": "marketing", "region": regions, "opt_ins": 10, "opt_outs": 10,
                         "decision_opt_in_rate": 0.5})


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


def test_labelled_frames_follow_the_catalogue_order_and_name_the_choices_denominator():
    labelled = charts.with_purpose_labels(by_purpose())
    assert list(labelled["purpose"]) == ["quality_control", "marketing", "research_development"]
    assert list(labelled["purpose_label"]) == ["Quality control", "Marketing", "Research and development"]
    assert list(labelled["choices"]) == [1461, 3199, 0]  # 1333 + 128, 1813 + 1386, 0 + 0
    # The query's own figures are untouched.
    assert labelled.set_index("purpose").loc["marketing", "decision_opt_in_rate"] == 0.5667
    # A labels dict passed by an older caller changes nothing: the names are the catalogue's.
    assert list(charts.with_purpose_labels(by_purpose(), {"marketing": "Ads"})["purpose_label"]) == list(
        labelled["purpose_label"])
    # A purpose missing from the catalogue still gets a readable name; every helper gives the same one.
    assert charts.purpose_label("loyalty_programme") == "Loyalty programme"
    assert charts.purpose_in_words("research_development") == "Research and development"
    assert charts.purpose_label("research_development", {"research_development": "R&D"}) == "Research and development"


def test_the_side_by_side_rates_carry_their_denominators():
    rates = charts.rates_side_by_side(charts.with_purpose_labels(by_purpose())).set_index(["purpose", "measure"])
    choices = rates.loc[("marketing", charts.CHOICES_IN_RANGE)]
    standing = rates.loc[("marketing", charts.STANDING_AT_END)]
    assert (choices["opt_in_rate"], choices["opted_in"], choices["denominator"]) == (0.5667, 1813, 3199)
    assert choices["rate_label"] == "56.7% of 3,199 choices"
    assert (standing["opt_in_rate"], standing["opted_in"], standing["denominator"]) == (0.5483, 1645, 3000)
    assert standing["rate_label"] == "54.8% of 3,000 people"
    assert rates.loc[("research_development", charts.CHOICES_IN_RANGE), "rate_label"] == "no choices to count"
    one = charts.rates_side_by_side(charts.with_purpose_labels(by_purpose().assign(
        opt_ins=[1, 1333, 0], opt_outs=[0, 128, 0], decision_opt_in_rate=[1.0, 0.9124, None])))
    assert one.set_index(["purpose", "measure"]).loc[("marketing", charts.CHOICES_IN_RANGE), "rate_label"] == (
        "100.0% of 1 choice")


def test_opt_in_rates_chart_puts_each_purpose_s_two_rates_side_by_side():
    rates = charts.rates_side_by_side(charts.with_purpose_labels(by_purpose()))
    spec = charts.opt_in_rates_chart(rates, PERIOD).to_dict()
    bars, figures, names = spec["layer"]

    assert spec["title"]["text"] == ["Opt-in rate by purpose: choices made in the range and",
                                     "standing consent at its end"]
    assert spec["title"]["subtitle"] == [PERIOD, "Outlined bars: the choices made in the range.",
                                         "Filled bars: the people with a choice at its end."]
    assert drawn_rows(spec) == as_rows(rates)

    assert bars["mark"]["type"] == "bar"
    encoding = bars["encoding"]
    assert encoding["y"]["field"] == "purpose_label"
    assert encoding["y"]["sort"] == ["Quality control", "Marketing", "Research and development"]
    assert encoding["yOffset"]["field"] == "measure"
    assert encoding["x"]["field"] == "opt_in_rate"
    assert encoding["x"]["axis"]["format"] == "%"
    # Both bars are outlined in the purpose's colour; the choices bar is white inside, the standing bar filled.
    assert encoding["stroke"]["field"] == "purpose"
    assert encoding["stroke"]["scale"]["domain"] == CATALOGUE
    assert colour_of(encoding["stroke"]["scale"], "marketing") == MARKETING_COLOUR
    assert encoding["fill"]["condition"] == {"test": f"(datum.measure === '{charts.CHOICES_IN_RANGE}')",
                                             "value": "white"}
    assert colour_of(encoding["fill"]["scale"], "marketing") == MARKETING_COLOUR
    assert {(tip["field"], tip.get("format")) for tip in encoding["tooltip"]} >= {
        ("opt_in_rate", ".1%"), ("opted_in_label", None), ("denominator_label", None), ("denominator_unit", None),
    }
    # The text beside each bar names its denominator; each purpose's name stands above its bars.
    assert figures["mark"]["type"] == "text"
    assert figures["encoding"]["text"]["field"] == "rate_label"
    assert names["encoding"]["text"]["field"] == "purpose_label"
    assert names["encoding"]["yOffset"]["scale"]["domain"] == [charts.NAME_ROW, *charts.MEASURES]


def test_opt_in_rates_chart_describes_itself_with_its_figures():
    rates = charts.rates_side_by_side(charts.with_purpose_labels(by_purpose()))
    description = charts.opt_in_rates_chart(rates, PERIOD).to_dict()["description"]
    assert description.startswith("Opt-in rate by purpose (bar chart): of the choices made in the range")
    assert PERIOD in description
    # 1813 / 3199 = 56.7%; 1645 / 3000 = 54.8%.
    assert "Marketing: 56.7% of choices were opt-ins, 54.8% of people opted in at the end" in description
    # Research and development has no choice in the range: only its standing rate, 1145 / 3000 = 38.2%.
    assert "Research and development: 38.2% of people opted in at the end" in description


@pytest.mark.parametrize(
    ("rate", "column", "denominator", "title", "headline"),
    [
        ("standing", "standing_opt_in_rate", "standing_subjects",
         "Standing opt-in rate at each month's end, by purpose",
         # October: 1645 / 3000 = 54.8%, 1145 / 3000 = 38.2%
         "In Oct 2024: Marketing 54.8%, Research and development 38.2% opted in."),
        ("decision", "decision_opt_in_rate", "choices", "Opt-in rate of the choices made each month, by purpose",
         # October: 70 / 122 = 57.4%, 33 / 110 = 30.0%
         "In Oct 2024: Marketing 57.4%, Research and development 30.0% of choices were opt-ins."),
    ],
)
def test_monthly_trend_draws_the_chosen_rate_with_its_denominator(rate, column, denominator, title, headline):
    trend = charts.with_purpose_labels(monthly_trend())
    spec = charts.monthly_trend_chart(trend, rate, PERIOD).to_dict()

    assert spec["mark"]["type"] == "line"
    assert spec["title"]["text"] == title
    assert spec["description"].endswith(f"{PERIOD}. {headline}")
    assert drawn_rows(spec) == as_rows(trend)
    encoding = spec["encoding"]
    assert (encoding["x"]["field"], encoding["x"]["type"], encoding["x"]["timeUnit"]) == ("month", "temporal",
                                                                                         "utcyearmonth")
    assert encoding["y"]["field"] == column
    assert encoding["y"]["axis"]["format"] == "%"
    assert encoding["color"]["field"] == "purpose"
    assert encoding["color"]["scale"]["domain"] == CATALOGUE
    assert colour_of(encoding["color"]["scale"], "marketing") == MARKETING_COLOUR
    # The legend lists only the purposes drawn, under their names, below the chart in two columns.
    legend = encoding["color"]["legend"]
    assert legend["values"] == ["marketing", "research_development"]
    assert '"marketing" ? "Marketing"' in legend["labelExpr"]
    assert '"research_development" ? "Research and development"' in legend["labelExpr"]
    assert (legend["orient"], legend["columns"]) == ("bottom", 2)
    tooltips = {tip["field"]: tip.get("format") for tip in encoding["tooltip"]}
    assert tooltips[column] == ".1%"
    # Counts are text in tooltips: a count hidden as small reads "<N", where a number format prints 0.
    assert f"{denominator}_label" in tooltips
    assert [row[f"{denominator}_label"] for row in spec["datasets"][spec["data"]["name"]]] == [
        f"{value:,}" for value in trend[denominator]]


def test_breakdown_heatmap_gives_each_cell_its_rate_and_choices():
    breakdown = charts.with_purpose_labels(by_channel())
    spec = charts.breakdown_chart(breakdown, "channel", PERIOD).to_dict()
    cells, rates, counts = spec["layer"]

    assert spec["title"]["text"] == ["Opt-in rate of choices made in the range, by purpose and", "channel"]
    assert [row["channel_label"] for row in spec["datasets"][spec["data"]["name"]]] == ["Web", "E-mail", "Web"]
    assert drawn_rows(spec) == as_rows(breakdown)
    assert cells["mark"]["type"] == "rect"
    # Two channels: they are the columns, in the catalogue's channel order (web before email).
    assert cells["encoding"]["x"]["field"] == "channel_label"
    assert cells["encoding"]["x"]["sort"] == ["Web", "E-mail"]
    assert cells["encoding"]["y"]["field"] == "purpose_label"
    assert cells["encoding"]["color"]["field"] == "decision_opt_in_rate"
    assert cells["encoding"]["color"]["scale"]["domain"] == [0, 1]
    assert cells["encoding"]["color"]["legend"]["format"] == "%"
    tooltips = {tip["field"]: tip.get("format") for tip in cells["encoding"]["tooltip"]}
    assert tooltips == {"purpose_label": None, "channel_label": None, "decision_opt_in_rate": ".1%",
                        "opt_ins_label": None, "opt_outs_label": None, "choices_label": None}
    assert rates["encoding"]["text"] == {"field": "decision_opt_in_rate", "format": ".1%", "type": "quantitative"}
    assert counts["encoding"]["text"]["field"] == "of_choices"
    assert counts["transform"][0]["calculate"] == "'of ' + datum.choices_label"
    # The cell with the most choices, Marketing on the web: 1065 + 843 = 1,908 choices, 1065 / 1908 = 55.8%.
    assert spec["description"].endswith(
        f"{PERIOD}. Most choices: Marketing, channel Web, 55.8% of 1,908 choices were opt-ins.")


def test_a_heatmap_of_many_regions_lists_them_as_rows():
    six = ["CN", "DE", "FR", "GB", "IE", "NL"]
    few = charts.breakdown_chart(charts.with_purpose_labels(by_region(six)), "region").to_dict()
    assert few["layer"][0]["encoding"]["x"]["field"] == "region_label"
    seven = charts.breakdown_chart(charts.with_purpose_labels(by_region([*six, "US-CA"])), "region").to_dict()
    cells = seven["layer"][0]["encoding"]
    assert (cells["y"]["field"], cells["x"]["field"]) == ("region_label", "purpose_label")
    assert cells["y"]["sort"] == [*six, "US-CA"]  # codes, by name after the catalogue's "unknown"
    assert cells["y"]["title"] == "Region"
    assert "(heatmap, 7 regions as rows)" in seven["description"]
    # Long purpose names above the columns take two lines, ending level just above the cells.
    transposed = charts.breakdown_chart(charts.with_purpose_labels(by_region([*six, "US-CA"]).assign(
        purpose="research_development")), "region").to_dict()["layer"][0]["encoding"]["x"]["axis"]
    assert '["Research and", "development"]' in transposed["labelExpr"]
    assert transposed["orient"] == "top" and transposed["labelPadding"] == 3 + 13


def test_heatmap_text_is_white_only_on_cells_dark_enough_for_it():
    """WCAG 2.1 asks 4.5:1 for text. The cell colour is SEQUENTIAL's two ends mixed in RGB by the rate."""
    light, dark = (tuple(int(colour[at:at + 2], 16) for at in (1, 3, 5)) for colour in charts.SEQUENTIAL)

    def cell(rate):
        return [round(a + (b - a) * rate) for a, b in zip(light, dark, strict=True)]

    def luminance(rgb):
        linear = [c / 255 / 12.92 if c / 255 <= 0.03928 else ((c / 255 + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    white_on = (1.05) / (luminance(cell(charts.DARK_CELL)) + 0.05)
    black_below = (luminance(cell(charts.DARK_CELL - 0.01)) + 0.05) / 0.05
    assert white_on >= 4.5 and black_below >= 4.5
    spec = charts.breakdown_chart(charts.with_purpose_labels(by_channel()), "channel").to_dict()
    assert spec["layer"][0]["encoding"]["color"]["scale"]["interpolate"] == "rgb"
    assert spec["layer"][1]["encoding"]["color"]["condition"][0]["test"] == f"datum.decision_opt_in_rate >= {charts.DARK_CELL}"


def test_marketing_keeps_its_colour_whatever_else_a_chart_shows():
    only_marketing = charts.with_purpose_labels(monthly_trend().query("purpose == 'marketing'"))
    with_a_new_purpose = charts.with_purpose_labels(
        monthly_trend().assign(purpose=["marketing", "loyalty_programme"] * 2))
    for trend in (only_marketing, with_a_new_purpose):
        scale = charts.monthly_trend_chart(trend).to_dict()["encoding"]["color"]["scale"]
        assert colour_of(scale, "marketing") == MARKETING_COLOUR
    scale = charts.monthly_trend_chart(with_a_new_purpose).to_dict()["encoding"]["color"]["scale"]
    assert scale["domain"] == [*CATALOGUE, "loyalty_programme"]
    # The new purpose takes the seventh colour, which no catalogue purpose has.
    assert colour_of(scale, "loyalty_programme") == "#762A83"
    assert scale["range"].count("#762A83") == 1
