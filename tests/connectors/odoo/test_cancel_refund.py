"""cancel_sales_order and refund_payment through the Odoo sandbox over real sockets: a sale
cancelled before and after its invoice is posted, twice; a partial refund of one taxed line, a
full refund of a paid invoice, a refund delivered twice, and a paid order cancelled then refunded.

Each order: 2 × 50.00 at 19 %, 1 × 20.00 at 7 %, shipping 10.00 at 19 % = 132.30 (tax 22.30).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from connectors.odoo import OdooConnector
from connectors.odoo.sandbox import create_app
from connectors.sandbox import serve
from hub.connector import ActionContext

CTX = ActionContext(idempotency_key="test")
TOTAL = Decimal("132.30")


@pytest.fixture
def sandbox():
    with serve(create_app(key="k3y")) as server:
        yield server


@pytest.fixture(params=["json2", "jsonrpc"])
def odoo(request, sandbox) -> OdooConnector:
    connector = OdooConnector.from_config("erp", {"url": sandbox.url, "database": "sandbox", "api": request.param,
                                                  "login": "hub", "api_key": "k3y", "timeout": 5})
    yield connector
    connector.close()


def call(odoo, action: str, payload):
    return odoo.actions()[action](payload, CTX)


def placed(name: str) -> dict:
    return {"number": f"CR-{name}", "currency": "EUR", "taxes_included": False,
            "customer": {"name": f"Canceller {name}", "email": f"{name.lower()}@cancel.example"},
            "lines": [{"line_number": 1, "sku": "CR-A", "description": "Lamp", "quantity": "2", "unit_price": "50.00",
                       "line_total": "100.00", "tax_lines": [{"rate": "0.19", "amount": "19.00"}]},
                      {"line_number": 2, "sku": "CR-B", "description": "Book", "quantity": "1", "unit_price": "20.00",
                       "line_total": "20.00", "tax_lines": [{"rate": "0.07", "amount": "1.40"}]}],
            "shipping_lines": [{"description": "DHL", "amount": "10.00", "tax_lines": [{"rate": "0.19", "amount": "1.90"}]}],
            "totals": {"total": "132.30", "tax_total": "22.30"}}


def booked(odoo, name: str, *, invoiced: bool = False, post: bool = False, paid: bool = False) -> dict:
    """A confirmed sale order; invoiced through Odoo's invoicing wizard, posted, paid when asked."""
    order = placed(name)
    sale = call(odoo, "create_sales_order", order)
    assert sale["state"] == "sale" and sale["amount_total"] == TOTAL
    if invoiced or post or paid:
        context = {"context": {"active_model": "sale.order", "active_ids": [sale["id"]]}}
        [wizard] = odoo.call("sale.advance.payment.inv", "create", [{"advance_payment_method": "delivered"}],
                             action="test", **context)
        odoo.call("sale.advance.payment.inv", "create_invoices", [wizard], action="test", **context)
    if post or paid:
        invoice = odoo.find_invoice({"order_number": order["number"]}, action="test")
        assert odoo.post_invoice({"id": invoice["id"]}, CTX)["total"] == TOTAL
    if paid:
        call(odoo, "record_payment", {"invoice": {"order_number": order["number"]},
                                      "payment": {"reference": f"pay-{name}", "amount": "132.30", "currency": "EUR",
                                                  "received_at": "2026-03-02T10:00:00Z"}})
    return order


def refund(reference: str, amount: str, lines: list | None = None) -> dict:
    return {"reference": reference, "amount": f"-{amount}", "currency": "EUR", "received_at": "2026-03-05T10:00:00Z",
            "status": "refunded", "attributes": {"lines": lines} if lines else {}}


def records(sandbox, model: str) -> list[dict]:
    return requests.get(f"{sandbox.url}/_sandbox/records/{model}", timeout=5).json()


def moves(sandbox, move_type: str) -> list[dict]:
    return [row for row in records(sandbox, "account.move") if row["move_type"] == move_type]


