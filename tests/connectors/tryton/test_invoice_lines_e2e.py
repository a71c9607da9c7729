"""Invoices read back from a real Tryton carry their lines and tax summary, and a fulfilment
posts the invoice of what it shipped (all of the order, or part of it and the rest later)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub import canonical
from hub.connector import ActionContext

pytestmark = pytest.mark.e2e

CTX = ActionContext(idempotency_key="test")
CUSTOMER = {"name": "Ida Lines", "email": "ida@lines.example"}


def placed(number: str) -> dict:
    """Two goods at 19 % and 7 %, shipping at 19 %, tax on top."""
    return {"number": number, "currency": "EUR", "taxes_included": False, "customer": CUSTOMER,
            "lines": [{"line_number": 1, "sku": "LIN-A", "description": "Lamp", "quantity": "3", "unit_price": "10.00",
                       "line_total": "30.00", "tax_lines": [{"rate": "0.19", "amount": "5.70"}]},
                      {"line_number": 2, "sku": "LIN-B", "description": "Book", "quantity": "1", "unit_price": "20.00",
                       "line_total": "20.00", "tax_lines": [{"rate": "0.07", "amount": "1.40"}]}],
            "shipping_lines": [{"description": "DHL", "amount": "5.00", "tax_lines": [{"rate": "0.19", "amount": "0.95"}]}],
            "totals": {"total": "63.05", "tax_total": "8.05"}}


def call(erp, action: str, payload):
    return erp.actions()[action](payload, CTX)


def fulfilment(number: str, name: str, **shipped) -> dict:
    return {"order_number": number, "number": name, "status": "shipped",
            "lines": [{"sku": sku, "quantity": str(q)} for sku, q in shipped.items()]}


def goods(invoice: dict) -> list[tuple]:
    return [(line["sku"], line["quantity"]) for line in invoice["lines"]]


def test_an_invoice_carries_its_lines_with_taxes_and_its_tax_summary(erp):
    call(erp, "create_sale", placed("LIN-1"))
    invoice, = call(erp, "post_invoice", {"order_number": "LIN-1"})
    assert invoice["total"] == Decimal("63.05") and invoice["tax_total"] == Decimal("8.05")
    assert [(l["sku"], l["quantity"], l["unit_price"], l["line_total"], l["tax_lines"]) for l in invoice["lines"]] == [
        ("LIN-A", Decimal(3), Decimal("10.0000"), Decimal("30.00"), [{"name": "VAT 19%", "rate": Decimal("0.19"),
                                                                      "amount": Decimal("5.70")}]),
        ("LIN-B", Decimal(1), Decimal("20.0000"), Decimal("20.00"), [{"name": "VAT 7%", "rate": Decimal("0.07"),
                                                                      "amount": Decimal("1.40")}]),
        ("SHIPPING", Decimal(1), Decimal("5.0000"), Decimal("5.00"), [{"name": "VAT 19%", "rate": Decimal("0.19"),
                                                                       "amount": Decimal("0.95")}])]
    assert [line["line_number"] for line in invoice["lines"]] == [1, 2, 3]
    assert sorted((t["rate"], t["amount"]) for t in invoice["tax_lines"]) == [
        (Decimal("0.07"), Decimal("1.40")), (Decimal("0.19"), Decimal("6.65"))]
    assert canonical.validate_record("invoice", invoice) == []


def test_lines_of_a_page_are_read_in_one_search_and_paired_by_invoice(erp):
    call(erp, "create_sale", placed("LIN-2"))
    call(erp, "create_sale", {**placed("LIN-3"), "lines": placed("LIN-3")["lines"][1:],
                              "totals": {"total": "27.35", "tax_total": "2.35"}})
    ids = [i for number in ("LIN-3", "LIN-2") for i in erp.invoices.sale_invoices(number, action="test")]
    searches = []
    search_read = erp.client.search_read
    erp.client.search_read = lambda model, *a, **k: (searches.append(model), search_read(model, *a, **k))[1]
    try:
        records = erp.invoices.canonical(ids, action="test")
    finally:
        erp.client.search_read = search_read
    assert searches.count("account.invoice.line") == 1 and searches.count("account.invoice.tax") == 1
    by_order = {r["order_number"]: r for r in records}
    assert goods(by_order["LIN-3"]) == [("LIN-B", 1), ("SHIPPING", 1)]
    assert goods(by_order["LIN-2"]) == [("LIN-A", 3), ("LIN-B", 1), ("SHIPPING", 1)]


def test_a_credit_note_lists_the_quantities_it_credits(erp):
    call(erp, "create_sale", placed("LIN-4"))
    call(erp, "post_invoice", {"order_number": "LIN-4"})
    refund = {"reference": "re_lin4", "amount": "-11.90", "currency": "EUR", "received_at": "2026-01-05",
              "attributes": {"lines": [{"sku": "LIN-A", "quantity": "1"}]}}
    answer = call(erp, "refund_payment", {"invoice": {"order_number": "LIN-4"}, "payment": refund})
    note = answer["credit_note"]
    assert note["kind"] == "credit_note" and note["total"] == Decimal("11.90")
    assert goods(note) == [("LIN-A", 1)] and note["lines"][0]["line_total"] == Decimal("10.00")


def test_a_fulfilment_of_the_whole_order_posts_its_invoice_once(erp):
    call(erp, "create_sale", placed("LIN-5"))
    answer = call(erp, "invoice_fulfilled", fulfilment("LIN-5", "#LIN-5.1", **{"LIN-A": 3, "LIN-B": 1}))
    invoice = answer["invoice"]
    assert invoice["status"] == "open" and invoice["total"] == Decimal("63.05")
    assert goods(invoice) == [("LIN-A", 3), ("LIN-B", 1), ("SHIPPING", 1)]
    again = call(erp, "invoice_fulfilled", fulfilment("LIN-5", "#LIN-5.1", **{"LIN-A": 3, "LIN-B": 1}))
    assert again["invoice"]["number"] == invoice["number"]
    assert len(erp.invoices.sale_invoices("LIN-5", action="test")) == 1


def test_a_partial_fulfilment_invoices_what_it_shipped_and_the_next_one_the_rest(erp):
    call(erp, "create_sale", placed("LIN-6"))
    first = call(erp, "invoice_fulfilled", fulfilment("LIN-6", "#LIN-6.1", **{"LIN-A": 2}))["invoice"]
    assert goods(first) == [("LIN-A", 2), ("SHIPPING", 1)] and first["status"] == "open"
    assert first["total"] == Decimal("29.75")  # 20.00 + 5.00 shipping + 19 % tax
    repeat = call(erp, "invoice_fulfilled", fulfilment("LIN-6", "#LIN-6.1", **{"LIN-A": 2}))["invoice"]
    assert repeat["number"] == first["number"]
    second = call(erp, "invoice_fulfilled", fulfilment("LIN-6", "#LIN-6.2", **{"LIN-A": 1, "LIN-B": 1}))["invoice"]
    assert goods(second) == [("LIN-A", 1), ("LIN-B", 1)] and second["status"] == "open"
    assert first["total"] + second["total"] == Decimal("63.05")
    assert call(erp, "invoice_fulfilled", fulfilment("LIN-6", "#LIN-6.3", **{"LIN-A": 1}))["invoice"] is None
