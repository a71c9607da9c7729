"""Every Shopify sample about orders, customers, fulfillments, refunds and transactions maps to a
valid canonical record, to the cent."""

from __future__ import annotations

from decimal import Decimal

import pytest

from connectors.shopify import mapping
from connectors.shopify.queries import order_from_graphql
from connectors.shopify.sandbox import node_from_rest
from hub import jsonutil
from hub import canonical
from hub.errors import InvalidRecordError
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


# --- order amounts, to the cent: taxes in or on top, line and shipping discounts -------------

D = Decimal


def tax(title: str, rate: str, price: str) -> dict:
    return {"title": title, "rate": D(rate), "price": price}


def item(n: int, price: str, quantity: int, *, own: str = "0.00", allocated: tuple[str, ...] = (),
         taxes: tuple[dict, ...] = ()) -> dict:
    base = fixture("order.json")["order"]["line_items"][0]
    return {**base, "id": 466157049 + n, "sku": f"SKU-{n}", "name": f"Item {n}", "price": price,
            "quantity": quantity, "total_discount": own, "tax_lines": list(taxes),
            "discount_allocations": [{"amount": a, "discount_application_index": 0,
                                      "amount_set": {"shop_money": {"amount": a}}} for a in allocated]}


def ship(price: str, *, allocated: tuple[str, ...] = (), discounted: str | None = None,
         taxes: tuple[dict, ...] = ()) -> dict:
    line = {"title": "Standard", "code": "STANDARD", "source": "shopify", "price": price,
            "discount_allocations": [{"amount": a, "discount_application_index": 1} for a in allocated],
            "tax_lines": list(taxes)}
    return line if discounted is None else {**line, "discounted_price": discounted}


def shop_order(*, currency: str = "USD", included: bool = False, lines: list[dict], shipping: tuple = (),
               subtotal: str, discounts: str, total_tax: str, total: str, **extra) -> dict:
    order = fixture("order.json")["order"]
    taxes: dict[tuple, D] = {}
    for line in [*lines, *shipping]:
        for t in line["tax_lines"]:
            taxes[(t["title"], t["rate"])] = taxes.get((t["title"], t["rate"]), D(0)) + D(t["price"])
    order.update(currency=currency, taxes_included=included, line_items=lines, shipping_lines=list(shipping),
                 subtotal_price=subtotal, total_discounts=discounts, total_tax=total_tax, total_price=total,
                 tax_lines=[tax(title, str(rate), str(amount)) for (title, rate), amount in taxes.items()],
                 **{"discount_codes": [], **extra})
    return order


def state(price: str) -> dict:
    return tax("KY State Tax", "0.06", price)


def county(price: str) -> dict:
    return tax("Jefferson County Tax", "0.0225", price)


