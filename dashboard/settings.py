"""The operator's settings (data/settings.toml, README "Settings"), each a whole number that the
environment may override. They are read on every page view and command: a change applies at once."""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from dashboard.store import DATA_DIR

SETTINGS_FILE = DATA_DIR / "settings.toml"


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
    path = path or SETTINGS_FILE
    try:
        settings = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return default
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SettingError(f"{path}: not a readable TOML file ({error})") from None
    return _whole_number(settings.get(name, default), name, str(path), zero_means)


# The newest data older than this many days gets a warning on every page (0: never warn).
STALE_AFTER_DAYS_ENV = "PRIVACY_DASHBOARD_STALE_AFTER_DAYS"


def stale_after_days() -> int:
    return whole_number("stale_after_days", 35, zero_means="never warn", environment=STALE_AFTER_DAYS_ENV)
