"""The canonical schemas refuse values no real document has: zero or negative quantities on
orders and shipments, negative prices and totals, figures of a trillion or more, and ids that
are not ids; each with a message a finance admin understands. Signed values stay accepted
where the model signs them (refunds, bank debits, goods taken back on an invoice)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub import jsonutil
from hub.canonical import check, validate_record
from hub.errors import InvalidRecordError

ORDER = {"number": "1042", "currency": "EUR",
         "lines": [{"sku": "TEA", "quantity": "2", "unit_price": "12.90", "line_total": "25.80"}],
         "totals": {"total": "25.80"}, "external_refs": [{"system": "shopify", "id": "450789469"}]}
INVOICE = {"number": "INV-1", "currency": "EUR", "total": "25.80",
           "lines": [{"sku": "TEA", "quantity": "2", "unit_price": "12.90"}]}
FULFILLMENT = {"order_number": "1042", "lines": [{"sku": "TEA", "quantity": "2"}]}

MORE_THAN_ZERO = "must be more than zero"
NOT_NEGATIVE = "must not be negative"
TOO_LARGE = "is too large: amounts must be below 1,000,000,000,000 (one trillion), plus or minus"
TOO_MANY = "is too large: quantities must be below 1,000,000,000 (one billion)"
NOT_AN_ID = "must be a string or a whole number"


def order_line(**changes):
    return {**ORDER, "lines": [{**ORDER["lines"][0], **changes}]}


def with_ref(ref_id):
    return {**ORDER, "external_refs": [{"system": "shopify", "id": ref_id}]}


REFUSED = [
    ("order-quantity-0", "sales_order", order_line(quantity=0), f"lines/0/quantity: {MORE_THAN_ZERO}"),
    ("order-quantity-minus-5", "sales_order", order_line(quantity=-5), f"lines/0/quantity: {MORE_THAN_ZERO}"),
    ("order-quantity-text-minus-5", "sales_order", order_line(quantity="-5"), f"lines/0/quantity: {MORE_THAN_ZERO}"),
    ("order-quantity-text-0.00", "sales_order", order_line(quantity="0.00"), f"lines/0/quantity: {MORE_THAN_ZERO}"),
    ("order-quantity-billion", "sales_order", order_line(quantity="1000000000"), f"lines/0/quantity: {TOO_MANY}"),
    ("order-price-minus-1", "sales_order", order_line(unit_price=-1), f"lines/0/unit_price: {NOT_NEGATIVE}"),
    ("order-price-text-minus-1", "sales_order", order_line(unit_price="-1.00"), f"lines/0/unit_price: {NOT_NEGATIVE}"),
    ("order-price-1e30", "sales_order", order_line(unit_price=Decimal("1E+30")), f"lines/0/unit_price: {TOO_LARGE}"),
    ("order-price-float-1e30", "sales_order", order_line(unit_price=1e30), f"lines/0/unit_price: {TOO_LARGE}"),
    ("order-price-13-digits", "sales_order", order_line(unit_price="1000000000000"),
     f"lines/0/unit_price: {TOO_LARGE}"),
    ("order-discount-negative", "sales_order", order_line(discount="-3.00"), f"lines/0/discount: {NOT_NEGATIVE}"),
    ("order-line-total-negative", "sales_order", order_line(line_total="-25.80"),
     f"lines/0/line_total: {NOT_NEGATIVE}"),
    ("order-total-negative", "sales_order", {**ORDER, "totals": {"total": "-25.80"}}, f"totals/total: {NOT_NEGATIVE}"),
    ("order-shipping-negative", "sales_order", {**ORDER, "shipping_lines": [{"amount": "-4.90"}]},
     f"shipping_lines/0/amount: {NOT_NEGATIVE}"),
    ("order-id-null", "sales_order", with_ref(None), f"external_refs/0/id: {NOT_AN_ID}"),
    ("order-id-true", "sales_order", with_ref(True), f"external_refs/0/id: {NOT_AN_ID}"),
    ("order-id-fraction", "sales_order", with_ref(1.5), f"external_refs/0/id: {NOT_AN_ID}"),
    ("order-id-empty", "sales_order", with_ref(""), "external_refs/0/id: must not be empty"),
    ("order-id-blank", "sales_order", with_ref("   "), "external_refs/0/id: must not be only spaces"),
    ("order-id-too-long", "sales_order", with_ref("9" * 256),
     "external_refs/0/id: must be at most 255 characters long"),
    ("order-id-negative", "sales_order", with_ref(-5), "external_refs/0/id: must be at least 0"),
    ("customer-id-null", "sales_order", {**ORDER, "customer": {"external_refs": [{"system": "shopify", "id": None}]}},
     f"customer/external_refs/0/id: {NOT_AN_ID}"),
    ("invoice-quantity-0", "invoice", {**INVOICE, "lines": [{"sku": "TEA", "quantity": "0"}]},
     "lines/0/quantity: must not be zero"),
    ("invoice-quantity-number-0", "invoice", {**INVOICE, "lines": [{"sku": "TEA", "quantity": 0}]},
     "lines/0/quantity: must not be zero"),
    ("invoice-total-negative", "invoice", {**INVOICE, "total": "-25.80"}, f"total: {NOT_NEGATIVE}"),
    ("invoice-due-1e30", "invoice", {**INVOICE, "amount_due": Decimal("1E+30")}, f"amount_due: {TOO_LARGE}"),
    ("credit-note-total-negative", "invoice",
     {**INVOICE, "kind": "credit_note", "credits_invoice": "INV-0", "total": "-25.80"}, f"total: {NOT_NEGATIVE}"),
    ("fulfillment-quantity-0", "fulfillment", {**FULFILLMENT, "lines": [{"sku": "TEA", "quantity": 0}]},
     f"lines/0/quantity: {MORE_THAN_ZERO}"),
    ("fulfillment-quantity-minus-1", "fulfillment", {**FULFILLMENT, "lines": [{"sku": "TEA", "quantity": "-1"}]},
     f"lines/0/quantity: {MORE_THAN_ZERO}"),
    ("product-price-negative", "product", {"sku": "TEA", "unit_price": "-12.90", "currency": "EUR"},
     f"unit_price: {NOT_NEGATIVE}"),
    ("payment-amount-1e30", "payment", {"reference": "pi_1", "amount": 1e30, "currency": "EUR"},
     f"amount: {TOO_LARGE}"),
    ("payment-amount-minus-1e13", "payment", {"reference": "pi_1", "amount": "-10000000000000", "currency": "EUR"},
     f"amount: {TOO_LARGE}"),
    ("bank-amount-1e30", "bank_transaction",
     {"id": "t1", "account": {"id": "DE89370400440532013000"}, "booking_date": "2024-03-01",
      "amount": "1000000000000000000000000000000", "currency": "EUR"}, f"amount: {TOO_LARGE}"),
]


@pytest.mark.parametrize(("entity", "record", "message"), [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_impossible_values_are_refused_with_a_plain_message(entity, record, message):
    assert validate_record(entity, record) == [message]


ACCEPTED = [
    ("order-fractional-quantity", "sales_order", order_line(quantity="0.5", line_total="6.45",
                                                            unit_price="12.90")),
    ("order-free-line", "sales_order", order_line(unit_price="0", line_total="0.00")),
    ("order-just-under-a-trillion", "sales_order", order_line(unit_price="999999999999.99")),
    ("order-numeric-id", "sales_order", with_ref(450789469)),
    ("order-text-id", "sales_order", with_ref("gid://shopify/Order/450789469")),
    ("credit-note-positive", "invoice", {**INVOICE, "kind": "credit_note", "credits_invoice": "INV-0"}),
    ("invoice-line-taken-back", "invoice",
     {**INVOICE, "lines": [{"sku": "TEA", "quantity": "-1", "unit_price": "12.90", "line_total": "-12.90"}]}),
    ("invoice-adjustment-line", "invoice",
     {**INVOICE, "lines": [{"description": "Adjustment", "quantity": "1", "unit_price": "-0.01"}]}),
    ("refund-payment-negative", "payment", {"reference": "r_1", "amount": "-25.80", "currency": "EUR"}),
    ("bank-debit", "bank_transaction", {"id": "t1", "account": {"id": "DE89370400440532013000"},
                                        "booking_date": "2024-03-01", "amount": "-25.80", "currency": "EUR"}),
]


@pytest.mark.parametrize(("entity", "record"), [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_signed_and_bounded_values_the_model_allows_stay_valid(entity, record):
    assert validate_record(entity, record) == []


def test_a_signed_json_payload_with_an_absurd_figure_is_refused_as_parsed():
    # A webhook body goes through hub.jsonutil, which reads 1e30 as Decimal("1E+30").
    order = jsonutil.loads('{"number": "1042", "currency": "EUR", '
                           '"lines": [{"sku": "TEA", "quantity": 1, "unit_price": 1e30}]}')
    with pytest.raises(InvalidRecordError) as raised:
        check("sales_order", order)
    assert str(raised.value) == f"sales_order is invalid: lines/0/unit_price: {TOO_LARGE}"


def test_a_numeric_external_id_is_kept_as_text():
    assert check("sales_order", with_ref(450789469))["external_refs"] == [{"system": "shopify", "id": "450789469"}]
