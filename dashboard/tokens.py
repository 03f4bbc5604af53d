"""Tokens for the server's HTTP API: named, for a job; shown once when made; kept only as a hash; revocable.

A token carries a role (analyst: may load and undo; viewer: may read) and an owner, the person who made it
(or the account that made it on the server's own computer). With sign-in on, a token owned by an e-mail
address acts with the lesser of its own role and the role the roles file gives its owner at that moment, so
that taking an analyst out of the roles file takes their tokens' power away too.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from dashboard import audit
from dashboard.store import WRITE_LOCK, StoreError

ANALYST, VIEWER = "analyst", "viewer"
ROLES = (ANALYST, VIEWER)
# Every token starts so: a secret scanner (or a person) can tell one in a log or a commit at a glance.
PREFIX = "pdt_"
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}")


@dataclass(frozen=True)
class Token:
    """A token as the store knows it: never the secret itself."""

    name: str
    role: str
    owner: str
    created_by: str
    created_at: datetime
    last_used_at: datetime | None = None

    @property
    def acting_as(self) -> str:
        """How an upload or undo made with it is recorded: its owner, and the token by name."""
        return f"{self.owner} (token ‘{self.name}’)"

    def as_dict(self) -> dict:
        return {"name": self.name, "role": self.role, "owner": self.owner, "created_by": self.created_by,
                "created_at": _iso(self.created_at), "last_used_at": _iso(self.last_used_at)}


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.replace(microsecond=0).isoformat() + "Z"


def hashed(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def name_problem(name: str) -> str | None:
    """Why a token cannot have this name, or None."""
    if not NAME.fullmatch(name or ""):
        return ("a token's name is 1 to 64 letters, digits, spaces, dots, dashes or underscores, starting with a "
                "letter or digit (say ‘nightly consent load’)")
    return None


def create(connection, name: str, *, role: str, owner: str, created_by: str) -> tuple[Token, str]:
    """A new token; the secret is returned here once and never again (the store keeps its hash)."""
    name = (name or "").strip()
    problem = name_problem(name)
    if problem:
        raise StoreError(f"token ‘{name}’: {problem}")
    if role not in ROLES:
        raise StoreError(f"token ‘{name}’: the role is analyst or viewer, not ‘{role}’")
    secret = PREFIX + secrets.token_urlsafe(32)
    now = datetime.now(UTC).replace(tzinfo=None)
    cursor = connection.cursor()
    try:
        with WRITE_LOCK:
            if cursor.execute("SELECT count(*) FROM api_tokens WHERE lower(name) = lower($name) AND revoked_at IS NULL",
                              {"name": name}).fetchone()[0]:
                raise StoreError(f"token ‘{name}’: a token of that name exists; revoke it first or choose another name")
            cursor.execute(
                "INSERT INTO api_tokens (name, token_sha256, role, owner, created_by, created_at) "
                "VALUES ($name, $hash, $role, $owner, $by, $at)",
                {"name": name, "hash": hashed(secret), "role": role, "owner": owner, "by": created_by, "at": now})
    finally:
        cursor.close()
    audit.record("token made", who=created_by, token=name, role=role, owner=owner)
    return Token(name, role, owner, created_by, now), secret


def find(connection, secret: str) -> Token | None:
    """The live token whose secret this is, or None (unknown, revoked, or not a token at all)."""
    if not secret or not secret.startswith(PREFIX):
        return None
    cursor = connection.cursor()
    try:
        # Looked up by its hash: the secret itself is never compared, nor kept.
        row = cursor.execute(
            "SELECT name, role, owner, created_by, created_at, last_used_at FROM api_tokens "
            "WHERE token_sha256 = $hash AND revoked_at IS NULL", {"hash": hashed(secret)}).fetchone()
    finally:
        cursor.close()
    return Token(*row) if row is not None else None


def note_use(connection, token: Token) -> None:
    """When a token was last used, for the list an analyst reviews (at most once a minute per token)."""
    now = datetime.now(UTC).replace(tzinfo=None)
    if token.last_used_at is not None and (now - token.last_used_at).total_seconds() < 60:
        return
    # Never waits for a load in progress: a read through the API does not queue behind an upload for this.
    if not WRITE_LOCK.acquire(blocking=False):
        return
    cursor = connection.cursor()
    try:
        cursor.execute("UPDATE api_tokens SET last_used_at = $at WHERE name = $name AND revoked_at IS NULL",
                       {"at": now, "name": token.name})
    finally:
        cursor.close()
        WRITE_LOCK.release()


def live(connection) -> list[Token]:
    """The tokens not revoked, oldest first."""
    cursor = connection.cursor()
    try:
        rows = cursor.execute(
            "SELECT name, role, owner, created_by, created_at, last_used_at FROM api_tokens "
            "WHERE revoked_at IS NULL ORDER BY created_at, name").fetchall()
    finally:
        cursor.close()
    return [Token(*row) for row in rows]


def revoke(connection, name: str, *, revoked_by: str) -> Token:
    """Revoke a live token by name: from now on it is refused (401)."""
    cursor = connection.cursor()
    try:
        with WRITE_LOCK:
            row = cursor.execute(
                "SELECT name, role, owner, created_by, created_at, last_used_at FROM api_tokens "
                "WHERE lower(name) = lower($name) AND revoked_at IS NULL", {"name": (name or "").strip()}).fetchone()
            if row is None:
                raise StoreError(f"token ‘{name}’: no such token (see ‘python -m dashboard token list’)")
            cursor.execute("UPDATE api_tokens SET revoked_at = $at, revoked_by = $by "
                           "WHERE lower(name) = lower($name) AND revoked_at IS NULL",
                           {"at": datetime.now(UTC).replace(tzinfo=None), "by": revoked_by, "name": row[0]})
    finally:
        cursor.close()
    audit.record("token revoked", who=revoked_by, token=row[0])
    return Token(*row)


def acting_role(token: Token, owner_role_now: str | None, *, sign_in: bool) -> str | None:
    """The role a token acts with: its own, lowered to its owner's role in the roles file now when sign-in is on
    and the owner is an e-mail address; None when that owner is no longer admitted at all."""
    if not sign_in or "@" not in token.owner:
        return token.role
    if owner_role_now is None:
        return None
    return VIEWER if VIEWER in (token.role, owner_role_now) else ANALYST
