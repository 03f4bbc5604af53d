"""The operator's log: one structured line (JSON) per upload, undo, refusal, erasure and API call, saying who,
what, how long and the outcome. Never a subject id, an identity or a token: file names are masked, and only
counts, ids and the words of outcomes go in."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from dashboard.identities import mask

log = logging.getLogger("dashboard.audit")


def enable() -> None:
    """In the server (server.py): lines go to its standard error, where Streamlit logs, whatever Streamlit does to
    the root logger. A command run on its own prints what it always printed and logs nothing."""
    if not log.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(message)s"))
        log.addHandler(handler)
        log.setLevel(logging.INFO)
        log.propagate = False


def record(event: str, **fields) -> None:
    """One line: {"at": ..., "event": ..., fields...}. Text fields are masked (an e-mail address or phone number
    in a file name or message is replaced), so a line is safe to keep and ship."""
    if not log.isEnabledFor(logging.INFO):
        return
    line = {"at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"), "event": event}
    for key, value in fields.items():
        if value is None:
            continue
        line[key] = mask(value) if isinstance(value, str) and key not in ("who",) else value
    log.info(json.dumps(line, ensure_ascii=False, default=str))
