"""What every page shares: the store connection, cached figures, the sidebar's filters, chart blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd
import streamlit as st

from dashboard import comparisons, definitions, labels, metrics, small_counts
from dashboard.confinement import SAMPLE_DIR
from dashboard.downloads import SOURCE, Document, csv_bytes, file_name, png_bytes
from dashboard.formatting import cell, day, plural, span
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


def begin_run() -> None:
    """Start a page run (app.py, first thing): what this run reads once is kept for it alone, so that twelve
    figures do not ask the store for its version twelve times, nor the upload list thrice."""
    st.session_state["_run"] = {}


def run_memo() -> dict:
    """What this page run keeps for itself (emptied by begin_run): a file read once per run, say."""
    return st.session_state.setdefault("_run", {})


def run_version() -> int:
    """The store's version as this run first read it: every figure of one page comes from the same store."""
    memo = run_memo()
    if "version" not in memo:
        memo["version"] = version()
    return memo["version"]


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
    exact = _cached_figure(name, filters, run_version())
    return small_counts.hide(regroup(exact) if regroup else exact, min_cell())


@st.cache_data(show_spinner=False, max_entries=64)
def _cached_query(name: str, parameters: tuple, version_key: int) -> pd.DataFrame:
    return run_query(connection(), name, {key: list(value) if isinstance(value, tuple) else value
                                          for key, value in parameters})


def query(name: str, *, exact: bool = False, **parameters) -> pd.DataFrame:
    """Any other named query (filter options, CCPA report), cached the same way, small counts hidden (not with
    `exact`, for a figure that hides what it shows itself)."""
    # A list (the CCPA report's laws) is kept as a tuple, so that the key can be hashed.
    key = (name, tuple(sorted((key, tuple(value) if isinstance(value, list) else value)
                              for key, value in parameters.items())))
    memo = run_memo()
    if key not in memo:
        memo[key] = _cached_query(*key, run_version())
    return memo[key] if exact else small_counts.hide(memo[key], min_cell())


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


def count_column(label: str, **options):
    """A table column of counts: numbers with separators, or text while "<min_cell" may stand in them."""
    if small_counts.on(min_cell()):
        return st.column_config.TextColumn(label, alignment="right", **options)
    return st.column_config.NumberColumn(label, format="localized", **options)


