"""Tryton JSON-RPC over HTTP: login, session auth, model calls and wizards, one error classifier.

    client = TrytonClient("http://127.0.0.1:8000", "o2c", "admin", password, connection="erp")
    ids = client.model("party.party", "search", [("code", "=", "C1")], 0, 1, None)
    client.model("sale.sale", "quote", ids)

Every call is ``POST /<database>/rpc/`` with ``{"id", "method", "params"}``; model methods
take the context as their last parameter, which :meth:`TrytonClient.model` appends. Login is
``common.db.login(user, {"password": ...})`` → ``[uid, session, ...]``; later calls send
``Authorization: Session base64(user:uid:session)``. An expired session (401/403) is renewed
once per call. :func:`classify` is the only place an answer becomes an error class.
"""

from __future__ import annotations

import base64
import itertools
from collections.abc import Mapping
from typing import Any

import requests
from requests.auth import AuthBase

from connectors.http.errors import excerpt, network_error, retry_after_of
from connectors.tryton import codec
from hub.errors import FatalError, RetriableError

DEFAULT_TIMEOUT = 30.0
CONNECT_TIMEOUT = 5.0
RETRIABLE_STATUSES = frozenset({408, 409, 423, 425, 429})
AUTH_STATUSES = frozenset({401, 403})
FATAL_KINDS = frozenset({"UserError", "UserWarning", "LoginException"})
# Warnings a Tryton user would confirm for the hub. ``invoice_taxes``: an invoice line's taxes
# differ from its product's default taxes; the hub books the taxes the storefront charged
# (another rate, an exempt customer), which are the ones owed.
ACCEPTED_WARNINGS = frozenset({"invoice_taxes"})
LOCK_WORDS = ("database is locked", "could not serialize", "deadlock", "lock not available",
              "ConcurrencyException", "DatabaseOperationalError")


class SessionAuth(AuthBase):
    """``Authorization: Session base64(user:uid:session)``."""

    def __init__(self, username: str, user_id: int, session: str):
        token = f"{username}:{user_id}:{session}".encode()
        self.header = "Session " + base64.b64encode(token).decode()

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self.header
        return request

    def __repr__(self) -> str:  # never show the session key
        return "SessionAuth(***)"


def classify(response: requests.Response, body: Any, *, connection: str | None, action: str | None) -> None:
    """Return if Tryton answered a result; raise RetriableError or FatalError otherwise.

    HTTP: 408/409/423 (Tryton's lock answer)/425/429/5xx → retriable with Retry-After, other
    non-2xx → fatal. JSON-RPC ``error``: ConcurrencyException and database-lock failures →
    retriable; UserError (AccessError, validation...), UserWarning, LoginException and any
    other server exception → fatal, with Tryton's message.
    """
    status = response.status_code
    context = {"connection": connection, "action": action, "status": status}
    if not 200 <= status < 300:
        text = excerpt(response.text)
        if status in RETRIABLE_STATUSES or status >= 500:
            raise RetriableError(response.reason or "server error", retry_after=retry_after_of(response.headers),
                                 response_excerpt=text, **context)
        raise FatalError(response.reason or "request refused", response_excerpt=text, **context)
    if not isinstance(body, Mapping) or ("result" not in body and "error" not in body):
        raise FatalError("answer is not JSON-RPC", response_excerpt=excerpt(response.text), **context)
    if body.get("error") is not None:
        kind, message = error_text(body["error"])
        error_class = RetriableError if is_transient(kind, message) else FatalError
        raise error_class(f"{kind}: {message}", response_excerpt=excerpt(message), **context)


def error_text(error: Any) -> tuple[str, str]:
    """(kind, message) of a JSON-RPC ``error``: ``[kind, args]`` or ``[text, traceback]``."""
    if not isinstance(error, (list, tuple)) or not error:
        return "Error", str(error)
    kind, args = error[0], error[1] if len(error) > 1 else ""
    if kind in FATAL_KINDS or kind == "ConcurrencyException":
        parts = args if isinstance(args, (list, tuple)) else [args]
        if kind == "UserWarning":
            parts = parts[1:]  # the first item is the warning's name
        return kind, " - ".join(str(p) for p in parts if isinstance(p, str) and p)
    return "ServerError", str(kind)


def accepted_warning(body: Any) -> None:
    """Raise _AcceptedWarning when ``body`` is a UserWarning the hub answers "yes" to."""
    error = body.get("error") if isinstance(body, Mapping) else None
    if not (isinstance(error, (list, tuple)) and len(error) > 1 and error[0] == "UserWarning"):
        return
    args = error[1] if isinstance(error[1], (list, tuple)) else [error[1]]
    name = str(args[0]) if args else ""
    if name.rsplit(".", 1)[-1] in ACCEPTED_WARNINGS:
        raise _AcceptedWarning(name, error_text(error)[1])


def is_transient(kind: str, message: str) -> bool:
    """Whether a JSON-RPC error is a lock or concurrency failure that a retry can clear."""
    if kind == "ConcurrencyException":
        return True
    return kind == "ServerError" and any(word.lower() in message.lower() for word in LOCK_WORDS)


