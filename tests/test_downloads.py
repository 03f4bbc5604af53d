"""Downloads that are finished documents: every chart the pages offer, drawn as a PNG with its title, range,
filters, small-count note and source line, at a size chosen for the chart; CSVs that say the same in comment
lines; file names that say the range and whether a filter was in force.

Each chart is built from the bundled sample as its page builds it (the views in dashboard/views/*.py), with
the sidebar's purpose filter (Marketing, Research and development) and jurisdiction filter (CCPA) in force and
small counts under 5 hidden, so the heading has every line it can have. Each is drawn once (a module fixture):
its export specification as SVG (what downloads.chart_svg gives), whose text elements say where each text
starts and which font size it has, and that SVG rasterised as png_bytes does it (a test checks, on one chart,
that png_bytes gives those very bytes). The Overview's requests volume and version mix are the same charts
as the Requests and Policies pages' (a test checks), so they are drawn once.

Bounds, in CSS pixels (the PNG has `scale` = 2 pixels for each):
- the PNG is exactly scale x the SVG's size (1 px of rounding);
- a chart with an explicit plot width (downloads.PLOT_WIDTH, a facet's FACET_WIDTH) is at least that plus the
  padding on both sides, and at most 440 px more (its axis labels, axis title and a legend beside it); a chart
  that sizes its plot per category (a step width) is 400 to 1,400 px wide; every chart 300 to 1,600 px high;
- no clipping: the outer 4 px of the PNG on every side are all background (white), and every text that is not
  rotated fits inside the picture, its width estimated with Liberation Sans (the sans-serif font vl-convert
  draws with here; DejaVu Sans, wider, when Liberation is missing) at its size and weight;
- no label cut short: no text in the SVG ends with Vega's ellipsis "…".
"""

from __future__ import annotations

import functools
import io
import re
import shutil
from datetime import date
from xml.etree import ElementTree

import pandas as pd
import pytest
import vl_convert
from PIL import Image, ImageFont

from dashboard import downloads, metrics, small_counts
from dashboard.charts import consent as consent_charts
from dashboard.charts import policy as policy_charts
from dashboard.charts import requests as request_charts
from dashboard.downloads import Document, csv_bytes, export_spec, file_name, png_bytes
from dashboard.store import open_store

MIN_CELL = 5
SCALE = 2.0
PURPOSES_LINE = "Purposes: Marketing, Research and development"
JURISDICTIONS_LINE = "Jurisdictions: CCPA"
NOTE = f"Counts under {MIN_CELL} are not shown; they read <{MIN_CELL} in the data."
SOURCE = "Privacy metrics dashboard · data to 31 Oct 2024 · last upload 02 Dec 2026 10:04 UTC · sample data"
WHITE = (255, 255, 255)
SVG = "{http://www.w3.org/2000/svg}"


