"""Definitions: what every figure of the pages counts, over which rows, at which date, and what it is divided by;
the same words as the tooltips (dashboard/definitions.py)."""

import pandas as pd
import streamlit as st

from dashboard import definitions, shell, small_counts

# The sidebar's range, when it makes one: the definitions then name its dates.
filters = st.session_state.get("_filters")
min_cell = shell.min_cell()
values = {"min_cell": min_cell}
if filters is not None:
    values.update(start=filters.start, end=filters.end)

st.title("Definitions")
st.caption(
    "What every figure on the dashboard counts, over which rows, at which date, and what a rate is divided by. "
    "The tooltips on the pages use the same words. Dates are UTC calendar days, both ends of a range included. "
    + (definitions.fill("The dates below are those of the range chosen in the sidebar, {range}.", **values)
       if filters is not None else "“The range” is the period chosen in the sidebar.")
    + " The sidebar's filters narrow every figure of a page except the CCPA report."
)

st.subheader("Small counts")
if small_counts.on(min_cell):
    st.markdown(f"Small counts are hidden now (min_cell is {min_cell}). {definitions.small_count_rule(min_cell)}")
else:
    st.markdown(
        f"Small counts are not hidden now (min_cell is {min_cell}). When an administrator sets min_cell, "
        + definitions.small_count_rule().replace("A count", "a count", 1)
    )

st.subheader("Comparisons")
st.markdown("The sidebar's *Compare with* sets every consent and request figure against an earlier range.\n\n"
            + "\n\n".join(definitions.COMPARISONS))

for page in definitions.PAGES:
    st.header(page, divider="gray")
    for figure in definitions.figures(page):
        lines = [f"**{figure.name}**", definitions.fill(figure.definition, **values)]
        if figure.denominator:
            lines.append("*Denominator*: " + definitions.fill(figure.denominator, **values))
        if figure.small_counts:
            if small_counts.on(min_cell):
                lines.append("*Small counts*: " + definitions.fill(figure.small_counts, **values))
            else:  # the rule in general words: "a count under min_cell"
                lines.append("*Small counts*, when min_cell is set: "
                             + definitions.fill(figure.small_counts, **{**values, "min_cell": None}))
        st.markdown("\n\n".join(lines))

st.header("Deadlines", divider="gray")
st.caption(
    "A request's due date is the date received plus its law's deadline for its type, and the extension when the "
    "request was extended. The rules come from data/deadlines.csv, which an administrator may edit; a request with no "
    "law, or a law not listed, takes the unspecified rule. Business days skip Saturdays and Sundays; a month ends on "
    "the same day of the next month, or its last day."
)
st.dataframe(definitions.deadline_rules(), hide_index=True, width="stretch",
             column_config={"Law": st.column_config.TextColumn(pinned=True),
                            "Source": st.column_config.TextColumn(width="large")})

st.header("Markers on the charts", divider="gray")
st.markdown(definitions.MARKERS)

st.header("Columns of the Data tabs and downloads", divider="gray")
st.caption("Every heading a table, a Data tab or a CSV download uses, with what its values are.")
KIND_WORDS = {"percent": "Percentage", "points": "Percentage points", "days": "Days", "count": "Number", "date": "Date", "text": "Text",
              "key": "Name"}
rows, seen = [], set()
for name, column in definitions.COLUMNS.items():
    if column.heading in seen or name in definitions.NAME_OF or name in ("rate_label", "month_label"):
        continue  # chart helpers' names, shown as their key's column
    seen.add(column.heading)
    rows.append({"Column": column.heading, "Values": KIND_WORDS[column.kind],
                 "Meaning": definitions.fill(column.help, **values)})
st.table(pd.DataFrame(rows).set_index("Column"))
