"""The open invoices the matcher may apply money to, indexed for lookups without scans.

    by key        number_key(number) → invoices (references in text)
    by reference  the invoice's own payment reference (compact) → invoices
    by stripe id  in_/pi_/ch_ ids the invoice carries → invoice
    by customer   customer id → open invoices, oldest due first
    by amount     (currency, open amount in minor units) → invoices (same-amount candidates of anyone)

Each invoice carries its open amount in minor units (``cents``), so the matcher compares and
adds integers, not Decimals, when it searches for amounts that fit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from hub.money import minor_unit, quantize, to_minor_units
from hub.o2c.cashapp.references import NumberFormats, number_key
from hub.o2c.cashapp.structured import StructuredReferences, compact_reference


@dataclass(frozen=True, slots=True, kw_only=True)
class Discount:
    """An early-payment discount: ``rate`` (0.02 for 2 %) when paid by ``until``."""

    rate: Decimal
    until: date


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class OpenInvoice:
    """An invoice with money still due (``open``), as the matcher needs it (equal only to itself)."""

    id: int
    number: str
    currency: str
    open: Decimal
    total: Decimal
    customer_id: int | None = None
    issue_date: date | None = None
    due_date: date | None = None
    discount: Discount | None = None
    stripe_ids: tuple[str, ...] = ()
    payment_reference: str | None = None
    cents: int = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cents", minor_units(self.open, self.currency))

    def discounted(self, on: date | None, grace_days: int = 0) -> Decimal | None:
        """What settles the invoice when paid ``on`` with its discount (``grace_days`` after its
        last day still counting); None when not eligible."""
        if self.discount is None or on is None or self.open != self.total:
            return None
        if on > self.discount.until and (on - self.discount.until).days > grace_days:
            return None
        return quantize(self.total * (1 - self.discount.rate), self.currency)


def discount_of(term: str | None, issue_date: date | None) -> Discount | None:
    """The discount of a payment term written like ``2/10 NET30`` or ``2%10NET30``."""
    match = re.match(r"^\s*(\d+(?:\.\d+)?)\s*[/%]\s*(\d+)", term or "")
    if not match or issue_date is None:
        return None
    rate = Decimal(match.group(1)) / 100
    return Discount(rate=rate, until=issue_date + timedelta(days=int(match.group(2))))


def minor_units(amount: Decimal, currency: str) -> int:
    """``amount`` in minor units; the quick path for amounts already quantized to the currency."""
    units = amount.scaleb(_exponent(currency))
    whole = int(units)
    return whole if units == whole else to_minor_units(amount, currency)


@cache
def _exponent(currency: str) -> int:
    return minor_unit(currency)


class InvoiceBook:
    """Open invoices with their indexes; the number formats are learned from them."""

    def __init__(self, invoices: Iterable[OpenInvoice]):
        self.by_id: dict[int, OpenInvoice] = {i.id: i for i in invoices}
        self.formats = NumberFormats(i.number for i in list(self.by_id.values())[:20000])
        self.by_key: dict[str, list[OpenInvoice]] = defaultdict(list)
        self.by_stripe: dict[str, OpenInvoice] = {}
        self.by_reference: dict[str, list[OpenInvoice]] = defaultdict(list)
        self.by_customer: dict[int, list[OpenInvoice]] = defaultdict(list)
        self.by_amount: dict[tuple[str, int], dict[int, OpenInvoice]] = defaultdict(dict)
        #: every currency an open invoice has had (a superset once invoices are settled)
        self.currencies: set[str] = {i.currency for i in self.by_id.values()}
        self._index_all(self.by_id.values())
        self.structured = StructuredReferences(self.by_reference)
        for invoices_of in self.by_customer.values():
            invoices_of.sort(key=_due_order)

    def _index_all(self, invoices: Iterable[OpenInvoice]) -> None:
        # one loop with the indexes in locals: this runs once per open invoice (a million)
        by_key, by_stripe, by_customer, by_amount = self.by_key, self.by_stripe, self.by_customer, self.by_amount
        for invoice in invoices:
            by_key[number_key(invoice.number)].append(invoice)
            for stripe_id in invoice.stripe_ids:
                by_stripe[stripe_id] = invoice
            if invoice.payment_reference:
                self.by_reference[compact_reference(invoice.payment_reference)].append(invoice)
            if invoice.customer_id is not None:
                by_customer[invoice.customer_id].append(invoice)
            by_amount[(invoice.currency, invoice.cents)][invoice.id] = invoice

    def same_amount(self, currency: str, cents: int) -> dict[int, OpenInvoice]:
        """Open invoices of anyone with exactly this open amount, by id."""
        return self.by_amount.get((currency, cents), {})

    def __len__(self) -> int:
        return len(self.by_id)


def _due_order(invoice: OpenInvoice) -> tuple[date, int]:
    return invoice.due_date or date.max, invoice.id


def settle(book: InvoiceBook, invoice_id: int, open_amount: Decimal) -> None:
    """Record in ``book`` that an invoice now has ``open_amount`` left (gone when nothing is)."""
    old = book.by_id.pop(invoice_id)
    book.by_amount[(old.currency, old.cents)].pop(invoice_id, None)
    buckets = [book.by_key[number_key(old.number)], book.by_customer.get(old.customer_id, [])]
    if old.payment_reference:
        buckets.append(book.by_reference[compact_reference(old.payment_reference)])
    for bucket in buckets:
        if old in bucket:
            bucket.remove(old)
    if open_amount > 0:
        new = replace(old, open=open_amount)
        book.by_id[invoice_id] = new
        book.currencies.add(new.currency)
        book._index_all([new])
        if new.customer_id is not None:
            book.by_customer[new.customer_id].sort(key=_due_order)
