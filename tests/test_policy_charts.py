"""The policy-version charts, read through their Vega-Lite specification.

Three versions whose keys sort differently from their effective dates: v2 (2023-01-01), beta
(2024-01-01) and v10 (2024-05-01, the latest). By name they sort beta, v10, v2.
"""

import pandas as pd
import pytest

from dashboard import small_counts
from dashboard.charts import policy

VERSIONS = pd.DataFrame({
    "policy_version": ["beta", "v10", "v2"],
    "effective_date": pd.to_datetime(["2024-01-01", "2024-05-01", "2023-01-01"]),
    "title": ["Beta policy", "Policy 10", "Policy 2"],
    "subjects_current": [30, 50, 20],
    "share_current": [0.3, 0.5, 0.2],
    "is_latest": [False, True, False],
})
BY_EFFECTIVE_DATE = ["v2", "beta", "v10"]

MIX = pd.DataFrame({
    "month": ["2024-04", "2024-04", "2024-05", "2024-05", "2024-05"],
    "policy_version": ["beta", "v2", "beta", "v10", "v2"],
    "subjects_current": [60, 40, 30, 50, 20],
    "people_with_version": [100, 100, 100, 100, 100],  # each month's sum
    "share_current": [0.6, 0.4, 0.3, 0.5, 0.2],
})


def adoption_rows(version, effective, days, shares, adopted, with_version):
    start = pd.Timestamp(effective)
    return pd.DataFrame({
        "policy_version": version,
        "effective_date": start,
        "days_since_effective": days,
        "as_of": [start + pd.Timedelta(days=day) for day in days],
        "subjects_adopted": adopted,
        "subjects_with_version": with_version,
        "adoption_share": shares,
    })


ADOPTION = pd.concat([
    # v2: daily points to 60, then a spaced one at 67 and the end of the range at 120.
    adoption_rows("v2", "2023-01-01", [0, 30, 60, 67, 120], [0.1, 0.55, 0.7, 0.72, 0.8],
                  [1, 11, 14, 18, 40], [10, 20, 20, 25, 50]),
    # beta: in force past the chart's 120 days.
    adoption_rows("beta", "2024-01-01", [0, 60, 120, 121, 200], [0.2, 0.5, 0.6, 0.6, 0.7],
                  [20, 50, 60, 60, 70], [100] * 5),
    # v10: in force 20 days at the end of the range.
    adoption_rows("v10", "2024-05-01", [0, 10, 20], [0.05, 0.3, 0.5], [5, 30, 50], [100, 100, 100]),
], ignore_index=True)


def encoding(spec, channel):
    return spec["encoding"][channel]


def tooltip_fields(spec):
    return {tip["field"]: (tip["title"], tip.get("format")) for tip in encoding(spec, "tooltip")}


def test_versions_are_ordered_by_effective_date_then_key():
    assert policy.version_order(VERSIONS) == BY_EFFECTIVE_DATE
    # A key only in a chart's frame follows the catalogue's, by name.
    extra = pd.DataFrame({"policy_version": ["zz", "v2", "aa"]})
    assert policy.version_order(VERSIONS, extra) == [*BY_EFFECTIVE_DATE, "aa", "zz"]
    assert policy.latest_version(VERSIONS) == "v10"
    assert policy.latest_version(VERSIONS.assign(is_latest=False)) is None


def test_versions_are_coloured_by_their_position_among_all_versions():
    # The palette's versions, oldest first: blue, vermilion, bluish green, reddish purple.
    scale = policy.version_colour(BY_EFFECTIVE_DATE).to_dict()
    assert scale == {"domain": ["v2", "beta", "v10"], "range": ["#0072B2", "#D55E00", "#009E73"]}
    # An upload adds v11: the three keep their colours, v11 takes the fourth.
    with_v11 = pd.concat([VERSIONS, pd.DataFrame({"policy_version": ["v11"], "effective_date": [
        pd.Timestamp("2024-09-01")], "is_latest": [True]})], ignore_index=True)
    later = policy.version_mix_chart(MIX, with_v11).to_dict()["layer"][0]["encoding"]["color"]["scale"]
    assert later == {"domain": ["v2", "beta", "v10", "v11"], "range": ["#0072B2", "#D55E00", "#009E73", "#CC79A7"]}
    # A month that holds only beta still draws it in beta's colour, not the first colour.
    only_beta = policy.version_mix_chart(MIX[MIX["policy_version"] == "beta"], VERSIONS).to_dict()
    scale = only_beta["layer"][0]["encoding"]["color"]["scale"]
    assert scale["range"][scale["domain"].index("beta")] == "#D55E00"


