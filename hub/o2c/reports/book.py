"""The receivables book a report reads: canonical invoices, credit notes, payments and
applications of one currency, and what each invoice owed on a given day. Pure.

:class:`Receivables` is what the metrics read of a book; :class:`Book` answers it from the
records themselves (the definition, and the per-invoice and per-customer detail), and
``hub.o2c.reports.summary.Summary`` answers it from sums the database worked out.

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

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from hub.money import quantize
from hub.o2c.receivables import Credit, amount_still_due, due_date

Record = Mapping[str, Any]
#: Statuses of the invoices and credit notes a book holds (drafts and void ones never count).
BOOKED = ("open", "partially_paid", "paid", "credited", "written_off", None)
#: Statuses of the payments a book holds.
RECEIVED = ("received", None)
SETTLING = ("applied", "write_off", "discount")


class Receivables(Protocol):
    """What the metrics read of one currency's book; amounts at the currency's minor unit."""

    currency: str

    def money(self, amount: Any) -> Decimal:
        """``amount`` at the currency's minor unit."""

    def receivables(self, day: date) -> Decimal:
        """Total AR at the end of ``day``."""

    def past_due(self, day: date, more_than: int) -> Decimal:
        """The part of :meth:`receivables` more than ``more_than`` days past due on ``day``."""

    def current_receivables(self, day: date) -> Decimal:
        """AR not yet past due at the end of ``day`` (no due date counts as current)."""

    def credit_sales(self, start: date, end: date) -> Decimal:
        """Net credit sales issued after ``start`` up to and including ``end``."""

    def credit(self, day: date) -> Decimal:
        """Customer credit held at the end of ``day``."""

    def unapplied(self, day: date) -> tuple[Decimal, int]:
        """Cash received by ``day`` and not applied by then: the amount and the payments."""

    def match_counts(self) -> tuple[int, int, str]:
        """(payments matched automatically, payments decided, where the figures came from)."""


def day_of(value: str | None) -> date | None:
    """The date of an ISO date or date-time string (UTC as stored), or None."""
    return date.fromisoformat(value[:10]) if value else None


@dataclass(frozen=True, slots=True)
class _Owing:
    """What one invoice owes on any day: nothing before ``issued``; else ``base`` plus what
    settled it after that day (``dated``: (day, amount), oldest first), never below 0."""

    invoice: Record
    issued: date | None
    due: date | None
    base: Decimal
    dated: tuple[tuple[date, Decimal], ...]
    settled_base: Decimal  # money(max(base, 0)): the balance once every dated settlement is past


