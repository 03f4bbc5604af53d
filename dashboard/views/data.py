"""Data: load exports into the store (mapping the columns of any other export), see what each file did, undo."""

import logging

import pandas as pd
import streamlit as st

from dashboard import access, erasure, labels, shell, store, uploading
from dashboard.downloads import csv_bytes
from dashboard.formats import CANONICAL_COLUMNS, KINDS
from dashboard.formatting import MISSING, as_text, count, day, missing, plural
from dashboard.identities import mask_file_name
from dashboard.server_connection import reopen_held
from dashboard.store import StoreError
from dashboard.uploading import Held, Loaded, Previewed, Refused
from dashboard.views import data_events, data_tokens, data_watched

log = logging.getLogger("dashboard.views.data")

# The kinds are shown by the words the command line uses (`python -m dashboard ingest consent FILE`).
ROW_WORDS = {"consent": "consent", "requests": "request", "policies": "policy version"}
DATE_ORDER_LABELS = {
    "mdy": "Month first (06/01/2023 is 1 June)",
    "dmy": "Day first (06/01/2023 is 6 January)",
}
# The tables' columns: (heading, kind[, help]); the kinds are those _table() knows.
REJECTED_COLUMNS = {"line": ("Line", "line"), "column_name": ("Column", "text"), "value": ("Value", "text"),
                    "reason": ("Reason", "text")}
SET_ASIDE_COLUMNS = {"line": ("Line", "line"), "reason": ("Reason", "text")}
HISTORY_COLUMNS = {
    "upload_id": ("Upload", "number"),
    "file_name": ("File", "text"),
    "removed": ("Undone (UTC)", "text", "Who removed the upload's rows, and when"),
    "kind": ("Kind", "text"),
    "format": ("Read as", "text", "The export's layout the file was recognised as, or the columns it was mapped with"),
    "rows_read": ("Rows read", "count"),
    "rows_loaded": ("Loaded", "count"),
    "rows_duplicate": ("Duplicate", "count"),
    "rows_rejected": ("Rejected", "count"),
    "rows_set_aside": ("Set aside", "count",
                       "Rows the export's profile set aside (test requests, say): neither loaded nor rejected"),
    "warnings": ("Warnings", "count"),
    "loaded_at": ("Loaded at (UTC)", "when"),
    "loaded_by": ("Loaded by", "text"),
    "is_sample": ("Sample data", "yes/no"),
}
ERASURE_COLUMNS = {
    "erasure_id": ("Erasure", "number"),
    "erased_at": ("When (UTC)", "when"),
    "erased_by": ("By", "text"),
    "people": ("People", "count"),
    "consent_rows": ("Consent rows", "count"),
    "request_rows": ("Request versions", "count"),
    "values_cleared": ("Values cleared", "count", "Values of rejected rows and of the history that named them"),
}
# The preview of a mapped file: each canonical column in words, its values as every page names them. The long
# event ids and pseudonyms come last, so that a narrow screen shows what the mapping decides first.
PREVIEW_COLUMNS = {
    "request_id": ("Request", "text"),
    "occurred_at": ("When (UTC)", "when"),
    "purpose": ("Purpose", "purpose"),
    "decision": ("Decision", "decision"),
    "request_type": ("Type", "request_type"),
    "received_at": ("Received (UTC)", "when"),
    "status": ("Status", "status"),
    "closed_at": ("Closed (UTC)", "when"),
    "jurisdiction": ("Jurisdiction", "jurisdiction"),
    "extended": ("Extended", "yes/no"),
    "policy_version": ("Policy version", "text"),
    "effective_date": ("In force from", "date"),
    "title": ("Title", "text"),
    "url": ("Link", "text"),
    "channel": ("Channel", "channel"),
    "denial_reason": ("Denial reason", "text"),
    "region": ("Region", "region"),
    "method": ("How chosen", "method"),
    "event_id": ("Event", "text"),
    "subject_id": ("Person (pseudonym)", "text"),
}
# A time of day in a table, after the date as formatting.day writes it: Python's and the table's own words.
WHEN_FORMAT = "%d %b %Y %H:%M"
WHEN_GRID_FORMAT = "DD MMM YYYY HH:mm"
DATE_GRID_FORMAT = "DD MMM YYYY"
NOT_IN_FILE = "— not in this file —"
# The mapping's choice boxes, in pixels: "occurred_at (required)" and a column name fit.
MAPPING_BOX_WIDTH = 200
# Files waiting for their column mapping (uploading.Held, oldest first), each a private copy until loaded or cancelled.
MAPPING_QUEUE = "data_mapping_queue"



