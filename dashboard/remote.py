"""The command line's way to a running dashboard: the same operations as operations.py, asked of the server's
HTTP API (api.py), returning the same data and raising the same `Failure` (with the exit status the server
names), so that a command prints the same thing whether it ran on the store or through the server."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Self

from dashboard.operations import Failure
from dashboard.server_address import API

# A token for a dashboard the command line reaches (--server URL, or a running one with sign-in on).
TOKEN_ENV = "PRIVACY_DASHBOARD_TOKEN"


class Remote:
    """A dashboard at `url`, called with `token` (a token an analyst made, or the address file's secret)."""

    def __init__(self, url: str, token: str | None) -> None:
        self.url, self.token = url.rstrip("/"), token

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exception) -> None:
        """Nothing held between calls: each is one HTTP request."""

    def _call(self, method: str, path: str, *, query=None, body: bytes | None = None, payload=None,
              size: int | None = None, raw: bool = False, binary: bool = False):
        address = self.url + API + path + ("?" + urllib.parse.urlencode(query, doseq=True) if query else "")
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        data = body
        if payload is not None:
            data, headers["Content-Type"] = json.dumps(payload).encode("utf-8"), "application/json"
        if size is not None:
            headers["Content-Type"], headers["Content-Length"] = "application/octet-stream", str(size)
        request = urllib.request.Request(address, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=3600) as answer:
                content = answer.read()
                if binary:
                    return content
                text = content.decode("utf-8")
        except urllib.error.HTTPError as error:
            raise _failure(error) from None
        except (urllib.error.URLError, OSError) as error:
            reason = getattr(error, "reason", error)
            raise Failure(f"{self.url}: the dashboard did not answer ({reason})", status=503) from None
        return text if raw else json.loads(text)

    # --- the operations --------------------------------------------------------------------------------------

    def ingest(self, kind: str, path: Path, *, file: str, format: str, date_order: str, maps, confirm: bool,
               save_map: str | None) -> dict:
        query = [("kind", kind), ("file", file), ("format", format), ("date_order", date_order)]
        query += [("map", item if isinstance(item, str) else f"{item[0]}={item[1]}") for item in maps]
        if confirm:
            query.append(("confirm", "1"))
        if save_map:
            query.append(("save_map", save_map))
        try:
            with open(path, "rb") as body:
                report = self._call("POST", "/uploads", query=query, body=body, size=Path(path).stat().st_size)
            extra = {key: report.pop(key) for key in ("saved", "save_failed") if key in report}
            return {"report": report, **extra}
        except Failure as failure:
            if failure.status in (422, 500):
                return {"refused" if failure.status == 422 else "error": failure.message}
            raise

    def metrics_document(self, *, start=None, end=None, selections=None, min_cell=None, compare=None) -> dict:
        query = [(name, value) for name, value in (("start", start), ("end", end), ("min_cell", min_cell),
                                                   ("compare", compare))
                 if value is not None]
        query += [(name, value) for name, values in (selections or {}).items() for value in values]
        return self._call("GET", "/metrics", query=[(name, str(value)) for name, value in query])

    def alerts_document(self, *, end=None, min_cell=None) -> dict:
        query = [(name, str(value)) for name, value in (("end", end), ("min_cell", min_cell)) if value is not None]
        return self._call("GET", "/alerts", query=query)

    def ccpa_report(self, year: int, *, scope: str, min_cell=None) -> dict:
        return self._call("GET", "/reports/ccpa", query=_report_query(year, scope, min_cell))

    def ccpa_evidence(self, year: int, *, scope: str, min_cell=None) -> bytes:
        return self._call("GET", "/reports/ccpa", query=_report_query(year, scope, min_cell) | {"format": "zip"},
                          binary=True)

    def uploads_document(self) -> dict:
        return self._call("GET", "/uploads")

    def rejected(self, upload_id: int) -> list[dict]:
        return self._call("GET", f"/uploads/{upload_id}/rejected")["rows"]

    def remove(self, upload_id: int) -> dict:
        return self._call("DELETE", f"/uploads/{upload_id}")

    def forget(self, identities: list[str]) -> dict:
        return self._call("POST", "/erasures", payload={"identities": identities})

    def create_token(self, name: str, *, role: str, owner: str | None) -> dict:
        return self._call("POST", "/tokens", payload={"name": name, "role": role, "owner": owner})

    def list_tokens(self) -> list[dict]:
        return self._call("GET", "/tokens")["tokens"]

    def revoke_token(self, name: str) -> dict:
        return self._call("DELETE", "/tokens/" + urllib.parse.quote(name, safe=""))


def _report_query(year: int, scope: str, min_cell) -> dict:
    return {"year": year, "scope": scope} | ({} if min_cell is None else {"min_cell": min_cell})


def _failure(error: urllib.error.HTTPError) -> Failure:
    """The server's one line and exit status; for an answer that is not the API's, the status in words."""
    try:
        answer = json.loads(error.read().decode("utf-8"))
        return Failure(str(answer["error"]), status=error.code, exit_code=int(answer.get("exit_code", 1)))
    except (ValueError, KeyError, TypeError, OSError):
        return Failure(f"{error.url}: the server answered {error.code} {error.reason}", status=error.code)
