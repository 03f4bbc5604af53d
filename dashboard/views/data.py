"""Data: load exports into the store (mapping the columns of any other export), see what each file did, undo."""

import logging
import shutil
import string
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import access, erasure, shell, store
from dashboard.downloads import csv_bytes
from dashboard.formats import CANONICAL_COLUMNS, KINDS, detect_format, fold_header, map_columns, suggested_sources
from dashboard.identities import mask, mask_file_name
from dashboard.ingest import DATE_ORDER_WORDS, UnusableFile, ingest_file, preview_file
from dashboard.reading import open_export
from dashboard.server_connection import reopen_held
from dashboard.store import StoreError

log = logging.getLogger("dashboard.views.data")

# The kinds are shown by the words the command line uses (`python -m dashboard ingest consent FILE`).
ROW_WORDS = {"consent": "consent", "requests": "request", "policies": "policy version"}
DATE_ORDER_LABELS = {
    "mdy": "Month first (06/01/2023 is 1 June)",
    "dmy": "Day first (06/01/2023 is 6 January)",
}
FILE_TYPES = ["csv", "gz", "txt", "tsv"]
REJECTED_COLUMNS = {"line": "Line", "column_name": "Column", "value": "Value", "reason": "Reason"}
FORMAT_LABELS = {
    "canonical": "canonical columns",
    "fides_requests": "Fides privacy-request export",
    "fides_consent": "Fides consent report",
    "usercentrics": "Usercentrics consent history",
}
NOT_IN_FILE = "— not in this file —"
# Files waiting for their column mapping (oldest first), each kept as a temporary copy until loaded or cancelled.
MAPPING_QUEUE = "data_mapping_queue"

# Text from a file (its name, a value in a warning) is shown as written, never read as Markdown:
# every ASCII punctuation character is escaped, which CommonMark renders as the character itself.
_MARKDOWN_ESCAPES = str.maketrans({character: "\\" + character for character in string.punctuation})


def as_text(text: str) -> str:
    """Text from a file made safe for a Markdown message (st.success, st.error, ...): shown literally."""
    return " ".join(str(text).split()).translate(_MARKDOWN_ESCAPES)


def _temporary_suffix(file_name: str) -> str:
    """A suffix for the temporary copy that keeps what the reader relies on (`.gz` means gzip)."""
    suffixes = [suffix.lower() for suffix in Path(file_name).suffixes[-2:]]
    plain = [suffix for suffix in suffixes if suffix.lstrip(".") in FILE_TYPES and suffix != ".gz"]
    inner = plain[-1] if plain else ".csv"
    return inner + ".gz" if suffixes and suffixes[-1] == ".gz" else inner


def _file_header(path: Path, file_name: str) -> list[str]:
    try:
        opened = open_export(path, file_name)
    except UnusableFile as error:
        # Shown on the page: masked as ingest_file masks its refusals (identities.py).
        raise UnusableFile(mask(str(error))) from None
    opened.cleanup()
    return opened.header


def _header_to_map(path: Path, file_name: str, kind: str) -> list[str] | None:
    """The header of a file refused for want of a required column (so mapping can help); else None."""
    try:
        header = _file_header(path, file_name)
    except UnusableFile:
        return None
    try:
        map_columns(file_name, kind, header)
    except UnusableFile:
        return header
    return None


def _hold_for_mapping(path: Path, file_name: str, kind: str, date_order: str, header: list[str]) -> int:
    """Keep a file (its temporary copy) for the mapping section; the token that names it there."""
    token = st.session_state.get("data_mapping_tokens", 0) + 1
    st.session_state["data_mapping_tokens"] = token
    st.session_state.setdefault(MAPPING_QUEUE, []).append(
        {"token": token, "path": str(path), "file": file_name, "kind": kind, "date_order": date_order,
         "header": list(header)}
    )
    return token


def _pending_tokens() -> set[int]:
    return {pending["token"] for pending in st.session_state.get(MAPPING_QUEUE, [])}


def _drop_pending(token: int | None = None) -> None:
    """Forget one file waiting for a mapping (or all of them) and delete its temporary copy."""
    queue = st.session_state.get(MAPPING_QUEUE, [])
    for pending in [pending for pending in queue if token is None or pending["token"] == token]:
        Path(pending["path"]).unlink(missing_ok=True)
        queue.remove(pending)
    st.session_state.pop("data_mapping_preview", None)
    st.session_state.pop("data_mapping_failure", None)


