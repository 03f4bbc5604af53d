"""What a trend chart marks (queries/chart_markers.sql): the policy versions and team events of its span that the
sidebar's filters keep, and the span of each chart."""

from __future__ import annotations

from datetime import date

from dashboard.comparisons import months_back
from dashboard.events import Event
from dashboard.metrics import Filters

# Which of the filters' selections narrow the team events of a chart of each area. A request has no purpose and
# no region; its channel is a request channel.
SELECTIONS = {
    "consent": {"purposes": "purposes", "channels": "channels", "regions": "regions"},
    "policy": {"purposes": "purposes", "channels": "channels", "regions": "regions"},
    "requests": {"purposes": None, "channels": "request_channels", "regions": None},
}


def twelve_months(end: date) -> tuple[date, date]:
    """The span of the charts of the twelve calendar months to `end` (requests_trailing_12_months)."""
    return months_back(end, 11), end


def parameters(events: list[Event], filters: Filters, start: date | None = None, end: date | None = None,
               area: str = "consent") -> dict:
    """chart_markers' bound parameters for a chart of `area` over start..end (the filters' range unless given):
    the events as one list per column, the filters' selections that apply to the area."""
    chosen = {name: (list(getattr(filters, attribute)) if attribute and getattr(filters, attribute) is not None
                     else None)
              for name, attribute in SELECTIONS[area].items()}
    return {
        "start": start or filters.start, "end": end or filters.end, **chosen,
        "event_dates": [event.date for event in events], "event_labels": [event.label for event in events],
        "event_purposes": [event.purpose for event in events], "event_channels": [event.channel for event in events],
        "event_regions": [event.region for event in events],
    }
