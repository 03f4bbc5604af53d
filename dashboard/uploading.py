"""Uploading one export: load it, preview it under a column mapping, save that mapping as a profile.

The Data page and the command line both go through here and get structured outcomes back: `Loaded` (the
upload's report), `Refused` (nothing stored, one line saying why, and the file's header when mapping its
columns could help) and `Previewed` (what a load would do, with each date column's order and why). Who
may act, and where an upload's bytes are kept, stay with the caller: this module takes a path.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from dashboard import audit, profiles, store
from dashboard.confinement import private_folder
from dashboard.formats import CANONICAL_COLUMNS, fold_header, suggested_sources
from dashboard.identities import mask
from dashboard.ingest import (
    DATE_ORDER_WORDS,
    MappingLooksWrong,
    Preview,
    UploadReport,
    ingest_file,
    preview_file,
)
from dashboard.profiles import ITEM, VALUE, Profile, ProfileError
from dashboard.reading import UnusableFile, open_export
from dashboard.store import SavedMapping, StoreError

# What the Data page's file chooser takes (a `.gz` holds one of the others): the layouts reading.py reads.
UPLOAD_TYPES = ("csv", "tsv", "txt", "jsonl", "ndjson", "json", "parquet", "gz")

# Why a date column is read in the order it is (DateOrder.why).
FIRST_FIELD_OVER_12 = "a first field over 12"
SECOND_FIELD_OVER_12 = "a second field over 12"
AS_CHOSEN = "as chosen: none of its dates tells the order"


# --- Outcomes ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Refused:
    """A file nothing was stored from. `message` is the one line a person sees (masked, naming the file);
    `header` is the file's header when a column mapping could make it loadable (a required column the
    layout cannot make, or a mapping that looks wrong), else None."""

    file: str
    message: str
    header: tuple[str, ...] | None
    kind: str
    # A mapping that looks wrong (JSON text as purposes, say): it loads only when asked on purpose.
    needs_confirmation: bool = False

    @property
    def mappable(self) -> bool:
        return self.header is not None


@dataclass(frozen=True)
class Loaded:
    """A file loaded into the store: its report, how its columns were read, and the mapping it was saved as."""

    report: UploadReport
    # The profile's title ("Usercentrics consent history (CSV)"); "" for the canonical columns or a mapping.
    title: str = ""
    mapped: bool = False
    saved_as: Profile | None = None
    save_error: str | None = None

    @property
    def file(self) -> str:
        return self.report.file

    @property
    def upload_id(self) -> int:
        return int(self.report.upload_id)

    @property
    def rows_set_aside(self) -> int:
        return int(self.report.rows_set_aside)

    @property
    def set_aside(self) -> list[tuple[str, int]]:
        """(reason, rows) of the rows the profile set aside, most rows first."""
        return [(str(reason), int(count)) for reason, count in self.report.set_aside]


@dataclass(frozen=True)
class DateOrder:
    """How one date column's slash dates are read (`mdy` or `dmy`), and why."""

    column: str
    order: str
    why: str

    @property
    def words(self) -> str:
        return DATE_ORDER_WORDS[self.order]


@dataclass(frozen=True)
class Previewed:
    """What loading a file would do (ingest's Preview: rows, rejects, warnings), and each date column's order."""

    preview: Preview
    date_orders: tuple[DateOrder, ...]


