"""What the command line and the server's HTTP API do, once: each operation takes the store's connection and
plain values and gives back plain data (what `json.dumps` writes), or raises `Failure` with the one line a
person reads, the HTTP status the API answers with and the exit status the command line ends with.

The command line prints this data (cli.py), whether it ran the operation on the store itself or the running
dashboard ran it (api.py): so a command prints the same thing either way.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from pathlib import Path

import pandas as pd

from dashboard import alerts, ccpa, comparisons, erasure, metrics, settings, small_counts, tokens, uploading
from dashboard.downloads import SOURCE
from dashboard.formatting import day
from dashboard.identities import mask
from dashboard.profiles import Profile, ProfileError, find_profile
from dashboard.queries import run_query
from dashboard.reading import UnusableFile
from dashboard.store import (
    NoSuchUpload,
    StoreError,
    list_uploads,
    local_user,
    rejected_rows,
    remove_upload,
    set_aside_reasons,
)

# How many rejected rows the upload history carries under each upload (the rest: `rejected`).
REJECTED_SHOWN = 20
# The pages' filters, by the name the API and the command line give them, and the field of metrics.Filters.
SELECTIONS = {"purpose": "purposes", "channel": "channels", "region": "regions", "request_type": "request_types",
              "jurisdiction": "jurisdictions", "request_channel": "request_channels"}


class Failure(Exception):
    """An operation that could not be done: `message` is the whole line; `status` the HTTP status; `exit_code`
    the command line's (1: the store or a file could not be used; 2: wrong usage or an unusable setting)."""

    def __init__(self, message: str, *, status: int = 400, exit_code: int = 1) -> None:
        super().__init__(message)
        self.message, self.status, self.exit_code = message, status, exit_code


def usage(message: str) -> Failure:
    return Failure(message, status=400, exit_code=2)


# --- Loading ---------------------------------------------------------------------------------------------------

def column_mapping(connection, kind: str, format: str, maps) -> tuple[Profile | None, dict[str, str] | None]:
    """What --format and --map say: the profile the file is read with (None: the header decides, or the
    canonical columns), and the CANONICAL=SOURCE pairs on top of it. A NAME given to --map is a saved
    profile, else a mapping the store kept from before profiles (its pairs are expanded; later pairs win)."""
    based_on = None if format in ("auto", "canonical") else find_profile(format)
    if format not in ("auto", "canonical") and based_on is None:
        raise usage(f"--format {format}: no such format or profile")
    columns: dict[str, str] = {}
    for item in maps:
        if not isinstance(item, str):
            columns[item[0]] = item[1]
            continue
        saved = uploading.find_mapping(connection, item)
        if saved is None:
            raise usage(f"--map {item}: no saved mapping of that name")
        if saved.kind != kind:
            raise usage(f"--map {item}: that mapping is for {saved.kind} exports, not {kind}")
        if isinstance(saved, Profile):
            if based_on is not None and based_on.name != saved.name:
                raise usage(f"--map {item}: the file is read with {based_on.name} already; give one profile")
            based_on = saved
        else:
            columns.update(saved.columns)
    return based_on, columns or None


def save_map_problem(save_map: str | None, based_on: Profile | None, mapping: dict | None) -> None:
    """A --save-map that cannot be honoured refuses before anything is loaded."""
    if not save_map:
        return
    problem = (uploading.profile_title_problem(save_map)
               or (None if mapping or based_on else "it needs --map CANONICAL=SOURCE pairs (or a profile) to save"))
    if problem:
        raise usage(f"--save-map {save_map}: {problem}")


def ingest(connection, kind: str, path: Path, *, file: str, format: str = "auto", date_order: str = "mdy",
           maps=(), confirm: bool = False, save_map: str | None = None, loaded_by: str | None = None) -> dict:
    """Load one file: {"report": ...} (ingest's report; with "saved" or "save_failed" when --save-map was asked),
    {"refused": line} when nothing of it could be stored, or {"error": line} for a failure nobody's file caused.
    Wrong usage (a mapping that does not exist, a name that cannot be saved) raises Failure before loading."""
    based_on, mapping = column_mapping(connection, kind, format, maps)
    save_map_problem(save_map, based_on, mapping)
    try:
        outcome = uploading.load(connection, kind, Path(path), file=file, date_order=date_order, mapping=mapping,
                                 confirm=confirm, loaded_by=loaded_by,
                                 format=based_on.name if based_on is not None else format)
    except Exception as error:  # noqa: BLE001 - one line, never a traceback; the store is untouched
        # Masked like every message (identities.py): the name or the detail may quote a person.
        return {"error": f"{file}: could not be loaded ({type(error).__name__}: "
                         f"{mask(str(error).splitlines()[0]) if str(error) else 'no detail'})"}
    if isinstance(outcome, uploading.Refused):
        return {"refused": outcome.message}
    done: dict = {"report": outcome.report.as_dict()}
    if save_map:
        # The file loaded gives the header later files are recognised by.
        try:
            header = uploading.header_of(connection, Path(path), file)
            profile = uploading.save_mapping(save_map, kind, header, mapping or {}, based_on=based_on,
                                             saved_by=loaded_by or local_user())
            done["saved"] = f"saved the mapping as profile {profile.name} ({profile.path})"
        except (UnusableFile, ProfileError, OSError) as error:
            done["save_failed"] = (f"--save-map {save_map}: the file was loaded, but the mapping was not saved "
                                   f"({error})")
    return done


