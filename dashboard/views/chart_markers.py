"""The markers the pages pass to their trend charts: the events file read once per run (its problems said once on
the page, under the first chart), and chart_markers for a chart's span and the sidebar's filters."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from dashboard import events, markers, shell
from dashboard.formatting import as_text, plural

READ = "_events_reading"
SAID = "_events_said"


def _reading() -> events.Reading:
    """The events file as this run read it (the run's memo is emptied at the start of each run)."""
    memo = shell.run_memo()
    if READ not in memo:
        memo[READ] = events.read()
    return memo[READ]


def _say_problems(reading: events.Reading) -> None:
    memo = shell.run_memo()
    if memo.get(SAID):
        return
    memo[SAID] = True
    if reading.problem:
        st.caption(f":material/warning: Team events not shown: {as_text(reading.problem)}. The charts mark the "
                   "policy versions only; mend the file or save the events again on the Data page.")
    elif reading.bad_rows:
        listed = "; ".join(as_text(str(row)) for row in reading.bad_rows[:5])
        more = f" and {len(reading.bad_rows) - 5} more" if len(reading.bad_rows) > 5 else ""
        st.caption(f":material/warning: {plural(len(reading.bad_rows), 'row')} of the events file "
                   f"{reading.path.name} left out ({listed}{more}).")


def for_chart(start: date | None = None, end: date | None = None, area: str = "consent") -> pd.DataFrame:
    """The markers of a chart of `area` over start..end (the sidebar's range unless given)."""
    reading = _reading()
    _say_problems(reading)
    return shell.query("chart_markers", exact=True,
                       **markers.parameters(reading.events, shell.current_filters(), start, end, area))


def for_requests_volume() -> pd.DataFrame:
    """The markers of the requests received over the twelve calendar months to the range's end."""
    return for_chart(*markers.twelve_months(shell.current_filters().end), area="requests")

