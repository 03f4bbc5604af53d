"""The dashboard server's HTTP API (under /api/v1, beside the pages, on the same store connection).

Who may call it: with sign-in on, a bearer token (tokens.py) made by an analyst, acting with its role; the
command line on the server's own computer sends the secret of the server's address file instead
(server_address.py), and acts as the account that owns the store, as it does without a server. With sign-in off
the pages' rule applies: anyone who reaches the server, which listens on this computer only unless it was opened
to the network on purpose. A viewer may read; loading, undoing, erasing and making tokens are for analysts.

Every answer is JSON (the CCPA report may be CSV); a refusal is {"error": one line, "exit_code": n} with the HTTP
status, the same line the command line prints and the exit status it ends with. Small counts are hidden by the
operator's `min_cell`; a caller may ask for more hiding, and only the store's own account for less. Every call
is logged (audit.py): who, what, how long, the outcome; never a token or an identity.
"""

from __future__ import annotations

import hmac
import inspect
import logging
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from dashboard import access, audit, metrics, operations, tokens
from dashboard.formats import KINDS
from dashboard.identities import mask_file_name
from dashboard.ingest import DATE_ORDERS
from dashboard.reading import MAX_TEXT_BYTES
from dashboard.server_address import API, ServerAddress
from dashboard.store import local_user, work_dir
from dashboard.uploading import copy_suffix

Failure = operations.Failure
log = logging.getLogger("dashboard.api")


@dataclass(frozen=True)
class Caller:
    """Who a request comes from: how their uploads and undos are recorded, their role, and whether they are the
    store's own account (who may also lower the small-count setting, as `--min-cell` does without a server)."""

    who: str
    role: str
    own_account: bool = False
    token: str | None = None  # the token's name, for the log
    # Whose the caller is: the token's owner, else `who` (a token made through the API is theirs).
    owner: str | None = None

    @property
    def may_change(self) -> bool:
        return self.role == tokens.ANALYST


