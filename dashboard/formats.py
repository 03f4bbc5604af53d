"""Export formats: each kind's canonical columns, and how a file's header is matched to them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from dashboard.reading import UnusableFile

KINDS = ("consent", "requests", "policies")

# (column, required) in the order of the data contract.
CANONICAL_COLUMNS = {
    "consent": (
        ("event_id", False),
        ("subject_id", True),
        ("occurred_at", True),
        ("purpose", True),
        ("decision", True),
        ("policy_version", False),
        ("channel", False),
        ("region", False),
    ),
    "requests": (
        ("request_id", True),
        ("request_type", True),
        ("received_at", True),
        ("status", True),
        ("closed_at", False),
        ("subject_id", False),
        ("jurisdiction", False),
        ("extended", False),
        ("channel", False),
    ),
    "policies": (
        ("policy_version", True),
        ("effective_date", True),
        ("title", False),
        ("url", False),
    ),
}

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


def fold_header(name: str) -> str:
    """`Received At`, `received-at` and `RECEIVED.AT` all become `received_at`."""
    return re.sub(r"[\s.\-]+", "_", name.strip().lower()).strip("_")


@dataclass
class ColumnMapping:
    """Which column of the file (by position) feeds each canonical column."""

    kind: str
    format: str
    sources: dict[str, int]
    identity_columns: list[str] = field(default_factory=list)

    def source_of(self, column: str) -> int | None:
        return self.sources.get(column)


def _missing_message(kind: str, missing: list[str], header: list[str]) -> str:
    found = ", ".join(header) if header else "no columns"
    if len(found) > 300:
        found = found[:300] + "…"
    names = ", ".join(f"`{column}`" for column in missing)
    verb = "is" if len(missing) == 1 else "are"
    noun = "column" if len(missing) == 1 else "columns"
    return f"{noun} {names} {verb} missing for a {kind} export; found: {found}"


def map_columns(
    file_name: str,
    kind: str,
    header: list[str],
    *,
    format: str = "auto",
    overrides: dict[str, str] | None = None,
) -> ColumnMapping:
    """Match a header to the kind's canonical columns; refuse the file when a required one is missing.

    `overrides` maps a canonical column to a source column's name (`--map received_at=Date`).
    """
    if format not in ("auto", "canonical"):
        raise UnusableFile(f"{file_name}: format `{format}` is not known for {kind} exports")
    folded = [fold_header(name) for name in header]
    positions: dict[str, int] = {}
    for index, name in enumerate(folded):
        positions.setdefault(name, index)

    sources: dict[str, int] = {}
    for column, _required in CANONICAL_COLUMNS[kind]:
        if column in positions:
            sources[column] = positions[column]
    for column, source in (overrides or {}).items():
        if column not in dict(CANONICAL_COLUMNS[kind]):
            known = ", ".join(name for name, _ in CANONICAL_COLUMNS[kind])
            raise UnusableFile(f"{file_name}: --map names `{column}`, not a {kind} column ({known})")
        if fold_header(source) not in positions:
            raise UnusableFile(
                f"{file_name}: --map {column}={source}: the file has no column `{source}`; "
                f"found: {', '.join(header)}"
            )
        sources[column] = positions[fold_header(source)]

    missing = [column for column, required in CANONICAL_COLUMNS[kind] if required and column not in sources]
    if missing:
        raise UnusableFile(f"{file_name}: " + _missing_message(kind, missing, header))

    used = set(sources.values())
    identity = [
        header[index]
        for index, name in enumerate(folded)
        if index not in used and IDENTITY_HEADERS.fullmatch(name)
    ]
    return ColumnMapping(kind=kind, format="canonical", sources=sources, identity_columns=identity)
