"""What the store knows about one order: the order, its fulfillments, invoices and credit decision.

``refresh_order_status`` writes the derived status into ``sales_orders.status`` (the column
only: the stored document keeps what the source system said). ``hub.o2c.records.store_record``
calls it when an order, a fulfillment or an invoice is stored, and credit decisions call it too,
so the column stays queryable by ``query`` steps.

The statements are built once, with bind parameters: a refresh runs on every stored order,
and building a statement costs more than running it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, exists, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from hub.o2c.orders.status import derive_status
from hub.store.o2c import Fulfillment, Invoice, SalesOrder
from hub.store.o2c_credit import CreditCheck


_FULFILLMENTS = select(Fulfillment).where(or_(
    Fulfillment.sales_order_id == bindparam("order_id"), Fulfillment.order_number == bindparam("number"),
)).order_by(Fulfillment.id)
_INVOICES = select(Invoice).where(or_(
    Invoice.sales_order_id == bindparam("order_id"), Invoice.order_number == bindparam("number"),
)).order_by(Invoice.id)
_LATEST_CHECK = (select(CreditCheck).where(CreditCheck.order_number == bindparam("number"))
                 .order_by(CreditCheck.id.desc()).limit(1))
_SET_STATUS = (update(SalesOrder.__table__).where(SalesOrder.__table__.c.id == bindparam("order_id"))
               .values(status=bindparam("status")))
_ORDER = select(SalesOrder).where(SalesOrder.number == bindparam("number"))
# One round trip that tells whether the order has any fact at all (a new order usually has none).
_ANY_FACT = select(or_(
    exists().where(or_(Fulfillment.sales_order_id == bindparam("order_id"),
                       Fulfillment.order_number == bindparam("number"))),
    exists().where(or_(Invoice.sales_order_id == bindparam("order_id"),
                       Invoice.order_number == bindparam("number"))),
    exists().where(CreditCheck.order_number == bindparam("number")),
))


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
    params = {"order_id": order.id, "number": order.number}
    return OrderFacts(order=order, fulfillments=list(session.scalars(_FULFILLMENTS, params)),
                      invoices=list(session.scalars(_INVOICES, params)),
                      credit=session.scalars(_LATEST_CHECK, params).first())


def latest_check(session: Session, order_number: str) -> CreditCheck | None:
    return session.scalars(_LATEST_CHECK, {"number": order_number}).first()


def refresh_order_status(session: Session, order_number: str | None, *,
                         order: SalesOrder | None = None) -> str | None:
    """Recompute the status of order ``order_number``; None when it is not stored.

    ``order`` is its row when the caller has it at hand (the upsert that just wrote it). A new
    status is written at once, as one UPDATE of the column (a unit-of-work flush of the row
    costs several times the statement), and the row in the session shows it.
    """
    if order is None:
        order = session.scalar(_ORDER, {"number": order_number}) if order_number else None
        if order is None:
            return None
    status = _facts(session, order).status
    if order.status != status:
        session.execute(_SET_STATUS, {"order_id": order.id, "status": status})
        set_committed_value(order, "status", status)
        session.expire(order, ["updated_at"])
    return status


def _facts(session: Session, order: SalesOrder) -> OrderFacts:
    """``order_facts``, with one query instead of three when the order has no facts yet."""
    if session.scalar(_ANY_FACT, {"order_id": order.id, "number": order.number}):
        return order_facts(session, order)
    return OrderFacts(order=order, fulfillments=[], invoices=[], credit=None)


def order_number_of(entity: str, record: dict[str, Any]) -> str | None:
    """The order a stored record belongs to (for status refreshes), if any."""
    if entity == "sales_order":
        return record.get("number")
    if entity in ("fulfillment", "invoice"):
        return record.get("order_number")
    return None
