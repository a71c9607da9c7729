"""Canonical bank transactions, one row per transaction of an imported statement.

Unique by ``dedupe_id`` (the canonical record's ``id``), so a statement imported twice, or two
overlapping statements, store each transaction once.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.base import Base
from hub.store.o2c_types import Documented


class BankTransaction(Documented, Base):
    """A booked movement on one of our bank accounts (credits positive, debits negative)."""

    __tablename__ = "bank_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_id: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[str] = mapped_column(String(64), index=True)
    booking_date: Mapped[date] = mapped_column(index=True)
    value_date: Mapped[date | None]
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    counterparty_name: Mapped[str | None]
    counterparty_iban: Mapped[str | None] = mapped_column(String(34), index=True)
    remittance_info: Mapped[str | None] = mapped_column(Text)
    creditor_reference: Mapped[str | None] = mapped_column(String(64), index=True)
    end_to_end_id: Mapped[str | None] = mapped_column(String(64), index=True)
    bank_reference: Mapped[str | None]
    statement_id: Mapped[str | None] = mapped_column(index=True)