class TrytonClient:
    """One database of one trytond server, as one user; logs in lazily."""

    def __init__(self, url: str, database: str, username: str, password: str, *,
                 timeout: float = DEFAULT_TIMEOUT, context: Mapping[str, Any] | None = None,
                 company: str | int | None = None, connection: str | None = None):
        self.endpoint = f"{url.rstrip('/')}/{database}/rpc/"
        self.username, self._password = username, password
        self.timeout = (min(CONNECT_TIMEOUT, timeout), timeout)
        self.extra_context = dict(context or {})
        self.connection = connection
        self.company = company
        self.context: dict[str, Any] | None = None
        self.user_id: int | None = None
        self.session = requests.Session()
        self.session.headers.update({"Accept": "application/json", "Content-Type": "application/json"})
        self._ids = itertools.count(1)

    def login(self) -> None:
        """Open a session and load the user's preferences as the base context."""
        self.session.auth = None
        answer = self._post("common.db.login", [self.username, {"password": self._password}], "login")
        self.user_id, key = answer[0], answer[1]
        self.session.auth = SessionAuth(self.username, self.user_id, key)
        preferences = self._post("model.res.user.get_preferences", [True, {}], "login")
        self.context = {**preferences, **self.extra_context}
        if self.company is not None:
            company_id = self.company_id(self.company)
            self.context.update(company=company_id, companies=[company_id])

    def company_id(self, company: str | int) -> int:
        """The id of ``company`` given by id or by its party's name."""
        if isinstance(company, int):
            return company
        ids = self._post("model.company.company.search", [[("party.name", "=", company)], 0, 1, None, self.context],
                         "login")
        if not ids:
            raise FatalError(f"Tryton has no company {company!r}", connection=self.connection, action="login")
        return ids[0]

    def call(self, method: str, params: list[Any], *, action: str | None = None) -> Any:
        """Call ``method`` with ``params``; renews the session once if Tryton refuses it, and
        answers "yes" to the warnings in ACCEPTED_WARNINGS (at most once each) the way a
        Tryton user would, by recording the warning as seen, then calls again."""
        if self.context is None:
            self.login()
        seen: set[str] = set()
        while True:
            try:
                return self._call_once(method, params, action)
            except _AcceptedWarning as warning:
                if warning.name in seen:
                    raise FatalError(f"UserWarning: {warning.message}", connection=self.connection,
                                     action=action) from None
                seen.add(warning.name)
                self._call_once("model.res.user.warning.create",
                                [[{"user": self.user_id, "name": warning.name, "always": False}], self.context],
                                action)

    def _call_once(self, method: str, params: list[Any], action: str | None) -> Any:
        try:
            return self._post(method, params, action, renew=True)
        except _SessionExpired:
            self.login()
            return self._post(method, params, action)

    def model(self, model: str, method: str, *args: Any, action: str | None = None) -> Any:
        """``model.<model>.<method>(*args, context)``."""
        if self.context is None:
            self.login()
        return self.call(f"model.{model}.{method}", [*args, self.context], action=action)

    def search(self, model: str, domain: list, *, limit: int | None = None, order: list | None = None,
               action: str | None = None) -> list[int]:
        """Ids of ``model`` records matching ``domain``."""
        return self.model(model, "search", domain, 0, limit, order, action=action)

    def search_read(self, model: str, domain: list, fields: list[str], *, limit: int | None = None,
                    order: list | None = None, action: str | None = None) -> list[dict[str, Any]]:
        """``fields`` of the ``model`` records matching ``domain``."""
        return self.model(model, "search_read", domain, 0, limit, order, fields, action=action)

    def read(self, model: str, ids: list[int], fields: list[str], *, action: str | None = None) -> list[dict]:
        """``fields`` of the ``model`` records ``ids``, in that order."""
        return self.model(model, "read", ids, fields, action=action) if ids else []

    def create(self, model: str, values: list[dict[str, Any]], *, action: str | None = None) -> list[int]:
        """Create one ``model`` record per values mapping; returns their ids."""
        return self.model(model, "create", values, action=action)

    def write(self, model: str, ids: list[int], values: dict[str, Any], *, action: str | None = None) -> None:
        """Write ``values`` on the ``model`` records ``ids``."""
        if ids and values:
            self.model(model, "write", ids, values, action=action)

    def wizard(self, name: str, records: list[int], model: str, steps: list[tuple[str, dict]],
               *, action: str | None = None) -> list[Any]:
        """Run wizard ``name`` on ``records`` through ``steps`` ((button, form data) pairs)."""
        if self.context is None:
            self.login()
        context = {**self.context, "active_model": model, "active_id": records[0], "active_ids": records}
        session_id, _start, _end = self.call(f"wizard.{name}.create", [context], action=action)
        try:
            return [self.call(f"wizard.{name}.execute", [session_id, data, state, context], action=action)
                    for state, data in steps]
        finally:
            self.call(f"wizard.{name}.delete", [session_id, context], action=action)

    def _post(self, method: str, params: list[Any], action: str | None, *, renew: bool = False) -> Any:
        body = codec.dumps({"id": next(self._ids), "method": method, "params": params})
        try:
            # no redirects: a 307 would carry the login's password, or the session key, elsewhere
            response = self.session.post(self.endpoint, data=body.encode(), timeout=self.timeout,
                                         allow_redirects=False)
        except requests.RequestException as error:
            raise network_error(error, connection=self.connection, action=action) from None
        if renew and response.status_code in AUTH_STATUSES:
            raise _SessionExpired()
        answer = self._parse(response)
        accepted_warning(answer)
        classify(response, answer, connection=self.connection, action=action)
        return answer["result"]

    def _parse(self, response: requests.Response) -> Any:
        try:
            return codec.loads(response.content) if response.content.strip() else None
        except ValueError:
            return None  # classify names the status and an excerpt of the text

    def close(self) -> None:
        """Close the pooled connections (the Tryton session simply expires)."""
        self.session.close()


class _SessionExpired(Exception):
    """Tryton refused the session key: log in again (internal to the client)."""


class _AcceptedWarning(Exception):
    """Tryton asks to confirm a warning the hub accepts (internal to the client)."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name, self.message = name, message