@dataclass(frozen=True)
class Held:
    """A file kept (its private copy) until its columns are mapped, then loaded or dropped."""

    number: int  # names it among the files one session holds (and its widgets on the page)
    path: Path
    file: str
    kind: str
    header: tuple[str, ...]
    date_order: str
    # Why loading it as it is failed; None when the analyst chose to map it.
    refusal: Refused | None = None

    @property
    def asked(self) -> bool:
        return self.refusal is None

    def drop(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class MappingStart:
    """Where the mapping screen starts for a header: each canonical column's pre-selected source column,
    and the profile (shipped or saved) or old saved mapping those choices come from."""

    choices: dict[str, str | None]
    profile: Profile | None = None  # its rules stay for every column the analyst leaves to it
    saved_mapping: SavedMapping | None = None  # an old mapping kept in the store (before profiles)
    # Columns the profile makes by a rule other than taking one column (first of several, a constant, a key).
    ruled: tuple[str, ...] = field(default_factory=tuple)

    @property
    def saved(self) -> bool:
        """The header is one an analyst saved a mapping for."""
        return self.saved_mapping is not None or (self.profile is not None and self.profile.saved)

    @property
    def name(self) -> str:
        if self.profile is not None:
            return self.profile.title or self.profile.name
        return self.saved_mapping.name if self.saved_mapping is not None else ""


# --- Files ---------------------------------------------------------------------------------------------------

def copy_suffix(file_name: str) -> str:
    """A suffix for an upload's private copy that keeps what the reader relies on (`.gz` means gzip)."""
    suffixes = [suffix.lower() for suffix in Path(file_name).suffixes[-2:]]
    plain = [suffix for suffix in suffixes if suffix.lstrip(".") in UPLOAD_TYPES and suffix != ".gz"]
    inner = plain[-1] if plain else ".csv"
    return inner + ".gz" if suffixes and suffixes[-1] == ".gz" else inner


def keep_copy(upload, file_name: str, folder: Path, prefix: str) -> Path:
    """Copy an upload (a file-like object holding its bytes) into `folder`, named `prefix...`; its path.

    The readers take a path, and an upload is in memory; the caller chooses the folder (the store's private
    one) and the prefix (which says whose copy it is), and deletes the copy when done.
    """
    with tempfile.NamedTemporaryFile(prefix=prefix, dir=folder, suffix=copy_suffix(file_name),
                                     delete=False) as handle:
        upload.seek(0)
        shutil.copyfileobj(upload, handle, length=1 << 20)
    return Path(handle.name)


def header_of(connection, path: Path, file: str) -> list[str]:
    """A file's header as written; UnusableFile (one masked line) when the file cannot be read."""
    try:
        opened = open_export(Path(path), file, work_dir=private_folder(connection))
    except UnusableFile as error:
        raise UnusableFile(mask(str(error))) from None
    opened.cleanup()
    return opened.header


def hold(connection, number: int, path: Path, file: str, kind: str, date_order: str, *,
         refusal: Refused | None = None) -> Held | Refused:
    """Keep a file for its column mapping, asked for or after `refusal`; the refusal when it cannot be read."""
    if refusal is not None and refusal.header is not None:
        return Held(number, Path(path), file, kind, refusal.header, date_order, refusal)
    try:
        header = header_of(connection, path, file)
    except UnusableFile as error:
        return Refused(file, str(error), None, kind)
    return Held(number, Path(path), file, kind, tuple(header), date_order, refusal)


# --- Loading -------------------------------------------------------------------------------------------------

def load(connection, kind: str, path: Path, *, file: str, date_order: str = "mdy", format: str = "auto",
         mapping: dict[str, str] | None = None, loaded_by: str | None = None,
         confirm: bool = False) -> Loaded | Refused:
    """Load one file into the store: Loaded, or Refused with nothing stored.

    `file` is the name the file is shown and kept by (masked where it arrived). `format` names a profile
    (auto: the header decides) and `mapping` takes canonical columns from other columns on top of it.
    Errors nobody caused by their file (a bug, a full disk) are raised: each caller reports them its way.
    """
    started = time.monotonic()
    try:
        report = ingest_file(connection, kind, Path(path), format=format, date_order=date_order, mapping=mapping,
                             loaded_by=loaded_by, display_name=file, confirm=confirm)
    except (UnusableFile, StoreError) as error:
        outcome = _refusal(error, kind, file) if isinstance(error, UnusableFile) else Refused(file, str(error), None,
                                                                                               kind)
        audit.record("refusal", who=loaded_by or store.local_user(), kind=kind, file=file, reason=outcome.message,
                     ms=_since(started))
        return outcome
    audit.record("upload", who=loaded_by or store.local_user(), kind=kind, file=file, upload_id=int(report.upload_id),
                 rows_read=int(report.rows_read), rows_loaded=int(report.rows_loaded),
                 rows_rejected=int(report.rows_rejected), ms=_since(started))
    return Loaded(report, title=_title_of(report.format), mapped=bool(mapping))


def _since(started: float) -> int:
    return round((time.monotonic() - started) * 1000)


def _title_of(format_name: str) -> str:
    if format_name in ("canonical", "mapped"):
        return ""
    profile = profiles.find_profile(format_name)
    return profile.title if profile is not None and profile.title else format_name


# How the upload history names the two formats that are no profile.
FORMAT_TITLES = {"canonical": "Canonical columns", "mapped": "Columns mapped by hand"}


def format_title(format_name: str) -> str:
    """How a file was read, in words: a profile's title ("Transcend privacy requests (CSV)"), or the canonical
    columns, or a mapping made by hand; a profile no longer installed by its name."""
    return FORMAT_TITLES.get(format_name) or _title_of(format_name)


def load_held(connection, held: Held, mapping: dict[str, str], *, date_order: str, based_on: Profile | None = None,
              save_as: str = "", saved_by: str = "", loaded_by: str | None = None,
              confirm: bool = False) -> Loaded | Refused:
    """Load a held file with the analyst's mapping (on top of the profile it started from), then save the
    mapping as a profile when it has a name. A name that cannot be saved refuses before anything is loaded."""
    problem = profile_title_problem(save_as) if save_as.strip() else None
    if problem:
        return Refused(held.file, f"{held.file}: not loaded: {problem}", held.header, held.kind)
    outcome = load(connection, held.kind, held.path, file=held.file, date_order=date_order,
                   format=based_on.name if based_on is not None else "auto", mapping=mapping, loaded_by=loaded_by,
                   confirm=confirm)
    if isinstance(outcome, Refused) or not save_as.strip():
        return _as_mapped(outcome)
    try:
        saved = save_mapping(save_as, held.kind, list(held.header), mapping, based_on=based_on, saved_by=saved_by)
    except (ProfileError, OSError) as error:
        return _as_mapped(outcome, save_error=f"The file was loaded, but the mapping could not be saved as "
                                              f"‘{save_as.strip()}’ ({error}).")
    return _as_mapped(outcome, saved_as=saved)


def _as_mapped(outcome: Loaded | Refused, **changes) -> Loaded | Refused:
    if isinstance(outcome, Refused):
        return outcome
    return Loaded(outcome.report, title=outcome.title, mapped=True, **changes)


# --- Previewing ----------------------------------------------------------------------------------------------

def preview(connection, kind: str, path: Path, *, file: str, date_order: str = "mdy", format: str = "auto",
            mapping: dict[str, str] | None = None, confirm: bool = False, limit: int = 10) -> Previewed | Refused:
    """What loading the file would do, nothing stored: Previewed, or Refused with the reason."""
    try:
        chosen = preview_file(connection, kind, Path(path), format=format, date_order=date_order, mapping=mapping,
                              display_name=file, limit=limit, confirm=confirm)
    except UnusableFile as error:
        return _refusal(error, kind, file)
    return Previewed(chosen, date_orders_of(chosen))


def _refusal(error: UnusableFile, kind: str, file: str) -> Refused:
    """What a load or a preview that could not be done says, with the header a mapping could start from
    (the refusal carries it when only the columns did not fit)."""
    header = tuple(error.header) if error.header is not None else None
    # A mapping that looks wrong: another mapping may be right, or the analyst loads it as it is, on purpose.
    return Refused(file, str(error), header, kind, needs_confirmation=isinstance(error, MappingLooksWrong))


def date_orders_of(preview: Preview) -> tuple[DateOrder, ...]:
    """Each date column's order and why, from the counts that decided it: a column none of whose dates has
    a field over 12 follows the choice."""
    decided = []
    for column, order in preview.date_orders.items():
        day_first, month_first, _ambiguous = preview.date_evidence.get(column, (0, 0, 0))
        if not day_first and not month_first:
            why = AS_CHOSEN
        else:
            why = FIRST_FIELD_OVER_12 if order == "dmy" else SECOND_FIELD_OVER_12
        decided.append(DateOrder(column, order, why))
    return tuple(decided)


# --- Mappings and profiles -----------------------------------------------------------------------------------

def mapping_start(connection, kind: str, header: list[str]) -> MappingStart:
    """Where the mapping screen starts: a profile saved for this very header, else a profile that recognises
    it, else a mapping saved in the store before profiles, else the columns likely by their names."""
    profile = profiles.saved_profile_for(kind, header) or profiles.recognise(kind, header)
    if profile is not None:
        return _start_from_profile(profile, header)
    cursor = connection.cursor()
    try:
        old = store.mapping_for_header(cursor, kind, header)
    finally:
        cursor.close()
    if old is not None:
        # The saved mapping names the columns as the first file wrote them; this file may differ in case or spacing.
        by_folded = {fold_header(name): name for name in reversed(header)}
        return MappingStart({column: by_folded.get(fold_header(old.columns[column])) if column in old.columns else None
                             for column, _required in CANONICAL_COLUMNS[kind]}, saved_mapping=old)
    return MappingStart(suggested_sources(kind, header))


def _start_from_profile(profile: Profile, header: list[str]) -> MappingStart:
    by_folded = {fold_header(name): name for name in reversed(header)}
    choices: dict[str, str | None] = {}
    ruled = []
    for column, _required in CANONICAL_COLUMNS[profile.kind]:
        spec = profile.columns.get(column)
        simple = isinstance(spec, str) and spec not in (ITEM, VALUE)
        choices[column] = by_folded.get(fold_header(spec)) if simple else None
        if spec is not None and not simple:
            ruled.append(column)
    return MappingStart(choices, profile=profile, ruled=tuple(ruled))


def find_mapping(connection, name: str) -> Profile | SavedMapping | None:
    """A mapping by the name it was saved under: a profile (by its name, or the name it takes from a title
    such as `Shop consent`) first, then a mapping the store kept from before profiles."""
    profile = profiles.find_profile(name.strip()) or (
        profiles.find_profile(profiles.profile_name_of(name)) if profiles.profile_name_of(name) else None)
    if profile is not None:
        return profile
    cursor = connection.cursor()
    try:
        return store.saved_mapping(cursor, name)
    finally:
        cursor.close()


def saved_profile_named(title: str) -> Profile | None:
    """The profile an analyst saved that saving under `title` would replace, if any."""
    name = profiles.profile_name_of(title)
    profile = profiles.find_profile(name) if name else None
    return profile if profile is not None and profile.saved else None


def profile_title_problem(title: str) -> str | None:
    """Why a mapping cannot be saved under `title` (one line), or None."""
    name = profiles.profile_name_of(title)
    if not name:
        return "a saved mapping needs a name with letters or digits"
    taken = profiles.find_profile(name)
    if taken is not None and not taken.saved:
        return f"‘{name}’ is the name of a shipped profile; choose another name"
    return None


def save_mapping(title: str, kind: str, header: list[str], mapping: dict[str, str], *,
                 based_on: Profile | None = None, saved_by: str = "") -> Profile:
    """Save a mapping as a profile file (profiles.save_profile): files with this header are then recognised
    by it. Starting from a shipped profile keeps its words and set-aside rules. ProfileError when it cannot."""
    return profiles.save_profile(title, kind, list(header), dict(mapping), based_on=based_on, saved_by=saved_by)
