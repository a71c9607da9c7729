"""Writing a decided match to the store: applications, invoice balances, credit, IBANs learned.

Applications are canonical ``payment_application`` records stored through hub.o2c.records,
many payments' at once, and each invoice touched gets its new ``amount_due`` and status
(open → partially_paid → paid) once, all in one UPDATE (hub.o2c.records.settle_invoices); an overpayment is the
payment's ``credit`` application. The caller owns the transaction.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.errors import RetriableError
from hub.money import quantize
from hub.o2c.cashapp.allocation import Line
from hub.o2c.queries import OPEN_INVOICE
from hub.o2c.records import UpsertResult, settle_invoices, store_new_records, store_record
from hub.store.base import in_chunks
from hub.store.o2c import Invoice

CREDIT_REASON = "overpayment kept as customer credit"


@dataclass(frozen=True, slots=True, kw_only=True)
class Posting:
    """One decided payment as it is posted: its application lines and the credit it leaves."""

    payment_reference: str
    currency: str
    lines: tuple[Line, ...]
    credit: Decimal = Decimal(0)


def post(session: Session, postings: list[Posting]) -> dict[str, Decimal]:
    """Store the applications and credits of ``postings`` and lower the amount due of every
    invoice they touch, once per invoice; the new amount due of each, by number.

    The payments are ones no application points at yet (the caller decides each payment once:
    its proposal row, unique per payment, is in the same transaction), so the applications are
    inserted as new rows in one go, and the invoices are read a query a chunk (store.base.in_chunks).
    """
    now = datetime.now(timezone.utc).isoformat()
    records, applied = [], defaultdict(Decimal)
    for posting in postings:
        for line in posting.lines:
            records.append(_application(posting.payment_reference, posting.currency, line, now))
            applied[line.number] += line.amount
        if posting.credit > 0:
            records.append(_credit(posting.payment_reference, posting.credit, posting.currency, now))
    store_new_records(session, "payment_application", records)
    return _lower_dues(session, applied)


def _application(payment_reference: str, currency: str, line: Line, now: str) -> dict:
    record = {"payment": payment_reference, "invoice": line.number, "amount": line.amount,
              "currency": currency, "kind": line.kind, "applied_at": now}
    return {**record, "reason": line.reason} if line.reason else record


def _credit(payment_reference: str, amount: Decimal, currency: str, now: str) -> dict:
    return {"payment": payment_reference, "amount": amount, "currency": currency, "kind": "credit",
            "reason": CREDIT_REASON, "applied_at": now}


def _lower_dues(session: Session, applied: dict[str, Decimal]) -> dict[str, Decimal]:
    rows = {}
    for chunk in in_chunks(list(applied)):
        rows.update((row.number, row) for row in session.execute(select(*_DUE_COLUMNS).where(
            Invoice.kind == "invoice", Invoice.number.in_(chunk))))
    dues, settled = {}, []
    for number, amount in applied.items():
        row = rows[number]
        still_open = quantize(row.amount_due if row.amount_due is not None else row.total, row.currency)
        due = still_open - amount
        if row.status not in OPEN_INVOICE or due < 0:  # changed since the matcher read it
            now = f"is {row.status}" if row.status not in OPEN_INVOICE else f"has only {still_open} {row.currency} open"
            raise RetriableError(f"invoice {number} {now} since cash application read it (another payment, a "
                                 "cancellation): nothing was applied, and the next attempt decides on what is open then")
        settled.append((row, due))
        dues[number] = due
    settle_invoices(session, settled)
    return dues


# What lowering an invoice's amount due reads of it (not its ORM object, lines and all).
_DUE_COLUMNS = (Invoice.id, Invoice.number, Invoice.status, Invoice.amount_due, Invoice.total, Invoice.currency,
                Invoice.order_number, Invoice.data)


def post_credit(session: Session, *, payment_reference: str, customer_id: int | None,
                amount: Decimal, currency: str) -> UpsertResult:
    """Keep ``amount`` as customer credit: the payment's one ``credit`` application.

    Customer credit is derived from these applications in one place
    (``hub.o2c.receivables.customer_credits``), so posting the same payment's credit again
    finds that application and changes nothing. Its customer is the payment's, else that of
    the invoices the payment was applied to; ``customer_id`` (the matcher's customer, whose
    invoices those are) is not stored apart.
    """
    return store_record(session, "payment_application",
                        _credit(payment_reference, amount, currency, datetime.now(timezone.utc).isoformat()))
