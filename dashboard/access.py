"""Who may reach the dashboard: sign-in through the company's identity provider when it is
configured (Streamlit's OpenID Connect support, the [auth] section of .streamlit/secrets.toml), and
the safe default when it is not: the server listens on this computer only, every page says that
sign-in is off, and opening it to the network without sign-in takes one explicit setting. Each action,
and each request to the server's upload and download endpoints, is checked against the roles file as it is
at that moment.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from dashboard.store import DATA_DIR, local_user

ROLES_FILE = DATA_DIR / "roles.toml"
# Another roles file, for a deployment that keeps its settings elsewhere (and for the tests).
ROLES_ENV = "PRIVACY_DASHBOARD_ROLES"
ANALYST, VIEWER = "analyst", "viewer"

# Set to 1 to serve the dashboard to the network without sign-in, knowingly.
OPEN_WITHOUT_SIGN_IN = "PRIVACY_DASHBOARD_OPEN_WITHOUT_SIGN_IN"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class Roles:
    """The roles file: per role, the e-mail addresses and domains that have it (lower case)."""

    analyst_emails: frozenset[str] = frozenset()
    analyst_domains: frozenset[str] = frozenset()
    viewer_emails: frozenset[str] = frozenset()
    viewer_domains: frozenset[str] = frozenset()

    def role_of(self, email: str | None) -> str | None:
        """analyst, viewer, or None for an address the file does not admit."""
        if not email or "@" not in email:
            return None
        email = email.strip().lower()
        domain = email.rsplit("@", 1)[1]
        if email in self.analyst_emails or (domain in self.analyst_domains and email not in self.viewer_emails):
            return ANALYST
        if email in self.viewer_emails or domain in self.viewer_domains:
            return VIEWER
        return None


class RolesFileError(Exception):
    """The roles file cannot be used; its text is the whole message."""


def roles_path() -> Path:
    return Path(os.environ[ROLES_ENV]) if os.environ.get(ROLES_ENV) else ROLES_FILE


def read_roles(path: Path | None = None) -> Roles:
    path = path or roles_path()
    try:
        settings = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RolesFileError(f"{path}: the roles file is missing; nobody can be let in") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise RolesFileError(f"{path}: not a readable TOML file ({error})") from None

    def entries(role: str, key: str) -> frozenset[str]:
        values = settings.get(role, {}).get(key, [])
        if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
            raise RolesFileError(f"{path}: [{role}] {key} must be a list of text, like [\"a@example.com\"]")
        return frozenset(value.strip().lower().lstrip("@") for value in values if value.strip())

    return Roles(entries("analysts", "emails"), entries("analysts", "domains"),
                 entries("viewers", "emails"), entries("viewers", "domains"))


def sign_in_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section for st.login."""
    try:
        return "auth" in st.secrets
    except Exception:  # noqa: BLE001 - no secrets file at all, or one Streamlit cannot read: no sign-in
        return False


def listens_on_this_computer_only() -> bool:
    """Whether the server's address is a loopback one. Unset means every interface (Streamlit's default)."""
    return (st.get_option("server.address") or "") in LOOPBACK


def opened_on_purpose() -> bool:
    return os.environ.get(OPEN_WITHOUT_SIGN_IN, "").strip().lower() in ("1", "true", "yes")


def guard_unsigned_server() -> None:
    """Without sign-in: refuse to serve the network unless that was asked for, and say sign-in is off."""
    if sign_in_configured():
        return
    if not listens_on_this_computer_only() and not opened_on_purpose():
        st.error(
            "Sign-in is off and this server listens on the network, so anyone who can reach it would see "
            "every figure. Configure sign-in (README, Security), or listen on this computer only "
            f"(‘--server.address 127.0.0.1’), or set {OPEN_WITHOUT_SIGN_IN}=1 to open it without sign-in "
            "on purpose.",
            icon=":material/lock_open:",
        )
        st.stop()
    where = ("open to the network on purpose" if not listens_on_this_computer_only()
             else "reachable from this computer only")
    st.sidebar.caption(f":material/lock_open: Sign-in is off: this dashboard is {where}. See the README's "
                       "Security section to sign colleagues in.")


# Set by dashboard/server.py as it loads: the upload and download endpoints have its check in front of them.
ENDPOINTS_CHECKED = "PRIVACY_DASHBOARD_ENDPOINTS_CHECKED"


def guard_unchecked_endpoints() -> None:
    """With sign-in on, the pages are served only behind dashboard/server.py: started as
    `streamlit run dashboard/app.py`, Streamlit's upload and download endpoints would answer anyone."""
    if sign_in_configured() and os.environ.get(ENDPOINTS_CHECKED) != "1":
        st.error("Sign-in is on, but this server was started without its check on uploads and downloads. "
                 "Start it with `streamlit run dashboard/server.py` (README, Security).", icon=":material/lock:")
        st.stop()


