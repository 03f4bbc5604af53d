"""The figures of the metric definitions: each runs one named query; pages and command line share them."""

from __future__ import annotations

import math
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

    def with_range(self, start: date, end: date) -> "Filters":
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


def _run(connection, name: str, filters: Filters) -> pd.DataFrame:
    return run_query(connection, name, filters.parameters())


def consent_by_purpose(connection, filters: Filters) -> pd.DataFrame:
    return _run(connection, "consent_by_purpose", filters)


def consent_monthly_trend(connection, filters: Filters) -> pd.DataFrame:
    return _run(connection, "consent_monthly_trend", filters)


def consent_by_channel(connection, filters: Filters) -> pd.DataFrame:
    return _run(connection, "consent_by_channel", filters)


def consent_by_region(connection, filters: Filters) -> pd.DataFrame:
    return _run(connection, "consent_by_region", filters)


def requests_trailing_12_months(connection, filters: Filters) -> pd.DataFrame:
    return _run(connection, "requests_trailing_12_months", filters)


def requests_by_type(connection, filters: Filters) -> pd.DataFrame:
    return _run(connection, "requests_by_type", filters)


def requests_overdue(connection, filters: Filters) -> pd.DataFrame:
    return _run(connection, "requests_overdue", filters)


def requests_days_to_close(connection, filters: Filters) -> pd.DataFrame:
    return _run(connection, "requests_days_to_close", filters)


def policy_versions(connection, filters: Filters) -> pd.DataFrame:
    return _run(connection, "policy_versions", filters)


def policy_version_mix(connection, filters: Filters) -> pd.DataFrame:
    return _run(connection, "policy_version_mix", filters)


def policy_adoption(connection, filters: Filters) -> pd.DataFrame:
    return _run(connection, "policy_adoption", filters)


def ccpa_report(connection, year: int, *, all_jurisdictions: bool = False) -> list[dict]:
    """The section 7102 table: five rows in the regulation's order."""
    frame = run_query(connection, "ccpa_report", {"year": year, "all_jurisdictions": all_jurisdictions})
    return _records(frame, CCPA_COLUMNS)


def _plain(value):
    """A JSON-ready value: dates as YYYY-MM-DD, missing as null, numpy numbers as Python ones."""
    if value is None:
        return None
    if isinstance(value, (pd.Timestamp, date)):
        return value.strftime("%Y-%m-%d")
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value


def _records(frame: pd.DataFrame, columns) -> list[dict]:
    return [
        {column: _plain(value) for column, value in zip(columns, row)}
        for row in frame[list(columns)].itertuples(index=False, name=None)
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
    versions = policy_versions(connection, filters)
    latest = versions[versions["is_latest"]] if not versions.empty else versions
    latest_version = latest.iloc[0]["policy_version"] if not latest.empty else None
    latest_share = _plain(latest.iloc[0]["share_current"]) if not latest.empty else None
    overdue = requests_overdue(connection, filters)
    by_type = _records(
        requests_by_type(connection, filters),
        ("request_type", "received", "completed", "denied", "withdrawn", "open",
         "median_days_to_close", "mean_days_to_close", "on_time_rate"),
    )
    version_rows = _records(versions, ("policy_version", "effective_date", "subjects_current", "share_current"))
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
                _records(
                    consent_by_purpose(connection, filters),
                    ("purpose", "opt_ins", "opt_outs", "decision_opt_in_rate", "standing_subjects",
                     "standing_opt_ins", "standing_opt_in_rate"),
                ),
                min_cell,
            )
        },
        "requests": {
            "trailing_12_months": hide_small_counts(
                _records(requests_trailing_12_months(connection, filters), ("month", "request_type", "received")),
                min_cell,
            ),
            "by_type": hide_small_counts(by_type, min_cell),
            "overdue": _small(len(overdue), min_cell),
        },
        "policy": {
            "versions": hide_small_counts(version_rows, min_cell),
            "latest_version": latest_version,
            "latest_version_share": latest_share,
        },
    }


def _small(count: int, min_cell: int):
    return f"<{min_cell}" if min_cell > 1 and 0 < count < min_cell else count
