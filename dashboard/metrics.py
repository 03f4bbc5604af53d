"""The figures of the metric definitions: each runs one named query; pages and command line share them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

import pandas as pd

from dashboard import comparisons, small_counts
from dashboard.queries import run_query
from dashboard.settings import DUE_SOON_DAYS_DEFAULT
from dashboard.vocabulary import US_LAWS

# The section 7102 report's rows as `report ccpa` and the API give them: the regulation's figures, the columns that
# make them add up, and the denials by reason.
CCPA_COLUMNS = ("request_type", "label", "received", "complied", "denied", "withdrawn", "open", "median_days",
                "mean_days", "open_at_year_end", "denied_identity_not_verified", "denied_not_a_consumer",
                "denied_exempt", "denied_other", "denied_without_reason")
# Whose requests the report counts: the CCPA's, every US state law's, or every law's (None: no filter).
CCPA_SCOPES = {"ccpa": ("CCPA",), "us": US_LAWS, "all": None}


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
    # Not a selection: the setting (settings.due_soon_days) that splits the requests open at `end` into due soon
    # and on track. Part of the filters so that a cached figure follows a change of it.
    due_soon_days: int = DUE_SOON_DAYS_DEFAULT

    @classmethod
    def for_range(cls, connection, start: date | None = None, end: date | None = None, **selections):
        """The given range, completed from the default (twelve months to the newest data)."""
        default_start, default_end = default_range(connection)
        if end is None:
            end = default_end
        if start is None:
            start = default_start if end == default_end else year_start(end)
        return cls(start=start, end=end, **selections)

    def parameters(self) -> dict:
        values = {}
        for name, value in self.__dict__.items():
            values[name] = list(value) if isinstance(value, tuple) else value
        return values

    def with_range(self, start: date, end: date) -> Filters:
        return replace(self, start=start, end=end)

    def earlier(self, kind: str) -> Filters:
        """The same filters over the range this one is set against (comparisons.KINDS: previous, year)."""
        return self.with_range(*comparisons.earlier_range(self.start, self.end, kind))


def default_range(connection) -> tuple[date, date]:
    """Twelve months ending on the newest consent or request date; today's when the store is empty."""
    newest = run_query(connection, "default_range").iloc[0]["end"]
    end = date.today() if pd.isna(newest) else _as_date(newest)
    return year_start(end), end


def year_start(end: date) -> date:
    """The first day of the twelve months that end on `end` (metrics.md "The date range"): the day after the same
    day a year earlier, 1 March for a range ending on 29 February."""
    try:
        return end.replace(year=end.year - 1) + timedelta(days=1)
    except ValueError:  # 29 February
        return end.replace(year=end.year - 1, day=28) + timedelta(days=1)


def _as_date(value) -> date:
    return value if type(value) is date else pd.Timestamp(value).date()


# The metric queries a page or the command line may ask for by name, each one file under queries/.
FIGURES = frozenset({
    "overview_consent", "overview_requests",
    "consent_by_purpose", "consent_monthly_trend", "consent_by_channel", "consent_by_region", "consent_reach",
    "consent_by_method", "consent_by_method_region",
    "requests_trailing_12_months", "requests_by_type", "requests_overdue", "requests_days_to_close",
    "requests_summary", "requests_health", "requests_due_soon", "requests_forecast", "requests_by_jurisdiction",
    "requests_denials",
    "policy_versions", "policy_version_mix", "policy_adoption",
    "records_check",
})


def figure(connection, name: str, filters: Filters, *, min_cell: int = 0,
           straightforward: bool = False) -> pd.DataFrame:
    """One metric query's result for the filters: the same frame a page charts and a download holds,
    with the totals of its small-count rule, and the counts and rates under `min_cell` hidden.

    `straightforward` computes it from the raw rows instead of the store's summaries: the reference
    the summaries are tested and benchmarked against.
    """
    if name not in FIGURES:
        raise ValueError(f"no metric query named {name!r}")
    frame = run_query(connection, name, filters.parameters(), straightforward=straightforward)
    return small_counts.hide(frame, min_cell)


def overdue_count(overdue: pd.DataFrame):
    """All the requests overdue, of which requests_overdue lists the longest overdue (NA where hidden)."""
    return list_total(overdue, "overdue_total")


