"""validate_record, normalize and check on good and bad records."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from hub.canonical import check, normalize, validate_record
from hub.errors import InvalidRecordError
from tests.support.fixtures import FIXTURES

ORDER = {
    "number": "#1001", "currency": "USD", "customer": {"email": "bob.norman@hostmail.com"},
    "order_date": "2008-01-10T11:00:00-05:00",
    "lines": [{"sku": "IPOD2008GREEN", "quantity": 1, "unit_price": "199.00"}],
    "totals": {"subtotal": "398.00", "tax_total": "11.94", "total": "409.94"},
    "external_refs": [{"system": "shopify", "id": 450789469}],
}


def shopify_order() -> dict:
    """The storefront's sample order, mapped by hand as a recipe would."""
    path = FIXTURES / "shopify" / "order.json"
    if not path.exists():
        pytest.skip(f"vendor fixture {path} is not available")
    o = json.loads(path.read_text())["order"]
    return {
        "number": o["name"], "currency": o["currency"], "customer": {"email": o["email"]},
        "order_date": o["created_at"],
        "lines": [{"sku": li["sku"], "description": li["name"], "quantity": li["quantity"],
                   "unit_price": li["price"]} for li in o["line_items"]],
        "tax_lines": [{"name": t["title"], "rate": t["rate"], "amount": t["price"]} for t in o["tax_lines"]],
        "totals": {"subtotal": o["subtotal_price"], "tax_total": o["total_tax"], "total": o["total_price"]},
        "external_refs": [{"system": "shopify", "id": o["id"]}],
    }


def test_mapped_storefront_order_is_valid():
    assert validate_record("sales_order", shopify_order()) == []


GOOD = [
    ("customer", {"name": "Acme GmbH"}),
    ("customer", {"email": "ap@acme.example", "credit_limit": "5000", "blocked": False}),
    ("product", {"sku": "X-1", "unit_price": 10, "currency": "EUR"}),
    ("sales_order", ORDER),
    ("fulfillment", {"order_number": "#1001", "lines": [{"sku": "A", "quantity": "1"}]}),
    ("invoice", {"number": "CN-1", "kind": "credit_note", "credits_invoice": "INV-1", "currency": "EUR", "total": "10"}),
    ("payment", {"reference": "pi_1", "amount": 10.99, "currency": "USD", "payer": {"iban": "DE89370400440532013000"}}),
    ("payment_application", {"payment": "pi_1", "amount": "5", "currency": "USD", "kind": "credit"}),
]


@pytest.mark.parametrize(("entity", "record"), GOOD, ids=[f"{e}-{i}" for i, (e, _) in enumerate(GOOD)])
def test_good_records_have_no_problems(entity, record):
    assert validate_record(entity, record) == []


BAD = [
    ("customer", {}, ["/: needs a name or an email"]),
    ("customer", {"name": "A", "email": "not-an-address", "blocked": "no"},
     ["blocked: must be true or false", "email: must be an e-mail address such as ap@example.com"]),
    ("sales_order", {"number": "#1", "currency": "usd"},
     ["currency: must be a three-letter ISO 4217 currency code in capitals, such as EUR"]),
    ("sales_order", {"currency": "EUR", "lines": [{"sku": "A", "quantity": "two"}]},
     ["number: is required", "lines/0/quantity: must be a number or a decimal string"]),
    ("sales_order", {"number": "#1", "currency": "EUR", "lines": [{"qty": 1}]},
     ["lines/0/qty: is not a known field", "lines/0: needs a sku or a description",
      "lines/0/quantity: is required"]),
    ("sales_order", {"number": "#1", "currency": "EUR", "order_date": "2024-02-30", "status": "shipped"},
     ["order_date: must be a date such as 2024-03-31",
      "status: must be one of: draft, pending_credit_approval, on_hold, booked, partially_fulfilled, "
      "awaiting_billing, invoiced, closed, cancelled"]),
    ("sales_order", {"number": "#1", "currency": "EUR", "lines": []}, ["lines: must have at least one item"]),
    ("invoice", {"number": "CN-1", "kind": "credit_note", "currency": "EUR", "total": "1.0.0"},
     ["credits_invoice: is required for a credit note", "total: must be a number or a decimal string"]),
    ("payment", {"reference": "", "amount": "1", "currency": "EUR", "received_at": "2024-03-31T09:30:00"},
     ["received_at: must be a date and time with a time zone, such as 2024-03-31T09:30:00Z",
      "reference: must not be empty"]),
    ("payment", {"reference": "r", "amount": "1", "currency": "EUR", "payer": {"iban": "DE89 3704"}},
     ["payer/iban: must be an IBAN without spaces, such as DE89370400440532013000"]),
    ("payment_application", {"payment": "pi_1", "amount": "5", "currency": "USD"},
     ["invoice: is required unless kind is credit"]),
    ("product", {"sku": "X", "unit_price": "1"}, ["currency: is required when unit_price is given"]),
    ("fulfillment", {"order_number": "#1", "lines": [{"sku": "A", "quantity": "1"}],
                     "external_refs": [{"system": "shopify", "id": 1.5}]},
     ["external_refs/0/id: must be a string or a whole number"]),
    ("invoice", [], ["/: must be an object"]),
]


