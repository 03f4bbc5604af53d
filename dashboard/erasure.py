"""Erasure: a person's rows leave the store, and the store file is rewritten so that nothing of them stays in it."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from dashboard import audit, summaries
from dashboard.store import WRITE_LOCK, StoreError, bump_store_version, local_user, work_dir

# What stands in a file name or warning of the upload history where an erased person's identifier was.
ERASED = "[erased]"
# Set in the erasure's transaction, cleared in the rewritten file: an erasure whose rewrite did not happen
# (a process killed in between, a store taken by another program) is finished by the next `forget`.
REWRITE_PENDING = "rewrite_pending"
REWRITE_PREFIX = "rewrite-"
LONGEST_IDENTITY = 320
# `Jane Doe <jane.doe@example.com>`: the address is the identity.
_NAMED_ADDRESS = re.compile(r"[^<>]*<\s*([^<>\s]+@[^<>\s]+)\s*>\s*")


class BadIdentity(ValueError):
    """An identity that cannot be looked for; its text is the whole message (it never repeats the identity)."""


@dataclass(frozen=True)
class Person:
    """One identity given, as the store keeps it."""

    number: int  # its place among the identities given, the only way messages name it
    identity: str
    stored: str  # the pseudonym: of an e-mail address or phone number, else of the text as given (trimmed)
    is_identifier: bool


@dataclass(frozen=True)
class Erasure:
    """What one erasure did: counts only, never who."""

    given: int  # identities given
    people: int  # people found (identities that are one person count once)
    not_found: tuple[int, ...]  # the places of the identities not found
    consent_rows: int
    request_rows: int
    values_cleared: int
    rewrite_needed: bool

    def summary(self, *, rewritten: bool) -> str:
        """One line for the person who asked: what left the store, and which identities (by number) were absent."""
        given = self.given
        if not self.people:
            text = (f"Not in the store: none of the {_plural(given, 'identity', 'identities')} given; "
                    "nothing was erased")
            if rewritten:
                text += " (the store file was rewritten to finish an earlier erasure)"
            return text + "."
        text = (f"Erased {_plural(self.people, 'person', 'people')}: "
                f"{_plural(self.consent_rows, 'consent row')} and {_plural(self.request_rows, 'request version')} "
                f"removed, {_plural(self.values_cleared, 'value')} cleared from rejected rows and the history")
        if rewritten:
            text += "; the store file was rewritten without them"
        if self.not_found:
            numbers = ", ".join(str(number) for number in self.not_found)
            text += f"; not in the store: identit{'y' if len(self.not_found) == 1 else 'ies'} {numbers} of {given}"
        return text + "."


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else plural or word + 's'}"


def checked(identities: list[str]) -> list[str]:
    """The identities as they will be looked for; BadIdentity names the first unusable one by its number."""
    cleaned = []
    for number, identity in enumerate(identities, start=1):
        identity = identity.strip()
        named = _NAMED_ADDRESS.fullmatch(identity)
        if named:
            identity = named.group(1)
        if not identity:
            raise BadIdentity(f"identity {number} is empty: give an e-mail address, a phone number or a customer "
                              "number as the exports write it")
        if len(identity) > LONGEST_IDENTITY:
            raise BadIdentity(f"identity {number} is longer than {LONGEST_IDENTITY} characters: not an identifier "
                              "the store keeps")
        if any(ord(character) < 32 or ord(character) == 127 for character in identity):
            raise BadIdentity(f"identity {number} holds control characters: give one identity per argument or line")
        cleaned.append(identity)
    if not cleaned:
        raise BadIdentity("no identity given: give an e-mail address, a phone number or a customer number")
    return cleaned


def identities_in(text: str) -> list[str]:
    """The identities typed one per line (blank lines ignored)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _people(cursor, identities: list[str]) -> list[Person]:
    """Each identity as the store keeps it: the same rule and key as loading (ingest_consent.sql,
    subject_words): the pseudonym of an e-mail address or phone number, else of the trimmed text."""
    people = []
    for number, identity in enumerate(identities, start=1):
        is_identifier, stored = cursor.execute(
            "SELECT looks_like_identifier($identity), "
            "CASE WHEN looks_like_identifier($identity) THEN pseudonym(identity_of($identity)) "
            "ELSE pseudonym(trim($identity)) END",
            {"identity": identity},
        ).fetchone()
        people.append(Person(number, identity, stored, bool(is_identifier)))
    return people


def _token_pattern(text: str) -> str:
    """A case-blind regular expression for `text` standing alone (not inside a longer word), for DuckDB's RE2."""
    return f"(?i)(^|[^a-z0-9]){re.escape(text)}($|[^a-z0-9])"