def list_total(listed: pd.DataFrame, column: str):
    """All the requests of a list that shows the first 1,000 (requests_overdue, requests_due_soon): the total its
    rows carry, 0 for an empty list, NA where hidden."""
    if listed.empty:
        return 0
    total = listed[column].iloc[0]
    return pd.NA if small_counts.is_hidden(total) else int(total)


def ccpa_parameters(year: int, scope: str) -> dict:
    """The bound parameters of the CCPA report's queries for a year and a scope (a CCPA_SCOPES key)."""
    laws = CCPA_SCOPES[scope]
    return {"year": year, "jurisdictions": None if laws is None else list(laws)}


def ccpa_frame(connection, year: int, *, scope: str = "ccpa", min_cell: int = 0,
               straightforward: bool = False) -> pd.DataFrame:
    """The section 7102 table: five rows in the regulation's order, small counts hidden."""
    frame = run_query(connection, "ccpa_report", ccpa_parameters(year, scope), straightforward=straightforward)
    return small_counts.hide(frame, min_cell)


def ccpa_report(connection, year: int, *, scope: str = "ccpa", min_cell: int = 0,
                straightforward: bool = False) -> list[dict]:
    """The section 7102 table as JSON-ready rows (CCPA_COLUMNS), a hidden count as "<min_cell"."""
    frame = ccpa_frame(connection, year, scope=scope, min_cell=min_cell, straightforward=straightforward)
    return plain_rows(small_counts.shown(frame, min_cell), CCPA_COLUMNS)


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


def metrics_document(connection, filters: Filters, *, min_cell: int = 0, compare: str | None = None) -> dict:
    """Every figure of every page for the range and filters, as the JSON document of `python -m dashboard
    metrics`: a section per page, each figure under the name of its query's rows. Hidden counts read
    "<min_cell", hidden rates null. `compare` (comparisons.KINDS) adds a "comparison" section: the consent and
    requests figures of the earlier range and their changes (comparison_document)."""
    if compare is not None:
        document = metrics_document(connection, filters, min_cell=min_cell)
        earlier = metrics_document(connection, filters.earlier(compare), min_cell=min_cell)
        options = run_query(connection, "filter_options")
        first = options.loc[options["filter"] == "first_date", "value"]
        data_from = None if first.empty else first.iloc[0]
        comparison = {**comparison_document(document, earlier, compare), "data_from": data_from}
        if data_from is not None and earlier["range"]["end"] < data_from:
            # The data does not reach back to the earlier range: its zeros are no figures to set anything against.
            comparison["changes"] = None
        return {**document, "comparison": comparison}
    figures = {name: figure(connection, name, filters, min_cell=min_cell) for name in sorted(FIGURES)}

    def rows(name: str, columns=None) -> list[dict]:
        return plain_rows(small_counts.shown(figures[name], min_cell), columns)

    def one(name: str) -> dict:
        found = rows(name)
        return found[0] if found else {}

    def count(value):
        return f"<{min_cell}" if small_counts.is_hidden(value) else int(value)

    versions = figures["policy_versions"]
    latest = versions[versions["is_latest"]] if not versions.empty else versions
    latest_version = latest.iloc[0]["policy_version"] if not latest.empty else None
    latest_share = _plain(latest.iloc[0]["share_current"]) if not latest.empty else None
    overdue = count(overdue_count(figures["requests_overdue"]))
    summary = one("requests_summary")
    return {
        "range": {"start": filters.start.isoformat(), "end": filters.end.isoformat()},
        "filters": {name: list(value) for name, value in filters.parameters().items()
                    if name not in ("start", "end", "due_soon_days") and value is not None},
        "overview": {
            "consent": rows("overview_consent"),
            "requests": {**one("overview_requests"), "closed": summary.get("closed"),
                         "on_time_rate": summary.get("on_time_rate"), "overdue": overdue},
            "policy": {"latest_version": latest_version, "latest_version_share": latest_share},
        },
        "consent": {
            "by_purpose": rows("consent_by_purpose", ("purpose", "opt_ins", "opt_outs", "decision_opt_in_rate",
                                                      "standing_subjects", "standing_opt_ins", "standing_opt_in_rate")),
            "monthly": rows("consent_monthly_trend"),
            "by_channel": rows("consent_by_channel"),
            "by_region": rows("consent_by_region"),
            "reach": rows("consent_reach"),
            "methods": {"by_purpose": rows("consent_by_method"), "by_region": rows("consent_by_method_region")},
        },
        "requests": {
            "trailing_12_months": rows("requests_trailing_12_months", ("month", "request_type", "received")),
            "by_type": rows("requests_by_type", ("request_type", "received", "completed", "denied", "withdrawn", "open",
                                                 "median_days_to_close", "mean_days_to_close", "on_time_rate")),
            "overdue": overdue,
            "summary": summary,
            "days_to_close": rows("requests_days_to_close", ("request_type", "days_to_close", "requests")),
            "health": health_document(figures, filters, count),
            "by_jurisdiction": rows("requests_by_jurisdiction"),
            "denials": rows("requests_denials", ("request_type", "denial_category", "requests")),
        },
        "records": one("records_check"),
        "policy": {
            "versions": rows("policy_versions",
                             ("policy_version", "effective_date", "subjects_current", "share_current")),
            "latest_version": latest_version,
            "latest_version_share": latest_share,
            "mix": rows("policy_version_mix"),
            "adoption": rows("policy_adoption", ("policy_version", "days_since_effective", "as_of",
                                                 "subjects_adopted", "subjects_with_version", "adoption_share")),
        },
    }


