"""Colours that mean the same thing on every page (one per purpose, request type, status and policy version),
and the legends, titles and descriptions every chart builder writes the same way.

Each family has its own list of colours, given to its keys in the catalogue's order (`labels.order`), so a
key keeps its colour whatever else a chart shows; a key the catalogue does not list takes the family's next
unused colour (catalogue keys first, then other keys by name). Policy versions take theirs by their position
among all versions in effective-date order, so an upload adding a newer version leaves the others' colours as
they were. Once a family's list is used up its colours repeat, in the same order.

Every colour has at least 3:1 contrast against white (WCAG 2.1, 1.4.11 non-text contrast). Any two colours of
one family are at least 20 apart in CIELAB (ΔE*ab, CIE 1976), and so are a request type's and a status's,
which share a page without sharing a colour (tests/test_palette.py computes both). Blue, vermilion, bluish
green and reddish purple are Okabe and Ito's, chosen to stay apart for the common colour-vision deficiencies,
and go to the keys most charts show (marketing and research, access and deletion, the first versions); the
others are darker tones. No set of nine colours stays apart for every colour vision, so legends, tooltips and
labels name each key as well.
"""

from __future__ import annotations

import json

import altair as alt
import pandas as pd

from dashboard import labels

# Catalogue order: transaction processing, customer service, quality control, communications, marketing,
# research and development; then the colours of purposes the catalogue lacks.
PURPOSE_COLOURS = ("#009E73", "#CC79A7", "#332288", "#8C510A", "#0072B2", "#D55E00",
                   "#762A83", "#00838F", "#C51B7D", "#1E5B1E", "#000000", "#7A7A00")
# Catalogue order: access, deletion, correction, opt-out, limit, portability, objection, restriction, other.
REQUEST_TYPE_COLOURS = ("#0072B2", "#D55E00", "#762A83", "#CC79A7", "#1E5B1E", "#332288", "#8C510A", "#00838F",
                        "#000000", "#C51B7D", "#7A7A00")
# Completed green, denied red, withdrawn grey, open amber: none of them a request type's colour.
STATUS_COLOURS = ("#009E73", "#A3243B", "#5F5F5F", "#B87F00", "#0000CC", "#9900E6")
# Oldest version first.
VERSION_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#332288", "#8C510A", "#00838F", "#000000",
                   "#762A83", "#C51B7D", "#1E5B1E", "#7A7A00")

# Deadline health: overdue red, due soon amber, on track green, as the statuses' denied, open and completed.
HEALTH_COLOURS = ("#A3243B", "#B87F00", "#009E73")

# The grounds of a denial, in the catalogue's order: identity, not a consumer, exempt, other, none recorded (grey).
DENIAL_COLOURS = ("#0072B2", "#D55E00", "#762A83", "#8C510A", "#767676")

# How a choice was made, in the catalogue's order: the Global Privacy Control signal in vermilion, a colour no other
# method takes; banner, preference centre, e-mail link, API, the site's script, another tool; not recorded in grey;
# then the colours of methods the catalogue lacks.
METHOD_COLOURS = ("#D55E00", "#0072B2", "#009E73", "#CC79A7", "#332288", "#8C510A", "#00838F", "#767676",
                  "#762A83", "#1E5B1E", "#000000", "#7A7A00")

FAMILIES = {"purpose": PURPOSE_COLOURS, "request_type": REQUEST_TYPE_COLOURS, "status": STATUS_COLOURS,
            "health": HEALTH_COLOURS, "denial_category": DENIAL_COLOURS, "method": METHOD_COLOURS}

# Every chart fills the page's width; the height given is the plot's own, titles and legends come on top of it
# (Streamlit would otherwise squeeze a layered chart's plot to make everything fit one height).
FIT_WIDTH = alt.AutoSizeParams(type="fit-x", contains="padding")

# Reference lines and their words (4.5:1 on white, so it also serves as text).
GREY = "#767676"
# An earlier range laid over the range's own (comparisons.py): its lines dashed and faded, so that the range's own
# figures stay in front; the dashes, not the fading alone, tell the two apart.
EARLIER_DASH = [5, 3]
EARLIER_OPACITY = 0.5
# A heatmap's rate, light to dark blue; its cells carry their figure as text, so a pale cell loses nothing.
SEQUENTIAL = ("#F2F7FB", "#084594")


def _cycle(colours: tuple[str, ...], keys: list[str]) -> dict[str, str]:
    return {key: colours[position % len(colours)] for position, key in enumerate(keys)}


def colours(field: str, present=()) -> dict[str, str]:
    """{key: colour} for every catalogue key of a field (purpose, request_type, status), then the keys
    present that the catalogue lacks."""
    return _cycle(FAMILIES[field], labels.order(field, present))


def colour(field: str, key: str, present=()) -> str:
    """The colour of one key."""
    return colours(field, [*present, key])[str(key)]


def scale(field: str, present=()) -> alt.Scale:
    """A colour scale whose domain is every catalogue key (so colours never shift) and the keys present."""
    by_key = colours(field, present)
    return alt.Scale(domain=list(by_key), range=list(by_key.values()))


def purpose_colour(present=()) -> alt.Scale:
    """The colour scale of purposes; pass the purposes a chart shows so new ones get a colour too."""
    return scale("purpose", present)


def request_type_colour(present=()) -> alt.Scale:
    return scale("request_type", present)


def status_colour(present=()) -> alt.Scale:
    return scale("status", present)


