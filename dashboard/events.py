"""The team's events file (data/events.csv, README "Markers on the charts"): reading, checking and writing the dated
events the trend charts mark beside the policy versions."""

from __future__ import annotations

import csv
import io
import math
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from dashboard import labels
from dashboard.identities import mask
from dashboard.store import DATA_DIR

EVENTS_FILE = DATA_DIR / "events.csv"
# Another events file instead of data/events.csv (a deployment's own, or a test's).
EVENTS_ENV = "PRIVACY_DASHBOARD_EVENTS"

COLUMNS = ("date", "label", "purpose", "channel", "region")
REQUIRED = ("date", "label")
# A label is written on the chart beside its line: longer ones would cross the next month's.
MAX_LABEL = 60
# An events file holds a few dozen lines; anything this large is not one.
MAX_BYTES = 1_000_000
DATE_SHAPE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
KEY_SHAPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\- ]{0,39}")


def events_file() -> Path:
    """The events file: PRIVACY_DASHBOARD_EVENTS when set, else data/events.csv."""
    chosen = os.environ.get(EVENTS_ENV, "").strip()
    return Path(chosen) if chosen else EVENTS_FILE


@dataclass(frozen=True)
class Event:
    """One team event: a day, what happened, and optionally the purpose, channel and region it concerns."""

    date: date
    label: str
    purpose: str | None = None
    channel: str | None = None
    region: str | None = None

    def row(self) -> dict[str, str]:
        return {"date": self.date.isoformat(), "label": self.label, "purpose": self.purpose or "",
                "channel": self.channel or "", "region": self.region or ""}


@dataclass(frozen=True)
class BadRow:
    """A row left out, by its line in the file (the header is line 1) or its row in the editor, and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class Reading:
    """What the events file gave: its usable events, the rows left out, or the one line that refused it whole."""

    path: Path
    events: list[Event] = field(default_factory=list)
    bad_rows: list[BadRow] = field(default_factory=list)
    problem: str | None = None


def _text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):  # NaN: an empty cell of the editor
        return ""
    return " ".join(str(value).split())


def _shown(value: str) -> str:
    """A rejected value as a message may quote it: masked, and short."""
    value = mask(value)
    return value if len(value) <= 20 else value[:19] + "…"


def _day(value) -> date | str:
    """The event's day, or why it is not one. The editor gives dates (or None); the file gives text."""
    if isinstance(value, datetime):  # a pandas Timestamp too; NaT is not a day
        return "the date is empty" if pd.isna(value) else value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        return "the date is empty"
    if not DATE_SHAPE.fullmatch(text):
        return f"the date `{_shown(text)}` is not written YYYY-MM-DD"
    try:
        return date.fromisoformat(text)
    except ValueError:
        return f"the date `{text}` is not a day of the calendar"


def checked(values: dict) -> Event | str:
    """The event a row describes ({column: value}), or the reason it cannot be one. The reason never quotes a
    label: a label refused for holding an identity must not show it."""
    day = _day(values.get("date"))
    if isinstance(day, str):
        return day
    label = _text(values.get("label"))
    if not label:
        return "the label is empty"
    if len(label) > MAX_LABEL:
        return f"the label has {len(label)} characters; at most {MAX_LABEL} fit on a chart"
    if mask(label) != label:
        return ("the label holds an e-mail address or phone number; every reader of the charts sees it, so name "
                "no person")
    keys = {}
    for column in ("purpose", "channel", "region"):
        key = _text(values.get(column))
        if key and (mask(key) != key or not KEY_SHAPE.fullmatch(key)):
            return f"the {column} `{_shown(key)}` is not a {column} key"
        keys[column] = key or None
    if keys["purpose"] and keys["purpose"] not in labels.names("purpose"):
        return (f"the purpose `{keys['purpose']}` is not in the purpose catalogue (data/purposes.csv); known: "
                + ", ".join(labels.names("purpose")))
    return Event(day, label, keys["purpose"], keys["channel"], keys["region"])


def read(path: Path | None = None) -> Reading:
    """The events of the file (events_file() unless given), in date order. No file is no events; a file that cannot
    be read as the events CSV is refused whole (`problem`); a bad row is left out and listed (`bad_rows`)."""
    path = path or events_file()
    reading = Reading(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return reading
    except OSError as error:
        reading.problem = f"{path.name}: cannot be read ({error.strerror or type(error).__name__})"
        return reading
    if len(raw) > MAX_BYTES:
        reading.problem = f"{path.name}: {len(raw):,} bytes is too large for an events file (at most {MAX_BYTES:,})"
        return reading
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        reading.problem = f"{path.name}: not a UTF-8 text file, so not an events CSV"
        return reading
    if "\x00" in text:
        reading.problem = f"{path.name}: holds binary data, so not an events CSV"
        return reading
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as error:
        reading.problem = f"{path.name}: not a readable CSV file ({error})"
        return reading
    if not rows:
        return reading
    header = [_text(name).lower() for name in rows[0]]
    missing = [name for name in REQUIRED if name not in header]
    unknown = [name for name in header if name not in COLUMNS]
    if missing or unknown:
        found = ", ".join(_shown(name) for name in header[:8]) or "nothing"
        reading.problem = (f"{path.name}: not an events CSV: its header must name the columns "
                           f"{', '.join(COLUMNS)} (the last three optional); found: {found}")
        return reading
    for line, cells in enumerate(rows[1:], start=2):
        if not any(_text(cell) for cell in cells):
            continue  # a blank line
        if len(cells) > len(header):
            reading.bad_rows.append(BadRow(line, f"{len(cells)} cells for {len(header)} columns (a comma in a label "
                                                 "needs the label in double quotes)"))
            continue
        outcome = checked(dict(zip(header, cells, strict=False)))
        if isinstance(outcome, str):
            reading.bad_rows.append(BadRow(line, outcome))
        else:
            reading.events.append(outcome)
    reading.events.sort(key=lambda event: (event.date, event.label))
    return reading


def write(events: list[Event], path: Path | None = None) -> Path:
    """Write the events (in date order) as the whole events file, atomically: a reader sees the old file or the new
    one, never half of one."""
    path = path or events_file()
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for event in sorted(events, key=lambda event: (event.date, event.label)):
        writer.writerow(event.row())
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
            file.write(buffer.getvalue())
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path