def health_document(figures: dict, filters: Filters, count) -> dict:
    """The deadline health section of the metrics document: the requests open at the range's end, overdue, due
    soon and on track, in all and per type and jurisdiction, and the forecast."""
    health = figures["requests_health"]
    columns = ("open_at_end", "overdue", "due_soon", "on_track")

    def counted(row) -> dict:
        return {column: count(row[column]) for column in columns}

    whole = health[health["breakdown"] == "all"]
    forecast = figures["requests_forecast"].iloc[0]
    return {
        "at": filters.end.isoformat(),
        "due_soon_days": filters.due_soon_days,
        **(counted(whole.iloc[0]) if not whole.empty else dict.fromkeys(columns, 0)),
        "by_request_type": {row["value"]: counted(row) for _, row in health[health["breakdown"] == "request_type"].iterrows()},
        "by_jurisdiction": {row["value"]: counted(row) for _, row in health[health["breakdown"] == "jurisdiction"].iterrows()},
        "forecast": {"closed_last_30_days": count(forecast["closed_last_30_days"]),
                     "projected_late": count(forecast["projected_late"]),
                     "projected_clear_date": _plain(forecast["projected_clear_date"])},
    }


def comparison_document(document: dict, earlier: dict, kind: str) -> dict:
    """The comparison section of the metrics document: what the range is set against, that range's consent and
    requests figures, and the changes of the headline ones (comparisons.change: a rate's in points as a fraction,
    -0.031 for 3.1 points down; null where either figure is missing or hidden)."""
    change = comparisons.change

    def by_key(rows: list[dict], key: str) -> dict:
        return {row[key]: row for row in rows}

    before_purposes = by_key(earlier["consent"]["by_purpose"], "purpose")
    rates = ("decision_opt_in_rate", "standing_opt_in_rate", "opt_ins", "opt_outs", "standing_subjects")
    consent = [{"purpose": row["purpose"],
                **{column: change(row.get(column), before_purposes.get(row["purpose"], {}).get(column))
                   for column in rates}}
               for row in document["consent"]["by_purpose"]]
    now, before = document["requests"], earlier["requests"]
    summary = {column: change(now["summary"].get(column), before["summary"].get(column))
               for column in ("received", "closed", "on_time_rate", "median_days_to_close", "mean_days_to_close")}
    health = {column: change(now["health"].get(column), before["health"].get(column))
              for column in ("open_at_end", "overdue", "due_soon")}
    before_types = by_key(before["by_type"], "request_type")
    # A type nobody asked for in the earlier range: 0 received then, and no rate or median to set against.
    by_type = [{"request_type": row["request_type"],
                **{column: change(row.get(column), before_types.get(row["request_type"], {"received": 0}).get(column))
                   for column in ("received", "on_time_rate", "median_days_to_close")}}
               for row in now["by_type"]]
    return {
        "kind": kind,
        "against": comparisons.KINDS[kind],
        "range": earlier["range"],
        "consent": earlier["consent"],
        "requests": earlier["requests"],
        "changes": {"consent": {"by_purpose": consent},
                    "requests": {"summary": summary, "health": health, "by_type": by_type}},
    }
