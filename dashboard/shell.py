"""What every page shares: the store connection, cached figures, the sidebar's filters, chart blocks."""

from __future__ import annotations

import re
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import metrics, small_counts
from dashboard.confinement import SAMPLE_DIR
from dashboard.downloads import csv_bytes, png_bytes
from dashboard.ingest import ingest_file
from dashboard.queries import run_query
from dashboard.server_connection import held_connection
from dashboard.store import WRITE_LOCK, store_version, work_dir

SAMPLE_FILES = (("policies", "policies.csv"), ("consent", "consent.csv"), ("requests", "requests.csv"))

PERIODS = ("Last 12 months", "Year to date", "Last calendar year", "All data", "Custom")


def connection():
    """One connection for the server's lifetime (held by server_connection.py, not by a cache a client can
    clear); every query runs on its own cursor."""
    store, opened = held_connection()
    # Only a store that never held anything gets the sample: one emptied on purpose stays empty.
    if opened and store_version(store) == 0:
        with WRITE_LOCK:
            if store_version(store) == 0:
                load_sample(store)
    return store


def session_id() -> str | None:
    """This browser session's id (None outside a server run, as under AppTest)."""
    from streamlit.runtime.scriptrunner import get_script_run_ctx

    context = get_script_run_ctx()
    return context.session_id if context is not None else None


UPLOAD_COPY_PREFIX = "upload-"


def upload_copy_prefix() -> str:
    """The name every private copy of this session's uploads starts with, so that it can be told apart."""
    return f"{UPLOAD_COPY_PREFIX}{session_id() or 'local'}-"


def remove_copies_of_ended_sessions() -> None:
    """Copies of uploads (a file waiting for its column mapping, say) go once their browser session has
    disconnected: a closed tab leaves nothing behind on the server. Every page run sweeps."""
    from streamlit import runtime

    if not runtime.exists():
        return
    server = runtime.get_instance()
    for copy in work_dir().glob(f"{UPLOAD_COPY_PREFIX}*-*"):
        owner = copy.name.removeprefix(UPLOAD_COPY_PREFIX).rsplit("-", 1)[0]
        if owner != "local" and not server.is_active_session(owner):
            copy.unlink(missing_ok=True)


def load_sample(store) -> None:
    """Fill an empty store with the bundled sample, marked as such (the first real upload removes it)."""
    for kind, name in SAMPLE_FILES:
        ingest_file(store, kind, SAMPLE_DIR / name, sample=True, loaded_by="sample data")


def version() -> int:
    """The store's version: every upload and undo changes it, and with it every cache key below."""
    cursor = connection().cursor()  # sessions run on threads of their own: never the shared connection itself
    try:
        return store_version(cursor)
    finally:
        cursor.close()


@st.cache_data(show_spinner=False, max_entries=512)
def _cached_figure(name: str, filters: metrics.Filters, version_key: int) -> pd.DataFrame:
    return metrics.figure(connection(), name, filters)


def figure(name: str, filters: metrics.Filters, *, regroup=None) -> pd.DataFrame:
    """A metric query's result as a page may show it (small counts hidden), cached exact by query, filters
    and store version (never stale, never kept forever). `regroup` sums its exact counts into coarser rows
    first, so that fewer of them are small."""
    exact = _cached_figure(name, filters, version())
    return small_counts.hide(name, regroup(exact) if regroup else exact, min_cell())


def total(name: str, filters: metrics.Filters, column: str):
    """The sum of one count column of a figure, taken over the exact counts, then hidden if small."""
    return small_counts.hidden_total(int(_cached_figure(name, filters, version())[column].sum()), min_cell())


@st.cache_data(show_spinner=False, max_entries=64)
def _cached_query(name: str, parameters: tuple, version_key: int) -> pd.DataFrame:
    return run_query(connection(), name, dict(parameters))


def query(name: str, **parameters) -> pd.DataFrame:
    """Any other named query (filter options, CCPA report), cached the same way, small counts hidden."""
    return small_counts.hide(name, _cached_query(name, tuple(sorted(parameters.items())), version()), min_cell())


