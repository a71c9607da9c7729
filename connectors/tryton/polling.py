"""Poll Tryton for records changed since a cursor, using its write_date / create_date.

Tryton keeps both as naive UTC datetimes and leaves write_date empty until a record is first
changed, so "changed since" is ``write_date >= start`` or (never written and
``create_date >= start``). Records come back oldest first, ties broken by id.

Tryton answers ``read`` in an order of its own (its documentation promises none), so the full
records of a page are paired with their stamps by id, never by position.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from connectors.tryton import mapping
from hub.connector import Cursor, PolledRecord

if TYPE_CHECKING:
    from connectors.tryton import TrytonConnector

PAGE = 200


def _invoices(connector: TrytonConnector, ids: list[int]) -> dict[int, dict[str, Any]]:
    records = connector.invoices.canonical(ids, action="poll")
    return {int(_tryton_id(record)): record for record in records}


def _sales(connector: TrytonConnector, ids: list[int]) -> dict[int, dict[str, Any]]:
    return {sale_id: mapping.sale_result(connector.sales.read(sale_id, action="poll")) for sale_id in ids}


def _tryton_id(invoice: dict[str, Any]) -> str:
    return next(ref["id"] for ref in invoice["external_refs"] if ref["system"] == mapping.SYSTEM)


# resource → (model, fixed domain, reader of full records by id)
POLLED: dict[str, tuple[str, list, Callable[[TrytonConnector, list[int]], dict[int, dict[str, Any]]]]] = {
    "invoices": ("account.invoice", [("type", "=", "out")], _invoices),
    "sales": ("sale.sale", [], _sales),
}


def changed_since(start: dt.datetime | None) -> list:
    """The Tryton domain of records written (or created, if never written) at or after ``start``."""
    if start is None:
        return []
    naive = start.astimezone(dt.timezone.utc).replace(tzinfo=None) if start.tzinfo else start
    return [["OR", ("write_date", ">=", naive), [("write_date", "=", None), ("create_date", ">=", naive)]]]


def poll_changes(connector: TrytonConnector, resource: str, cursor: Cursor) -> Iterator[PolledRecord]:
    """Yield the changed records of ``resource``, oldest first, a page of reads at a time."""
    model, domain, reader = POLLED[resource]
    stamps = connector.client.search_read(model, [*domain, *changed_since(cursor.start)],
                                          ["write_date", "create_date"], action="poll")
    ordered = sorted(stamps, key=lambda row: (updated_at(row), row["id"]))
    for offset in range(0, len(ordered), PAGE):
        page = ordered[offset:offset + PAGE]
        records = reader(connector, [row["id"] for row in page])
        for row in page:
            record = records.get(row["id"])
            if record is not None:  # deleted between the search and the read: nothing to report
                yield PolledRecord(id=str(row["id"]), updated_at=updated_at(row), data=record)


def updated_at(row: dict[str, Any]) -> dt.datetime:
    """When the record last changed, as an aware UTC datetime."""
    return (row.get("write_date") or row["create_date"]).replace(tzinfo=dt.timezone.utc)
