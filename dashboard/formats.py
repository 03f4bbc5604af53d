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
    """How each canonical column is computed from the file's columns, which SQL only knows by position.

    `sources` holds a plain source position per canonical column; `expressions` holds, per canonical
    column of a vendor format, SQL rendered from a template written in this module in which every column
    reference is a generated name (c0, c1, ...). No text from a file ever becomes SQL text: a header only
    decides which position a generated name points to.
    """

    kind: str
    format: str
    sources: dict[str, int]
    identity_columns: list[str] = field(default_factory=list)
    expressions: dict[str, str] = field(default_factory=dict)

    def source_of(self, column: str) -> int | None:
        return self.sources.get(column)

    def expression(self, column: str) -> str | None:
        """The SQL that computes a canonical column from the raw table (columns c0, c1, ...), or None."""
        if column in self.expressions:
            return self.expressions[column]
        source = self.sources.get(column)
        return None if source is None else generated_name(source)


def generated_name(position: int) -> str:
    """The raw table's name for the file's column at `position`: the only way SQL refers to a column."""
    return f"c{int(position)}"


_PLACEHOLDER = re.compile(r"\{([a-z0-9_/]+)\}")


def render(template: str, positions: dict[str, int]) -> str | None:
    """A template of this module with each `{name}` (a folded column name written here) made the generated
    name of that column's position; None when the file lacks one of them."""
    names = _PLACEHOLDER.findall(template)
    if not all(name in positions for name in names):
        return None
    return _PLACEHOLDER.sub(lambda match: generated_name(positions[match.group(1)]), template)


@dataclass(frozen=True)
class VendorFormat:
    """An export format recognised by its header, and how it maps onto the canonical columns.

    `columns` maps a canonical column to a SQL template over the file's folded column names. Templates
    are code written here, never text from a file; `{name}` becomes a generated column reference (render).
    """

    name: str
    kind: str
    signature: frozenset[str]
    columns: dict[str, str]
    # Columns holding direct identifiers, in order of preference: the first one filled, made a pseudonym,
    # is the subject; none is ever stored.
    identity: tuple[str, ...] = ()


def _first_identity_of(references: list[str]) -> str:
    """pseudonym() of the first non-empty of the columns referred to (generated names)."""
    values = [f"nullif(trim({reference}), '')" for reference in references]
    return f"pseudonym(coalesce({', '.join(values)}))" if len(values) > 1 else f"pseudonym({values[0]})"


FIDES_REQUEST_COLUMNS = (
    "status", "request_type", "time_received", "deadline", "reviewed_by", "request_id", "time_approved/denied",
    "denial_reason", "last_updated", "completed_on",
)

VENDOR_FORMATS = (
    VendorFormat(
        name="fides_requests",
        kind="requests",
        signature=frozenset({"status", "request_type", "time_received", "request_id", "completed_on"}),
        columns={
            "request_id": "{request_id}",
            "request_type": "{request_type}",
            "received_at": "{time_received}",
            "status": "{status}",
            # Completed On, else the decision time of a denied request. Fides' own Deadline is computed
            # from the export day, so it is not used.
            "closed_at": "coalesce(nullif(trim({completed_on}), ''), CASE WHEN lower(trim({status})) = 'denied' "
                         "THEN nullif(trim({time_approved/denied}), '') END)",
        },
    ),
    VendorFormat(
        name="fides_consent",
        kind="consent",
        signature=frozenset({"id", "fides_user_device_id", "request_timestamp", "preference", "notice_name"}),
        columns={
            "event_id": "{id}",
            "occurred_at": "{request_timestamp}",
            "purpose": "{notice_name}",
            "decision": "{preference}",
            "region": "{user_geography}",
            "channel": "{request_origin}",
        },
        identity=("fides_user_device_id", "email", "external_id"),
    ),
    VendorFormat(
        name="usercentrics",
        kind="consent",
        signature=frozenset({"controller_id", "timestamp", "data_processing_service_id", "consent_given"}),
        columns={
            "subject_id": "{controller_id}",
            "occurred_at": "{timestamp}",
            "purpose": "{data_processing_service_id}",
            "decision": "{consent_given}",
            "policy_version": "{cmp_configuration_version}",
        },
    ),
)
FORMAT_NAMES = ("auto", "canonical", *(vendor.name for vendor in VENDOR_FORMATS))


def _found(header: list[str]) -> str:
    """A header as a message lists it: at most 300 characters, so a file of thousands of columns stays one line."""
    found = ", ".join(header) if header else "no columns"
    return found[:300] + f"… ({len(header):,} columns)" if len(found) > 300 else found


