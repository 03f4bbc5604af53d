"""The Data page's "Events on the charts" section: an analyst edits the team events the trend charts mark (the events
file, events.py) in a table, and saves them all at once."""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from dashboard import access, audit, events, labels, shell
from dashboard.formatting import as_text, plural

log = logging.getLogger("dashboard.views.data_events")

EDITOR = "data_events_editor"
# Bumped by each save, so the editor starts again from the file it wrote instead of replaying the edits made.
GENERATION = "data_events_generation"
MESSAGE = "data_events_message"
NOT_SET = "–"


def _options(field: str, present) -> list[str]:
    """The keys a selectbox offers: the store's values of the field (the catalogue's, for purposes), and those
    already in the file."""
    if field == "purpose":
        known = list(labels.names("purpose"))
    else:
        filters = shell.query("filter_options", exact=True)
        same = {"channel": ("channel", "request_channel"), "region": ("region",)}[field]
        known = [value for value in filters.loc[filters["filter"].isin(same), "value"] if value != "unknown"]
    return labels.order(field, [*known, *(key for key in present if key)])


def _frame(reading: events.Reading) -> pd.DataFrame:
    rows = [{"date": event.date, "label": event.label, "purpose": event.purpose, "channel": event.channel,
             "region": event.region} for event in reading.events]
    frame = pd.DataFrame(rows, columns=list(events.COLUMNS))
    frame["date"] = pd.to_datetime(frame["date"]).dt.date
    return frame


def _save(edited: pd.DataFrame) -> tuple[str, str]:
    """Check every row of the editor and write the file when all are events; the outcome as (kind, text)."""
    kept, refused = [], []
    for number, row in enumerate(edited.to_dict("records"), start=1):
        if all(pd.isna(value) or str(value).strip() == "" for value in row.values()):
            continue  # a row added and left empty
        outcome = events.checked(row)
        if isinstance(outcome, str):
            refused.append(events.BadRow(number, outcome))
        else:
            kept.append(outcome)
    if refused:
        listed = "\n".join(f"- row {bad.line}: {as_text(bad.reason)}" for bad in refused)
        return "error", f"Nothing was saved: {plural(len(refused), 'row')} cannot be an event.\n\n{listed}"
    try:
        person = access.require_analyst()
        path = events.write(kept)
    except access.AccessDenied as error:
        return "error", as_text(str(error))
    except OSError as error:
        log.exception("writing the events file failed")
        return "error", f"The events file could not be written ({error.strerror or type(error).__name__}); nothing changed."
    audit.record("events saved", who=person.name, file=path.name, events=len(kept))
    return "success", f"{plural(len(kept), 'event')} saved to the events file."


def section() -> None:
    """Drawn on the Data page after "API tokens"."""
    st.subheader("Events on the charts")
    st.caption("Every trend chart marks the day each policy version took effect (dashed grey lines) and the team's "
               "own events listed here (solid dark lines): a new banner, a campaign, an outage. An event with a "
               "purpose, channel or region is marked only while the sidebar shows it; leave them empty for every "
               f"chart. Labels are shown to everyone who reads the charts: at most {events.MAX_LABEL} characters, "
               "and no names, e-mail addresses or phone numbers.")
    message = st.session_state.pop(MESSAGE, None)
    if message:
        kind_of_message, text = message
        (st.success if kind_of_message == "success" else st.error)(text)
    reading = events.read()
    if reading.problem:
        st.warning(f"{as_text(reading.problem)}. Saving replaces it with the events below.", icon=":material/warning:")
    for bad in reading.bad_rows:
        st.caption(f":material/warning: Left out of the file, {as_text(str(bad))}; saving drops it.")
    frame = _frame(reading)
    names = {field: _options(field, frame[field].dropna()) for field in ("purpose", "channel", "region")}
    config = {
        "date": st.column_config.DateColumn("Date", format="YYYY-MM-DD", required=True),
        "label": st.column_config.TextColumn("Label", max_chars=events.MAX_LABEL, required=True),
        **{field: st.column_config.SelectboxColumn(
            field.capitalize(), options=names[field],
            format_func=lambda key, field=field: labels.name(field, key))
           for field in ("purpose", "channel", "region")},
    }
    generation = st.session_state.setdefault(GENERATION, 0)
    edited = st.data_editor(frame, num_rows="dynamic", hide_index=True, width="stretch", column_config=config,
                            key=f"{EDITOR}_{generation}")
    if st.button("Save events", icon=":material/save:", key="data_events_save"):
        kind_of_message, text = _save(edited)
        st.session_state[MESSAGE] = (kind_of_message, text)
        if kind_of_message == "success":
            st.session_state[GENERATION] = generation + 1
        st.rerun()