def _cell_text(value, kind: str) -> str:
    """One cell of a column that has a missing value, as text (the column is then text): "–" for none."""
    if missing(value):
        return MISSING
    if kind in ("count", "line"):
        return count(value)
    if kind == "number":
        return f"#{int(value)}"
    if kind == "when":
        return pd.Timestamp(value).strftime(WHEN_FORMAT)
    if kind == "date":
        return day(value)
    if kind == "yes/no":
        return "Yes" if value else "No"
    return str(value)


def _table(frame: pd.DataFrame, columns: dict[str, tuple], **options) -> None:
    """A table with headings in words and "–" for no value, never None, NaN or NaT.

    `columns` maps each column shown, in order, to (heading, kind) or (heading, kind, help). Kinds: "text";
    "count" (1,234); "line" (of the file); "number" (#12); "when" (31 Dec 2023 14:05); "date" (31 Dec 2023);
    "yes/no"; or a field of labels.py ("purpose", "request_type", ...): the key's display name. A number,
    time or yes/no column with a missing value is shown as text, formatted the same.
    """
    shown = frame[[column for column in columns if column in frame.columns]].copy()
    config = {}
    for column in shown.columns:
        heading, kind, *rest = columns[column]
        settings = {"help": rest[0] if rest else None}
        values = shown[column]
        if kind in labels.FIELDS:
            shown[column] = [MISSING if missing(value) else labels.name(kind, value) for value in values]
            config[column] = st.column_config.TextColumn(heading, **settings)
        elif kind == "text" or values.isna().any():
            shown[column] = [_cell_text(value, kind) for value in values]
            alignment = "right" if kind in ("count", "line", "number") else None
            config[column] = st.column_config.TextColumn(heading, alignment=alignment, **settings)
        elif kind in ("count", "line"):
            config[column] = st.column_config.NumberColumn(heading, format="localized", **settings)
        elif kind == "number":
            config[column] = st.column_config.NumberColumn(heading, format="#%d", **settings)
        elif kind == "when":
            config[column] = st.column_config.DatetimeColumn(heading, format=WHEN_GRID_FORMAT, **settings)
        elif kind == "date":
            config[column] = st.column_config.DateColumn(heading, format=DATE_GRID_FORMAT, **settings)
        elif kind == "yes/no":
            config[column] = st.column_config.CheckboxColumn(heading, **settings)
        else:
            raise ValueError(f"unknown kind of column: {kind}")
    st.dataframe(shown, hide_index=True, width="stretch", column_config=config, **options)


# --- Loading -------------------------------------------------------------------------------------------------
def _failure(file: str, kind: str, error: Exception) -> Refused:
    return Refused(file, f"{file}: could not be loaded ({type(error).__name__}); nothing from it was stored, and "
                         "the details are in the server log", None, kind)


def _hold(path, file: str, kind: str, date_order: str, refusal: Refused | None = None) -> Held | Refused:
    """Keep a file (its private copy) for the mapping section, numbered for this session."""
    number = st.session_state.get("data_mapping_tokens", 0) + 1
    st.session_state["data_mapping_tokens"] = number
    outcome = uploading.hold(shell.connection(), number, path, file, kind, date_order, refusal=refusal)
    if isinstance(outcome, Held):
        st.session_state.setdefault(MAPPING_QUEUE, []).append(outcome)
    return outcome


def _pending_numbers() -> set[int]:
    return {held.number for held in st.session_state.get(MAPPING_QUEUE, [])}


def _drop_pending(number: int | None = None) -> None:
    """Forget one file waiting for a mapping (or all of them) and delete its private copy."""
    queue = st.session_state.get(MAPPING_QUEUE, [])
    for held in [held for held in queue if number is None or held.number == number]:
        held.drop()
        queue.remove(held)
    st.session_state.pop("data_mapping_preview", None)
    st.session_state.pop("data_mapping_failure", None)


def _load_one(uploaded, file: str, kind: str, date_order: str, map_myself: bool = False) -> Loaded | Refused | Held:
    """Load one uploaded file (named `file`, masked), or hold it for the mapping section when asked or when
    mapping can help."""
    path, outcome = None, None
    try:
        person = access.require_analyst()  # the action itself refuses a viewer, not only the page
        # A copy in the store's private folder (this account only, cleared at each start), never in /tmp.
        path = uploading.keep_copy(uploaded, file, store.work_dir(), shell.upload_copy_prefix())
        if map_myself:
            outcome = _hold(path, file, kind, date_order)
        else:
            outcome = uploading.load(shell.connection(), kind, path, file=file, date_order=date_order,
                                     loaded_by=person.name)
            if isinstance(outcome, Refused) and outcome.mappable:
                outcome = _hold(path, file, kind, date_order, refusal=outcome)
    except access.AccessDenied as error:
        outcome = Refused(file, str(error), None, kind)
    except Exception as error:
        # A user sees one line; the server log keeps the traceback.
        log.exception("loading %s as %s failed", file, kind)
        outcome = _failure(file, kind, error)
    finally:
        if path is not None and not isinstance(outcome, Held):
            path.unlink(missing_ok=True)
    return outcome


