"""What the store knows about one order: the order, its fulfillments, invoices and credit decision.

``refresh_order_status`` writes the derived status into ``sales_orders.status`` (the column
only: the stored document keeps what the source system said). ``hub.store.upsert`` calls it
when an order, a fulfillment or an invoice is stored, and credit decisions call it too, so the
column stays queryable by ``query`` steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hub.o2c.orders.status import derive_status
from hub.store.o2c import Fulfillment, Invoice, SalesOrder
from hub.store.o2c_credit import CreditCheck


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderFacts:
    order: SalesOrder
    fulfillments: list[Fulfillment]
    invoices: list[Invoice]
    credit: CreditCheck | None  # the latest check

    @property
    def status(self) -> str:
        return derive_status(self.order.data, [f.data for f in self.fulfillments],
                             [{**i.data, "kind": i.kind} for i in self.invoices],
                             self.credit.decision if self.credit else None)


def order_facts(session: Session, order: SalesOrder) -> OrderFacts:
    """The order's fulfillments and invoices (linked by id or by order number) and latest check."""
    fulfillments = session.scalars(select(Fulfillment).where(or_(
        Fulfillment.sales_order_id == order.id, Fulfillment.order_number == order.number,
    )).order_by(Fulfillment.id)).all()
    invoices = session.scalars(select(Invoice).where(or_(
        Invoice.sales_order_id == order.id, Invoice.order_number == order.number,
    )).order_by(Invoice.id)).all()
    return OrderFacts(order=order, fulfillments=list(fulfillments), invoices=list(invoices),
                      credit=latest_check(session, order.number))


def latest_check(session: Session, order_number: str) -> CreditCheck | None:
    return session.scalars(select(CreditCheck).where(CreditCheck.order_number == order_number)
                           .order_by(CreditCheck.id.desc()).limit(1)).first()


def refresh_order_status(session: Session, order_number: str | None) -> str | None:
    """Recompute and store the status of order ``order_number``; None when it is not stored."""
    if not order_number:
        return None
    order = session.scalar(select(SalesOrder).where(SalesOrder.number == order_number))
    if order is None:
        return None
    order.status = order_facts(session, order).status
    session.flush()
    return order.status


def order_number_of(entity: str, record: dict[str, Any]) -> str | None:
    """The order a stored record belongs to (for status refreshes), if any."""
    if entity == "sales_order":
        return record.get("number")
    if entity in ("fulfillment", "invoice"):
        return record.get("order_number")
    return None