def table(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame for st.dataframe with its own column settings: hidden counts read "<min_cell"."""
    return small_counts.shown(frame, min_cell(), text=True)


def count_text(value) -> str:
    """A count for a tile or a sentence: 1,234, or "<min_cell" where it is hidden."""
    return small_counts.count_text(value, min_cell())


def requests(value) -> str:
    """"1 request", "2,304 requests", "<10 requests"."""
    return plural(count_text(value) if small_counts.is_hidden(value) else value, "request")


# Tiles share a row that wraps: each stretches to fill it but never below its label's width, so a label keeps
# its words in a narrow window and the tiles move onto the next line instead.
TILE_WIDTH = "stretch"


def tile_row():
    """A row of tiles (st.metric) that wraps onto the next line where the page is narrow."""
    return st.container(horizontal=True, gap="small")


def people(value) -> str:
    """"1 person", "2,304 people", "<10 people"."""
    return plural(count_text(value) if small_counts.is_hidden(value) else value, "person", "people")


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
    year_before = metrics.year_start(last)
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


@dataclass(frozen=True)
class Earlier:
    """The range the sidebar's "Compare with" sets this run's figures against (comparisons.py)."""

    kind: str                 # comparisons.KINDS: previous, year
    filters: metrics.Filters  # the sidebar's filters over the earlier range
    months: int               # how many months later the range ends: the shift of its monthly rows
    data_from: date           # the first day of data: months before it have no figures to lay over

    @property
    def words(self) -> str:
        """"the previous range, 01 Feb 2024 – 29 Feb 2024"."""
        return comparisons.describe(self.kind, self.filters.start, self.filters.end)

    @property
    def short(self) -> str:
        """"on Feb 2024": what a tile's change is against."""
        return comparisons.short(self.kind, self.filters.start, self.filters.end)

    def delta(self, now, before, kind: str = "count") -> str | None:
        """A tile's change on the earlier figure ("+12 on Feb 2024", "-3.1 pts on Feb 2024"); None where either
        figure is missing or hidden, so that the tile shows no change rather than give a hidden count away."""
        moved = comparisons.change(now, before)
        text = {"points": comparisons.points_text, "days": comparisons.days_text}.get(kind, comparisons.count_text)(moved)
        return f"{text} {self.short}" if text else None

    def tile(self, now, before, kind: str = "count", better: str | None = "higher") -> dict:
        """st.metric's change arguments for a tile: the change (delta), green where it is for the better (`better`:
        "higher", "lower", or None where neither is, as for a volume), and no arrow nor colour for no change."""
        text = self.delta(now, before, kind)
        if text is None or comparisons.change(now, before) == 0:
            return {"delta": text, "delta_color": "off", "delta_arrow": "off"}
        return {"delta": text, "delta_color": {"higher": "normal", "lower": "inverse"}.get(better, "off")}

    def laid_over(self, frame: pd.DataFrame) -> pd.DataFrame | None:
        """The earlier range's monthly rows moved onto the months they are compared with, without the months before
        the data starts (their zeros are no figures); None when both ranges end in the same month (a range of days),
        where there is nothing to lay over."""
        if not self.months:
            return None
        return comparisons.laid_over(frame[frame["month"].astype(str).str[:7] >= f"{self.data_from:%Y-%m}"], self.months)


def earlier() -> Earlier | None:
    """The comparison chosen in the sidebar for this run, or None. An earlier range the data does not reach back to
    is said once under the page's title and compared with nothing; one the data starts within is said too."""
    kind = st.session_state.get("_compare")
    filters = st.session_state.get("_filters")
    if kind is None or filters is None:
        return None
    before = filters.earlier(kind)
    first = data_span()[0]
    compared = Earlier(kind, before, comparisons.month_shift(filters.end, before.end), first)
    if before.end < first:
        st.caption(f":material/compare_arrows: Nothing is set against {compared.words}: the data starts on "
                   f"{day(first)}, after it.")
        return None
    if before.start < first:
        st.caption(f":material/info: The data starts on {day(first)}, within {compared.words}: its figures cover "
                   "only part of it.")
    return compared


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# Which sidebar filters narrow the figures of each area (policy figures are taken from consent records).
FILTERS_OF = {
    "consent": (("purposes", "purpose", "Purposes"), ("channels", "channel", "Channels"),
                ("regions", "region", "Regions")),
    "requests": (("request_types", "request_type", "Request types"), ("jurisdictions", "jurisdiction", "Jurisdictions"),
                 ("request_channels", "request_channel", "Request channels")),
}
FILTERS_OF["policy"] = FILTERS_OF["consent"]


def last_upload() -> datetime | None:
    """When the newest upload still in the store was loaded (the sample's own counts too)."""
    uploads = query("uploads")
    present = uploads[uploads["removed_at"].isna()] if "removed_at" in uploads.columns else uploads
    if present.empty:
        return None
    return pd.Timestamp(present["loaded_at"].max()).to_pydatetime()


def source_line() -> str:
    """Where a figure comes from and how fresh it is: the line under every download."""
    span_ = data_span()
    parts = [SOURCE]
    if span_ is not None:
        parts.append(f"data to {day(span_[1])}")
    uploaded = last_upload()
    if uploaded is not None:
        parts.append(f"last upload {uploaded:%d %b %Y %H:%M} UTC")
    if sample_loaded():
        parts.append("sample data")
    return " · ".join(parts)


def filter_lines(filters: metrics.Filters | None, about: str) -> tuple[str, ...]:
    """One line per filter in force on an area's figures, values by their names: "Purposes: Marketing"."""
    if filters is None:
        return ()
    lines = []
    for attribute, field, heading in FILTERS_OF.get(about, ()):
        chosen = getattr(filters, attribute)
        if chosen:
            lines.append(f"{heading}: " + ", ".join(labels.name(field, key) for key in chosen))
    return tuple(lines)


def definition(key: str) -> str:
    """A figure's definition for its tooltip: the Definitions page's own words, with this run's dates filled in."""
    filters = st.session_state.get("_filters")
    return definitions.help_text(key, start=getattr(filters, "start", None), end=getattr(filters, "end", None),
                                 min_cell=min_cell())


def twelve_months_text(end: date) -> str:
    """The trailing twelve calendar months to a range's end, with their dates: what the volume charts cover."""
    return f"{span(comparisons.months_back(end, 11), end)} (UTC), the twelve calendar months to {end:%B %Y}"


def period_text(filters: metrics.Filters) -> str:
    return f"{span(filters.start, filters.end)} (UTC)"


def small_count_note() -> str:
    """What a download says while the small-count rule hides some of its counts."""
    return f"Counts under {min_cell()} are not shown; they read <{min_cell()} in the data."


def document(title: str, about: str, *, period: str | None = None, hides: bool = False) -> Document:
    """What a download of this run says about itself: title, range, the filters in force, the small-count
    note when counts are hidden, and the source line."""
    filters = st.session_state.get("_filters")
    return Document(
        title=title,
        period=period or (period_text(filters) if filters is not None else ""),
        filters=filter_lines(filters, about),
        note=small_count_note() if hides else None,
        source=source_line(),
    )


def _column(heading: str, kind: str, help_text: str | None, hides: bool, pinned: bool):
    """A Data tab column in the dashboard's one format of its kind (formatting.py)."""
    if pinned and kind in ("text", "key"):
        return st.column_config.TextColumn(heading, help=help_text, pinned=True)
    if kind == "percent":
        return st.column_config.NumberColumn(heading, format="%.1f%%", help=help_text)
    if kind == "points":
        return st.column_config.NumberColumn(heading, format="%+.1f pts", help=help_text)
    if kind == "days":
        return st.column_config.NumberColumn(heading, format="%.1f", help=help_text)
    if kind == "date":
        return st.column_config.DateColumn(heading, format="D MMM YYYY", help=help_text)
    if kind == "count":
        # While small counts are hidden a count column holds "<min_cell" beside numbers: text, right-aligned.
        if hides:
            return st.column_config.TextColumn(heading, alignment="right", help=help_text)
        return st.column_config.NumberColumn(heading, format="localized", help=help_text)
    return st.column_config.TextColumn(heading, help=help_text)


@st.cache_data(show_spinner=False, max_entries=256)
def _table_view(frame: pd.DataFrame, min_cell_: int, pinned: int) -> tuple[pd.DataFrame, dict]:
    """The frame as a Data tab shows it and the settings of its columns (kept: most runs show the same tables)."""
    readable = definitions.readable(frame, min_cell=min_cell_)
    kinds = definitions.column_kinds(readable)
    helps = {column.heading: column.help for column in definitions.COLUMNS.values()}
    shown = readable.copy()
    config = {}
    for position, heading in enumerate(shown.columns):
        kind = kinds.get(heading, "text")
        if kind in ("percent", "points"):
            shown[heading] = pd.to_numeric(shown[heading], errors="coerce") * 100
        elif kind == "count" and small_counts.on(min_cell_):
            # "<min_cell" stands beside numbers: the column is text, each count written as everywhere.
            shown[heading] = [cell(value, "count") for value in shown[heading]]
        config[heading] = _column(heading, kind, helps.get(heading) or None, small_counts.on(min_cell_),
                                  position < pinned)
    return shown, config


def show_table(frame: pd.DataFrame, *, pinned: int = 1) -> None:
    """A figure's frame as a person reads it: names not keys, headings in words, rates as percentages with one
    decimal, days with one decimal, "–" for no value and "<min_cell" for a hidden count."""
    shown, config = _table_view(frame, min_cell(), pinned)
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config)


