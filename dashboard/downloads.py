"""What a user takes away: a chart's data as CSV that no spreadsheet executes, and the chart as a PNG that is a
finished document: its title, range, the filters in force, the small-count note and where the data comes from.

A PNG is drawn on the server (vl-convert) at a size chosen for the chart, not for the screen it was looked at on:
a single or layered chart's plot is `PLOT_WIDTH` CSS pixels wide, each facet of a faceted chart `FACET_WIDTH`,
each part of a concatenated chart shares `PLOT_WIDTH`. The image is `scale` times that (2 by default).
"""

from __future__ import annotations

import copy
import re
import textwrap
from dataclasses import dataclass
from datetime import datetime

import altair as alt
import pandas as pd

from dashboard.formatting import DATE_FORMAT

# The first words of every download's source line.
SOURCE = "Privacy metrics dashboard"

# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Text that is only a number ("-3", "-1,234.5", "-12.5%") is read as that number, never run.
PLAIN_NUMBER = re.compile(r"(?=.*\d)[-+]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?%?")

NO_FILTERS = "No filters: all data in the range"

# The exported picture's sizes, in CSS pixels (the PNG has `scale` device pixels for each).
PLOT_WIDTH = 760       # the plot of a single or layered chart; its axis labels and legend come beside it
FACET_WIDTH = 680      # each facet's plot
PLOT_HEIGHT = 360      # a plot's height when the chart leaves it to its container (or sets none)
FACET_HEIGHT = 160     # the same for each facet
PADDING = 16           # blank margin around everything
LABEL_LIMIT = 1000     # the widest axis, legend or header label drawn whole (Vega's default cuts at 180)
# Type and colours of the document's heading: near-black (17.4:1 on white) and a grey of 8.45:1 (WCAG AAA asks 7:1).
TITLE_SIZE = 18
SUBTITLE_SIZE = 13
TITLE_COLOUR = "#1A1A1A"
SUBTITLE_COLOUR = "#4D4D4D"
# Subtitle lines are wrapped to the picture's width, counting each character as half an em (sans-serif text
# averages 0.45 em a character). A longer line never clips: the picture widens to hold its heading.
CHARACTER_WIDTH = 0.5 * SUBTITLE_SIZE
AXIS_ALLOWANCE = 140   # what a plot's axis labels and title usually add to its width


@dataclass(frozen=True)
class Document:
    """What a download says about itself.

    title: what it shows ("Opt-in rate by purpose"); period: the range ("01 Jan 2023 – 31 Dec 2023 (UTC)",
    dates as formatting.day writes them); filters: one line per filter in force ("Purposes: Marketing");
    note: the small-count note when it applies; source: where and how fresh ("Privacy metrics dashboard ·
    data to 31 Oct 2024 · last upload 02 Dec 2026 10:04 UTC").
    """

    title: str
    period: str
    filters: tuple[str, ...] = ()
    note: str | None = None
    source: str = ""

    def lines(self) -> list[str]:
        """The lines under the title, in order: the period, the filters (NO_FILTERS when none is in force, so a
        forwarded copy says it covers everything), the note, the source. Empty parts are left out."""
        lines = [self.period] if self.period else []
        lines.extend(self.filters or (NO_FILTERS,))
        if self.note:
            lines.append(self.note)
        if self.source:
            lines.append(self.source)
        return [" ".join(str(line).split()) for line in lines]


def neutralise(value):
    """Text that a spreadsheet would run as a formula, prefixed with ' so it is shown as text.

    Numbers are left alone: -3 is a number, not a formula; so is the text "-3" or "-12.5%".
    """
    if isinstance(value, str) and value.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def _comment(line: str) -> str:
    """A comment line that cannot break the table or run: one line, no double quote (a spreadsheet would
    open a quoted cell there), and every comma-separated piece neutralised (a spreadsheet splits the line
    into cells at its commas)."""
    text = " ".join(str(line).split()).replace('"', "'")
    pieces = text.split(",")
    safe = [pieces[0]] + [
        (" " * (len(piece) - len(piece.lstrip()))) + neutralise(piece.lstrip()) for piece in pieces[1:]]
    return "# " + ",".join(safe)


