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


def invoice(status: str, version: str | None = None, **changes) -> dict:
    ref = {"system": "tryton", "id": "17"}
    if version is not None:
        ref["version"] = version
    return {"number": "INV-17", "currency": "EUR", "total": "100", "status": status,
            "external_refs": [ref], **changes}


def stored_invoice(session, result: UpsertResult) -> tuple[str, str | None]:
    ref = session.scalar(select(ExternalRef).where(ExternalRef.external_id == "17"))
    return session.get(Invoice, result.id).status, ref.version


def test_newer_version_overwrites_older(session):
    upsert(session, "invoice", invoice("open", "2026-12-07T10:15:02.123456+00:00"), ref=("tryton", "17"))
    newer = upsert(session, "invoice", invoice("paid", "2026-12-07T10:15:03+00:00"), ref=("tryton", "17"))
    assert (newer.changed, newer.stale) == (True, False)
    assert stored_invoice(session, newer) == ("paid", "2026-12-07T10:15:03+00:00")


def test_older_copy_after_newer_is_ignored(session):
    paid = upsert(session, "invoice", invoice("paid", "2026-12-07T10:15:03+00:00"), ref=("tryton", "17"))
    old = upsert(session, "invoice", invoice("open", "2026-12-07T10:15:02.123456+00:00"), ref=("tryton", "17"))
    assert old == UpsertResult(entity="invoice", id=paid.id, created=False, changed=False, stale=True)
    assert stored_invoice(session, paid) == ("paid", "2026-12-07T10:15:03+00:00")
    assert "version" not in session.get(Invoice, paid.id).data["external_refs"][0]


def test_older_copy_is_ignored_without_a_given_ref(session):
    paid = upsert(session, "invoice", invoice("paid", "2026-12-07 11:00:00"))  # naive: UTC
    old = upsert(session, "invoice", invoice("open", "2026-12-07T11:30:00+01:00"))
    assert (old.id, old.changed, old.stale) == (paid.id, False, True)
    assert stored_invoice(session, paid) == ("paid", "2026-12-07 11:00:00")


def test_equal_version_with_other_content_is_written(session):
    first = upsert(session, "invoice", invoice("open", "2026-12-07T10:15:02Z"), ref=("tryton", "17"))
    same_second = upsert(session, "invoice", invoice("paid", "2026-12-07T10:15:02+00:00"), ref=("tryton", "17"))
    assert (same_second.id, same_second.changed, same_second.stale) == (first.id, True, False)
    assert stored_invoice(session, first)[0] == "paid"


def test_versions_as_numbers_are_compared_as_numbers(session):
    upsert(session, "invoice", invoice("paid", "10"), ref=("tryton", "17"))
    old = upsert(session, "invoice", invoice("open", "9"), ref=("tryton", "17"))
    newer = upsert(session, "invoice", invoice("void", "11.5"), ref=("tryton", "17"))
    assert (old.stale, newer.changed) == (True, True)
    assert stored_invoice(session, newer) == ("void", "11.5")


def test_new_version_of_the_same_content_is_remembered(session):
    first = upsert(session, "invoice", invoice("paid", "1"), ref=("tryton", "17"))
    again = upsert(session, "invoice", invoice("paid", "2"), ref=("tryton", "17"))
    old = upsert(session, "invoice", invoice("open", "1"), ref=("tryton", "17"))
    assert (again.changed, again.stale, old.stale) == (False, False, True)
    assert stored_invoice(session, first) == ("paid", "2")


def test_record_without_version_behaves_as_before(session):
    first = upsert(session, "invoice", invoice("open"), ref=("tryton", "17"))
    again = upsert(session, "invoice", invoice("open"), ref=("tryton", "17"))
    changed = upsert(session, "invoice", invoice("paid"), ref=("tryton", "17"))
    back = upsert(session, "invoice", invoice("open"), ref=("tryton", "17"))
    assert [(r.changed, r.stale) for r in (first, again, changed, back)] == [
        (True, False), (False, False), (True, False), (True, False)]
    assert stored_invoice(session, first) == ("open", None)


def test_mixed_stored_without_version_then_with_one(session):
    first = upsert(session, "invoice", invoice("open"), ref=("tryton", "17"))
    versioned = upsert(session, "invoice", invoice("paid", "2026-12-07T10:00:00Z"), ref=("tryton", "17"))
    unversioned = upsert(session, "invoice", invoice("open"), ref=("tryton", "17"))
    old = upsert(session, "invoice", invoice("draft", "2026-12-07T09:00:00Z"), ref=("tryton", "17"))
    assert [(r.changed, r.stale) for r in (versioned, unversioned, old)] == [(True, False), (True, False), (False, True)]
    assert stored_invoice(session, first) == ("open", "2026-12-07T10:00:00Z")


def test_incomparable_versions_are_not_older(session):
    upsert(session, "invoice", invoice("paid", "2026-12-07T10:00:00Z"), ref=("tryton", "17"))
    weird = upsert(session, "invoice", invoice("open", "7"), ref=("tryton", "17"))
    assert (weird.changed, weird.stale) == (True, False)