def test_version_mix_is_a_stack_of_shares_per_month():
    spec = policy.version_mix_chart(MIX, VERSIONS, period="01 Apr 2024 – 31 May 2024 (UTC)").to_dict()
    bars, totals = spec["layer"]
    assert bars["mark"]["type"] == "bar"
    assert spec["title"]["text"] == ["Policy version of the people with a current version, at",
                                     "each month's end"]
    assert spec["title"]["subtitle"][0] == "01 Apr 2024 – 31 May 2024 (UTC)"
    assert encoding(bars, "x")["field"] == "month"
    y = encoding(bars, "y")
    assert (y["field"], y["stack"], y["axis"]["format"]) == ("share_current", "zero", "%")
    assert y["axis"]["values"] == [0, 0.25, 0.5, 0.75, 1]
    assert y["title"] == "Share of people with a current version"

    color = encoding(bars, "color")
    assert color["field"] == "policy_version"
    assert color["scale"]["domain"] == BY_EFFECTIVE_DATE
    assert color["legend"]["labelExpr"] == "datum.label === \"v10\" ? datum.label + ' (latest)' : datum.label"
    # The stack follows effective dates (newest at the base), through each version's position.
    calculate = next(step for step in bars["transform"] if "calculate" in step)
    assert calculate == {"calculate": 'indexof(["v2", "beta", "v10"], datum.policy_version)', "as": "version_position"}
    assert encoding(bars, "order") == {"field": "version_position", "sort": "descending", "type": "quantitative"}
    # Every version at full colour (a lighter one would fall under 3:1 contrast on white).
    assert "opacity" not in bars["encoding"]
    # Month above year, so a year of months fits a narrow column.
    assert encoding(bars, "x")["axis"]["labelExpr"].startswith("[utcFormat(")
    # Each month's people with a current version above its bar: 60 + 40 and 30 + 50 + 20.
    assert totals["encoding"]["text"]["field"] == "people_with_version_label"
    assert spec["description"] == (
        "Policy version of the people with a current version, at each month's end (stacked bar chart of shares), "
        "01 Apr 2024 – 31 May 2024 (UTC). At the end of May 2024: v10 (latest) 50.0%, beta 30.0%, v2 20.0%.")


def test_version_mix_says_what_small_counts_leave_out_and_keeps_the_month_total():
    hidden = small_counts.hide(MIX, 25)
    spec = policy.version_mix_chart(hidden, VERSIONS, min_cell=25).to_dict()
    assert spec["title"]["subtitle"][-2:] == ["Versions with fewer than 25 people in a month are not drawn; the",
                                              "figure above each bar is the month's people with a current version."]
    rows = {(row["month"], row["policy_version"]): row for row in spec["datasets"][spec["data"]["name"]]}
    # v2's 20 people in May are hidden, and so is their share (20 / 100 would give the 20 away).
    assert rows[("2024-05", "v2")]["subjects_current_label"] == "<25"
    assert rows[("2024-05", "v2")]["share_current"] is None
    # The month's total still counts them: 30 + 50 + 20 = 100.
    assert rows[("2024-05", "beta")]["people_with_version_label"] == "100"


def test_version_mix_tooltips_give_counts_and_the_denominator():
    spec = policy.version_mix_chart(MIX, VERSIONS).to_dict()
    assert tooltip_fields(spec["layer"][0]) == {
        "month": ("Month", None),
        "policy_version": ("Policy version", None),
        "subjects_current_label": ("People on it", None),
        "people_with_version_label": ("Of people with a current version", None),
        "share_current": ("Share", ".1%"),
    }
    # The denominator is each month's people with a version: the sum of its rows' people.
    rows = spec["datasets"][spec["data"]["name"]]
    assert [(row["month"], row["policy_version"], row["share_current"], row["people_with_version_label"])
            for row in rows] == [
        ("2024-04", "beta", 0.6, "100"), ("2024-04", "v2", 0.4, "100"),
        ("2024-05", "beta", 0.3, "100"), ("2024-05", "v10", 0.5, "100"), ("2024-05", "v2", 0.2, "100"),
    ]


