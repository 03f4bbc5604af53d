"""The server (`streamlit run dashboard/server.py`): the dashboard's pages, with a check of its own in front of
the two endpoints Streamlit serves outside any page run, which the pages' sign-in does not cover.

- `PUT /_stcore/upload_file/<session>/<file>` (the file chooser) takes a file into a page session's memory.
  With sign-in on it is refused (403, decided before any of the body is read) unless the request is
  signed in as the person the page session was opened by and the roles file lists them as an analyst
  now. With sign-in off the pages' rule applies: the local analyst may, and nobody may while the server
  refuses the network.
- `GET /media/<file>` sends what a download button holds (rejected rows, a chart's CSV or PNG). With
  sign-in on it answers only a request signed in as someone the roles file admits now and, for a file
  that page sessions hold, as the person one of them was opened by: the rejected rows of Ana's page go
  to Ana's browser only. Streamlit records no session for a file made on click (a chart's PNG) nor for
  one a page no longer shows (kept until Streamlit's next sweep); for those only "a signed-in person the
  roles file admits" can be checked, and that is what is checked.

"Signed in as" is read from the request's own sign-in cookie through Streamlit's functions for it (the
cookie is signed with the server's cookie secret, so it cannot be made up; nothing of the signing is copied
here). "Opened by" is what Streamlit recorded from the same cookie when the page session connected, and
"which sessions hold a file" is its media file manager's record. Both are Streamlit's own state, read at the
moment of the request; the dashboard keeps none of its own, so nothing is lost when a client clears the
caches.

Everything else goes to Streamlit unchanged. `streamlit run` finds `app` below and serves it with the same
`.streamlit/config.toml` and `secrets.toml` as the pages' entry file would be.
"""

from __future__ import annotations

import logging
import os
import sys
from contextlib import asynccontextmanager
from pathlib import Path

# `streamlit run` puts this file's folder on the path, not the project's; the package needs the latter.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import streamlit as st
from starlette.middleware import Middleware
from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from dashboard import access, api, audit, server_connection

log = logging.getLogger("dashboard.server")

UPLOADS = "/_stcore/upload_file/"
MEDIA = "/media/"


def _signed_in_as(scope: Scope) -> str | None:
    """The e-mail address the request's sign-in cookie carries, or None (no cookie, or none this server signed)."""
    from streamlit.auth_util import get_origin_from_redirect_uri
    from streamlit.web.server.starlette.starlette_server_config import USER_COOKIE_NAME
    from streamlit.web.server.starlette.starlette_websocket import (
        _get_signed_cookie_with_chunks,
        _parse_decoded_user_cookie,
    )

    try:
        cookie = _get_signed_cookie_with_chunks(HTTPConnection(scope).cookies, USER_COOKIE_NAME)
        origin = get_origin_from_redirect_uri()
        if not cookie or not origin:
            return None
        user = _parse_decoded_user_cookie(cookie, origin)
    except Exception as error:  # noqa: BLE001 - a cookie that cannot be read signs nobody in
        log.warning("a sign-in cookie could not be read (%s)", type(error).__name__)  # never its content
        return None
    return _email(user)


def _email(user: dict) -> str | None:
    email = user.get("email") if user.get("is_logged_in") else None
    return str(email) if email else None


def _opened_by(session_id: str) -> str | None:
    """The e-mail address a page session was opened with (Streamlit's record of its sign-in cookie), or None."""
    from streamlit import runtime

    if not runtime.exists():
        return None
    session = runtime.get_instance().get_app_session(session_id)
    # Streamlit gives the pages this record as st.user and offers no other reader for it.
    return _email(dict(getattr(session, "_user_info", None) or {})) if session is not None else None


def _sessions_holding(media_name: str) -> list[str]:
    """The page sessions that hold a media file (`<id>.<extension>`)."""
    from streamlit import runtime

    if not runtime.exists():
        return []
    media = runtime.get_instance().media_file_mgr
    file_id = media_name.split(".", 1)[0]
    # Streamlit keeps this record for its own clean-up and offers no reader for it; read it under its lock.
    with media._lock:
        return [session_id for session_id, files in media._files_by_session_and_coord.items()
                if file_id in files.values()]


