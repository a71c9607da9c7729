"""How a payment spreads over a set of invoices.

    exact     the payment equals what is open                 → applied in full
    discount  it equals the open amounts less their early-payment discount (paid within the
              discount's window and the policy's grace days)  → applied + discount
    short     it is short by a bank fee or a write-off the policy allows
                                                              → applied + write_off (with reason)
    over      it is more than what is open                    → applied in full + customer credit
    partial   it is less, beyond the policy                   → applied oldest due first
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from hub.o2c.cashapp.book import OpenInvoice, minor_units
from hub.o2c.cashapp.policy import Tolerance

__all__ = ["Allocation", "Line", "Tolerance", "allocate", "fit_of"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Line:
    """One application: ``kind`` is applied, discount or write_off."""

    invoice_id: int
    number: str
    kind: str
    amount: Decimal
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Allocation:
    """The fit of a payment to a set, its application lines, and what is left as credit."""

    fit: str
    lines: tuple[Line, ...]
    credit: Decimal


def allocate(amount: Decimal, invoices: Sequence[OpenInvoice], on: date | None,
             tolerance: Tolerance) -> Allocation:
    """Spread ``amount`` over ``invoices`` (oldest due first for partial payments)."""
    fit = fit_of(amount, minor_units(amount, invoices[0].currency), invoices, on, tolerance)
    open_total = sum((i.open for i in invoices), Decimal(0))
    if fit == "exact":
        return Allocation(fit=fit, lines=_in_full(invoices), credit=Decimal(0))
    if fit == "discount":
        prices = _discounted(invoices, on, tolerance.discount_grace_days)
        return Allocation(fit=fit, lines=_with_discount(invoices, prices), credit=Decimal(0))
    if fit == "over":
        return Allocation(fit=fit, lines=_in_full(invoices), credit=amount - open_total)
    if fit == "short":
        return Allocation(fit=fit, lines=_short(invoices, open_total - amount, tolerance), credit=Decimal(0))
    return Allocation(fit=fit, lines=_partial(invoices, amount), credit=Decimal(0))


def fit_of(amount: Decimal, cents: int, invoices: Sequence[OpenInvoice], on: date | None,
           tolerance: Tolerance) -> str:
    """How ``amount`` (``cents`` in minor units) fits ``invoices``: exact, discount, over, short
    or partial. Integers decide the common cases; Decimals only discounts and the tolerance."""
    open_cents = sum(i.cents for i in invoices)
    if cents == open_cents:
        return "exact"
    if any(i.discount is not None for i in invoices):
        discounted = _discounted(invoices, on, tolerance.discount_grace_days)
        if discounted is not None and amount == sum(discounted.values()):
            return "discount"
    if cents > open_cents:
        return "over"
    open_total = sum((i.open for i in invoices), Decimal(0))
    return "short" if tolerance.allows(open_total - amount, open_total, invoices[0].currency) else "partial"


def _in_full(invoices: Sequence[OpenInvoice]) -> tuple[Line, ...]:
    return tuple(Line(invoice_id=i.id, number=i.number, kind="applied", amount=i.open) for i in invoices)


def _discounted(invoices: Sequence[OpenInvoice], on: date | None, grace_days: int) -> dict[int, Decimal] | None:
    prices = {i.id: i.discounted(on, grace_days) for i in invoices}
    if all(p is None for p in prices.values()):
        return None
    return {i.id: prices[i.id] if prices[i.id] is not None else i.open for i in invoices}


def _with_discount(invoices: Sequence[OpenInvoice], prices: dict[int, Decimal]) -> tuple[Line, ...]:
    lines = []
    for i in invoices:
        lines.append(Line(invoice_id=i.id, number=i.number, kind="applied", amount=prices[i.id]))
        if prices[i.id] != i.open:
            reason = f"early-payment discount of {i.discount.rate * 100:g} % (paid by {i.discount.until})"
            lines.append(Line(invoice_id=i.id, number=i.number, kind="discount",
                              amount=i.open - prices[i.id], reason=reason))
    return tuple(lines)


def _short(invoices: Sequence[OpenInvoice], short: Decimal, tolerance: Tolerance) -> tuple[Line, ...]:
    last = max(invoices, key=lambda i: i.open)  # the deduction is taken where it fits
    settled = [i for i in invoices if i is not last]
    currency = last.currency
    open_total = sum((i.open for i in invoices), Decimal(0))
    if tolerance.deduction(short, open_total, currency) == "bank fee":
        reason = f"bank fee of {short} {currency} deducted (policy: up to {tolerance.bank_fee.of(currency)} {currency})"
    else:
        reason = (f"short payment of {short} {currency} written off "
                  f"(policy: up to {tolerance.write_off.of(currency)} {currency})")
    return (*_in_full(settled),
            Line(invoice_id=last.id, number=last.number, kind="applied", amount=last.open - short),
            Line(invoice_id=last.id, number=last.number, kind="write_off", amount=short, reason=reason))


def _partial(invoices: Sequence[OpenInvoice], amount: Decimal) -> tuple[Line, ...]:
    lines, left = [], amount
    for invoice in sorted(invoices, key=lambda i: (i.due_date or date.max, i.id)):
        if left <= 0:
            break
        paid = min(left, invoice.open)
        lines.append(Line(invoice_id=invoice.id, number=invoice.number, kind="applied", amount=paid))
        left -= paid
    return tuple(lines)

