"""Markers on the trend charts: a thin vertical line for each policy version taking effect and each team event
(chart_markers), its words above the plot, and a subtitle line saying what the lines are."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date

import altair as alt
import pandas as pd

from dashboard.charts.palette import GREY
from dashboard.formatting import day

POLICY = "policy"
TEAM = "team"
KIND_WORDS = {POLICY: "Policy version in force", TEAM: "Team event"}
# Policy versions: grey dashes; team events: a solid near-black line. Both have 4.5:1 contrast on white, so the
# words beside them may share their colour.
STROKES = {POLICY: (GREY, [5, 3]), TEAM: ("#333333", [1, 0])}
FONT_SIZE = 10
# The width of the plot the labels are laid out for: a chart's on an 800-pixel window (the page less its sidebar and
# the y axis), the narrowest the dashboard is read at. Wider (the PNG's 720 pixels, a 1400-pixel window), labels
# only have more room.
PLOT_WIDTH = 400
# The width of one character at FONT_SIZE: enough to tell whether two labels would overlap on the same row.
CHARACTER_WIDTH = 5.6
# The events file allows 60 characters; a policy's label is about 30.
MAX_LABEL_WIDTH = 60 * CHARACTER_WIDTH
ROW_HEIGHT = FONT_SIZE + 3
# The labels' first row sits this far above the plot: room for the totals a bar chart writes over its bars.
ABOVE_THE_PLOT = 16
MAX_ROWS = 4


@dataclass(frozen=True)
class TemporalMonths:
    """A time x axis of months (x = "month:T", timeUnit utcyearmonth): a marker sits on its day.
    `months` are the chart's months as YYYY-MM, in order."""

    months: tuple[str, ...]

    @classmethod
    def of(cls, months) -> TemporalMonths:
        """The axis of a frame's month column (dates, or text starting YYYY-MM)."""
        return cls(tuple(sorted({str(month)[:7] for month in months})))


@dataclass(frozen=True)
class MonthBands:
    """An ordinal x axis with one band per month (x = `field`, its values `months` written with `month_format`,
    a strftime pattern): a marker sits in its month's band, as far across it as its day is into the month."""

    field: str
    months: tuple[str, ...]
    month_format: str = "%Y-%m"


def _month_number(day_: date) -> float:
    """Months since year 0, with the day as a fraction: where a day falls along a monthly axis."""
    days = calendar.monthrange(day_.year, day_.month)[1]
    return day_.year * 12 + day_.month - 1 + (day_.day - 1) / days


def _chart_months(axis) -> list[str]:
    """The chart's months as YYYY-MM."""
    if isinstance(axis, MonthBands):
        return [pd.to_datetime(str(month), format=axis.month_format).strftime("%Y-%m") for month in axis.months]
    return [str(month)[:7] for month in axis.months]