def _failure(file_name: str, error: Exception) -> str:
    return (f"{file_name}: could not be loaded ({type(error).__name__}); "
            "nothing from it was stored, and the details are in the server log")


def _load_one(uploaded, kind: str, date_order: str, map_myself: bool = False) -> dict:
    """Load one uploaded file, or hold it for the mapping section; what happened, as a plain dict kept in the
    session (`mapping` names the held file, `asked` says the analyst chose to map it)."""
    # The file is named by its masked name from here on, and only by it: on the page, in the mapping queue,
    # in messages and in the log.
    result = {"file": mask_file_name(uploaded.name), "kind": kind, "report": None, "error": None, "mapping": None,
              "asked": map_myself}
    path = None
    try:
        person = access.require_analyst()  # the action itself refuses a viewer, not only the page
        # The reader takes a path; the upload is in memory. The suffix keeps `.gz` (gzip) meaningful.
        # A copy in the store's private folder (this account only, cleared at each start), never in /tmp.
        with tempfile.NamedTemporaryFile(prefix=shell.upload_copy_prefix(), dir=store.work_dir(),
                                         suffix=_temporary_suffix(uploaded.name), delete=False) as handle:
            path = Path(handle.name)
            uploaded.seek(0)
            shutil.copyfileobj(uploaded, handle, length=1 << 20)
        if map_myself:
            header = _file_header(path, result["file"])
            result["mapping"] = _hold_for_mapping(path, result["file"], kind, date_order, header)
        else:
            try:
                report = ingest_file(shell.connection(), kind, path, date_order=date_order,
                                     display_name=uploaded.name, loaded_by=person.name)
            except UnusableFile:
                header = _header_to_map(path, result["file"], kind)
                if header is None:
                    raise
                result["mapping"] = _hold_for_mapping(path, result["file"], kind, date_order, header)
            else:
                result["report"] = report.as_dict()
    except (UnusableFile, StoreError, access.AccessDenied) as error:
        result["error"] = str(error)
    except Exception as error:
        # A user sees one line; the server log keeps the traceback.
        log.exception("loading %s as %s failed", result["file"], kind)
        result["error"] = _failure(result["file"], error)
    finally:
        if path is not None and result["mapping"] is None:
            path.unlink(missing_ok=True)
    return result


def _load(files: list, kind: str, date_order: str, map_myself: bool = False) -> list[dict]:
    # A new load replaces the files still waiting for a mapping.
    _drop_pending()
    results = []
    with st.status(f"Loading {len(files)} file{'s' if len(files) > 1 else ''}…", expanded=True) as status:
        progress = st.progress(0.0)
        for number, uploaded in enumerate(files, start=1):
            step = f"Loading {number} of {len(files)}: {as_text(mask_file_name(uploaded.name))}"
            status.update(label=step)
            progress.progress((number - 1) / len(files), text=step)
            results.append(_load_one(uploaded, kind, date_order, map_myself))
        progress.progress(1.0, text="Done")
        failed = sum(result["error"] is not None for result in results)
        held = sum(result["mapping"] is not None for result in results)
        label = f"Loaded {len(files) - failed - held} of {len(files)}"
        status.update(label=label + (f", {held} waiting for a column mapping" if held else ""), expanded=False,
                      state="error" if failed == len(files) else "complete")
    return results


def _reason_item(reason) -> str:
    """One reason as a list item: how many rows, where the first is, and the reason itself."""
    rows = f"{reason.rejected:,} row{'s' if reason.rejected != 1 else ''}"
    where = "" if pd.isna(reason.first_line) else f" (first on line {int(reason.first_line):,})"
    return f"- {rows}{where}: {as_text(reason.reason)}"


def _rejected_table(upload_id: int, key: str) -> None:
    """Why an upload's rows were rejected, each rejected row with its reason, and the rows as CSV."""
    rejected = store.rejected_rows(shell.connection(), upload_id).rename(columns=REJECTED_COLUMNS)
    if rejected.empty:
        st.caption("No rejected rows.")
        return
    reasons = shell.query("rejected_reasons", upload_id=upload_id)
    st.markdown("\n".join(_reason_item(reason) for reason in reasons.itertuples(index=False)))
    st.dataframe(rejected, hide_index=True, width="stretch",
                 column_config={"Line": st.column_config.NumberColumn(format="%d")})
    st.download_button(f"Rejected rows of upload #{upload_id} (CSV)", csv_bytes(rejected),
                       file_name=f"upload-{upload_id}-rejected-rows.csv", mime="text/csv", key=key,
                       icon=":material/download:", on_click="ignore")


