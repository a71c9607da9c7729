"""Storing a canonical record the way the O2C services need it: the store's upsert, then what
the domain derives from the record kept current.

    store_record(session, "fulfillment", record, ref=("shopify", "450789469"))  -> UpsertResult

The store (hub/store/upsert.py) validates, finds and writes the record and its external refs; it
knows nothing of order statuses. Every writer of canonical records goes through here (the
upsert step, cash application, e-invoice import, bank statements), so an order, a fulfillment or
an invoice that changed re-derives its order's status (hub/o2c/orders/facts.py) in the same
transaction, and ``sales_orders.status`` never lags behind its facts. The import contracts in
pyproject.toml let no other module call the store's upsert.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from hub.errors import CustomerNotKnown
from hub.o2c.orders.facts import order_number_of, refresh_order_status
from hub.store.o2c import ENTITY_MODELS, SalesOrder
from hub.store.upsert import Ref, UpsertResult, upsert

__all__ = ["Ref", "UpsertResult", "store_record"]


def store_record(session: Session, entity: str, record: dict[str, Any], *, ref: Ref | None = None,
                 known_customer: bool = False) -> UpsertResult:
    """Store ``record`` as ``entity`` (``ref``: where it came from, (system, external id)) and
    refresh the status of the order it belongs to when it changed anything.

    ``known_customer`` (the upsert step asks it of every invoice a run stores): an invoice is
    never kept as nobody's. When the customer it names is not in the hub, a customer named with
    a system's id (an ERP's party: the book of record of whom it invoiced) is added from what the
    invoice says of it (name, e-mail, tax id, that id); a customer named only by e-mail, tax id or
    name raises CustomerNotKnown, and the caller's transaction, rolled back, keeps nothing.

    Raises InvalidRecordError when the record does not match its schema, LookupError for an
    unknown entity, RetriableError when another session stored it at the same moment.
    """
    result = upsert(session, entity, record, ref=ref)
    if known_customer and entity == "invoice" and record.get("customer"):
        row = session.get(ENTITY_MODELS[entity], result.id)
        if row.customer_id is None:
            row.customer_id = _customer_from(session, row.data)
    if result.changed:
        row = session.get(ENTITY_MODELS[entity], result.id)  # in the session already: no query
        refresh_order_status(session, order_number_of(entity, row.data),
                             order=row if isinstance(row, SalesOrder) else None)
    return result


def _customer_from(session: Session, invoice: dict[str, Any]) -> int:
    """The id of the customer added from ``invoice``'s customer reference, which carries a
    system's id; CustomerNotKnown when it carries none."""
    party = invoice.get("customer") or {}
    if not party.get("external_refs"):
        raise CustomerNotKnown(_customer_missing(invoice))
    known = {key: party[key] for key in ("name", "email", "tax_id", "external_refs") if party.get(key)}
    return store_record(session, "customer", known).id


def _customer_missing(invoice: dict[str, Any]) -> str:
    """Why an invoice waits, saying how it names its customer, never the name or e-mail itself."""
    party = invoice.get("customer") or {}
    named = " and ".join(label for key, label in (("email", "e-mail"), ("tax_id", "tax id"), ("name", "name"))
                         if party.get(key))
    return (f"invoice {invoice.get('number')} names a customer by {named} (no system's id) that the hub does not know yet: "
            "nothing was stored; it is stored once the customer is (sync the customer, or add it to "
            "the hub), when the run is tried again, and the run is dead-lettered after its last attempt")