def download_frame(frame: pd.DataFrame, min_cell_: int) -> pd.DataFrame:
    """A figure's frame for its CSV: the Data tab's columns, every value written as the screen writes it."""
    readable = definitions.readable(frame, min_cell=min_cell_)
    kinds = definitions.column_kinds(readable)
    return pd.DataFrame({column: [cell(value, kinds.get(column)) for value in readable[column]]
                         for column in readable.columns})


def download_buttons(key: str, document_: Document, *, data: pd.DataFrame | None = None, chart=None) -> None:
    """The CSV (and PNG) downloads of a figure, side by side, wrapping rather than shrinking their words.
    Both files are made when they are asked for, not on every page run."""
    hide_under = min_cell()
    with st.container(horizontal=True, gap="small"):
        if data is not None:
            st.download_button("Data (CSV)", lambda: csv_bytes(download_frame(data, hide_under), document_),
                               file_name=file_name(key, document_, "csv"), mime="text/csv", key=f"{key}-csv",
                               icon=":material/download:", on_click="ignore", width="content")
        if chart is not None:
            st.download_button("Chart (PNG)", lambda: png_bytes(chart, document_),
                               file_name=file_name(key, document_, "png"), mime="image/png", key=f"{key}-png",
                               icon=":material/image:", on_click="ignore", width="content")