def _show_held(result: dict) -> None:
    """A file held for the mapping section: waiting there, or dropped by the analyst."""
    name = as_text(result["file"])
    if result["mapping"] not in _pending_tokens():
        st.caption(f"{name}: not loaded; its column mapping was cancelled.")
    elif result.get("asked"):
        st.info(f"**{name}** waits for your column mapping below; nothing from it is stored until you load it.",
                icon=":material/table_edit:")
    else:
        st.info(f"**{name}** is not a {result['kind']} export the dashboard recognises: map its columns below. "
                "Nothing from it is stored until you load it.", icon=":material/table_edit:")


def _format_label(result: dict) -> str:
    if result.get("mapped"):
        return "columns mapped"
    return FORMAT_LABELS.get(result["report"]["format"], result["report"]["format"])


def _show_result(result: dict, present_ids: set[int]) -> None:
    report = result["report"]
    if report is None and result.get("mapping") is not None:
        _show_held(result)
        return
    if report is None:
        st.error(as_text(result["error"]), icon=":material/error:")
        return
    upload_id = int(report["upload_id"])
    counts = (f"**{as_text(report['file'])}** ({report['kind']}, upload #{upload_id}, {_format_label(result)}): "
              f"rows read {report['rows_read']:,}, loaded {report['rows_loaded']:,}, "
              f"duplicate {report['rows_duplicate']:,}, rejected {report['rows_rejected']:,}.")
    if report["rows_rejected"] or not report["rows_read"]:
        st.warning(counts, icon=":material/warning:")
    else:
        st.success(counts, icon=":material/check_circle:")
    if result.get("saved_as"):
        st.caption(f"The mapping was saved as «{as_text(result['saved_as'])}»: a later file with the same header "
                   "is offered it.")
    if result.get("save_error"):
        st.error(as_text(result["save_error"]), icon=":material/error:")
    if report["warnings"]:
        st.markdown("\n".join(f"- {as_text(warning)}" for warning in report["warnings"]))
    if upload_id not in present_ids:
        st.caption("This upload has since been removed.")
    elif report["rows_rejected"]:
        st.markdown(f"**Rejected rows** ({report['rows_rejected']:,}), by reason:")
        _rejected_table(upload_id, key=f"result-rejected-{upload_id}")


def _upload_label(upload) -> str:
    """How an upload is named in a choice (plain text: a select box shows no Markdown)."""
    sample = ", sample" if upload.is_sample else ""
    removed = ", removed" if not pd.isna(upload.removed_at) else ""
    return f"#{upload.upload_id} {upload.file_name} ({upload.kind}, {upload.loaded_at:%Y-%m-%d}{sample}{removed})"


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
                         f"{removed.rows_removed:,} stored {ROW_WORDS[removed.kind]} rows left the store "
                         "and every figure."),
        f"upload #{upload_id}", "data_pending_removal", "data_confirm_removal",
    )


def _remove_sample() -> None:
    _removal(
        lambda cursor, _person: store.remove_sample(cursor),
        lambda count: f"Removed the sample data ({count} uploads). The store is empty until you load your exports.",
        "the sample data", "data_pending_sample", "data_confirm_sample",
    )


ERASE_WORD = "erase"
ERASURE_COLUMNS = ("Erasure", "When (UTC)", "By", "People", "Consent rows", "Request versions", "Values cleared")


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


# --- Column mapping ----------------------------------------------------------------------------------------
def _saved_mapping_for(kind: str, header: list[str]):
    cursor = shell.connection().cursor()
    try:
        return store.mapping_for_header(cursor, kind, header)
    finally:
        cursor.close()


def _mapping_name_taken(name: str) -> bool:
    cursor = shell.connection().cursor()
    try:
        return store.saved_mapping(cursor, name) is not None
    finally:
        cursor.close()


def _preselected(kind: str, header: list[str], saved) -> dict[str, str | None]:
    """Per canonical column, the file's column chosen at first: the saved mapping's, else the likely one by name."""
    if saved is None:
        return suggested_sources(kind, header)
    # The saved mapping names the columns as the first file wrote them; this file may differ in case or spacing.
    by_folded = {fold_header(name): name for name in reversed(header)}
    return {column: by_folded.get(fold_header(saved.columns[column])) if column in saved.columns else None
            for column, _required in CANONICAL_COLUMNS[kind]}


