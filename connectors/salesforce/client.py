"""HTTP to the Salesforce REST API: token refresh, SOQL query pages, error classification.

    client = SalesforceClient(auth, api_version="60.0", connection="crm")
    for record in client.query("SELECT Id, Name FROM Account"):
        ...

``query`` follows ``nextRecordsUrl`` until ``done: true``. A 401 ``INVALID_SESSION_ID`` makes the
client fetch a new token once and repeat the call. :func:`classify` is the one place where a
Salesforce answer becomes an error:

    2xx                                              ok
    REQUEST_LIMIT_EXCEEDED, SERVER_UNAVAILABLE,
    UNABLE_TO_LOCK_ROW; 408, 429, 5xx                RetriableError (retry_after from Retry-After)
    MALFORMED_QUERY, INVALID_FIELD, any other 4xx    FatalError
    OAuth {error, error_description} (token calls)   FatalError (wrong credentials), 5xx retriable
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import requests

from connectors.common.urls import Origin, origin_of
from connectors.http.client import DEFAULT_TIMEOUT, HttpClient
from connectors.http.errors import excerpt, retry_after_of
from connectors.http.pagination import Page, Paginator
from connectors.salesforce.auth import SalesforceAuth
from hub.errors import FatalError, RetriableError

DEFAULT_API_VERSION = "60.0"
RETRIABLE_CODES = frozenset({"REQUEST_LIMIT_EXCEEDED", "SERVER_UNAVAILABLE", "UNABLE_TO_LOCK_ROW"})
RETRIABLE_STATUSES = frozenset({408, 429})
SESSION_EXPIRED = "INVALID_SESSION_ID"


def error_codes(body: Any) -> list[tuple[str, str]]:
    """(errorCode, message) pairs of a REST error list or an OAuth error object."""
    if isinstance(body, list):
        return [(str(e.get("errorCode", "")), str(e.get("message", ""))) for e in body if isinstance(e, Mapping)]
    if isinstance(body, Mapping) and "error" in body:
        return [(str(body["error"]), str(body.get("error_description", "")))]
    return []


def classify(response: requests.Response, *, connection: str | None, action: str | None) -> None:
    """Return if ``response`` is 2xx, else raise the RetriableError or FatalError it means."""
    status = response.status_code
    if 200 <= status < 300:
        return
    codes = error_codes(_body(response))
    reason = "; ".join(f"{code}: {message}" for code, message in codes) or response.reason or "error"
    context = {"connection": connection, "action": action, "status": status,
               "response_excerpt": excerpt(response.text)}
    if status in RETRIABLE_STATUSES or status >= 500 or any(c in RETRIABLE_CODES for c, _ in codes):
        raise RetriableError(reason, retry_after=retry_after_of(response.headers), **context)
    raise FatalError(reason, **context)


def _body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def session_expired(response: requests.Response) -> bool:
    """Whether a response says the access token is no longer valid."""
    return response.status_code == 401 and (
        any(code == SESSION_EXPIRED for code, _ in error_codes(_body(response))) or not response.content
    )


class NextRecordsUrlPaginator(Paginator):
    """Follows ``nextRecordsUrl`` (relative to the instance) until ``done`` is true."""

    def next(self, page: Page, response: requests.Response, data: Any, records: list) -> Page | None:
        if not isinstance(data, Mapping) or data.get("done", True) or not data.get("nextRecordsUrl"):
            return None
        return Page(requests.compat.urljoin(page.url, data["nextRecordsUrl"]))


class SalesforceClient(HttpClient):
    """The REST API of one org, reached through the instance URL the token answer names."""

    classify = staticmethod(classify)

    def __init__(self, auth: SalesforceAuth, *, api_version: str = DEFAULT_API_VERSION,
                 timeout: float | tuple[float, float] = DEFAULT_TIMEOUT, batch_size: int | None = None,
                 connection: str | None = None):
        headers = {"Sforce-Query-Options": f"batchSize={batch_size}"} if batch_size else {}
        super().__init__(auth.login_url, auth=auth, timeout=timeout, default_headers=headers,
                         connection=connection)
        self.auth, self.api_version = auth, api_version

    def origins(self) -> frozenset[Origin]:
        """The instance the token answer named (or the configured one): the REST API's only host.

        ``nextRecordsUrl`` is followed only there, so a page pointing elsewhere is refused
        before the bearer token is sent."""
        origin = origin_of(self.auth.instance_url())
        return frozenset({origin}) if origin else frozenset()

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` under the instance URL (fetches a token when needed)."""
        return requests.compat.urljoin(self.auth.instance_url() + "/", path.lstrip("/"))

    def query(self, soql: str) -> Iterator[dict[str, Any]]:
        """Every record ``soql`` selects, page after page, in the query's order."""
        path = f"/services/data/v{self.api_version}/query"
        return self.paginate(path, NextRecordsUrlPaginator(), "records", params={"q": soql}, action="query")

    def send(self, method: str, url: str, *, json: Any = None, params: Mapping[str, Any] | None = None,
             headers: Mapping[str, str] | None = None, action: str | None = None) -> requests.Response:
        """Send, refresh the token once on INVALID_SESSION_ID, classify."""
        response = self.transmit(method, url, json=json, params=params, headers=headers, action=action)
        if session_expired(response):
            self.auth.refresh(_bearer_of(response.request))
            response = self.transmit(method, url, json=json, params=params, headers=headers, action=action)
        self.classify(response, connection=self.connection, action=action)
        return response

    def close(self) -> None:
        super().close()
        self.auth.close()


def _bearer_of(request: requests.PreparedRequest | None) -> str | None:
    """The access token a request was sent with."""
    value = (request.headers.get("Authorization") if request is not None else None) or ""
    return value.removeprefix("Bearer ").strip() or None
