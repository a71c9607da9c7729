"""The receivables book a report reads: canonical invoices, credit notes, payments and
applications of one currency, and what each invoice owed on a given day. Pure.

The balance of an invoice at the end of day D, for an invoice issued on or before D (drafts
and void invoices never count), is

    amount still due (hub.o2c.receivables: the ERP's amount_due; 0 once credited or written off)
    + applications to it (applied, write_off, discount) dated after D
    + credit notes crediting it issued after D

and never more than its total less what settled it up to D, nor less than 0 (a credit note
of a paid invoice is paid back as a refund; it never lowered what the invoice owed).

On or after the day of the last settlement the hub knows, that is exactly the amount still due
the ERP reports; earlier days add back what was settled since. A settlement the hub never saw
(a payment entered in the ERP) counts as made before every day of the report.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from hub.money import quantize
from hub.o2c.receivables import Credit, amount_still_due, days_past_due

Record = Mapping[str, Any]
BOOKED = ("open", "partially_paid", "paid", "credited", "written_off", None)
SETTLING = ("applied", "write_off", "discount")


def day_of(value: str | None) -> date | None:
    """The date of an ISO date or date-time string (UTC as stored), or None."""
    return date.fromisoformat(value[:10]) if value else None


@dataclass(frozen=True, slots=True, kw_only=True)
class Book:
    """Everything a receivables report needs, in one currency."""

    currency: str
    invoices: tuple[Record, ...] = ()
    credit_notes: tuple[Record, ...] = ()
    payments: tuple[Record, ...] = ()
    applications: tuple[Record, ...] = ()
    match_statuses: tuple[str, ...] | None = None  # cash application decisions, when stored
    credits: tuple[Credit, ...] = ()  # customer credit (hub.o2c.receivables.customer_credits)
    _settled: dict[str, list[tuple[date | None, Decimal]]] = field(default_factory=dict, repr=False)

    @classmethod
    def of(cls, currency: str, *, invoices: Iterable[Record] = (), payments: Iterable[Record] = (),
           applications: Iterable[Record] = (), match_statuses: Iterable[str] | None = None,
           credits: Iterable[Credit] = ()) -> Book:
        """The book of ``currency`` from canonical records of any currency and kind."""
        mine = [r for r in invoices if r["currency"] == currency and r.get("status") in BOOKED]
        book = cls(
            currency=currency,
            invoices=tuple(r for r in mine if r.get("kind", "invoice") == "invoice"),
            credit_notes=tuple(r for r in mine if r.get("kind") == "credit_note"),
            payments=tuple(r for r in payments if r["currency"] == currency and r.get("status") in ("received", None)),
            applications=tuple(a for a in applications if a["currency"] == currency),
            match_statuses=tuple(match_statuses) if match_statuses is not None else None,
            credits=tuple(c for c in credits if c.currency == currency),
        )
        book._index()
        return book

    def _index(self) -> None:
        for app in self.applications:
            if app.get("kind", "applied") in SETTLING and app.get("invoice"):
                self._settled.setdefault(app["invoice"], []).append((day_of(app.get("applied_at")), app["amount"]))
        for note in self.credit_notes:
            self._settled.setdefault(note["credits_invoice"], []).append((day_of(note.get("issue_date")), note["total"]))

    def money(self, amount: Any) -> Decimal:
        return quantize(amount, self.currency)

    def balance(self, invoice: Record, day: date) -> Decimal:
        """What ``invoice`` owed at the end of ``day`` (see the module docstring)."""
        issued = day_of(invoice.get("issue_date"))
        if issued is not None and issued > day:
            return self.money(0)
        settled = self._settled.get(invoice["number"], ())
        later = sum((amount for when, amount in settled if when is not None and when > day), Decimal(0))
        until = sum((amount for when, amount in settled if when is None or when <= day), Decimal(0))
        # never more than the invoice less what settled it by then: a credit note paid back as
        # a refund (not taken off the amount due) must not count as owed on earlier days
        owed = min(amount_still_due(invoice) + later, Decimal(invoice["total"]) - until)
        return self.money(max(owed, Decimal(0)))

    def open_items(self, day: date) -> list[tuple[Record, Decimal]]:
        """(invoice, balance) of every invoice with something owed at the end of ``day``."""
        items = [(inv, self.balance(inv, day)) for inv in self.invoices]
        return [(inv, owed) for inv, owed in items if owed > 0]

    def receivables(self, day: date) -> Decimal:
        """Total AR at the end of ``day``."""
        return self.money(sum((owed for _, owed in self.open_items(day)), Decimal(0)))

    def current_receivables(self, day: date) -> Decimal:
        """AR not yet past due at the end of ``day`` (no due date counts as current)."""
        return self.money(sum((owed for inv, owed in self.open_items(day) if days_past_due(inv, day) <= 0),
                              Decimal(0)))

    def credit_sales(self, start: date, end: date) -> Decimal:
        """Net credit sales issued after ``start`` up to and including ``end``: invoices − credit notes."""
        def issued_in(record: Record) -> bool:
            issued = day_of(record.get("issue_date"))
            return issued is not None and start < issued <= end
        sales = sum((Decimal(r["total"]) for r in self.invoices if issued_in(r)), Decimal(0))
        credits = sum((Decimal(r["total"]) for r in self.credit_notes if issued_in(r)), Decimal(0))
        return self.money(sales - credits)

    def credits_held(self, day: date) -> list[Credit]:
        """The customer credits kept on or before ``day``."""
        return [c for c in self.credits if c.applied_at is None or c.applied_at.date() <= day]

    def credit(self, day: date) -> Decimal:
        """Customer credit held at the end of ``day``."""
        return self.money(sum((c.amount for c in self.credits_held(day)), Decimal(0)))