def _preview(pending: dict, mapping: dict[str, str], date_order: str):
    """The preview of a file under a mapping, or the one line saying why there is none. Kept for the session
    (keyed by the file, the mapping, the date order and the store version) so other widgets do not re-read it."""
    key = (pending["token"], tuple(sorted(mapping.items())), date_order, shell.version())
    cached = st.session_state.get("data_mapping_preview")
    if cached is not None and cached[0] == key:
        return cached[1], cached[2]
    preview, problem = None, None
    try:
        preview = preview_file(shell.connection(), pending["kind"], pending["path"], mapping=mapping,
                               date_order=date_order, display_name=pending["file"])
    except UnusableFile as error:
        problem = str(error)
    except Exception as error:
        log.exception("previewing %s as %s failed", pending["file"], pending["kind"])
        problem = f"{pending['file']}: could not be previewed ({type(error).__name__}); see the server log"
    st.session_state["data_mapping_preview"] = (key, preview, problem)
    return preview, problem


def _date_order_item(column: str, order: str, chosen: str, warnings: list[str]) -> str:
    """How a timestamp column's slash dates will be read, and why, in words."""
    said = [warning for warning in warnings if warning.startswith(f"{column}:")]
    words = DATE_ORDER_WORDS[order]
    if any("could be read either way" in warning for warning in said):
        why = "as chosen: every slash date in it reads either way"
    elif any("mix day-first" in warning for warning in said):
        why = "most of its slash dates say so; the ones that cannot be read so would be rejected"
    elif order != chosen:
        why = "a first field over 12 was found" if order == "dmy" else "a second field over 12 was found"
    else:
        why = "as chosen; none of its slash dates says otherwise"
    return f"- {as_text(column)}: {words} ({why})"


def _show_preview(preview, date_order: str) -> None:
    rows_read, rejected = st.columns(2)
    rows_read.metric("Rows read", f"{preview.rows_read:,}")
    rejected.metric("Would be rejected", f"{preview.rows_rejected:,}")
    if preview.date_orders:
        st.markdown("**Slash dates** are read:\n"
                    + "\n".join(_date_order_item(column, order, date_order, preview.warnings)
                                 for column, order in preview.date_orders.items()))
    if preview.warnings:
        st.markdown("**Warnings**\n" + "\n".join(f"- {as_text(warning)}" for warning in preview.warnings))
    if preview.rows.empty:
        st.caption("No row of the file would be loaded.")
    else:
        st.markdown(f"**The first {len(preview.rows):,} rows as they would be stored**")
        st.dataframe(preview.rows, hide_index=True, width="stretch")
    if not preview.rejects.empty:
        st.markdown(f"**The first {len(preview.rejects):,} rows that would be rejected**, with the reason")
        st.dataframe(preview.rejects.rename(columns=REJECTED_COLUMNS), hide_index=True, width="stretch",
                     column_config={"Line": st.column_config.NumberColumn(format="%d")})


def _load_mapped(pending: dict, mapping: dict[str, str], date_order: str, save_as: str) -> dict:
    """Load a held file with the analyst's mapping, and save the mapping when it has a name."""
    name, kind = pending["file"], pending["kind"]
    result = {"file": name, "kind": kind, "report": None, "error": None, "mapping": None, "mapped": True}
    try:
        person = access.require_analyst()
        report = ingest_file(shell.connection(), kind, Path(pending["path"]), date_order=date_order,
                             mapping=mapping, display_name=name, loaded_by=person.name)
        result["report"] = report.as_dict()
    except (UnusableFile, StoreError, access.AccessDenied) as error:
        result["error"] = str(error)
        return result
    except Exception as error:
        log.exception("loading %s as %s with a mapping failed", name, kind)
        result["error"] = _failure(name, error)
        return result
    if save_as:
        cursor = shell.connection().cursor()
        try:
            result["saved_as"] = store.save_mapping(cursor, save_as, kind, pending["header"], mapping).name
        except Exception as error:
            log.exception("saving the mapping %s failed", save_as)
            result["save_error"] = f"The file was loaded, but the mapping could not be saved as «{save_as}» ({error})."
        finally:
            cursor.close()
    return result


