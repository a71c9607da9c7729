"""cancel_sales_order and refund_payment against a real trytond: a sale cancelled before and
after its invoice is posted, twice; a partial refund of one taxed line, a full refund of a paid
invoice, a refund delivered twice, and a cancellation of a paid order followed by its refund.

Each order: 2 × 50.00 at 19 %, 1 × 20.00 at 7 %, shipping 10.00 at 19 % = 152.30 (tax 22.30).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from hub.canonical import check
from hub.connector import ActionContext
from hub.errors import FatalError, RetriableError
from hub.o2c.settlement import payout_reference

pytestmark = pytest.mark.e2e

CTX = ActionContext(idempotency_key="test")
TOTAL = Decimal("152.30")


def call(erp, action: str, payload):
    return erp.actions()[action](payload, CTX)


def placed(name: str) -> dict:
    """A taxed order with shipping for a customer of its own, booked as a processing sale."""
    return {"number": f"CR-{name}", "currency": "EUR", "taxes_included": False, "payment_term": "Direct",
            "customer": {"name": f"Canceller {name}", "email": f"{name.lower()}@cancel.example"},
            "billing_address": {"line1": "Storno 1", "city": "Berlin", "postal_code": "10115"},
            "lines": [{"line_number": 1, "sku": "CR-A", "description": "Lamp", "quantity": "2", "unit_price": "50.00",
                       "line_total": "100.00", "tax_lines": [{"rate": "0.19", "amount": "19.00"}]},
                      {"line_number": 2, "sku": "CR-B", "description": "Book", "quantity": "1", "unit_price": "20.00",
                       "line_total": "20.00", "tax_lines": [{"rate": "0.07", "amount": "1.40"}]}],
            "shipping_lines": [{"description": "DHL", "amount": "10.00", "tax_lines": [{"rate": "0.19", "amount": "1.90"}]}],
            "totals": {"total": "152.30", "tax_total": "22.30"}}


def booked(erp, name: str, *, post: bool = False, paid: bool = False) -> dict:
    order = placed(name)
    sale = call(erp, "create_sale", order)
    assert sale["state"] == "processing" and sale["total_amount"] == TOTAL and sale["adjustment"] == 0
    if post or paid:
        invoice, = call(erp, "post_invoice", {"order_number": order["number"]})
        assert invoice["total"] == TOTAL
    if paid:
        call(erp, "record_payment", {"invoice": {"order_number": order["number"]},
                                     "payment": {"reference": f"pay-{name}", "amount": "152.30", "currency": "EUR",
                                                 "value_date": dt.date.today().isoformat()}})
    return order


def refund(reference: str, amount: str, lines: list | None = None) -> dict:
    payment = {"reference": reference, "amount": f"-{amount}", "currency": "EUR", "received_at": f"{dt.date.today().isoformat()}T10:00:00Z",
               "status": "refunded", "attributes": {"lines": lines} if lines else {}}
    return payment


def sale_row(erp, number: str) -> dict:
    row, = erp.client.search_read("sale.sale", [("reference", "=", number)],
                                  ["state", "invoice_state", "shipment_state", "invoices", "shipments", "party"])
    return row


def invoice_rows(erp, ids: list[int]) -> list[dict]:
    return erp.client.read("account.invoice", ids, ["state", "total_amount", "tax_amount", "amount_to_pay"])


def receivable_balance(erp, party_id: int) -> Decimal:
    """Σ debit − credit of the party's posted lines on receivable accounts."""
    lines = erp.client.search_read("account.move.line", [
        ("party", "=", party_id), ("account.type.receivable", "=", True), ("move.state", "=", "posted")],
        ["debit", "credit"])
    return sum((line["debit"] - line["credit"] for line in lines), Decimal(0))


def credit_notes_of(erp, party_id: int) -> list[dict]:
    return erp.client.search_read("account.invoice", [("party", "=", party_id), ("total_amount", "<", 0)],
                                  ["state", "total_amount", "tax_amount", "untaxed_amount", "description"])


def test_cancel_before_invoicing_cancels_the_draft_invoice_and_the_shipment(erp):
    order = booked(erp, "DRAFT")
    result = call(erp, "cancel_sales_order", {"number": order["number"]})
    sale = sale_row(erp, order["number"])
    assert result["state"] == "cancelled" and result["credit_notes"] == [] and result["shipped"] == []
    assert [invoice["status"] for invoice in result["cancelled_invoices"]] == ["void"]
    assert [row["state"] for row in invoice_rows(erp, sale["invoices"])] == ["cancelled"]
    shipments = erp.client.read("stock.shipment.out", sale["shipments"], ["state"])
    assert shipments and {row["state"] for row in shipments} == {"cancelled"}
    # the exceptions are handled: Tryton has nothing left to invoice or ship
    assert (sale["state"], sale["invoice_state"], sale["shipment_state"]) == ("done", "none", "none")
    assert result["sale"]["state"] == "done"
    assert receivable_balance(erp, sale["party"]) == 0