class Api:
    """The routes, bound to how they reach the store: `connection()` gives the server's held connection,
    `reopen(between)` closes it around a rewrite of the file. `address` is the address file this start wrote
    (its start id answers the health check; its secret is the store's own account's), None until then."""

    def __init__(self, connection: Callable, reopen: Callable) -> None:
        self.connection, self.reopen = connection, reopen
        self.address: ServerAddress | None = None

    def routes(self, base: str = "") -> list[Route]:
        prefix = base.rstrip("/") + API
        return [
            Route(prefix + "/health", self._health, methods=["GET"]),
            Route(prefix + "/uploads", self._call(self._upload, change=True), methods=["POST"]),
            Route(prefix + "/uploads", self._call(self._uploads), methods=["GET"]),
            Route(prefix + "/uploads/{upload_id:int}/rejected", self._call(self._rejected), methods=["GET"]),
            Route(prefix + "/uploads/{upload_id:int}", self._call(self._remove, change=True), methods=["DELETE"]),
            Route(prefix + "/metrics", self._call(self._metrics), methods=["GET"]),
            Route(prefix + "/alerts", self._call(self._alerts), methods=["GET"]),
            Route(prefix + "/reports/ccpa", self._call(self._ccpa), methods=["GET"]),
            Route(prefix + "/erasures", self._call(self._forget, change=True, body=True), methods=["POST"]),
            Route(prefix + "/tokens", self._call(self._tokens, change=True), methods=["GET"]),
            Route(prefix + "/tokens", self._call(self._create_token, change=True, body=True), methods=["POST"]),
            Route(prefix + "/tokens/{name}", self._call(self._revoke_token, change=True), methods=["DELETE"]),
        ]

    # --- who is calling ------------------------------------------------------------------------------------

    def caller(self, request: Request) -> Caller:
        _refuse_web_pages(request)
        scheme, _, presented = request.headers.get("authorization", "").partition(" ")
        presented = presented.strip() if scheme.lower() == "bearer" else ""
        secret = self.address.secret if self.address is not None else None
        if presented and secret and hmac.compare_digest(presented.encode(), secret.encode()):
            return Caller(local_user(), tokens.ANALYST, own_account=True)
        sign_in = access.sign_in_configured()
        if presented:
            token = tokens.find(self.connection(), presented)
            if token is None:
                raise Failure("the token is not known or has been revoked", status=401)
            role = tokens.acting_role(token, access.role_now(token.owner), sign_in=sign_in)
            if role is None:
                raise Failure(f"token ‘{token.name}’: its owner is no longer admitted by the roles file", status=403)
            tokens.note_use(self.connection(), token)
            return Caller(token.acting_as, role, token=token.name, owner=token.owner)
        if sign_in:
            raise Failure("sign-in is on: send a token (Authorization: Bearer …; an analyst makes one on the Data "
                          "page or with ‘python -m dashboard token create NAME’)", status=401)
        if not access.listens_on_this_computer_only() and not access.opened_on_purpose():
            raise Failure("Sign-in is off and this server listens on the network: the API answers nobody "
                          "(README, Security)", status=403)
        if access.listens_on_this_computer_only() and (request.url.hostname or "") not in access.LOOPBACK:
            # A name that resolves to this computer only for a moment (DNS rebinding) is not this computer.
            raise Failure("this server answers requests addressed to this computer (127.0.0.1, localhost)",
                          status=403)
        return Caller(f"{local_user()} (API, sign-in off)", tokens.ANALYST)

    # --- the frame every call runs in ------------------------------------------------------------------------

    def _call(self, handler, *, change: bool = False, body: bool = False):
        async def endpoint(request: Request) -> Response:
            started = time.monotonic()
            try:
                caller = await run_in_threadpool(self.caller, request)
                if change and not caller.may_change:
                    raise Failure("this is for analysts; the token is a viewer's", status=403)
                payload = ()
                if body:
                    try:
                        payload = (await request.json(),)
                    except ValueError:
                        raise Failure("the body is not JSON", status=400) from None
                if inspect.iscoroutinefunction(handler):  # it reads the request's body as it comes
                    answer = await handler(request, caller, *payload)
                else:
                    answer = await run_in_threadpool(handler, request, caller, *payload)
            except Failure as failure:
                return self._answer(request, locals().get("caller"), started, failure)
            except Exception as error:  # one line to the caller; the log keeps the traceback
                log.exception("an API call failed")
                return self._answer(request, locals().get("caller"), started,
                                    Failure(f"the server could not do this ({type(error).__name__}); see its log",
                                            status=500))
            return self._answer(request, caller, started, answer)
        return endpoint

    def _answer(self, request: Request, caller: Caller | None, started: float, answer) -> Response:
        if isinstance(answer, Failure):
            response: Response = JSONResponse({"error": answer.message, "exit_code": answer.exit_code},
                                              status_code=answer.status)
            if answer.status == 401:
                response.headers["WWW-Authenticate"] = "Bearer"
            outcome = answer.message
        else:
            response = answer if isinstance(answer, Response) else JSONResponse(answer)
            outcome = "ok"
        audit.record("api", method=request.method, path=request.url.path, who=caller.who if caller else None,
                     token=caller.token if caller else None, status=response.status_code,
                     ms=round((time.monotonic() - started) * 1000), outcome=outcome)
        return response

    # --- the routes ------------------------------------------------------------------------------------------

    def _health(self, _request: Request) -> Response:
        """Answered to anyone: it says the server is up, and which start it is (the address file's check)."""
        return JSONResponse({"status": "ok", "instance": self.address.instance if self.address is not None else ""})

    async def _upload(self, request: Request, caller: Caller) -> dict:
        """POST /uploads?kind=consent&file=NAME[&format=...&date_order=...&map=...&confirm=1&save_map=...]: the
        file is the request's body (curl --data-binary @FILE)."""
        options = _upload_options(request)
        if request.headers.get("content-type", "").startswith("multipart/"):
            raise Failure("send the file itself as the request's body (curl --data-binary @FILE), not as a form",
                          status=415)
        path = await _receive(request, options["file"])
        try:
            kind = options.pop("kind")
            done = await run_in_threadpool(lambda: operations.ingest(
                self.connection(), kind, path, loaded_by=caller.who, **options))
        finally:
            path.unlink(missing_ok=True)
        if "report" not in done:
            raise Failure(done.get("refused") or done["error"], status=422 if "refused" in done else 500)
        # The same report `ingest` prints, with what became of --save-map beside it when it was asked.
        return {**done["report"], **{key: done[key] for key in ("saved", "save_failed") if key in done}}

    def _uploads(self, _request: Request, _caller: Caller) -> dict:
        return operations.uploads_document(self.connection())

    def _rejected(self, request: Request, _caller: Caller) -> dict:
        return {"rows": operations.rejected(self.connection(), request.path_params["upload_id"])}

    def _remove(self, request: Request, caller: Caller) -> dict:
        return operations.remove(self.connection(), request.path_params["upload_id"], removed_by=caller.who)

    def _metrics(self, request: Request, caller: Caller) -> dict:
        query = request.query_params
        selections = {name: query.getlist(name) for name in operations.SELECTIONS if query.getlist(name)}
        return operations.metrics_document(self.connection(), start=_date(query, "start"), end=_date(query, "end"),
                                           selections=selections, min_cell=_min_cell(query, caller),
                                           compare=query.get("compare") or None)

    def _alerts(self, request: Request, caller: Caller) -> dict:
        """GET /alerts[?end=YYYY-MM-DD&min_cell=N]: the document `python -m dashboard alerts` prints (the command
        line ends with 1 when its list of alerts is not empty)."""
        query = request.query_params
        return operations.alerts_document(self.connection(), end=_date(query, "end"), min_cell=_min_cell(query, caller))

    def _ccpa(self, request: Request, caller: Caller) -> Response | dict:
        query = request.query_params
        year = _whole(query, "year")
        if year is None:
            raise operations.usage("year=YYYY is needed")
        scope = query.get("scope", "ccpa")
        if scope not in metrics.CCPA_SCOPES:
            raise operations.usage(f"scope={scope}: {', '.join(metrics.CCPA_SCOPES)}")
        if query.get("format") == "zip":
            pack = operations.ccpa_evidence(self.connection(), year, scope=scope, min_cell=_min_cell(query, caller))
            return Response(pack, media_type="application/zip", headers={
                "Content-Disposition": f'attachment; filename="ccpa-evidence-{year}-{scope}.zip"'})
        document = operations.ccpa_report(self.connection(), year, scope=scope, min_cell=_min_cell(query, caller))
        if query.get("format") == "csv":
            return PlainTextResponse(operations.ccpa_csv(document), media_type="text/csv; charset=utf-8")
        return document

    def _forget(self, _request: Request, caller: Caller, payload) -> dict:
        identities = payload.get("identities") if isinstance(payload, dict) else None
        if not isinstance(identities, list) or not all(isinstance(item, str) for item in identities):
            raise operations.usage('forget: send {"identities": ["…", …]}')
        return operations.forget(self.connection(), identities, erased_by=caller.who, rewrite_file=self.reopen)

    def _tokens(self, _request: Request, _caller: Caller) -> dict:
        return {"tokens": operations.list_tokens(self.connection())}

    def _create_token(self, _request: Request, caller: Caller, payload) -> dict:
        payload = payload if isinstance(payload, dict) else {}
        owner = caller.owner or caller.who
        if payload.get("owner") and caller.own_account:
            owner = str(payload["owner"])
        return operations.create_token(self.connection(), str(payload.get("name") or ""),
                                       role=str(payload.get("role") or tokens.ANALYST), owner=owner,
                                       created_by=caller.who)

    def _revoke_token(self, request: Request, caller: Caller) -> dict:
        return operations.revoke_token(self.connection(), request.path_params["name"], revoked_by=caller.who)


