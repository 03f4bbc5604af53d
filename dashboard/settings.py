"""The operator's settings (data/settings.toml, README "Settings"): whole numbers that the environment may
override, and the watched folders' sources. They are read on every page view, command and watch round: a
change applies at once (a watched folder's, at the next round)."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from dashboard.profiles import KINDS
from dashboard.store import DATA_DIR, PROJECT_DIR

SETTINGS_FILE = DATA_DIR / "settings.toml"
# Another settings file instead of data/settings.toml (a deployment's own, or a test's).
SETTINGS_ENV = "PRIVACY_DASHBOARD_SETTINGS"


def settings_file() -> Path:
    """The settings file: PRIVACY_DASHBOARD_SETTINGS when set, else data/settings.toml."""
    chosen = os.environ.get(SETTINGS_ENV, "").strip()
    return Path(chosen) if chosen else SETTINGS_FILE


class SettingError(Exception):
    """A setting cannot be used; its text is the whole message."""


def _whole_number(value, name: str, where: str, zero_means: str) -> int:
    if isinstance(value, str):
        value = value.strip()
        if value.isdigit():
            value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SettingError(f"{where}: {name} must be a whole number, 0 ({zero_means}) or more, not {value!r}")
    return value


def whole_number(name: str, default: int, *, zero_means: str, environment: str | None = None,
                 path: Path | None = None) -> int:
    """A whole-number setting: the environment variable if set, else the file's value, else the default.
    `zero_means` says what 0 does, for the message refusing a value."""
    if environment and os.environ.get(environment, "").strip():
        return _whole_number(os.environ[environment], name, environment, zero_means)
    path = path or settings_file()
    return _whole_number(_read(path).get(name, default), name, str(path), zero_means)


def _read(path: Path) -> dict:
    """The settings file's tables and values; none when there is no file."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SettingError(f"{path}: not a readable TOML file ({error})") from None


# The newest data older than this many days gets a warning on every page (0: never warn).
STALE_AFTER_DAYS_ENV = "PRIVACY_DASHBOARD_STALE_AFTER_DAYS"


def stale_after_days() -> int:
    return whole_number("stale_after_days", 35, zero_means="never warn", environment=STALE_AFTER_DAYS_ENV)


# Deadline health (Requests page): an open request due within this many days of the range's end is "due soon".
DUE_SOON_DAYS_ENV = "PRIVACY_DASHBOARD_DUE_SOON_DAYS"
DUE_SOON_DAYS_DEFAULT = 7


def due_soon_days(path: Path | None = None) -> int:
    return whole_number("due_soon_days", DUE_SOON_DAYS_DEFAULT, zero_means="only requests due on the range's last day",
                        environment=DUE_SOON_DAYS_ENV, path=path)


# --- Watched folders (watching.py) ------------------------------------------------------------------------

# How often the server checks the watched folders, in seconds (0: never).
WATCH_INTERVAL = "watch_interval_seconds"
WATCH_INTERVAL_DEFAULT = 300
WATCH_DATE_ORDERS = ("mdy", "dmy")
WATCH_KEYS = ("name", "folder", "pattern", "kind", "format", "date_order", "settle_seconds")


def watch_interval_seconds(path: Path | None = None) -> int:
    return whole_number(WATCH_INTERVAL, WATCH_INTERVAL_DEFAULT, zero_means="never check", path=path)


@dataclass(frozen=True)
class WatchSource:
    """One `[[watch]]` table: files matching `pattern` in `folder` are loaded as `kind` exports."""

    name: str
    folder: Path
    kind: str
    pattern: str = "*.csv"
    format: str = "auto"
    date_order: str = "mdy"
    # A file is taken once its last change is this old, so that one still being written is not read half-way.
    settle_seconds: int = 30


def watch_sources(path: Path | None = None) -> tuple[list[WatchSource], list[str]]:
    """The watched folders' sources, and one line for each `[[watch]]` table that cannot be used (it is left out;
    the others stand). SettingError when the file itself cannot be read."""
    path = path or settings_file()
    tables = _read(path).get("watch", [])
    if not isinstance(tables, list) or not all(isinstance(table, dict) for table in tables):
        return [], [f"{path}: watch must be written as [[watch]] tables, one per watched folder"]
    sources: list[WatchSource] = []
    problems: list[str] = []
    for number, table in enumerate(tables, start=1):
        try:
            source = _watch_source(table, number, str(path))
            if any(other.name == source.name for other in sources):
                raise SettingError(f"{path}: [[watch]] ‘{source.name}’: the name is used by another [[watch]] "
                                   "table; each needs its own")
        except SettingError as error:
            problems.append(str(error))
            continue
        sources.append(source)
    return sources, problems