@pytest.mark.parametrize(("entity", "record", "expected"), BAD, ids=[f"{e}-{i}" for i, (e, _, _) in enumerate(BAD)])
def test_bad_records_report_every_problem(entity, record, expected):
    assert sorted(validate_record(entity, record)) == sorted(expected)


@pytest.mark.parametrize(
    ("currency", "amount", "expected"),
    [("JPY", "1234.5", Decimal("1235")), ("KWD", "1.2345", Decimal("1.235")),
     ("EUR", "19.999", Decimal("20.00")), ("EUR", 7, Decimal("7.00")), ("EUR", 0.1, Decimal("0.10"))],
    ids=["JPY-0", "KWD-3", "EUR-2", "EUR-int", "EUR-float-as-written"],
)
def test_normalize_quantizes_money_to_the_currency(currency, amount, expected):
    record = {"reference": "r", "amount": amount, "currency": currency, "fee": amount}
    out = normalize("payment", record)
    assert out["amount"] == expected and str(out["amount"]) == str(expected)
    assert out["fee"] == expected


def test_normalize_quantizes_nested_amounts_and_keeps_quantities():
    out = normalize("sales_order", {**ORDER, "currency": "JPY",
                                    "lines": [{"sku": "A", "quantity": "2.5", "unit_price": "99.5",
                                               "tax_lines": [{"rate": 0.1, "amount": "9.5"}]}]})
    line = out["lines"][0]
    assert (line["quantity"], line["unit_price"]) == (Decimal("2.5"), Decimal("100"))
    assert line["tax_lines"][0] == {"rate": Decimal("0.1"), "amount": Decimal("10")}
    assert out["totals"]["total"] == Decimal("410")


def test_normalize_dates_ids_emails_and_defaults():
    out = normalize("sales_order", {**ORDER, "customer": {"email": "Bob.Norman@HostMail.com"}})
    assert out["order_date"] == "2008-01-10"
    assert out["external_refs"] == [{"system": "shopify", "id": "450789469"}]
    assert out["customer"]["email"] == "bob.norman@hostmail.com"
    payment = normalize("payment", {"reference": "r", "amount": "1", "currency": "EUR",
                                    "received_at": "2024-03-31T11:30:00+02:00"})
    assert payment["received_at"] == "2024-03-31T09:30:00+00:00"
    assert normalize("invoice", {"number": "1", "currency": "EUR", "total": "1"})["kind"] == "invoice"


def test_normalize_does_not_touch_the_input():
    record = {"reference": "r", "amount": "1.5", "currency": "EUR"}
    normalize("payment", record)
    assert record["amount"] == "1.5"


def test_check_returns_the_normalized_record():
    assert check("product", {"sku": "A", "unit_price": "1", "currency": "EUR"})["unit_price"] == Decimal("1.00")


def test_check_raises_with_every_problem():
    with pytest.raises(InvalidRecordError) as caught:
        check("payment", {"amount": "x", "currency": "EUR"})
    assert sorted(caught.value.problems) == [
        "amount: must be a number or a decimal string", "reference: is required",
    ]