def _refuse_web_pages(request: Request) -> None:
    """The API is for programs, not for web pages: a browser that sends a request for a page of another site (it
    says so by an Origin or Sec-Fetch-Site header) is refused before anything is done, so that a page visited
    while the dashboard runs cannot load or erase through it."""
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.headers.get('host', '')}"
    if (origin is not None and origin != own) or request.headers.get("sec-fetch-site") in ("cross-site", "same-site"):
        raise Failure("the API does not answer web pages of other sites", status=403)


def _upload_options(request: Request) -> dict:
    query = request.query_params
    kind = query.get("kind", "")
    if kind not in KINDS:
        raise operations.usage(f"kind={kind}: one of {', '.join(KINDS)}")
    date_order = query.get("date_order", "mdy")
    if date_order not in DATE_ORDERS:
        raise operations.usage(f"date_order={date_order}: mdy or dmy")
    maps: list = []
    for item in query.getlist("map"):
        canonical, separator, source = item.partition("=")
        maps.append((canonical.strip(), source.strip()) if separator else item.strip())
    return {"kind": kind, "file": mask_file_name(Path(query.get("file") or "upload").name),
            "format": query.get("format", "auto"), "date_order": date_order, "maps": maps,
            "confirm": query.get("confirm", "") in ("1", "true", "yes"), "save_map": query.get("save_map") or None}


async def _receive(request: Request, file: str) -> Path:
    """The body, into a private copy in the store's own folder (never /tmp), up to the largest file a load takes."""
    folder = work_dir()
    folder.mkdir(mode=0o700, exist_ok=True)
    descriptor, name = tempfile.mkstemp(prefix="api-", suffix=copy_suffix(file), dir=folder)
    path, size = Path(name), 0
    try:
        with os.fdopen(descriptor, "wb") as copy:
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_TEXT_BYTES:
                    raise Failure(f"{file}: larger than {MAX_TEXT_BYTES // 10**9} GB, the most a load takes",
                                  status=413)
                copy.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def _date(query, name: str) -> date | None:
    if not query.get(name):
        return None
    try:
        return date.fromisoformat(query[name])
    except ValueError:
        raise operations.usage(f"{name}={query[name]}: not a date (YYYY-MM-DD)") from None


def _whole(query, name: str) -> int | None:
    text = query.get(name, "")
    if not text:
        return None
    if not text.isdigit():
        raise operations.usage(f"{name}={text}: not a whole number of 0 or more")
    return int(text)


def _min_cell(query, caller: Caller) -> int:
    """The operator's setting, or what the caller asks: more hiding always, less only for the store's own account."""
    configured = operations.configured_min_cell()
    asked = _whole(query, "min_cell")
    if asked is None:
        return configured
    return asked if caller.own_account else max(asked, configured)
