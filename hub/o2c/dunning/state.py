"""Reading and writing dunning state in the store: history, disputes, promises, credit holds.

The caller owns the session and the transaction; nothing here commits.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.o2c.dunning.planner import Collection, PlannedNotice, SentNotice
from hub.o2c.queries import document
from hub.o2c.receivables import amount_still_due, may_owe
from hub.store.o2c import Invoice
from hub.store.o2c_dunning import CreditHold, DunningNotice, InvoiceCollection


def open_invoices(session: Session) -> list[dict[str, Any]]:
    """Every invoice with an amount still due (hub.o2c.receivables), as canonical documents."""
    rows = session.scalars(select(Invoice).where(may_owe()).order_by(Invoice.id))
    return [document(row) for row in rows if amount_still_due(row.data) > 0]


def history(session: Session, policy: str) -> list[SentNotice]:
    """Every invoice listed in a notice of ``policy`` so far."""
    rows = session.scalars(select(DunningNotice).where(DunningNotice.policy == policy))
    return [SentNotice(invoice=r.invoice_number, level=r.level, customer=r.customer, as_of=r.as_of)
            for r in rows]


def collections(session: Session) -> dict[str, Collection]:
    """Disputes and promises to pay, by invoice number."""
    rows = session.scalars(select(InvoiceCollection))
    return {r.invoice_number: Collection(disputed=r.disputed, promised_until=r.promised_until) for r in rows}


def set_dispute(session: Session, invoice: str, *, disputed: bool, reason: str | None = None) -> None:
    """Open (``disputed=True``) or close a dispute on an invoice."""
    row = _collection_row(session, invoice)
    row.disputed, row.dispute_reason = disputed, reason if disputed else None


def set_promise(session: Session, invoice: str, until: date | None) -> None:
    """Record a promise to pay ``invoice`` by ``until`` (None withdraws it)."""
    _collection_row(session, invoice).promised_until = until


def _collection_row(session: Session, invoice: str) -> InvoiceCollection:
    row = session.scalar(select(InvoiceCollection).where(InvoiceCollection.invoice_number == invoice))
    if row is None:
        row = InvoiceCollection(invoice_number=invoice, disputed=False)
        session.add(row)
    return row


def record_notice(session: Session, notice: PlannedNotice, *, connection: str) -> None:
    """Record every invoice of a sent notice at its own level; already recorded rows stay."""
    for item in notice.invoices:
        known = session.scalar(select(DunningNotice.id).where(
            DunningNotice.policy == notice.policy, DunningNotice.invoice_number == item.number,
            DunningNotice.level == item.level))
        if known is None:
            session.add(DunningNotice(
                policy=notice.policy, invoice_number=item.number, customer=notice.customer,
                level=item.level, notice_level=notice.level.name, channel=notice.level.channel,
                connection=connection, as_of=notice.as_of, effect_key=notice.key))
    session.flush()


def place_credit_hold(session: Session, notice: PlannedNotice) -> None:
    """Put the notice's customer on credit hold (a hold already in place stays as it is)."""
    row = session.scalar(select(CreditHold).where(CreditHold.customer == notice.customer))
    if row is not None and row.released_at is None:
        return
    if row is None:
        row = CreditHold(customer=notice.customer, policy=notice.policy, level=notice.level.name)
        session.add(row)
    invoices = ", ".join(i.number for i in notice.invoices)
    row.policy, row.level, row.released_at = notice.policy, notice.level.name, None
    row.reason = f"dunning {notice.policy}/{notice.level.name} on {notice.as_of}: {invoices}"
    session.flush()


def on_credit_hold(session: Session, customer: str) -> bool:
    """True when dunning put ``customer`` (a dunning customer key) on a hold not yet released."""
    return session.scalar(select(CreditHold.id).where(
        CreditHold.customer == customer, CreditHold.released_at.is_(None))) is not None


def credit_holds(session: Session) -> Iterable[CreditHold]:
    """The holds in place, oldest first."""
    return session.scalars(select(CreditHold).where(CreditHold.released_at.is_(None)).order_by(CreditHold.id))