def csv_bytes(frame: pd.DataFrame, document: Document | None = None) -> bytes:
    """The frame as UTF-8 CSV (with BOM, so Excel reads accents), every text cell neutralised.

    With a document, comment lines come first, each starting "# ": the title, then its lines (period, filters,
    note, source); then the header and the rows. `pandas.read_csv(file, comment="#")` reads it back as the
    table when no cell holds "#" (pandas drops the rest of any line from a "#"); otherwise pass
    `skiprows=` the number of leading lines that start with "# ".
    """
    safe = frame.copy()
    safe.columns = [neutralise(str(column)) for column in safe.columns]
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    text = safe.to_csv(index=False)
    if document is not None:
        comments = [_comment(document.title), *(_comment(line) for line in document.lines())]
        text = "\n".join(comments) + "\n" + text
    return text.encode("utf-8-sig")


def file_name(key: str, document: Document | None, extension: str) -> str:
    """`<key>_<first day>_<last day>[_filtered].<extension>`, e.g.
    `consent-by-purpose_2023-11-01_2024-10-31_filtered.png`: the days are the dates the document's period
    names (ISO), `_filtered` when a filter is in force. Only a-z, 0-9, "-", "_" and "."; without a document,
    or a period naming no date, `<key>.<extension>`."""
    stem = re.sub(r"[^a-z0-9]+", "-", key.lower()).strip("-") or "download"
    parts = [stem]
    if document is not None:
        for found in re.findall(r"\d{1,2} [A-Z][a-z]{2} \d{4}", document.period)[:2]:
            try:
                parts.append(datetime.strptime(found, DATE_FORMAT).date().isoformat())
            except ValueError:
                continue
        if document.filters:
            parts.append("filtered")
    return "_".join(parts) + "." + (re.sub(r"[^a-z0-9]+", "", extension.lower()) or "bin")


# --- The exported chart --------------------------------------------------------------------------------

# Properties only a top-level specification has; they move to the document around the chart.
TOP_LEVEL_ONLY = ("$schema", "config", "datasets", "background", "padding", "autosize", "usermeta", "locale")
COMPOSITIONS = ("hconcat", "vconcat", "concat")


def _shape(spec: dict) -> str:
    """"facet", "concat", or "plot" (a single or layered chart)."""
    if "facet" in spec and "spec" in spec:
        return "facet"
    if any(name in spec for name in COMPOSITIONS):
        return "concat"
    encoding = spec.get("encoding") or {}
    if any(channel in encoding for channel in ("row", "column", "facet")):
        return "facet"
    return "plot"


def _size_plot(spec: dict, width: int, height: int = PLOT_HEIGHT) -> None:
    """A single or layered chart (or one part of a composition): an explicit width, and a height when the
    chart left it to its container. A step size (a width or height per category) is kept: it grows with the
    data."""
    if not isinstance(spec.get("width"), dict):
        spec["width"] = width
    if spec.get("height") in (None, "container"):
        spec["height"] = height


