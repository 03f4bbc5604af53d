"""CCPA report: the section 7102 request metrics of one calendar year, ready to publish in the privacy policy, with
the notes that make its columns add up and an evidence pack that shows what it rests on."""

from datetime import UTC, datetime

import pandas as pd
import streamlit as st

from dashboard import ccpa, definitions, metrics, shell, small_counts
from dashboard.formatting import day
from dashboard.report_tables import CCPA_DENIAL_HEADINGS, CCPA_HEADINGS, ccpa_table

filters = shell.current_filters()

st.title("CCPA report")
st.caption(
    "The figures California's regulations (title 11, section 7102) ask a business to publish every year about the "
    "requests it received in the previous calendar year. This report takes a whole calendar year: the sidebar's "
    "dates and filters do not apply to it."
)

span = shell.data_span()
if span is None:
    shell.no_data("The store has no data yet. Load a requests export on the **Data** page.")
    st.stop()
first, last = span
years = list(range(last.year, first.year - 1, -1))
# The last full calendar year: the one before the newest data's year, unless the data starts in that year.
default_year = last.year - 1 if last.year - 1 in years else last.year

# The year and the scope are in the URL (`?year=2023&scope=Every+US+state+law`), so a link opens the report it was
# copied from. The URL holds a widget's shown text: the years as they are, the scopes by their names. A link made
# before the scopes (`?all_jurisdictions=true`) opens the report of every law.
choices = [str(year) for year in years]
if "year" in st.query_params and st.query_params["year"] not in choices:
    del st.query_params["year"]
if "all_jurisdictions" in st.query_params:
    if st.query_params["all_jurisdictions"] == "true":
        st.session_state["scope"] = "all"
    del st.query_params["all_jurisdictions"]
if "scope" in st.query_params and st.query_params["scope"] not in ccpa.SCOPE_NAMES.values():
    del st.query_params["scope"]
with st.container(horizontal=True, vertical_alignment="bottom", gap="medium"):
    year = int(st.selectbox("Calendar year", choices, index=choices.index(str(default_year)), key="year",
                            bind="query-params", width=200))
    scope = st.selectbox("Scope", list(ccpa.SCOPE_NAMES), format_func=ccpa.SCOPE_NAMES.get, key="scope",
                         bind="query-params", width=260,
                         help="Whose requests the report counts: those under the CCPA (California consumers), under "
                              "any US state privacy law, or under any law, for a business that reports them all the "
                              "same way.")

exact = shell.query("ccpa_report", exact=True, **metrics.ccpa_parameters(year, scope))
published = ccpa.report(exact, year, scope, last=last, min_cell=shell.min_cell(), source=shell.source_line())
frame = published.frame
year_end, complete = ccpa.period(year, last)

st.subheader(f"Requests received in {year}{'' if complete else f' to {year_end:%-d %B}'}, "
             f"{ccpa.SCOPE_NAMES[scope]}")
if not complete:
    st.warning(f"{year} is not complete: the newest data is from {day(last)}. Publish the report for a whole "
               "calendar year.", icon=":material/event_busy:")
if not small_counts.any_counted(frame["received"]):
    warning = ccpa.scope_warning(shell.query("ccpa_year_laws", year=year), year, scope)
    if warning:
        st.warning(warning, icon=":material/travel_explore:")
    else:
        st.info(f"No request of {year} is in this scope. The table still has its five rows, as the regulation asks.",
                icon=":material/info:")
number, count = st.column_config.NumberColumn, shell.count_column
headings = {**CCPA_HEADINGS, **CCPA_DENIAL_HEADINGS}
shown = small_counts.shown(frame, shell.min_cell(), text=True)
st.dataframe(
    ccpa_table(shown),
    hide_index=True,
    width="stretch",
    column_config={
        headings["label"]: st.column_config.TextColumn(pinned=True),
        **{headings[key]: count(headings[key]) for key in headings if key not in ("label", "median_days", "mean_days")},
        headings["complied"]: count(headings["complied"], help="Requests completed, in whole or in part."),
        headings["open"]: count(headings["open"], help="Neither complied with nor denied yet, as the newest export "
                                                       "says: received = complied + denied + withdrawn + still open."),
        headings["median_days"]: number(format="%.1f", help="Calendar days from receipt to the response, over "
                                                            "the requests complied with or denied."),
        headings["mean_days"]: number(format="%.1f", help="The same requests' average."),
    },
)
st.markdown("**Notes**")
st.markdown("\n".join(f"{number}. {note}" for number, note in enumerate(published.notes, start=1)))
if small_counts.on(shell.min_cell()):
    st.caption(
        f":material/visibility_off: The regulation asks for the figures themselves: an analyst gets them with "
        f"`python -m dashboard report ccpa --year {year} --scope {scope} --min-cell 0`."
    )

