"""Dunning state: the notices sent, what collections know about an invoice, and credit holds.

    DunningNotice        one row per invoice listed in a sent notice, at the invoice's level
    InvoiceCollection    an invoice in dispute, or with a promise to pay until a date
    CreditHold           a customer on credit hold because a dunning level said so

Invoices and customers are kept by number and by customer key (the way
``hub.o2c.dunning.customer_key`` names a customer), so these rows never need the invoice and
customer tables to change; the credit check reads ``CreditHold`` by that key.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.base import Base, utcnow


class DunningNotice(Base):
    """An invoice listed in a notice: never the same (policy, invoice, level) twice."""

    __tablename__ = "dunning_notices"
    __table_args__ = (UniqueConstraint("policy", "invoice_number", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy: Mapped[str] = mapped_column(String(120))
    invoice_number: Mapped[str] = mapped_column(index=True)
    customer: Mapped[str] = mapped_column(index=True)
    level: Mapped[str] = mapped_column(String(120))
    notice_level: Mapped[str] = mapped_column(String(120))
    channel: Mapped[str] = mapped_column(String(20))
    connection: Mapped[str] = mapped_column(String(120))
    as_of: Mapped[date]
    effect_key: Mapped[str] = mapped_column(String(512))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)


class InvoiceCollection(Base):
    """What collections knows about one invoice: a dispute, a promise to pay."""

    __tablename__ = "dunning_invoice_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_number: Mapped[str] = mapped_column(unique=True)
    disputed: Mapped[bool] = mapped_column(default=False)
    dispute_reason: Mapped[str | None] = mapped_column(Text)
    promised_until: Mapped[date | None]
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CreditHold(Base):
    """A customer on credit hold, placed by a dunning level's ``credit_hold`` action."""

    __tablename__ = "dunning_credit_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer: Mapped[str] = mapped_column(unique=True)
    policy: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(120))
    reason: Mapped[str | None] = mapped_column(Text)
    placed_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None]
