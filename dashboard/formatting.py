"""How every number and date reads, the same on screen, in CSV, HTML, Markdown, PNG and the command line.

- A rate is a percentage with one decimal: `97.0%`, `96.4%`, `100.0%`; its change is in points: `+2.1 pts`.
- A day figure (median, mean days) has one decimal: `19.0`, `12.5`.
- A count has thousands separators: `1,234`; a hidden small count reads `<min_cell`.
- A date reads `31 Dec 2023`; a missing value reads `–`, never "None" or "NaN".

Chart builders use the same formats through the d3 strings below.
"""

from __future__ import annotations

import numbers
import string
from datetime import date, datetime

import pandas as pd

MISSING = "–"
PERCENT_D3 = ".1%"   # the chart tooltips' and labels' rate format
DAYS_D3 = ",.1f"
COUNT_D3 = ",d"
DATE_D3 = "%d %b %Y"
DATE_FORMAT = "%d %b %Y"


def missing(value) -> bool:
    """None, NaN, NaT or pandas' NA."""
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def percent(rate) -> str:
    """A rate from 0 to 1 as `97.0%`; `–` for none."""
    return MISSING if missing(rate) else f"{float(rate):.1%}"


def points(change) -> str:
    """A rate's change in percentage points as `+2.1 pts`; `–` for none."""
    # Rounded first, so that a change too small to show reads +0.0, never -0.0.
    return MISSING if missing(change) else f"{round(float(change) * 100, 1) + 0.0:+.1f} pts"


def days(value) -> str:
    """A day figure as `19.0`; `–` for none."""
    return MISSING if missing(value) else f"{float(value):,.1f}"


def count(value) -> str:
    """A count as `1,234`; a hidden count ("<10") as it is; `–` for none."""
    if isinstance(value, str):
        return value
    return MISSING if missing(value) else f"{int(value):,}"


def day(value) -> str:
    """A date as `31 Dec 2023`."""
    if missing(value):
        return MISSING
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, (pd.Timestamp, datetime)):
        value = value.date()
    return value.strftime(DATE_FORMAT)


def span(start, end) -> str:
    """A range of dates: `01 Jan 2023 – 31 Dec 2023`."""
    return f"{day(start)} – {day(end)}"


def plural(number, one: str, many: str | None = None) -> str:
    """`1 person`, `2 people`, `1,204 requests`: the count with the right form of its noun.

    A hidden count ("<10") takes the plural.
    """
    many = many if many is not None else one + "s"
    if isinstance(number, str):
        return f"{number} {many}"
    return f"{count(number)} {one if not missing(number) and int(number) == 1 else many}"


def cell(value, kind: str | None = None) -> str:
    """Any cell as a reader sees it: `kind` is "percent", "days", "count" or "date"; otherwise it is guessed
    from the value (whole numbers as counts, other numbers with one decimal)."""
    if isinstance(value, str):
        return value
    if missing(value):
        return MISSING
    if kind == "percent":
        return percent(value)
    if kind == "points":
        return points(value)
    if kind == "days":
        return days(value)
    if kind == "date" or isinstance(value, (date, pd.Timestamp)):
        return day(value)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if kind == "count" or isinstance(value, numbers.Integral):
        return count(value)
    if isinstance(value, numbers.Real):
        return count(value) if float(value).is_integer() else f"{float(value):,.1f}"
    return str(value)


# Text from a file or a setting (a name, a value in a warning, a path) is shown as written, never read as
# Markdown: every ASCII punctuation character is escaped, which CommonMark renders as the character itself.
_MARKDOWN_ESCAPES = str.maketrans({character: "\\" + character for character in string.punctuation})


def as_text(text: str) -> str:
    """Text made safe for a Markdown message (st.success, st.error, a caption): shown literally, on one line."""
    return " ".join(str(text).split()).translate(_MARKDOWN_ESCAPES)
