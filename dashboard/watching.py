"""Watched folders: the sources the settings file lists (settings.watch_sources), checked by the server at its start
and every watch interval. Each new file is loaded once, by its content's hash; a file that cannot be loaded is
moved aside into its folder's `not-loaded/` with its reason, recorded, and never tried again by itself.

What each file came to is a row of the store's `watched_files`: `loaded` (with its upload), `duplicate` (its
content was loaded already, under any name, by any source or by hand) or `refused` (with the reason, and where
it was moved). A file is known by its source, name, size and modification time: one seen before is not even
read again, and a file replaced by a new version of the same name is read as new.
"""

from __future__ import annotations

import fnmatch
import hashlib
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dashboard import alerts, audit, metrics, profiles, settings, small_counts, uploading
from dashboard.confinement import private_folder, store_file_of
from dashboard.identities import mask, mask_file_name
from dashboard.settings import SettingError, WatchSource
from dashboard.store import WRITE_LOCK

log = logging.getLogger("dashboard.watching")

# Where a file that cannot be loaded is moved, inside its own folder (a subfolder, so never offered again).
NOT_LOADED = "not-loaded"
REASON_SUFFIX = ".reason.txt"
# Names a transfer gives a file it is still writing, and hidden files: never taken.
UNFINISHED_SUFFIXES = (".part", ".tmp", ".partial")
# While checking is off (interval 0) or the settings cannot be read, the settings are read again this often.
IDLE_SECONDS = 60
# How long stop() waits for a file being loaded to finish (the store closes right after).
STOP_WAIT_SECONDS = 30
COPY_PREFIX = "watched-"
CHUNK = 1 << 20

LOADED, DUPLICATE, REFUSED = "loaded", "duplicate", "refused"


@dataclass(frozen=True)
class Outcome:
    """What one file of a watched folder came to. `file` is its name as shown (masked)."""

    source: str
    file: str
    outcome: str  # loaded | duplicate | refused
    upload_id: int | None = None
    rows_loaded: int | None = None
    reason: str | None = None
    moved_to: str | None = None


@dataclass(frozen=True)
class Configuration:
    """The watch settings as they read now: the interval, the usable sources, and one line per unusable one."""

    interval: int
    sources: tuple[WatchSource, ...]
    problems: tuple[str, ...]


def configuration() -> Configuration:
    """Read the settings file now: sources whose folder is missing or whose format is not a profile of their kind
    are problems (left out until fixed), so that a mistake in the settings never moves good files aside."""
    problems: list[str] = []
    try:
        interval = settings.watch_interval_seconds()
    except SettingError as error:
        interval = 0
        problems.append(str(error))
    try:
        sources, unusable = settings.watch_sources()
    except SettingError as error:
        return Configuration(0, (), tuple(dict.fromkeys([*problems, str(error)])))
    problems += unusable
    usable = []
    for source in sources:
        problem = _source_problem(source)
        if problem:
            problems.append(f"{settings.settings_file()}: [[watch]] ‘{source.name}’: {problem}")
        else:
            usable.append(source)
    return Configuration(interval, tuple(usable), tuple(problems))


def _source_problem(source: WatchSource) -> str | None:
    if source.format not in ("auto", "canonical"):
        profile = profiles.find_profile(source.format)
        if profile is None:
            return f"format ‘{source.format}’ is not a profile (known: {', '.join(_profile_names(source.kind))})"
        if profile.kind != source.kind:
            return f"format ‘{source.format}’ reads {profile.kind} exports, not {source.kind}"
    if not source.folder.is_dir():
        return f"folder {source.folder} does not exist or is not a folder"
    if not os.access(source.folder, os.R_OK | os.X_OK):
        return f"folder {source.folder} cannot be read by the dashboard's account"
    return None


def _profile_names(kind: str) -> list[str]:
    return ["auto", "canonical", *(profile.name for profile in profiles.load_profiles()[0] if profile.kind == kind)]


# --- What the Data page shows --------------------------------------------------------------------------------

# When each source was last checked, per store file: kept in memory, as long as the server runs.
_checked: dict[tuple[str, str], datetime] = {}
_checked_lock = threading.Lock()


def last_checked(connection) -> dict[str, datetime]:
    """When this server last checked each source's folder (UTC); a source not checked since its start is not in it."""
    store_file = str(store_file_of(connection))
    with _checked_lock:
        return {source: at for (checked_store, source), at in _checked.items() if checked_store == store_file}


def _mark_checked(store_file: str, source: str) -> None:
    with _checked_lock:
        _checked[(store_file, source)] = _now()


# The alerts found after the last round that loaded a file, per store file (UTC time, their sentences), in memory.
_alerts: dict[str, tuple[datetime, tuple[str, ...]]] = {}


