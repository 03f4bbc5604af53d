"""The figures of the metric definitions: each runs one named query; pages and command line share them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd

from dashboard.queries import run_query

CCPA_COLUMNS = ("request_type", "label", "received", "complied", "denied", "median_days", "mean_days")


@dataclass(frozen=True)
class Filters:
    """The date range and the optional selections that narrow every metric of a page.

    A selection of None means no filter; the names match the queries' bound parameters.
    """

    start: date
    end: date
    purposes: tuple[str, ...] | None = None
    channels: tuple[str, ...] | None = None
    regions: tuple[str, ...] | None = None
    request_types: tuple[str, ...] | None = None
    jurisdictions: tuple[str, ...] | None = None
    request_channels: tuple[str, ...] | None = None

    @classmethod
    def for_range(cls, connection, start: date | None = None, end: date | None = None, **selections):
        """The given range, completed from the default (twelve months to the newest data)."""
        default_start, default_end = default_range(connection)
        if end is None:
            end = default_end
        if start is None:
            start = default_start if end == default_end else _year_before(end)
        return cls(start=start, end=end, **selections)

    def parameters(self) -> dict:
        values = {}
        for name, value in self.__dict__.items():
            values[name] = list(value) if isinstance(value, tuple) else value
        return values

    def with_range(self, start: date, end: date) -> Filters:
        return replace(self, start=start, end=end)


def default_range(connection) -> tuple[date, date]:
    """Twelve months ending on the newest consent or request date; today's when the store is empty."""
    row = run_query(connection, "default_range").iloc[0]
    if pd.isna(row["end"]):
        end = date.today()
        return _year_before(end), end
    return _as_date(row["start"]), _as_date(row["end"])


def _year_before(end: date) -> date:
    try:
        return end.replace(year=end.year - 1) + timedelta(days=1)
    except ValueError:  # 29 February
        return end.replace(year=end.year - 1, day=28) + timedelta(days=1)


def _as_date(value) -> date:
    return value if type(value) is date else pd.Timestamp(value).date()


# The metric queries a page or the command line may ask for by name, each one file under queries/.
FIGURES = frozenset({
    "consent_by_purpose", "consent_monthly_trend", "consent_by_channel", "consent_by_region",
    "requests_trailing_12_months", "requests_by_type", "requests_overdue", "requests_days_to_close",
    "requests_summary",
    "policy_versions", "policy_version_mix", "policy_adoption",
})


def figure(connection, name: str, filters: Filters, *, straightforward: bool = False) -> pd.DataFrame:
    """One metric query's result for the filters: the same frame a page charts and a download holds.

    `straightforward` computes it from the raw rows instead of the store's summaries: the reference
    the summaries are tested and benchmarked against.
    """
    if name not in FIGURES:
        raise ValueError(f"no metric query named {name!r}")
    return run_query(connection, name, filters.parameters(), straightforward=straightforward)


def overdue_count(overdue: pd.DataFrame) -> int:
    """All the requests overdue, of which requests_overdue lists the longest overdue."""
    return int(overdue["overdue_total"].iloc[0]) if not overdue.empty else 0


def ccpa_report(connection, year: int, *, all_jurisdictions: bool = False, straightforward: bool = False) -> list[dict]:
    """The section 7102 table: five rows in the regulation's order."""
    frame = run_query(connection, "ccpa_report", {"year": year, "all_jurisdictions": all_jurisdictions},
                      straightforward=straightforward)
    return plain_rows(frame, CCPA_COLUMNS)


def _plain(value):
    """A JSON-ready value: dates as YYYY-MM-DD, missing as null, numpy numbers as Python ones."""
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return None
    if isinstance(value, (pd.Timestamp, date)):
        return value.strftime("%Y-%m-%d")
    return value.item() if hasattr(value, "item") else value


def plain_rows(frame: pd.DataFrame, columns=None) -> list[dict]:
    """Rows as JSON-ready dicts (dates as YYYY-MM-DD, missing as None), in the given column order."""
    columns = list(frame.columns) if columns is None else list(columns)
    return [
        {column: _plain(value) for column, value in zip(columns, row)}
        for row in frame[columns].itertuples(index=False, name=None)
    ]


# Which count each rate is divided by, for the small-count rule.
RATE_DENOMINATORS = {
    "decision_opt_in_rate": ("opt_ins", "opt_outs"),
    "standing_opt_in_rate": ("standing_subjects",),
}
COUNT_COLUMNS = (
    "opt_ins", "opt_outs", "standing_subjects", "standing_opt_ins", "received", "completed", "denied",
    "withdrawn", "open", "subjects_current", "complied",
)


def hide_small_counts(rows: list[dict], min_cell: int) -> list[dict]:
    """Counts from 1 to min_cell - 1 become '<min_cell'; rates over fewer than min_cell become null."""
    if min_cell <= 1:
        return rows
    hidden = []
    for row in rows:
        shown = dict(row)
        for rate, parts in RATE_DENOMINATORS.items():
            if rate in row and sum(row.get(part) or 0 for part in parts) < min_cell:
                shown[rate] = None
        for column in COUNT_COLUMNS:
            value = row.get(column)
            if isinstance(value, int) and 0 < value < min_cell:
                shown[column] = f"<{min_cell}"
        hidden.append(shown)
    return hidden


def metrics_document(connection, filters: Filters, *, min_cell: int = 0) -> dict:
    """Every figure of the range as the JSON document of `python -m dashboard metrics`."""
    versions = figure(connection, "policy_versions", filters)
    latest = versions[versions["is_latest"]] if not versions.empty else versions
    latest_version = latest.iloc[0]["policy_version"] if not latest.empty else None
    latest_share = _plain(latest.iloc[0]["share_current"]) if not latest.empty else None
    overdue = figure(connection, "requests_overdue", filters)
    by_type = plain_rows(
        figure(connection, "requests_by_type", filters),
        ("request_type", "received", "completed", "denied", "withdrawn", "open",
         "median_days_to_close", "mean_days_to_close", "on_time_rate"),
    )
    version_rows = plain_rows(versions, ("policy_version", "effective_date", "subjects_current", "share_current"))
    if min_cell > 1:
        # A share is a rate whose denominator is everyone with a current version.
        everyone = int(versions["subjects_current"].sum()) if not versions.empty else 0
        if everyone < min_cell:
            latest_share = None
            for row in version_rows:
                row["share_current"] = None
        for row in by_type:
            closed = (row["completed"] or 0) + (row["denied"] or 0)
            if closed < min_cell:
                row.update(median_days_to_close=None, mean_days_to_close=None, on_time_rate=None)
    return {
        "range": {"start": filters.start.isoformat(), "end": filters.end.isoformat()},
        "consent": {
            "by_purpose": hide_small_counts(
                plain_rows(
                    figure(connection, "consent_by_purpose", filters),
                    ("purpose", "opt_ins", "opt_outs", "decision_opt_in_rate", "standing_subjects",
                     "standing_opt_ins", "standing_opt_in_rate"),
                ),
                min_cell,
            )
        },
        "requests": {
            "trailing_12_months": hide_small_counts(
                plain_rows(figure(connection, "requests_trailing_12_months", filters), ("month", "request_type", "received")),
                min_cell,
            ),
            "by_type": hide_small_counts(by_type, min_cell),
            "overdue": _small(overdue_count(overdue), min_cell),
        },
        "policy": {
            "versions": hide_small_counts(version_rows, min_cell),
            "latest_version": latest_version,
            "latest_version_share": latest_share,
        },
    }


def _small(count: int, min_cell: int):
    return f"<{min_cell}" if min_cell > 1 and 0 < count < min_cell else count
