"""Canonical sales orders and fulfillments.

    Customer ──< SalesOrder ──< SalesOrderLine
                 SalesOrder ──< Fulfillment ──< FulfillmentLine
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.store.base import Base
from hub.store.o2c_types import Document, Documented, Quantity


class DocumentLine:
    """Mixin: one priced line of an order or an invoice."""

    id: Mapped[int] = mapped_column(primary_key=True)
    position: Mapped[int]
    sku: Mapped[str | None] = mapped_column(index=True)
    description: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[Decimal] = mapped_column(Quantity)
    unit_price: Mapped[Decimal | None]
    discount: Mapped[Decimal | None]
    line_total: Mapped[Decimal | None]
    data: Mapped[dict[str, Any]] = mapped_column(Document)


class SalesOrder(Documented, Base):
    """A customer's order, by number; status as in the order life cycle (DESIGN §4), derived by
    hub/o2c/orders/facts.py after every write through hub/o2c/records.py."""

    __tablename__ = "sales_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    currency: Mapped[str] = mapped_column(String(3))
    order_date: Mapped[date | None]
    status: Mapped[str | None] = mapped_column(String(30), index=True)
    subtotal: Mapped[Decimal | None]
    discount_total: Mapped[Decimal | None]
    shipping_total: Mapped[Decimal | None]
    tax_total: Mapped[Decimal | None]
    total: Mapped[Decimal | None]

    lines: Mapped[list[SalesOrderLine]] = relationship(
        back_populates="order", order_by="SalesOrderLine.position", cascade="all, delete-orphan"
    )


class SalesOrderLine(DocumentLine, Base):
    """One line of a sales order."""

    __tablename__ = "sales_order_lines"

    order_id: Mapped[int] = mapped_column(ForeignKey("sales_orders.id", ondelete="CASCADE"), index=True)
    order: Mapped[SalesOrder] = relationship(back_populates="lines")


class Fulfillment(Documented, Base):
    """A shipment of (part of) a sales order; found by order number plus number or tracking."""

    __tablename__ = "fulfillments"
    __table_args__ = (Index("ix_fulfillments_order_tracking", "order_number", "tracking_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_number: Mapped[str] = mapped_column(index=True)
    sales_order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    number: Mapped[str | None]
    status: Mapped[str | None] = mapped_column(String(30))
    shipped_at: Mapped[datetime | None]
    carrier: Mapped[str | None] = mapped_column(String(120))
    tracking_number: Mapped[str | None]

    lines: Mapped[list[FulfillmentLine]] = relationship(
        back_populates="fulfillment", order_by="FulfillmentLine.position", cascade="all, delete-orphan"
    )


class FulfillmentLine(Base):
    """One shipped SKU and quantity."""

    __tablename__ = "fulfillment_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    fulfillment_id: Mapped[int] = mapped_column(
        ForeignKey("fulfillments.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    sku: Mapped[str] = mapped_column(index=True)
    quantity: Mapped[Decimal] = mapped_column(Quantity)

    fulfillment: Mapped[Fulfillment] = relationship(back_populates="lines")