@dataclass(frozen=True, slots=True, kw_only=True)
class Book:
    """Everything a receivables report needs, in one currency.

    A report asks for the balances of many days (aging, and DSO and CEI over 12 periods ask
    13): each invoice's settlements are sorted once, each day's open items are worked out once
    and kept, and credit sales of any span come from running totals by issue date.
    """

    currency: str
    invoices: tuple[Record, ...] = ()
    credit_notes: tuple[Record, ...] = ()
    payments: tuple[Record, ...] = ()
    applications: tuple[Record, ...] = ()
    match_statuses: tuple[str, ...] | None = None  # cash application decisions, when stored
    credits: tuple[Credit, ...] = ()  # customer credit (hub.o2c.receivables.customer_credits)
    _settled: dict[str, list[tuple[date | None, Decimal]]] = field(default_factory=dict, repr=False, compare=False)
    _owing: list[_Owing] = field(default_factory=list, repr=False, compare=False)
    _open_by_day: dict[date, list[tuple[Record, Decimal, date | None]]] = field(
        default_factory=dict, repr=False, compare=False)
    _sales_index: dict[str, tuple[list[date], list[Decimal]]] = field(default_factory=dict, repr=False, compare=False)

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
            payments=tuple(r for r in payments if r["currency"] == currency and r.get("status") in RECEIVED),
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

    def _owing_of(self, invoice: Record) -> _Owing:
        # total − settled up to D = total − all settled + settled after D, so the owed amount
        # min(still due + after D, total − up to D) is (settled after D) + min(still due, total − all settled)
        settled = self._settled.get(invoice["number"], ())
        dated = tuple(sorted(((when, Decimal(amount)) for when, amount in settled if when is not None),
                             key=lambda item: item[0]))
        everything = sum((amount for _, amount in settled), Decimal(0))
        base = min(amount_still_due(invoice), Decimal(invoice["total"]) - everything)
        return _Owing(invoice=invoice, issued=day_of(invoice.get("issue_date")), due=due_date(invoice), base=base,
                      dated=dated, settled_base=self.money(max(base, Decimal(0))))

    def _owed(self, owing: _Owing, day: date) -> Decimal:
        if owing.issued is not None and owing.issued > day:
            return self.money(0)
        if not owing.dated or owing.dated[-1][0] <= day:
            return owing.settled_base
        later = sum((amount for when, amount in owing.dated if when > day), Decimal(0))
        return self.money(max(owing.base + later, Decimal(0)))

    def balance(self, invoice: Record, day: date) -> Decimal:
        """What ``invoice`` owed at the end of ``day`` (see the module docstring)."""
        return self._owed(self._owing_of(invoice), day)

    def _open(self, day: date) -> list[tuple[Record, Decimal, date | None]]:
        found = self._open_by_day.get(day)
        if found is None:
            if not self._owing and self.invoices:
                self._owing.extend(o for o in map(self._owing_of, self.invoices) if o.base > 0 or o.dated)
            owed = ((o, self._owed(o, day)) for o in self._owing)
            found = self._open_by_day[day] = [(o.invoice, amount, o.due) for o, amount in owed if amount > 0]
        return found

    def open_items(self, day: date) -> list[tuple[Record, Decimal]]:
        """(invoice, balance) of every invoice with something owed at the end of ``day``."""
        return [(invoice, owed) for invoice, owed, _ in self._open(day)]

    def receivables(self, day: date) -> Decimal:
        """Total AR at the end of ``day``."""
        return self.money(sum((owed for _, owed, _ in self._open(day)), Decimal(0)))

    def past_due(self, day: date, more_than: int) -> Decimal:
        """AR more than ``more_than`` days past due at the end of ``day``."""
        late = (owed for _, owed, due in self._open(day) if due is not None and (day - due).days > more_than)
        return self.money(sum(late, Decimal(0)))

    def current_receivables(self, day: date) -> Decimal:
        """AR not yet past due at the end of ``day`` (no due date counts as current)."""
        return self.money(sum((owed for _, owed, due in self._open(day) if due is None or due >= day),
                              Decimal(0)))

    def credit_sales(self, start: date, end: date) -> Decimal:
        """Net credit sales issued after ``start`` up to and including ``end``: invoices − credit notes."""
        sales = self._issued_between("invoices", start, end)
        credits = self._issued_between("credit_notes", start, end)
        return self.money(sales - credits)

    def _issued_between(self, kind: str, start: date, end: date) -> Decimal:
        """The sum of the totals of ``kind`` issued in (start, end], from running totals by issue day."""
        if kind not in self._sales_index:
            issued = sorted(((day_of(r.get("issue_date")), Decimal(r["total"])) for r in getattr(self, kind)
                             if r.get("issue_date")), key=lambda item: item[0])
            running, total = [Decimal(0)], Decimal(0)
            for _, amount in issued:
                total += amount
                running.append(total)
            self._sales_index[kind] = ([day for day, _ in issued], running)
        days, running = self._sales_index[kind]
        if end <= start:
            return Decimal(0)
        return running[bisect_right(days, end)] - running[bisect_right(days, start)]

    def credits_held(self, day: date) -> list[Credit]:
        """The customer credits kept on or before ``day``."""
        return [c for c in self.credits if c.applied_at is None or c.applied_at.date() <= day]

    def credit(self, day: date) -> Decimal:
        """Customer credit held at the end of ``day``."""
        return self.money(sum((c.amount for c in self.credits_held(day)), Decimal(0)))

    def unapplied_payments(self, day: date) -> list[dict[str, Any]]:
        """Payments received by ``day`` not fully applied to invoices by then, oldest first.

        Only applications of kind ``applied`` use the payment's money; money kept as customer
        credit (kind ``credit``) is still unapplied cash.
        """
        applied: dict[str, Decimal] = {}
        for app in self.applications:
            when = day_of(app.get("applied_at"))
            if app.get("kind", "applied") == "applied" and (when is None or when <= day):
                applied[app["payment"]] = applied.get(app["payment"], Decimal(0)) + Decimal(app["amount"])
        out = []
        for payment in sorted(self.payments, key=received_on):
            received = received_on(payment)
            left = self.money(Decimal(payment["amount"]) - applied.get(payment["reference"], Decimal(0)))
            if received <= day and left > 0:
                out.append({"reference": payment["reference"], "received": received.isoformat(),
                            "amount": self.money(payment["amount"]), "unapplied": left})
        return out

    def unapplied(self, day: date) -> tuple[Decimal, int]:
        """Cash received by ``day`` and not applied by then: the amount and the payments."""
        found = self.unapplied_payments(day)
        return self.money(sum((p["unapplied"] for p in found), Decimal(0))), len(found)

    def match_counts(self) -> tuple[int, int, str]:
        """From cash application decisions when stored (auto_applied / all), else from
        applications: a payment counts as matched automatically when all its applications are
        of kind ``applied`` and carry no ``reason`` (a reason marks a person's decision or a
        tolerance write-off)."""
        if self.match_statuses is not None:
            return (sum(s == "auto_applied" for s in self.match_statuses), len(self.match_statuses),
                    "match_proposals")
        by_payment: dict[str, bool] = {}
        for app in self.applications:
            plain = app.get("kind", "applied") == "applied" and not app.get("reason")
            by_payment[app["payment"]] = by_payment.get(app["payment"], True) and plain
        return sum(by_payment.values()), len(by_payment), "payment_applications"


def received_on(payment: Record) -> date:
    """The day a payment was received: its value date, else the day of received_at (UTC), else
    date.min (a payment with neither counts as received before every day)."""
    return day_of(payment.get("value_date") or payment.get("received_at")) or date.min