def version_colours(order: list[str]) -> dict[str, str]:
    """{version: colour} by position in `order`: every version, oldest effective date first."""
    return _cycle(VERSION_COLOURS, list(dict.fromkeys(order)))


def version_colour(order: list[str]) -> alt.Scale:
    """The colour scale of policy versions, its legend in the order given (all versions, oldest first)."""
    by_key = version_colours(order)
    return alt.Scale(domain=list(by_key), range=list(by_key.values()))


def legend_names(field: str, keys) -> str:
    """A legend's labelExpr naming each key by its display name (labels.name); other labels as they are."""
    expression = "datum.label"
    for key in reversed(list(dict.fromkeys(keys))):
        expression = (f"datum.label === {json.dumps(str(key))} ? {json.dumps(labels.name(field, key))} : "
                      f"({expression})")
    return expression


def legend(field: str, keys, title: str) -> alt.Legend:
    """A legend of the keys a chart draws, by their names, under the chart: two columns, so it wraps instead
    of running past the right edge of a narrow chart (a 450-pixel column holds two names of 30 characters)."""
    keys = list(dict.fromkeys(keys))
    return alt.Legend(title=title, values=keys, labelExpr=legend_names(field, keys), orient="bottom", columns=2,
                      labelLimit=LABEL_LIMIT)


# Longest label of a legend or axis, in pixels; an export raises it.
LABEL_LIMIT = 200
# Lines of a title and a subtitle are broken at about this many characters, so they fit a 450-pixel chart.
TITLE_CHARACTERS = 56
SUBTITLE_CHARACTERS = 68


def wrapped(text: str, characters: int) -> list[str]:
    """Text as lines of at most `characters` characters (a longer word keeps a line of its own), broken
    between words."""
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= characters:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def wrapped_labels(names, characters: int = 16, *, lines: int | None = None) -> str:
    """An axis labelExpr putting each name longer than `characters` on several lines. With `lines`, every
    name has that many, blank ones first: an axis on top of a chart draws a label's lines downwards from its
    position, so the labels end level just above the plot when the axis is raised by the extra lines."""
    expression = "datum.label"
    for name in reversed(list(dict.fromkeys(names))):
        parts = wrapped(name, characters)
        if lines:
            parts = [""] * (lines - len(parts)) + parts
        if len(parts) > 1:
            expression = f"datum.label === {json.dumps(name)} ? {json.dumps(parts)} : ({expression})"
    return expression


LINE_HEIGHT = 13


def top_axis(names, characters: int = 16, **options) -> alt.Axis:
    """An axis above the plot whose long names take two or more lines, all ending just above the plot."""
    lines = max((len(wrapped(name, characters)) for name in names), default=1)
    return alt.Axis(orient="top", labelAngle=0, labelExpr=wrapped_labels(names, characters, lines=lines),
                    labelLineHeight=LINE_HEIGHT, labelPadding=3 + LINE_HEIGHT * (lines - 1), labelLimit=0,
                    **options)


def title(text: str, *lines: str | None) -> alt.Title:
    """A chart's title, left-aligned, with its subtitle lines (the range first, then notes); a line too long
    for a narrow chart is broken, and so is a long title."""
    subtitle = [part for line in lines if line for part in wrapped(line, SUBTITLE_CHARACTERS)]
    heading = text if len(text) <= TITLE_CHARACTERS else wrapped(text, TITLE_CHARACTERS)
    return alt.Title(heading, subtitle=subtitle or "", anchor="start")


def description(what: str, period: str | None, headline: str | None) -> str:
    """The chart's text for screen readers (Vega's aria-label): what it shows, for which range, and its
    headline figure."""
    text = what + (f", {period}" if period else "") + "."
    return text + (f" {headline}." if headline else "")


def names_axis(field: str, names: list[str], characters: int = 18) -> alt.Y:
    """The y axis of a horizontal bar chart, one bar per name (`field`), each name on as many lines as it needs."""
    return alt.Y(f"{field}:N", sort=names, title=None,
                 axis=alt.Axis(labelExpr=wrapped_labels(names, characters), labelLimit=0, labelLineHeight=12,
                               labelOverlap=False))


def room_for_figures(largest, room: float) -> alt.Scale:
    """A count scale reaching `room` times the largest bar (a missing largest counts as 0), so the figure written
    past the longest bar stays inside the chart."""
    largest = 0 if largest is None or pd.isna(largest) else float(largest)
    return alt.Scale(domain=[0, max(largest * room, 1)], nice=True)


def stacked_by(field: str, keys: list[str], *, count: str, axis_title: str, legend_title: str,
               x_scale: alt.Scale) -> dict:
    """The x, colour and order encodings of bars of `count` stacked by a family's keys (`field`, a FAMILIES name)
    in the catalogue's order, the first key at the base, its legend under the chart by the keys' names."""
    return {
        "x": alt.X(f"{count}:Q", stack="zero", title=axis_title, scale=x_scale,
                   axis=alt.Axis(format=",d", tickMinStep=1)),
        "color": alt.Color(f"{field}:N", scale=scale(field, keys), title=legend_title,
                           legend=alt.Legend(orient="bottom", values=keys, columns=2, labelLimit=260,
                                             labelExpr=legend_names(field, keys))),
        "order": alt.Order(f"{field}_rank:Q", sort="ascending"),
    }


def rank(field: str, order: list[str]) -> str:
    """An expression giving each key of `field` its position in `order` (others after), for a stack's order."""
    positions = " : ".join(f"datum.{field} === {json.dumps(key)} ? {position}" for position, key in enumerate(order))
    return f"{positions} : {len(order)}" if order else "0"
