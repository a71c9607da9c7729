"""HttpClient: one requests.Session per connection, a timeout on every call, exact JSON.

    client = HttpClient("https://erp.example.com/api", auth=BearerAuth(token), connection="erp")
    order = client.request("POST", "/orders", json=payload, idempotency_key=key, action="create")
    for record in client.paginate("/orders", LinkHeaderPaginator(), record_path="data"):
        ...

Bodies go out through ``hub.jsonutil.dumps`` (Decimal as a number literal) and come back
through ``hub.jsonutil.loads`` (fractions as Decimal). Every answer goes through the client's
status hook, :attr:`HttpClient.classify` (:func:`connectors.http.errors.classify` unless a vendor
client sets its own): the one status → error mapping of a client.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.auth import AuthBase
from requests.sessions import merge_setting
from requests.utils import get_environ_proxies

from connectors.common.urls import Origin, checked_url, origin_of
from connectors.http.errors import classify, excerpt, network_error
from connectors.http.pagination import Page, Paginator, dig
from hub import jsonutil
from hub.errors import FatalError

DEFAULT_TIMEOUT = (5.0, 30.0)  # (connect, read) seconds
IDEMPOTENT_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


class _Session(requests.Session):
    """A requests.Session that sends only to its connection's origins, and reads the proxy
    environment once per host, not on every call.

    Every request, a redirect's included, passes :meth:`send`, which refuses a URL outside
    ``origins()`` (see :mod:`connectors.common.urls`). requests drops ``Authorization`` on a
    redirect to another host, but not an API-key header or a signed body; refusing the hop
    keeps every credential with its host.

    requests scans ``os.environ`` for ``*_proxy`` and ``no_proxy`` twice per request; for a
    connection that calls one host on every run that was a measurable share of the run's CPU.
    The result depends only on the scheme and host, so it is kept per (scheme, host); the rest
    is what ``requests.Session.merge_environment_settings`` does.
    """

    def __init__(self, origins: Callable[[], frozenset[Origin]], connection: str | None) -> None:
        super().__init__()
        self._env_proxies: dict[tuple[str, str], dict[str, str]] = {}
        self._origins, self._connection = origins, connection

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # noqa: D102 - requests' hook
        checked_url(request.url or "", self._origins(), connection=self._connection)
        return super().send(request, **kwargs)

    def merge_environment_settings(self, url, proxies, stream, verify, cert):  # noqa: D102 - requests' hook
        if not self.trust_env or proxies != {}:  # explicit proxies: requests' own way
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        host = urlsplit(url)[:2]
        if host not in self._env_proxies:
            self._env_proxies[host] = get_environ_proxies(url)
        if verify is True or verify is None:
            verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or verify
        return {"proxies": merge_setting(dict(self._env_proxies[host]), self.proxies),
                "stream": merge_setting(stream, self.stream), "verify": merge_setting(verify, self.verify),
                "cert": merge_setting(cert, self.cert)}


class HttpClient:
    """JSON over HTTP for one connection: base URL, auth strategy, timeouts, default headers."""

    def __init__(
        self,
        base_url: str,
        *,
        auth: AuthBase | None = None,
        timeout: float | tuple[float, float] = DEFAULT_TIMEOUT,
        default_headers: Mapping[str, str] | None = None,
        connection: str | None = None,
    ):
        self.base_url = base_url.rstrip("/") + "/"
        self.timeout = timeout
        self.connection = connection
        origin = origin_of(self.base_url)
        self._origins = frozenset({origin}) if origin else frozenset()
        self.session = _Session(self.origins, connection)
        self.session.auth = auth
        self.session.headers.update({"Accept": "application/json", **(default_headers or {})})

    def origins(self) -> frozenset[Origin]:
        """Where this connection's requests may go: the base URL's scheme, host and port."""
        return self._origins

    def url(self, path: str) -> str:
        """Absolute URL of ``path`` (kept as is when already absolute)."""
        return requests.compat.urljoin(self.base_url, path.lstrip("/"))

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        idempotency_key: str | None = None,
        action: str | None = None,
    ) -> Any:
        """Send one request and return its parsed JSON body (None when the body is empty)."""
        method = method.upper()
        extra = dict(headers or {})
        if idempotency_key and method in IDEMPOTENT_BODY_METHODS:
            extra["Idempotency-Key"] = idempotency_key
        response = self.send(method, self.url(path), json=json, params=params, headers=extra, action=action)
        return self.parse(response, action=action)

    #: The status hook: turns an answer that is not 2xx into the ConnectorError it means. A vendor
    #: client sets its own (``classify = staticmethod(stripe_rules)``) instead of copying :meth:`send`.
    classify: Callable[..., None] = staticmethod(classify)

    def send(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        form: list[tuple[str, str]] | None = None,
        params: Any = None,
        headers: Mapping[str, str] | None = None,
        action: str | None = None,
    ) -> requests.Response:
        """Send and classify: returns only 2xx responses, raises a ConnectorError otherwise."""
        response = self.transmit(method, url, json=json, form=form, params=params, headers=headers, action=action)
        self.classify(response, connection=self.connection, action=action)
        return response

    def transmit(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        form: list[tuple[str, str]] | None = None,
        params: Any = None,
        headers: Mapping[str, str] | None = None,
        action: str | None = None,
    ) -> requests.Response:
        """Send one request, a JSON body or form fields, and return any answer unclassified.

        A failure to reach the server (refused, reset, timed out) raises its ConnectorError."""
        headers = dict(headers or {})
        data: Any = form
        if json is not None:
            data = jsonutil.dumps(json).encode()
            headers["Content-Type"] = "application/json"
        try:
            return self.session.request(method, url, data=data, params=params, headers=headers, timeout=self.timeout)
        except requests.RequestException as error:
            raise network_error(error, connection=self.connection, action=action) from None

    def parse(self, response: requests.Response, *, action: str | None = None) -> Any:
        """The response body as exact JSON; a non-JSON 2xx body is a FatalError."""
        if not response.content.strip():
            return None
        try:
            return jsonutil.loads(response.content)
        except ValueError:
            raise FatalError(
                "response is not JSON",
                connection=self.connection,
                action=action,
                status=response.status_code,
                response_excerpt=excerpt(response.text),
            ) from None

    def paginate(
        self,
        path: str,
        paginator: Paginator,
        record_path: str | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        action: str | None = None,
    ) -> Iterator[Any]:
        """Yield every record of every page; ``record_path`` locates the list in each page."""
        page: Page | None = paginator.first(self.url(path), params or {})
        seen: set[tuple] = set()
        while page is not None and page.key() not in seen:
            seen.add(page.key())
            checked_url(page.url, self.origins(), connection=self.connection, action=action)
            response = self.send("GET", page.url, params=page.params, action=action)
            data = self.parse(response, action=action)
            records = self.records_of(data, record_path, action=action)
            yield from records
            page = paginator.next(page, response, data, records)

    def records_of(self, data: Any, record_path: str | None, *, action: str | None) -> list:
        """The record list at ``record_path`` of a page (the page itself when no path)."""
        records = dig(data, record_path) if record_path else data
        if records is None:
            return []
        if not isinstance(records, list):
            raise FatalError(
                f"expected a list at {record_path or 'the top level'!r}, got {type(records).__name__}",
                connection=self.connection,
                action=action,
            )
        return records

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