@dataclass(frozen=True)
class Person:
    """Who uses this session: their address (or the server's account, sign-in off) and role."""

    name: str
    role: str
    signed_in: bool

    @property
    def may_change(self) -> bool:
        """Whether they may load, map and undo uploads."""
        return self.role == ANALYST


class AccessDenied(Exception):
    """An action this person's role does not allow; its text is the whole message."""


def _local_person() -> Person:
    return Person(f"{local_user()} (dashboard, sign-in off)", ANALYST, signed_in=False)


def sign_in() -> Person:
    """The person using this session. With sign-in configured, a visitor who is not signed in sees the
    sign-in screen, and one the roles file does not admit is turned away: both stop the page here."""
    if not sign_in_configured():
        person = _local_person()
    else:
        person = _signed_in_person()
    st.session_state["_person"] = person
    return person


def _signed_in_person() -> Person:
    if not st.user.is_logged_in:
        st.title("Privacy metrics")
        st.write("Sign in with your company account to see the dashboard.")
        st.button("Sign in", type="primary", icon=":material/login:", on_click=st.login, key="access_sign_in")
        st.stop()
    email = str(st.user.get("email") or "")
    try:
        role = read_roles().role_of(email)
    except RolesFileError as error:
        st.error(str(error), icon=":material/error:")
        st.stop()
    if role is None:
        st.title("Privacy metrics")
        st.error(f"{email or 'This account'} may not use this dashboard. Ask its administrator to add you to "
                 "the roles file.", icon=":material/block:")
        st.button("Sign out", on_click=st.logout, key="access_sign_out")
        st.stop()
    return Person(email, role, signed_in=True)


def current() -> Person:
    """The person sign_in() found for this session's run."""
    return st.session_state.get("_person") or sign_in()


def require_analyst() -> Person:
    """The person acting now, when they may change the store; AccessDenied otherwise.

    Asked at the moment of the action (callbacks included): the signed-in identity and the roles file as
    they are now, not the person an earlier run of the page found, so an analyst taken out of the roles
    file cannot press a button drawn before."""
    if not sign_in_configured():
        if not listens_on_this_computer_only() and not opened_on_purpose():
            raise AccessDenied("Sign-in is off and this server listens on the network: nobody may change the store.")
        return _local_person()
    if not st.user.is_logged_in:
        raise AccessDenied("You are signed out: sign in again to load, map or undo uploads.")
    email = str(st.user.get("email") or "")
    try:
        role = read_roles().role_of(email)
    except RolesFileError as error:
        raise AccessDenied(str(error)) from None
    if role != ANALYST:
        raise AccessDenied("Loading, mapping and undoing uploads is for analysts, and the roles file does not list "
                           "your account as one now.")
    person = Person(email, role, signed_in=True)
    st.session_state["_person"] = person
    return person


def show_person(person: Person) -> None:
    """In the sidebar: who is signed in, as what, and the way out."""
    if person.signed_in:
        st.sidebar.caption(f":material/account_circle: {person.name} ({person.role})")
        st.sidebar.button("Sign out", icon=":material/logout:", on_click=st.logout, key="access_sign_out")


# --- The server's own endpoints ----------------------------------------------------------------------------------
# Streamlit's upload and media endpoints (PUT /_stcore/upload_file/<session>/..., GET /media/...) answer plain
# HTTP requests, outside any page run; dashboard/server.py asks these two questions for each of them, with the
# identity a page session was opened with and the one the request itself is signed in as.
def _same_person(session_user: str | None, signed_in_as: str | None) -> bool:
    return bool(session_user) and bool(signed_in_as) and (
        str(session_user).strip().lower() == str(signed_in_as).strip().lower())


def role_now(email: str | None) -> str | None:
    try:
        return read_roles().role_of(email)
    except RolesFileError:
        return None


def may_upload(session_user: str | None, signed_in_as: str | None) -> bool:
    """Whether an upload into a page session may be taken. Sign-in off: the pages' rule (the visitor is the
    local analyst, unless the server refuses the network). Sign-in on: the request is signed in as the person
    the session was opened by, an analyst in the roles file now."""
    if not sign_in_configured():
        return listens_on_this_computer_only() or opened_on_purpose()
    return _same_person(session_user, signed_in_as) and role_now(session_user) == ANALYST


def may_download(session_users: Iterable[str | None], signed_in_as: str | None) -> bool:
    """Whether a download may be sent (sign-in on): the request is signed in as someone the roles file admits
    now and, for a file that page sessions hold, as the person one of them was opened by. A file no session
    holds (Streamlit keeps a file made on click, a chart's PNG, apart from its session, and a page's earlier
    file until its next sweep) can only be checked for the first."""
    if role_now(signed_in_as) is None:
        return False
    holders = list(session_users)
    return not holders or any(_same_person(holder, signed_in_as) for holder in holders)