def build_charts(connection) -> dict[str, tuple]:
    """Every chart the pages offer, as the views build them: {key: (chart, document, filter line)}."""
    filters = metrics.Filters.for_range(connection, purposes=("marketing", "research_development"),
                                        jurisdictions=("CCPA",))
    period = f"{filters.start:%d %b %Y} – {filters.end:%d %b %Y} (UTC)"

    def figure(name, regroup=None):
        exact = metrics.figure(connection, name, filters)
        return small_counts.hide(regroup(exact) if regroup else exact, MIN_CELL)

    def document(title, line):
        return Document(title=title, period=period, filters=(line,), note=NOTE, source=SOURCE)

    consent, requests = PURPOSES_LINE, JURISDICTIONS_LINE
    charts = {}
    # Overview: standing consent by month, requests per month, the version mix.
    trend = consent_charts.with_purpose_labels(figure("consent_monthly_trend"))
    charts["overview-consent-trend"] = (
        consent_charts.monthly_trend_chart(trend, "standing", period, min_cell=MIN_CELL),
        document("Standing opt-in rate by month", consent), consent)
    volume = request_charts.with_month_labels(request_charts.with_type_labels(figure("requests_trailing_12_months")))
    charts["overview-requests-volume"] = (
        request_charts.trailing_volume_chart(volume, f"{filters.end:%B %Y}", min_cell=MIN_CELL),
        document("Requests received per month", requests), requests)
    versions, mix = figure("policy_versions"), figure("policy_version_mix")
    charts["overview-version-mix"] = (policy_charts.version_mix_chart(mix, versions, min_cell=MIN_CELL),
                                      document("Policy version mix by month", consent), consent)
    # Consent: by purpose, month by month, by channel, by region.
    rates = consent_charts.rates_side_by_side(consent_charts.with_purpose_labels(figure("consent_by_purpose")))
    charts["consent-by-purpose"] = (consent_charts.opt_in_rates_chart(rates, period, min_cell=MIN_CELL),
                                    document("Opt-in rate by purpose", consent), consent)
    charts["consent-monthly-trend"] = (
        consent_charts.monthly_trend_chart(trend, "decision", period, min_cell=MIN_CELL),
        document("Opt-in rate by month and purpose", consent), consent)
    for dimension in ("channel", "region"):
        breakdown = consent_charts.with_purpose_labels(figure(f"consent_by_{dimension}"))
        charts[f"consent-by-{dimension}"] = (
            consent_charts.breakdown_chart(breakdown, dimension, period, min_cell=MIN_CELL),
            document(f"Opt-in rate by purpose and {dimension}", consent), consent)
    # Requests: per month by type, by status, days to close (by week while small counts are hidden).
    charts["requests-trailing-12-months"] = (
        request_charts.trailing_volume_chart(volume, f"{filters.end:%B %Y}", min_cell=MIN_CELL),
        document("Requests received per month by type", requests), requests)
    outcomes = request_charts.outcomes_by_status(request_charts.with_type_labels(figure("requests_by_type")))
    charts["requests-by-status"] = (request_charts.outcomes_chart(outcomes, period, min_cell=MIN_CELL),
                                    document("Requests by status and type", requests), requests)
    days = request_charts.with_type_labels(figure("requests_days_to_close", regroup=request_charts.in_weeks))
    charts["requests-days-to-close"] = (request_charts.days_to_close_chart(days, period, min_cell=MIN_CELL),
                                        document("Days to close by request type", requests), requests)
    # Policy versions: the mix and the adoption.
    charts["policy-version-mix"] = (policy_charts.version_mix_chart(mix, versions, min_cell=MIN_CELL),
                                    document("Policy version mix by month", consent), consent)
    charts["policy-adoption"] = (
        policy_charts.adoption_chart(figure("policy_adoption"), versions, min_cell=MIN_CELL),
        document("Policy version adoption", consent), consent)
    return charts


# The Overview's requests volume and version mix are the Requests and Policies pages' charts (the same builder on
# the same frame): each is drawn once, under the page's title.
SAME_AS = {"overview-requests-volume": "requests-trailing-12-months", "overview-version-mix": "policy-version-mix"}
CHARTS = ["overview-consent-trend", "consent-by-purpose", "consent-monthly-trend", "consent-by-channel",
          "consent-by-region", "requests-trailing-12-months", "requests-by-status", "requests-days-to-close",
          "policy-version-mix", "policy-adoption"]


@pytest.fixture(scope="module")
def rendered(sample_store_file, tmp_path_factory) -> dict[str, dict]:
    """Each chart drawn once: its export specification, that drawn as SVG and the SVG as PNG, as png_bytes
    does (the first test checks png_bytes gives those bytes), and what was asked."""
    copy = tmp_path_factory.mktemp("downloads") / sample_store_file.name
    shutil.copy(sample_store_file, copy)
    key = sample_store_file.with_name(sample_store_file.name + ".key")
    if key.exists():
        shutil.copy(key, copy.with_name(copy.name + ".key"))
    connection = open_store(copy)
    try:
        charts = build_charts(connection)
    finally:
        connection.close()
    drawn = {"all": charts}
    for name in CHARTS:
        chart, document, line = charts[name]
        spec = export_spec(chart, document)
        svg = vl_convert.vegalite_to_svg(spec)
        png = vl_convert.svg_to_png(svg, scale=SCALE)
        drawn[name] = {"png": Image.open(io.BytesIO(png)).convert("RGB"), "png_bytes": png, "svg": svg,
                       "texts": svg_texts(svg), "spec": spec, "document": document, "line": line, "chart": chart}
    return drawn


def test_every_chart_the_pages_offer_is_drawn(rendered):
    charts = rendered["all"]
    assert len(charts) == 12 and sorted(set(charts) - set(SAME_AS)) == sorted(CHARTS)
    for overview, page in SAME_AS.items():
        assert charts[overview][0].to_dict() == charts[page][0].to_dict()
    # png_bytes is the picture drawn here: the export specification as SVG, rasterised at its scale.
    drawn = rendered["consent-by-purpose"]
    assert png_bytes(drawn["chart"], drawn["document"], scale=SCALE) == drawn["png_bytes"]


