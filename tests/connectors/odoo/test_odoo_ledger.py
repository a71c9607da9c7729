"""The read-only list actions of the odoo connector against the Odoo sandbox over real sockets."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from connectors.odoo import OdooConnector
from connectors.odoo import connector as odoo_connector
from connectors.odoo.sandbox import create_app
from connectors.sandbox import serve
from hub.connector import ActionContext

CTX = ActionContext(idempotency_key="k")


def order(number: str, price: str) -> dict:
    return {"number": number, "currency": "EUR", "customer": {"name": "Acme GmbH", "email": "ap@acme.example"},
            "lines": [{"sku": "WIDGET-1", "description": "Widget", "quantity": "1", "unit_price": price}]}


@pytest.fixture
def sandbox():
    app = create_app(key="k3y")
    with serve(app) as server:
        yield server


@pytest.fixture
def odoo(sandbox) -> OdooConnector:
    config = {"url": sandbox.url, "database": "sandbox", "api": "json2", "api_key": "k3y", "timeout": 5}
    connector = OdooConnector.from_config("erp", config)
    yield connector
    connector.close()


def posted_invoice(odoo, sandbox, total: str, origin: str) -> dict:
    partner = odoo.upsert_partner({"name": "Acme", "email": "ap@acme.example"}, CTX)["id"]
    move_id = requests.post(f"{sandbox.url}/_sandbox/invoices", timeout=5, json={
        "partner_id": [partner, "Acme"], "amount_total": total, "invoice_origin": origin}).json()["id"]
    return odoo.post_invoice({"id": move_id}, CTX)


def pay(odoo, invoice: dict, reference: str, amount: str) -> dict:
    payment = {"reference": reference, "amount": amount, "currency": "EUR", "value_date": "2026-11-20"}
    return odoo.actions()["record_payment"]({"invoice": {"number": invoice["number"]}, "payment": payment}, CTX)


def test_list_sales_orders_by_client_order_ref_across_pages(odoo, monkeypatch):
    for number in ("#1", "#2", "#3"):
        odoo.actions()["create_sales_order"](order(number, "10.00"), CTX)
    monkeypatch.setattr(odoo_connector, "PAGE", 2)
    sales = odoo.actions()["list_sales_orders"]({}, CTX)
    assert [(s["number"], s["total"], s["currency"]) for s in sales] == [
        ("#1", Decimal("10.00"), "EUR"), ("#2", Decimal("10.00"), "EUR"), ("#3", Decimal("10.00"), "EUR")]
    assert set(sales[0]) == {"number", "total", "untaxed", "tax", "currency", "state"}


def test_list_invoice_payments_and_receivable_balances(odoo, sandbox):
    first = posted_invoice(odoo, sandbox, "100.00", "#10")
    second = posted_invoice(odoo, sandbox, "50.00", "#11")
    pay(odoo, first, "pi_1", "40.00")
    pay(odoo, second, "pi_2", "60.00")  # 50.00 pays it, 10.00 is credit
    found = {i["invoice"]: i for i in odoo.actions()["list_invoice_payments"]({}, CTX)}
    assert found[first["number"]] == {
        "invoice": first["number"], "order_number": "#10", "currency": "EUR", "total": Decimal("100.00"),
        "paid": Decimal("40.00"), "amount_due": Decimal("60.00"),
        "payments": [{"reference": "pi_1", "amount": Decimal("40.00"), "credit": Decimal("0.00")}]}
    assert found[second["number"]]["payments"] == [
        {"reference": "pi_2", "amount": Decimal("50.00"), "credit": Decimal("10.00")}]
    assert odoo.actions()["receivable_balances"]({}, CTX) == [
        {"currency": "EUR", "invoices": Decimal("60.00"), "credit": Decimal("10.00"), "balance": Decimal("50.00")}]


def test_pages_continue_after_the_last_id_so_a_record_leaving_the_domain_skips_no_other(monkeypatch):
    import connectors.odoo.connector as module
    from connectors.odoo import OdooConnector

    monkeypatch.setattr(module, "PAGE", 2)
    erp = OdooConnector.from_config("erp", {"url": "http://odoo.test", "database": "db", "api_key": "k"})
    open_ids = [1, 2, 3, 4, 5]

    def call(model, method, domain, fields, *, action, limit, order):
        after = next(value for field, op, value in (d for d in domain if isinstance(d, tuple)) if field == "id")
        rows = [{"id": i} for i in open_ids if i > after][:limit]
        if after == 0:
            open_ids.remove(1)  # reconciled while the first page is read: it leaves the domain
        return rows

    monkeypatch.setattr(erp, "call", call)
    assert [row["id"] for row in erp.pages("account.move.line", [("reconciled", "=", False)], ["id"],
                                           action="t")] == [1, 2, 3, 4, 5]