def test_cancel_a_draft_sale_cancels_it_in_tryton(erp):
    order = placed("QUOTE")
    order["number"] = "CR-QUOTE"
    party = erp.sales.party_of(order, action="test")
    sale_id, = erp.client.create("sale.sale", [{"party": party, "reference": order["number"]}])
    result = call(erp, "cancel_sales_order", order)
    assert result["sale"]["id"] == sale_id and result["sale"]["state"] == "cancelled"
    assert call(erp, "cancel_sales_order", order) == result


def test_cancel_after_posting_credits_the_invoice_to_the_cent(erp):
    order = booked(erp, "POSTED", post=True)
    result = call(erp, "cancel_sales_order", order)
    sale = sale_row(erp, order["number"])
    note, = result["credit_notes"]
    assert (note["kind"], note["total"], note["tax_total"]) == ("credit_note", TOTAL, Decimal("22.30"))
    invoice, = invoice_rows(erp, sale["invoices"])
    assert note["credits_invoice"] == erp.client.read("account.invoice", sale["invoices"], ["number"])[0]["number"]
    assert invoice["state"] == "cancelled"  # Tryton's refund option: cancelled against its credit note
    assert [n["total_amount"] for n in credit_notes_of(erp, sale["party"])] == [-TOTAL]
    assert receivable_balance(erp, sale["party"]) == 0
    assert sale["state"] == "done" and result["cancelled_invoices"] == []
    # the poll reads the credit note as the hub stores it: positive amounts, the invoice it credits
    polled, = erp.invoices.canonical([n["id"] for n in credit_notes_of(erp, sale["party"])], action="poll")
    assert check("invoice", polled)["credits_invoice"] == note["credits_invoice"]
    assert (polled["kind"], polled["total"], polled["tax_total"]) == ("credit_note", TOTAL, Decimal("22.30"))


def test_cancelling_twice_changes_nothing(erp):
    order = booked(erp, "TWICE", post=True)
    first = call(erp, "cancel_sales_order", order)
    second = call(erp, "cancel_sales_order", order)
    assert second == first
    party = sale_row(erp, order["number"])["party"]
    assert len(credit_notes_of(erp, party)) == 1 and receivable_balance(erp, party) == 0


def test_partial_refund_of_one_taxed_line_credits_that_line_to_the_cent(erp):
    order = booked(erp, "PART", paid=True)
    result = call(erp, "refund_payment", {"invoice": {"order_number": order["number"]},
                                          "payment": refund("re-part", "59.50", [{"sku": "CR-A", "quantity": "1"}])})
    note = result["credit_note"]
    assert (note["subtotal"], note["tax_total"], note["total"]) == (Decimal("50.00"), Decimal("9.50"), Decimal("59.50"))
    assert note["kind"] == "credit_note" and note["credits_invoice"] == result["invoice"]["number"]
    assert result["paid_out"] == Decimal("59.50") and result["payout_move"] is None
    assert note["status"] == "paid" and note["amount_due"] == 0  # the money paid back settles it
    party = sale_row(erp, order["number"])["party"]
    assert receivable_balance(erp, party) == 0  # paid 152.30, credited and paid back 59.50


def test_full_refund_of_a_paid_invoice_credits_everything_and_pays_it_back(erp):
    order = booked(erp, "FULL", paid=True)
    result = call(erp, "refund_payment", {"invoice": {"order_number": order["number"]},
                                          "payment": refund("re-full", "152.30")})
    note = result["credit_note"]
    assert (note["subtotal"], note["tax_total"], note["total"]) == (Decimal("130.00"), Decimal("22.30"), TOTAL)
    party = sale_row(erp, order["number"])["party"]
    assert receivable_balance(erp, party) == 0
    notes = credit_notes_of(erp, party)
    assert [(n["state"], n["description"]) for n in notes] == [("paid", "Refund re-full")]


def test_a_refund_delivered_twice_is_booked_once(erp):
    order = booked(erp, "AGAIN", paid=True)
    payload = {"invoice": {"order_number": order["number"]}, "payment": refund("re-again", "30.00")}
    first = call(erp, "refund_payment", payload)
    second = call(erp, "refund_payment", payload)
    assert second == first and first["credit_note"]["total"] == Decimal("30.00")
    party = sale_row(erp, order["number"])["party"]
    assert len(credit_notes_of(erp, party)) == 1 and receivable_balance(erp, party) == 0


