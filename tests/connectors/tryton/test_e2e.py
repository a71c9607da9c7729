"""The tryton connector against a real trytond (SQLite, JSON-RPC on loopback)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from connectors.tryton import TrytonConnector
from hub.connector import ActionContext, Cursor

pytestmark = pytest.mark.e2e

CTX = ActionContext(idempotency_key="test")
ORDER = {
    "number": "SO-E2E-1",
    "currency": "EUR",
    "customer": {"name": "Carol Buyer", "email": "carol@buyer.example"},
    "payment_term": "Direct",
    "billing_address": {"line1": "Main Street 1", "city": "Berlin", "postal_code": "10115"},
    "lines": [
        {"sku": "E2E-WIDGET", "description": "Widget", "quantity": "3", "unit_price": "12.90"},
        {"sku": "E2E-GADGET", "description": "Gadget", "quantity": "2", "unit_price": "0.35"},
        {"sku": "E2E-SERVICE", "description": "Setup", "quantity": "1.5", "unit": "hour", "unit_price": "80.00"},
    ],
}


def call(erp, action: str, payload):
    return erp.actions()[action](payload, CTX)


def count(erp, model: str, domain: list) -> int:
    return erp.client.model(model, "search_count", domain)


def test_upsert_party_twice_makes_one_party_and_updates_the_email(erp):
    customer = {"name": "Dora Example", "email": "dora@old.example",
                "external_refs": [{"system": "crm", "id": "D-1"}],
                "addresses": [{"line1": "Elm Road 2", "city": "Hamburg", "postal_code": "20095"}]}
    first = call(erp, "upsert_party", customer)
    again = call(erp, "upsert_party", customer)
    changed = call(erp, "upsert_party", {**customer, "email": "dora@new.example", "name": "Dora Ex"})
    assert first["created"] and not again["created"] and not changed["created"]
    assert first["id"] == again["id"] == changed["id"]
    assert count(erp, "party.party", [("name", "in", ["Dora Example", "Dora Ex"])]) == 1
    party, = erp.client.read("party.party", [first["id"]], ["name", "email", "addresses"])
    assert (party["name"], party["email"], len(party["addresses"])) == ("Dora Ex", "dora@new.example", 1)


def test_upsert_product_by_sku_keeps_the_price_exact(erp):
    product = {"sku": "E2E-PRICE", "name": "Priced", "unit_price": "19.99", "currency": "EUR"}
    first = call(erp, "upsert_product", product)
    second = call(erp, "upsert_product", {**product, "unit_price": "21.05"})
    assert first["id"] == second["id"] and second["created"] is False
    template, = erp.client.read("product.template", [first["template"]], ["list_price", "code"])
    assert template["list_price"] == Decimal("21.05") and template["code"] == "E2E-PRICE"


@pytest.fixture(scope="module")
def sale(tryton_server):
    erp = TrytonConnector.from_config("erp", {"url": tryton_server.url, "database": tryton_server.database,
                                              "username": tryton_server.user, "password": tryton_server.password})
    yield erp, call(erp, "create_sale", ORDER)
    erp.close()


def test_create_sale_confirms_and_processes_it_with_exact_totals(sale):
    erp, result = sale
    assert result["state"] == "processing" and result["reference"] == "SO-E2E-1"
    assert result["total_amount"] == Decimal("159.40")  # 38.70 + 0.70 + 120.00
    header, = erp.client.read("sale.sale", [result["id"]], ["party", "lines"])
    party, = erp.client.read("party.party", [header["party"]], ["name", "email"])
    assert party == {"id": header["party"], "name": "Carol Buyer", "email": "carol@buyer.example"}
    lines = erp.client.read("sale.line", header["lines"], ["product", "quantity", "unit_price", "amount"])
    codes = [erp.client.read("product.product", [line["product"]], ["code"])[0]["code"] for line in lines]
    assert codes == ["E2E-WIDGET", "E2E-GADGET", "E2E-SERVICE"]
    assert [line["quantity"] for line in lines] == [3, 2, 1.5]
    assert [line["unit_price"] for line in lines] == [Decimal("12.90"), Decimal("0.35"), Decimal("80.00")]
    assert [line["amount"] for line in lines] == [Decimal("38.70"), Decimal("0.70"), Decimal("120.00")]


def test_create_sale_again_changes_nothing(sale):
    erp, result = sale
    sales_before = count(erp, "sale.sale", [])
    products_before = count(erp, "product.product", [])
    again = call(erp, "create_sale", ORDER)
    assert again == result
    assert count(erp, "sale.sale", []) == sales_before
    assert count(erp, "product.product", []) == products_before
    assert count(erp, "party.party", [("name", "=", "Carol Buyer")]) == 1


def test_post_invoice_and_record_payments_until_paid(sale):
    erp, _result = sale
    posted, = call(erp, "post_invoice", {"order_number": "SO-E2E-1"})
    # the payment term of the test company: due on the invoice date (Tryton sets the maturity)
    assert posted["due_date"] == posted["issue_date"]
    assert posted["status"] == "open" and posted["total"] == Decimal("159.40")
    assert posted["order_number"] == "SO-E2E-1" and posted["customer"]["email"] == "carol@buyer.example"
    assert call(erp, "post_invoice", {"number": posted["number"]}) == [posted]
    assert posted["number"] in [i["number"] for i in call(erp, "list_open_invoices", {})]

    today = dt.date.today().isoformat()
    part = {"reference": "pay-1", "amount": "100.00", "currency": "EUR", "value_date": today}
    first = call(erp, "record_payment", {"invoice": {"number": posted["number"]}, "payment": part})
    repeat = call(erp, "record_payment", {"invoice": {"number": posted["number"]}, "payment": part})
    assert first == repeat
    assert first["invoice"]["status"] == "partially_paid" and first["invoice"]["amount_due"] == Decimal("59.40")

    rest = {**part, "reference": "pay-2", "amount": "59.40"}
    paid = call(erp, "record_payment", {"invoice": {"number": posted["number"]}, "payment": rest})["invoice"]
    assert paid["status"] == "paid" and paid["amount_due"] == Decimal("0.00")
    assert call(erp, "read_invoice", {"order_number": "SO-E2E-1"})["status"] == "paid"
    assert posted["number"] not in [i["number"] for i in call(erp, "list_open_invoices", {})]


def test_poll_sales_and_invoices_since_a_cursor(sale):
    erp, result = sale
    start = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=1)
    sales = list(erp.poll("sales", Cursor(start=start)))
    assert str(result["id"]) in [record.id for record in sales]
    assert all(record.updated_at >= start for record in sales)
    invoices = list(erp.poll("invoices", Cursor(start=start)))
    assert any(record.data.get("order_number") == "SO-E2E-1" for record in invoices)  # others: credit notes
    future = dt.datetime.now(dt.timezone.utc) + dt.timedelta(hours=1)
    assert list(erp.poll("sales", Cursor(start=future))) == []


def test_user_errors_are_fatal_with_tryton_message(erp):
    from hub.errors import FatalError

    with pytest.raises(FatalError, match="Tryton has no currency ZZZ"):
        call(erp, "create_sale", {**ORDER, "number": "SO-E2E-BAD", "currency": "ZZZ"})
    with pytest.raises(FatalError, match="UserError"):
        erp.client.write("party.party", [999999], {"name": "ghost"})
