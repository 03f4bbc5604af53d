"""The pages' entry file (served by `streamlit run dashboard/server.py`): navigation, sidebar filters, sample notice."""

import sys
from datetime import date, timedelta
from pathlib import Path

# `streamlit run` puts this file's folder on the path, not the project's; the package needs the latter.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st

from dashboard import access, comparisons, labels, metrics, settings, shell, small_counts
from dashboard.formatting import day, plural
from dashboard.store import StoreError

VIEWS = Path(__file__).resolve().parent / "views"

st.set_page_config(page_title="Privacy metrics", page_icon=":material/shield_person:", layout="wide")

PAGES = [
    # The default page is served at the app's root URL.
    st.Page(VIEWS / "overview.py", title="Overview", icon=":material/dashboard:", default=True),
    st.Page(VIEWS / "consent.py", title="Consent", icon=":material/how_to_reg:", url_path="consent"),
    st.Page(VIEWS / "requests.py", title="Requests", icon=":material/assignment:", url_path="requests"),
    st.Page(VIEWS / "policies.py", title="Policy versions", icon=":material/policy:", url_path="policies"),
    st.Page(VIEWS / "ccpa.py", title="CCPA report", icon=":material/gavel:", url_path="ccpa"),
    st.Page(VIEWS / "definitions.py", title="Definitions", icon=":material/menu_book:", url_path="definitions"),
]
# Loading, mapping and undoing: for analysts only (the page checks again, and so does each action). A
# viewer's navigation hides it, and its address shows them why they cannot use it.
DATA_PAGE = st.Page(VIEWS / "data.py", title="Data", icon=":material/upload_file:", url_path="data")
DATA_PAGE_HIDDEN = st.Page(VIEWS / "data.py", title="Data", url_path="data", visibility="hidden")

access.guard_unsigned_server()
access.guard_unchecked_endpoints()
person = access.sign_in()
page = st.navigation(PAGES + [DATA_PAGE if person.may_change else DATA_PAGE_HIDDEN])
access.show_person(person)

shell.begin_run()
try:
    shell.connection()
except StoreError as error:
    st.error(str(error), icon=":material/error:")
    st.stop()
small_counts_notice = small_counts.notice(shell.read_min_cell())
if small_counts_notice:
    st.sidebar.caption(f":material/visibility_off: {small_counts_notice}")


def _choose_custom() -> None:
    st.session_state["period"] = "Custom"


CONSENT_FILTERS = ("purpose", "channel", "region")
REQUEST_FILTERS = ("type", "jurisdiction", "request_channel")


def _active(keys) -> bool:
    """A filter section with a choice in it (from the session or the link) is shown open, so the user sees
    what narrows the figures, and its widgets stay bound to the URL across page switches."""
    return any(st.session_state.get(key) or key in st.query_params for key in keys)


def _choice_of_keys(label: str, field: str, key: str, options: dict, placeholder: str) -> list[str]:
    """A multiselect of a filter's values that shows their names and keeps their keys in the URL
    (`?purpose=marketing&purpose=research_development`), so a link survives a renamed label.

    Streamlit's own URL binding writes what a widget shows, so this one is kept in step by hand: the link
    sets the choice when the session starts, and every run writes the choice back (the URL follows a page
    switch too). A link may also name a value by its name, as older links did.
    """
    keys = labels.in_order(field, options.get(field, []))
    if key not in st.session_state and key in st.query_params:
        wanted = set(st.query_params.get_all(key))
        st.session_state[key] = [value for value in keys if value in wanted or labels.name(field, value) in wanted]
    elif key in st.session_state:
        # A value the store no longer holds (an upload was undone) leaves the choice.
        st.session_state[key] = [value for value in st.session_state[key] if value in keys]
    chosen = st.multiselect(label, keys, key=key, format_func=lambda value: labels.name(field, value),
                            placeholder=placeholder)
    if chosen:
        st.query_params[key] = chosen
    elif key in st.query_params:
        del st.query_params[key]
    return chosen


