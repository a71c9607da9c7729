"""Credit decisions on orders and the differences reconciliations find.

    CreditCheck              one evaluation of an order against its customer's credit
                             (exposure, limit, every rule with its value), and who decided
    ReconciliationException  one difference between two systems (missing on a side, or a
                             field that disagrees), open until a later run no longer sees it
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.base import Base, utcnow

#: ``decided_by`` of a decision the rules took on their own (a person's name otherwise).
RULES = "credit rules"


class CreditCheck(Base):
    """One credit check of one order: approved, held (waiting for a person) or rejected.

    A held check is resolved in place by a person (``approved``/``rejected``, ``decided_by``,
    ``reason``, ``decided_at``); the run that re-checks the order afterwards records a new check.
    """

    __tablename__ = "credit_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_number: Mapped[str] = mapped_column(index=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    customer: Mapped[str | None]  # e-mail or name, as the order gave it
    currency: Mapped[str] = mapped_column(String(3))
    order_total: Mapped[Decimal]
    exposure: Mapped[Decimal]
    credit_limit: Mapped[Decimal | None]
    rules: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # every rule evaluated: name, fired, value, limit, message
    decision: Mapped[str] = mapped_column(String(20), index=True)  # approved | held | rejected
    decided_by: Mapped[str] = mapped_column(String(120), default=RULES)
    reason: Mapped[str | None] = mapped_column(Text)
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"), index=True)
    checked_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]


class ReconciliationException(Base):
    """A difference a reconciliation found; one row per (reconciliation, kind, key, field)."""

    __tablename__ = "reconciliation_exceptions"
    __table_args__ = (UniqueConstraint("reconciliation", "kind", "key", "field"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reconciliation: Mapped[str] = mapped_column(String(120), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # missing_left | missing_right | mismatched
    key: Mapped[str]
    field: Mapped[str] = mapped_column(String(120), default="")
    left_value: Mapped[Any | None] = mapped_column(JSON)
    right_value: Mapped[Any | None] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)  # open | resolved
    run_id: Mapped[int | None] = mapped_column(ForeignKey("runs.id"))
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
