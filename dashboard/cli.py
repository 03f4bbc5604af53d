"""The command line, `python -m dashboard ...`: the same functions the pages call, for automation."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from datetime import date
from pathlib import Path

import pandas as pd

from dashboard import erasure, metrics, small_counts, uploading
from dashboard.formats import KINDS, format_names
from dashboard.formatting import count, plural
from dashboard.identities import mask, mask_file_name
from dashboard.ingest import DATE_ORDERS
from dashboard.profiles import Profile, ProfileError, find_profile
from dashboard.reading import UnusableFile
from dashboard.store import (
    StoreError,
    list_uploads,
    local_user,
    open_store,
    rejected_rows,
    remove_upload,
    set_aside_reasons,
    store_path,
)

# How many rejected rows `uploads` shows under each upload before pointing at --rejected.
REJECTED_SHOWN = 20


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _mapping(text: str) -> tuple[str, str] | str:
    """CANONICAL=SOURCE, or the name of a saved mapping."""
    canonical, separator, source = text.partition("=")
    if not separator:
        if not text.strip():
            raise argparse.ArgumentTypeError("--map needs CANONICAL=SOURCE or a saved mapping's name")
        return text.strip()
    if not canonical.strip() or not source.strip():
        raise argparse.ArgumentTypeError(f"{text!r} is not CANONICAL=SOURCE")
    return canonical.strip(), source.strip()


def _non_negative(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of 0 or more")
    return int(text)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dashboard",
        description="Privacy metrics from consent, request and policy exports.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    store = argparse.ArgumentParser(add_help=False)
    store.add_argument("--db", metavar="PATH", help="the store (default: $PRIVACY_DASHBOARD_DB or data/privacy.duckdb)")

    ingest = commands.add_parser("ingest", parents=[store], help="load export files into the store")
    ingest.add_argument("kind", choices=KINDS, metavar="KIND", help="consent, requests or policies")
    ingest.add_argument("files", nargs="+", metavar="FILE")
    ingest.add_argument("--format", choices=format_names(), default="auto",
                        help="auto (the header decides), canonical, or a profile's name (data/profiles/)")
    ingest.add_argument("--date-order", choices=DATE_ORDERS, default="mdy",
                        help="for slash dates that read either way (default mdy, as 06/01/2023)")
    ingest.add_argument("--map", type=_mapping, action="append", default=[], metavar="CANONICAL=SOURCE|NAME",
                        help="take a canonical column from the file's column SOURCE (repeatable), "
                             "or use the mapping saved as NAME")
    ingest.add_argument("--save-map", metavar="NAME",
                        help="save the mapping as a profile named NAME: later files with the same header are read "
                             "with it")
    ingest.add_argument("--confirm", action="store_true",
                        help="load a file even when its mapping looks wrong (purposes that look like JSON, ...)")

    small = argparse.ArgumentParser(add_help=False)
    small.add_argument("--min-cell", type=_non_negative, metavar="N",
                       help="hide counts from 1 to N-1 and rates whose denominator is under N "
                            "(default: the min_cell setting, README \"Security\"; 0 shows every count)")
    figures = commands.add_parser("metrics", parents=[store, small], help="every figure of the dashboard as JSON")
    figures.add_argument("--start", type=_date, metavar="YYYY-MM-DD")
    figures.add_argument("--end", type=_date, metavar="YYYY-MM-DD")

    report = commands.add_parser("report", parents=[store, small], help="published reports")
    report.add_argument("report", choices=("ccpa",), metavar="REPORT", help="ccpa")
    report.add_argument("--year", type=int, required=True, metavar="YYYY")
    report.add_argument("--all-jurisdictions", action="store_true")
    report.add_argument("--csv", action="store_true", help="CSV ready to publish instead of JSON")

    commands.add_parser("uploads", parents=[store], help="the upload history with rejected rows") \
        .add_argument("--rejected", type=int, metavar="UPLOAD_ID", help="every rejected row of one upload")
    remove = commands.add_parser("remove", parents=[store], help="undo one upload")
    remove.add_argument("upload_id", type=int, metavar="UPLOAD_ID")
    forget = commands.add_parser("forget", parents=[store],
                                 help="erase people: their rows leave the store, and the store file is rewritten")
    forget.add_argument("identities", nargs="+", metavar="IDENTITY",
                        help="an e-mail address, phone number or customer number, as the exports write it")

    sample = commands.add_parser("sample", help="write the sample exports")
    sample.add_argument("--out", default="sample", metavar="DIR", help="folder to write to (default: ./sample)")
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        return COMMANDS[arguments.command](arguments)
    except StoreError as error:
        print(error, file=sys.stderr)
        return 1
    except small_counts.SettingError as error:
        print(error, file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


class UsageError(Exception):
    """A bad option value found once the store is open (exit status 2)."""


def _column_mapping(connection, arguments) -> tuple[Profile | None, dict[str, str] | None]:
    """What --format and --map say: the profile the file is read with (None: the header decides, or the
    canonical columns), and the CANONICAL=SOURCE pairs on top of it. A NAME given to --map is a saved
    profile, else a mapping the store kept from before profiles (its pairs are expanded; later pairs win)."""
    based_on = None if arguments.format in ("auto", "canonical") else find_profile(arguments.format)
    columns: dict[str, str] = {}
    for item in arguments.map:
        if not isinstance(item, str):
            columns[item[0]] = item[1]
            continue
        saved = uploading.find_mapping(connection, item)
        if saved is None:
            raise UsageError(f"--map {item}: no saved mapping of that name")
        if saved.kind != arguments.kind:
            raise UsageError(f"--map {item}: that mapping is for {saved.kind} exports, not {arguments.kind}")
        if isinstance(saved, Profile):
            if based_on is not None and based_on.name != saved.name:
                raise UsageError(f"--map {item}: the file is read with {based_on.name} already; give one profile")
            based_on = saved
        else:
            columns.update(saved.columns)
    return based_on, columns or None


def _ingest(arguments) -> int:
    # The store's connection may read the files named here and nothing else outside its own folder.
    connection = open_store(arguments.db, readable=[
        Path(file) for file in arguments.files if Path(file).is_file() and not Path(file).is_symlink()])
    try:
        based_on, mapping = _column_mapping(connection, arguments)
    except UsageError as error:
        print(error, file=sys.stderr)
        return 2
    if arguments.save_map:
        problem = (uploading.profile_title_problem(arguments.save_map)
                   or (None if mapping or based_on else "it needs --map CANONICAL=SOURCE pairs (or a profile) to save"))
        if problem:
            print(f"--save-map {arguments.save_map}: {problem}", file=sys.stderr)
            return 2
    status, saved = 0, False
    for file in arguments.files:
        name = mask_file_name(Path(file).name)
        try:
            outcome = uploading.load(connection, arguments.kind, Path(file), file=name,
                                     date_order=arguments.date_order, mapping=mapping, confirm=arguments.confirm,
                                     format=based_on.name if based_on is not None else arguments.format)
        except Exception as error:  # noqa: BLE001 - one line, never a traceback; the store is untouched
            # Masked like every message (identities.py): the name or the detail may quote a person.
            print(f"{name}: could not be loaded ({type(error).__name__}: "
                  f"{mask(str(error).splitlines()[0]) if str(error) else 'no detail'})", file=sys.stderr)
            status = 1
            continue
        if isinstance(outcome, uploading.Refused):
            print(outcome.message, file=sys.stderr)
            status = 1
            continue
        print(json.dumps(outcome.report.as_dict(), ensure_ascii=False), flush=True)
        if arguments.save_map and not saved:
            # The first file loaded gives the header later files are recognised by.
            saved = True
            status = max(status, _save_map(connection, arguments, Path(file), name, based_on, mapping or {}))
    return status


def _save_map(connection, arguments, path: Path, name: str, based_on: Profile | None, mapping: dict) -> int:
    """Save the mapping a file was loaded with as a profile (one line on stderr says where); 1 when it cannot."""
    try:
        header = uploading.header_of(connection, path, name)
        profile = uploading.save_mapping(arguments.save_map, arguments.kind, header, mapping, based_on=based_on,
                                         saved_by=local_user())
    except (UnusableFile, ProfileError, OSError) as error:
        print(f"--save-map {arguments.save_map}: the file was loaded, but the mapping was not saved ({error})",
              file=sys.stderr)
        return 1
    print(f"saved the mapping as profile {profile.name} ({profile.path})", file=sys.stderr)
    return 0


def _metrics(arguments) -> int:
    connection = open_store(arguments.db)
    filters = metrics.Filters.for_range(connection, arguments.start, arguments.end)
    if filters.start > filters.end:
        print(f"--start {filters.start} is after --end {filters.end}", file=sys.stderr)
        return 2
    print(json.dumps(metrics.metrics_document(connection, filters, min_cell=_min_cell(arguments)), indent=2))
    return 0


def _min_cell(arguments) -> int:
    """--min-cell when given, else the operator's setting (SettingError when that is unusable)."""
    return small_counts.configured_min_cell() if arguments.min_cell is None else arguments.min_cell