def placed(markers: pd.DataFrame, axis) -> pd.DataFrame:
    """The markers a chart can show (those in its months), with what the layers draw: the day as text, the kind in
    words, the row of the label (a label starts a new row where it would run into the previous one's), and, on a
    band axis, the band and how far across it the day is."""
    columns = ["date", "date_text", "label", "kind", "kind_text", "row", "side", "band", "across"]
    if markers is None or markers.empty:
        return pd.DataFrame(columns=columns)
    frame = markers.copy()
    frame["day"] = [pd.Timestamp(value).date() for value in frame["day"]]
    months = _chart_months(axis)
    if isinstance(axis, MonthBands):
        frame = frame[[value.strftime("%Y-%m") in months for value in frame["day"]]]
    frame = frame.sort_values(["day", "kind", "label"], kind="stable").reset_index(drop=True)
    if frame.empty:
        return pd.DataFrame(columns=columns)
    first = _month_number(date.fromisoformat(months[0] + "-01")) if months else min(map(_month_number, frame["day"]))
    if isinstance(axis, MonthBands):
        step = PLOT_WIDTH / max(len(months), 1)
        positions = [(_month_number(value) - first) * step for value in frame["day"]]
    else:
        # A time axis runs from the first month's start to the last month's start, or to a marker beyond them.
        numbers = [_month_number(value) for value in frame["day"]]
        last = _month_number(date.fromisoformat(months[-1] + "-01")) if months else max(numbers)
        first, last = min(first, *numbers), max(last, *numbers)
        positions = [(number - first) * PLOT_WIDTH / max(last - first, 1) for number in numbers]
    rows, sides, taken = [], [], []  # taken: per row, the stretches of the plot its labels cover
    for position, label in zip(positions, frame["label"], strict=True):
        width = 4 + CHARACTER_WIDTH * len(label)
        # A label that would run past the plot's right edge is written to the left of its line.
        side = "right" if position + width > PLOT_WIDTH and position - width >= 0 else "left"
        stretch = (position - width, position) if side == "right" else (position, position + width)
        free = [row for row, stretches in enumerate(taken)
                if all(stretch[1] < start or stretch[0] > end for start, end in stretches)]
        if free:
            row = free[0]
        elif len(taken) < MAX_ROWS:
            row = len(taken)
            taken.append([])
        else:
            row = min(range(len(taken)), key=lambda row: len(taken[row]))  # every row crossed: the emptiest
        taken[row].append(stretch)
        rows.append(row)
        sides.append(side)
    return pd.DataFrame({
        "date": [value.isoformat() for value in frame["day"]],
        "date_text": [day(value) for value in frame["day"]],
        "label": frame["label"].astype(str).tolist(),
        "kind": frame["kind"].astype(str).tolist(),
        "kind_text": [KIND_WORDS.get(kind, kind) for kind in frame["kind"]],
        "row": rows,
        "side": sides,
        "band": [value.strftime(axis.month_format) for value in frame["day"]] if isinstance(axis, MonthBands)
        else [None] * len(frame),
        # Where in its band the day falls: the 1st at the band's start, the last day near its end.
        "across": [(value.day - 0.5) / calendar.monthrange(value.year, value.month)[1] for value in frame["day"]],
    }, columns=columns)


def _x(axis) -> dict:
    """The x (and x offset) encoding of a marker on the chart's own axis. On a band axis the field is the chart's,
    so that the markers' bands join its domain rather than start their own."""
    if isinstance(axis, MonthBands):
        return {"x": alt.X(f"{axis.field}:O", sort=list(axis.months), bandPosition=0, title=None),
                "xOffset": alt.XOffset("across:Q", scale=alt.Scale(domain=[0, 1]))}
    return {"x": alt.X("date:T", timeUnit="utcyearmonthdate", title=None)}


def _kind_scale(position: int) -> alt.Scale:
    return alt.Scale(domain=[KIND_WORDS[POLICY], KIND_WORDS[TEAM]],
                     range=[STROKES[POLICY][position], STROKES[TEAM][position]])


TOOLTIP = [alt.Tooltip("date_text:N", title="Date"), alt.Tooltip("label:N", title="Marker"),
           alt.Tooltip("kind_text:N", title="Kind")]