def test_adoption_lines_read_the_first_120_days_with_checkpoints():
    chart = policy.adoption_chart(ADOPTION, VERSIONS, period="01 Jan 2023 – 20 May 2024 (UTC)").to_dict()
    assert chart["title"]["text"] == ["Adoption of each policy version, by days since it took", "effect"]
    assert chart["title"]["subtitle"] == [
        "01 Jan 2023 – 20 May 2024 (UTC)",
        "Share of the people with a version that day who are on this version",
        "or a later one, over the first 120 days; the table gives each",
        "version's share now.",
        "No line for v2, the first version: with none before it, it is always",
        "100%.",
    ]
    rules, labels, lines = chart["layer"]
    assert lines["mark"]["type"] == "line"
    x, y = encoding(lines, "x"), encoding(lines, "y")
    assert (x["field"], x["title"]) == ("days_since_effective", "Days since the version took effect")
    assert x["scale"] == {"domain": [0, 120], "nice": False}
    assert x["axis"]["values"] == [0, 30, 60, 90, 120]
    assert (y["field"], y["axis"]["format"], y["scale"]["domain"]) == ("adoption_share", "%", [0, 1])
    assert encoding(lines, "color")["scale"]["domain"] == BY_EFFECTIVE_DATE
    # The legend lists the versions drawn: not v2.
    assert encoding(lines, "color")["legend"]["values"] == ["beta", "v10"]
    stroke = encoding(lines, "strokeWidth")
    assert stroke["condition"]["test"] == "(datum.policy_version === 'v10')" and stroke["condition"]["value"] > stroke["value"]
    assert tooltip_fields(lines) == {
        "policy_version": ("Policy version", None),
        "effective_date": ("Took effect", "%d %b %Y"),
        "days_since_effective": ("Days since", ",d"),
        "as_of": ("At the end of", "%d %b %Y"),
        "subjects_adopted_label": ("People on it or a later version", None),
        "subjects_with_version_label": ("Of people with a current version", None),
        "adoption_share": ("Share adopted", ".1%"),
    }
    # Drawn: beta to day 120 (its days 121 and 200 are left to the table) and v10; v2 has no predecessor.
    drawn = [(row["policy_version"], row["days_since_effective"]) for row in chart["datasets"][lines["data"]["name"]]]
    assert drawn == [("beta", 0), ("beta", 60), ("beta", 120), ("v10", 0), ("v10", 10), ("v10", 20)]
    assert rules["mark"]["type"] == "rule" and encoding(rules, "x")["field"] == "days"
    assert [row["days"] for row in chart["datasets"][rules["data"]["name"]]] == [30, 60, 90]
    # The 30, 60 and 90 labels stand level above the plot, each centred on its rule.
    assert encoding(labels, "text")["field"] == "label"
    assert "angle" not in labels["mark"]
    assert (labels["mark"]["align"], labels["mark"]["baseline"], encoding(labels, "y")) == (
        "center", "bottom", {"value": 0})
    # v10, the latest, at its last day drawn: 50 of 100.
    assert chart["description"].endswith(
        "01 Jan 2023 – 20 May 2024 (UTC). v10 (latest): 50.0% on it or a later version 20 days after it took effect.")


def test_adoption_checkpoints_take_the_query_rows_and_never_interpolate():
    table = policy.adoption_checkpoints(ADOPTION, days=(30, 60, 90))
    assert table["policy_version"].tolist() == ["v2", "beta", "v10"]
    v2, _, v10 = table.to_dict("records")
    assert (v2["after_30_days"], v2["after_60_days"], v2["days_in_force"], v2["now"]) == (0.55, 0.7, 120, 0.8)
    # Day 90 falls between the spaced points 67 and 120: no row, so no figure.
    assert pd.isna(v2["after_90_days"])
    # v10 has been in force 20 days: nothing at 30 yet; `now` is its last row.
    assert pd.isna(v10["after_30_days"]) and (v10["days_in_force"], v10["now"]) == (20, 0.5)


@pytest.mark.parametrize("builder, frame", [(policy.version_mix_chart, MIX), (policy.adoption_chart, ADOPTION)])
def test_without_a_latest_version_nothing_is_highlighted(builder, frame):
    spec = builder(frame, VERSIONS.assign(is_latest=False)).to_dict()
    (coloured,) = [layer for layer in spec["layer"] if "color" in layer.get("encoding", {})]
    assert "labelExpr" not in encoding(coloured, "color")["legend"]


@pytest.mark.parametrize("builder, frame", [(policy.version_mix_chart, MIX), (policy.adoption_chart, ADOPTION)])
def test_the_charts_fit_the_column_they_are_given(builder, frame):
    spec = builder(frame, VERSIONS).to_dict()
    assert "width" not in spec and spec["autosize"] == {"type": "fit-x", "contains": "padding"}
    (coloured,) = [layer for layer in spec["layer"] if "color" in layer.get("encoding", {})]
    legend = encoding(coloured, "color")["legend"]
    assert (legend["orient"], legend["columns"]) == ("bottom", 2)