def _report(arguments) -> int:
    connection = open_store(arguments.db)
    table = metrics.ccpa_report(connection, arguments.year, all_jurisdictions=arguments.all_jurisdictions,
                                min_cell=_min_cell(arguments))
    if arguments.csv:
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(metrics.CCPA_COLUMNS)
        for row in table:
            writer.writerow(["" if row[column] is None else row[column] for column in metrics.CCPA_COLUMNS])
        return 0
    document = {
        "year": arguments.year,
        "jurisdictions": "all" if arguments.all_jurisdictions else "CCPA",
        "rows": table,
    }
    print(json.dumps(document, indent=2))
    return 0


def _uploads(arguments) -> int:
    connection = open_store(arguments.db)
    if arguments.rejected is not None:
        rows = rejected_rows(connection, arguments.rejected)
        print("line\tcolumn\tvalue\treason")
        for row in rows.itertuples(index=False):
            print("\t".join("" if _missing(value) else str(value) for value in row))
        return 0
    history = list_uploads(connection)
    if history.empty:
        print("No uploads yet. Load a file with: python -m dashboard ingest KIND FILE")
        return 0
    set_aside = set_aside_reasons(connection)
    for upload in history.itertuples(index=False):
        reasons = set_aside.get(int(upload.upload_id), [])
        print(
            f"upload {upload.upload_id}  {upload.loaded_at:%Y-%m-%d %H:%M} UTC  {upload.kind:<8}  "
            f"{upload.file_name}  ({upload.format})  by {upload.loaded_by}\n"
            f"    read {count(upload.rows_read)}, loaded {count(upload.rows_loaded)}, "
            f"duplicate {count(upload.rows_duplicate)}, rejected {count(upload.rows_rejected)}"
            + (f", set aside {count(upload.rows_set_aside)}" if upload.rows_set_aside else "")
            + (f", folded into their purpose {count(upload.rows_folded)}" if upload.rows_folded else "")
        )
        for reason, rows, first_line in reasons:
            print(f"    set aside {plural(rows, 'row')}, first on line {first_line}: {reason}")
        if not _missing(upload.removed_at):
            print(f"    removed {upload.removed_at:%Y-%m-%d %H:%M} UTC by {upload.removed_by}: its rows are no longer "
                  "in the store")
        for warning in upload.warnings:
            print(f"    warning: {warning}")
        if upload.rows_rejected:
            rejects = rejected_rows(connection, upload.upload_id)
            for reject in rejects.head(REJECTED_SHOWN).itertuples(index=False):
                where = f"line {count(reject.line)}" if not _missing(reject.line) else "line ?"
                value = "" if _missing(reject.value) else f" ‘{reject.value}’"
                print(f"    rejected {where}:{value} {reject.reason}")
            if len(rejects) > REJECTED_SHOWN:
                print(f"    … {count(len(rejects) - REJECTED_SHOWN)} more: "
                      f"python -m dashboard uploads --rejected {upload.upload_id}")
    for row in erasure.history(connection):
        print(erasure.history_line(row))
    return 0