def layers(markers: pd.DataFrame, axis) -> list[alt.Chart]:
    """The layers to add to a chart for its markers (chart_markers' frame) on its x axis: none when it has none.
    The x field of a band axis is named `band` here; the chart's own field name only matters for its sort."""
    shown = placed(markers, axis)
    if shown.empty:
        return []
    if isinstance(axis, MonthBands):
        shown = shown.rename(columns={"band": axis.field})
    x = _x(axis)
    # What the lines are is said in the subtitle (add): a second legend beside the chart's own runs past a narrow
    # chart's edge.
    legend = None
    rules = alt.Chart(shown).mark_rule(strokeWidth=1.5).encode(
        **x,
        stroke=alt.Stroke("kind_text:N", scale=_kind_scale(0), legend=legend),
        strokeDash=alt.StrokeDash("kind_text:N", scale=_kind_scale(1), legend=legend),
        tooltip=TOOLTIP,
    )
    # Each line goes on above the plot, up beside its words (y in pixels, no scale).
    stubs = alt.Chart(shown).transform_calculate(
        line_top=f"-({ABOVE_THE_PLOT} + datum.row * {ROW_HEIGHT} + {FONT_SIZE})"
    ).mark_rule(strokeWidth=1.5).encode(
        **x, y=alt.Y("line_top:Q", scale=None), y2=alt.Y2Value(0),
        stroke=alt.Stroke("kind_text:N", scale=_kind_scale(0), legend=None),
        strokeDash=alt.StrokeDash("kind_text:N", scale=_kind_scale(1), legend=None),
        tooltip=TOOLTIP,
    )
    colour = alt.when(alt.datum.kind == POLICY).then(alt.value(STROKES[POLICY][0])).otherwise(
        alt.value(STROKES[TEAM][0]))
    words = []
    for (row, side), _ in shown.groupby(["row", "side"], sort=True):
        in_row = alt.Chart(shown).transform_filter((alt.datum.row == int(row)) & (alt.datum.side == side))
        # Above the plot, clear of the bars and of the totals written over them; the first row nearest the plot.
        place = {"align": side, "baseline": "bottom", "dx": 3 if side == "left" else -3,
                 "y": -ABOVE_THE_PLOT - int(row) * ROW_HEIGHT, "fontSize": FONT_SIZE, "limit": MAX_LABEL_WIDTH}
        # A white outline under the words keeps them readable where they cross a line or a bar.
        words.append(in_row.mark_text(**place, stroke="white", strokeWidth=3, strokeJoin="round").encode(
            **x, text="label:N"))
        words.append(in_row.mark_text(**place).encode(**x, text="label:N", color=colour, tooltip=TOOLTIP))
    return [rules, stubs, *words]


def marked_text(markers: pd.DataFrame, axis) -> str | None:
    """The markers in words, for the chart's description: "Marked: Policy 2024-03-15 in force (15 Mar 2024)"."""
    shown = placed(markers, axis)
    if shown.empty:
        return None
    return "Marked: " + "; ".join(f"{row.label} ({row.date_text})" for row in shown.itertuples(index=False))


# What a chart's own properties hold: moved to the layer that adds the markers.
TOP_LEVEL = ("title", "height", "width", "autosize", "description", "config")


def add(chart: alt.Chart | alt.LayerChart, markers: pd.DataFrame | None, axis) -> alt.Chart | alt.LayerChart:
    """The chart with its markers' layers on top, what the lines are in its subtitle, and the markers named in its
    description; the chart as it was when none falls in its months."""
    added = layers(markers, axis) if markers is not None else []
    if not added:
        return chart
    if isinstance(chart, alt.LayerChart):
        marked = chart.copy(deep=False)
        marked.layer = [*chart.layer, *added]
    else:
        inner = chart.copy(deep=False)
        properties = {}
        for name in TOP_LEVEL:
            value = getattr(inner, name, alt.Undefined)
            if value is not alt.Undefined:
                properties[name] = value
                setattr(inner, name, alt.Undefined)
        marked = alt.layer(inner, *added).properties(**properties)
    words = marked_text(markers, axis)
    kinds = set(placed(markers, axis)["kind"])
    said = " ".join(line for kind, line in ((POLICY, "Dashed grey lines: a policy version takes effect."),
                                            (TEAM, "Solid dark lines: the team's events.")) if kind in kinds)
    if isinstance(marked.title, alt.Title):
        subtitle = marked.title.subtitle
        subtitle = [] if subtitle is alt.Undefined or subtitle == "" else (
            [subtitle] if isinstance(subtitle, str) else list(subtitle))
        marked.title = alt.Title(marked.title.text, subtitle=[*subtitle, said], anchor=marked.title.anchor)
    description = marked.description if marked.description is not alt.Undefined else ""
    marked.description = f"{description} {words}.".strip()
    # The markers' stroke, dash and offset are theirs alone: a series' own (an earlier range's faded line) keep
    # their scales and legends, and so does any scale the chart resolved itself.
    resolved = marked.resolve.scale.to_dict() if marked.resolve is not alt.Undefined and \
        marked.resolve.scale is not alt.Undefined else {}
    return marked.resolve_scale(**{**resolved, "stroke": "independent", "strokeDash": "independent",
                                   "xOffset": "independent"})