def _load(files: list, kind: str, date_order: str, map_myself: bool = False) -> list:
    # A new load replaces the files still waiting for a mapping.
    _drop_pending()
    outcomes = []
    with st.status(f"Loading {plural(len(files), 'file')}…", expanded=True) as status:
        progress = st.progress(0.0)
        for number, uploaded in enumerate(files, start=1):
            # The file is named by its masked name from here on, and only by it: on the page, in the mapping
            # queue, in messages and in the log.
            file = mask_file_name(uploaded.name)
            step = f"Loading {number} of {len(files)}: {as_text(file)}"
            status.update(label=step)
            progress.progress((number - 1) / len(files), text=step)
            outcomes.append(_load_one(uploaded, file, kind, date_order, map_myself))
        progress.progress(1.0, text="Done")
        failed = sum(isinstance(outcome, Refused) for outcome in outcomes)
        held = sum(isinstance(outcome, Held) for outcome in outcomes)
        label = f"Loaded {len(files) - failed - held} of {len(files)}"
        status.update(label=label + (f", {held} waiting for a column mapping" if held else ""), expanded=False,
                      state="error" if failed == len(files) else "complete")
    return outcomes


# --- What a load did -----------------------------------------------------------------------------------------
def _reason_item(rows: int, first_line, reason: str) -> str:
    """One reason as a list item: how many rows, where the first is, and the reason itself."""
    where = "" if missing(first_line) else f" (first on line {count(first_line)})"
    return f"- {plural(rows, 'row')}{where}: {as_text(reason)}"


def _rejected_table(upload_id: int, key: str) -> None:
    """Why an upload's rows were rejected, each rejected row with its reason, and the rows as CSV."""
    rejected = store.rejected_rows(shell.connection(), upload_id)
    if rejected.empty:
        st.caption("No rejected rows.")
        return
    reasons = shell.query("rejected_reasons", upload_id=upload_id)
    st.markdown("\n".join(_reason_item(reason.rejected, reason.first_line, reason.reason)
                          for reason in reasons.itertuples(index=False)))
    _table(rejected, REJECTED_COLUMNS)
    headings = {column: heading for column, (heading, *_rest) in REJECTED_COLUMNS.items()}
    st.download_button(f"Rejected rows of upload #{upload_id} (CSV)", csv_bytes(rejected.rename(columns=headings)),
                       file_name=f"upload-{upload_id}-rejected-rows.csv", mime="text/csv", key=key,
                       icon=":material/download:", on_click="ignore")


def _set_aside_table(upload_id: int, set_aside: list[tuple[str, int, int | None]]) -> None:
    """The rows an upload's profile set aside (neither loaded nor rejected): how many for each reason
    (reason, rows, first line or None), and each row's line."""
    if not set_aside:
        return
    total = sum(rows for _reason, rows, _line in set_aside)
    st.markdown(f"**Set aside** ({count(total)}): neither loaded nor rejected, by reason:\n"
                + "\n".join(_reason_item(rows, first_line, reason) for reason, rows, first_line in set_aside))
    lines = store.set_aside_rows(shell.connection(), upload_id)
    if not lines.empty:
        _table(lines, SET_ASIDE_COLUMNS)


def _show_held(held: Held) -> None:
    """A file held for the mapping section: waiting there, or dropped by the analyst."""
    name = as_text(held.file)
    if held.number not in _pending_numbers():
        st.caption(f"{name}: not loaded; its column mapping was cancelled.")
    elif held.asked:
        st.info(f"**{name}** waits for your column mapping below; nothing from it is stored until you load it.",
                icon=":material/table_edit:")
    elif held.refusal.needs_confirmation:
        st.warning(f"{as_text(held.refusal.message)}. Check its columns below; nothing from it is stored until "
                   "you load it.", icon=":material/table_edit:")
    else:
        st.info(f"**{name}** is not a {held.kind} export the dashboard recognises: map its columns below. "
                "Nothing from it is stored until you load it.", icon=":material/table_edit:")


def _how_read(loaded: Loaded) -> str:
    if loaded.mapped:
        return "Columns mapped by you" + (f", on top of {as_text(loaded.title)}." if loaded.title else ".")
    return f"Recognised as {as_text(loaded.title)}." if loaded.title else ""


