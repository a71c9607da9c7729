"""Canonical invoices (and credit notes), payments and payment applications.

    Invoice ──< InvoiceLine          Payment ──< PaymentApplication >── Invoice
    Invoice ──< InvoiceTaxLine       credit note ──> Invoice it credits
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hub.store.base import Base
from hub.store.o2c_orders import DocumentLine
from hub.store.o2c_types import Document, Documented, Rate


class Invoice(Documented, Base):
    """An invoice or a credit note (``kind``), unique by (kind, number)."""

    __tablename__ = "invoices"
    __table_args__ = (UniqueConstraint("kind", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(20), default="invoice")
    credits_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"))
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    sales_order_id: Mapped[int | None] = mapped_column(ForeignKey("sales_orders.id"), index=True)
    order_number: Mapped[str | None] = mapped_column(index=True)
    currency: Mapped[str] = mapped_column(String(3))
    issue_date: Mapped[date | None]
    due_date: Mapped[date | None] = mapped_column(index=True)
    status: Mapped[str | None] = mapped_column(String(20), index=True)
    subtotal: Mapped[Decimal | None]
    tax_total: Mapped[Decimal | None]
    total: Mapped[Decimal]
    amount_due: Mapped[Decimal | None]

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.position", cascade="all, delete-orphan"
    )
    tax_lines: Mapped[list[InvoiceTaxLine]] = relationship(
        back_populates="invoice", order_by="InvoiceTaxLine.position", cascade="all, delete-orphan"
    )


class InvoiceLine(DocumentLine, Base):
    """One line of an invoice or credit note."""

    __tablename__ = "invoice_lines"

    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class InvoiceTaxLine(Base):
    """One line of an invoice's tax summary."""

    __tablename__ = "invoice_tax_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    name: Mapped[str | None]
    rate: Mapped[Decimal | None] = mapped_column(Rate)
    taxable_amount: Mapped[Decimal | None]
    amount: Mapped[Decimal]
    data: Mapped[dict[str, Any]] = mapped_column(Document)

    invoice: Mapped[Invoice] = relationship(back_populates="tax_lines")


class Payment(Documented, Base):
    """Money received, by reference (provider id or bank end-to-end id)."""

    __tablename__ = "payments"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(unique=True)
    customer_id: Mapped[int | None] = mapped_column(ForeignKey("customers.id"), index=True)
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    received_at: Mapped[datetime | None]
    value_date: Mapped[date | None]
    method: Mapped[str | None] = mapped_column(String(30))
    status: Mapped[str | None] = mapped_column(String(20))
    payer_name: Mapped[str | None]
    payer_iban: Mapped[str | None] = mapped_column(String(34), index=True)
    remittance_info: Mapped[str | None] = mapped_column(Text)


class PaymentApplication(Documented, Base):
    """A payment, or part of it, applied to an invoice, written off, or kept as credit.

    The payment and invoice are kept by reference/number too, so an application stored before
    its payment or invoice arrived still says what it applies.
    """

    __tablename__ = "payment_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_reference: Mapped[str] = mapped_column(index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), index=True)
    invoice_number: Mapped[str | None] = mapped_column(index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoices.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default="applied")
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3))
    applied_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