def test_a_paid_order_cancelled_then_refunded_ends_at_zero_with_one_credit_note(erp):
    order = booked(erp, "PAIDCXL", paid=True)
    cancelled = call(erp, "cancel_sales_order", order)
    party = sale_row(erp, order["number"])["party"]
    assert cancelled["credit_notes"][0]["total"] == TOTAL
    assert receivable_balance(erp, party) == -TOTAL  # the customer's credit until the money goes back
    refunded = call(erp, "refund_payment", {"invoice": {"order_number": order["number"]},
                                            "payment": refund("re-paidcxl", "152.30")})
    assert refunded["credit_note"] is None and refunded["payout_move"] is None
    assert len(credit_notes_of(erp, party)) == 1 and receivable_balance(erp, party) == 0


def fulfilment(number: str, name: str, **shipped) -> dict:
    return {"order_number": number, "number": name, "status": "shipped",
            "lines": [{"sku": sku, "quantity": str(quantity)} for sku, quantity in shipped.items()]}


def exact(name: str, currency: str = "EUR") -> dict:
    """The order with the storefront total its lines make (152.30), so Tryton books no adjustment."""
    return {**placed(name), "currency": currency, "totals": {"total": "152.30", "tax_total": "22.30"}}


def shipped_in_two(erp, name: str) -> tuple[dict, dict, dict]:
    """The order invoiced in two fulfilments: the lamps with shipping (130.90), then the book (21.40)."""
    order = exact(name)
    call(erp, "create_sale", order)
    first = call(erp, "invoice_fulfilled", fulfilment(order["number"], f"{name}.1", **{"CR-A": 2}))["invoice"]
    second = call(erp, "invoice_fulfilled", fulfilment(order["number"], f"{name}.2", **{"CR-B": 1}))["invoice"]
    assert (first["total"], second["total"]) == (Decimal("130.90"), Decimal("21.40"))
    for invoice in (first, second):
        call(erp, "record_payment", {"invoice": {"number": invoice["number"]},
                                     "payment": {"reference": f"pay-{invoice['number']}", "amount": str(invoice["total"]),
                                                 "currency": "EUR", "value_date": dt.date.today().isoformat()}})
    return order, first, second


def test_a_refund_of_goods_billed_by_the_second_invoice_credits_that_invoice(erp):
    order, first, second = shipped_in_two(erp, "SPLIT")
    result = call(erp, "refund_payment", {"invoice": {"order_number": order["number"]},
                                          "payment": refund("re-split", "21.40", [{"sku": "CR-B", "quantity": "1"}])})
    note = result["credit_note"]
    assert note["credits_invoice"] == second["number"] and result["invoice"]["number"] == second["number"]
    assert (note["subtotal"], note["tax_total"], note["total"]) == (Decimal("20.00"), Decimal("1.40"), Decimal("21.40"))
    assert [(line["sku"], line["quantity"]) for line in note["lines"]] == [("CR-B", Decimal("1"))]
    assert result["payout_move"] is None
    assert note["status"] == "paid"  # the money paid back settles it
    assert receivable_balance(erp, sale_row(erp, order["number"])["party"]) == 0
    assert call(erp, "refund_payment", {"invoice": {"order_number": order["number"]},
                                        "payment": refund("re-split", "21.40", [{"sku": "CR-B", "quantity": "1"}])}
                ) == result


def test_a_refund_of_an_amount_is_spread_over_the_order_invoices_oldest_first(erp):
    order, first, second = shipped_in_two(erp, "SPREAD")
    result = call(erp, "refund_payment", {"invoice": {"order_number": order["number"]},
                                          "payment": refund("re-spread", "140.00")})
    assert [(note["credits_invoice"], note["total"]) for note in result["credit_notes"]] == [
        (first["number"], Decimal("130.90")), (second["number"], Decimal("9.10"))]
    assert result["credited"] == Decimal("140.00") and result["payout_move"] is None
    assert receivable_balance(erp, sale_row(erp, order["number"])["party"]) == 0


def test_a_refund_by_order_leaves_a_cancelled_invoice_out(erp):
    order = booked(erp, "CXLONLY", post=True)
    call(erp, "cancel_sales_order", order)
    with pytest.raises(FatalError, match="order CR-CXLONLY has no posted invoice to refund against"):
        call(erp, "refund_payment", {"invoice": {"order_number": order["number"]},
                                     "payment": refund("re-cxlonly", "10.00")})
    number = erp.client.read("account.invoice", sale_row(erp, order["number"])["invoices"], ["number"])[0]["number"]
    with pytest.raises(FatalError, match=f"invoice {number} is cancelled"):
        call(erp, "refund_payment", {"invoice": {"number": number}, "payment": refund("re-cxlonly", "10.00")})


