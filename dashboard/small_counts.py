"""Small counts (metrics.md, "Small counts"): the min_cell setting, and the one rule that hides any count
from 1 to min_cell - 1 and any rate or average taken over fewer than min_cell, for every figure that
leaves the store: the pages' tiles, charts and tables, their downloads, and the command line.

A hidden count is missing (pandas NA) in a figure's frame, so a chart draws nothing for it; tables,
downloads and JSON show it as "<min_cell". A hidden rate is missing, shown as empty.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from dashboard.queries import query_text
from dashboard.settings import SettingError, whole_number  # noqa: F401 - SettingError is this module's too

# Overrides the file's min_cell, for a deployment that keeps its settings in its environment.
MIN_CELL_ENV = "PRIVACY_DASHBOARD_MIN_CELL"


def configured_min_cell(path: Path | None = None) -> int:
    """The operator's min_cell: the environment variable, else data/settings.toml, else 0 (off)."""
    return whole_number("min_cell", 0, zero_means="off", environment=MIN_CELL_ENV, path=path)


def on(min_cell: int) -> bool:
    """Whether the rule hides anything: min_cell 0 and 1 hide no count."""
    return min_cell > 1


# Each measure's rule sits beside its definition in queries/measures.sql, as lines "-- small counts: RATE over
# COUNT[, COUNT]" (the column a figure names the measure, and the counts it is taken over) and "-- small counts:
# counts NAME, ..." (the counts a figure may show). Hiding is derived from those lines and a frame's columns.
_RULE_LINE = re.compile(r"^-- small counts: (.+)$", re.MULTILINE)


def _read_rules() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    counts: set[str] = set()
    over: dict[str, tuple[str, ...]] = {}
    for line in _RULE_LINE.findall(query_text("measures")):
        if line.startswith("counts "):
            counts.update(name.strip() for name in line.removeprefix("counts ").split(","))
        else:
            measure, _, of = line.partition(" over ")
            over[measure.strip()] = tuple(name.strip() for name in of.split(","))
    return frozenset(counts), over


# The counts any figure may show, and each rate or average with the counts it is taken over.
COUNT_COLUMNS, MEASURES_OVER = _read_rules()


def _is_count(values: pd.Series) -> bool:
    """A count column holds whole numbers (a date under a count's name, the overdue list's `received`, is none)."""
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def hide(frame: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """A figure as it may be shown: its counts from 1 to min_cell - 1, and each rate or average taken over
    fewer than min_cell, missing. Unchanged when the rule is off. A measure without the counts it is taken
    over in the frame is an error: it could not be hidden."""
    if not on(min_cell):
        return frame
    hidden = frame.copy()
    for measure, counts in MEASURES_OVER.items():
        if measure not in hidden.columns:
            continue
        missing = [count for count in counts if count not in hidden.columns]
        if missing:
            raise ValueError(f"{measure} is shown without {', '.join(missing)}, the count it is taken over")
        enough = pd.concat([hidden[count].astype("float64") >= min_cell for count in counts], axis=1).all(axis=1)
        hidden[measure] = hidden[measure].astype("float64").where(enough)
    for count in COUNT_COLUMNS & set(hidden.columns):
        if _is_count(hidden[count]):
            values = hidden[count].astype("Int64")
            hidden[count] = values.mask((values > 0) & (values < min_cell))
    return hidden


def is_hidden(value) -> bool:
    return value is pd.NA or (value is not None and not isinstance(value, str) and pd.isna(value))


def any_counted(counts: pd.Series) -> bool:
    """Whether a column of counts holds anything above zero; a hidden count is at least 1."""
    return bool((counts.fillna(1) > 0).any())


def count_text(value, min_cell: int) -> str:
    """A count for reading: 1,234, or "<min_cell" where it is hidden."""
    if is_hidden(value):
        return f"<{min_cell}" if on(min_cell) else "–"
    return f"{int(value):,}"


def shown(frame: pd.DataFrame, min_cell: int, *, text: bool = False) -> pd.DataFrame:
    """A frame for a table, a download or JSON: each hidden count as "<min_cell".

    The other counts stay numbers, or with `text` become text with thousands separators (a table
    column on screen holds one type).
    """
    if not on(min_cell):
        return frame
    readable = frame.copy()
    for column in readable.columns:
        if column in COUNT_COLUMNS and _is_count(readable[column]):
            values = readable[column]
            if text:
                readable[column] = [count_text(value, min_cell) for value in values]
            else:
                readable[column] = pd.Series(
                    [f"<{min_cell}" if is_hidden(value) else int(value) for value in values],
                    index=readable.index, dtype=object,
                )
    return readable


def with_count_labels(frame: pd.DataFrame, columns, min_cell: int) -> pd.DataFrame:
    """The frame with a text `<column>_label` beside each count, for a chart's tooltips and labels:
    a hidden count reads "<min_cell" there, where a number format would print 0."""
    labelled = frame.copy()
    for column in columns:
        labelled[f"{column}_label"] = [count_text(value, min_cell) for value in labelled[column]]
    return labelled


def notice(min_cell: int) -> str | None:
    """What every page says while the rule is on."""
    if not on(min_cell):
        return None
    return (f"Small counts are hidden: a count under {min_cell} reads <{min_cell}, and a rate or average "
            f"over fewer than {min_cell} is left out.")