# --- Reading the SVG -------------------------------------------------------------------------------------

@functools.cache
def _font(size: int, bold: bool):
    """Liberation Sans (the sans-serif font vl-convert draws with here), else DejaVu Sans (wider, so the check
    is stricter), else Pillow's own font."""
    for regular, heavy in (("LiberationSans-Regular.ttf", "LiberationSans-Bold.ttf"),
                           ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf")):
        try:
            return ImageFont.truetype(heavy if bold else regular, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def text_width(text: str, size: float, bold: bool) -> float:
    return _font(round(size), bold).getlength(text) * size / round(size)


def _moved(element) -> tuple[float, bool]:
    """How far an element's transform moves it to the right, and whether it turns it."""
    transform = element.get("transform") or ""
    moved = re.search(r"translate\(([-\d.e]+)", transform)
    return (float(moved.group(1)) if moved else 0.0), "rotate" in transform


def svg_texts(svg: str) -> tuple[float, float, list[dict]]:
    """The SVG's width, height and every text line: its words, left and right edges, size, weight, whether
    it is rotated or invisible."""
    root = ElementTree.fromstring(svg)
    texts = []

    def walk(element, left: float, rotated: bool) -> None:
        x, turned = _moved(element)
        left, rotated = left + x, rotated or turned
        if element.tag == f"{SVG}text":
            size = float((element.get("font-size") or "11").removesuffix("px"))
            bold = element.get("font-weight") in ("bold", "700", "800", "900")
            lines = [span.text or "" for span in element.findall(f"{SVG}tspan")] or [element.text or ""]
            for line in lines:
                width = text_width(line, size, bold)
                anchor = element.get("text-anchor") or "start"
                start = left - {"start": 0, "middle": width / 2, "end": width}[anchor]
                texts.append({"text": line, "left": start, "right": start + width, "size": size, "bold": bold,
                              "rotated": rotated, "hidden": element.get("opacity") == "0"})
            return
        for child in element:
            walk(child, left, rotated)

    walk(root, 0.0, False)
    return float(root.get("width")), float(root.get("height")), texts


def plot_width(spec: dict) -> int | None:
    """The chart's plot width as export_spec set it (a facet's: each facet's), or None for a step width."""
    chart = spec["vconcat"][0]
    inner = chart.get("spec", chart)
    return inner.get("width") if isinstance(inner.get("width"), int) else None


# --- The pictures ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", CHARTS)
def test_the_png_is_the_chart_at_its_export_size(rendered, name):
    drawn = rendered[name]
    width, height, _ = drawn["texts"]
    png = drawn["png"]
    assert abs(png.width - width * SCALE) <= 1 and abs(png.height - height * SCALE) <= 1
    chosen = plot_width(drawn["spec"])
    if chosen is None:
        assert 400 <= width <= 1400, name
    else:
        assert chosen in (downloads.PLOT_WIDTH, downloads.FACET_WIDTH)
        assert chosen + 2 * downloads.PADDING <= width <= chosen + 2 * downloads.PADDING + 440, (name, width)
    assert 300 <= height <= 1600, (name, height)


@pytest.mark.parametrize("name", CHARTS)
def test_nothing_is_clipped_or_cut_short(rendered, name):
    drawn = rendered[name]
    png = drawn["png"]
    edge = round(4 * SCALE)  # 4 CSS px in the PNG's pixels
    strips = [png.crop((0, 0, png.width, edge)), png.crop((0, png.height - edge, png.width, png.height)),
              png.crop((0, 0, edge, png.height)), png.crop((png.width - edge, 0, png.width, png.height))]
    for strip in strips:
        assert strip.getcolors() == [(strip.width * strip.height, WHITE)], name

    width, _, texts = drawn["texts"]
    assert texts
    for text in texts:
        assert not text["text"].endswith("…"), (name, text["text"])
        if text["rotated"] or text["hidden"]:
            continue
        assert text["left"] >= -1 and text["right"] <= width + 1, (name, text)


@pytest.mark.parametrize("name", CHARTS)
def test_the_heading_says_what_range_filters_and_source(rendered, name):
    drawn = rendered[name]
    document = drawn["document"]
    width, _, texts = drawn["texts"]
    by_words = {text["text"]: text for text in texts}
    # The document's title, bold, 18 px, and each of its lines, all within the picture with the padding free.
    title = by_words[document.title]
    assert title["bold"] and title["size"] == downloads.TITLE_SIZE
    lines = [document.period, drawn["line"], NOTE, SOURCE]
    assert document.lines() == lines
    for line in lines:
        assert line in by_words, (name, line)
        assert by_words[line]["size"] == downloads.SUBTITLE_SIZE
    for heading in [document.title, *lines]:
        assert by_words[heading]["left"] >= downloads.PADDING - 1
        assert by_words[heading]["right"] <= width - downloads.PADDING + 1, (name, heading)
    # The lines in the order of Document.lines, top to bottom, in the grey of 8.45:1 contrast on white.
    words = [text["text"] for text in texts]
    assert [words.index(line) for line in lines] == sorted(words.index(line) for line in lines)
    assert f'fill="{downloads.SUBTITLE_COLOUR}"' in drawn["svg"]


def contrast(colour: str) -> float:
    def channel(value: int) -> float:
        value /= 255
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (int(colour[position:position + 2], 16) for position in (1, 3, 5))
    luminance = 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)
    return 1.05 / (luminance + 0.05)


def test_the_heading_colours_pass_contrast_on_white():
    # WCAG: (1 + 0.05) / (L + 0.05); #4D4D4D has L = 0.0742, so 8.45:1; the title's #1A1A1A 17.4:1.
    assert contrast(downloads.SUBTITLE_COLOUR) == pytest.approx(8.45, abs=0.01)
    assert contrast(downloads.TITLE_COLOUR) >= 7


def test_the_chart_keeps_its_own_title_and_drops_a_repeated_period(rendered):
    drawn = rendered["requests-by-status"]
    chart = drawn["spec"]["vconcat"][0]
    # The page's short title heads the document; the chart's own, longer title stays above its plot.
    assert chart["title"]["text"] == "Requests received in the range by latest status, by request type"
    assert drawn["document"].period not in chart["title"].get("subtitle", [])
    assert [text["text"] for text in drawn["texts"][2]].count(drawn["document"].period) == 1


# --- The export specification on small charts ------------------------------------------------------------

def small_frame() -> pd.DataFrame:
    return pd.DataFrame({"month": ["Jan", "Feb", "Jan", "Feb"], "kind": ["a", "a", "b", "b"], "n": [1, 2, 3, 4]})


def test_the_export_size_replaces_the_screen_size():
    import altair as alt

    base = alt.Chart(small_frame()).encode(x="month:N", y="n:Q")
    layered = alt.layer(base.mark_bar(), base.mark_text()).properties(
        width="container", autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    spec = export_spec(layered, Document("T", "01 Jan 2024 – 31 Jan 2024 (UTC)"))
    assert spec["autosize"] == {"type": "pad"} and spec["vconcat"][0]["width"] == downloads.PLOT_WIDTH
    assert spec["vconcat"][0]["height"] == downloads.PLOT_HEIGHT
    faceted = base.mark_bar().properties(width=640, height=110).facet(row="kind:N")
    assert export_spec(faceted)["vconcat"][0]["spec"]["width"] == downloads.FACET_WIDTH
    joined = alt.hconcat(base.mark_bar(), base.mark_line())
    assert [part["width"] for part in export_spec(joined)["vconcat"][0]["hconcat"]] == [
        downloads.PLOT_WIDTH // 2] * 2
    # A step width (a width per category) grows with the data, so it stays.
    stepped = base.mark_bar().properties(width=alt.Step(48))
    assert export_spec(stepped)["vconcat"][0]["width"] == {"step": 48}
    # Every label limit is raised: nothing is cut at Vega's 180 px or the chart's own limit.
    limited = base.mark_bar().encode(y=alt.Y("n:Q", axis=alt.Axis(labelLimit=120)))
    exported = export_spec(limited)
    assert exported["vconcat"][0]["encoding"]["y"]["axis"]["labelLimit"] == downloads.LABEL_LIMIT
    assert exported["config"]["axis"]["labelLimit"] == downloads.LABEL_LIMIT
    # The chart passed in is not changed.
    assert limited.to_dict()["encoding"]["y"]["axis"]["labelLimit"] == 120


def test_a_long_heading_line_is_wrapped_and_nothing_is_lost():
    import altair as alt

    regions = ", ".join(f"Region number {number}" for number in range(1, 31))
    document = Document("Opt-in rate by purpose and region", "01 Jan 2024 – 31 Jan 2024 (UTC)",
                        filters=(f"Regions: {regions}",))
    subtitle = export_spec(alt.Chart(small_frame()).mark_bar().encode(x="month:N", y="n:Q"), document)[
        "title"]["subtitle"]
    assert len(subtitle) > 2
    assert " ".join(subtitle[1:]) == f"Regions: {regions}"
    assert max(len(line) for line in subtitle) <= (downloads.PLOT_WIDTH + downloads.AXIS_ALLOWANCE) / (
        downloads.CHARACTER_WIDTH)


# --- The document's lines, the CSV and the file name -----------------------------------------------------

def test_a_document_lists_its_lines_in_order_and_says_when_nothing_is_filtered():
    full = Document("Opt-in rate by purpose", "01 Jan 2023 – 31 Dec 2023 (UTC)",
                    filters=("Purposes: Marketing", "Regions: US-CA"), note=NOTE, source=SOURCE)
    assert full.lines() == ["01 Jan 2023 – 31 Dec 2023 (UTC)", "Purposes: Marketing", "Regions: US-CA", NOTE,
                            SOURCE]
    plain = Document("Opt-in rate by purpose", "01 Jan 2023 – 31 Dec 2023 (UTC)")
    assert plain.lines() == ["01 Jan 2023 – 31 Dec 2023 (UTC)", downloads.NO_FILTERS]


def test_a_csv_opens_with_its_document_in_comment_lines():
    frame = pd.DataFrame({"Purpose": ["Marketing", "=HYPERLINK(\"http://evil.example\")"], "People": [1234, 5],
                          "Change": ["-3", "-1.5%"]})
    document = Document("Opt-in rate by purpose", "01 Jan 2023 – 31 Dec 2023 (UTC)",
                        filters=('Channels: Web, =cmd|"/c calc"!A1', "Regions: US-CA"), note=NOTE, source=SOURCE)
    data = csv_bytes(frame, document)
    assert data.startswith("\ufeff".encode())  # the BOM, so that Excel reads UTF-8
    lines = data.decode("utf-8-sig").splitlines()
    assert lines[:6] == [
        "# Opt-in rate by purpose",
        "# 01 Jan 2023 – 31 Dec 2023 (UTC)",
        # A spreadsheet splits a line at its commas: each piece that would be a formula is text, no quote opens.
        "# Channels: Web, '=cmd|'/c calc'!A1",
        "# Regions: US-CA",
        f"# {NOTE}",
        f"# {SOURCE}",
    ]
    assert lines[6] == "Purpose,People,Change"
    back = pd.read_csv(io.BytesIO(data), comment="#", dtype=str)  # pandas skips the BOM itself
    # The formula cell is neutralised as before; text that is only a number stays as it is.
    assert back.to_dict("records") == [
        {"Purpose": "Marketing", "People": "1234", "Change": "-3"},
        {"Purpose": "'=HYPERLINK(\"http://evil.example\")", "People": "5", "Change": "-1.5%"},
    ]
    # Without a document the CSV is the table alone, as before.
    assert csv_bytes(frame).decode("utf-8-sig").splitlines()[0] == "Purpose,People,Change"


def test_file_names_say_the_range_and_a_filter_in_safe_characters():
    document = Document("Opt-in rate by purpose", "01 Nov 2023 – 31 Oct 2024 (UTC)")
    assert file_name("consent-by-purpose", document, "png") == "consent-by-purpose_2023-11-01_2024-10-31.png"
    filtered = Document("x", "01 Nov 2023 – 31 Oct 2024 (UTC)", filters=("Purposes: Marketing",))
    assert file_name("consent-by-purpose", filtered, "csv") == (
        "consent-by-purpose_2023-11-01_2024-10-31_filtered.csv")
    assert file_name("Requests / by type", None, ".CSV") == "requests-by-type.csv"
    assert file_name("ccpa", Document("x", "Calendar year 2024"), "md") == "ccpa.md"
    assert date.fromisoformat(file_name("k", document, "png").split("_")[2].removesuffix(".png")) == date(
        2024, 10, 31)