# Each case: the order, then per line (unit_price, discount, line_total, line taxes), the shipping
# lines (amount, discount, taxes) and the totals (subtotal, discount_total, shipping_total,
# tax_total, total).
AMOUNT_CASES = [
    (shop_order(lines=[item(1, "199.00", 2, taxes=(state("23.88"), county("8.96"))),
                       item(2, "24.99", 3, taxes=(state("4.50"), county("1.69")))],
                shipping=(ship("10.00", taxes=(state("0.60"), county("0.23"))),),
                subtotal="472.97", discounts="0.00", total_tax="39.86", total="522.83"),
     [("199.00", None, "398.00", ["23.88", "8.96"]), ("24.99", None, "74.97", ["4.50", "1.69"])],
     [("10.00", None, ["0.60", "0.23"])],
     ("472.97", "0.00", "10.00", "39.86", "522.83")),
    (shop_order(currency="EUR", included=True,
                lines=[item(1, "59.90", 2, taxes=(tax("DE MwSt", "0.19", "19.13"),)),
                       item(2, "9.95", 1, taxes=(tax("DE MwSt", "0.19", "1.59"),))],
                shipping=(ship("4.90", discounted="4.90", taxes=(tax("DE MwSt", "0.19", "0.78"),)),),
                subtotal="129.75", discounts="0.00", total_tax="21.50", total="134.65"),
     [("59.90", None, "119.80", ["19.13"]), ("9.95", None, "9.95", ["1.59"])],
     [("4.90", None, ["0.78"])],
     ("129.75", "0.00", "4.90", "21.50", "134.65")),
    (shop_order(currency="JPY", included=True, lines=[item(1, "1980", 3, taxes=(tax("JCT", "0.1", "540"),))],
                shipping=(ship("770", taxes=(tax("JCT", "0.1", "70"),)),),
                subtotal="5940", discounts="0", total_tax="610", total="6710"),
     [("1980", None, "5940", ["540"])],
     [("770", None, ["70"])],
     ("5940", "0", "770", "610", "6710")),
    (shop_order(currency="KWD", lines=[item(1, "12.750", 2, allocated=("2.550",)), item(2, "3.125", 1, allocated=("0.313",))],
                shipping=(ship("1.500"),), subtotal="25.762", discounts="2.863", total_tax="0.000", total="27.262"),
     [("12.750", "2.550", "22.950", []), ("3.125", "0.313", "2.812", [])],
     [("1.500", None, [])],
     ("25.762", "2.863", "1.500", "0.000", "27.262")),
    (shop_order(lines=[item(1, "199.00", 2, allocated=("39.80",), taxes=(state("21.49"),)),
                       item(2, "24.99", 3, allocated=("7.50",), taxes=(state("4.05"),))],
                shipping=(ship("0.00"),), subtotal="425.67", discounts="47.30", total_tax="25.54", total="451.21",
                discount_codes=[{"code": "SAVE10", "amount": "47.30", "type": "percentage"}]),
     [("199.00", "39.80", "358.20", ["21.49"]), ("24.99", "7.50", "67.47", ["4.05"])],
     [],
     ("425.67", "47.30", "0.00", "25.54", "451.21")),
    (shop_order(lines=[item(1, "199.00", 2, own="20.00", taxes=(state("22.68"),)),
                       item(2, "24.99", 3, taxes=(state("4.50"),))],
                subtotal="452.97", discounts="20.00", total_tax="27.18", total="480.15"),
     [("199.00", "20.00", "378.00", ["22.68"]), ("24.99", None, "74.97", ["4.50"])],
     [],
     ("452.97", "20.00", "0.00", "27.18", "480.15")),
    (shop_order(lines=[item(1, "199.00", 2, own="20.00", allocated=("37.80",), taxes=(state("20.41"),)),
                       item(2, "24.99", 3, allocated=("7.50",), taxes=(state("4.05"),))],
                subtotal="407.67", discounts="65.30", total_tax="24.46", total="432.13"),
     [("199.00", "57.80", "340.20", ["20.41"]), ("24.99", "7.50", "67.47", ["4.05"])],
     [],
     ("407.67", "65.30", "0.00", "24.46", "432.13")),
    (shop_order(lines=[item(1, "199.00", 2, own="39.80", allocated=("39.80",), taxes=(state("21.49"),)),
                       item(2, "24.99", 3, own="7.50", allocated=("7.50",), taxes=(state("4.05"),))],
                subtotal="425.67", discounts="47.30", total_tax="25.54", total="451.21"),
     [("199.00", "39.80", "358.20", ["21.49"]), ("24.99", "7.50", "67.47", ["4.05"])],
     [],
     ("425.67", "47.30", "0.00", "25.54", "451.21")),
    (shop_order(lines=[item(1, "199.00", 2, taxes=(state("23.88"),))],
                shipping=(ship("10.00", allocated=("5.00",), discounted="10.00", taxes=(state("0.30"),)),),
                subtotal="398.00", discounts="5.00", total_tax="24.18", total="427.18"),
     [("199.00", None, "398.00", ["23.88"])],
     [("5.00", "5.00", ["0.30"])],
     ("398.00", "5.00", "5.00", "24.18", "427.18")),
    (shop_order(lines=[item(1, "199.00", 2, taxes=(state("23.88"),))],
                shipping=(ship("10.00", allocated=("10.00",), discounted="0.00", taxes=(state("0.00"),)),),
                subtotal="398.00", discounts="10.00", total_tax="23.88", total="421.88",
                discount_codes=[{"code": "FREESHIP", "amount": "10.00", "type": "shipping"}]),
     [("199.00", None, "398.00", ["23.88"])],
     [],
     ("398.00", "10.00", "0.00", "23.88", "421.88")),
    (shop_order(lines=[item(1, "199.00", 2)], shipping=(ship("12.00", discounted="8.00"),),
                subtotal="398.00", discounts="4.00", total_tax="0.00", total="406.00"),
     [("199.00", None, "398.00", [])],
     [("8.00", "4.00", [])],
     ("398.00", "4.00", "8.00", "0.00", "406.00")),
    (shop_order(lines=[item(1, "199.00", 2, taxes=(tax("KY State Tax", "0", "0.00"), state("0.00")))],
                shipping=(ship("10.00"),), subtotal="398.00", discounts="0.00", total_tax="0.00", total="408.00",
                customer={**fixture("order.json")["order"]["customer"], "tax_exempt": True}),
     [("199.00", None, "398.00", ["0.00"])],
     [("10.00", None, [])],
     ("398.00", "0.00", "10.00", "0.00", "408.00")),
    (shop_order(lines=[item(1, "3.99", 250, allocated=("99.31",), taxes=(state("53.89"),)),
                       item(2, "0.99", 7, allocated=("0.69",), taxes=(state("0.37"),))],
                subtotal="904.43", discounts="100.00", total_tax="54.26", total="958.69"),
     [("3.99", "99.31", "898.19", ["53.89"]), ("0.99", "0.69", "6.24", ["0.37"])],
     [],
     ("904.43", "100.00", "0.00", "54.26", "958.69")),
]
AMOUNT_IDS = ["us-state-and-county-tax", "eu-vat-19-included", "jp-jct-10-included-jpy", "kwd-3-decimals-code",
              "discount-code-allocations", "manual-line-discount", "manual-and-code-together",
              "discount-reported-twice", "shipping-tax-and-shipping-discount", "free-shipping-code",
              "shipping-discount-as-discounted-price", "tax-exempt-customer", "250-units-uneven-discount"]