def _missing_message(kind: str, missing: list[str], header: list[str]) -> str:
    found = _found(header)
    names = ", ".join(f"`{column}`" for column in missing)
    verb = "is" if len(missing) == 1 else "are"
    noun = "column" if len(missing) == 1 else "columns"
    return f"{noun} {names} {verb} missing for a {kind} export; found: {found}"


def detect_format(kind: str, header: list[str]) -> str:
    """The vendor format whose recognising columns the header holds, else `canonical`."""
    folded = {fold_header(name) for name in header}
    for vendor in VENDOR_FORMATS:
        if vendor.kind == kind and vendor.signature <= folded:
            return vendor.name
    return "canonical"


def _vendor_mapping(file_name: str, vendor: VendorFormat, header: list[str], positions: dict[str, int]):
    missing = sorted(vendor.signature - positions.keys())
    if missing:
        raise UnusableFile(
            f"{file_name}: not a {vendor.name} export: "
            + _missing_message(vendor.kind, missing, header).replace(f"for a {vendor.kind} export", "")
            .replace("  ", " ")
        )
    expressions = {}
    for column, template in vendor.columns.items():
        rendered = render(template, positions)
        if rendered is not None:
            expressions[column] = rendered
    identity = [name for name in vendor.identity if name in positions]
    if identity:
        expressions["subject_id"] = _first_identity_of([generated_name(positions[name]) for name in identity])
    folded = [fold_header(name) for name in header]
    if vendor.name == "fides_requests":
        # Fides writes one column per identity type it holds, between its own columns and the Custom Field
        # ones; the first one filled names the person. Their names vary, so they are taken by position.
        identity_positions = [index for index, name in enumerate(folded)
                              if name not in FIDES_REQUEST_COLUMNS and not name.startswith("custom_field")]
        identity = [folded[index] for index in identity_positions]
        if identity_positions:
            expressions["subject_id"] = _first_identity_of([generated_name(index) for index in identity_positions])
        place = next((index for index, name in enumerate(folded) if name.startswith("custom_field")
                      and re.search(r"location|jurisdiction|state|country|region", name)), None)
        if place is not None:
            expressions["jurisdiction"] = generated_name(place)
    shown_identity = [name for name in header if fold_header(name) in identity]
    return ColumnMapping(kind=vendor.kind, format=vendor.name, sources={}, identity_columns=shown_identity,
                         expressions=expressions)


def map_columns(
    file_name: str,
    kind: str,
    header: list[str],
    *,
    format: str = "auto",
    overrides: dict[str, str] | None = None,
) -> ColumnMapping:
    """Match a header to the kind's canonical columns; refuse the file when a required one is missing.

    With `format` auto the header decides (a vendor format's recognising columns, else canonical).
    `overrides` maps a canonical column to a source column's name (`--map received_at=Date`).
    """
    if format not in FORMAT_NAMES:
        raise UnusableFile(f"{file_name}: format `{format}` is not known (known: {', '.join(FORMAT_NAMES[1:])})")
    folded = [fold_header(name) for name in header]
    positions: dict[str, int] = {}
    for index, name in enumerate(folded):
        positions.setdefault(name, index)

    chosen = detect_format(kind, header) if format == "auto" and not overrides else format
    vendor = next((vendor for vendor in VENDOR_FORMATS if vendor.name == chosen), None)
    if vendor is not None:
        if vendor.kind != kind:
            raise UnusableFile(f"{file_name}: {vendor.name} is a {vendor.kind} format, not a {kind} one")
        return _vendor_mapping(file_name, vendor, header, positions)

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
                f"found: {_found(header)}"
            )
        sources[column] = positions[fold_header(source)]
    name = "mapped" if overrides else "canonical"

    missing = [column for column, required in CANONICAL_COLUMNS[kind] if required and column not in sources]
    if missing:
        raise UnusableFile(f"{file_name}: " + _missing_message(kind, missing, header))

    used = set(sources.values())
    identity = [
        header[index]
        for index, name in enumerate(folded)
        if index not in used and IDENTITY_HEADERS.fullmatch(name)
    ]
    return ColumnMapping(kind=kind, format=name, sources=sources, identity_columns=identity)


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
    "channel": ("channel", "source", "origin", "method"),
    "region": ("region", "country", "geography", "location", "state"),
    "request_id": ("request_id", "id", "ticket_id", "case_id", "reference"),
    "request_type": ("request_type", "type", "right", "request", "action"),
    "received_at": ("received_at", "received", "created_at", "submitted_at", "date_received", "opened_at", "date"),
    "status": ("status", "state", "stage"),
    "closed_at": ("closed_at", "completed_at", "resolved_at", "closed", "completed_on", "date_closed"),
    "jurisdiction": ("jurisdiction", "law", "regulation", "location", "country", "state"),
    "extended": ("extended", "extension", "is_extended"),
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