def receivable(sandbox) -> Decimal:
    """What the customer owes: open invoices less open credit notes, less open customer
    payments in, plus money paid back outside any credit note."""
    owed = sum((Decimal(str(m["amount_residual"])) for m in moves(sandbox, "out_invoice") if m["state"] == "posted"),
               Decimal(0))
    owed -= sum((Decimal(str(m["amount_residual"])) for m in moves(sandbox, "out_refund") if m["state"] == "posted"),
                Decimal(0))
    for payment in records(sandbox, "account.payment"):
        if not payment.get("reconciled_invoice_ids"):
            sign = 1 if payment["payment_type"] == "outbound" else -1
            owed += sign * Decimal(str(payment["amount"]))
    return owed


def test_cancel_before_invoicing_cancels_the_order_and_its_draft_invoice(odoo, sandbox):
    order = booked(odoo, "DRAFT", invoiced=True)
    result = call(odoo, "cancel_sales_order", {"number": order["number"]})
    assert result["state"] == "cancelled" and result["credit_notes"] == [] and result["shipped"] == []
    assert result["sale"]["state"] == "cancel" and result["sale"]["number"].startswith("S")
    assert [invoice["status"] for invoice in result["cancelled_invoices"]] == ["void"]
    [invoice] = moves(sandbox, "out_invoice")
    assert invoice["state"] == "cancel" and moves(sandbox, "out_refund") == []
    assert [row["state"] for row in records(sandbox, "sale.order")] == ["cancel"]


def test_cancel_without_the_warning_context_is_odoos_wizard_and_changes_nothing(odoo, sandbox):
    order = booked(odoo, "WIZARD")
    sale_id = odoo.sales.find(order["number"], action="test")
    answer = odoo.call("sale.order", "action_cancel", [sale_id], action="test")
    assert answer["res_model"] == "sale.order.cancel"
    assert odoo.sales.read(sale_id, action="test")["state"] == "sale"


def test_cancel_after_posting_reverses_the_invoice_to_the_cent(odoo, sandbox):
    order = booked(odoo, "POSTED", post=True)
    result = call(odoo, "cancel_sales_order", order)
    [note] = result["credit_notes"]
    [invoice] = moves(sandbox, "out_invoice")
    assert (note["kind"], note["total"], note["tax_total"], note["subtotal"]) == (
        "credit_note", TOTAL, Decimal("22.30"), Decimal("110.00"))
    assert note["credits_invoice"] == invoice["name"] and note["status"] == "paid" and note["amount_due"] == 0
    [refund_move] = moves(sandbox, "out_refund")
    assert refund_move["reversed_entry_id"][0] == invoice["id"] and refund_move["state"] == "posted"
    assert refund_move["ref"] == f"Reversal of: {invoice['name']}, Cancellation of order CR-POSTED"
    assert invoice["state"] == "posted" and invoice["payment_state"] == "reversed"  # Odoo's full refund of an unpaid invoice
    assert result["cancelled_invoices"] == [] and result["sale"]["state"] == "cancel"
    assert receivable(sandbox) == 0


def test_cancelling_twice_changes_nothing(odoo, sandbox):
    order = booked(odoo, "TWICE", post=True)
    first = call(odoo, "cancel_sales_order", order)
    before = records(sandbox, "account.move")
    second = call(odoo, "cancel_sales_order", order)
    assert second == first
    assert records(sandbox, "account.move") == before and len(moves(sandbox, "out_refund")) == 1


def test_a_paid_order_cancelled_keeps_the_customers_credit_until_the_refund(odoo, sandbox):
    order = booked(odoo, "PAIDCXL", paid=True)
    cancelled = call(odoo, "cancel_sales_order", order)
    [note] = cancelled["credit_notes"]
    assert note["total"] == TOTAL and note["amount_due"] == TOTAL and note["status"] == "open"
    assert receivable(sandbox) == -TOTAL  # a plain reversal: the customer's credit
    refunded = call(odoo, "refund_payment", {"invoice": {"order_number": order["number"]},
                                             "payment": refund("re-paidcxl", "132.30")})
    assert refunded["credit_note"] is None and refunded["payout_move"] is None
    assert refunded["credited"] == Decimal("0.00") and refunded["paid_out"] == TOTAL
    assert len(moves(sandbox, "out_refund")) == 1 and receivable(sandbox) == 0
    [payout] = [p for p in records(sandbox, "account.payment") if p["payment_type"] == "outbound"]
    assert payout["memo"] == "re-paidcxl" and payout["reconciled_invoice_ids"] == [moves(sandbox, "out_refund")[0]["id"]]