def forget(connection, identities: list[str], *, erased_by: str | None = None) -> Erasure:
    """Remove every row of these people, in one transaction, and record that an erasure happened.

    Consent rows of the person go; a request whose subject (in any of its versions) is the person goes
    whole, every version of it, and so does one whose id is the person's e-mail address or phone number.
    A rejected row whose value holds the person's e-mail address or phone number keeps its line and reason
    but loses its value: the upload's count of rejected rows stays true, and a reason never names anyone.
    The upload history's file names and warnings lose the identifier the same way. The summaries are
    computed afresh. The file still holds the freed blocks until `rewrite` copies it.
    """
    identities = checked(identities)
    with WRITE_LOCK:
        connection.execute("BEGIN TRANSACTION")
        try:
            people = _people(connection, identities)
            found, not_found = set(), []
            consent_rows = request_rows = values_cleared = 0
            for person in people:
                removed = _forget_one(connection, person)
                if any(removed):
                    found.add(person.stored)
                elif person.stored not in found:
                    not_found.append(person.number)
                consent_rows += removed[0]
                request_rows += removed[1]
                values_cleared += removed[2]
            if not found:
                connection.execute("ROLLBACK")
                return Erasure(len(people), 0, tuple(not_found), 0, 0, 0, _rewrite_pending(connection))
            if consent_rows:
                summaries.rebuild(connection)
            elif request_rows:
                summaries.refresh_requests(connection)
            connection.execute(
                """
                INSERT INTO erasures
                SELECT coalesce(max(erasure_id), 0) + 1, $at, $by, $people, $consent_rows, $request_rows, $cleared
                FROM erasures
                """,
                {"at": datetime.now(UTC).replace(tzinfo=None), "by": erased_by or local_user(), "people": len(found),
                 "consent_rows": consent_rows, "request_rows": request_rows, "cleared": values_cleared},
            )
            connection.execute("INSERT OR REPLACE INTO store_meta VALUES ($key, '1')", {"key": REWRITE_PENDING})
            bump_store_version(connection)
            connection.execute("COMMIT")
        except duckdb.Error as error:
            connection.execute("ROLLBACK")
            # The database's words are not repeated: they could quote a value, and so an identity.
            raise StoreError(f"the erasure failed ({type(error).__name__}); nothing was erased") from None
        except BaseException:
            connection.execute("ROLLBACK")
            raise
    # Counts only: whom is never written anywhere.
    audit.record("erasure", who=erased_by or local_user(), people=len(found), consent_rows=consent_rows,
                 request_rows=request_rows, values_cleared=values_cleared)
    return Erasure(len(people), len(found), tuple(not_found), consent_rows, request_rows, values_cleared, True)


def _forget_one(cursor, person: Person) -> tuple[int, int, int]:
    """Inside the erasure's transaction: (consent rows, request versions, values cleared) for one person."""
    # The lists of which uploads brought the person's rows go with the rows (store.py, holders).
    cursor.execute(
        "DELETE FROM consent_holders WHERE event_id IN (SELECT event_id FROM consent WHERE subject_id = $stored)",
        {"stored": person.stored},
    )
    consent_rows = cursor.execute(
        "DELETE FROM consent WHERE subject_id = $stored", {"stored": person.stored}).fetchone()[0]
    # A request id is matched only against e-mail addresses and phone numbers: a customer number and
    # another person's request number are too easily the same digits.
    request_ids = [person.identity.lower(), person.stored] if person.is_identifier else []
    # Every version of each such request; the list of which uploads brought them first, while the
    # versions still say whose requests they are.
    theirs = """(request_id, request_type) IN (
        SELECT (request_id, request_type) FROM request_versions
        WHERE subject_id = $stored OR list_contains($request_ids::VARCHAR[], lower(trim(request_id))))"""
    requested = {"stored": person.stored, "request_ids": request_ids}
    cursor.execute(f"DELETE FROM request_holders WHERE {theirs}", requested)
    request_rows = cursor.execute(f"DELETE FROM request_versions WHERE {theirs}", requested).fetchone()[0]
    if not person.is_identifier:
        # A customer number is never kept in a rejected value: no column that holds one is rejected with
        # its value, and digits there (a date, a count) are not the person.
        return consent_rows, request_rows, 0
    found = {"pattern": _token_pattern(person.identity), "pseudonym": person.stored}
    cleared = cursor.execute(
        """
        UPDATE rejected_rows SET value = NULL
        WHERE value IS NOT NULL AND (regexp_matches(value, $pattern) OR contains(value, $pseudonym))
        """,
        found,
    ).fetchone()[0]
    # The identity and its pseudonym, each replaced where it stands alone; the boundary characters stay.
    replaced = r"\1" + ERASED + r"\2"
    history = cursor.execute(
        """
        UPDATE uploads
        SET file_name = regexp_replace(replace(file_name, $pseudonym, $erased), $pattern, $replaced, 'g'),
            warnings = list_transform(warnings,
                lambda warning: regexp_replace(replace(warning, $pseudonym, $erased), $pattern, $replaced, 'g'))
        WHERE regexp_matches(file_name, $pattern) OR contains(file_name, $pseudonym)
           OR len(list_filter(warnings,
                lambda warning: regexp_matches(warning, $pattern) OR contains(warning, $pseudonym))) > 0
        """,
        {**found, "erased": ERASED, "replaced": replaced},
    ).fetchone()[0]
    return consent_rows, request_rows, cleared + history


