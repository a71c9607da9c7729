"""Canonical parties and catalogue: customers, products, and the external-reference map.

    Customer      Product      ExternalRef (system, entity, external_id) → canonical_id
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hub.store.base import Base, utcnow
from hub.store.o2c_types import Documented


class Customer(Documented, Base):
    """A party that orders and is billed; found by e-mail, else tax id, else name."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(index=True)
    email: Mapped[str | None] = mapped_column(String(320), index=True)
    tax_id: Mapped[str | None] = mapped_column(String(64), index=True)
    currency: Mapped[str | None] = mapped_column(String(3))
    credit_limit: Mapped[Decimal | None]
    payment_term: Mapped[str | None] = mapped_column(String(60))
    blocked: Mapped[bool] = mapped_column(default=False)


class Product(Documented, Base):
    """Something that is sold, by SKU."""

    __tablename__ = "products"

    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(unique=True)
    name: Mapped[str | None]
    unit_price: Mapped[Decimal | None]
    currency: Mapped[str | None] = mapped_column(String(3))
    active: Mapped[bool] = mapped_column(default=True)


class ExternalRef(Base):
    """Which canonical record an id in another system stands for, and what it last said.

    ``payload_hash`` is the SHA-256 of the canonical record last stored from that system: the
    same hash again means the record is unchanged and nothing needs doing. ``version`` is the
    newest source version seen for the id (hub.store.versions): an older copy is not stored.
    """

    __tablename__ = "external_refs"
    __table_args__ = (
        UniqueConstraint("system", "entity", "external_id"),
        Index("ix_external_refs_canonical", "entity", "canonical_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    system: Mapped[str] = mapped_column(String(120))
    entity: Mapped[str] = mapped_column(String(40))
    external_id: Mapped[str] = mapped_column(String(255))
    canonical_id: Mapped[int]
    payload_hash: Mapped[str | None] = mapped_column(String(64))
    version: Mapped[str | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
