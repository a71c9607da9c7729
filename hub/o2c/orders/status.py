"""An order's status, derived from line quantities, billing and its credit decision.

    draft → pending_credit_approval / on_hold → booked → partially_fulfilled
          → awaiting_billing → invoiced → closed          (or cancelled at any point)

- ``cancelled`` and ``draft`` are taken from the order as its source system says;
- ``pending_credit_approval``: its latest credit check is held; ``on_hold``: it was rejected;
- quantities are compared per SKU (else per description): shipped from fulfillments that are
  not cancelled, invoiced from invoices that are not draft or void, less what credit notes
  credit (a credit-note line takes its quantity back whatever its sign); invoice lines that are
  not goods (the ERP's shipping and adjustment lines, ``NOT_GOODS``) count for nothing;
- an order without lines, or billed only by invoices without lines, counts as invoiced when
  its invoices less its credit notes reach the order total;
- ``closed``: fully invoiced, nothing still due on any of its invoices (``amount_still_due``
  of hub.o2c.receivables, the one definition) and everything shipped.

    status               shipped         invoiced (net of credit notes)   still due
    booked               nothing         not all                          -
    partially_fulfilled  some            not all                          -
    awaiting_billing     all             not all                          -
    invoiced             any             all                              some
    closed               all             all                              none
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from hub.money import to_decimal
from hub.o2c.receivables import amount_still_due

STATUSES = ("draft", "pending_credit_approval", "on_hold", "booked", "partially_fulfilled",
            "awaiting_billing", "invoiced", "closed", "cancelled")
_NOT_BILLED = ("draft", "void")
#: Invoice lines that bill no goods: the ERP's shipping charges and total adjustments
#: (the products the ERP connectors book them on).
NOT_GOODS = frozenset({"SHIPPING", "ADJUSTMENT"})

Record = Mapping[str, Any]


def derive_status(order: Record, fulfillments: Sequence[Record] = (), invoices: Sequence[Record] = (),
                  credit: str | None = None) -> str:
    """The status of ``order`` given its fulfillments, invoices and latest credit decision."""
    given = order.get("status")
    if given == "cancelled":
        return "cancelled"
    if credit == "held":
        return "pending_credit_approval"
    if credit == "rejected":
        return "on_hold"
    if given == "draft":
        return "draft"
    billed = [i for i in invoices if i.get("status") not in _NOT_BILLED]
    ordered = _quantities(order.get("lines", []))
    shipped = _quantities(line for f in fulfillments if f.get("status") != "cancelled" for line in f.get("lines", []))
    fully_shipped = bool(ordered) and all(shipped[k] >= q for k, q in ordered.items())
    if _fully_invoiced(order, ordered, billed):
        settled = all(_settled(i) for i in billed)
        return "closed" if settled and (fully_shipped or not ordered) else "invoiced"
    if fully_shipped:
        return "awaiting_billing"
    return "partially_fulfilled" if any(q > 0 for q in shipped.values()) else "booked"


def _fully_invoiced(order: Record, ordered: Counter, billed: Sequence[Record]) -> bool:
    if not billed:
        return False
    if ordered and any(_goods(i.get("lines", [])) for i in billed):
        invoiced = _invoiced_quantities(billed)
        return all(invoiced[k] >= q for k, q in ordered.items())
    total = to_decimal((order.get("totals") or {}).get("total", 0))
    signed = sum((_signed_total(i) for i in billed), Decimal(0))
    return total > 0 and signed >= total


def _invoiced_quantities(billed: Sequence[Record]) -> Counter:
    """Goods invoiced per SKU, less what credit notes credit."""
    invoiced = _quantities(_goods(line for i in billed if not _is_credit_note(i) for line in i.get("lines", [])))
    for key, quantity in _quantities(_goods(line for i in billed if _is_credit_note(i)
                                            for line in i.get("lines", []))).items():
        invoiced[key] -= abs(quantity)
    return invoiced


def _goods(lines: Iterable[Record]) -> list[Record]:
    return [line for line in lines if line.get("sku") not in NOT_GOODS]


def _is_credit_note(invoice: Record) -> bool:
    return invoice.get("kind") == "credit_note"


def _signed_total(invoice: Record) -> Decimal:
    amount = abs(to_decimal(invoice.get("total", 0)))
    return -amount if _is_credit_note(invoice) else amount


def _settled(invoice: Record) -> bool:
    return amount_still_due(invoice) == 0


def _quantities(lines: Iterable[Record]) -> Counter:
    counts: Counter = Counter()
    for line in lines:
        key = line.get("sku") or line.get("description")
        if key:
            counts[key] += to_decimal(line.get("quantity", 0))
    return counts