def _show_result(outcome, present_ids: set[int]) -> None:
    if isinstance(outcome, Held):
        _show_held(outcome)
        return
    if isinstance(outcome, Refused):
        st.error(as_text(outcome.message), icon=":material/error:")
        return
    report, upload_id = outcome.report, outcome.upload_id
    set_aside = f", set aside {count(outcome.rows_set_aside)}" if outcome.rows_set_aside else ""
    folded = f", folded into their purpose {count(report.rows_folded)}" if report.rows_folded else ""
    counts = (f"**{as_text(report.file)}** ({report.kind}, upload #{upload_id}): "
              f"rows read {count(report.rows_read)}, loaded {count(report.rows_loaded)}, "
              f"duplicate {count(report.rows_duplicate)}{folded}, rejected {count(report.rows_rejected)}{set_aside}.")
    if report.rows_rejected or not report.rows_read:
        st.warning(counts, icon=":material/warning:")
    else:
        st.success(counts, icon=":material/check_circle:")
    if _how_read(outcome):
        st.caption(_how_read(outcome))
    if outcome.saved_as is not None:
        st.caption(f"The mapping was saved as ‘{as_text(outcome.saved_as.title)}’: a later file with the same "
                   "header is read with it.")
    if outcome.save_error:
        st.error(as_text(outcome.save_error), icon=":material/error:")
    if report.warnings:
        st.markdown("\n".join(f"- {as_text(warning)}" for warning in report.warnings))
    if upload_id not in present_ids:
        st.caption("This upload has since been removed.")
        return
    if report.rows_rejected:
        st.markdown(f"**Rejected rows** ({count(report.rows_rejected)}), by reason:")
        _rejected_table(upload_id, key=f"result-rejected-{upload_id}")
    _set_aside_table(upload_id, [(reason, rows, None) for reason, rows in outcome.set_aside])


def _upload_label(upload) -> str:
    """How an upload is named in a choice (plain text: a select box shows no Markdown)."""
    sample = ", sample" if upload.is_sample else ""
    removed = ", removed" if not pd.isna(upload.removed_at) else ""
    return f"#{upload.upload_id} {upload.file_name} ({upload.kind}, {day(upload.loaded_at)}{sample}{removed})"


def _removal(remove, describe, what: str, *finished_keys: str) -> None:
    """Run a confirmed removal (from a button callback, so the whole page, sidebar and sample notice
    included, shows the store after it) as the analyst allowed at that moment, and keep its one-line
    outcome for the page."""
    cursor = shell.connection().cursor()
    try:
        person = access.require_analyst()
        message = ("success", describe(remove(cursor, person)))
    except (StoreError, access.AccessDenied) as error:
        message = ("error", as_text(str(error)))
    except Exception as error:
        log.exception("removing %s failed", what)
        failure = f"{what[0].upper()}{what[1:]} could not be removed ({type(error).__name__}); see the server log."
        message = ("error", failure)
    finally:
        cursor.close()
    st.session_state["data_removal_message"] = message
    for key in finished_keys:
        st.session_state.pop(key, None)


def _remove_upload(upload_id: int) -> None:
    _removal(
        lambda cursor, person: store.remove_upload(cursor, upload_id, removed_by=person.name),
        lambda removed: (f"Removed upload #{removed.upload_id} **{as_text(removed.file_name)}**: "
                         f"{plural(removed.rows_removed, f'stored {ROW_WORDS[removed.kind]} row')} left the store "
                         f"and every figure; {count(removed.rows_staying)} stayed, because another upload "
                         f"{'holds it' if removed.rows_staying == 1 else 'holds them'}."),
        f"upload #{upload_id}", "data_pending_removal", "data_confirm_removal",
    )


def _remove_sample() -> None:
    _removal(
        lambda cursor, _person: store.remove_sample(cursor),
        lambda removed: (f"Removed the sample data ({plural(removed, 'upload')}). The store is empty until you load "
                         "your exports."),
        "the sample data", "data_pending_sample", "data_confirm_sample",
    )


ERASE_WORD = "erase"


def _erase() -> None:
    """Erase the people typed in (from a button callback, so the whole page shows the store after it) and keep
    the one-line outcome, which never names them; the typed identities leave the session once done."""
    typed = (st.session_state.get("data_erase_confirm") or "").strip().lower()
    if typed != ERASE_WORD:
        st.session_state["data_erasure_message"] = (
            "error", f"Type {ERASE_WORD} in the confirmation box to erase them; nothing was erased.")
        return
    identities = erasure.identities_in(st.session_state.get("data_erase_identities") or "")
    try:
        person = access.require_analyst()
        cursor = shell.connection().cursor()
        try:
            done = erasure.forget(cursor, identities, erased_by=person.name)
        finally:
            cursor.close()
    except (erasure.BadIdentity, StoreError, access.AccessDenied) as error:
        st.session_state["data_erasure_message"] = ("error", as_text(str(error)))
        return
    except Exception as error:
        log.exception("an erasure failed")
        st.session_state["data_erasure_message"] = (
            "error", f"The erasure could not be done ({type(error).__name__}); nothing was erased. See the server log.")
        return
    message = ("success" if done.people else "info", done.summary(rewritten=done.rewrite_needed))
    if done.rewrite_needed:
        try:
            # The held connection is closed while the file is copied, and opened again on the new file.
            reopen_held(erasure.rewrite)
        except Exception:
            log.exception("rewriting the store after an erasure failed")
            message = ("error", done.summary(rewritten=False) + " The store file could not be rewritten (see the "
                       "server log): their rows are gone from every figure, and the next erasure rewrites the file.")
    st.session_state["data_erasure_message"] = message
    # Emptied, not dropped: a dropped key would let the browser send the typed text back on the next run.
    for key in ("data_erase_identities", "data_erase_confirm"):
        st.session_state[key] = ""


