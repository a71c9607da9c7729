"""The facts a credit check needs, read from the canonical store (in the order's currency).

    open receivables       amount due on the customer's open / partially paid invoices
    open orders            other booked orders, not invoiced yet (order total − invoiced)
    shipped not invoiced   the same for other orders already (partly) shipped
    overdue                amount and age of the open invoices past their due date
    paid history           any paid invoice or any payment from the customer
    dunning hold           hub.o2c.dunning.state.on_credit_hold, when dunning is installed

Records in another currency than the order are left out (there are no exchange rates here).
"""

from __future__ import annotations

import importlib
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from hub.money import quantize, to_decimal
from hub.o2c.credit.rules import Facts
from hub.o2c.orders.facts import order_facts
from hub.o2c.receivables import customer_receivables
from hub.store.o2c import Customer, Invoice, Payment, SalesOrder
from hub.store.o2c_columns import find_customer

_UNBILLED = ("booked", "partially_fulfilled", "awaiting_billing")


def gather_facts(session: Session, order: dict[str, Any], *, prepaid: bool, today: date) -> tuple[Facts, Customer | None]:
    """Facts about ``order`` (a canonical sales order) and the stored customer it names."""
    currency = order["currency"]
    customer_id = find_customer(session, order.get("customer"))
    customer = session.get(Customer, customer_id) if customer_id is not None else None
    total = quantize((order.get("totals") or {}).get("total", 0), currency)
    if customer is None:
        return Facts(currency=currency, order_total=total, prepaid=prepaid), None
    receivables = customer_receivables(session, customer.id, currency, today)  # the one definition
    open_orders, shipped = _unbilled(session, customer.id, currency, order["number"])
    return Facts(
        currency=currency, order_total=total, prepaid=prepaid, blocked=customer.blocked,
        credit_limit=quantize(customer.credit_limit, currency) if customer.credit_limit is not None else None,
        open_orders=open_orders, shipped_not_invoiced=shipped, **receivables,
        has_paid_history=_has_paid(session, customer.id), on_dunning_hold=on_dunning_hold(session, customer.data),
    ), customer


def _unbilled(session: Session, customer_id: int, currency: str, number: str) -> tuple[Decimal, Decimal]:
    """Other orders of the customer still to be billed: (not shipped, shipped) amounts."""
    open_orders = shipped = Decimal(0)
    orders = session.scalars(select(SalesOrder).where(
        SalesOrder.customer_id == customer_id, SalesOrder.currency == currency, SalesOrder.number != number))
    for order in orders:
        facts = order_facts(session, order)
        if facts.status not in _UNBILLED:
            continue
        invoiced = sum((to_decimal(i.total) for i in facts.invoices if i.kind == "invoice"
                        and i.status not in ("draft", "void")), Decimal(0))
        rest = max(to_decimal(order.total or 0) - invoiced, Decimal(0))
        if facts.fulfillments:
            shipped += rest
        else:
            open_orders += rest
    return quantize(open_orders, currency), quantize(shipped, currency)


def _has_paid(session: Session, customer_id: int) -> bool:
    paid_invoice = exists().where(Invoice.customer_id == customer_id, Invoice.status == "paid")
    payment = exists().where(Payment.customer_id == customer_id)
    return bool(session.scalar(select(paid_invoice | payment)))


def on_dunning_hold(session: Session, customer: dict[str, Any]) -> bool | None:
    """Whether dunning put ``customer`` on credit hold; None when dunning is not part of this hub.

    Read through dunning's own functions (``hub.o2c.dunning``): its customer key and its holds.
    """
    try:
        planner = importlib.import_module("hub.o2c.dunning.planner")
        state = importlib.import_module("hub.o2c.dunning.state")
    except ModuleNotFoundError:
        return None
    key = planner.customer_key(customer)
    return bool(key) and state.on_credit_hold(session, key)