def test_partial_refund_of_one_taxed_line_credits_that_line_to_the_cent(odoo, sandbox):
    order = booked(odoo, "PART", paid=True)
    result = call(odoo, "refund_payment", {"invoice": {"order_number": order["number"]},
                                           "payment": refund("re-part", "59.50", [{"sku": "CR-A", "quantity": "1"}])})
    note = result["credit_note"]
    assert (note["subtotal"], note["tax_total"], note["total"]) == (Decimal("50.00"), Decimal("9.50"), Decimal("59.50"))
    assert note["kind"] == "credit_note" and note["credits_invoice"] == result["invoice"]["number"]
    assert result["credited"] == Decimal("59.50") and result["paid_out"] == Decimal("59.50")
    assert result["payout_move"] is None and note["status"] == "paid" and note["amount_due"] == 0
    [line] = [row for row in records(sandbox, "account.move.line")
              if row.get("move_id", [None])[0] == moves(sandbox, "out_refund")[0]["id"] and row["display_type"] == "product"]
    assert (line["quantity"], line["price_unit"], line["name"]) == (1.0, 50.0, "Lamp")
    assert result["invoice"]["status"] == "paid" and receivable(sandbox) == 0


def test_a_refund_by_amount_is_split_over_the_tax_groups(odoo, sandbox):
    order = booked(odoo, "SPLIT", paid=True)
    result = call(odoo, "refund_payment", {"invoice": {"order_number": order["number"]},
                                           "payment": refund("re-split", "30.00")})
    note = result["credit_note"]
    assert note["total"] == Decimal("30.00") and note["tax_total"] > 0 and receivable(sandbox) == 0
    lines = [row for row in records(sandbox, "account.move.line")
             if row.get("move_id", [None])[0] == moves(sandbox, "out_refund")[0]["id"] and row["display_type"] == "product"]
    assert len([line for line in lines if line["tax_ids"]]) == 2  # the 19 % and the 7 % group


def test_full_refund_of_a_paid_invoice_credits_everything_and_pays_it_back(odoo, sandbox):
    order = booked(odoo, "FULL", paid=True)
    result = call(odoo, "refund_payment", {"invoice": {"order_number": order["number"]},
                                           "payment": refund("re-full", "132.30")})
    note = result["credit_note"]
    assert (note["subtotal"], note["tax_total"], note["total"]) == (Decimal("110.00"), Decimal("22.30"), TOTAL)
    assert note["status"] == "paid" and result["payout_move"] is None and receivable(sandbox) == 0
    [payback] = [p for p in records(sandbox, "account.payment") if p["payment_type"] == "outbound"]
    assert (payback["memo"], payback["amount"], payback["partner_type"]) == ("re-full", 132.3, "customer")


def test_a_refund_delivered_twice_is_booked_once(odoo, sandbox):
    order = booked(odoo, "AGAIN", paid=True)
    payload = {"invoice": {"order_number": order["number"]}, "payment": refund("re-again", "30.00")}
    first = call(odoo, "refund_payment", payload)
    before = (records(sandbox, "account.move"), records(sandbox, "account.payment"))
    second = call(odoo, "refund_payment", payload)
    assert second == first and first["credit_note"]["total"] == Decimal("30.00")
    assert (records(sandbox, "account.move"), records(sandbox, "account.payment")) == before
    assert len(moves(sandbox, "out_refund")) == 1 and receivable(sandbox) == 0


def test_a_refund_beyond_what_is_creditable_pays_the_rest_out_on_the_receivable(odoo, sandbox):
    order = booked(odoo, "BEYOND", paid=True)
    call(odoo, "refund_payment", {"invoice": {"order_number": order["number"]}, "payment": refund("re-1", "132.30")})
    result = call(odoo, "refund_payment", {"invoice": {"order_number": order["number"]},
                                           "payment": refund("re-2", "5.00")})
    assert result["credit_note"] is None and result["payout_move"] is not None
    [payout] = [p for p in records(sandbox, "account.payment") if p["memo"] == "re-2 (refund paid out)"]
    assert payout["payment_type"] == "outbound" and payout["amount"] == 5.0 and payout["state"] == "in_process"
    again = call(odoo, "refund_payment", {"invoice": {"order_number": order["number"]},
                                          "payment": refund("re-2", "5.00")})
    assert again == result