def _set(key: str, value) -> None:
    st.session_state[key] = value


def _cancel(*keys: str) -> None:
    for key in keys:
        st.session_state.pop(key, None)


def _removal_question(upload_id: int, upload) -> str:
    """The undo's confirmation: which upload, how many of its rows go and how many another upload keeps."""
    going, staying = store.removal_preview(shell.connection(), upload_id)
    rows = plural(going, f"stored {ROW_WORDS[upload.kind]} row")
    stay = f"{count(staying)} stays, because another upload holds it" if staying == 1 else (
        f"{count(staying)} stay, because another upload holds them")
    return (f"Remove upload #{upload_id} **{as_text(upload.file_name)}**? {rows} "
            f"{'leaves' if going == 1 else 'leave'} the store and every figure; {stay} too. A request or policy it "
            "updated shows its earlier state again.")


# --- Column mapping ----------------------------------------------------------------------------------------
def _rule_label(start: uploading.MappingStart) -> str:
    return f"— as ‘{start.name}’ makes it —"


def _preview(held: Held, based_on, mapping: dict[str, str], date_order: str) -> Previewed | Refused:
    """The preview of a held file under a mapping, or the refusal saying why there is none. Kept for the session
    (keyed by the file, the mapping, the date order and the store version) so other widgets do not re-read it."""
    key = (held.number, based_on.name if based_on else None, tuple(sorted(mapping.items())), date_order,
           shell.version())
    cached = st.session_state.get("data_mapping_preview")
    if cached is not None and cached[0] == key:
        return cached[1]
    try:
        outcome = uploading.preview(shell.connection(), held.kind, held.path, file=held.file, date_order=date_order,
                                    format=based_on.name if based_on else "auto", mapping=mapping)
    except Exception as error:
        log.exception("previewing %s as %s failed", held.file, held.kind)
        outcome = Refused(held.file, f"{held.file}: could not be previewed ({type(error).__name__}); see the server "
                                     "log", None, held.kind)
    st.session_state["data_mapping_preview"] = (key, outcome)
    return outcome


def _show_preview(previewed: Previewed) -> None:
    preview = previewed.preview
    figures = st.container(horizontal=True)
    figures.metric("Rows read", count(preview.rows_read))
    figures.metric("Would be rejected", count(preview.rows_rejected))
    if previewed.date_orders:
        st.markdown("**Slash dates** are read:\n" + "\n".join(
            f"- {as_text(decided.column)}: {decided.words} ({as_text(decided.why)})"
            for decided in previewed.date_orders))
    if preview.warnings:
        st.markdown("**Warnings**\n" + "\n".join(f"- {as_text(warning)}" for warning in preview.warnings))
    if preview.rows.empty:
        st.caption("No row of the file would be loaded.")
    else:
        shown = len(preview.rows)
        st.markdown("**The first row as it would be stored**" if shown == 1 else
                    f"**The first {count(shown)} rows as they would be stored**")
        _table(preview.rows, {column: heading + (f"Canonical column {column}",)
                              for column, heading in PREVIEW_COLUMNS.items() if column in preview.rows.columns})
    if not preview.rejects.empty:
        shown = len(preview.rejects)
        st.markdown(("**The first row that would be rejected**" if shown == 1 else
                     f"**The first {count(shown)} rows that would be rejected**") + ", with the reason")
        _table(preview.rejects, REJECTED_COLUMNS)


def _load_held(held: Held, based_on, mapping: dict[str, str], date_order: str, save_as: str,
               confirm: bool) -> Loaded | Refused:
    """Load a held file with the analyst's mapping, and save the mapping as a profile when it has a name."""
    try:
        person = access.require_analyst()
        return uploading.load_held(shell.connection(), held, mapping, date_order=date_order, based_on=based_on,
                                   save_as=save_as, saved_by=person.name, loaded_by=person.name, confirm=confirm)
    except access.AccessDenied as error:
        return Refused(held.file, str(error), None, held.kind)
    except Exception as error:
        log.exception("loading %s as %s with a mapping failed", held.file, held.kind)
        return _failure(held.file, held.kind, error)


