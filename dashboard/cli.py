"""The command line, `python -m dashboard ...`: the same operations the pages and the server's API do, for
automation. When a dashboard is running on the store (or --server names one), the work is sent to it and printed
the same way; otherwise the command opens the store itself."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Self

from dashboard import comparisons, erasure, metrics, operations, server_address, small_counts
from dashboard.formats import KINDS, format_names
from dashboard.formatting import count, plural
from dashboard.identities import mask, mask_file_name
from dashboard.ingest import DATE_ORDERS
from dashboard.reading import UnusableFile, refuse_what_is_not_a_file
from dashboard.remote import TOKEN_ENV, Remote
from dashboard.store import StoreError, local_user, open_store, store_path


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
    store.add_argument("--db", metavar="PATH", help="the store (default: $PRIVACY_DASHBOARD_DB or data/privacy.duckdb); "
                       "when a dashboard is running on it, the work is sent there")
    store.add_argument("--server", metavar="URL",
                       help=f"a running dashboard to send the work to (http://host:8501), with the token in ${TOKEN_ENV}")

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
    figures.add_argument("--compare", choices=tuple(comparisons.KINDS),
                         help="add the figures of the previous range of the same length, or of the same range a "
                              "year earlier, and the changes (section \"comparison\")")
    for name, what in (("purpose", "a purpose key (marketing, ...)"), ("channel", "a consent channel"),
                       ("region", "a region"), ("request-type", "a request type (access, deletion, ...)"),
                       ("jurisdiction", "a jurisdiction (CCPA, GDPR, ...)"), ("request-channel", "a request channel")):
        figures.add_argument(f"--{name}", action="append", metavar="KEY",
                             help=f"only {what}, as the pages' filter (repeatable)")

    alert = commands.add_parser("alerts", parents=[store, small],
                                help="the alerts of the settings' rules as JSON; exit status 1 when any fired")
    alert.add_argument("--end", type=_date, metavar="YYYY-MM-DD",
                       help="check the calendar month holding this day, up to it (default: the newest data day)")

    report = commands.add_parser("report", parents=[store, small], help="published reports")
    report.add_argument("report", choices=("ccpa",), metavar="REPORT", help="ccpa")
    report.add_argument("--year", type=int, required=True, metavar="YYYY")
    report.add_argument("--scope", choices=tuple(metrics.CCPA_SCOPES), default=None,
                        help="whose requests: ccpa (California, the default), us (every US state law) or all")
    report.add_argument("--all-jurisdictions", action="store_true", help="the same as --scope all")
    report.add_argument("--csv", action="store_true", help="CSV ready to publish instead of JSON")
    report.add_argument("--evidence", type=Path, metavar="FILE.zip",
                        help="also write the evidence pack (table, definitions, uploads with SHA-256, settings)")

    commands.add_parser("uploads", parents=[store], help="the upload history with rejected rows") \
        .add_argument("--rejected", type=int, metavar="UPLOAD_ID", help="every rejected row of one upload")
    remove = commands.add_parser("remove", parents=[store], help="undo one upload")
    remove.add_argument("upload_id", type=int, metavar="UPLOAD_ID")
    forget = commands.add_parser("forget", parents=[store],
                                 help="erase people: their rows leave the store, and the store file is rewritten")
    forget.add_argument("identities", nargs="+", metavar="IDENTITY",
                        help="an e-mail address, phone number or customer number, as the exports write it")

    token = commands.add_parser("token", help="tokens for the dashboard's HTTP API")
    token_actions = token.add_subparsers(dest="action", required=True, metavar="ACTION")
    create = token_actions.add_parser("create", parents=[store], help="make a named token (shown once)")
    create.add_argument("name", metavar="NAME")
    create.add_argument("--role", choices=("analyst", "viewer"), default="analyst",
                        help="analyst (may load and undo) or viewer (may read figures); default analyst")
    create.add_argument("--owner", metavar="WHO", help="whose token it is (default: this account)")
    token_actions.add_parser("list", parents=[store], help="the tokens not revoked")
    revoke = token_actions.add_parser("revoke", parents=[store], help="revoke a token by name")
    revoke.add_argument("name", metavar="NAME")

    sample = commands.add_parser("sample", help="write the sample exports")
    sample.add_argument("--out", default="sample", metavar="DIR", help="folder to write to (default: ./sample)")
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = _parser().parse_args(argv)
    try:
        return COMMANDS[arguments.command](arguments)
    except operations.Failure as failure:
        print(failure.message, file=sys.stderr)
        return failure.exit_code
    except StoreError as error:
        print(error, file=sys.stderr)
        return 1
    except small_counts.SettingError as error:
        print(error, file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


# --- Where the work is done: the store itself, or the dashboard that holds it ---------------------------------

class _Local:
    """The store opened by this command, as without a server: the same operations, on its own connection."""

    def __init__(self, db, readable=()) -> None:
        self.db, self.readable, self._connection = db, readable, None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exception) -> None:
        # The command's connection closes when it is done, as a process exiting would close it.
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    @property
    def connection(self):
        if self._connection is None:
            self._connection = open_store(self.db, readable=self.readable)
        return self._connection

    def ingest(self, kind: str, path: Path, **options) -> dict:
        return operations.ingest(self.connection, kind, path, **options)

    def metrics_document(self, *, min_cell=None, **options) -> dict:
        return operations.metrics_document(self.connection, min_cell=_or_setting(min_cell), **options)

    def alerts_document(self, *, end=None, min_cell=None) -> dict:
        return operations.alerts_document(self.connection, end=end, min_cell=_or_setting(min_cell))

    def ccpa_report(self, year: int, *, scope: str, min_cell=None) -> dict:
        return operations.ccpa_report(self.connection, year, scope=scope, min_cell=_or_setting(min_cell))

    def ccpa_evidence(self, year: int, *, scope: str, min_cell=None) -> bytes:
        return operations.ccpa_evidence(self.connection, year, scope=scope, min_cell=_or_setting(min_cell))

    def uploads_document(self) -> dict:
        return operations.uploads_document(self.connection)

    def rejected(self, upload_id: int) -> list[dict]:
        return operations.rejected(self.connection, upload_id)

    def remove(self, upload_id: int) -> dict:
        return operations.remove(self.connection, upload_id)

    def forget(self, identities: list[str]) -> dict:
        path = store_path(self.db)
        operations.checked_identities(identities)
        if not path.is_file():
            raise operations.Failure(f"{path}: no store here, so nobody to erase (check --db)")
        connection = open_store(path)

        def close_then(rewrite) -> None:
            # Closed before the rewrite: the file is copied whole, with no connection writing to it.
            connection.close()
            rewrite(path)

        try:
            return operations.forget(connection, identities, rewrite_file=close_then)
        finally:
            connection.close()

    def create_token(self, name: str, *, role: str, owner: str | None) -> dict:
        return operations.create_token(self.connection, name, role=role, owner=owner or local_user(),
                                       created_by=local_user())

    def list_tokens(self) -> list[dict]:
        return operations.list_tokens(self.connection)

    def revoke_token(self, name: str) -> dict:
        return operations.revoke_token(self.connection, name, revoked_by=local_user())


def _or_setting(min_cell: int | None) -> int:
    """--min-cell when given, else the operator's setting."""
    return operations.configured_min_cell() if min_cell is None else min_cell