def _size(spec: dict, width: int) -> None:
    shape = _shape(spec)
    if shape == "facet":
        inner = spec.get("spec", spec)
        _size_plot(inner, FACET_WIDTH if width == PLOT_WIDTH else width, FACET_HEIGHT)
    elif shape == "concat":
        if "vconcat" in spec:
            for part in spec["vconcat"]:
                _size(part, width)
        else:
            parts = spec.get("hconcat") or spec.get("concat") or []
            columns = len(parts) if "hconcat" in spec else min(len(parts), spec.get("columns") or len(parts))
            for part in parts:
                _size(part, max(width // max(columns, 1), 200))
    else:
        _size_plot(spec, width)


def _whole_labels(node) -> None:
    """Raise every label and title limit the chart set below LABEL_LIMIT: an exported label is never cut."""
    if isinstance(node, dict):
        for name, value in node.items():
            if name in ("labelLimit", "titleLimit") and isinstance(value, (int, float)) and 0 < value < LABEL_LIMIT:
                node[name] = LABEL_LIMIT
            else:
                _whole_labels(value)
    elif isinstance(node, list):
        for item in node:
            _whole_labels(item)


def _title_parts(title) -> tuple[str | None, list[str], dict]:
    """A Vega-Lite title's text, its subtitle lines and its other settings."""
    if title is None:
        return None, [], {}
    if isinstance(title, (str, list)):
        title = {"text": title}
    settings = dict(title)
    text = settings.pop("text", None)
    subtitle = settings.pop("subtitle", None)
    text = " ".join(text) if isinstance(text, list) else text
    lines = [subtitle] if isinstance(subtitle, str) else list(subtitle or [])
    return text or None, [line for line in lines if line], settings


def _reflowed(lines) -> list[str]:
    """A chart's subtitle lines, which its builder broke for the screen's width, as whole sentences again: a
    line that starts in lower case or with "(" continues the line before it."""
    sentences: list[str] = []
    for line in (" ".join(str(line).split()) for line in lines):
        if sentences and line and (line[0].islower() or line[0] == "("):
            sentences[-1] += " " + line
        elif line:
            sentences.append(line)
    return sentences


def _wrapped(lines, width: int) -> list[str]:
    characters = max(int((width + AXIS_ALLOWANCE) / CHARACTER_WIDTH), 60)
    wrapped = []
    for line in lines:
        wrapped.extend(textwrap.wrap(line, characters, break_long_words=True, break_on_hyphens=False) or [""])
    return wrapped


def export_spec(chart: alt.TopLevelMixin | dict, document: Document | None = None, *,
                width: int | None = None) -> dict:
    """The Vega-Lite specification png_bytes draws: the chart at its export size, every label whole, under the
    document's heading.

    The document's title is the heading, its lines (Document.lines) the grey lines under it, left-aligned.
    The chart keeps its own title, in smaller type just above its plot, where it says more than the heading;
    its subtitle lines are joined into sentences again and wrapped to the export width, and a line the
    document already says (the period) is left out. `width` is the plot's width in
    CSS pixels (default PLOT_WIDTH; a facet's FACET_WIDTH).
    """
    # The page drew this chart already: its specification was checked against the schema then.
    source = chart if isinstance(chart, dict) else chart.to_dict(validate=False)
    spec = copy.deepcopy(source)
    top = {name: spec.pop(name) for name in TOP_LEVEL_ONLY if name in spec}
    top.pop("autosize", None)  # "fit" or a container size would size the picture by the screen it came from
    top.pop("padding", None)
    plot_width = width or PLOT_WIDTH
    _size(spec, plot_width)
    _whole_labels(spec)

    own_text, own_lines, own_settings = _title_parts(spec.pop("title", None))
    if document is not None:
        said = {line.casefold() for line in [document.title, *document.lines()]}
        if own_text and own_text.casefold() == document.title.casefold():
            own_text = None
        own_lines = [line for line in _reflowed(own_lines) if line.casefold() not in said]
    else:
        own_lines = _reflowed(own_lines)
    if own_text or own_lines:
        spec["title"] = {
            **own_settings, "text": own_text or "", "anchor": "start", "frame": "bounds", "fontSize": 14,
            "color": TITLE_COLOUR, "subtitleColor": SUBTITLE_COLOUR, "subtitleFontSize": 12,
            **({"subtitle": _wrapped(own_lines, plot_width)} if own_lines else {}),
        }

    config = copy.deepcopy(top.pop("config", {}))
    for part in ("axis", "legend", "header"):
        config.setdefault(part, {})
        config[part]["labelLimit"] = LABEL_LIMIT
        config[part]["titleLimit"] = LABEL_LIMIT
    config.setdefault("view", {}).setdefault("continuousWidth", plot_width)
    exported = {
        **top,
        "config": config,
        "background": "white",
        "padding": PADDING,
        "autosize": {"type": "pad"},
        "spacing": 24,
        "vconcat": [spec],
    }
    if document is not None:
        exported["title"] = {
            "text": document.title,
            "subtitle": _wrapped(document.lines(), plot_width),
            "anchor": "start",
            "frame": "bounds",
            "fontSize": TITLE_SIZE,
            "fontWeight": "bold",
            "color": TITLE_COLOUR,
            "subtitleFontSize": SUBTITLE_SIZE,
            "subtitleColor": SUBTITLE_COLOUR,
            "subtitleLineHeight": 18,
            "subtitlePadding": 6,
            "offset": 16,
            "limit": 0,
        }
    return exported


def chart_svg(chart: alt.TopLevelMixin, document: Document | None = None, *, width: int | None = None) -> str:
    """The chart as the finished picture, in SVG (export_spec drawn by vl-convert): what png_bytes rasterises."""
    import vl_convert as vlc

    return vlc.vegalite_to_svg(export_spec(chart, document, width=width))


def png_bytes(chart: alt.TopLevelMixin, document: Document | None = None, *, width: int | None = None,
              scale: float = 2.0) -> bytes:
    """The chart as a finished PNG, drawn on the server at the export size (export_spec), not the screen's:
    chart_svg rasterised at `scale` device pixels per CSS pixel (the same pixels as vl-convert's own PNG)."""
    import vl_convert as vlc

    return vlc.svg_to_png(chart_svg(chart, document, width=width), scale=scale)