def _rewrite_pending(cursor) -> bool:
    row = cursor.execute("SELECT value FROM store_meta WHERE key = $key", {"key": REWRITE_PENDING}).fetchone()
    return bool(row) and row[0] == "1"


def history(connection) -> list[tuple]:
    """The erasures, newest first: (erasure_id, erased_at, erased_by, people, consent_rows, request_rows,
    values_cleared)."""
    return connection.execute(
        "SELECT erasure_id, erased_at, erased_by, people, consent_rows, request_rows, values_cleared "
        "FROM erasures ORDER BY erasure_id DESC"
    ).fetchall()


def history_line(row: tuple) -> str:
    """One erasure as the history tells it."""
    erasure_id, erased_at, erased_by, people, consent_rows, request_rows, values_cleared = row
    return (f"erasure {erasure_id}  {erased_at:%Y-%m-%d %H:%M} UTC  by {erased_by}: "
            f"{_plural(people, 'person', 'people')}, {_plural(consent_rows, 'consent row')} and "
            f"{_plural(request_rows, 'request version')} removed, {_plural(values_cleared, 'value')} cleared")


def rewrite(path: Path) -> None:
    """Copy the store at `path` (closed) into a fresh file and put that in its place.

    DuckDB does not zero the blocks that deleted rows leave: until the file is rewritten, an erased
    person's rows can still be read from its bytes. Every table, view, macro and sequence is copied
    (DuckDB streams the copy, so memory stays bounded); the key file beside the store is not touched,
    so everyone else keeps their pseudonym. The fresh file is made in a folder only this account can
    enter, readable by its owner only, and replaces the store in one rename.
    """
    path = Path(path)
    if not path.is_file():
        raise StoreError(f"{path}: no store here to rewrite")
    # In the store's private folder (this account only, never committed, on the store's file system so
    # that the rename is atomic). A copy left by a rewrite that was killed goes first.
    folder = work_dir(path)
    folder.mkdir(mode=0o700, exist_ok=True)
    for stale in folder.glob(REWRITE_PREFIX + "*"):
        shutil.rmtree(stale, ignore_errors=True)
    private = Path(tempfile.mkdtemp(prefix=REWRITE_PREFIX, dir=folder))
    try:
        _copy_into_place(path, private)
    except (duckdb.Error, OSError) as error:
        detail = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise StoreError(f"{path}: the store file could not be rewritten ({detail}); {UNFINISHED}") from None
    finally:
        shutil.rmtree(private, ignore_errors=True)


# What a failed rewrite leaves, and how to finish it.
UNFINISHED = ("the erasure is recorded and its rows are gone from every figure, but their bytes may remain in "
              "the file until the next erasure (python -m dashboard forget, or the Data page) rewrites it")


def _copy_into_place(path: Path, private: Path) -> None:
    wal = path.with_name(path.name + ".wal")
    fresh = private / path.name
    copier = duckdb.connect()
    try:
        # Confined like the store's own connection: this one reads the store and writes its private folder.
        # The store, its WAL, and the file DuckDB folds a WAL through when it checkpoints.
        beside = [path, wal, wal.with_name(wal.name + ".checkpoint")]
        copier.execute("SET allowed_paths = $files", {"files": [str(file.resolve()) for file in beside]})
        copier.execute("SET allowed_directories = $folders", {"folders": [str(private.resolve()) + os.sep]})
        copier.execute("SET temp_directory = $spill", {"spill": str(private / "spill")})
        # A bound of its own, whatever the store's size: past it DuckDB spills to the private folder.
        copier.execute("SET memory_limit = '1GB'")
        # Output is one line of counts (and a page's message), never a progress bar on the terminal.
        copier.execute("SET enable_progress_bar = false")
        copier.execute("SET enable_external_access = false")
        copier.execute("SET lock_configuration = true")
        if wal.exists():
            # A WAL left by a process that stopped: folded into the file first, so that no WAL can
            # outlive the file it belongs to.
            _attach(copier, "ATTACH $path AS pending", path)
            copier.execute("DETACH pending")
        # Attached until the rename: its lock keeps any writer out between the copy and the replacement.
        _attach(copier, "ATTACH $path AS old (READ_ONLY)", path)
        copier.execute("ATTACH $path AS fresh", {"path": str(fresh)})
        copier.execute("COPY FROM DATABASE old TO fresh")
        copier.execute("DELETE FROM fresh.store_meta WHERE key = $key", {"key": REWRITE_PENDING})
        copier.execute("DETACH fresh")
        fresh.chmod(0o600)
        os.replace(fresh, path)
        wal.unlink(missing_ok=True)
        _sync_folder(path.parent)
    finally:
        copier.close()


def _attach(copier, statement: str, path: Path) -> None:
    try:
        copier.execute(statement, {"path": str(path)})
    except duckdb.IOException as error:
        if "lock" in str(error).lower():
            raise StoreError(f"{path}: the store is in use by another program, so its file was not rewritten; "
                             f"{UNFINISHED}") from None
        raise


def _sync_folder(folder: Path) -> None:
    """The rename survives a power cut: the folder's entry is written to disk."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