def read_min_cell() -> int:
    """The min_cell setting for this run (app.py calls it first). An unusable setting stops the page:
    no figure is shown while small counts cannot be hidden as the operator asked."""
    try:
        value = small_counts.configured_min_cell()
    except small_counts.SettingError as error:
        st.error(f"{error}. No figure is shown until the setting is mended (README, Security).",
                 icon=":material/error:")
        st.stop()
    st.session_state["_min_cell"] = value
    return value


def min_cell() -> int:
    """The min_cell read at the start of this run."""
    return st.session_state["_min_cell"] if "_min_cell" in st.session_state else read_min_cell()


def count_text(value) -> str:
    """A count for a tile or a sentence: 1,234, or "<min_cell" where it is hidden."""
    return small_counts.count_text(value, min_cell())


def count_column(label: str, **options):
    """A table column of counts: numbers with separators, or text while "<min_cell" may stand in them."""
    if small_counts.on(min_cell()):
        return st.column_config.TextColumn(label, alignment="right", **options)
    return st.column_config.NumberColumn(label, format="localized", **options)


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame for st.dataframe: hidden counts read "<min_cell"."""
    return small_counts.shown(frame, min_cell(), text=True)


def filter_options() -> dict[str, list[str]]:
    options: dict[str, list[str]] = {}
    for row in query("filter_options").itertuples(index=False):
        if row.value is not None:
            options.setdefault(row.filter, []).append(row.value)
    return options


def data_span() -> tuple[date, date] | None:
    """The first and last dates of consent and request data; None for an empty store."""
    options = filter_options()
    if "last_date" not in options:
        return None
    return date.fromisoformat(options["first_date"][0]), date.fromisoformat(options["last_date"][0])


def period_range(period: str, span: tuple[date, date]) -> tuple[date, date]:
    """A preset's dates. Presets count back from the newest data, not from today: exports lag."""
    first, last = span
    if period == "Year to date":
        return date(last.year, 1, 1), last
    if period == "Last calendar year":
        return date(last.year - 1, 1, 1), date(last.year - 1, 12, 31)
    if period == "All data":
        return first, last
    year_before = metrics._year_before(last)
    return year_before, last


def sample_loaded() -> bool:
    return bool(query("uploads").get("is_sample", pd.Series(dtype=bool)).any())


def current_filters() -> metrics.Filters:
    """The filters the sidebar set for this run. When they make no range, say why and end the page."""
    filters = st.session_state.get("_filters")
    if filters is None:
        st.info(st.session_state.get("_filters_reason") or "Choose a date range in the sidebar.",
                icon=":material/date_range:")
        st.stop()
    return filters


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def show_chart(chart: alt.TopLevelMixin, data: pd.DataFrame, title: str, *, key: str | None = None) -> None:
    """A chart with its data table one click away and two downloads: the data as CSV, the chart as PNG.
    Hidden counts are not drawn, and read "<min_cell" in the table and the CSV."""
    key = key or slug(title)
    chart_tab, table_tab = st.tabs(["Chart", "Data"])
    with chart_tab:
        st.altair_chart(chart, width="stretch")
        if _hides_counts(data):
            st.caption(f":material/visibility_off: Counts under {min_cell()} are not drawn; the data reads "
                       f"<{min_cell()} for them.")
    with table_tab:
        st.dataframe(table(data), hide_index=True, width="stretch")
    left, right, _ = st.columns([1, 1, 4])
    with left:
        st.download_button("Data (CSV)", csv_bytes(small_counts.shown(data, min_cell())), file_name=f"{key}.csv",
                           mime="text/csv",
                           key=f"{key}-csv", icon=":material/download:", on_click="ignore")
    with right:
        st.download_button("Chart (PNG)", lambda: png_bytes(chart), file_name=f"{key}.png", mime="image/png",
                           key=f"{key}-png", icon=":material/image:", on_click="ignore")


def _hides_counts(data: pd.DataFrame) -> bool:
    return small_counts.on(min_cell()) and any(
        data[column].isna().any() for column in data.columns if column in small_counts.COUNT_COLUMNS)


NO_DATA = "No data in this range. Widen the dates or clear a filter in the sidebar."


def no_data(message: str | None = NO_DATA) -> None:
    st.info(message or NO_DATA, icon=":material/info:")
