"""Declared endpoints of the generic ``http`` connector: actions (write) and resources (poll).

    actions:
      create_order: {method: POST, path: /orders}
      update_order: {method: PUT, path: "/orders/{number}"}     # {number} comes from the payload
    resources:
      orders: {path: /orders, record_path: data, paginator: link, since_param: updated_since}
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from connectors.base import ActionContext, Cursor, PolledRecord
from connectors.common.urls import path_segment
from connectors.http.client import IDEMPOTENT_BODY_METHODS, HttpClient
from connectors.http.pagination import NoPagination, Paginator, dig, paginator_from_config
from hub.errors import FatalError


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpAction:
    """``(payload, context) -> response JSON``: sends the payload, keyed for idempotency."""

    client: HttpClient
    name: str
    method: str = "POST"
    path: str = "/"
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, client: HttpClient, name: str, config: Mapping[str, Any]) -> HttpAction:
        """Build from one entry under ``actions:``."""
        return cls(
            client=client,
            name=name,
            method=config.get("method", "POST").upper(),
            path=config["path"],
            headers=dict(config.get("headers", {})),
        )

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