@st.cache_data(show_spinner=False, max_entries=256)
def _chart_spec(builder_name: str, _builder, args: tuple, options: dict) -> dict:
    return _builder(*args, **options).to_dict()


def chart_spec(builder, *args) -> dict:
    """A chart builder's Vega-Lite spec, built once for the same frames and options: building and checking a
    chart costs more than a page's queries, and most page runs (a tab, a download, another session) draw the
    same charts again."""
    options = args[-1] if args and isinstance(args[-1], dict) else {}
    arguments = args[:-1] if args and isinstance(args[-1], dict) else args
    return _chart_spec(f"{builder.__module__}.{builder.__qualname__}", builder, arguments, options)


def show_chart(chart, data: pd.DataFrame, title: str, *, about: str, key: str | None = None,
               period: str | None = None) -> None:
    """A chart with its data table one click away and two downloads: the data as CSV, the chart as PNG, each
    saying what it shows, for which range and filters, and where it comes from. Hidden counts are not drawn,
    and read "<min_cell" in the table and the CSV.

    `chart` is an Altair chart, or better (builder, *arguments, {options}) so that its spec is built once
    (chart_spec): `(charts.outcomes_chart, outcomes, period, {"min_cell": 10})`."""
    key = key or slug(title)
    hides = _hides_counts(data)
    spec = chart_spec(*chart) if isinstance(chart, tuple) else chart.to_dict()
    chart_tab, table_tab = st.tabs(["Chart", "Data"])
    with chart_tab:
        # What a screen reader announces: the chart's own description (what it shows, the range, a headline
        # figure), which Streamlit passes on as the chart's accessible name; a chart without one is named by its title.
        st.vega_lite_chart(spec, width="stretch", alt=None if "description" in spec else title)
        if hides:
            st.caption(f":material/visibility_off: Counts under {min_cell()} are not drawn; the data reads "
                       f"<{min_cell()} for them.")
    with table_tab:
        show_table(data)
    download_buttons(key, document(title, about, period=period, hides=hides), data=data, chart=spec)


def _hides_counts(data: pd.DataFrame) -> bool:
    return small_counts.on(min_cell()) and any(
        data[column].isna().any() for column in data.columns if column in small_counts.COUNT_COLUMNS)


NO_DATA = "No data in this range. Widen the dates or clear a filter in the sidebar."


def no_data(message: str | None = NO_DATA) -> None:
    st.info(message or NO_DATA, icon=":material/info:")
