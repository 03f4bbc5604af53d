"""CCPA report: the section 7102 request metrics of one calendar year, ready to publish in the privacy policy."""

from datetime import date

import streamlit as st

from dashboard import shell, small_counts
from dashboard.downloads import Document, csv_bytes
from dashboard.formatting import day
from dashboard.report_tables import CCPA_HEADINGS, ccpa_table, html_table, markdown_table, published_cells

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


def incomplete(year: int) -> bool:
    """The newest data stops before the year's end: the report covers part of the year only."""
    return year == last.year and (last.month, last.day) != (12, 31)


# The year and the scope are in the URL (`?year=2023&all_jurisdictions=true`), so a link opens the report it was
# copied from. The URL holds a widget's shown text: the years are shown as they are, and an incomplete year is
# said so below the choice.
choices = [str(year) for year in years]
if "year" in st.query_params and st.query_params["year"] not in choices:
    del st.query_params["year"]
with st.container(horizontal=True, vertical_alignment="bottom", gap="medium"):
    year = int(st.selectbox("Calendar year", choices, index=choices.index(str(default_year)), key="year",
                            bind="query-params", width=200))
    all_jurisdictions = st.toggle("All jurisdictions", value=False, key="all_jurisdictions", bind="query-params",
                                  help="Off: only requests under the CCPA. On: requests under every law, for a "
                                       "business that reports them all the same way.")

report = shell.query("ccpa_report", year=year, all_jurisdictions=all_jurisdictions)
# Published as downloads and copies with "<min_cell" for a hidden count; on screen as text beside it.
table = ccpa_table(small_counts.shown(report, shell.min_cell()))
whose = "all jurisdictions" if all_jurisdictions else "the CCPA"
year_end = last if incomplete(year) else date(year, 12, 31)
caption = f"Requests received from 1 January to {year_end:%-d %B} {year} under {whose}"
if incomplete(year):
    caption += " (the newest data; the year is not complete)"

st.subheader(f"Requests received in {year}{f' to {year_end:%-d %B}' if incomplete(year) else ''}, "
             f"{'all jurisdictions' if all_jurisdictions else 'CCPA only'}")
if incomplete(year):
    st.warning(f"{year} is not complete: the newest data is from {day(last)}. Publish the report for a whole "
               "calendar year.", icon=":material/event_busy:")
if not small_counts.any_counted(report["received"]):
    st.info(f"No request under {whose} was received in {year}. The table still has its five rows, as the "
            "regulation asks.", icon=":material/info:")
number, count = st.column_config.NumberColumn, shell.count_column
st.dataframe(
    ccpa_table(shell.table(report)),
    hide_index=True,
    width="stretch",
    column_config={
        CCPA_HEADINGS["label"]: st.column_config.TextColumn(pinned=True),
        CCPA_HEADINGS["received"]: count(CCPA_HEADINGS["received"]),
        CCPA_HEADINGS["complied"]: count(CCPA_HEADINGS["complied"], help="Requests completed, in whole or in part."),
        CCPA_HEADINGS["denied"]: count(CCPA_HEADINGS["denied"]),
        CCPA_HEADINGS["median_days"]: number(format="%.1f", help="Calendar days from receipt to the response, over "
                                                                 "the requests complied with or denied."),
        CCPA_HEADINGS["mean_days"]: number(format="%.1f", help="The same requests' average."),
    },
)
st.caption(
    "A request that was withdrawn or is still open counts as received but neither complied with nor denied. "
    "Days are calendar days from the date received to the date closed."
)
if small_counts.on(shell.min_cell()):
    st.caption(
        f":material/visibility_off: Counts under {shell.min_cell()} read <{shell.min_cell()} here and in the "
        "downloads, as the small-count setting asks. The regulation asks for the figures themselves: an analyst "
        f"gets them with `python -m dashboard report ccpa --year {year} --min-cell 0`."
    )

markdown = markdown_table(table)
html_text = html_table(table, caption=caption)
name = f"ccpa-metrics-{year}{'-all-jurisdictions' if all_jurisdictions else ''}"
document = Document(title=f"CCPA request metrics, {year}", period=caption,
                    filters=(f"Scope: {'requests under every law' if all_jurisdictions else 'requests under the CCPA'}",),
                    note=shell.small_count_note() if small_counts.on(shell.min_cell()) else None,
                    source=shell.source_line())
with st.container(horizontal=True, gap="small"):
    st.download_button("Table (CSV)", csv_bytes(published_cells(table), document), file_name=f"{name}.csv", mime="text/csv",
                       key="ccpa-csv", icon=":material/download:", on_click="ignore", width="content")
    st.download_button("Table (HTML)", html_text.encode("utf-8"), file_name=f"{name}.html", mime="text/html",
                       key="ccpa-html", icon=":material/code:", on_click="ignore", width="content")
    st.download_button("Table (Markdown)", markdown.encode("utf-8"), file_name=f"{name}.md",
                       mime="text/markdown", key="ccpa-markdown", icon=":material/description:",
                       on_click="ignore", width="content")

with st.expander("Copy the table for the privacy policy page", icon=":material/content_copy:"):
    st.caption("Paste it where the policy lists its request metrics; the copy button is at the top right.")
    markdown_tab, html_tab = st.tabs(["Markdown", "HTML"])
    with markdown_tab:
        st.code(markdown, language="markdown")
    with html_tab:
        st.code(html_text, language="html")
