"""The policy-version charts, read through their Vega-Lite specification.

Three versions whose keys sort differently from their effective dates: v2 (2023-01-01), beta
(2024-01-01) and v10 (2024-05-01, the latest). By name they sort beta, v10, v2.
"""

import pandas as pd
import pytest

from dashboard.charts import policy
from dashboard.charts.palette import series_colour

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


def test_version_colours_are_the_palettes_in_effective_date_order():
    palette = series_colour(BY_EFFECTIVE_DATE)
    by_key = dict(zip(palette.domain, palette.range, strict=True))
    scale = policy.version_colour(BY_EFFECTIVE_DATE).to_dict()
    assert scale["domain"] == BY_EFFECTIVE_DATE
    assert scale["range"] == [by_key["v2"], by_key["beta"], by_key["v10"]]


def test_version_mix_is_a_stack_of_shares_per_month():
    spec = policy.version_mix_chart(MIX, VERSIONS).to_dict()
    assert spec["mark"]["type"] == "bar"
    assert spec["title"]["text"] == "Policy version of the people with a current version, at each month's end"
    assert encoding(spec, "x")["field"] == "month"
    y = encoding(spec, "y")
    assert (y["field"], y["stack"], y["axis"]["format"], y["scale"]["domain"]) == ("share_current", "zero", "%", [0, 1])
    assert y["title"] == "Share of people with a current version"

    color = encoding(spec, "color")
    assert color["field"] == "policy_version"
    assert color["scale"]["domain"] == BY_EFFECTIVE_DATE
    assert color["legend"]["labelExpr"] == "datum.label === \"v10\" ? datum.label + ' (latest)' : datum.label"
    # The stack follows effective dates (newest at the base), through each version's position.
    calculate = next(step for step in spec["transform"] if "calculate" in step)
    assert calculate == {"calculate": 'indexof(["v2", "beta", "v10"], datum.policy_version)', "as": "version_position"}
    assert encoding(spec, "order") == {"field": "version_position", "sort": "descending", "type": "quantitative"}
    # The latest version is drawn at full strength, the others lighter.
    opacity = encoding(spec, "opacity")
    assert opacity["condition"]["value"] == 1.0 and opacity["value"] < 1
    assert opacity["condition"]["test"] == "(datum.policy_version === 'v10')"


def test_version_mix_tooltips_give_counts_and_the_denominator():
    spec = policy.version_mix_chart(MIX, VERSIONS).to_dict()
    assert tooltip_fields(spec) == {
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


def test_adoption_lines_by_days_since_effect_with_checkpoints():
    chart = policy.adoption_chart(ADOPTION, VERSIONS).to_dict()
    assert chart["title"]["text"] == "Adoption of each policy version, by days since it took effect"
    rules, labels, lines = chart["layer"]
    assert lines["mark"]["type"] == "line"
    x, y = encoding(lines, "x"), encoding(lines, "y")
    assert (x["field"], x["title"]) == ("days_since_effective", "Days since the version took effect")
    assert (y["field"], y["axis"]["format"], y["scale"]["domain"]) == ("adoption_share", "%", [0, 1])
    assert encoding(lines, "color")["scale"]["domain"] == BY_EFFECTIVE_DATE
    stroke = encoding(lines, "strokeWidth")
    assert stroke["condition"]["test"] == "(datum.policy_version === 'v10')" and stroke["condition"]["value"] > stroke["value"]
    assert tooltip_fields(lines) == {
        "policy_version": ("Policy version", None),
        "effective_date": ("Took effect", "%d %b %Y"),
        "days_since_effective": ("Days since", ","),
        "as_of": ("At the end of", "%d %b %Y"),
        "subjects_adopted_label": ("People on it or a later version", None),
        "subjects_with_version_label": ("Of people with a current version", None),
        "adoption_share": ("Share adopted", ".1%"),
    }
    assert rules["mark"]["type"] == "rule" and encoding(rules, "x")["field"] == "days"
    assert [row["days"] for row in chart["datasets"][rules["data"]["name"]]] == [30, 60, 90]
    assert encoding(labels, "text")["field"] == "label"


def test_adoption_checkpoints_take_the_query_rows_and_never_interpolate():
    table = policy.adoption_checkpoints(ADOPTION, days=(30, 60, 90))
    assert table["policy_version"].tolist() == ["v2", "v10"]
    v2, v10 = table.to_dict("records")
    assert (v2["after_30_days"], v2["after_60_days"], v2["days_in_force"], v2["now"]) == (0.55, 0.7, 120, 0.8)
    # Day 90 falls between the spaced points 67 and 120: no row, so no figure.
    assert pd.isna(v2["after_90_days"])
    # v10 has been in force 20 days: nothing at 30 yet; `now` is its last row.
    assert pd.isna(v10["after_30_days"]) and (v10["days_in_force"], v10["now"]) == (20, 0.5)


@pytest.mark.parametrize("builder, frame", [(policy.version_mix_chart, MIX), (policy.adoption_chart, ADOPTION)])
def test_without_a_latest_version_nothing_is_highlighted(builder, frame):
    spec = builder(frame, VERSIONS.assign(is_latest=False)).to_dict()
    colour = encoding(spec["layer"][-1] if "layer" in spec else spec, "color")
    assert "labelExpr" not in colour["legend"]
