"""Declared endpoints of the generic ``http`` connector: actions (write) and resources (poll).

    actions:
      create_order:
        method: POST
        path: /orders
        lookup:                                   # how to find an earlier call's order
          path: /orders
          params: {reference: "{number}"}
          record_path: data
          found_when: {reference: "{number}"}
      update_order: {method: PUT, path: "/orders/{number}"}     # {number} comes from the payload
    resources:
      orders: {path: /orders, record_path: data, paginator: link, since_param: updated_since}

An action with a ``lookup`` is made exactly once: when the hub stopped after calling and before
recording the answer, the next attempt sends the lookup (a GET) first and calls only when the
record is not there (hub/connector.py). A PUT, GET or DELETE action is repeatable (the same
request again changes nothing more); a POST or PATCH without a lookup is made at least once.
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from connectors.common.urls import path_segment
from connectors.http.client import IDEMPOTENT_BODY_METHODS, HttpClient
from connectors.http.pagination import NoPagination, Paginator, dig, paginator_from_config
from hub.connector import ActionContext, Cursor, PolledRecord
from hub.errors import FatalError


#: Methods whose request, sent again, changes nothing more (RFC 9110 idempotent methods).
REPEATABLE_METHODS = frozenset({"GET", "PUT", "DELETE"})


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpLookup:
    """``(payload, context) -> record | None``: finds the effect of an earlier call of an action.

    A GET of ``path`` with ``params`` (``{placeholders}`` filled from the action's payload); the
    records are the answer at ``record_path`` (a list, or one record), and the effect is the first
    record whose ``found_when`` fields have the values given. None when no record has them, or
    the answer is 404; any other failure raises its ConnectorError (the ledger then waits).
    """

    client: HttpClient
    action: str
    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    record_path: str | None = None
    found_when: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, client: HttpClient, action: str, config: Mapping[str, Any]) -> HttpLookup:
        """Build from an action's ``lookup:`` entry."""
        return cls(client=client, action=action, path=config["path"], params=dict(config.get("params", {})),
                   record_path=config.get("record_path") or None, found_when=dict(config["found_when"]))

    def __call__(self, payload: Any, context: ActionContext) -> Any:
        name = f"{self.action} lookup"
        connection = self.client.connection
        path = fill_path(self.path, payload, connection=connection, action=name)
        params = {key: fill_text(value, payload, connection=connection, action=name)
                  for key, value in self.params.items()}
        try:
            answer = self.client.request("GET", path, params=params, action=name)
        except FatalError as error:
            if error.status == 404:
                return None
            raise
        wanted = {field_: fill_text(value, payload, connection=connection, action=name)
                  for field_, value in self.found_when.items()}
        return next((record for record in self.records(answer)
                     if all(_text(dig(record, field_)) == value for field_, value in wanted.items())), None)

    def records(self, answer: Any) -> list[Any]:
        """The records of an answer: the list at ``record_path``, or the one record there."""
        found = dig(answer, self.record_path) if self.record_path else answer
        if isinstance(found, list):
            return found
        return [found] if isinstance(found, Mapping) else []


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpAction:
    """``(payload, context) -> response JSON``: sends the payload, keyed for idempotency.

    ``lookup`` (an HttpLookup, when configured) and ``repeatable`` are what the action declares
    about a call repeated after a crash (hub/connector.py)."""

    client: HttpClient
    name: str
    method: str = "POST"
    path: str = "/"
    headers: Mapping[str, str] = field(default_factory=dict)
    lookup: HttpLookup | None = None

    @classmethod
    def from_config(cls, client: HttpClient, name: str, config: Mapping[str, Any]) -> HttpAction:
        """Build from one entry under ``actions:``."""
        lookup = config.get("lookup")
        return cls(
            client=client,
            name=name,
            method=config.get("method", "POST").upper(),
            path=config["path"],
            headers=dict(config.get("headers", {})),
            lookup=HttpLookup.from_config(client, name, lookup) if lookup else None,
        )

    @property
    def repeatable(self) -> bool:
        """Whether the same request again changes nothing more (PUT, GET, DELETE)."""
        return self.method in REPEATABLE_METHODS

    def __call__(self, payload: Any, context: ActionContext) -> Any:
        body = payload if self.method in IDEMPOTENT_BODY_METHODS else None
        return self.client.request(
            self.method,
            fill_path(self.path, payload, connection=self.client.connection, action=self.name),
            json=body,
            headers=self.headers,
            idempotency_key=context.idempotency_key,
            action=self.name,
        )


def fill_text(template: str, payload: Any, *, connection: str | None, action: str | None) -> str:
    """``{number}`` (dotted names allowed) filled with the payload's values, as text."""
    parts = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        parts.append(literal)
        if name is not None:
            parts.append(_text(_needed(payload, name, template, connection=connection, action=action)))
    return "".join(parts)


def _needed(payload: Any, name: str, template: str, *, connection: str | None, action: str | None) -> Any:
    value = dig(payload, name)
    if value is None:
        raise FatalError(f"{template!r} needs {name!r} in the payload", connection=connection, action=action)
    return value


def _text(value: Any) -> str | None:
    """A value as compared and sent: text as it is, numbers and the rest as their text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def fill_path(template: str, payload: Any, *, connection: str | None, action: str | None) -> str:
    """``/orders/{number}`` with ``number`` taken from the payload (dotted names allowed).

    Each value becomes one percent-encoded path segment (see ``path_segment``): an id of
    ``../admin`` reaches ``/orders/..%2Fadmin``, never ``/admin``.
    """
    parts = []
    for literal, name, _spec, _conv in string.Formatter().parse(template):
        parts.append(literal)
        if name is None:
            continue
        value = dig(payload, name)
        if value is None:
            raise FatalError(f"path {template!r} needs {name!r} in the payload", connection=connection, action=action)
        parts.append(path_segment(value, name=f"{name!r} of path {template!r}", connection=connection, action=action))
    return "".join(parts)


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpResource:
    """A pollable list endpoint: where records are, what identifies them, how to page."""

    name: str
    path: str
    record_path: str | None = None
    id_field: str = "id"
    updated_field: str = "updated_at"
    since_param: str | None = "updated_since"
    params: Mapping[str, Any] = field(default_factory=dict)
    paginator: Paginator = field(default_factory=NoPagination)

    @classmethod
    def from_config(cls, name: str, config: Mapping[str, Any]) -> HttpResource:
        """Build from one entry under ``resources:``."""
        simple = {k: v for k, v in config.items() if k in cls.__dataclass_fields__ and k != "paginator"}
        return cls(name=name, paginator=paginator_from_config(config.get("paginator")), **simple)

    def poll(self, client: HttpClient, cursor: Cursor) -> Iterator[PolledRecord]:
        """Records changed at or after ``cursor.start``, oldest first (ties broken by id)."""
        params = dict(self.params)
        if cursor.start is not None and self.since_param:
            params[self.since_param] = as_utc(cursor.start).isoformat()
        rows = client.paginate(self.path, self.paginator, self.record_path, params=params, action=self.name)
        records = [self.polled(row, client.connection) for row in rows]
        start = as_utc(cursor.start) if cursor.start else None
        fresh = [r for r in records if start is None or r.updated_at >= start]
        yield from sorted(fresh, key=lambda r: (r.updated_at, r.id))

    def polled(self, row: Any, connection: str | None) -> PolledRecord:
        """Wrap one row; a row without id or a parseable change time is a FatalError."""
        record_id, updated = dig(row, self.id_field), dig(row, self.updated_field)
        if record_id is None or updated is None:
            raise FatalError(
                f"record lacks {self.id_field!r} or {self.updated_field!r}", connection=connection, action=self.name
            )
        return PolledRecord(id=str(record_id), updated_at=parse_timestamp(updated, connection, self.name), data=row)


def parse_timestamp(value: Any, connection: str | None, resource: str) -> datetime:
    """ISO 8601 text (``Z`` allowed) or epoch seconds, as an aware UTC datetime."""
    try:
        if isinstance(value, (int, float, Decimal)) or (isinstance(value, str) and value.isdigit()):
            return datetime.fromtimestamp(float(value), tz=timezone.utc)
        return as_utc(datetime.fromisoformat(str(value)))
    except (TypeError, ValueError, OverflowError):
        raise FatalError(f"cannot read timestamp {value!r}", connection=connection, action=resource) from None


def as_utc(moment: datetime) -> datetime:
    """Aware UTC datetime; naive values are taken to be UTC already."""
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)
