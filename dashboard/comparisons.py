"""Setting a range against an earlier one: which range that is, how a figure's change is taken, and how an
earlier range's months are laid over the range's own in a trend chart.

Two earlier ranges (metrics.md's style, Definitions page "Comparisons"):

- **The previous range**: the range of the same length just before it. A range of whole calendar months (it starts
  on a 1st and ends on a month's last day) is set against as many whole months before it, so March is compared with
  February whatever their days; any other range against the same number of days ending the day before it starts.
- **The same range a year earlier**: each date one year back. 29 February becomes 28 February, and a range ending
  on a month's last day is compared with one ending on that month's last day (February 2025 with February 2024,
  29 days).

A change is the range's figure minus the earlier range's: in percentage points for a rate, in requests or days for
a count or a day figure. A change is not given where either figure is missing or hidden by the small-count rule:
it would give a hidden count away.
"""

from __future__ import annotations

import calendar
import numbers
from datetime import date, timedelta

import pandas as pd

from dashboard.formatting import day, missing, points, span

# The sidebar's choices, by the key the command line and the API take, in the words the sidebar shows.
KINDS = {"previous": "Previous range", "year": "Same range a year earlier"}
NONE = "No comparison"


def month_end(value: date) -> date:
    """The last day of `value`'s month."""
    return value.replace(day=calendar.monthrange(value.year, value.month)[1])


def whole_months(start: date, end: date) -> int:
    """The number of calendar months a range spans when it is whole months (1st to a last day), else 0."""
    if start.day != 1 or end != month_end(end):
        return 0
    return (end.year - start.year) * 12 + end.month - start.month + 1


def months_back(value: date, months: int) -> date:
    """The first of the month `months` before `value`'s month (after it, for a negative number)."""
    index = value.year * 12 + value.month - 1 - months
    return date(index // 12, index % 12 + 1, 1)


def _a_year_earlier(value: date) -> date:
    try:
        return value.replace(year=value.year - 1)
    except ValueError:  # 29 February
        return value.replace(year=value.year - 1, day=28)


def earlier_range(start: date, end: date, kind: str) -> tuple[date, date]:
    """The range `kind` ("previous" or "year") sets `start`..`end` against."""
    if kind == "previous":
        months = whole_months(start, end)
        if months:
            first = months_back(start, months)
            return first, start - timedelta(days=1)
        length = (end - start).days + 1
        return start - timedelta(days=length), start - timedelta(days=1)
    if kind == "year":
        earlier_end = _a_year_earlier(end)
        if end == month_end(end):
            earlier_end = month_end(earlier_end)
        return _a_year_earlier(start), earlier_end
    raise ValueError(f"no comparison named {kind!r}; use one of {', '.join(KINDS)}")


def describe(kind: str, start: date, end: date) -> str:
    """"the previous range, 01 Feb 2024 – 29 Feb 2024": what a change is against, in words."""
    what = "the previous range" if kind == "previous" else "the same range a year earlier"
    return f"{what}, {span(start, end)}"


def short(kind: str, start: date, end: date) -> str:
    """What a tile's change says it is against: "on Feb 2024", "on 01 Mar – 10 Mar 2023"."""
    months = whole_months(start, end)
    if months == 1:
        return f"on {start:%b %Y}"
    if months:
        return f"on {start:%b %Y} – {end:%b %Y}"
    return f"on {day(start)} – {day(end)}"


def change(now, before):
    """The range's figure minus the earlier range's; None where either is missing (or hidden)."""
    if missing(now) or missing(before) or isinstance(now, str) or isinstance(before, str):
        return None
    if isinstance(now, numbers.Integral) and isinstance(before, numbers.Integral):
        return int(now) - int(before)
    # The figures carry at most four decimals (a rate's); the difference is kept clear of float noise.
    return round(float(now) - float(before), 6)


def points_text(value) -> str | None:
    """A rate's change in percentage points for a tile: "+2.1 pts"; None for none (st.metric shows no change)."""
    return None if value is None or missing(value) else points(value)


def count_text(value, unit: str = "") -> str | None:
    """A count's change: "+12", "-3 requests"; None for none."""
    if value is None or missing(value):
        return None
    return f"{round(value):+,}" + (f" {unit}" if unit else "")


def days_text(value) -> str | None:
    """A day figure's change: "+1.5 days"; None for none."""
    return None if value is None or missing(value) else f"{value:+.1f} days"


def changes(now: pd.DataFrame, before: pd.DataFrame, keys: list[str], columns: list[str],
            counts: tuple[str, ...] = ()) -> pd.DataFrame:
    """Per row of `now` (matched on `keys`), each column's change on `before` as `<column>_vs_earlier`, and the earlier
    figure as `<column>_earlier`. A row the earlier range lacks counted none of `counts` (a request type nobody asked
    for earlier: 0 received) and has no rate."""
    earlier = before[[*keys, *columns]].rename(columns={column: f"{column}_earlier" for column in columns})
    joined = now.merge(earlier, on=keys, how="left", indicator=True)
    absent = joined.pop("_merge") == "left_only"
    for column in counts:
        joined[f"{column}_earlier"] = joined[f"{column}_earlier"].astype(object).where(~absent, 0)
    for column in columns:
        joined[f"{column}_vs_earlier"] = [change(a, b) for a, b in zip(joined[column], joined[f"{column}_earlier"],
                                                                     strict=True)]
        joined[f"{column}_vs_earlier"] = pd.to_numeric(joined[f"{column}_vs_earlier"], errors="coerce")
    return joined


def month_shift(end: date, earlier_end: date) -> int:
    """How many months later the range ends than the earlier range: the shift that lays the earlier range's months
    over the range's own in a monthly chart (12 for a year earlier)."""
    return (end.year - earlier_end.year) * 12 + end.month - earlier_end.month


def laid_over(frame: pd.DataFrame, months: int, column: str = "month") -> pd.DataFrame:
    """An earlier range's monthly rows moved `months` later, so each sits on the month it is compared with; the
    month it is from is kept as `<column>_from` for the tooltip."""
    moved = frame.copy()
    original = pd.to_datetime(moved[column].astype(str).str[:7] + "-01")
    moved[f"{column}_from"] = original.dt.strftime("%b %Y")
    moved[column] = (original + pd.DateOffset(months=months)).dt.strftime("%Y-%m")
    return moved
