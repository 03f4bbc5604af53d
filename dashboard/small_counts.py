"""Small counts (metrics.md, "Small counts"): the min_cell setting, and the one rule that hides any count
from 1 to min_cell - 1 and any rate or average taken over fewer than min_cell, for every figure that
leaves the store: the pages' tiles, charts and tables, their downloads, and the command line.

A hidden count is missing (pandas NA) in a figure's frame, so a chart draws nothing for it; tables,
downloads and JSON show it as "<min_cell". A hidden rate is missing, shown as empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dashboard.settings import SettingError, whole_number  # noqa: F401 - SettingError is this module's too

# Overrides the file's min_cell, for a deployment that keeps its settings in its environment.
MIN_CELL_ENV = "PRIVACY_DASHBOARD_MIN_CELL"


def configured_min_cell(path: Path | None = None) -> int:
    """The operator's min_cell: the environment variable, else data/settings.toml, else 0 (off)."""
    return whole_number("min_cell", 0, zero_means="off", environment=MIN_CELL_ENV, path=path)


def on(min_cell: int) -> bool:
    """Whether the rule hides anything: min_cell 0 and 1 hide no count."""
    return min_cell > 1


@dataclass(frozen=True)
class Sum:
    """A count that is the sum of others on the same row."""

    parts: tuple[str, ...]

    def of(self, frame: pd.DataFrame) -> pd.Series:
        return frame[list(self.parts)].sum(axis=1).astype("int64")


@dataclass(frozen=True)
class Total:
    """A count that is the sum of one column over a group of rows (every row when `by` is empty)."""

    column: str
    by: tuple[str, ...] = ()

    def of(self, frame: pd.DataFrame) -> pd.Series:
        if not self.by:
            return pd.Series(int(frame[self.column].sum()), index=frame.index, dtype="int64")
        return frame.groupby(list(self.by), sort=False)[self.column].transform("sum").astype("int64")


@dataclass(frozen=True)
class Rule:
    """A figure's counts, the totals it is given (computed before anything is hidden), and the count
    each rate or average is taken over."""

    counts: tuple[str, ...]
    totals: dict[str, Sum | Total] = field(default_factory=dict)
    over: dict[str, str] = field(default_factory=dict)


_CHOICES = {"choices": Sum(("opt_ins", "opt_outs"))}
_CONSENT = Rule(
    counts=("opt_ins", "opt_outs", "standing_subjects", "standing_opt_ins"),
    totals=_CHOICES,
    over={"decision_opt_in_rate": "choices", "standing_opt_in_rate": "standing_subjects"},
)
_BREAKDOWN = Rule(counts=("opt_ins", "opt_outs"), totals=_CHOICES, over={"decision_opt_in_rate": "choices"})
_DAYS = ("median_days_to_close", "mean_days_to_close", "on_time_rate")

# Every figure a page, a download or the command line shows, by its query's name.
RULES = {
    "consent_by_purpose": _CONSENT,
    "consent_monthly_trend": _CONSENT,
    "consent_by_channel": _BREAKDOWN,
    "consent_by_region": _BREAKDOWN,
    "requests_trailing_12_months": Rule(counts=("received",), totals={"month_total": Total("received", ("month",))}),
    "requests_by_type": Rule(counts=("received", "completed", "denied", "withdrawn", "open", "closed"),
                             over=dict.fromkeys(_DAYS, "closed")),
    "requests_summary": Rule(counts=("received", "closed"), over=dict.fromkeys(_DAYS, "closed")),
    "requests_days_to_close": Rule(counts=("requests",),
                                   totals={"type_closed": Total("requests", ("request_type",))}),
    "requests_overdue": Rule(counts=("overdue_total",)),
    "policy_versions": Rule(counts=("subjects_current",),
                            totals={"people_with_version": Total("subjects_current")},
                            over={"share_current": "people_with_version"}),
    "policy_version_mix": Rule(counts=("subjects_current",),
                               totals={"people_with_version": Total("subjects_current", ("month",))},
                               over={"share_current": "people_with_version"}),
    "policy_adoption": Rule(counts=("subjects_adopted", "subjects_with_version"),
                            over={"adoption_share": "subjects_with_version"}),
    "ccpa_report": Rule(counts=("received", "complied", "denied", "responded"),
                        over={"median_days": "responded", "mean_days": "responded"}),
}

# Counts that pages derive from the figures above (long forms of them), by column name.
DERIVED_COUNTS = ("requests", "opted_in", "denominator")
COUNT_COLUMNS = frozenset(
    {name for rule in RULES.values() for name in (*rule.counts, *rule.totals)} | set(DERIVED_COUNTS)
)


def with_totals(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The figure with the totals its rule gives it (a rate's count, a month's total), from exact counts."""
    rule = RULES.get(name)
    if rule is None or not rule.totals:
        return frame
    complete = frame.copy()
    for column, total in rule.totals.items():
        if column not in complete.columns:
            complete[column] = total.of(complete) if not complete.empty else pd.Series(dtype="int64")
    return complete


def hide(name: str, frame: pd.DataFrame, min_cell: int) -> pd.DataFrame:
    """The figure (with its totals) as it may be shown: counts 1 to min_cell - 1 and the rates taken over
    fewer than min_cell missing. Unchanged when the rule is off."""
    rule = RULES.get(name)
    if rule is None or not on(min_cell):
        return frame
    hidden = frame.copy()
    for rate, count in rule.over.items():
        if rate in hidden.columns and count in hidden.columns:
            hidden[rate] = hidden[rate].astype("float64").where(hidden[count] >= min_cell)
    for count in (*rule.counts, *rule.totals):
        if count in hidden.columns:
            values = hidden[count].astype("Int64")
            hidden[count] = values.mask((values > 0) & (values < min_cell))
    return hidden


def hidden_total(count: int, min_cell: int):
    """A count the pages work out themselves (a sum of a figure's exact counts), hidden the same way."""
    return pd.NA if on(min_cell) and 0 < count < min_cell else count


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
        if column in COUNT_COLUMNS:
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
