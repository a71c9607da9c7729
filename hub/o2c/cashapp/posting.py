"""Writing a decided match to the store: applications, invoice balances, credit, IBANs learned.

Applications are canonical ``payment_application`` records stored through hub.o2c.records,
and each invoice touched is stored again with its new ``amount_due`` and status
(open → partially_paid → paid); an overpayment is the payment's ``credit`` application. The
caller owns the transaction.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.money import quantize
from hub.o2c.cashapp.allocation import Line
from hub.o2c.records import UpsertResult, store_record
from hub.store.o2c import Invoice
from hub.store.o2c_cash import CustomerIban

CREDIT_REASON = "overpayment kept as customer credit"


def post_lines(session: Session, payment_reference: str, currency: str, lines: list[Line]) -> dict[str, Decimal]:
    """Store each line as a payment application and lower its invoice's amount due.

    Returns the new amount due of each invoice touched, by number.
    """
    now = datetime.now(timezone.utc).isoformat()
    settled: dict[str, Decimal] = {}
    for line in lines:
        store_record(session, "payment_application", _application(payment_reference, currency, line, now))
        settled[line.number] = settled.get(line.number, Decimal(0)) + line.amount
    return {number: _lower_due(session, number, amount) for number, amount in settled.items()}


def _application(payment_reference: str, currency: str, line: Line, now: str) -> dict:
    record = {"payment": payment_reference, "invoice": line.number, "amount": line.amount,
              "currency": currency, "kind": line.kind, "applied_at": now}
    return {**record, "reason": line.reason} if line.reason else record


def _lower_due(session: Session, number: str, amount: Decimal) -> Decimal:
    row = session.scalar(select(Invoice).where(Invoice.kind == "invoice", Invoice.number == number))
    due = quantize((row.amount_due if row.amount_due is not None else row.total) - amount, row.currency)
    if due < 0:
        raise ValueError(f"invoice {number} would be overpaid by {-due} {row.currency}")
    status = "paid" if due == 0 else "partially_paid"
    store_record(session, "invoice", {**row.data, "amount_due": due, "status": status})
    return due


def post_credit(session: Session, *, payment_reference: str, customer_id: int | None,
                amount: Decimal, currency: str) -> UpsertResult:
    """Keep ``amount`` as customer credit: the payment's one ``credit`` application.

    Customer credit is derived from these applications in one place
    (``hub.o2c.receivables.customer_credits``), so posting the same payment's credit again
    finds that application and changes nothing. Its customer is the payment's, else that of
    the invoices the payment was applied to; ``customer_id`` (the matcher's customer, whose
    invoices those are) is not stored apart.
    """
    return store_record(session, "payment_application", {
        "payment": payment_reference, "amount": amount, "currency": currency, "kind": "credit",
        "reason": CREDIT_REASON, "applied_at": datetime.now(timezone.utc).isoformat(),
    })


def learn_iban(session: Session, iban: str | None, customer_id: int | None, learned_from: str) -> bool:
    """Remember that ``iban`` pays for ``customer_id``; True when that is new."""
    if not iban or customer_id is None:
        return False
    known = session.scalar(select(CustomerIban).where(CustomerIban.iban == iban))
    if known is not None and known.customer_id == customer_id:
        return False
    if known is None:
        known = CustomerIban(iban=iban, customer_id=customer_id, learned_from=learned_from)
        session.add(known)
    known.customer_id, known.learned_from = customer_id, learned_from
    return True
