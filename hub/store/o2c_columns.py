"""How each canonical entity maps onto its table: natural key, columns and child lines.

One :class:`EntityTable` per entity, in :data:`ENTITY_TABLES`. ``hub.store.upsert`` uses them;
nothing here writes or commits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from hub.store.base import Base, in_chunks
from hub.store.o2c import (
    BankTransaction, Customer, ExternalRef, Fulfillment, FulfillmentLine, Invoice, InvoiceLine, InvoiceTaxLine,
    Payment, PaymentApplication, Product, SalesOrder, SalesOrderLine,
)

Record = dict[str, Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class EntityTable:
    """The model of an entity, its natural-key query, its columns and its child collections."""

    model: type[Base]
    natural_key: Callable[[Record], Select | None]
    columns: Callable[[Session, Record], dict[str, Any]]
    children: Callable[[Record], dict[str, list[Base]]] = field(default=lambda record: {})
    #: The columns of many records at once, links looked up in one query per kind (None: the
    #: columns of each record in turn).
    columns_many: Callable[[Session, list[Record]], list[dict[str, Any]]] | None = None
    #: The one column and value the natural key matches (the lowest id wins), for upserts of
    #: many records at once (None: the natural key is not one column, or the entity has child
    #: lines or links to its own kind, and a batch of it is upserted one record at a time).
    key_column: Callable[[Record], tuple[str, Any] | None] | None = None

    def columns_of(self, session: Session, records: list[Record]) -> list[dict[str, Any]]:
        """The columns of each of ``records``, in order."""
        if self.columns_many is not None:
            return self.columns_many(session, records)
        return [self.columns(session, record) for record in records]


# --- natural keys -----------------------------------------------------------------------------


def _customer_key(record: Record) -> Select | None:
    """E-mail, else tax id, else name: the first one the record has."""
    key = _customer_key_column(record)
    if key is None:
        return None
    name, value = key
    return select(Customer).where(getattr(Customer, name) == value).order_by(Customer.id).limit(1)


def _customer_key_column(record: Record) -> tuple[str, Any] | None:
    for name in ("email", "tax_id", "name"):
        if record.get(name):
            return name, record[name]
    return None


def _fulfillment_key(record: Record) -> Select | None:
    """Order number plus the shipment number, else plus the tracking number."""
    query = select(Fulfillment).where(Fulfillment.order_number == record["order_number"])
    if record.get("number"):
        return query.where(Fulfillment.number == record["number"])
    if record.get("tracking_number"):
        return query.where(Fulfillment.tracking_number == record["tracking_number"])
    return None


def _application_key(record: Record) -> Select:
    """One application per payment, invoice and kind."""
    return select(PaymentApplication).where(
        PaymentApplication.payment_reference == record["payment"],
        PaymentApplication.invoice_number == record.get("invoice"),
        PaymentApplication.kind == record["kind"],
    )


# --- links to other canonical records ---------------------------------------------------------


# Built once: customer links are looked up for every order, invoice and payment stored.
_CUSTOMER_BY_REF = select(ExternalRef.canonical_id).where(
    ExternalRef.system == bindparam("system"), ExternalRef.entity == "customer",
    ExternalRef.external_id == bindparam("external_id"),
)
_CUSTOMER_ID_BY = {
    name: select(Customer.id).where(getattr(Customer, name) == bindparam("value")).order_by(Customer.id).limit(1)
    for name in ("email", "tax_id", "name")
}


def find_customer(session: Session, party: Record | None) -> int | None:
    """The id of the customer a customer reference points at (external ids first), or None."""
    if not party:
        return None
    for ref in party.get("external_refs", []):
        found = session.scalar(_CUSTOMER_BY_REF, {"system": ref["system"], "external_id": ref["id"]})
        if found is not None:
            return found
    for name in ("email", "tax_id", "name"):  # the order of _customer_key
        if party.get(name):
            return session.scalar(_CUSTOMER_ID_BY[name], {"value": party[name]})
    return None


def _id_of(session: Session, model: type[Base], **where: Any) -> int | None:
    if any(v is None for v in where.values()):
        return None
    return session.scalar(_id_query(model, tuple(sorted(where))), where)


@cache
def _id_query(model: type[Base], names: tuple[str, ...]) -> Select:
    """Built once per model and columns: a statement built per call costs more than its query."""
    return select(model.id).where(*(getattr(model, name) == bindparam(name) for name in names)).limit(1)


def _date(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def _moment(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


# --- columns ----------------------------------------------------------------------------------


def _customer_columns(session: Session, r: Record) -> dict[str, Any]:
    keys = ("name", "email", "tax_id", "currency", "credit_limit", "payment_term")
    return {**{k: r.get(k) for k in keys}, "blocked": r.get("blocked", False)}


def _product_columns(session: Session, r: Record) -> dict[str, Any]:
    keys = ("sku", "name", "unit_price", "currency")
    return {**{k: r.get(k) for k in keys}, "active": r.get("active", True)}


def _order_columns(session: Session, r: Record) -> dict[str, Any]:
    totals = r.get("totals", {})
    amounts = ("subtotal", "discount_total", "shipping_total", "tax_total", "total")
    return {
        # The status the source gives; the O2C services derive the life-cycle status from the
        # order's fulfillments, invoices and credit right after the write (hub/o2c/records.py).
        "number": r["number"], "currency": r["currency"], "status": r.get("status"),
        "customer_id": find_customer(session, r.get("customer")),
        "order_date": _date(r.get("order_date")), **{k: totals.get(k) for k in amounts},
    }


def _fulfillment_columns(session: Session, r: Record) -> dict[str, Any]:
    keys = ("order_number", "number", "status", "carrier", "tracking_number")
    return {
        **{k: r.get(k) for k in keys}, "shipped_at": _moment(r.get("shipped_at")),
        "sales_order_id": _id_of(session, SalesOrder, number=r["order_number"]),
    }


def _invoice_columns(session: Session, r: Record) -> dict[str, Any]:
    keys = ("number", "kind", "order_number", "currency", "status", "subtotal", "tax_total",
            "total", "amount_due")
    return {
        **{k: r.get(k) for k in keys},
        "issue_date": _date(r.get("issue_date")), "due_date": _date(r.get("due_date")),
        "customer_id": find_customer(session, r.get("customer")),
        "sales_order_id": _id_of(session, SalesOrder, number=r.get("order_number")),
        "credits_invoice_id": _id_of(session, Invoice, kind="invoice", number=r.get("credits_invoice")),
    }


def _payment_columns(session: Session, r: Record) -> dict[str, Any]:
    keys = ("reference", "amount", "currency", "method", "status", "remittance_info")
    payer = r.get("payer", {})
    return {
        **{k: r.get(k) for k in keys}, "payer_name": payer.get("name"), "payer_iban": payer.get("iban"),
        "received_at": _moment(r.get("received_at")), "value_date": _date(r.get("value_date")),
        "customer_id": find_customer(session, r.get("customer")),
    }


def _application_columns(session: Session, r: Record) -> dict[str, Any]:
    return {
        **_application_values(r), "payment_id": _id_of(session, Payment, reference=r["payment"]),
        "invoice_id": _id_of(session, Invoice, kind="invoice", number=r.get("invoice")),
    }


def _application_columns_many(session: Session, records: list[Record]) -> list[dict[str, Any]]:
    payments = _ids_by(session, Payment.reference, {r["payment"] for r in records})
    invoices = _ids_by(session, Invoice.number, {r.get("invoice") for r in records} - {None},
                       Invoice.kind == "invoice")
    return [{**_application_values(r), "payment_id": payments.get(r["payment"]),
             "invoice_id": invoices.get(r.get("invoice"))} for r in records]


def _application_values(r: Record) -> dict[str, Any]:
    return {
        "payment_reference": r["payment"], "invoice_number": r.get("invoice"), "kind": r["kind"],
        "amount": r["amount"], "currency": r["currency"], "reason": r.get("reason"),
        "applied_at": _moment(r.get("applied_at")),
    }


def _ids_by(session: Session, column, values: set, *where) -> dict[Any, int]:
    """The id of the first row (lowest id) for each of ``values`` of ``column``, a query a chunk."""
    found, model = {}, column.class_
    for chunk in in_chunks(sorted(values)):
        rows = session.execute(select(column, model.id).where(column.in_(chunk), *where).order_by(model.id.desc()))
        for value, row_id in rows:
            found[value] = row_id  # the lowest id comes last, and stays
    return found


def _bank_columns(session: Session, r: Record) -> dict[str, Any]:
    keys = ("amount", "currency", "remittance_info", "creditor_reference", "end_to_end_id",
            "bank_reference", "statement_id")
    party = r.get("counterparty", {})
    return {
        **{k: r.get(k) for k in keys}, "dedupe_id": r["id"], "account_id": r["account"]["id"],
        "booking_date": _date(r["booking_date"]), "value_date": _date(r.get("value_date")),
        "counterparty_name": party.get("name"), "counterparty_iban": party.get("iban"),
    }


# --- child lines ------------------------------------------------------------------------------


def _priced_lines(model: type[Base], lines: list[Record]) -> list[Base]:
    keys = ("sku", "description", "quantity", "unit_price", "discount", "line_total")
    return [
        model(position=line.get("line_number", i), data=line, **{k: line.get(k) for k in keys})
        for i, line in enumerate(lines, start=1)
    ]


def _tax_lines(lines: list[Record]) -> list[InvoiceTaxLine]:
    keys = ("name", "rate", "taxable_amount", "amount")
    return [
        InvoiceTaxLine(position=i, data=line, **{k: line.get(k) for k in keys})
        for i, line in enumerate(lines, start=1)
    ]


def _fulfillment_lines(r: Record) -> dict[str, list[Base]]:
    return {"lines": [
        FulfillmentLine(position=i, sku=line["sku"], quantity=line["quantity"])
        for i, line in enumerate(r["lines"], start=1)
    ]}


ENTITY_TABLES: dict[str, EntityTable] = {
    "customer": EntityTable(model=Customer, natural_key=_customer_key, columns=_customer_columns,
                            key_column=_customer_key_column),
    "product": EntityTable(
        model=Product, columns=_product_columns,
        natural_key=lambda r: select(Product).where(Product.sku == r["sku"]),
        key_column=lambda r: ("sku", r["sku"]),
    ),
    "sales_order": EntityTable(
        model=SalesOrder, columns=_order_columns,
        natural_key=lambda r: select(SalesOrder).where(SalesOrder.number == r["number"]),
        children=lambda r: {"lines": _priced_lines(SalesOrderLine, r.get("lines", []))},
    ),
    "fulfillment": EntityTable(
        model=Fulfillment, natural_key=_fulfillment_key, columns=_fulfillment_columns,
        children=_fulfillment_lines,
    ),
    "invoice": EntityTable(
        model=Invoice, columns=_invoice_columns,
        natural_key=lambda r: select(Invoice).where(Invoice.kind == r["kind"], Invoice.number == r["number"]),
        children=lambda r: {
            "lines": _priced_lines(InvoiceLine, r.get("lines", [])),
            "tax_lines": _tax_lines(r.get("tax_lines", [])),
        },
    ),
    "payment": EntityTable(
        model=Payment, columns=_payment_columns,
        natural_key=lambda r: select(Payment).where(Payment.reference == r["reference"]),
        key_column=lambda r: ("reference", r["reference"]),
    ),
    "payment_application": EntityTable(
        model=PaymentApplication, natural_key=_application_key, columns=_application_columns,
        columns_many=_application_columns_many,
    ),
    "bank_transaction": EntityTable(
        model=BankTransaction, columns=_bank_columns,
        natural_key=lambda r: select(BankTransaction).where(BankTransaction.dedupe_id == r["id"]),
        key_column=lambda r: ("dedupe_id", r["id"]),
    ),
}
