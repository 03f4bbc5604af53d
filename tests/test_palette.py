"""The chart colours: each passes WCAG 2.1 non-text contrast on white, the colours of one family are far apart,
and a key keeps its colour whatever else a chart shows.

Contrast and distance are computed here from their published formulas, not by project code:
- WCAG 2.1 relative luminance and contrast ratio (https://www.w3.org/TR/WCAG21/#dfn-relative-luminance,
  #dfn-contrast-ratio); success criterion 1.4.11 asks 3:1 for graphical objects against their background.
- CIELAB (D65 white) from sRGB, and the CIE 1976 colour difference ΔE*ab, the Euclidean distance in L*a*b*.
  The palette promises at least 20 between any two colours of one family, and between any request type's and
  any status's colour (they share the Requests page). For scale: 2.3 is a just-noticeable difference; two
  Okabe-Ito colours chosen to be told apart, blue #0072B2 and sky blue #56B4E9, are 26.4 apart.
"""

import itertools
import math

import pandas as pd
import pytest

from dashboard.charts import palette
from dashboard.charts import requests as request_charts

MINIMUM_DISTANCE = 20


def channel(value: int) -> float:
    """An sRGB channel (0-255) made linear, as WCAG 2.1 defines it (its 0.03928 and IEC's 0.04045 agree on
    8-bit values)."""
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[position:position + 2], 16) for position in (1, 3, 5))


def luminance(colour: str) -> float:
    r, g, b = (channel(value) for value in rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(colour: str, background: str = "#FFFFFF") -> float:
    lighter, darker = sorted((luminance(colour), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def lab(colour: str) -> tuple[float, float, float]:
    """sRGB to CIELAB under D65 (sRGB's matrix to XYZ, then the CIE 1976 formulas)."""
    r, g, b = (channel(value) for value in rgb(colour))
    x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
    y = 0.2126 * r + 0.7152 * g + 0.0722 * b
    z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883

    def f(t):
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    return 116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z))


def distance(first: str, second: str) -> float:
    return math.dist(lab(first), lab(second))


FAMILIES = {
    "purposes": palette.PURPOSE_COLOURS,
    "request types": palette.REQUEST_TYPE_COLOURS,
    "statuses": palette.STATUS_COLOURS,
    "policy versions": palette.VERSION_COLOURS,
    "methods": palette.METHOD_COLOURS,
}


def test_the_formulas_give_the_published_figures():
    # WCAG's own examples: black on white is 21:1; #767676 is the lightest grey with 4.5:1 on white.
    assert contrast("#000000") == pytest.approx(21.0)
    assert contrast("#767676") == pytest.approx(4.54, abs=0.01)
    # White in CIELAB is L* 100, a* b* 0; pure sRGB red is L* 53.24, a* 80.09, b* 67.20.
    assert lab("#FFFFFF") == pytest.approx((100, 0, 0), abs=0.02)  # the rounded sRGB matrix leaves b* -0.01
    assert lab("#FF0000") == pytest.approx((53.24, 80.09, 67.20), abs=0.05)


@pytest.mark.parametrize("family", FAMILIES)
def test_every_colour_has_3_to_1_contrast_on_white(family):
    weak = {colour: round(contrast(colour), 2) for colour in FAMILIES[family] if contrast(colour) < 3}
    assert weak == {}
    # Okabe-Ito's orange, sky blue and yellow (2.3, 2.3 and 1.3 to 1) are not among them.
    assert not {"#E69F00", "#56B4E9", "#F0E442"} & set(FAMILIES[family])


def test_the_grey_of_reference_lines_reads_as_text():
    assert contrast(palette.GREY) >= 4.5


@pytest.mark.parametrize("family", FAMILIES)
def test_the_colours_of_a_family_are_far_apart(family):
    colours = FAMILIES[family]
    assert len(set(colours)) == len(colours)
    closest = min(itertools.combinations(colours, 2), key=lambda pair: distance(*pair))
    assert distance(*closest) >= MINIMUM_DISTANCE, closest


def test_request_types_and_statuses_share_no_colour():
    # Today's two clashes: Deletion and Open were both orange, Correction and Completed both green.
    assert not set(palette.REQUEST_TYPE_COLOURS) & set(palette.STATUS_COLOURS)
    closest = min(itertools.product(palette.REQUEST_TYPE_COLOURS, palette.STATUS_COLOURS),
                  key=lambda pair: distance(*pair))
    assert distance(*closest) >= MINIMUM_DISTANCE, closest


def test_keys_take_their_colours_in_the_catalogue_order():
    # data/labels.toml lists access, deletion, correction, opt_out, ... in that order.
    assert palette.colours("request_type") == {
        "access": "#0072B2", "deletion": "#D55E00", "correction": "#762A83", "opt_out": "#CC79A7",
        "limit": "#1E5B1E", "portability": "#332288", "objection": "#8C510A", "restriction": "#00838F",
        "other": "#000000"}
    assert palette.colours("status") == {"completed": "#009E73", "denied": "#A3243B", "withdrawn": "#5F5F5F",
                                         "open": "#B87F00"}
    # data/purposes.csv: marketing is the fifth purpose, research and development the sixth.
    assert palette.colour("purpose", "marketing") == "#0072B2"
    assert palette.colour("purpose", "research_development") == "#D55E00"


def test_a_key_outside_the_catalogue_takes_the_next_unused_colour():
    # Nine catalogue types: the tenth colour, then the eleventh for the next new key by name.
    with_new = palette.colours("request_type", ["right_to_explanation", "appeal"])
    assert with_new["appeal"] == "#C51B7D"
    assert with_new["right_to_explanation"] == "#7A7A00"
    assert with_new["deletion"] == "#D55E00"
    assert len(set(with_new.values())) == len(with_new)
    new_purpose = palette.colour("purpose", "loyalty_programme")
    assert new_purpose == "#762A83" and new_purpose not in palette.colours("purpose").values()
    assert contrast(new_purpose) >= 3


def test_versions_take_their_colours_by_position_among_all_versions():
    before = palette.version_colours(["2022-11-01", "2023-06-01"])
    after_an_upload = palette.version_colours(["2022-11-01", "2023-06-01", "2024-09-01"])
    assert before == {"2022-11-01": "#0072B2", "2023-06-01": "#D55E00"}
    assert after_an_upload == {**before, "2024-09-01": "#009E73"}


def test_the_deletion_colour_is_the_same_on_every_request_chart():
    trailing = pd.DataFrame({"month": ["2024-01"] * 2, "request_type": ["deletion", "access"], "received": [3, 5],
                             "month_total": [8, 8]})
    for frame in (trailing, trailing[trailing["request_type"] == "deletion"]):
        labelled = request_charts.with_month_labels(request_charts.with_type_labels(frame))
        bars = request_charts.trailing_volume_chart(labelled, "January 2024").to_dict()["layer"][0]
        scale = bars["encoding"]["color"]["scale"]
        assert scale["range"][scale["domain"].index("deletion")] == "#D55E00"
