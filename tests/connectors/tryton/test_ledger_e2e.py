"""The read-only list actions against a real trytond: sales with their totals and taxes, invoice
payments by reference (with the credit an overpayment left), and the receivable per currency."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from connectors.base import ActionContext
from connectors.tryton import ledger

pytestmark = pytest.mark.e2e

CTX = ActionContext(idempotency_key="test")
TODAY = dt.date.today().isoformat()


def call(erp, action: str, payload=None):
    return erp.actions()[action](payload, CTX)


def taxed_order(number: str, net: str, tax: str, total: str, currency: str = "EUR") -> dict:
    """A sale of one line at ``net`` before a 19 % tax of ``tax``, for a customer of its own."""
    return {"number": number, "currency": currency, "payment_term": "Direct", "taxes_included": False,
            "customer": {"name": f"Ledger {number}", "email": f"{number.lower()}@ledger.example"},
            "billing_address": {"line1": "Ledger Street 1", "city": "Berlin", "postal_code": "10115"},
            "lines": [{"line_number": 1, "sku": f"LEDGER-{currency}", "description": "Item", "quantity": "1",
                       "unit_price": net, "line_total": net, "tax_lines": [{"rate": "0.19", "amount": tax}]}],
            "totals": {"total": total, "tax_total": tax}}


def invoiced(erp, order: dict) -> dict:
    call(erp, "create_sale", order)
    invoice, = call(erp, "post_invoice", {"order_number": order["number"]})
    return invoice


def pay(erp, invoice: dict, reference: str, amount: str, currency: str = "EUR") -> dict:
    payment = {"reference": reference, "amount": amount, "currency": currency, "value_date": TODAY}
    return call(erp, "record_payment", {"invoice": {"number": invoice["number"]}, "payment": payment})


def balance(erp, currency: str) -> dict:
    found = [row for row in call(erp, "receivable_balances", {}) if row["currency"] == currency]
    return found[0] if found else {"currency": currency, "invoices": Decimal("0.00"), "credit": Decimal("0.00"),
                                   "balance": Decimal("0.00")}


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8].upper()}"


def test_list_sales_orders_reports_each_sale_by_its_reference_with_tax(erp):
    number = unique("LSO-")
    call(erp, "create_sale", taxed_order(number, "100.00", "19.00", "119.00"))
    sales = [s for s in call(erp, "list_sales_orders", {}) if s["number"] == number]
    assert sales == [{"number": number, "total": Decimal("119.00"), "untaxed": Decimal("100.00"),
                      "tax": Decimal("19.00"), "currency": "EUR", "state": "processing"}]
    assert str(sales[0]["total"]) == "119.00"  # quantized to the currency


def test_list_sales_orders_since_leaves_older_sales_out(erp):
    number = unique("LSO-")
    call(erp, "create_sale", taxed_order(number, "10.00", "1.90", "11.90"))
    tomorrow = (dt.date.today() + dt.timedelta(days=1)).isoformat()
    assert number in {s["number"] for s in call(erp, "list_sales_orders", {"since": TODAY})}
    assert number not in {s["number"] for s in call(erp, "list_sales_orders", {"since": tomorrow})}


def test_pages_of_results_give_the_same_list(erp, monkeypatch):
    for _ in range(3):
        call(erp, "create_sale", taxed_order(unique("LSP-"), "1.00", "0.19", "1.19"))
    whole = call(erp, "list_sales_orders", {})
    monkeypatch.setattr(ledger, "PAGE", 2)
    paged = call(erp, "list_sales_orders", {})
    assert paged == whole and len(paged) >= 3
    assert len({s["number"] for s in paged}) == len(paged)


def test_list_invoice_payments_gives_each_payment_by_reference(erp):
    order = taxed_order(unique("LIP-"), "100.00", "19.00", "119.00")
    invoice = invoiced(erp, order)
    first, second = unique("pi_a"), unique("pi_b")
    pay(erp, invoice, first, "19.00")
    pay(erp, invoice, second, "30.50")
    found, = [i for i in call(erp, "list_invoice_payments", {}) if i["invoice"] == invoice["number"]]
    assert found == {
        "invoice": invoice["number"], "order_number": order["number"], "currency": "EUR",
        "total": Decimal("119.00"), "paid": Decimal("49.50"), "amount_due": Decimal("69.50"),
        "payments": [{"reference": first, "amount": Decimal("19.00"), "credit": Decimal("0.00")},
                     {"reference": second, "amount": Decimal("30.50"), "credit": Decimal("0.00")}]}


def test_an_overpayment_shows_what_the_invoice_took_and_the_credit(erp):
    invoice = invoiced(erp, taxed_order(unique("LIO-"), "100.00", "19.00", "119.00"))
    reference = unique("pi_over")
    pay(erp, invoice, reference, "150.00")
    found, = [i for i in call(erp, "list_invoice_payments", {}) if i["invoice"] == invoice["number"]]
    assert (found["paid"], found["amount_due"]) == (Decimal("119.00"), Decimal("0.00"))
    assert found["payments"] == [{"reference": reference, "amount": Decimal("119.00"), "credit": Decimal("31.00")}]


def test_receivable_balances_follow_invoices_payments_and_credit(erp):
    before = balance(erp, "EUR")
    invoice = invoiced(erp, taxed_order(unique("LRB-"), "100.00", "19.00", "119.00"))
    posted = balance(erp, "EUR")
    assert posted["invoices"] - before["invoices"] == Decimal("119.00")
    assert posted["balance"] - before["balance"] == Decimal("119.00")

    pay(erp, invoice, unique("pi_part"), "19.00")
    assert balance(erp, "EUR")["balance"] - before["balance"] == Decimal("100.00")

    pay(erp, invoice, unique("pi_rest"), "120.00")  # 100.00 pays the rest, 20.00 is credit
    after = balance(erp, "EUR")
    assert after["invoices"] - before["invoices"] == Decimal("0.00")
    assert after["credit"] - before["credit"] == Decimal("20.00")
    assert after["balance"] - before["balance"] == Decimal("-20.00")
    assert after["balance"] == after["invoices"] - after["credit"]


def test_receivable_balances_keep_currencies_apart(erp):
    before = balance(erp, "JPY")
    invoice = invoiced(erp, taxed_order(unique("LRJ-"), "1000", "190", "1190", currency="JPY"))
    pay(erp, invoice, unique("pi_jpy"), "1500", currency="JPY")
    after = balance(erp, "JPY")
    assert after["credit"] - before["credit"] == Decimal("310")
    assert after["balance"] - before["balance"] == Decimal("-310")
    assert str(after["balance"]).lstrip("-").isdigit()  # no minor unit in yen
