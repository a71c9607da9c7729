"""Money received and not yet decided, and the cash-application report.

    undecided(session)   payments and bank credits with neither a decision nor an application
    report(session)      auto-match rate, proposal rate, unmatched, unapplied cash and customer
                         credit (hub.o2c.receivables.customer_credits) per currency
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from hub.money import quantize
from hub.o2c.cashapp.normalize import Remittance, from_bank_transaction, from_payment
from hub.o2c.receivables import customer_credits
from hub.store.o2c import BankTransaction, Payment, PaymentApplication
from hub.store.o2c_cash import MatchProposal

_WAITING = ("proposed", "rejected", "unmatched")


def undecided(session: Session) -> Iterator[Remittance]:
    """Payments received, then bank credits, that no decision or application covers yet (only
    the columns a remittance is read from: no ORM object a row)."""
    payments = select(Payment.data, Payment.customer_id).where(
        Payment.amount > 0, Payment.status.is_(None) | (Payment.status == "received"),
        ~_decided("payment", Payment.reference), ~_applied(Payment.reference),
    ).order_by(Payment.id)
    for data, customer_id in session.execute(payments):
        yield from_payment(data, customer_id=customer_id)
    credits = select(BankTransaction.data).where(
        BankTransaction.amount > 0, ~_decided("bank_transaction", BankTransaction.dedupe_id),
        ~_applied(BankTransaction.dedupe_id),
    ).order_by(BankTransaction.id)
    for data in session.scalars(credits):
        yield from_bank_transaction(data)


def _decided(source: str, reference):
    return exists().where(MatchProposal.source == source, MatchProposal.payment_reference == reference)


def _applied(reference):
    return exists().where(PaymentApplication.payment_reference == reference)


def report(session: Session) -> dict:
    """How the matcher did, and how much cash waits for a person."""
    counts = Counter({status: n for status, n in session.execute(
        select(MatchProposal.status, func.count()).group_by(MatchProposal.status))})
    total = sum(counts.values())
    return {
        "decisions": total, "by_status": dict(counts),
        "auto_match_rate": _rate(counts["auto_applied"], total),
        "proposal_rate": _rate(counts["proposed"] + counts["accepted"] + counts["rejected"], total),
        "unmatched_rate": _rate(counts["unmatched"], total),
        "unapplied_cash": waiting_cash(session), "customer_credit": _open_credit(session),
    }


def _rate(part: int, total: int) -> float:
    return round(part / total, 4) if total else 0.0


def waiting_cash(session: Session) -> dict[str, Decimal]:
    """Per currency, the money of payments and bank credits waiting for a person (proposed,
    rejected or matched to nothing): received, and applied to no invoice yet."""
    query = select(MatchProposal.currency, func.sum(MatchProposal.amount)).where(
        MatchProposal.status.in_(_WAITING)).group_by(MatchProposal.currency)
    return {currency: quantize(total, currency) for currency, total in session.execute(query)}


def _open_credit(session: Session) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for credit in customer_credits(session):
        totals[credit.currency] = totals.get(credit.currency, Decimal(0)) + credit.amount
    return {currency: quantize(total, currency) for currency, total in sorted(totals.items())}
