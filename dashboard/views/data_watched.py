"""The Data page's "Watched folders" section (watching.py): what each source has loaded, and the files it set aside."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import shell, uploading, watching
from dashboard.formatting import MISSING, as_text, count, plural

WHEN_FORMAT = "%d %b %Y %H:%M"
SOURCE_COLUMNS = {
    "name": "Source", "folder": "Folder", "pattern": "Files", "kind": "Kind", "format": "Read as",
    "checked": "Last checked (UTC)", watching.LOADED: "Loaded", watching.DUPLICATE: "Already loaded",
    watching.REFUSED: "Set aside",
}
SET_ASIDE_COLUMNS = {"seen_at": "When (UTC)", "source": "Source", "file_name": "File", "reason": "Reason",
                     "moved_to": "Moved to"}


def section() -> None:
    """Drawn on the Data page between "Load exports" and "Upload history"; only when a folder is watched or was."""
    connection = shell.connection()
    found = watching.configuration()
    counts = watching.files_by_source(connection)
    if not found.sources and not found.problems and not counts:
        return
    st.subheader("Watched folders")
    st.caption(f"The server loads the exports dropped into these folders by itself, {_how_often(found.interval)}: "
               "each file once, however many times it is copied. A file that cannot be loaded is moved to "
               f"`{watching.NOT_LOADED}/` in its folder, with a note saying why, and listed below. The folders are "
               "set in the settings file (README, \"Automation\").")
    for problem in found.problems:
        st.warning(f"Not watched: {as_text(problem)}", icon=":material/folder_off:")
    checked_alerts = watching.alerts_after_last_load(connection)
    if checked_alerts is not None:
        at, sentences = checked_alerts
        st.markdown(f"**Alerts after the last load** ({at.strftime(WHEN_FORMAT)} UTC): "
                    + ("none." if not sentences else ""))
        for sentence in sentences:
            st.warning(as_text(sentence), icon=":material/notifications_active:")
    checked = watching.last_checked(connection)
    rows = [{"name": source.name, "folder": str(source.folder), "pattern": source.pattern, "kind": source.kind,
             "format": _read_as(source.format),
             "checked": checked[source.name].strftime(WHEN_FORMAT) if source.name in checked else "not yet"}
            for source in found.sources]
    rows += [{"name": name, "folder": "no longer in the settings", "pattern": MISSING, "kind": MISSING,
              "format": MISSING, "checked": MISSING}
             for name in sorted(counts) if name not in {source.name for source in found.sources}]
    for row in rows:
        offered = counts.get(row["name"], {})
        row.update({outcome: count(offered.get(outcome, 0))
                    for outcome in (watching.LOADED, watching.DUPLICATE, watching.REFUSED)})
    if rows:
        _table(rows, SOURCE_COLUMNS)
    set_aside = watching.set_aside_files(connection)
    if set_aside:
        st.markdown("#### Files set aside")
        total = sum(offered.get(watching.REFUSED, 0) for offered in counts.values())
        if total > len(set_aside):
            st.caption(f"The latest {len(set_aside)} of {plural(total, 'file')}.")
        _table([{**row, "seen_at": row["seen_at"].strftime(WHEN_FORMAT), "moved_to": row["moved_to"] or MISSING}
                for row in set_aside], SET_ASIDE_COLUMNS)


def _how_often(interval: int) -> str:
    if not interval:
        return "never: watch_interval_seconds is 0"
    if interval % 60:
        return f"at its start and every {plural(interval, 'second')}"
    return f"at its start and every {plural(interval // 60, 'minute')}"


def _read_as(format_name: str) -> str:
    if format_name == "auto":
        return "As its header says"
    return uploading.format_title(format_name)


def _table(rows: list[dict], columns: dict[str, str]) -> None:
    frame = pd.DataFrame(rows, columns=list(columns)).fillna(MISSING)
    counts = (watching.LOADED, watching.DUPLICATE, watching.REFUSED)
    config = {column: st.column_config.TextColumn(heading, alignment="right" if column in counts else None)
              for column, heading in columns.items()}
    st.dataframe(frame, hide_index=True, width="stretch", column_config=config)
