"""Every Shopify sample about orders, customers, fulfillments, refunds and transactions maps to a
valid canonical record, to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.shopify import mapping
from connectors.shopify.queries import order_from_graphql
from connectors.shopify.sandbox import node_from_rest
from hub import jsonutil
from hub.errors import InvalidRecordError
from hub.o2c import canonical
from tests.support.fixtures import FIXTURES as SHARED

FIXTURES = SHARED / "shopify"


def fixture(name: str):
    return jsonutil.loads((FIXTURES / name).read_text("utf-8"))


@pytest.fixture
def order():
    return fixture("order.json")["order"]


def test_order_maps_to_a_valid_sales_order(order):
    record = canonical.check("sales_order", mapping.order_to_sales_order(order))
    assert record["number"] == "1001"
    assert record["currency"] == "USD"
    assert record["status"] == "booked"
    assert record["order_date"] == "2008-01-10"
    assert record["customer"] == {"email": "bob.norman@hostmail.com", "name": "Bob Norman",
                                  "external_refs": [{"system": "shopify", "id": "207119551"}]}
    assert record["external_refs"] == [{"system": "shopify", "id": "450789469"}]
    assert [(l["sku"], l["quantity"], l["unit_price"]) for l in record["lines"]] == [
        ("IPOD2008GREEN", Decimal("1"), Decimal("199.00")),
        ("IPOD2008RED", Decimal("1"), Decimal("199.00")),
        ("IPOD2008BLACK", Decimal("1"), Decimal("199.00")),
    ]
    assert record["tax_lines"] == [{"name": "State Tax", "rate": Decimal("0.06"), "amount": Decimal("11.94")}]
    assert record["billing_address"]["country"] == "US" and record["billing_address"]["region"] == "KY"


def test_order_totals_are_the_shops_own_to_the_cent(order):
    totals = canonical.check("sales_order", mapping.order_to_sales_order(order))["totals"]
    assert totals == {"subtotal": Decimal("398.00"), "discount_total": Decimal("0.00"),
                      "shipping_total": Decimal("0.00"), "tax_total": Decimal("11.94"), "total": Decimal("409.94")}
    assert all(str(v).split(".")[1].__len__() == 2 for v in totals.values())


def test_money_is_decimal_never_float(order):
    record = mapping.order_to_sales_order(order)
    assert isinstance(record["totals"]["total"], Decimal)
    order["total_price"] = 409.94
    with pytest.raises(TypeError):
        mapping.order_to_sales_order(order)


def test_cancelled_order_is_cancelled(order):
    order["cancelled_at"] = "2008-01-11T09:00:00-05:00"
    assert canonical.check("sales_order", mapping.order_to_sales_order(order))["status"] == "cancelled"


def test_graphql_node_maps_like_the_webhook_json(order):
    from_webhook = mapping.order_to_sales_order(order)
    from_graphql = mapping.order_to_sales_order(node_from_rest(order))
    canonical.check("sales_order", from_graphql)
    keys = ("number", "currency", "customer", "lines", "tax_lines", "totals", "external_refs", "status")
    assert {k: from_graphql[k] for k in keys} == {k: from_webhook[k] for k in keys}


def test_graphql_money_bags_carry_their_currency(order):
    node = node_from_rest({**order, "currency": "JPY", "total_price": "1235"})
    assert order_from_graphql(node)["currency"] == "JPY"
    assert mapping.order_to_sales_order(node)["totals"]["total"] == Decimal("1235")


def test_customer_maps_to_a_valid_customer():
    record = canonical.check("customer", mapping.customer_to_customer(fixture("customer.json")["customer"]))
    assert record["name"] == "Bob Norman"
    assert record["email"] == "bob.norman@hostmail.com"
    assert record["addresses"][0]["kind"] == "billing"
    assert record["external_refs"] == [{"system": "shopify", "id": "207119551"}]


def test_order_embedded_customer_maps_too(order):
    canonical.check("customer", mapping.customer_to_customer(order["customer"]))


def test_fulfillment_maps_to_a_valid_fulfillment():
    record = canonical.check("fulfillment", mapping.fulfillment_to_fulfillment(
        fixture("fulfillment.json")["fulfillment"], order_number="1001"))
    assert record["order_number"] == "1001"
    assert record["status"] == "pending"
    assert record["lines"] == [{"sku": "IPOD2008GREEN", "quantity": Decimal("1")}]
    assert record["tracking_number"] == "1Z2345"


@pytest.mark.parametrize(("status", "expected"), [("success", "shipped"), ("failure", "cancelled"), ("open", "pending")])
def test_fulfillment_status_and_order_number_from_its_name(status, expected):
    fulfillment = {**fixture("fulfillment.json")["fulfillment"], "status": status, "name": "#1001.1"}
    record = canonical.check("fulfillment", mapping.fulfillment_to_fulfillment(fulfillment))
    assert (record["order_number"], record["number"], record["status"]) == ("1001", "#1001.1", expected)


def test_order_embedded_fulfillments_map_too(order):
    for fulfillment in order["fulfillments"]:
        canonical.check("fulfillment", mapping.fulfillment_to_fulfillment(fulfillment, order_number="1001"))


def test_fulfillment_without_any_order_number_is_refused():
    with pytest.raises(InvalidRecordError, match="names no order"):
        mapping.fulfillment_to_fulfillment(fixture("fulfillment.json")["fulfillment"])


def test_refund_is_a_negative_payment_of_its_refund_transactions():
    record = canonical.check("payment", mapping.refund_to_payment(fixture("refund.json")["refund"]))
    assert record["amount"] == Decimal("-209.00")
    assert record["currency"] == "USD"
    assert record["status"] == "refunded"
    assert record["reference"] == "gid://shopify/Refund/509562969"
    assert [line["sku"] for line in record["attributes"]["lines"]] == ["IPOD2008BLACK", "IPOD2008GREEN"]


@pytest.mark.parametrize("name", ["transaction.json", "transactions.json"])
def test_transactions_map_to_payments(name):
    data = fixture(name)
    for transaction in data if isinstance(data, list) else [data["transaction"]]:
        record = canonical.check("payment", mapping.transaction_to_payment(transaction, currency="USD"))
        assert record["amount"] == Decimal("409.94")
        assert record["status"] == "pending"  # an authorization, not yet captured
        assert record["method"] == "card"


def test_refund_transaction_is_negative():
    transaction = {**fixture("transaction.json")["transaction"], "kind": "refund", "amount": "10.5"}
    record = canonical.check("payment", mapping.transaction_to_payment(transaction, currency="USD"))
    assert (record["amount"], record["status"]) == (Decimal("-10.50"), "refunded")


def test_transaction_without_currency_is_refused():
    with pytest.raises(InvalidRecordError, match="no currency"):
        mapping.transaction_to_payment(fixture("transaction.json")["transaction"])