def _finish_mapped_load(held: Held, outcome: Loaded | Refused) -> None:
    if isinstance(outcome, Refused):
        st.session_state["data_mapping_failure"] = (held.number, outcome.message)
        return
    st.session_state.pop("data_mapping_failure", None)
    # The held file's line in the last load becomes its result.
    results = st.session_state.get("data_results") or []
    line = [number for number, earlier in enumerate(results) if isinstance(earlier, Held)
            and earlier.number == held.number]
    if line:
        results[line[0]] = outcome
    else:
        results.append(outcome)
    st.session_state["data_results"] = results
    _drop_pending(held.number)


def _mapping_section(held: Held, waiting: int) -> None:
    """Map each canonical column to one of the file's columns, preview the result, then load (and save)."""
    kind, header = held.kind, list(held.header)
    prefix = f"data_map_{held.number}"
    st.subheader(f"Map the columns of {as_text(held.file)}")
    after = {0: "", 1: " One more file waits for a mapping after this one."}.get(
        waiting, f" {waiting} more files wait for a mapping after this one.")
    st.caption(f"For each column of a {kind} export, choose the file's column that holds it. The preview below "
               "shows the rows as they would be stored and the rows that would be rejected; nothing is stored "
               "until you load." + after)
    start = uploading.mapping_start(shell.connection(), kind, header)
    if start.saved:
        st.info(f"This header matches the saved mapping ‘{as_text(start.name)}’: its choices are pre-selected.",
                icon=":material/bookmark:")
    elif start.profile is not None:
        st.info(f"This header is recognised as {as_text(start.name)}: its columns are pre-selected, and its "
                "other rules (the vendor's words, rows set aside) stay. A column you choose replaces its own rule.",
                icon=":material/bookmark:")

    options = list(dict.fromkeys(header))
    chosen = {}
    # Boxes of one width that wrap: four to a row on a wide screen, two at 800 pixels, never squeezed.
    grid = st.container(horizontal=True, key=f"{prefix}_grid")
    for column, required in CANONICAL_COLUMNS[kind]:
        made_by_profile = start.profile is not None and column in start.profile.columns
        placeholder = _rule_label(start) if made_by_profile else NOT_IN_FILE
        column_options = [placeholder, *options]
        first = start.choices.get(column)
        chosen[column] = grid.selectbox(
            f"{column} (required)" if required else column, column_options, width=MAPPING_BOX_WIDTH,
            index=column_options.index(first) if first in column_options else 0, key=f"{prefix}_{column}",
        )
    if start.ruled:
        st.caption(f"{', '.join(start.ruled)}: made by a rule of ‘{as_text(start.name)}’ (the first filled of "
                   "several columns, a constant, ...) unless you choose a column.")
    placeholders = {NOT_IN_FILE, _rule_label(start)}
    mapping = {column: source for column, source in chosen.items() if source not in placeholders}
    date_order = st.radio(
        "Slash dates that read both ways", list(DATE_ORDER_LABELS), format_func=DATE_ORDER_LABELS.get,
        index=list(DATE_ORDER_LABELS).index(held.date_order), key=f"{prefix}_date_order", horizontal=True,
        help="Used only for a column whose slash dates could all be read either way; a column with a day "
        "over 12 in either place decides for itself.",
    )

    st.markdown("#### Before loading")
    outcome = _preview(held, start.profile, mapping, date_order)
    if isinstance(outcome, Refused):
        st.error(as_text(outcome.message), icon=":material/error:")
    else:
        _show_preview(outcome)

    save_as = st.text_input("Save this mapping as", key=f"{prefix}_name", max_chars=100,
                            placeholder="Optional: a name, to read files with the same header this way")
    save_as = (save_as or "").strip()
    if save_as:
        problem = uploading.profile_title_problem(save_as)
        if problem:
            st.caption(f"It cannot be saved under that name: {as_text(problem)}.")
        elif uploading.saved_profile_named(save_as) is not None:
            st.caption(f"A saved mapping is called ‘{as_text(save_as)}’ already: saving replaces it.")
    failed = st.session_state.get("data_mapping_failure")
    if failed is not None and failed[0] == held.number:
        st.error(as_text(failed[1]), icon=":material/error:")
    confirmable = isinstance(outcome, Refused) and outcome.needs_confirmation
    buttons = st.container(horizontal=True)
    load = buttons.button("Load with this mapping", type="primary", icon=":material/upload:",
                          disabled=not isinstance(outcome, Previewed), key=f"{prefix}_load")
    anyway = confirmable and buttons.button("Load anyway", icon=":material/upload:", key=f"{prefix}_anyway",
                                            help="Load it with this mapping as it is, on purpose.")
    if load or anyway:
        with st.spinner(f"Loading {as_text(held.file)}…"):
            _finish_mapped_load(held, _load_held(held, start.profile, mapping, date_order, save_as, bool(anyway)))
        # A fresh run: the sidebar's dates, the sample notice and every figure come from the new store version.
        st.rerun()
    buttons.button("Cancel", key=f"{prefix}_cancel", on_click=_drop_pending, args=(held.number,))


