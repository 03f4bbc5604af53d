"""The Data page's "API tokens" section: an analyst makes a named token for a job, sees it once, and revokes it."""

import logging
from urllib.parse import urlsplit

import pandas as pd
import streamlit as st

from dashboard import access, operations, shell
from dashboard.formatting import as_text, day
from dashboard.remote import TOKEN_ENV
from dashboard.server_address import API
from dashboard.tokens import ANALYST, ROLES, VIEWER

log = logging.getLogger("dashboard.views.data_tokens")

ROLE_CHOICES = {ANALYST: "Analyst: may load and undo", VIEWER: "Viewer: may read figures"}
ROLE_WORDS = {ANALYST: "Analyst", VIEWER: "Viewer"}
TOKEN_COLUMNS = {"name": "Name", "role": "Role", "owner": "Owner", "created_by": "Made by",
                 "created_at": "Made on (UTC)", "last_used_at": "Last used (UTC)"}
# Shown where the page cannot tell the address the browser reached it by (under AppTest, say).
ADDRESS_PLACEHOLDER = "https://DASHBOARD-ADDRESS"

# The secret of the token just made: kept from the button's callback to the run that shows it, and popped there.
MADE = "data_token_made"
MESSAGE = "data_token_message"
PENDING_REVOKE = "data_token_pending_revoke"

def _dashboard_address() -> str:
    """This dashboard's address as the browser reached it, without the page: the API is under it."""
    url = st.context.url
    if not url:
        return ADDRESS_PLACEHOLDER
    parts = urlsplit(url)
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{parts.scheme}://{parts.netloc}" + (f"/{base}" if base else "")


def _make_token() -> None:
    """Make the token the form names (from the button's callback, as the analyst allowed at that moment); its
    secret waits in the session for the next run alone, which shows it once."""
    name = (st.session_state.get("data_token_name") or "").strip()
    role = st.session_state.get("data_token_role") or ANALYST
    try:
        person = access.require_analyst()
        made = operations.create_token(shell.connection(), name, role=role, owner=person.name,
                                       created_by=person.name)
    except operations.Failure as error:
        st.session_state[MESSAGE] = ("error", as_text(error.message))
        return
    except access.AccessDenied as error:
        st.session_state[MESSAGE] = ("error", as_text(str(error)))
        return
    except Exception as error:
        log.exception("making an API token failed")
        failure = f"The token could not be made ({type(error).__name__}); see the server log."
        st.session_state[MESSAGE] = ("error", failure)
        return
    st.session_state[MADE] = (made["name"], made["role"], made["token"])
    st.session_state["data_token_name"] = ""


def _revoke_token(name: str) -> None:
    try:
        person = access.require_analyst()
        revoked = operations.revoke_token(shell.connection(), name, revoked_by=person.name)
    except operations.Failure as error:
        message = ("error", as_text(error.message))
    except access.AccessDenied as error:
        message = ("error", as_text(str(error)))
    except Exception as error:
        log.exception("revoking an API token failed")
        message = ("error", f"The token could not be revoked ({type(error).__name__}); see the server log.")
    else:
        message = ("success", f"Revoked token ‘{as_text(revoked['name'])}’: from now on the API refuses it.")
    st.session_state[MESSAGE] = message
    st.session_state.pop(PENDING_REVOKE, None)


def _set_pending(name: str | None) -> None:
    if name is None:
        st.session_state.pop(PENDING_REVOKE, None)
    else:
        st.session_state[PENDING_REVOKE] = name


def _show_made(name: str, role: str, secret: str) -> None:
    """The secret, once, with how a job uses it."""
    address = _dashboard_address()
    with st.container(border=True, key="data_token_secret"):
        st.success(f"Made the {role} token ‘{as_text(name)}’.", icon=":material/key:")
        st.warning("Copy it now: it is not shown again. The dashboard keeps only its hash.", icon=":material/warning:")
        st.code(secret, language=None)
        st.caption(f"Give it to the job as the environment variable {TOKEN_ENV}: `python -m dashboard` with "
                   "`--server` and this dashboard's address then acts with it. Or call the API with it:")
        st.code(f"export {TOKEN_ENV}={secret}\n"
                f'curl -H "Authorization: Bearer ${TOKEN_ENV}" "{address}{API}/metrics"', language="bash")


def _live_table(live: list[dict]) -> None:
    frame = pd.DataFrame([{
        "name": token["name"], "role": ROLE_WORDS.get(token["role"], token["role"]), "owner": token["owner"],
        "created_by": token["created_by"], "created_at": day(token["created_at"]),
        "last_used_at": day(token["last_used_at"]),
    } for token in live], columns=list(TOKEN_COLUMNS))
    st.dataframe(frame, hide_index=True, width="stretch",
                 column_config={column: st.column_config.TextColumn(heading)
                                for column, heading in TOKEN_COLUMNS.items()})


def _revoke_control(names: list[str]) -> None:
    chosen = st.selectbox("Token to revoke", names, key="data_token_revoke_choice")
    if st.session_state.get(PENDING_REVOKE) != chosen:
        st.button("Revoke token…", icon=":material/key_off:", key="data_token_revoke_start",
                  on_click=_set_pending, args=(chosen,))
        return
    with st.container(border=True):
        st.warning(f"Revoke ‘{as_text(chosen)}’? A job that uses it is refused from then on; this cannot be "
                   "undone (make a new token instead).", icon=":material/warning:")
        buttons = st.container(horizontal=True)
        buttons.button("Revoke token", type="primary", key="data_token_revoke_confirm",
                       on_click=_revoke_token, args=(chosen,))
        buttons.button("Cancel", key="data_token_revoke_cancel", on_click=_set_pending, args=(None,))


def section() -> None:
    """Drawn on the Data page after "Erase people"."""
    st.subheader("API tokens")
    st.caption("A token lets a scheduled job load exports or read figures through this dashboard's API, or with "
               "`python -m dashboard` on another machine. It is shown once and kept only as a hash: revoke it "
               "when the job ends.")
    message = st.session_state.pop(MESSAGE, None)
    if message:
        kind_of_message, text = message
        (st.success if kind_of_message == "success" else st.error)(text)
    made = st.session_state.pop(MADE, None)
    if made:
        _show_made(*made)

    with st.form("data_token_form"):
        st.text_input("Token name", key="data_token_name", max_chars=64, placeholder="nightly consent load",
                      help="What the job is: uploads and undos made with the token record this name and its owner.")
        st.radio("Role", list(ROLES), format_func=ROLE_CHOICES.get, key="data_token_role", horizontal=True)
        st.form_submit_button("Make token", type="primary", icon=":material/key:", key="data_token_make",
                             on_click=_make_token)

    live = operations.list_tokens(shell.connection())
    if not live:
        st.caption("No live tokens.")
        return
    _live_table(live)
    _revoke_control([token["name"] for token in live])