def test_cancelling_a_partly_paid_order_settles_its_invoice_with_the_credit_note(erp):
    order = booked(erp, "PARTCXL", post=True)
    call(erp, "record_payment", {"invoice": {"order_number": order["number"]},
                                 "payment": {"reference": "pay-partcxl", "amount": "40.00", "currency": "EUR",
                                             "value_date": dt.date.today().isoformat()}})
    result = call(erp, "cancel_sales_order", order)
    sale = sale_row(erp, order["number"])
    invoice, = invoice_rows(erp, sale["invoices"])
    assert (invoice["state"], invoice["amount_to_pay"]) == ("paid", 0)
    note, = result["credit_notes"]
    assert note["total"] == TOTAL and note["amount_due"] == Decimal("40.00")  # what the customer paid
    assert receivable_balance(erp, sale["party"]) == Decimal("-40.00")
    assert call(erp, "cancel_sales_order", order) == result
    refunded = call(erp, "refund_payment", {"invoice": {"order_number": order["number"]},
                                            "payment": refund("re-partcxl", "40.00")})
    assert refunded["credit_note"] is None and refunded["payout_move"] is None
    assert [n["state"] for n in credit_notes_of(erp, sale["party"])] == ["paid"]
    assert receivable_balance(erp, sale["party"]) == 0


def test_a_foreign_currency_refund_delivered_twice_pays_back_once(erp):
    order = exact("USD", "USD")
    call(erp, "create_sale", order)
    call(erp, "post_invoice", {"order_number": order["number"]})
    call(erp, "record_payment", {"invoice": {"order_number": order["number"]},
                                 "payment": {"reference": "pay-usd", "amount": "152.30", "currency": "USD",
                                             "value_date": dt.date.today().isoformat()}})
    payload = {"invoice": {"order_number": order["number"]}, "payment": {**refund("re-usd", "50.00"), "currency": "USD"}}
    first = call(erp, "refund_payment", payload)
    second = call(erp, "refund_payment", payload)
    assert first["credit_note"]["total"] == Decimal("50.00") and first["credit_note"]["status"] == "paid"
    assert second == first and second["payout_move"] is None
    assert erp.client.search("account.move", [("description", "=", payout_reference("re-usd"))]) == []
    assert receivable_balance(erp, sale_row(erp, order["number"])["party"]) == 0


def test_a_refund_note_left_in_draft_by_a_crash_is_completed_before_it_is_posted(erp, monkeypatch):
    order = booked(erp, "HALF", paid=True)
    payload = {"invoice": {"order_number": order["number"]},
               "payment": refund("re-half", "70.00", [{"sku": "CR-A", "quantity": "1"}])}

    def crash(*args, **kwargs):
        raise RetriableError("connection lost")

    monkeypatch.setattr(erp.invoices.credit_notes, "add_lines", crash)
    with pytest.raises(RetriableError):
        call(erp, "refund_payment", payload)
    party = sale_row(erp, order["number"])["party"]
    assert [(n["state"], n["total_amount"]) for n in credit_notes_of(erp, party)] == [("draft", Decimal("-59.50"))]
    monkeypatch.undo()
    result = call(erp, "refund_payment", payload)
    assert result["credit_note"]["total"] == Decimal("70.00") and result["payout_move"] is None
    assert [(n["state"], n["total_amount"]) for n in credit_notes_of(erp, party)] == [("paid", Decimal("-70.00"))]
    assert receivable_balance(erp, party) == 0


def test_a_refund_beyond_what_is_left_to_credit_is_paid_out_on_the_receivable(erp):
    order = booked(erp, "BEYOND", paid=True)
    call(erp, "refund_payment", {"invoice": {"order_number": order["number"]}, "payment": refund("re-beyond-1", "152.30")})
    result = call(erp, "refund_payment", {"invoice": {"order_number": order["number"]},
                                          "payment": refund("re-beyond-2", "10.00")})
    assert result["credit_note"] is None and result["credited"] == 0
    move, = erp.client.search_read("account.move", [("description", "=", payout_reference("re-beyond-2"))], ["state"])
    assert move["id"] == result["payout_move"] and move["state"] == "posted"
    assert receivable_balance(erp, sale_row(erp, order["number"])["party"]) == Decimal("10.00")
