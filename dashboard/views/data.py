"""Data: load exports into the store, see what each file did, and undo an upload or the sample data."""

import logging
import shutil
import string
import tempfile
from pathlib import Path

import pandas as pd
import streamlit as st

from dashboard import shell, store
from dashboard.downloads import csv_bytes
from dashboard.formats import KINDS
from dashboard.ingest import UnusableFile, ingest_file
from dashboard.store import StoreError

log = logging.getLogger("dashboard.views.data")

# The kinds are shown by the words the command line uses (`python -m dashboard ingest consent FILE`).
ROW_WORDS = {"consent": "consent", "requests": "request", "policies": "policy version"}
DATE_ORDER_LABELS = {
    "mdy": "Month first (06/01/2023 is 1 June)",
    "dmy": "Day first (06/01/2023 is 6 January)",
}
FILE_TYPES = ["csv", "gz", "txt", "tsv"]
LOADED_BY = "dashboard"
REJECTED_COLUMNS = {"line": "Line", "column_name": "Column", "value": "Value", "reason": "Reason"}

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


def _load_one(uploaded, kind: str, date_order: str) -> dict:
    """Load one uploaded file; what happened, as a plain dict kept in the session."""
    result = {"file": uploaded.name, "kind": kind, "report": None, "error": None}
    path = None
    try:
        # The reader takes a path; the upload is in memory. The suffix keeps `.gz` (gzip) meaningful.
        with tempfile.NamedTemporaryFile(prefix="upload-", suffix=_temporary_suffix(uploaded.name),
                                         delete=False) as handle:
            path = Path(handle.name)
            uploaded.seek(0)
            shutil.copyfileobj(uploaded, handle, length=1 << 20)
        report = ingest_file(shell.connection(), kind, path, date_order=date_order,
                             display_name=uploaded.name, loaded_by=LOADED_BY)
        result["report"] = report.as_dict()
    except (UnusableFile, StoreError) as error:
        result["error"] = str(error)
    except Exception as error:
        # A user sees one line; the server log keeps the traceback.
        log.exception("loading %s as %s failed", uploaded.name, kind)
        result["error"] = (f"{uploaded.name}: could not be loaded ({type(error).__name__}); "
                           "nothing from it was stored, and the details are in the server log")
    finally:
        if path is not None:
            path.unlink(missing_ok=True)
    return result


def _load(files: list, kind: str, date_order: str) -> list[dict]:
    results = []
    with st.status(f"Loading {len(files)} file{'s' if len(files) > 1 else ''}…", expanded=True) as status:
        progress = st.progress(0.0)
        for number, uploaded in enumerate(files, start=1):
            step = f"Loading {number} of {len(files)}: {as_text(uploaded.name)}"
            status.update(label=step)
            progress.progress((number - 1) / len(files), text=step)
            results.append(_load_one(uploaded, kind, date_order))
        progress.progress(1.0, text="Done")
        failed = sum(result["error"] is not None for result in results)
        status.update(label=f"Loaded {len(files) - failed} of {len(files)}", expanded=False,
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


def _show_result(result: dict, present_ids: set[int]) -> None:
    report = result["report"]
    if report is None:
        st.error(as_text(result["error"]), icon=":material/error:")
        return
    upload_id = int(report["upload_id"])
    counts = (f"**{as_text(report['file'])}** ({report['kind']}, upload #{upload_id}): "
              f"rows read {report['rows_read']:,}, loaded {report['rows_loaded']:,}, "
              f"duplicate {report['rows_duplicate']:,}, rejected {report['rows_rejected']:,}.")
    if report["rows_rejected"] or not report["rows_read"]:
        st.warning(counts, icon=":material/warning:")
    else:
        st.success(counts, icon=":material/check_circle:")
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
    return f"#{upload.upload_id} {upload.file_name} ({upload.kind}, {upload.loaded_at:%Y-%m-%d}{sample})"


def _removal(remove, describe, what: str, *finished_keys: str) -> None:
    """Run a confirmed removal (from a button callback, so the whole page, sidebar and sample notice
    included, shows the store after it) and keep its one-line outcome for the page."""
    cursor = shell.connection().cursor()
    try:
        message = ("success", describe(remove(cursor)))
    except StoreError as error:
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
        lambda cursor: store.remove_upload(cursor, upload_id),
        lambda removed: (f"Removed upload #{removed.upload_id} **{as_text(removed.file_name)}**: "
                         f"{removed.rows_removed:,} stored {ROW_WORDS[removed.kind]} rows left the store "
                         "and every figure."),
        f"upload #{upload_id}", "data_pending_removal", "data_confirm_removal",
    )


def _remove_sample() -> None:
    _removal(
        store.remove_sample,
        lambda count: f"Removed the sample data ({count} uploads). The store is empty until you load your exports.",
        "the sample data", "data_pending_sample", "data_confirm_sample",
    )


def _set(key: str, value) -> None:
    st.session_state[key] = value


def _cancel(*keys: str) -> None:
    for key in keys:
        st.session_state.pop(key, None)


st.title("Data")
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
    submitted = st.form_submit_button("Load", type="primary", icon=":material/upload:")
st.caption(
    f"Each file may be up to {st.get_option('server.maxUploadSize'):,} MB. Larger files go through the command "
    "line: `python -m dashboard ingest KIND FILE`."
    + (" Loading your first file removes the sample data." if sample_ids else "")
)

if submitted:
    if files:
        st.session_state["data_results"] = _load(files, kind or "consent", date_order)
        # A fresh uploader (the files are loaded) and a fresh run: the sidebar's dates, the sample notice
        # and every figure then come from the new store version.
        st.session_state["data_uploader_generation"] = generation + 1
        st.rerun()
    else:
        st.warning("Choose one or more files to load first.", icon=":material/upload_file:")

history = store.list_uploads(shell.connection())
present_ids = set(history["upload_id"].astype(int))

results = st.session_state.get("data_results")
if results:
    st.markdown("#### Last load")
    for number, result in enumerate(results):
        with st.container(key=f"data_result_{number}"):
            _show_result(result, present_ids)

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
    )[["upload_id", "file_name", "kind", "format", "rows_read", "rows_loaded", "rows_duplicate", "rows_rejected",
       "warnings", "loaded_by", "loaded_at", "is_sample"]]
    st.dataframe(
        table, hide_index=True, width="stretch",
        column_config={
            "upload_id": st.column_config.NumberColumn("Upload", format="#%d"),
            "file_name": st.column_config.TextColumn("File"),
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
    chosen = st.selectbox("Upload to remove", list(uploads), format_func=lambda key: _upload_label(uploads[key]),
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