# --- Reading figures -------------------------------------------------------------------------------------------

def configured_min_cell() -> int:
    try:
        return small_counts.configured_min_cell()
    except small_counts.SettingError as error:
        raise Failure(str(error), status=500, exit_code=2) from None


def configured_due_soon_days() -> int:
    try:
        return settings.due_soon_days()
    except settings.SettingError as error:
        raise Failure(str(error), status=500, exit_code=2) from None


def metrics_document(connection, *, start: date | None = None, end: date | None = None, selections=None,
                     min_cell: int = 0, compare: str | None = None) -> dict:
    """Every figure of the range (and the pages' filters: `selections` maps a SELECTIONS name to its values), and
    with `compare` (previous, year) the earlier range's figures and the changes."""
    if compare is not None and compare not in comparisons.KINDS:
        raise usage(f"compare must be one of {', '.join(comparisons.KINDS)}, not {compare!r}")
    chosen = {SELECTIONS[name]: tuple(values) for name, values in (selections or {}).items() if values}
    filters = metrics.Filters.for_range(connection, start, end, due_soon_days=configured_due_soon_days(), **chosen)
    if filters.start > filters.end:
        raise usage(f"--start {filters.start} is after --end {filters.end}")
    return metrics.metrics_document(connection, filters, min_cell=min_cell, compare=compare)


def configured_alert_rules() -> settings.AlertRules:
    try:
        return settings.alert_rules()
    except settings.SettingError as error:
        raise Failure(str(error), status=500, exit_code=2) from None


def alerts_document(connection, *, end: date | None = None, min_cell: int = 0) -> dict:
    """The alert rules evaluated for the month holding `end` (default: the newest data day), as the JSON document
    of `python -m dashboard alerts`: the month checked, the rules in force and the alerts that fired."""
    rules = configured_alert_rules()
    end = end or metrics.default_range(connection)[1]
    fired = alerts.evaluate(connection, end, rules, min_cell=min_cell, due_soon_days=configured_due_soon_days())
    return alerts.document(end, rules, fired, min_cell=min_cell)


def ccpa_report(connection, year: int, *, scope: str = "ccpa", min_cell: int = 0) -> dict:
    """The § 7102 table of a calendar year as the command line's JSON document: its scope and laws, its rows
    (metrics.CCPA_COLUMNS) and the notes printed under it."""
    _check_scope(scope)
    exact = metrics.ccpa_frame(connection, year, scope=scope)
    laws = metrics.CCPA_SCOPES[scope]
    hidden = small_counts.shown(small_counts.hide(exact, min_cell), min_cell)
    return {"year": year, "scope": scope, "jurisdictions": "all" if laws is None else list(laws),
            "rows": metrics.plain_rows(hidden, metrics.CCPA_COLUMNS),
            "notes": ccpa.notes(exact, year, scope, last=metrics.default_range(connection)[1], min_cell=min_cell)}


def ccpa_evidence(connection, year: int, *, scope: str = "ccpa", min_cell: int = 0) -> bytes:
    """The report's evidence pack (ccpa.evidence_pack): one ZIP file."""
    _check_scope(scope)
    exact = metrics.ccpa_frame(connection, year, scope=scope)
    last = metrics.default_range(connection)[1]
    published = ccpa.report(exact, year, scope, last=last, min_cell=min_cell, source=f"{SOURCE} · data to {day(last)}")
    return ccpa.evidence_pack(connection, published, min_cell=min_cell, generated_at=datetime.now(UTC))


def _check_scope(scope: str) -> None:
    if scope not in metrics.CCPA_SCOPES:
        raise usage(f"scope {scope}: {', '.join(metrics.CCPA_SCOPES)}")


def ccpa_csv(document: dict) -> str:
    """The table as the CSV `report ccpa --csv` publishes."""
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(metrics.CCPA_COLUMNS)
    for row in document["rows"]:
        writer.writerow(["" if row[column] is None else row[column] for column in metrics.CCPA_COLUMNS])
    return text.getvalue()


# --- The upload history ----------------------------------------------------------------------------------------

