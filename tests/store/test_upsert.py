"""upsert: create, no-op, update, find by external ref, replace child lines."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select

from hub.errors import InvalidRecordError
from hub.store.o2c import Customer, ExternalRef, Invoice, InvoiceTaxLine, PaymentApplication, SalesOrder, SalesOrderLine
from hub.store.upsert import UpsertResult, upsert


def order(**changes) -> dict:
    record = {
        "number": "#1001", "currency": "USD", "customer": {"email": "bob@example.com"},
        "lines": [{"sku": "A", "quantity": 1, "unit_price": "199.00"},
                  {"sku": "B", "quantity": "2", "unit_price": "99.995"}],
        "totals": {"total": "398.99"},
    }
    return {**record, **changes}


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_create_stores_columns_lines_document_and_ref(session):
    customer = upsert(session, "customer", {"email": "bob@example.com", "name": "Bob"})
    result = upsert(session, "sales_order", order(), ref=("shopify", "450789469"))
    assert result == UpsertResult(entity="sales_order", id=result.id, created=True, changed=True)
    row = session.get(SalesOrder, result.id)
    assert (row.number, row.customer_id, row.total) == ("#1001", customer.id, Decimal("398.99"))
    assert [(line.position, line.sku, line.unit_price) for line in row.lines] == [
        (1, "A", Decimal("199.00")), (2, "B", Decimal("100.00"))]
    assert row.data["lines"][1]["unit_price"] == "100.00"
    ref = session.scalar(select(ExternalRef))
    assert (ref.system, ref.entity, ref.external_id, ref.canonical_id) == ("shopify", "sales_order", "450789469", result.id)
    assert len(ref.payload_hash) == 64


def test_same_record_again_is_a_no_op(session):
    first = upsert(session, "sales_order", order(), ref=("shopify", "1"))
    again = upsert(session, "sales_order", order(), ref=("shopify", "1"))
    by_number = upsert(session, "sales_order", order())
    assert (again.id, again.created, again.changed) == (first.id, False, False)
    assert (by_number.id, by_number.changed) == (first.id, False)


def test_changed_record_updates_the_row_found_by_natural_key(session):
    first = upsert(session, "sales_order", order())
    second = upsert(session, "sales_order", order(status="booked"))
    assert (second.id, second.created, second.changed) == (first.id, False, True)
    assert session.get(SalesOrder, first.id).status == "booked"
    assert count(session, SalesOrder) == 1


def test_external_ref_wins_over_natural_key(session):
    first = upsert(session, "sales_order", order(), ref=("shopify", "1"))
    renamed = upsert(session, "sales_order", order(number="#1001-A"), ref=("shopify", "1"))
    assert (renamed.id, renamed.changed) == (first.id, True)
    assert session.get(SalesOrder, first.id).number == "#1001-A"


def test_refs_inside_the_record_find_the_row(session):
    first = upsert(session, "customer", {"name": "Acme", "external_refs": [{"system": "crm", "id": 7}]})
    again = upsert(session, "customer", {"name": "Acme AG", "external_refs": [{"system": "crm", "id": "7"}]})
    assert (again.id, again.created, again.changed) == (first.id, False, True)
    assert count(session, Customer) == 1


def test_child_lines_are_replaced(session):
    first = upsert(session, "sales_order", order())
    upsert(session, "sales_order", order(lines=[{"sku": "C", "quantity": "0.5"}]))
    row = session.get(SalesOrder, first.id)
    assert [(line.sku, line.quantity) for line in row.lines] == [("C", Decimal("0.5"))]
    assert count(session, SalesOrderLine) == 1


def test_credit_note_links_its_invoice_and_tax_lines_are_stored(session):
    invoice = {"number": "INV-1", "currency": "KWD", "total": "1.2345",
               "tax_lines": [{"name": "VAT", "rate": "0.05", "amount": "0.0588"}]}
    first = upsert(session, "invoice", invoice)
    credit = upsert(session, "invoice", {"number": "INV-1", "kind": "credit_note",
                                         "credits_invoice": "INV-1", "currency": "KWD", "total": "1"})
    assert credit.id != first.id
    assert session.get(Invoice, credit.id).credits_invoice_id == first.id
    assert session.get(Invoice, first.id).total == Decimal("1.235")
    assert session.scalar(select(InvoiceTaxLine.amount)) == Decimal("0.059")


def test_payment_application_links_payment_and_invoice(session):
    payment = upsert(session, "payment", {"reference": "pi_1", "amount": "10", "currency": "EUR"})
    invoice = upsert(session, "invoice", {"number": "INV-1", "currency": "EUR", "total": "10"})
    applied = upsert(session, "payment_application",
                     {"payment": "pi_1", "invoice": "INV-1", "amount": "10", "currency": "EUR"})
    row = session.get(PaymentApplication, applied.id)
    assert (row.payment_id, row.invoice_id, row.kind) == (payment.id, invoice.id, "applied")


def test_invalid_record_is_refused(session):
    with pytest.raises(InvalidRecordError) as caught:
        upsert(session, "payment", {"reference": "r", "amount": "ten", "currency": "EUR"})
    assert caught.value.problems == ["amount: must be a number or a decimal string"]


def test_unknown_entity(session):
    with pytest.raises(LookupError, match="stored entities: customer, product"):
        upsert(session, "external_ref", {"system": "a", "entity": "customer", "external_id": "1"})