st.title("Data")
if not access.current().may_change:
    # Viewers have no Data page in the navigation; a typed-in address ends here.
    st.error("Loading, mapping and undoing uploads is for analysts; your account may view the charts.",
             icon=":material/block:")
    st.stop()
st.caption("Load your exports into the dashboard, see what each file added or refused, and undo an upload.")

# --- Upload ------------------------------------------------------------------------------------------------
st.subheader("Load exports")
sample_ids = store.sample_upload_ids(shell.connection())
generation = st.session_state.setdefault("data_uploader_generation", 0)
with st.form("data_upload"):
    # Side by side where they fit, one under the other on a narrow screen (never squeezed into half a column).
    choices = st.container(horizontal=True, gap="medium")
    kind = choices.segmented_control(
        "Kind of export", KINDS, default="consent", required=True, key="data_kind", width="content",
        help="**consent**: one row per consent decision; **requests**: one row per data-subject request; "
        "**policies**: the catalogue of privacy-policy versions and their effective dates.",
    )
    date_order = choices.radio(
        "Slash dates that read both ways", list(DATE_ORDER_LABELS), format_func=DATE_ORDER_LABELS.get,
        key="data_date_order", horizontal=True, width="content",
        help="Used only for a column whose slash dates could all be read either way; a column with a day "
        "over 12 in either place decides for itself.",
    )
    files = st.file_uploader(
        "Export files (CSV, JSON lines or Parquet; also gzipped)", type=list(uploading.UPLOAD_TYPES),
        accept_multiple_files=True,
        key=f"data_files_{generation}",
    )
    map_myself = st.checkbox(
        "Map columns myself", key="data_map_myself",
        help="Choose which of the file's columns holds what and see the rows as they would be stored before "
        "loading. A file the dashboard does not recognise comes to the mapping by itself.",
    )
    submitted = st.form_submit_button("Load", type="primary", icon=":material/upload:")
st.caption(
    f"Each file may be up to {st.get_option('server.maxUploadSize'):,} MB. Larger files go through the command "
    "line: `python -m dashboard ingest KIND FILE`."
    + (" Loading your first file removes the sample data." if sample_ids else "")
)

if submitted:
    if files:
        st.session_state["data_results"] = _load(files, kind or "consent", date_order, map_myself)
        # A fresh uploader (the files are loaded) and a fresh run: the sidebar's dates, the sample notice
        # and every figure then come from the new store version.
        st.session_state["data_uploader_generation"] = generation + 1
        st.rerun()
    else:
        st.warning("Choose one or more files to load first.", icon=":material/upload_file:")

history = store.list_uploads(shell.connection())
present = history[history["removed_at"].isna()]
present_ids = set(present["upload_id"].astype(int))

results = st.session_state.get("data_results")
if results:
    st.markdown("#### Last load")
    for number, result in enumerate(results):
        with st.container(key=f"data_result_{number}"):
            _show_result(result, present_ids)

queue = st.session_state.get(MAPPING_QUEUE)
gone = [held for held in queue or [] if not held.path.exists()]
for held in gone:
    # Its copy went with a disconnected session (a closed tab, or a network break): it must be chosen again.
    _drop_pending(held.number)
    st.info(f"{as_text(held.file)} is no longer waiting for its mapping (the connection to this page was "
            "lost, and the server removed its copy): choose the file again.", icon=":material/info:")
if queue:
    with st.container(border=True, key="data_mapping"):
        _mapping_section(queue[0], len(queue) - 1)

# --- Watched folders ---------------------------------------------------------------------------------------
data_watched.section()

# --- History and undo --------------------------------------------------------------------------------------
st.subheader("Upload history")
message = st.session_state.pop("data_removal_message", None)
if message:
    kind_of_message, text = message
    (st.success if kind_of_message == "success" else st.error)(text)

if history.empty:
    shell.no_data("No uploads yet: the store is empty. Load your exports above.")