class OnlyPeopleWhoMay:
    """ASGI middleware: the upload and media endpoints answer only the people described above."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not _allowed(scope):
            await _refuse(receive, send)
            return
        await self.app(scope, receive, send)


def _allowed(scope: Scope) -> bool:
    path, method = _path_in_app(scope), scope["method"]
    if path.startswith(UPLOADS) and method == "PUT":
        if not access.sign_in_configured():
            return access.may_upload(None, None)
        return access.may_upload(_opened_by(path[len(UPLOADS):].split("/", 1)[0]), _signed_in_as(scope))
    if path.startswith(MEDIA) and method in ("GET", "HEAD") and access.sign_in_configured():
        holders = [_opened_by(session_id) for session_id in _sessions_holding(path[len(MEDIA):])]
        return access.may_download(holders, _signed_in_as(scope))
    return True


async def _refuse(receive: Receive, send: Send) -> None:
    """403, decided before any of the body is read. The body is then let through and dropped chunk by chunk
    (up to the upload limit), so a refused upload takes no memory and its sender reads the refusal instead of
    a connection reset in the middle of sending."""
    await send({"type": "http.response.start", "status": 403,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"connection", b"close")]})
    await send({"type": "http.response.body", "body": b"Not allowed for this session.\n", "more_body": True})
    allowance = (st.get_option("server.maxUploadSize") + 1) * (1 << 20)
    while allowance > 0:
        message = await receive()
        if message["type"] != "http.request":
            break
        allowance -= len(message.get("body", b""))
        if not message.get("more_body"):
            break
    await send({"type": "http.response.body", "body": b""})


def _path_in_app(scope: Scope) -> str:
    """The request's path without the server's base path (`server.baseUrlPath`)."""
    base = "/" + (st.get_option("server.baseUrlPath") or "").strip("/")
    path = scope["path"]
    return path[len(base):] if base != "/" and path.startswith(base + "/") else path


def _address_of_this_server() -> str:
    """The address the command line reaches this server at: on this computer, through loopback."""
    host = st.get_option("server.address") or "127.0.0.1"
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    scheme = "https" if st.get_option("server.sslCertFile") else "http"
    base = (st.get_option("server.baseUrlPath") or "").strip("/")
    return f"{scheme}://{host}:{st.get_option('server.port')}" + (f"/{base}" if base else "")


def _store():
    """The pages' store connection (shell.py, imported once the server runs, as the pages import it)."""
    from dashboard import shell

    return shell.connection()


# The HTTP API, on the pages' own store connection (api.py).
API = api.Api(_store, server_connection.reopen_held)


@asynccontextmanager
async def _store_for_the_servers_life(_app):
    """The store opens as the server starts (leftover copies of a stopped server's uploads go then) and
    closes as it stops. A store that cannot be opened is said on every page, in one line, instead.

    While it runs, the server is the store's one owner: it writes its address next to the store for the
    command line (server_address.py), and checks the watched folders (watching.py)."""
    from dashboard import server_address, store, watching

    watcher = None
    try:
        _store()
    except store.StoreError as error:
        log.error("%s", error)
    else:
        API.address = server_address.write(None, _address_of_this_server())
        watcher = watching.Watcher(_store)
        watcher.start()
    try:
        yield
    finally:
        if watcher is not None:
            watcher.stop()
        if API.address is not None:
            server_address.remove(None, API.address)
        server_connection.close_held()


# One structured line per upload, undo, refusal, erasure and API call in the server's log.
audit.enable()
# The pages refuse to serve with sign-in on unless this check stands in front of the endpoints.
os.environ["PRIVACY_DASHBOARD_ENDPOINTS_CHECKED"] = "1"
# The pages' entry file by its full path: found the same under `streamlit run` and under an ASGI server.
app = st.App(Path(__file__).resolve().with_name("app.py"), middleware=[Middleware(OnlyPeopleWhoMay)],
             lifespan=_store_for_the_servers_life,
             routes=API.routes("/" + (st.get_option("server.baseUrlPath") or "").strip("/")))