def _watch_source(table: dict, number: int, where: str) -> WatchSource:
    name = table.get("name")
    label = f"{where}: [[watch]] ‘{name.strip()}’" if isinstance(name, str) and name.strip() else \
        f"{where}: [[watch]] number {number}"

    def text(key: str, default: str | None = None, choices: tuple[str, ...] | None = None) -> str:
        value = table.get(key, default)
        if value is None:
            raise SettingError(f"{label}: {key} is missing")
        if not isinstance(value, str) or not value.strip():
            raise SettingError(f"{label}: {key} must be a text, not {value!r}")
        if choices and value.strip() not in choices:
            raise SettingError(f"{label}: {key} must be one of {', '.join(choices)}, not {value!r}")
        return value.strip()

    unknown = sorted(key for key in table if key not in WATCH_KEYS)
    if unknown:
        raise SettingError(f"{label}: unknown setting {', '.join(unknown)} (known: {', '.join(WATCH_KEYS)})")
    name = text("name")
    folder = Path(text("folder")).expanduser()
    pattern = text("pattern", "*.csv")
    if "/" in pattern or os.sep in pattern:
        raise SettingError(f"{label}: pattern names files of the folder itself, without a folder: not {pattern!r}")
    return WatchSource(
        name=name,
        folder=folder if folder.is_absolute() else PROJECT_DIR / folder,
        pattern=pattern,
        kind=text("kind", choices=KINDS),
        format=text("format", "auto"),
        date_order=text("date_order", "mdy", choices=WATCH_DATE_ORDERS),
        settle_seconds=_whole_number(table.get("settle_seconds", 30), "settle_seconds", label,
                                     "take a file as soon as it is seen"),
    )


# --- Alerts (alerts.py): the [alerts] table and its rule tables ----------------------------------------------

ALERT_DIRECTIONS = ("drop", "both")


@dataclass(frozen=True)
class ConsentDropRule:
    """[alerts.consent_drop]: a purpose's monthly opt-in rate of choices (in all, per channel, per region) tested
    against its own recent months with Fisher's exact test."""

    enabled: bool = True
    baseline_months: int = 6
    min_baseline_months: int = 3
    min_choices: int = 30
    p_value: float = 0.001
    direction: str = "drop"  # drop: only a fall fires; both: a rise too, each side at p_value


@dataclass(frozen=True)
class RequestDeadlinesRule:
    """[alerts.request_deadlines]: requests open at the range's end that are overdue, or due soon, above a number."""

    enabled: bool = True
    overdue_above: int = 0
    due_soon_above: int = 10


@dataclass(frozen=True)
class RequestRiseRule:
    """[alerts.request_rise]: the requests of a type received in a month against its recent months (the exact test
    of two Poisson counts)."""

    enabled: bool = True
    baseline_months: int = 6
    min_baseline_months: int = 3
    min_count: int = 10
    p_value: float = 0.001


@dataclass(frozen=True)
class AlertRules:
    consent_drop: ConsentDropRule = ConsentDropRule()
    request_deadlines: RequestDeadlinesRule = RequestDeadlinesRule()
    request_rise: RequestRiseRule = RequestRiseRule()


_ALERT_RULES = {"consent_drop": ConsentDropRule, "request_deadlines": RequestDeadlinesRule,
                "request_rise": RequestRiseRule}


def alert_rules(path: Path | None = None) -> AlertRules:
    """The alert rules as the settings file sets them, each value it leaves out at its default. SettingError
    (one line naming the file and the key) for a value that cannot be used."""
    path = path or settings_file()
    where = str(path)
    table = _read(path).get("alerts", {})
    if not isinstance(table, dict):
        raise SettingError(f"{where}: alerts must be a table ([alerts.consent_drop], ...), not {table!r}")
    unknown = sorted(key for key in table if key not in _ALERT_RULES)
    if unknown:
        raise SettingError(f"{where}: alerts.{unknown[0]} is not a rule (known: {', '.join(_ALERT_RULES)})")
    return AlertRules(**{name: _alert_rule(name, kind, table.get(name, {}), where)
                         for name, kind in _ALERT_RULES.items()})


def _alert_rule(name: str, kind, values, where: str):
    if not isinstance(values, dict):
        raise SettingError(f"{where}: alerts.{name} must be a table, not {values!r}")
    defaults = kind()
    known = tuple(defaults.__dict__)
    chosen = {}
    for key, value in values.items():
        label = f"alerts.{name}.{key}"
        if key not in known:
            raise SettingError(f"{where}: {label} is not a setting of the rule (known: {', '.join(known)})")
        default = getattr(defaults, key)
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise SettingError(f"{where}: {label} must be true or false, not {value!r}")
        elif key == "direction":
            if value not in ALERT_DIRECTIONS:
                raise SettingError(f"{where}: {label} must be one of {', '.join(ALERT_DIRECTIONS)}, not {value!r}")
        elif key == "p_value":
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < 1:
                raise SettingError(f"{where}: {label} must be a number between 0 and 1 (0.001), not {value!r}")
            value = float(value)
        elif isinstance(value, bool) or not isinstance(value, int) or value < (1 if key.endswith("months") else 0):
            least = 1 if key.endswith("months") else 0
            raise SettingError(f"{where}: {label} must be a whole number, {least} or more, not {value!r}")
        chosen[key] = value
    rule = kind(**chosen)
    if getattr(rule, "min_baseline_months", 0) > getattr(rule, "baseline_months", 0):
        raise SettingError(f"{where}: alerts.{name}.min_baseline_months ({rule.min_baseline_months}) is more than "
                           f"baseline_months ({rule.baseline_months})")
    return rule