def _sidebar_filters() -> tuple[metrics.Filters | None, str | None]:
    """The sidebar's widgets, each bound to the URL; the filters they make, or why they make none."""
    span = shell.data_span()
    options = shell.filter_options()
    # A link carrying only dates (hand-written, or from an older link) means a custom range.
    if "dates" in st.query_params and "period" not in st.query_params and "period" not in st.session_state:
        st.session_state["period"] = "Custom"
    with st.sidebar:
        period = st.selectbox("Period", shell.PERIODS, key="period", bind="query-params")
        default_range = shell.period_range(period if period != "Custom" else "Last 12 months", span) if span else None
        if period == "Custom" or span is None:
            picked = st.date_input(
                "Dates (UTC)", value=default_range, key="dates", bind="query-params", format="YYYY-MM-DD",
                on_change=_choose_custom,
            )
        else:
            picked = default_range
            newest = " (the newest data)" if picked[1] == span[1] else ""
            st.caption(f"{day(picked[0])} – {day(picked[1])}{newest}, UTC")
        compare = _comparison(picked)
        with st.expander("Consent filters", icon=":material/filter_alt:", expanded=_active(CONSENT_FILTERS)):
            purposes = _choice_of_keys("Purposes", "purpose", "purpose", options, "All purposes")
            channels = _choice_of_keys("Channels", "channel", "channel", options, "All channels")
            regions = _choice_of_keys("Regions", "region", "region", options, "All regions")
        with st.expander("Request filters", icon=":material/filter_alt:", expanded=_active(REQUEST_FILTERS)):
            types = _choice_of_keys("Request types", "request_type", "type", options, "All types")
            jurisdictions = _choice_of_keys("Jurisdictions", "jurisdiction", "jurisdiction", options,
                                            "All jurisdictions")
            request_channels = _choice_of_keys("Request channels", "request_channel", "request_channel", options,
                                               "All channels")
    if span is None:
        return None, "The store has no data yet. Load your exports on the **Data** page."
    if not isinstance(picked, (tuple, list)) or len(picked) != 2:
        return None, "Pick the last day of the range in the sidebar's calendar."
    start, end = picked
    if start > end:
        return None, "The range starts after it ends: pick the dates again."
    filters = metrics.Filters(
        start=start, end=end,
        purposes=tuple(purposes) or None, channels=tuple(channels) or None, regions=tuple(regions) or None,
        request_types=tuple(types) or None, jurisdictions=tuple(jurisdictions) or None,
        request_channels=tuple(request_channels) or None,
        due_soon_days=_due_soon_days(),
    )
    st.session_state["_compare"] = compare
    return filters, None


COMPARE_CHOICES = (comparisons.NONE, *comparisons.KINDS.values())


def _comparison(picked) -> str | None:
    """The sidebar's "Compare with" choice, bound to the URL (`?compare=Previous+range`), and the earlier range's
    dates under it; the comparison's key (comparisons.KINDS), or None."""
    chosen = st.selectbox("Compare with", COMPARE_CHOICES, key="compare", bind="query-params",
                          help="Set every consent and request figure against an earlier range: a change beside "
                               "each figure and the earlier range as faded lines in the monthly charts.")
    kind = next((key for key, words in comparisons.KINDS.items() if words == chosen), None)
    if kind is not None and isinstance(picked, (tuple, list)) and len(picked) == 2 and picked[0] <= picked[1]:
        first, last = comparisons.earlier_range(picked[0], picked[1], kind)
        st.caption(f"Against {day(first)} – {day(last)}, UTC")
    return kind


def _due_soon_days() -> int:
    """The due-soon setting; its default, and a word in the sidebar, when the setting cannot be read."""
    try:
        return settings.due_soon_days()
    except settings.SettingError as error:
        st.sidebar.caption(f":material/error: {error}; due soon is {settings.DUE_SOON_DAYS_DEFAULT} days until it "
                           "is mended.")
        return settings.DUE_SOON_DAYS_DEFAULT


@st.fragment(run_every=timedelta(seconds=5))
def _follow_the_store(drawn_at_version: int) -> None:
    """A page drawn before an upload or undo made in another session redraws itself within seconds, so
    nobody reads figures the store no longer holds. It also clears the copies of closed sessions' uploads."""
    shell.remove_copies_of_ended_sessions()
    if shell.version() != drawn_at_version:
        st.rerun(scope="app")


def _freshness() -> None:
    """Every page says how fresh its data is, and warns when the newest data is older than the setting."""
    span = shell.data_span()
    if span is None:
        return
    uploaded = shell.last_upload()
    st.sidebar.caption(
        f":material/update: Data to {day(span[1])}"
        + (f" · last upload {uploaded:%d %b %Y %H:%M} UTC" if uploaded is not None else "")
    )
    try:
        limit = settings.stale_after_days()
    except settings.SettingError as error:
        st.sidebar.caption(f":material/error: {error}")
        return
    age = (date.today() - span[1]).days
    if limit and age > limit and not shell.sample_loaded():
        st.warning(
            f"The newest data is from {day(span[1])}, {plural(age, 'day')} ago (more than the "
            f"{limit} days set as fresh). Load the latest exports on the Data page.",
            icon=":material/update:",
        )


_follow_the_store(shell.version())
filters, reason = _sidebar_filters()
_freshness()
st.session_state["_filters"] = filters
st.session_state["_filters_reason"] = reason

if shell.sample_loaded():
    st.warning(
        "**Sample data.** These figures come from the bundled sample exports, not from your company. "
        + ("Load your own exports on the **Data** page: the sample is removed as your first file lands."
           if person.may_change else "They are replaced as soon as an analyst loads the company's exports."),
        icon=":material/science:",
    )

page.run()