def alerts_after_last_load(connection) -> tuple[datetime, tuple[str, ...]] | None:
    """When the alerts were last checked after a round that loaded a file, and each alert's sentence; None before."""
    with _checked_lock:
        return _alerts.get(str(store_file_of(connection)))


def _check_alerts(connection, store_file: str) -> None:
    """The settings' alert rules for the month holding the newest data, after a round that loaded a file: kept for
    the Data page, and one log line per alert (figures and keys, never an identity)."""
    try:
        end = metrics.default_range(connection)[1]
        fired = alerts.evaluate(connection, end, settings.alert_rules(), min_cell=small_counts.configured_min_cell(),
                                due_soon_days=settings.due_soon_days())
    except SettingError as error:
        log.warning("watched folders: the alerts are not checked: %s", mask(str(error)))
        return
    except Exception:  # an alert that cannot be checked never stops the watcher
        log.exception("checking the alerts after a watched-folder load failed")
        return
    for alert in fired:
        log.warning("alert: %s", alert.sentence)
    with _checked_lock:
        _alerts[store_file] = (_now(), tuple(alert.sentence for alert in fired))


def files_by_source(connection) -> dict[str, dict[str, int]]:
    """For each source that offered files: how many were loaded, duplicates and set aside."""
    cursor = connection.cursor()
    try:
        rows = cursor.execute(
            "SELECT source, outcome, count(*) FROM watched_files GROUP BY source, outcome").fetchall()
    finally:
        cursor.close()
    counts: dict[str, dict[str, int]] = {}
    for source, outcome, number in rows:
        counts.setdefault(source, {LOADED: 0, DUPLICATE: 0, REFUSED: 0})[outcome] = int(number)
    return counts


def set_aside_files(connection, limit: int = 50) -> list[dict]:
    """The files that could not be loaded, newest first: when, source, file, reason, where they were moved."""
    cursor = connection.cursor()
    try:
        rows = cursor.execute(
            "SELECT seen_at, source, file_name, reason, moved_to FROM watched_files WHERE outcome = $refused "
            "ORDER BY seen_at DESC LIMIT $limit", {"refused": REFUSED, "limit": limit}).fetchall()
    finally:
        cursor.close()
    return [dict(zip(("seen_at", "source", "file_name", "reason", "moved_to"), row, strict=True)) for row in rows]


# --- The watcher ---------------------------------------------------------------------------------------------