def amounts_of(record: dict) -> tuple[list, list, tuple]:
    lines = [(str(l["unit_price"]), str(l["discount"]) if "discount" in l else None, str(l["line_total"]),
              [str(t["amount"]) for t in l.get("tax_lines", [])]) for l in record["lines"]]
    shipping = [(str(s["amount"]), str(s["discount"]) if "discount" in s else None,
                 [str(t["amount"]) for t in s.get("tax_lines", [])]) for s in record.get("shipping_lines", [])]
    t = record["totals"]
    totals = tuple(str(t[k]) for k in ("subtotal", "discount_total", "shipping_total", "tax_total", "total"))
    return lines, shipping, totals


def assert_adds_up(record: dict) -> None:
    lines, shipping, totals = record["lines"], record.get("shipping_lines", []), record["totals"]
    on_top = D(0) if record["taxes_included"] else totals["tax_total"]
    assert totals["total"] == sum(l["line_total"] for l in lines) + sum(s["amount"] for s in shipping) + on_top
    taxes = [t["amount"] for item_ in [*lines, *shipping] for t in item_.get("tax_lines", [])]
    assert totals["tax_total"] == sum(taxes, D(0))
    assert totals["shipping_total"] == sum((s["amount"] for s in shipping), D(0))
    assert not {"unexplained_difference", "unexplained_tax_difference"} & set(record.get("attributes", {}))


