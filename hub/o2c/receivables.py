"""What an invoice still owes, when it is overdue, and the credit a customer holds: one
definition, used by the AR reports, the late-payment query, dunning and the credit check.

**Amount still due** of an invoice: its ``amount_due`` as the ERP reports it, at the
currency's minor unit (the total when the hub was never told an amount due). A credit note,
a draft, and a void, credited or written-off invoice owe nothing.

Why ``amount_due`` and not the total less the payment applications the hub holds: the ERP is
the book of record, and every way an invoice gets settled ends in its amount to pay there — a
payment the hub recorded through the ERP, one entered in the ERP by a person or reconciled
from a bank statement, a credit note, a write-off, an exchange difference. The hub stores that
figure on every invoice poll and from every ``record_payment`` answer, and cash application
lowers it when it applies money itself. Applications only know the settlements that passed
through the hub: the total less them drifts as soon as one settlement bypasses the hub, and
counts twice when one is stored under two keys. Applications keep one job: dating
settlements, so a report can tell what an invoice owed on a past day
(``hub.o2c.reports.book``).

**Overdue** on a day: an amount still due above zero and a due date before that day (an
invoice due today is not overdue yet; one without a due date never is).

**Customer credit**: money a customer paid beyond what their invoices took, as the
``credit`` payment applications record it (the Stripe recipe stores the ERP's overpayment
this way; cash application does the same). A payment's credit is the sum of its ``credit``
applications; an application is unique by (payment, invoice, kind), so storing it again
changes nothing. The credit belongs to the payment's customer, else to the customer of the
invoices that payment was applied to. The hub records no later use of a credit: all of it
counts as open.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from hub.money import quantize, to_decimal
from hub.store.o2c import Invoice, Payment, PaymentApplication

Record = Mapping[str, Any]
#: Statuses of invoices that owe nothing, whatever their amount_due says.
SETTLED_OR_NOT_ISSUED = ("draft", "void", "credited", "written_off")


def owes(invoice: Record) -> bool:
    """True for an invoice (not a credit note) that can owe money: issued and not void,
    credited or written off."""
    return invoice.get("kind", "invoice") == "invoice" and invoice.get("status") not in SETTLED_OR_NOT_ISSUED


def amount_still_due(invoice: Record) -> Decimal:
    """What ``invoice`` (a canonical document) still owes, at its currency's minor unit."""
    if not owes(invoice):
        return quantize(0, invoice["currency"])
    due = invoice.get("amount_due")
    return quantize(invoice["total"] if due is None else due, invoice["currency"])


def due_date(invoice: Record) -> date | None:
    """The due date of a canonical invoice (ISO text or a date), or None."""
    value = invoice.get("due_date")
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def days_past_due(invoice: Record, day: date) -> int:
    """Whole days ``invoice`` is past its due date on ``day`` (≤ 0: not past due)."""
    due = due_date(invoice)
    return (day - due).days if due else 0


def is_overdue(invoice: Record, as_of: date) -> bool:
    """True when ``invoice`` still owes something and fell due before ``as_of``."""
    return days_past_due(invoice, as_of) > 0 and amount_still_due(invoice) > 0


def may_owe() -> ColumnElement[bool]:
    """SQL pre-filter on invoice rows for :func:`owes` (amounts are then checked in Python,
    at the currency's minor unit)."""
    return (Invoice.kind == "invoice") & (
        Invoice.status.is_(None) | Invoice.status.not_in(SETTLED_OR_NOT_ISSUED)) & (
        Invoice.amount_due.is_(None) | (Invoice.amount_due > 0))


def may_be_overdue(as_of: date) -> ColumnElement[bool]:
    """SQL pre-filter on invoice rows for :func:`is_overdue` on ``as_of``."""
    return may_owe() & (Invoice.due_date < as_of)


# --- customer credit ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Credit:
    """The credit one payment left with a customer."""

    payment: str
    customer_id: int | None
    amount: Decimal
    currency: str
    applied_at: datetime | None


def customer_credits(session: Session, *, currency: str | None = None) -> list[Credit]:
    """Open customer credit, one per payment reference, oldest payment first."""
    query = select(PaymentApplication).where(PaymentApplication.kind == "credit").order_by(PaymentApplication.id)
    if currency is not None:
        query = query.where(PaymentApplication.currency == currency)
    by_payment: dict[tuple[str, str], list[PaymentApplication]] = {}
    for row in session.scalars(query):
        by_payment.setdefault((row.payment_reference, row.currency), []).append(row)
    owners = _owners(session, {reference for reference, _ in by_payment})
    return [Credit(payment=reference, customer_id=owners.get(reference), currency=code,
                   amount=quantize(sum((to_decimal(r.amount) for r in rows), Decimal(0)), code),
                   applied_at=min((r.applied_at for r in rows if r.applied_at), default=None))
            for (reference, code), rows in by_payment.items()]


def _owners(session: Session, references: Iterable[str]) -> dict[str, int]:
    """payment reference → customer: the payment's own, else its invoices' (the first found)."""
    references = list(references)
    if not references:
        return {}
    applied = select(PaymentApplication.payment_reference, Invoice.customer_id).join(
        Invoice, Invoice.id == PaymentApplication.invoice_id).where(
        PaymentApplication.payment_reference.in_(references), Invoice.customer_id.is_not(None)
    ).order_by(PaymentApplication.id.desc())
    owners = {reference: customer for reference, customer in session.execute(applied)}
    paid_by = select(Payment.reference, Payment.customer_id).where(
        Payment.reference.in_(references), Payment.customer_id.is_not(None))
    owners.update({reference: customer for reference, customer in session.execute(paid_by)})
    return owners


# --- what a customer owes ----------------------------------------------------------------------


def customer_receivables(session: Session, customer_id: int, currency: str, as_of: date) -> dict[str, Any]:
    """Open receivables, the overdue part and the oldest overdue invoice's days past due of one
    customer in one currency (the facts the credit check's rules read)."""
    rows = session.scalars(select(Invoice).where(
        may_owe(), Invoice.customer_id == customer_id, Invoice.currency == currency).order_by(Invoice.id))
    invoices = [row.data for row in rows]
    late = [invoice for invoice in invoices if is_overdue(invoice, as_of)]
    return {
        "open_receivables": quantize(sum((amount_still_due(i) for i in invoices), Decimal(0)), currency),
        "overdue_amount": quantize(sum((amount_still_due(i) for i in late), Decimal(0)), currency),
        "oldest_overdue_days": max((days_past_due(i, as_of) for i in late), default=0),
    }
