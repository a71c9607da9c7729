"""Applied payments recorded in the ERP: what waits to be posted, what to send, what came back.

    waiting(session, limit)             the applied decisions (automatic or accepted) not posted yet
    Posting.payments()                  one ERP payment per invoice: its applied amount, the credit
                                        (an overpayment) with the last invoice
    posted(session, posting, answers)   the decision marked posted, with what the ERP answered

The ERP is asked, per invoice, to record a payment under the payment's reference (its
``record_payment`` action: Tryton, Odoo): it applies the amount to the invoice and keeps what is
more than the invoice still has to pay as the customer's credit. The step that sends them
(hub/pipeline/steps/cash_post.py) goes through the run's idempotency ledger, one effect per
payment and invoice, so a retry, a replay or a second run never records a payment twice.
Discounts and write-offs the hub allowed are not sent: the ERP books them by its own rules, and
a difference left between the ERP's open amount and the hub's is reported (``differences``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.money import quantize
from hub.store.o2c import BankTransaction, Invoice, Payment
from hub.store.o2c_cash import MatchProposal

#: The decisions whose money was applied to invoices.
APPLIED = ("auto_applied", "accepted")


@dataclass(frozen=True, slots=True, kw_only=True)
class Posting:
    """One applied payment: what each invoice took (``applied``) and what was kept as credit."""

    proposal_id: int
    source: str
    reference: str
    currency: str
    on: date
    applied: tuple[tuple[str, Decimal], ...]  # (invoice number, amount), in allocation order
    credit: Decimal

    def payments(self) -> list[tuple[str, Decimal]]:
        """(invoice number, amount to record): each invoice's applied amount, the last one with
        the credit too, so the ERP keeps it as the customer's credit."""
        if not self.applied:
            return []
        *first, (last, amount) = self.applied
        return [*first, (last, amount + self.credit)]

    def payload(self, number: str, amount: Decimal) -> dict[str, Any]:
        """The ``record_payment`` payload for one invoice of this payment."""
        return {"invoice": {"number": number},
                "payment": {"reference": self.reference, "amount": quantize(amount, self.currency),
                            "currency": self.currency, "value_date": self.on.isoformat()}}


def waiting(session: Session, limit: int) -> list[Posting]:
    """The applied decisions not recorded in the ERP yet, oldest first (at most ``limit``)."""
    rows = session.scalars(select(MatchProposal).where(
        MatchProposal.status.in_(APPLIED), MatchProposal.posted_at.is_(None)).order_by(MatchProposal.id).limit(limit))
    return [_posting(session, row) for row in rows]


def posted(session: Session, posting: Posting, answers: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Mark ``posting`` recorded, keep what the ERP answered, and return it with the invoices
    whose open amount in the ERP differs from the hub's."""
    differences = []
    for answer in answers:
        erp_due = answer["erp_amount_due"]
        hub_due = _money(session.scalar(select(Invoice.amount_due).where(Invoice.number == answer["invoice"])
                                        .limit(1)), posting.currency)
        answer["hub_amount_due"] = hub_due
        if erp_due is not None and hub_due is not None and erp_due != hub_due:
            differences.append({"invoice": answer["invoice"], "erp_amount_due": erp_due, "hub_amount_due": hub_due})
    record = {"payment": posting.reference, "source": posting.source, "currency": posting.currency,
              "invoices": list(answers), "differences": differences}
    row = session.get(MatchProposal, posting.proposal_id)
    row.posted_at, row.posting = datetime.now(timezone.utc), record
    return record


def answer_of(number: str, amount: Decimal, result: Any, currency: str) -> dict[str, Any]:
    """What the ERP said about one invoice's payment, in the hub's words."""
    result = result if isinstance(result, dict) else {}
    invoice = result.get("invoice") if isinstance(result.get("invoice"), dict) else {}
    return {"invoice": number, "sent": quantize(amount, currency),
            "erp_applied": _money(result.get("applied"), currency), "erp_credit": _money(result.get("credit"), currency),
            "erp_amount_due": _money(invoice.get("amount_due"), currency), "erp_status": invoice.get("status")}


def _money(value: Any, currency: str) -> Decimal | None:
    """An amount at ``currency``'s minor unit; None stays None (the ERP did not say)."""
    return None if value is None else quantize(value, currency)


def _posting(session: Session, row: MatchProposal) -> Posting:
    lines = (row.allocation or {}).get("lines") or []
    applied: dict[str, Decimal] = {}
    for line in lines:
        if line.get("kind") == "applied":
            applied[line["invoice"]] = applied.get(line["invoice"], Decimal(0)) + quantize(line["amount"], row.currency)
    credit = quantize((row.allocation or {}).get("credit") or 0, row.currency)
    return Posting(proposal_id=row.id, source=row.source, reference=row.payment_reference, currency=row.currency,
                   on=_paid_on(session, row), applied=tuple(applied.items()), credit=credit)


def _paid_on(session: Session, row: MatchProposal) -> date:
    """The payment's value date (else its booking or receipt day, else the decision's)."""
    if row.source == "bank_transaction":
        found = session.execute(select(BankTransaction.value_date, BankTransaction.booking_date)
                                .where(BankTransaction.dedupe_id == row.payment_reference)).first()
    else:
        found = session.execute(select(Payment.value_date, Payment.received_at)
                                .where(Payment.reference == row.payment_reference)).first()
    for value in found or ():
        if value is not None:
            return value.date() if isinstance(value, datetime) else value
    decided = row.decided_at or row.created_at
    return decided.date() if decided else date.today()