stem = published.file_stem()
markdown, html_text = published.markdown(), published.html()
with st.container(horizontal=True, gap="small"):
    st.download_button("Table (CSV)", published.csv(), file_name=f"{stem}.csv", mime="text/csv", key="ccpa-csv",
                       icon=":material/download:", on_click="ignore", width="content")
    st.download_button("Table (HTML)", html_text.encode("utf-8"), file_name=f"{stem}.html", mime="text/html",
                       key="ccpa-html", icon=":material/code:", on_click="ignore", width="content")
    st.download_button("Table (Markdown)", markdown.encode("utf-8"), file_name=f"{stem}.md",
                       mime="text/markdown", key="ccpa-markdown", icon=":material/description:",
                       on_click="ignore", width="content")
    st.download_button(
        "Evidence pack (ZIP)",
        lambda: ccpa.evidence_pack(shell.connection(), published, min_cell=shell.min_cell(),
                                   generated_at=datetime.now(UTC)),
        file_name=f"{stem}-evidence.zip", mime="application/zip", key="ccpa-evidence", icon=":material/inventory_2:",
        on_click="ignore", width="content",
        help="One file for an auditor: the table and its notes, the definitions used, the uploads it rests on "
             "(file names, SHA-256, rows, who loaded them and when), the settings in force, and when it was made.")

with st.expander("Copy the table for the privacy policy page", icon=":material/content_copy:"):
    st.caption("Paste it where the policy lists its request metrics; the copy button is at the top right.")
    markdown_tab, html_tab = st.tabs(["Markdown", "HTML"])
    with markdown_tab:
        st.code(markdown, language="markdown")
    with html_tab:
        st.code(html_text, language="html")

st.subheader("Records an auditor asks for")
st.caption(
    "The CCPA regulations (title 11, section 7101) and Colorado's rule 6.11 ask a business to keep every request's "
    "record for 24 months: the date it was received, what it asked, how it was made, the date and nature of the "
    "response, and the basis of a denial. Of every request the store holds, whatever the year and the sidebar:"
)
records = shell.query("records_check").iloc[0]
tiles = shell.tile_row()
tiles.metric("Requests on record", shell.count_text(records["requests_on_record"]),
             help=shell.definition("ccpa-records"), border=True, width=shell.TILE_WIDTH)
tiles.metric("Without how it was made", shell.count_text(records["without_channel"]),
             help=definitions.COLUMNS["without_channel"].help, border=True, width=shell.TILE_WIDTH)
tiles.metric("Closed without a response date", shell.count_text(records["closed_without_date"]),
             help=definitions.COLUMNS["closed_without_date"].help, border=True, width=shell.TILE_WIDTH)
tiles.metric("Denied without a reason", shell.count_text(records["denied_without_reason"]),
             f"of {shell.count_text(records['denied_requests'])} denied", delta_color="off", delta_arrow="off",
             help="Denied requests whose export gave no reason: section 7101 asks for the basis of a denial.",
             border=True, width=shell.TILE_WIDTH)
if small_counts.any_counted(pd.Series([records["requests_on_record"]])):
    held = int(records["months_held"])
    since = f"{held} whole months, from {day(records['first_received'])} to {day(records['newest_data_day'])}"
    tiles.metric("Records held", f"{held} months", f"since {day(records['first_received'])}", delta_color="off",
                 delta_arrow="off", help=definitions.COLUMNS["months_held"].help, border=True, width=shell.TILE_WIDTH)
    if held < 24:
        st.warning(f"The request records go back {since}; the rules ask for 24 months. Load older exports if the "
                   "request tool still has them.", icon=":material/history:")
    else:
        st.success(f"The request records go back {since}: the 24 months the rules ask for.",
                   icon=":material/check_circle:")
