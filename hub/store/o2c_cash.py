"""Cash application: match decisions, customer credits and the learned IBAN map.

    MatchProposal    one decision per incoming payment or bank line: auto_applied, proposed,
                     accepted, rejected or unmatched, with its ranked candidate sets (the best
                     first, each with its invoices, amounts, score and reasons as data), and
                     the set applied
    CustomerCredit   an overpayment kept for the customer
    CustomerIban     payer IBAN → customer, learned from accepted and auto-applied matches
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.base import Base, utcnow
from hub.store.o2c_types import Document


class MatchProposal(Base):
    """The matcher's decision on one payment (``source`` payment) or bank line (bank_transaction).

    ``score``, ``runner_up_score`` and ``reasons`` are the matcher's; ``invoices`` and
    ``allocation`` the best set until a person accepts another (``accepted_candidate``, NULL for
    an allocation of their own), then the set applied. ``candidates`` is NULL on proposals
    decided before candidates were kept (see hub.o2c.cashapp.candidates).
    """

    __tablename__ = "match_proposals"
    __table_args__ = (UniqueConstraint("source", "payment_reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    payment_reference: Mapped[str] = mapped_column(index=True)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(20), index=True)
    score: Mapped[int | None]
    runner_up_score: Mapped[int | None]
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    payer_iban: Mapped[str | None] = mapped_column(String(34))
    invoices: Mapped[list[str]] = mapped_column(JSON)
    allocation: Mapped[dict[str, Any]] = mapped_column(Document)
    reasons: Mapped[list[str]] = mapped_column(JSON)
    candidates: Mapped[list[dict[str, Any]] | None] = mapped_column(Document)
    accepted_candidate: Mapped[int | None]
    accept_reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(String(120))
    decided_at: Mapped[datetime | None]
    reject_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # an applied payment recorded in the ERP (hub.o2c.cashapp.erp): when, and what the ERP answered
    posted_at: Mapped[datetime | None]
    posting: Mapped[dict[str, Any] | None] = mapped_column(Document)


class CustomerCredit(Base):
    """Money a customer paid beyond what was open, kept as credit."""

    __tablename__ = "customer_credits"

    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    payment_reference: Mapped[str] = mapped_column(index=True)
    amount: Mapped[Decimal]
    remaining: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CustomerIban(Base):
    """A payer IBAN known to belong to a customer."""

    __tablename__ = "customer_ibans"

    id: Mapped[int] = mapped_column(primary_key=True)
    iban: Mapped[str] = mapped_column(String(34), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    learned_from: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