def _mapping_section(pending: dict, waiting: int) -> None:
    """Map each canonical column to one of the file's columns, preview the result, then load (and save)."""
    token, kind, header = pending["token"], pending["kind"], pending["header"]
    prefix = f"data_map_{token}"
    st.subheader(f"Map the columns of {as_text(pending['file'])}")
    after = {0: "", 1: " One more file waits for a mapping after this one."}.get(
        waiting, f" {waiting} more files wait for a mapping after this one.")
    st.caption(f"For each column of a {kind} export, choose the file's column that holds it. The preview below "
               "shows the rows as they would be stored and the rows that would be rejected; nothing is stored "
               "until you load." + after)
    saved = _saved_mapping_for(kind, header)
    if saved is not None:
        st.info(f"This header matches the saved mapping «{as_text(saved.name)}»: its choices are pre-selected.",
                icon=":material/bookmark:")
    detected = detect_format(kind, header)
    if detected != "canonical":
        st.caption(f"This header is that of a {FORMAT_LABELS[detected]}, which loads as it is without a mapping; "
                   "a mapping of your own replaces its rules.")

    preselected = _preselected(kind, header, saved)
    options = [NOT_IN_FILE, *dict.fromkeys(header)]
    chosen = {}
    grid = st.columns(4)
    for number, (column, required) in enumerate(CANONICAL_COLUMNS[kind]):
        first = preselected.get(column)
        with grid[number % len(grid)]:
            chosen[column] = st.selectbox(
                f"{column} (required)" if required else column, options,
                index=options.index(first) if first in options else 0, key=f"{prefix}_{column}",
            )
    mapping = {column: source for column, source in chosen.items() if source not in (None, NOT_IN_FILE)}
    date_order = st.radio(
        "Slash dates that read both ways", list(DATE_ORDER_LABELS), format_func=DATE_ORDER_LABELS.get,
        index=list(DATE_ORDER_LABELS).index(pending["date_order"]), key=f"{prefix}_date_order", horizontal=True,
        help="Used only for a column whose slash dates could all be read either way; a column with a day "
        "over 12 in either place decides for itself.",
    )

    st.markdown("#### Before loading")
    preview, problem = _preview(pending, mapping, date_order)
    if problem is not None:
        st.error(as_text(problem), icon=":material/error:")
    else:
        _show_preview(preview, date_order)

    save_as = st.text_input("Save this mapping as", key=f"{prefix}_name", max_chars=100,
                            placeholder="Optional: a name, to offer this mapping for files with the same header")
    save_as = (save_as or "").strip()
    if save_as and _mapping_name_taken(save_as):
        st.caption(f"A saved mapping is called «{as_text(save_as)}» already: saving replaces it.")
    failed = st.session_state.get("data_mapping_failure")
    if failed is not None and failed[0] == token:
        st.error(as_text(failed[1]), icon=":material/error:")
    buttons = st.container(horizontal=True)
    if buttons.button("Load with this mapping", type="primary", icon=":material/upload:", disabled=preview is None,
                      key=f"{prefix}_load"):
        with st.spinner(f"Loading {as_text(pending['file'])}…"):
            result = _load_mapped(pending, mapping, date_order, save_as)
        if result["report"] is None:
            st.session_state["data_mapping_failure"] = (token, result["error"])
        else:
            st.session_state.pop("data_mapping_failure", None)
            # The held file's line in the last load becomes its result.
            results = st.session_state.get("data_results") or []
            held = [number for number, earlier in enumerate(results) if earlier.get("mapping") == token]
            if held:
                results[held[0]] = result
            else:
                results.append(result)
            st.session_state["data_results"] = results
            _drop_pending(token)
        # A fresh run: the sidebar's dates, the sample notice and every figure come from the new store version.
        st.rerun()
    buttons.button("Cancel", key=f"{prefix}_cancel", on_click=_drop_pending, args=(token,))


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
    left, right = st.columns(2)
    with left:
        kind = st.segmented_control(
            "Kind of export", KINDS, default="consent", required=True, key="data_kind",
            help="**consent**: one row per consent decision; **requests**: one row per data-subject request; "
            "**policies**: the catalogue of privacy-policy versions and their effective dates.",
        )
    with right:
        date_order = st.radio(
            "Slash dates that read both ways", list(DATE_ORDER_LABELS), format_func=DATE_ORDER_LABELS.get,
            key="data_date_order", horizontal=True,
            help="Used only for a column whose slash dates could all be read either way; a column with a day "
            "over 12 in either place decides for itself.",
        )
    files = st.file_uploader(
        "Export files (CSV, also gzipped)", type=FILE_TYPES, accept_multiple_files=True,
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
gone = [pending for pending in queue or [] if not Path(pending["path"]).exists()]
for pending in gone:
    # Its copy went with a disconnected session (a closed tab, or a network break): it must be chosen again.
    _drop_pending(pending["token"])
    st.info(f"{as_text(pending['file'])} is no longer waiting for its mapping (the connection to this page was "
            "lost, and the server removed its copy): choose the file again.", icon=":material/info:")
if queue:
    with st.container(border=True, key="data_mapping"):
        _mapping_section(queue[0], len(queue) - 1)

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
        removed=[f"Removed {at:%Y-%m-%d %H:%M} by {by}" if not pd.isna(at) else ""
                 for at, by in zip(history["removed_at"], history["removed_by"], strict=True)],
    )[["upload_id", "file_name", "removed", "kind", "format", "rows_read", "rows_loaded", "rows_duplicate",
       "rows_rejected", "warnings", "loaded_by", "loaded_at", "is_sample"]]
    st.dataframe(
        table, hide_index=True, width="stretch",
        column_config={
            "upload_id": st.column_config.NumberColumn("Upload", format="#%d"),
            "file_name": st.column_config.TextColumn("File"),
            "removed": st.column_config.TextColumn("Undone (UTC)", help="Who removed the upload's rows, and when"),
            "kind": st.column_config.TextColumn("Kind"),
            "format": st.column_config.TextColumn("Format"),
            "rows_read": st.column_config.NumberColumn("Rows read", format="localized"),
            "rows_loaded": st.column_config.NumberColumn("Loaded", format="localized"),
            "rows_duplicate": st.column_config.NumberColumn("Duplicate", format="localized"),
            "rows_rejected": st.column_config.NumberColumn("Rejected", format="localized"),
            "warnings": st.column_config.NumberColumn("Warnings", format="localized"),
            "loaded_by": st.column_config.TextColumn("Loaded by"),
            "loaded_at": st.column_config.DatetimeColumn("Loaded at (UTC)", format="YYYY-MM-DD HH:mm:ss"),
            "is_sample": st.column_config.CheckboxColumn("Sample data"),
        },
    )

    uploads = {int(upload.upload_id): upload for upload in history.itertuples(index=False)}
    with st.expander("Warnings and rejected rows of an upload", icon=":material/rule:"):
        shown_id = st.selectbox("Upload", list(uploads), format_func=lambda key: _upload_label(uploads[key]),
                                key="data_inspect")
        inspected = uploads[shown_id]
        if inspected.warnings is not None and len(inspected.warnings):
            st.markdown("\n".join(f"- {as_text(warning)}" for warning in inspected.warnings))
        else:
            st.caption("No warnings.")
        _rejected_table(shown_id, key=f"history-rejected-{shown_id}")

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
                st.warning(
                    f"Remove upload #{chosen} **{as_text(upload.file_name)}**? Its {upload.rows_loaded:,} stored rows "
                    "leave the store and every figure; a request or policy it updated shows its earlier state again.",
                    icon=":material/warning:",
                )
                understood = st.checkbox("I understand its rows will be removed", key="data_confirm_removal")
                confirm, cancel, _ = st.columns([1, 1, 3])
                confirm.button(f"Remove upload #{chosen}", type="primary", disabled=not understood,
                               key="data_remove_confirm", on_click=_remove_upload, args=(chosen,))
                cancel.button("Cancel", key="data_remove_cancel", on_click=_cancel,
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
    st.dataframe(pd.DataFrame(erasures, columns=list(ERASURE_COLUMNS)), hide_index=True, width="stretch",
                 column_config={"Erasure": st.column_config.NumberColumn(format="#%d"),
                                "When (UTC)": st.column_config.DatetimeColumn(format="YYYY-MM-DD HH:mm")})


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
            st.warning(f"Remove the sample data ({len(sample_ids)} uploads)? Every page then says there is no "
                       "data until you load your own exports.", icon=":material/warning:")
            understood = st.checkbox("I understand the sample rows will be removed", key="data_confirm_sample")
            confirm, cancel, _ = st.columns([1, 1, 3])
            confirm.button("Remove sample data", type="primary", disabled=not understood,
                           key="data_sample_confirm", on_click=_remove_sample)
            cancel.button("Cancel", key="data_sample_cancel", on_click=_cancel,
                          args=("data_pending_sample", "data_confirm_sample"))