def _missing(value) -> bool:
    return bool(pd.isna(value))


def _remove(arguments) -> int:
    connection = open_store(arguments.db)
    removed = remove_upload(connection, arguments.upload_id)
    print(f"removed upload {removed.upload_id} ({removed.file_name}, {removed.kind}): "
          f"{plural(removed.rows_removed, 'stored row')} removed, {count(removed.rows_staying)} kept because another "
          "upload holds them")
    return 0


def _forget(arguments) -> int:
    path = store_path(arguments.db)
    try:
        identities = erasure.checked(arguments.identities)
    except erasure.BadIdentity as error:
        print(f"forget: {error}", file=sys.stderr)
        return 2
    if not path.is_file():
        print(f"{path}: no store here, so nobody to erase (check --db)", file=sys.stderr)
        return 1
    connection = open_store(path)
    try:
        done = erasure.forget(connection, identities)
    finally:
        # Closed before the rewrite: the file is copied whole, with no connection writing to it.
        connection.close()
    if done.rewrite_needed:
        erasure.rewrite(path)
    print(done.summary(rewritten=done.rewrite_needed))
    return 0


def _sample(arguments) -> int:
    from dashboard.sample import write_sample

    for path in write_sample(Path(arguments.out)):
        print(path)
    return 0


COMMANDS = {
    "ingest": _ingest,
    "metrics": _metrics,
    "report": _report,
    "uploads": _uploads,
    "remove": _remove,
    "forget": _forget,
    "sample": _sample,
}
