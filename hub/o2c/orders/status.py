"""An order's status, derived from line quantities, billing and its credit decision.

    draft → pending_credit_approval / on_hold → booked → partially_fulfilled
          → awaiting_billing → invoiced → closed          (or cancelled at any point)

- ``cancelled`` and ``draft`` are taken from the order as its source system says;
- ``pending_credit_approval``: its latest credit check is held; ``on_hold``: it was rejected;
- quantities are compared per SKU (else per description): shipped from fulfillments that are
  not cancelled, invoiced from invoices that are not draft or void, less credit-note lines;
- an order without lines counts as invoiced when its invoices reach the order total;
- ``closed``: fully invoiced, every invoice settled (paid, credited, written off, nothing due)
  and everything shipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from hub.money import to_decimal

STATUSES = ("draft", "pending_credit_approval", "on_hold", "booked", "partially_fulfilled",
            "awaiting_billing", "invoiced", "closed", "cancelled")
_NOT_BILLED = ("draft", "void")
_SETTLED = ("paid", "credited", "written_off")

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
    if ordered:
        invoiced = _quantities(line for i in billed if i.get("kind", "invoice") == "invoice" for line in i.get("lines", []))
        credited = _quantities(line for i in billed if i.get("kind") == "credit_note" for line in i.get("lines", []))
        if invoiced:
            return all(invoiced[k] - credited[k] >= q for k, q in ordered.items())
    total = to_decimal((order.get("totals") or {}).get("total", 0))
    signed = sum((_signed_total(i) for i in billed), Decimal(0))
    return total > 0 and signed >= total


def _signed_total(invoice: Record) -> Decimal:
    amount = to_decimal(invoice.get("total", 0))
    return -amount if invoice.get("kind") == "credit_note" else amount


def _settled(invoice: Record) -> bool:
    if invoice.get("kind") == "credit_note":
        return True
    due = invoice.get("amount_due")
    return invoice.get("status") in _SETTLED or (due is not None and to_decimal(due) == 0)


def _quantities(lines: Iterable[Record]) -> Counter:
    counts: Counter = Counter()
    for line in lines:
        key = line.get("sku") or line.get("description")
        if key:
            counts[key] += to_decimal(line.get("quantity", 0))
    return counts