def _where(arguments, *, readable=()) -> _Local | Remote:
    """--server URL (with the token in PRIVACY_DASHBOARD_TOKEN); else the dashboard running on this store, found by
    its address file (with that token, or the file's secret: this account owns the store); else the store itself."""
    token = os.environ.get(TOKEN_ENV, "").strip() or None
    if getattr(arguments, "server", None):
        return Remote(arguments.server, token)
    running = server_address.running_server(arguments.db)
    if running is not None:
        return Remote(running.url, token or running.secret)
    return _Local(arguments.db, readable)


# --- The commands -----------------------------------------------------------------------------------------------

def _ingest(arguments) -> int:
    # Without a server, the store's connection may read the files named here and nothing else outside its folder.
    with _where(arguments, readable=[
            Path(file) for file in arguments.files if Path(file).is_file() and not Path(file).is_symlink()]) as where:
        return _ingest_each(arguments, where)


def _ingest_each(arguments, where) -> int:
    status, save_map = 0, arguments.save_map
    for file in arguments.files:
        name = mask_file_name(Path(file).name)
        if isinstance(where, Remote):
            try:
                # What the store's own reader refuses by the path alone, refused here before anything is sent.
                refuse_what_is_not_a_file(name, Path(file))
            except UnusableFile as error:
                print(mask(str(error)), file=sys.stderr)
                status = 1
                continue
        done = where.ingest(arguments.kind, Path(file), file=name, format=arguments.format,
                            date_order=arguments.date_order, maps=arguments.map, confirm=arguments.confirm,
                            save_map=save_map)
        if "report" not in done:
            print(done.get("refused") or done["error"], file=sys.stderr)
            status = 1
            continue
        print(json.dumps(done["report"], ensure_ascii=False), flush=True)
        if save_map:
            # The first file loaded gives the header later files are recognised by.
            save_map = None
            if "saved" in done:
                print(done["saved"], file=sys.stderr)
            else:
                print(done["save_failed"], file=sys.stderr)
                status = max(status, 1)
    return status