def _plain(value):
    if value is None or (not isinstance(value, (list, tuple)) and pd.isna(value)):
        return None
    if isinstance(value, datetime):  # a pandas Timestamp too
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def _rejects(frame: pd.DataFrame) -> list[dict]:
    return [{"line": _plain(row.line), "column": _plain(row.column_name), "value": _plain(row.value),
             "reason": _plain(row.reason)} for row in frame.itertuples(index=False)]


def rejected(connection, upload_id: int) -> list[dict]:
    """Every rejected row of one upload: line, column, value (masked where it held an identity), reason."""
    return _rejects(rejected_rows(connection, upload_id))


def uploads_document(connection) -> dict:
    """The upload history, newest first, each with who loaded (and undid) it, its warnings, the rows a profile set
    aside (reason, rows, first line) and its first rejected rows; then the erasures, never whom."""
    history = list_uploads(connection)
    set_aside = set_aside_reasons(connection)
    first_rejects = run_query(connection, "rejected_rows_first", {"shown": REJECTED_SHOWN})
    rejects_of = {int(upload_id): rows for upload_id, rows in first_rejects.groupby("upload_id")}
    uploads = []
    for upload in history.itertuples(index=False):
        entry = {name: _plain(getattr(upload, name)) for name in (
            "upload_id", "loaded_at", "kind", "file_name", "format", "loaded_by", "rows_read", "rows_loaded",
            "rows_duplicate", "rows_rejected", "rows_set_aside", "rows_folded", "removed_at", "removed_by")}
        entry["warnings"] = [str(warning) for warning in upload.warnings]
        entry["set_aside"] = [{"reason": reason, "rows": int(rows), "first_line": int(first)}
                              for reason, rows, first in set_aside.get(int(upload.upload_id), [])]
        rejects = rejects_of.get(int(upload.upload_id)) if upload.rows_rejected else None
        entry["rejected"] = _rejects(rejects) if rejects is not None else []
        entry["rejected_more"] = (max(int(rejects["rejected_in_all"].iloc[0]) - REJECTED_SHOWN, 0)
                                  if rejects is not None else 0)
        uploads.append(entry)
    erasures = [dict(zip(("erasure_id", "erased_at", "erased_by", "people", "consent_rows", "request_rows",
                          "values_cleared"), (_plain(value) for value in row), strict=True))
                for row in erasure.history(connection)]
    return {"uploads": uploads, "erasures": erasures}


def remove(connection, upload_id: int, *, removed_by: str | None = None) -> dict:
    """Undo one upload."""
    cursor = connection.cursor()
    try:
        removed = remove_upload(cursor, upload_id, removed_by=removed_by)
    except NoSuchUpload as error:
        raise Failure(str(error), status=404) from None
    except StoreError as error:  # already removed
        raise Failure(str(error), status=409) from None
    finally:
        cursor.close()
    return {"upload_id": removed.upload_id, "file_name": removed.file_name, "kind": removed.kind,
            "rows_removed": removed.rows_removed, "rows_staying": removed.rows_staying}


# --- Erasure ---------------------------------------------------------------------------------------------------

def checked_identities(identities: list[str]) -> list[str]:
    try:
        return erasure.checked(identities)
    except erasure.BadIdentity as error:
        raise usage(f"forget: {error}") from None


def forget(connection, identities: list[str], *, erased_by: str | None = None, rewrite_file) -> dict:
    """Erase people: their rows go on `connection`, then, when any went, the store file is rewritten through
    `rewrite_file(erasure.rewrite)`, which closes the connection, rewrites the file at its path and (in the
    server, server_connection.reopen_held) opens it again."""
    identities = checked_identities(identities)
    cursor = connection.cursor()
    try:
        done = erasure.forget(cursor, identities, erased_by=erased_by)
    finally:
        cursor.close()
    if done.rewrite_needed:
        try:
            rewrite_file(erasure.rewrite)
        except StoreError as error:
            raise Failure(str(error), status=500) from None
    return {"summary": done.summary(rewritten=done.rewrite_needed), "people": done.people}


# --- Tokens ----------------------------------------------------------------------------------------------------

def create_token(connection, name: str, *, role: str, owner: str, created_by: str) -> dict:
    try:
        token, secret = tokens.create(connection, name, role=role, owner=owner, created_by=created_by)
    except StoreError as error:
        raise usage(str(error)) from None
    return {**token.as_dict(), "token": secret}


def list_tokens(connection) -> list[dict]:
    return [token.as_dict() for token in tokens.live(connection)]


def revoke_token(connection, name: str, *, revoked_by: str) -> dict:
    try:
        return tokens.revoke(connection, name, revoked_by=revoked_by).as_dict()
    except StoreError as error:
        raise Failure(str(error), status=404) from None
