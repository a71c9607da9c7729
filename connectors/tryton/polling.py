"""Poll Tryton for records changed since a cursor, using its write_date / create_date.

Tryton keeps both as naive UTC datetimes and leaves write_date empty until a record is first
changed, so "changed since" is ``write_date >= start`` or (never written and
``create_date >= start``). Records come back oldest first, ties broken by id.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from connectors.base import Cursor, PolledRecord
from connectors.tryton import mapping

if TYPE_CHECKING:
    from connectors.tryton import TrytonConnector

PAGE = 200


def _invoices(connector: TrytonConnector, ids: list[int]) -> list[dict[str, Any]]:
    return connector.invoices.canonical(ids, action="poll")


def _sales(connector: TrytonConnector, ids: list[int]) -> list[dict[str, Any]]:
    return [mapping.sale_result(connector.sales.read(sale_id, action="poll")) for sale_id in ids]


# resource → (model, fixed domain, reader of full records)
POLLED: dict[str, tuple[str, list, Callable[[TrytonConnector, list[int]], list[dict[str, Any]]]]] = {
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
        for row, record in zip(page, reader(connector, [row["id"] for row in page])):
            yield PolledRecord(id=str(row["id"]), updated_at=updated_at(row), data=record)


def updated_at(row: dict[str, Any]) -> dt.datetime:
    """When the record last changed, as an aware UTC datetime."""
    return (row.get("write_date") or row["create_date"]).replace(tzinfo=dt.timezone.utc)