class Watcher:
    """Checks the watched folders at start and every interval, on a thread of its own, until stopped.

    `connection` gives the server's store connection (asked anew each round: an erasure reopens it)."""

    def __init__(self, connection: Callable) -> None:
        self.connection = connection
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        # One check at a time: the thread's round and a check_now() from elsewhere never interleave.
        self._checking = threading.Lock()
        self._problems: tuple[str, ...] = ()

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="watched-folders", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop waiting at once; a file being loaded finishes first (up to STOP_WAIT_SECONDS)."""
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=STOP_WAIT_SECONDS)
            self._thread = None

    def _run(self) -> None:
        while not self._stopping.is_set():
            wait = IDLE_SECONDS
            try:
                interval = self._interval()
                if interval:
                    self.check_now()
                    wait = interval
            except Exception:  # the watcher never stops on an error: the next round tries again
                log.exception("checking the watched folders failed")
            self._stopping.wait(wait)

    def _interval(self) -> int:
        try:
            return settings.watch_interval_seconds()
        except SettingError as error:
            self._report_problems((str(error),))
            return 0

    def check_now(self) -> list[Outcome]:
        """One round over every usable source; what each new file came to (files seen before are not listed)."""
        with self._checking:
            found = configuration()
            self._report_problems(found.problems)
            if not found.sources:
                return []
            connection = self.connection()
            store_file = str(store_file_of(connection))
            outcomes: list[Outcome] = []
            for source in found.sources:
                if self._stopping.is_set():
                    break
                try:
                    outcomes += self._check_source(connection, source)
                except OSError as error:
                    log.warning("watched folder ‘%s’: %s cannot be read (%s)", source.name, source.folder,
                                type(error).__name__)
                    continue
                except Exception:  # one source's failure leaves the others to run
                    log.exception("checking watched folder ‘%s’ failed", source.name)
                    continue
                _mark_checked(store_file, source.name)
            if any(outcome.outcome == LOADED for outcome in outcomes):
                _check_alerts(connection, store_file)
            return outcomes

    def _report_problems(self, problems: tuple[str, ...]) -> None:
        """Each unusable setting is logged once (when it appears), not at every round; the Data page lists them."""
        for problem in problems:
            if problem not in self._problems:
                log.warning("watched folders: %s; the other sources are still checked", mask(problem))
        self._problems = tuple(problems)

    def _check_source(self, connection, source: WatchSource) -> list[Outcome]:
        outcomes = []
        now = time.time()
        with os.scandir(source.folder) as entries:
            offered = sorted((entry for entry in entries if _offered(entry.name, source.pattern)),
                             key=lambda entry: entry.name)
        for entry in offered:
            if self._stopping.is_set():
                break
            # Regular files only: no subfolder (not-loaded/ among them), no symbolic link followed.
            if not entry.is_file(follow_symlinks=False):
                continue
            try:
                status = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue  # gone since the folder was listed
            if source.settle_seconds and now - status.st_mtime < source.settle_seconds:
                continue  # still being written, perhaps: taken at a later round
            outcome = self._take(connection, source, Path(entry.path), status)
            if outcome is not None:
                outcomes.append(outcome)
        return outcomes

    def _take(self, connection, source: WatchSource, path: Path, status: os.stat_result) -> Outcome | None:
        """Load one file, or record it as a duplicate, or set it aside; None when it is not to be taken now."""
        name = mask_file_name(path.name)
        seen = {"source": source.name, "file_name": name, "size": status.st_size,
                "modified_at": _utc(status.st_mtime_ns)}
        if _seen_before(connection, seen):
            return None
        started = time.monotonic()
        try:
            copy, sha256 = _private_copy(path, private_folder(connection))
        except FileNotFoundError:
            return None  # gone since the folder was listed
        except OSError as error:
            return self._set_aside(connection, source, path, seen, None, started,
                                   f"{name}: cannot be read ({type(error).__name__}); nothing from it was stored")
        try:
            try:
                now = path.lstat()
            except FileNotFoundError:
                return None
            if (now.st_size, now.st_mtime_ns) != (status.st_size, status.st_mtime_ns):
                return None  # it changed while it was copied: still being written, taken at a later round
            seen["sha256"] = sha256
            earlier = _loaded_before(connection, sha256)
            if earlier is not None:
                return self._record(connection, source, seen, started, DUPLICATE,
                                    reason=f"{name}: the same content as upload #{earlier}, loaded already; "
                                           "not loaded again")
            try:
                result = uploading.load(connection, source.kind, copy, file=name, format=source.format,
                                        date_order=source.date_order, loaded_by=loaded_by(source.name))
            except Exception as error:  # one file's failure never stops the watcher
                if self._stopping.is_set() or not self._still_held(connection):
                    # The store closed under the load (the server stopping, or an erasure rewriting the store):
                    # nothing of the file was stored, and it is tried again at the next round.
                    log.warning("loading %s from watched folder ‘%s’ was interrupted (%s); it is tried again",
                                name, source.name, type(error).__name__)
                    return None
                log.exception("loading %s from watched folder ‘%s’ failed", name, source.name)
                detail = mask(str(error).splitlines()[0]) if str(error) else "no detail"
                return self._set_aside(connection, source, path, seen, sha256, started,
                                       f"{name}: could not be loaded ({type(error).__name__}: {detail}); nothing "
                                       "from it was stored")
        finally:
            copy.unlink(missing_ok=True)
        if isinstance(result, uploading.Refused):
            return self._set_aside(connection, source, path, seen, sha256, started, result.message)
        return self._record(connection, source, seen, started, LOADED, upload_id=result.upload_id,
                            rows_loaded=int(result.report.rows_loaded))

    def _still_held(self, connection) -> bool:
        """Whether `connection` is still the store's connection (an erasure's rewrite opens a new one)."""
        try:
            return self.connection() is connection
        except Exception:  # noqa: BLE001 - the store cannot be opened now: not the same connection
            return False

    def _set_aside(self, connection, source: WatchSource, path: Path, seen: dict, sha256: str | None,
                   started: float, reason: str) -> Outcome:
        seen["sha256"] = sha256 or ""
        moved_to, problem = _move_aside(path, source.name, reason)
        if problem:
            reason = f"{reason} (it could not be moved aside: {problem}; it stays and is not tried again)"
        return self._record(connection, source, seen, started, REFUSED, reason=reason,
                            moved_to=str(moved_to.parent / mask_file_name(moved_to.name)) if moved_to else None)

    def _record(self, connection, source: WatchSource, seen: dict, started: float, outcome: str, *,
                upload_id: int | None = None, rows_loaded: int | None = None, reason: str | None = None,
                moved_to: str | None = None) -> Outcome:
        cursor = connection.cursor()
        try:
            with WRITE_LOCK:
                cursor.execute(
                    "INSERT INTO watched_files (sha256, source, file_name, size, modified_at, seen_at, outcome, "
                    "upload_id, reason, moved_to) VALUES ($sha256, $source, $file_name, $size, $modified_at, "
                    "$seen_at, $outcome, $upload_id, $reason, $moved_to)",
                    {**seen, "seen_at": _now(), "outcome": outcome, "upload_id": upload_id, "reason": reason,
                     "moved_to": moved_to})
        finally:
            cursor.close()
        audit.record("watch", source=source.name, file=seen["file_name"], outcome=outcome, upload_id=upload_id,
                     rows_loaded=rows_loaded, reason=reason, moved_to=moved_to,
                     ms=round((time.monotonic() - started) * 1000))
        return Outcome(source.name, seen["file_name"], outcome, upload_id, rows_loaded, reason, moved_to)


def loaded_by(source: str) -> str:
    """Who the upload history says loaded a watched folder's file."""
    return f"watched folder ‘{source}’"


