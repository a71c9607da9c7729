"""Canonical ↔ Tryton values, from JSON fixtures only."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.tryton import codec, mapping
from hub.o2c.orders.net_lines import net_lines

FIXTURES = Path(__file__).with_name("fixtures")


def fixture(name: str):
    return codec.loads((FIXTURES / name).read_text())


def test_party_values_carry_contacts_identifiers_and_addresses():
    customer = fixture("customer.json")
    address = mapping.address_values(customer["addresses"][0], country_id=5)
    values = mapping.party_values(customer, [address])
    assert values == {
        "name": "Bob Norman",
        "contact_mechanisms": [("create", [{"type": "email", "value": "bob.norman@hostmail.com"},
                                           {"type": "phone", "value": "+1 502 555 0100"}])],
        "identifiers": [("create", [{"code": "shopify:207119551"}, {"code": "crm:42"}])],
        "addresses": [("create", [{"street": "Chestnut Street 92\nSuite 4", "city": "Louisville",
                                   "postal_code": "40202", "party_name": "Bob Norman", "country": 5}])],
    }


def test_a_customer_without_address_gets_one_empty_address_and_its_email_as_name():
    values = mapping.party_values({"email": "ap@acme.example"}, [])
    assert values["name"] == "ap@acme.example"
    assert values["addresses"] == [("create", [{}])]


@pytest.mark.parametrize(("customer", "current", "changes"), [
    ({"name": "Acme"}, {"name": "Acme"}, {}),
    ({"name": "Acme GmbH"}, {"name": "Acme"}, {"name": "Acme GmbH"}),
    ({"email": "ap@acme.example"}, {"name": "ap@acme.example"}, {}),
], ids=["same", "renamed", "email-as-name"])
def test_party_changes(customer, current, changes):
    assert mapping.party_changes(customer, current) == changes


def test_address_key_ignores_empty_values():
    assert mapping.address_key({"street": "", "city": "Berlin"}) == (None, None, "Berlin", None)


def test_template_values_keep_the_price_exact():
    product = {"sku": "IPOD", "name": "IPod", "unit_price": "199.9", "currency": "EUR"}
    values = mapping.template_values(product, uom_id=1, category_id=3, kind="goods")
    assert values["list_price"] == Decimal("199.90")
    assert values["code"] == "IPOD" and values["products"] == [("create", [{"suffix_code": None}])]
    assert values["account_category"] == 3 and values["salable"] is True


def test_template_changes_only_what_differs():
    product = {"sku": "IPOD", "name": "IPod", "unit_price": "10.00", "currency": "EUR", "active": False}
    current = {"name": "IPod", "list_price": Decimal("9.50"), "salable": True}
    assert mapping.template_changes(product, current) == {"list_price": Decimal("10.00"), "salable": False}


def test_sale_values_and_lines():
    order = fixture("sales_order.json")
    values = mapping.sale_values(order, party_id=2, address_id=3, currency_id=1, payment_term_id=10)
    assert values == {"party": 2, "invoice_address": 3, "shipment_address": 3, "currency": 1,
                      "reference": "#1001", "description": "Leave at the door",
                      "sale_date": dt.date(2024, 3, 1), "payment_term": 10}
    lines = [mapping.sale_line_values(line, product_id=9, unit_id=1, tax_ids=[])
             for line in net_lines(order, shipping_sku="SHIPPING")]
    assert [line["quantity"] for line in lines] == [2.0, 3.0, 1.5]
    assert [line["unit_price"] for line in lines] == [Decimal("199.00"), Decimal("9.6667"), Decimal("80.00")]
    assert lines[0]["description"] == "IPod Nano - green" and lines[1]["description"] == "CABLE"
    assert all(line["taxes"] == [("add", [])] for line in lines)


def test_unit_prices_have_four_digits():
    assert mapping.unit_price(Decimal("1234.57"), Decimal(250)) == Decimal("4.9383")
    assert mapping.unit_price(Decimal("53.97"), Decimal(3)) == Decimal("17.9900")
    assert mapping.unit_price(Decimal("5.00"), Decimal(0)) == Decimal(0)


def test_the_adjustment_line_is_untaxed_and_says_why():
    line = mapping.adjustment_line_values({"number": "US-1", "currency": "USD", "totals": {"total": "1405.67"}}, Decimal("-0.01"), product_id=4, unit_id=1)
    assert (line["unit_price"], line["quantity"], line["taxes"], line["product"]) == (Decimal("-0.01"), 1.0, [], 4)
    assert "storefront total of order US-1 (1405.67 USD)" in line["description"]


def test_invoice_from_tryton_is_canonical_and_partially_paid():
    invoice = fixture("invoice.json")
    record = mapping.invoice_from_tryton(invoice, currency="EUR", customer={"name": "Bob", "email": None},
                                         order_number="#1001")
    assert record == {
        "number": "INV-7", "kind": "invoice", "customer": {"name": "Bob"}, "currency": "EUR",
        "issue_date": "2024-03-01", "order_number": "#1001", "status": "partially_paid",
        "subtotal": Decimal("100.00"), "tax_total": Decimal("19.00"), "total": Decimal("119.00"),
        "amount_due": Decimal("19.00"), "external_refs": [{"system": "tryton", "id": "7"}],
    }


def test_a_credit_note_is_canonical_with_the_amounts_it_credits_and_the_invoice_it_credits():
    note = {**fixture("invoice.json"), "number": "CN-2", "total_amount": Decimal("-59.50"),
            "untaxed_amount": Decimal("-50.00"), "tax_amount": Decimal("-9.50"), "amount_to_pay": Decimal("-59.50")}
    record = mapping.invoice_from_tryton(note, currency="EUR", customer={"name": "Bob"}, credits_invoice="INV-7")
    assert (record["kind"], record["credits_invoice"], record["status"]) == ("credit_note", "INV-7", "open")
    assert [record[k] for k in ("subtotal", "tax_total", "total", "amount_due")] == [
        Decimal("50.00"), Decimal("9.50"), Decimal("59.50"), Decimal("59.50")]
    by_hand = mapping.invoice_from_tryton(note, currency="EUR", customer={"name": "Bob"})
    assert by_hand["credits_invoice"] == mapping.CREDITS_UNKNOWN
    assert "credits_invoice" not in mapping.invoice_from_tryton(fixture("invoice.json"), currency="EUR", customer={})


def test_credited_lines_are_read_from_the_origin_of_invoice_lines_only():
    rows = [{"origin": "account.invoice.line,45"}, {"origin": "sale.line,3"}, {"origin": None}, {}]
    assert mapping.credited_line_ids(rows) == [45]


@pytest.mark.parametrize(("state", "due", "status"), [
    ("draft", None, "draft"), ("validated", None, "draft"), ("posted", "119.00", "open"),
    ("posted", "0", "paid"), ("paid", "0", "paid"), ("cancelled", None, "void"),
], ids=["draft", "validated", "posted", "posted-zero-due", "paid", "cancelled"])
def test_invoice_status(state, due, status):
    assert mapping.invoice_status(state, Decimal("119.00"), Decimal(due) if due else None) == status


def test_payment_form_uses_the_reference_and_value_date():
    payment = {"reference": "pi_1", "amount": "10.999", "currency": "EUR", "received_at": "2024-03-31T09:30:00Z"}
    form = mapping.payment_form(payment, currency_id=1, method_id=2, payee_id=3)
    assert form == {"amount": Decimal("11.00"), "currency": 1, "date": dt.date(2024, 3, 31),
                    "payment_method": 2, "description": "pi_1", "payee": 3}


def test_fixtures_are_plain_json():
    for path in FIXTURES.glob("*.json"):
        json.loads(path.read_text())
