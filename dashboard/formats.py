"""Export formats: each kind's canonical columns, and which profile a file's header is read with."""

from __future__ import annotations

import re
from dataclasses import replace

from dashboard.profiles import (
    CANONICAL_COLUMNS,
    KINDS,
    CompiledProfile,
    MissingColumns,
    ProfileError,
    canonical_profile,
    compile_profile,
    find_profile,
    fold_header,
    load_profiles,
    recognise,
)
from dashboard.reading import UnusableFile

__all__ = ["CANONICAL_COLUMNS", "KINDS", "TIMESTAMP_COLUMNS", "fold_header", "format_names", "map_columns"]

# Columns whose values are dates or times, each read with a date order decided per column.
TIMESTAMP_COLUMNS = {
    "consent": ("occurred_at",),
    "requests": ("received_at", "closed_at"),
    "policies": ("effective_date",),
}

# Headers that name direct identifiers. Their values never reach the store.
IDENTITY_HEADERS = re.compile(
    r"(e_?mail(_address)?|phone(_number)?|mobile|telephone|(first_|last_|full_|given_|family_|sur)?name"
    r"|address|street|postcode|zip(_code)?|ssn|date_of_birth|dob|ip(_address)?)"
)


def format_names(kind: str | None = None) -> list[str]:
    """`auto`, `canonical` and every usable profile's name (of one kind, when given)."""
    return ["auto", "canonical", *(profile.name for profile in load_profiles()[0] if kind in (None, profile.kind))]


def detect_format(kind: str, header: list[str]) -> str:
    """The name of the profile that recognises the header, else `canonical`."""
    profile = recognise(kind, header)
    return profile.name if profile else "canonical"


def _found(header: list[str]) -> str:
    """A header as a message lists it: at most 300 characters, so a file of thousands of columns stays one line."""
    found = ", ".join(header) if header else "no columns"
    return found[:300] + f"… ({len(header):,} columns)" if len(found) > 300 else found


def _missing_message(what: str, missing: list[str], header: list[str]) -> str:
    names = ", ".join(f"‘{column}’" for column in missing)
    verb = "is" if len(missing) == 1 else "are"
    noun = "column" if len(missing) == 1 else "columns"
    return f"{noun} {names} {verb} missing for {what}; found: {_found(header)}"


def map_columns(
    file_name: str,
    kind: str,
    header: list[str],
    *,
    format: str = "auto",
    overrides: dict[str, str] | None = None,
) -> CompiledProfile:
    """The profile a file is read with, compiled for its header; UnusableFile (one line) when it cannot be.

    With `format` auto the header decides (a profile that recognises it, else the canonical layout).
    `overrides` maps a canonical column to a source column's name (`--map received_at=Date`), on top of
    the canonical layout or of the profile named by `format`.
    """
    try:
        if format == "auto" and not overrides:
            profile = recognise(kind, header) or canonical_profile(kind)
        elif format in ("auto", "canonical"):
            profile = canonical_profile(kind, overrides)
        else:
            profile = find_profile(format)
            if profile is None:
                raise UnusableFile(f"{file_name}: format ‘{format}’ is not known (known: "
                                   f"{', '.join(format_names()[1:])})")
            if profile.kind != kind:
                raise UnusableFile(f"{file_name}: {profile.name} is a {profile.kind} format, not a {kind} one")
            if overrides:
                profile = replace(profile, columns={**profile.columns, **overrides})
    except ProfileError as error:
        raise UnusableFile(f"{file_name}: {error}") from None
    folded = {fold_header(name) for name in header}
    allowed = dict(CANONICAL_COLUMNS[kind])
    for column, source in (overrides or {}).items():
        if column not in allowed:
            raise UnusableFile(f"{file_name}: --map names ‘{column}’, not a {kind} column ({', '.join(allowed)})")
        if fold_header(source) not in folded:
            raise UnusableFile(f"{file_name}: --map {column}={source}: the file has no column ‘{source}’; "
                               f"found: {_found(header)}")
    try:
        compiled = compile_profile(profile, header)
    except MissingColumns as error:
        what = f"a {kind} export" if profile.name in ("canonical", "mapped") else f"the {profile.name} profile"
        raise UnusableFile(f"{file_name}: " + _missing_message(what, error.missing, header)) from None
    except ProfileError as error:
        raise UnusableFile(f"{file_name}: {error}") from None
    used = {fold_header(name) for name in compiled.identity_columns}
    if profile.name in ("canonical", "mapped"):
        # A plain file's subject_id is a column of its own, not an identity a pseudonym was taken from.
        compiled.identity_columns = []
        used = {fold_header(source) for source in profile.columns.values() if isinstance(source, str)}
    compiled.dropped_columns = [name for name in header
                                if fold_header(name) not in used and IDENTITY_HEADERS.fullmatch(fold_header(name))]
    return compiled


# Names other tools give the canonical columns, for pre-selecting a mapping (first match wins).
LIKELY_NAMES = {
    "event_id": ("event_id", "id", "consent_id", "record_id"),
    "subject_id": ("subject_id", "user_id", "customer_id", "person_id", "device_id", "controller_id", "visitor_id",
                   "profile_id", "member_id"),
    "occurred_at": ("occurred_at", "timestamp", "time", "date", "created_at", "event_time", "recorded_at",
                    "consent_date", "updated_at"),
    "purpose": ("purpose", "purpose_name", "notice", "notice_name", "category", "consent_type", "service"),
    "decision": ("decision", "preference", "choice", "consent", "consent_given", "granted", "opted_in", "status"),
    "policy_version": ("policy_version", "version", "notice_version", "configuration_version"),
    "channel": ("channel", "source", "origin"),
    "region": ("region", "country", "geography", "location", "state"),
    "method": ("method", "consent_method", "collection_method", "mechanism", "signal"),
    "request_id": ("request_id", "id", "ticket_id", "case_id", "reference"),
    "request_type": ("request_type", "type", "right", "request", "action"),
    "received_at": ("received_at", "received", "created_at", "submitted_at", "date_received", "opened_at", "date"),
    "status": ("status", "state", "stage"),
    "closed_at": ("closed_at", "completed_at", "resolved_at", "closed", "completed_on", "date_closed"),
    "jurisdiction": ("jurisdiction", "law", "regulation", "location", "country", "state"),
    "extended": ("extended", "extension", "is_extended"),
    "denial_reason": ("denial_reason", "deny_reason", "denied_reason", "reason_for_denial", "rejection_reason",
                      "refusal_reason", "decline_reason"),
    "effective_date": ("effective_date", "effective", "published_at", "date", "valid_from"),
    "title": ("title", "name"),
    "url": ("url", "link"),
}


def suggested_sources(kind: str, header: list[str]) -> dict[str, str | None]:
    """For each canonical column, the file's column that most likely holds it (by name), or None.

    Exact names are matched for every column before any `..._name` suffix, so `User ID` goes to
    subject_id (suffix `user_id`), not to event_id; the bare `id` only ever matches exactly.
    """
    folded = {fold_header(name): name for name in reversed(header)}
    suggestions: dict[str, str | None] = dict.fromkeys(column for column, _required in CANONICAL_COLUMNS[kind])
    taken: set[str] = set()
    for exact in (True, False):
        for column, found in list(suggestions.items()):
            if found is not None:
                continue
            for likely in LIKELY_NAMES.get(column, (column,)):
                match = next((original for name, original in folded.items() if original not in taken and (
                    name == likely or (not exact and likely != "id" and name.endswith("_" + likely)))), None)
                if match:
                    suggestions[column] = match
                    taken.add(match)
                    break
    return suggestions
