"""HTTP to the HubSpot CRM v3 API: private-app token, search pages, the 10,000-result window.

    client = HubSpotClient(token, connection="crm")
    for record in client.search_since(RESOURCES["contacts"], custom, start):
        ...

HubSpot's search pages with ``paging.next.after``, an offset into a result that is computed
again for every page, and refuses to page past its result window (10,000).
:meth:`HubSpotClient.search_since` therefore searches again from the latest modified date of each
page, skipping (id, modified) pairs it already yielded, so every record comes exactly once, still
oldest first, even when records change while it pages.

:func:`classify` is the one place where a HubSpot answer becomes an error:

    2xx                   ok
    429                   RetriableError; retry_after from Retry-After, else the rate-limit policy
                          (SECONDLY 1 s, TEN_SECONDLY_ROLLING 10 s) or X-HubSpot-RateLimit-Interval-Milliseconds
    408, 5xx              RetriableError
    other 4xx             FatalError ("<category>: <message>", e.g. VALIDATION_ERROR, OBJECT_NOT_FOUND)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

import requests

from connectors.http.auth import BearerAuth
from connectors.http.client import DEFAULT_TIMEOUT, HttpClient
from connectors.http.errors import excerpt, parse_retry_after
from connectors.http.pagination import dig
from connectors.hubspot.mapping import CustomProperties, modified_at
from connectors.hubspot.search import SearchResource
from hub.errors import FatalError, RetriableError

DEFAULT_BASE_URL = "https://api.hubapi.com"
SEARCH_WINDOW = 10_000
POLICY_SECONDS = {"SECONDLY": 1.0, "TEN_SECONDLY_ROLLING": 10.0}


def classify(response: requests.Response, *, connection: str | None, action: str | None) -> None:
    """Return if ``response`` is 2xx, else raise the RetriableError or FatalError it means."""
    status = response.status_code
    if 200 <= status < 300:
        return
    body = _body(response)
    reason = _reason(body) or response.reason or "error"
    context = {"connection": connection, "action": action, "status": status,
               "response_excerpt": excerpt(response.text)}
    if status == 429:
        raise RetriableError(reason, retry_after=rate_limit_wait(response.headers, body), **context)
    if status == 408 or status >= 500:
        raise RetriableError(reason, retry_after=parse_retry_after(response.headers.get("Retry-After")), **context)
    raise FatalError(reason, **context)


def rate_limit_wait(headers: Mapping[str, str], body: Any) -> float | None:
    """Seconds to wait after a 429: Retry-After, else the policy's window, else the interval header."""
    waited = parse_retry_after(headers.get("Retry-After"))
    if waited is not None:
        return waited
    policy = body.get("policyName") if isinstance(body, Mapping) else None
    if policy in POLICY_SECONDS:
        return POLICY_SECONDS[policy]
    interval = headers.get("X-HubSpot-RateLimit-Interval-Milliseconds")
    return int(interval) / 1000 if interval and interval.isdigit() else None


def _reason(body: Any) -> str | None:
    if not isinstance(body, Mapping) or not body.get("message"):
        return None
    kind = body.get("category") or body.get("errorType")
    return f"{kind}: {body['message']}" if kind else str(body["message"])


def _body(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


class HubSpotClient(HttpClient):
    """One HubSpot account reached with a private-app access token."""

    classify = staticmethod(classify)

    def __init__(self, token: str, *, base_url: str = DEFAULT_BASE_URL, page_size: int = 100,
                 window: int = SEARCH_WINDOW, timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
                 connection: str | None = None):
        super().__init__(base_url, auth=BearerAuth(token), timeout=timeout, connection=connection)
        self.page_size, self.window = page_size, window

    def search(self, object_type: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """One page of ``POST /crm/v3/objects/<object_type>/search``."""
        return self.request("POST", f"/crm/v3/objects/{object_type}/search", json=body, action="search") or {}

    def search_since(self, resource: SearchResource, custom: CustomProperties,
                     start: datetime | None) -> Iterator[dict[str, Any]]:
        """Every record changed at or after ``start``, oldest first, each exactly once.

        Each page is a new search from the latest modified date seen so far, not the next offset
        of one search: a record that changes while we page moves to the end of the result, and
        with offsets every record behind it would shift one place forward, so the first record
        of the next page would never be seen. Offsets are only used among records that share
        one modified date, and the result window bounds them.
        """
        yielded: set[tuple[str, datetime]] = set()
        after: str | None = None
        while True:
            page = self.search(resource.object_type, resource.body(custom, start, limit=self.page_size, after=after))
            results = page.get("results") or []
            for record in results:
                key = (str(record["id"]), modified_at(record, resource.modified_property))
                if key not in yielded:
                    yielded.add(key)
                    yield record
            following = dig(page, "paging.next.after")
            if not following or not results:
                return
            latest = max(modified_at(r, resource.modified_property) for r in results)
            if start is None or latest > start:
                start, after = latest, None
                yielded = {key for key in yielded if key[1] >= latest}  # older ones cannot come back
            else:
                after = self._within_window(resource, start, following)

    def _within_window(self, resource: SearchResource, start: datetime, after: str) -> str:
        """``after`` when the search may still page that far, else the FatalError it means."""
        if int(after) < self.window:
            return after
        raise FatalError(f"more than {self.window} {resource.object_type} share one modified date "
                         f"({start.isoformat()}); the search cannot page past them",
                         connection=self.connection, action="search")