def _offered(name: str, pattern: str) -> bool:
    """A name the pattern matches (upper and lower case alike), neither hidden nor a transfer's unfinished file."""
    folded = name.lower()
    return (not name.startswith(".") and not folded.endswith(UNFINISHED_SUFFIXES)
            and fnmatch.fnmatchcase(folded, pattern.lower()))


def _seen_before(connection, seen: dict) -> bool:
    """This very file (source, name, size, modification time) was taken before. A file that was set aside and
    moved counts only while it is away: put back in the folder (fixed, or after its source's settings were), it
    is tried again."""
    cursor = connection.cursor()
    try:
        return bool(cursor.execute(
            "SELECT count(*) FROM watched_files WHERE source = $source AND file_name = $file_name AND size = $size "
            "AND modified_at = $modified_at AND (outcome <> $refused OR moved_to IS NULL)",
            {**seen, "refused": REFUSED}).fetchall()[0][0])
    finally:
        cursor.close()


def _loaded_before(connection, sha256: str) -> int | None:
    """The upload that brought this content already: one a watched folder loaded (even if undone since: a file is
    loaded once), or any upload still in the store (not the sample). Both hash the file's own bytes."""
    cursor = connection.cursor()
    try:
        rows = cursor.execute(
            "SELECT upload_id FROM watched_files WHERE sha256 = $sha256 AND outcome = $loaded "
            "UNION ALL SELECT upload_id FROM uploads WHERE sha256 = $sha256 AND removed_at IS NULL AND NOT is_sample "
            "ORDER BY upload_id LIMIT 1", {"sha256": sha256, "loaded": LOADED}).fetchall()
    finally:
        cursor.close()
    return int(rows[0][0]) if rows else None


def _private_copy(path: Path, folder: Path) -> tuple[Path, str]:
    """Copy the file into the store's private folder (readable by this account only), hashing it on the way;
    the copy's path (same suffixes, so `.gz` still means gzip) and the SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    source = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        handle, name = tempfile.mkstemp(prefix=COPY_PREFIX, suffix=uploading.copy_suffix(path.name), dir=folder)
        try:
            with os.fdopen(handle, "wb") as copy:
                while chunk := os.read(source, CHUNK):
                    digest.update(chunk)
                    copy.write(chunk)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise
    finally:
        os.close(source)
    return Path(name), digest.hexdigest()


def _move_aside(path: Path, source: str, reason: str) -> tuple[Path | None, str | None]:
    """Move a file that cannot be loaded into `not-loaded/` of its folder (a name of its own there), with its reason
    beside it; (where it went, None) or (None, why it could not be moved)."""
    aside = path.parent / NOT_LOADED
    try:
        aside.mkdir(exist_ok=True)
        target = _free_name(aside, path.name)
        os.rename(path, target)
    except OSError as error:
        log.warning("watched folder ‘%s’: %s could not be moved aside (%s)", source, mask_file_name(path.name),
                    type(error).__name__)
        return None, type(error).__name__
    try:
        target.with_name(target.name + REASON_SUFFIX).write_text(
            f"{reason}\n\nSet aside by watched folder ‘{source}’ on {_now():%d %b %Y %H:%M} UTC. Put the file back "
            "in the folder (fixed, or once the source's settings are) to load it again.\n", encoding="utf-8")
    except OSError as error:
        log.warning("watched folder ‘%s’: the reason for %s could not be written (%s)", source,
                    mask_file_name(path.name), type(error).__name__)
    return target, None


def _free_name(folder: Path, name: str) -> Path:
    """`name` in `folder`, or `stem (2).csv`, `stem (3).csv`... when a file of that name is there already."""
    target = folder / name
    if not target.exists() and not target.is_symlink():
        return target
    suffixes = "".join(Path(name).suffixes[-2:] if name.lower().endswith(".gz") else Path(name).suffixes[-1:])
    stem = name[: len(name) - len(suffixes)] if suffixes else name
    number = 2
    while (folder / f"{stem} ({number}){suffixes}").exists() or (folder / f"{stem} ({number}){suffixes}").is_symlink():
        number += 1
    return folder / f"{stem} ({number}){suffixes}"


def _utc(nanoseconds: int) -> datetime:
    """A file's modification time as the store keeps times: UTC, to the microsecond."""
    return datetime(1970, 1, 1) + timedelta(microseconds=nanoseconds // 1000)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