def _metrics(arguments) -> int:
    selections = {name: values for name in operations.SELECTIONS
                  if (values := getattr(arguments, name, None))}
    with _where(arguments) as where:
        document = where.metrics_document(start=arguments.start, end=arguments.end, selections=selections,
                                          min_cell=arguments.min_cell, compare=arguments.compare)
    print(json.dumps(document, indent=2))
    return 0


def _alerts(arguments) -> int:
    """The fired alerts as JSON; 1 when any fired (a scheduled job mails or posts them then), 0 when none."""
    with _where(arguments) as where:
        document = where.alerts_document(end=arguments.end, min_cell=arguments.min_cell)
    print(json.dumps(document, indent=2, ensure_ascii=False))
    return 1 if document["alerts"] else 0


def _report(arguments) -> int:
    if arguments.all_jurisdictions and arguments.scope not in (None, "all"):
        raise operations.usage(f"--all-jurisdictions is --scope all, not --scope {arguments.scope}")
    scope = "all" if arguments.all_jurisdictions else arguments.scope or "ccpa"
    with _where(arguments) as where:
        document = where.ccpa_report(arguments.year, scope=scope, min_cell=arguments.min_cell)
        if arguments.evidence:
            pack = where.ccpa_evidence(arguments.year, scope=scope, min_cell=arguments.min_cell)
    if arguments.evidence:
        try:
            arguments.evidence.write_bytes(pack)
        except OSError as error:
            raise operations.Failure(f"{arguments.evidence}: the evidence pack cannot be written ({error.strerror})") from None
        print(f"Evidence pack written to {arguments.evidence} ({len(pack):,} bytes).", file=sys.stderr)
    if arguments.csv:
        sys.stdout.write(operations.ccpa_csv(document))
        return 0
    print(json.dumps(document, indent=2))
    return 0


def _uploads(arguments) -> int:
    with _where(arguments) as where:
        return _print_uploads(arguments, where)


