"""Odoo's two external APIs behind one interface: ``OdooClient.execute(model, method, args, kwargs)``.

    jsonrpc   POST /jsonrpc  {"method": "call", "params": {"service": "object", "method": "execute_kw",
              "args": [db, uid, key, model, method, args, kwargs]}}  (uid from service "common" login)
    json2     POST /json/2/<model>/<method>  named arguments as the JSON body ("ids", "domain", ...),
              ``Authorization: bearer <api key>`` and ``X-Odoo-Database``

:func:`classify` is the one place an Odoo answer becomes an error class. Every request has a
timeout (HttpClient's); messages carry Odoo's error name and text, never the key.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from connectors.http.auth import BearerAuth
from connectors.http.client import HttpClient
from connectors.http.errors import excerpt, network_error, retry_after_of
from hub import jsonutil
from hub.errors import FatalError, RetriableError

FATAL_NAMES = frozenset({"UserError", "ValidationError", "AccessError", "AccessDenied", "MissingError", "RedirectWarning"})
CONCURRENCY_MARKERS = ("SerializationFailure", "could not serialize", "TransactionRollbackError", "concurrent update")
#: json2 takes named arguments: the names of each method's positional arguments (after ids).
NAMED_ARGS = {"search_read": ("domain", "fields"), "search": ("domain",), "search_count": ("domain",),
              "create": ("vals_list",), "write": ("vals",), "read": ("fields",)}
MODEL_METHODS = frozenset({"search_read", "search", "search_count", "create", "default_get", "name_search",
                           "fields_get"})


def classify(status: int, body: Any, headers: Mapping[str, str], *, connection: str | None, action: str | None) -> None:
    """Return if the answer is a success, else raise RetriableError or FatalError.

    Concurrency failures (serialization) are retriable; Odoo's business errors (UserError,
    ValidationError, AccessError...) fatal; other HTTP 429/5xx retriable; anything else fatal.
    """
    error = body.get("error") if isinstance(body, Mapping) and "error" in body else None
    if error is not None and not isinstance(error, Mapping):
        error = {"message": str(error)}  # a proxy's or gateway's own error body
    if error is None and isinstance(body, Mapping) and status >= 400 and "name" in body:
        error = {"data": body}  # json2 errors are the data object itself
    if 200 <= status < 300 and error is None:
        return
    data = (error or {}).get("data") or {}
    name = str(data.get("name") or (error or {}).get("message") or f"HTTP {status}")
    text = excerpt(str(data.get("message") or (error or {}).get("message") or body), 300)
    context = {"connection": connection, "action": action, "status": status, "response_excerpt": text}
    short = name.rpartition(".")[2]
    message = f"{short}: {text}"
    if _concurrency(name, text) or (short not in FATAL_NAMES and (status == 429 or status >= 500)):
        raise RetriableError(message, retry_after=retry_after_of(headers), **context)
    raise FatalError(message, **context)


def _concurrency(name: str, text: str) -> bool:
    return any(marker in name or marker in text for marker in CONCURRENCY_MARKERS)


class OdooClient:
    """Calls model methods; subclasses choose the wire format."""

    def __init__(self, http: HttpClient, *, database: str):
        self.http, self.database = http, database
        self.connection = http.connection

    def execute(self, model: str, method: str, args: list | None = None, kwargs: Mapping[str, Any] | None = None,
                *, action: str | None = None) -> Any:
        raise NotImplementedError

    def post(self, path: str, body: Any, *, action: str | None, headers: Mapping[str, str] | None = None) -> Any:
        """POST JSON and return the parsed answer, classified (HTTP and Odoo errors alike)."""
        try:
            response = self.http.session.post(self.http.url(path), data=_dumps(body), timeout=self.http.timeout,
                                              headers={"Content-Type": "application/json", **(headers or {})})
        except requests.RequestException as error:
            raise network_error(error, connection=self.connection, action=action) from None
        answer = _loads(response.content)
        classify(response.status_code, answer, response.headers, connection=self.connection, action=action)
        return answer

    def close(self) -> None:
        self.http.close()


class JsonRpcClient(OdooClient):
    """``/jsonrpc`` with execute_kw; logs in once (lazily) for the uid."""

    def __init__(self, http: HttpClient, *, database: str, login: str, key: str):
        super().__init__(http, database=database)
        self.login, self.key = login, key
        self.uid: int | None = None

    def execute(self, model, method, args=None, kwargs=None, *, action=None):
        uid = self.uid or self._login(action)
        params = [self.database, uid, self.key, model, method, list(args or []), dict(kwargs or {})]
        return self._call("object", "execute_kw", params, action)

    def _login(self, action: str | None) -> int:
        uid = self._call("common", "login", [self.database, self.login, self.key], action)
        if not uid:
            raise FatalError("login refused (database, login or key wrong)", connection=self.connection, action=action)
        self.uid = int(uid)
        return self.uid

    def _call(self, service: str, method: str, args: list, action: str | None) -> Any:
        body = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": {"service": service, "method": method, "args": args}}
        return self.post("/jsonrpc", body, action=action)["result"]


class Json2Client(OdooClient):
    """``/json/2/<model>/<method>`` with a bearer API key (Odoo 19+)."""

    def __init__(self, http: HttpClient, *, database: str, key: str):
        super().__init__(http, database=database)
        http.session.auth = BearerAuth(key)

    def execute(self, model, method, args=None, kwargs=None, *, action=None):
        body = {**self.named(method, list(args or [])), **dict(kwargs or {})}
        return self.post(f"/json/2/{model}/{method}", body, action=action, headers={"X-Odoo-Database": self.database})

    @staticmethod
    def named(method: str, args: list) -> dict[str, Any]:
        """Positional execute_kw arguments as json2's named ones (record methods take ids first)."""
        body: dict[str, Any] = {}
        if method not in MODEL_METHODS and args:
            body["ids"], args = args[0], args[1:]
        names = NAMED_ARGS.get(method, ())
        if len(args) > len(names):
            raise FatalError(f"json2: name the arguments of {method} as keywords")
        return {**body, **dict(zip(names, args))}


def _dumps(body: Any) -> bytes:
    return jsonutil.dumps(body).encode()


def _loads(content: bytes) -> Any:
    try:
        return jsonutil.loads(content) if content.strip() else None
    except ValueError:
        return content.decode("utf-8", "replace")
