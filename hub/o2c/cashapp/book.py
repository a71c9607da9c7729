"""The open invoices the matcher may apply money to, indexed for lookups without scans.

    by key        number_key(number) → invoices (references in text)
    by stripe id  in_/pi_/ch_ ids the invoice carries → invoice
    by customer   customer id → open invoices, oldest due first
    by amount     (currency, open amount) → invoices (same-amount candidates of anyone)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
import re
from datetime import date, timedelta
from decimal import Decimal

from hub.money import quantize
from hub.o2c.cashapp.references import NumberFormats, number_key


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

    def discounted(self, on: date | None) -> Decimal | None:
        """What settles the invoice when paid ``on`` with its discount; None when not eligible."""
        if self.discount is None or on is None or on > self.discount.until or self.open != self.total:
            return None
        return quantize(self.total * (1 - self.discount.rate), self.currency)


def discount_of(term: str | None, issue_date: date | None) -> Discount | None:
    """The discount of a payment term written like ``2/10 NET30`` or ``2%10NET30``."""
    match = re.match(r"^\s*(\d+(?:\.\d+)?)\s*[/%]\s*(\d+)", term or "")
    if not match or issue_date is None:
        return None
    rate = Decimal(match.group(1)) / 100
    return Discount(rate=rate, until=issue_date + timedelta(days=int(match.group(2))))


class InvoiceBook:
    """Open invoices with their indexes; the number formats are learned from them."""

    def __init__(self, invoices: Iterable[OpenInvoice]):
        self.by_id: dict[int, OpenInvoice] = {i.id: i for i in invoices}
        self.formats = NumberFormats(i.number for i in list(self.by_id.values())[:20000])
        self.by_key: dict[str, list[OpenInvoice]] = defaultdict(list)
        self.by_stripe: dict[str, OpenInvoice] = {}
        self.by_customer: dict[int, list[OpenInvoice]] = defaultdict(list)
        self.by_amount: dict[tuple[str, Decimal], dict[int, OpenInvoice]] = defaultdict(dict)
        for invoice in self.by_id.values():
            self._index(invoice)
        for invoices_of in self.by_customer.values():
            invoices_of.sort(key=_due_order)

    def _index(self, invoice: OpenInvoice) -> None:
        self.by_key[number_key(invoice.number)].append(invoice)
        for stripe_id in invoice.stripe_ids:
            self.by_stripe[stripe_id] = invoice
        if invoice.customer_id is not None:
            self.by_customer[invoice.customer_id].append(invoice)
        self.by_amount[(invoice.currency, invoice.open)][invoice.id] = invoice

    def __len__(self) -> int:
        return len(self.by_id)


def _due_order(invoice: OpenInvoice) -> tuple[date, int]:
    return invoice.due_date or date.max, invoice.id


def settle(book: InvoiceBook, invoice_id: int, open_amount: Decimal) -> None:
    """Record in ``book`` that an invoice now has ``open_amount`` left (gone when nothing is)."""
    old = book.by_id.pop(invoice_id)
    book.by_amount[(old.currency, old.open)].pop(invoice_id, None)
    for bucket in (book.by_key[number_key(old.number)], book.by_customer.get(old.customer_id, [])):
        if old in bucket:
            bucket.remove(old)
    if open_amount > 0:
        new = replace(old, open=open_amount)
        book.by_id[invoice_id] = new
        book._index(new)
        if new.customer_id is not None:
            book.by_customer[new.customer_id].sort(key=_due_order)