else:
    table = history.assign(
        warnings=history["warnings"].map(lambda values: len(values) if values is not None else 0),
        removed=[None if missing(at) else f"Removed {at:{WHEN_FORMAT}} by {by}"
                 for at, by in zip(history["removed_at"], history["removed_by"], strict=True)],
        format=history["format"].map(uploading.format_title),
    )
    # Not pinned: a pinned column's text is grey, too faint to read; a narrow screen scrolls the table in its frame.
    _table(table, HISTORY_COLUMNS)

    uploads = {int(upload.upload_id): upload for upload in history.itertuples(index=False)}
    with st.expander("Warnings, rejected and set-aside rows of an upload", icon=":material/rule:"):
        shown_id = st.selectbox("Upload", list(uploads), format_func=lambda key: _upload_label(uploads[key]),
                                key="data_inspect")
        inspected = uploads[shown_id]
        if inspected.warnings is not None and len(inspected.warnings):
            st.markdown("\n".join(f"- {as_text(warning)}" for warning in inspected.warnings))
        else:
            st.caption("No warnings.")
        _rejected_table(shown_id, key=f"history-rejected-{shown_id}")
        _set_aside_table(shown_id, store.set_aside_reasons(shell.connection(), shown_id).get(shown_id, []))

    st.markdown("#### Undo an upload")
    removable = [upload_id for upload_id in uploads if upload_id in present_ids]
    if not removable:
        st.caption("Every upload has been undone; the history above keeps who did it and when.")
    else:
        chosen = st.selectbox("Upload to remove", removable, format_func=lambda key: _upload_label(uploads[key]),
                              key="data_undo_choice")
        pending = st.session_state.get("data_pending_removal")
        if pending != chosen:
            st.button("Remove upload…", icon=":material/undo:", key="data_remove_start",
                      on_click=_set, args=("data_pending_removal", chosen))
        else:
            upload = uploads[chosen]
            with st.container(border=True):
                st.warning(_removal_question(chosen, upload), icon=":material/warning:")
                understood = st.checkbox("I understand its rows will be removed", key="data_confirm_removal")
                buttons = st.container(horizontal=True)
                buttons.button(f"Remove upload #{chosen}", type="primary", disabled=not understood,
                               key="data_remove_confirm", on_click=_remove_upload, args=(chosen,))
                buttons.button("Cancel", key="data_remove_cancel", on_click=_cancel,
                               args=("data_pending_removal", "data_confirm_removal"))


# --- Erase people ------------------------------------------------------------------------------------------
st.subheader("Erase people")
st.caption("For a request to be forgotten: every consent row and request of these people leaves the store and "
           "every figure, and the store file is rewritten so that nothing of them can be read from it. The "
           "erasures below record when, by whom and how many, never whom.")
erasure_message = st.session_state.pop("data_erasure_message", None)
if erasure_message:
    kind_of_message, text = erasure_message
    {"success": st.success, "info": st.info}.get(kind_of_message, st.error)(text)
with st.container(border=True, key="data_erase"):
    st.text_area("People to erase, one per line", key="data_erase_identities", max_chars=20_000,
                 placeholder="jane.doe@example.com\n+1 555 010 0199\nC-1001",
                 help="E-mail addresses, phone numbers or customer numbers, as the exports write them. "
                 "The command line does the same: `python -m dashboard forget IDENTITY...`")
    st.text_input(f"Type {ERASE_WORD} to confirm: this cannot be undone", key="data_erase_confirm", max_chars=20)
    st.button("Erase these people", type="primary", icon=":material/person_remove:", key="data_erase_button",
              on_click=_erase)
erasure_cursor = shell.connection().cursor()
try:
    erasures = erasure.history(erasure_cursor)
finally:
    erasure_cursor.close()
if erasures:
    _table(pd.DataFrame(erasures, columns=list(ERASURE_COLUMNS)), ERASURE_COLUMNS)

# --- API tokens --------------------------------------------------------------------------------------------
data_tokens.section()
data_events.section()


# --- Sample data -------------------------------------------------------------------------------------------
if sample_ids:
    st.subheader("Sample data")
    st.caption("The bundled sample exports are loaded. They go by themselves when your first file lands, "
               "or you can remove them now and start from an empty store.")
    if not st.session_state.get("data_pending_sample"):
        st.button("Remove sample data…", icon=":material/delete:", key="data_sample_start",
                  on_click=_set, args=("data_pending_sample", True))
    else:
        with st.container(border=True):
            st.warning(f"Remove the sample data ({plural(len(sample_ids), 'upload')})? Every page then says there "
                       "is no data until you load your own exports.", icon=":material/warning:")
            understood = st.checkbox("I understand the sample rows will be removed", key="data_confirm_sample")
            buttons = st.container(horizontal=True)
            buttons.button("Remove sample data", type="primary", disabled=not understood,
                           key="data_sample_confirm", on_click=_remove_sample)
            buttons.button("Cancel", key="data_sample_cancel", on_click=_cancel,
                           args=("data_pending_sample", "data_confirm_sample"))