def _print_uploads(arguments, where) -> int:
    if arguments.rejected is not None:
        print("line\tcolumn\tvalue\treason")
        for row in where.rejected(arguments.rejected):
            print("\t".join("" if row[field] is None else str(row[field])
                            for field in ("line", "column", "value", "reason")))
        return 0
    document = where.uploads_document()
    if not document["uploads"]:
        print("No uploads yet. Load a file with: python -m dashboard ingest KIND FILE")
        return 0
    for upload in document["uploads"]:
        print(
            f"upload {upload['upload_id']}  {_minute(upload['loaded_at'])} UTC  {upload['kind']:<8}  "
            f"{upload['file_name']}  ({upload['format']})  by {upload['loaded_by']}\n"
            f"    read {count(upload['rows_read'])}, loaded {count(upload['rows_loaded'])}, "
            f"duplicate {count(upload['rows_duplicate'])}, rejected {count(upload['rows_rejected'])}"
            + (f", set aside {count(upload['rows_set_aside'])}" if upload["rows_set_aside"] else "")
            + (f", folded into their purpose {count(upload['rows_folded'])}" if upload["rows_folded"] else "")
        )
        for reason in upload["set_aside"]:
            print(f"    set aside {plural(reason['rows'], 'row')}, first on line {reason['first_line']}: "
                  f"{reason['reason']}")
        if upload["removed_at"] is not None:
            print(f"    removed {_minute(upload['removed_at'])} UTC by {upload['removed_by']}: its rows are no "
                  "longer in the store")
        for warning in upload["warnings"]:
            print(f"    warning: {warning}")
        for reject in upload["rejected"]:
            where_ = f"line {count(reject['line'])}" if reject["line"] is not None else "line ?"
            value = "" if reject["value"] is None else f" ‘{reject['value']}’"
            print(f"    rejected {where_}:{value} {reject['reason']}")
        if upload["rejected_more"]:
            print(f"    … {count(upload['rejected_more'])} more: "
                  f"python -m dashboard uploads --rejected {upload['upload_id']}")
    for row in document["erasures"]:
        print(erasure.history_line(tuple(
            datetime.fromisoformat(value) if field == "erased_at" else value for field, value in row.items())))
    return 0


def _minute(moment: str) -> str:
    return f"{datetime.fromisoformat(moment):%Y-%m-%d %H:%M}"


def _remove(arguments) -> int:
    with _where(arguments) as where:
        removed = where.remove(arguments.upload_id)
    print(f"removed upload {removed['upload_id']} ({removed['file_name']}, {removed['kind']}): "
          f"{plural(removed['rows_removed'], 'stored row')} removed, {count(removed['rows_staying'])} kept because "
          "another upload holds them")
    return 0


def _forget(arguments) -> int:
    with _where(arguments) as where:
        print(where.forget(arguments.identities)["summary"])
    return 0


def _token(arguments) -> int:
    with _where(arguments) as where:
        return _token_action(arguments, where)


def _token_action(arguments, where) -> int:
    if arguments.action == "create":
        made = where.create_token(arguments.name, role=arguments.role, owner=arguments.owner)
        # The token alone on standard output (TOKEN=$(python -m dashboard token create NAME)); the words on stderr.
        print(made["token"])
        print(f"token ‘{made['name']}’ ({made['role']}, owner {made['owner']}) made: it is shown this once, and the "
              f"store keeps only its hash. Give it to the job as {TOKEN_ENV}.", file=sys.stderr)
    elif arguments.action == "list":
        live = where.list_tokens()
        if not live:
            print("No tokens. Make one with: python -m dashboard token create NAME")
        for token in live:
            used = token["last_used_at"][:16].replace("T", " ") + " UTC" if token["last_used_at"] else "never"
            print(f"{token['name']}  {token['role']}  owner {token['owner']}  made {token['created_at'][:10]} by "
                  f"{token['created_by']}  last used {used}")
    else:
        revoked = where.revoke_token(arguments.name)
        print(f"revoked token ‘{revoked['name']}’ ({revoked['role']}, owner {revoked['owner']}): it is refused from "
              "now on")
    return 0


def _sample(arguments) -> int:
    from dashboard.sample import write_sample

    for path in write_sample(Path(arguments.out)):
        print(path)
    return 0


COMMANDS = {
    "ingest": _ingest,
    "metrics": _metrics,
    "alerts": _alerts,
    "report": _report,
    "uploads": _uploads,
    "remove": _remove,
    "forget": _forget,
    "token": _token,
    "sample": _sample,
}