@pytest.mark.parametrize(("order", "lines", "shipping", "totals"), AMOUNT_CASES, ids=AMOUNT_IDS)
def test_order_amounts_to_the_cent(order, lines, shipping, totals):
    record = canonical.check("sales_order", mapping.order_to_sales_order(order))
    assert amounts_of(record) == (lines, shipping, totals)
    assert record["taxes_included"] is order["taxes_included"]
    assert_adds_up(record)


@pytest.mark.parametrize(("order", "lines", "shipping", "totals"), AMOUNT_CASES, ids=AMOUNT_IDS)
def test_polled_order_amounts_are_the_webhooks(order, lines, shipping, totals):
    from_webhook = canonical.check("sales_order", mapping.order_to_sales_order(order))
    from_graphql = canonical.check("sales_order", mapping.order_to_sales_order(node_from_rest(order)))
    keys = ("taxes_included", "lines", "shipping_lines", "tax_lines", "totals", "status")
    assert {k: from_graphql.get(k) for k in keys} == {k: from_webhook.get(k) for k in keys}
    assert_adds_up(from_graphql)


def test_order_amounts_keep_their_currencys_decimals():
    jpy, kwd = (canonical.check("sales_order", mapping.order_to_sales_order(AMOUNT_CASES[i][0])) for i in (2, 3))
    assert (jpy["lines"][0]["line_total"], jpy["totals"]["total"]) == (D("5940"), D("6710"))
    assert (kwd["lines"][1]["discount"], kwd["totals"]["total"]) == (D("0.313"), D("27.262"))


def test_line_tax_lines_keep_name_rate_and_amount():
    record = mapping.order_to_sales_order(AMOUNT_CASES[0][0])
    assert record["lines"][0]["tax_lines"] == [
        {"name": "KY State Tax", "rate": D("0.06"), "amount": D("23.88")},
        {"name": "Jefferson County Tax", "rate": D("0.0225"), "amount": D("8.96")},
    ]
    assert record["shipping_lines"] == [{"description": "Standard", "code": "STANDARD", "amount": D("10.00"),
                                         "tax_lines": [{"name": "KY State Tax", "rate": D("0.06"), "amount": D("0.60")},
                                                       {"name": "Jefferson County Tax", "rate": D("0.0225"),
                                                        "amount": D("0.23")}]}]


def test_an_order_that_does_not_add_up_shows_the_gap_instead_of_failing():
    order = {**AMOUNT_CASES[5][0], "total_price": "485.15", "total_tip_received": "5.00"}
    record = canonical.check("sales_order", mapping.order_to_sales_order(order))
    assert record["totals"]["total"] == D("485.15")
    assert record["attributes"]["unexplained_difference"] == "5.00"
    assert "unexplained_tax_difference" not in record["attributes"]


def test_line_discounts_that_match_no_subtotal_are_summed():
    order = {**AMOUNT_CASES[6][0], "subtotal_price": "400.00", "total_price": "424.46"}  # sum 407.67, larger 427.67
    record = canonical.check("sales_order", mapping.order_to_sales_order(order))
    assert [l.get("discount") for l in record["lines"]] == [D("57.80"), D("7.50")]
    assert (record["totals"]["subtotal"], record["totals"]["total"]) == (D("400.00"), D("424.46"))
    assert record["attributes"]["unexplained_difference"] == "-7.67"


def test_the_published_sample_shows_its_gaps(order):
    # Its three lines of 199.00 make 597.00, while its subtotal and total count 398.00; and
    # its tax is stated for the order only, not per line.
    record = canonical.check("sales_order", mapping.order_to_sales_order(order))
    assert record["totals"]["total"] == D("409.94")
    assert record["attributes"]["unexplained_difference"] == "-199.00"
    assert record["attributes"]["unexplained_tax_difference"] == "11.94"


def test_cancelled_order_keeps_its_amounts():
    order = {**AMOUNT_CASES[4][0], "cancelled_at": "2008-01-11T09:00:00-05:00"}
    record = canonical.check("sales_order", mapping.order_to_sales_order(order))
    assert record["status"] == "cancelled" and record["totals"]["total"] == D("451.21")
    assert_adds_up(record)
