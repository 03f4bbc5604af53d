"""Who may reach the dashboard: sign-in through the company's identity provider when it is
configured (Streamlit's OpenID Connect support, the [auth] section of .streamlit/secrets.toml), and
the safe default when it is not: the server listens on this computer only, every page says that
sign-in is off, and opening it to the network without sign-in takes one explicit setting.
"""

from __future__ import annotations

import os

import streamlit as st

from dashboard.store import local_user

# Set to 1 to serve the dashboard to the network without sign-in, knowingly.
OPEN_WITHOUT_SIGN_IN = "PRIVACY_DASHBOARD_OPEN_WITHOUT_SIGN_IN"
LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


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
            f"(`--server.address 127.0.0.1`), or set {OPEN_WITHOUT_SIGN_IN}=1 to open it without sign-in "
            "on purpose.",
            icon=":material/lock_open:",
        )
        st.stop()
    where = ("open to the network on purpose" if not listens_on_this_computer_only()
             else "reachable from this computer only")
    st.sidebar.caption(f":material/lock_open: Sign-in is off: this dashboard is {where}. See the README's "
                       "Security section to sign colleagues in.")


def who() -> str:
    """Whom an upload or undo made in this session is recorded as."""
    return f"{local_user()} (dashboard, sign-in off)"
