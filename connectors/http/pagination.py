"""Paginator strategies: how to ask for the next page, given the one just read.

The loop lives in :meth:`connectors.http.client.HttpClient.paginate`; a paginator only answers
``first(url, params)`` and ``next(page, response, data, records)``. The loop stops when ``next``
returns None or asks for a page it already fetched (a server repeating its cursor or ``next``
link must not make a poll run forever).

Config shapes (``paginator:`` of a resource)::

    paginator: link                                            # RFC 5988 Link: <...>; rel="next"
    paginator: {cursor: {path: meta.next_cursor, param: cursor}}
    paginator: {offset: {limit: 100, offset_param: offset, limit_param: limit, total_path: total}}
    paginator: none
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from hub.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Page:
    """A request for one page: an absolute URL and its query parameters."""

    url: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def key(self) -> tuple:
        """Identity of the request, used to detect a paginator going round in circles."""
        return self.url, tuple(sorted((k, str(v)) for k, v in self.params.items()))


def dig(data: Any, path: str | None) -> Any:
    """The value at a dotted ``path`` (``"meta.next_cursor"``, ``"data.0.id"``); None if absent."""
    for part in (path or "").split(".") if path else ():
        if isinstance(data, Mapping):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


class Paginator:
    """Base strategy: a single page (also what ``NoPagination`` is)."""

    def first(self, url: str, params: Mapping[str, Any]) -> Page:
        """The request for the first page."""
        return Page(url, dict(params))

    def next(self, page: Page, response: requests.Response, data: Any, records: list) -> Page | None:
        """The request for the page after ``page``, or None when there is none."""
        return None


class NoPagination(Paginator):
    """The resource answers everything in one response."""


class LinkHeaderPaginator(Paginator):
    """Follows ``Link: <url>; rel="next"`` (RFC 5988 / 8288); the URL carries its own query."""

    def next(self, page: Page, response: requests.Response, data: Any, records: list) -> Page | None:
        url = response.links.get("next", {}).get("url")
        return Page(requests.compat.urljoin(page.url, url)) if url and records else None


class CursorPaginator(Paginator):
    """Copies an opaque cursor from the response (``path``) into the next request (``param``)."""

    def __init__(self, path: str = "next_cursor", param: str = "cursor"):
        self.path, self.param = path, param

    def next(self, page: Page, response: requests.Response, data: Any, records: list) -> Page | None:
        cursor = dig(data, self.path)
        if cursor in (None, "") or not records:
            return None
        return Page(page.url, {**page.params, self.param: cursor})


class OffsetPaginator(Paginator):
    """``offset``/``limit`` pages; stops on a short page or once ``total_path`` is reached."""

    def __init__(
        self,
        limit: int = 100,
        offset_param: str = "offset",
        limit_param: str = "limit",
        total_path: str | None = None,
    ):
        self.limit, self.offset_param, self.limit_param = limit, offset_param, limit_param
        self.total_path = total_path

    def first(self, url: str, params: Mapping[str, Any]) -> Page:
        return Page(url, {**params, self.offset_param: 0, self.limit_param: self.limit})

    def next(self, page: Page, response: requests.Response, data: Any, records: list) -> Page | None:
        offset = int(page.params[self.offset_param]) + len(records)
        total = dig(data, self.total_path) if self.total_path else None
        if len(records) < self.limit or (total is not None and offset >= int(total)):
            return None
        return Page(page.url, {**page.params, self.offset_param: offset})


PAGINATORS: dict[str, Callable[..., Paginator]] = {
    "none": NoPagination,
    "link": LinkHeaderPaginator,
    "cursor": CursorPaginator,
    "offset": OffsetPaginator,
}


def paginator_from_config(config: str | Mapping[str, Any] | None) -> Paginator:
    """Build a paginator from ``"link"`` / ``{cursor: {...}}`` style config (default: none)."""
    if config is None:
        return NoPagination()
    kind, options = (config, {}) if isinstance(config, str) else _single_item(config)
    factory = PAGINATORS.get(kind)
    if factory is None:
        raise ConfigError(f"unknown paginator {kind!r} (known: {', '.join(PAGINATORS)})")
    try:
        return factory(**(options or {}))
    except TypeError as error:
        raise ConfigError(f"paginator {kind}: {error}") from None


def _single_item(config: Mapping[str, Any]) -> tuple[str, Any]:
    if len(config) != 1:
        raise ConfigError(f"paginator takes exactly one of {', '.join(PAGINATORS)}")
    return next(iter(config.items()))
