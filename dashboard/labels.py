"""The one display name of every key: purposes, request types, statuses, jurisdictions, decisions, channels.

Names come from the catalogue files: `data/purposes.csv` (its `label` column) for purposes and
`data/labels.toml` for the rest. Filters, tiles, charts, tables, downloads and the command line's human
output all ask here; keys stay in the URL and in JSON. A key the catalogue does not list is shown as its
words (`web_form` is "Web form"), so a new value an export brings still reads well.

The catalogue's order is the order of lists, legends and colours (charts/palette.py).
"""

from __future__ import annotations

import csv
import math
import tomllib
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
LABELS_FILE = DATA_DIR / "labels.toml"
PURPOSES_FILE = DATA_DIR / "purposes.csv"

# The fields with display names. `policy_version` keys are their own names (a version is what people call it).
FIELDS = ("purpose", "request_type", "status", "health", "jurisdiction", "denial_category", "decision", "channel",
          "request_channel", "region", "policy_version", "method")
# The sidebar's request-channel filter shares the channel words.
SAME_AS = {"request_channel": "channel"}


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


@cache
def _read_catalogue(labels_stamp, purposes_stamp) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """{field: {key: name}} in the files' order, and {purpose: the policy's wording}; read again when a file changes."""
    names: dict[str, dict[str, str]] = {}
    if labels_stamp is not None:
        with LABELS_FILE.open("rb") as file:
            for field, entries in tomllib.load(file).items():
                names[field] = {str(key): str(name) for key, name in entries.items()}
    purposes: dict[str, str] = {}
    descriptions: dict[str, str] = {}
    if purposes_stamp is not None:
        for row in csv.DictReader(PURPOSES_FILE.read_text(encoding="utf-8-sig").splitlines()):
            key = (row.get("purpose") or "").strip()
            if key:
                purposes[key] = (row.get("label") or "").strip() or words(key)
                descriptions[key] = (row.get("description") or "").strip()
    names["purpose"] = purposes
    return names, descriptions


def _catalogue() -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    return _read_catalogue(_stamp(LABELS_FILE), _stamp(PURPOSES_FILE))


def words(key: str) -> str:
    """A key written as words: `web_form` is "Web form"; a code in capitals (`US-CA`, `GB`) stays as it is."""
    text = str(key)
    if text.upper() == text:
        return text
    spaced = text.replace("_", " ").strip()
    return spaced[:1].upper() + spaced[1:]


def names(field: str) -> dict[str, str]:
    """Every key the catalogue lists for a field, with its name, in the catalogue's order."""
    field = SAME_AS.get(field, field)
    return dict(_catalogue()[0].get(field, {}))


def name(field: str, key) -> str:
    """The display name of one key; "–" for no key."""
    if key is None or (isinstance(key, float) and math.isnan(key)):
        return "–"
    if field == "policy_version":
        return str(key)
    return names(field).get(str(key)) or words(str(key))


def order(field: str, present=()) -> list[str]:
    """The catalogue's keys of a field, then any other key present, by name: the order of lists and legends."""
    known = list(names(field))
    extra = sorted({str(key) for key in present} - set(known))
    return known + extra


def in_order(field: str, present) -> list[str]:
    """Only the keys present, in the catalogue's order (others after, by name)."""
    present = {str(key) for key in present}
    return [key for key in order(field, present) if key in present]


def positions(field: str, present, *, every: bool = False) -> dict[str, int]:
    """{key: its place} for sorting rows in the catalogue's order: the keys present (`every`: all the field's keys
    and those present), others after by name."""
    keys = order(field, present) if every else in_order(field, present)
    return {key: position for position, key in enumerate(keys)}


def description(purpose: str) -> str | None:
    """The privacy policy's own wording of a purpose, for help texts; None when the catalogue has none."""
    return _catalogue()[1].get(purpose) or None

