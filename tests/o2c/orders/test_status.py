"""Order status derived from line quantities, billing and the credit decision."""

from __future__ import annotations

import pytest

from hub.o2c.orders.status import derive_status

ORDER = {"number": "1", "currency": "EUR", "lines": [{"sku": "A", "quantity": "2"}, {"sku": "B", "quantity": "1"}],
         "totals": {"total": "30.00"}}


def shipped(**quantities):
    return {"lines": [{"sku": k, "quantity": str(v)} for k, v in quantities.items()], "status": "shipped"}


def invoice(status="open", due="30.00", kind="invoice", total="30.00", **quantities):
    return {"kind": kind, "status": status, "currency": "EUR", "total": total, "amount_due": due,
            "lines": [{"sku": k, "quantity": str(v)} for k, v in quantities.items()]}


def credit_note(**quantities):
    return {**invoice(kind="credit_note", due="0.00", total="10.00", **quantities), "credits_invoice": "INV-1"}


def with_shipping(record):
    """An ERP invoice also bills shipping and a cent of adjustment: lines that are no goods."""
    return {**record, "lines": [*record["lines"], {"sku": "SHIPPING", "quantity": "1"},
                                {"sku": "ADJUSTMENT", "quantity": "1"}]}


CASES = [
    pytest.param({}, [], [], None, "booked", id="booked"),
    pytest.param({"status": "draft"}, [], [], None, "draft", id="draft"),
    pytest.param({"status": "cancelled"}, [shipped(A=2)], [], "held", "cancelled", id="cancelled_wins"),
    pytest.param({"status": "cancelled"}, [shipped(A=2, B=1)], [invoice("paid", "0.00", A=2, B=1)], None,
                 "cancelled", id="cancelled_after_billing"),
    pytest.param({}, [], [], "held", "pending_credit_approval", id="credit_held"),
    pytest.param({}, [], [], "rejected", "on_hold", id="credit_rejected"),
    pytest.param({}, [], [], "approved", "booked", id="credit_approved"),
    pytest.param({}, [shipped(A=1)], [], None, "partially_fulfilled", id="partly_shipped"),
    pytest.param({}, [shipped(A=2, B=1), {**shipped(B=1), "status": "cancelled"}], [], None, "awaiting_billing",
                 id="all_shipped"),
    pytest.param({}, [shipped(A=2), {**shipped(B=1), "status": "cancelled"}], [], None, "partially_fulfilled",
                 id="cancelled_shipment_ignored"),
    pytest.param({}, [shipped(A=1), shipped(A=1, B=1)], [], None, "awaiting_billing", id="shipped_in_two"),
    pytest.param({}, [shipped(A=1)], [invoice(A=1)], None, "partially_fulfilled",
                 id="partly_shipped_partly_invoiced"),
    pytest.param({}, [shipped(A=2, B=1)], [invoice(A=2)], None, "awaiting_billing", id="partly_invoiced"),
    pytest.param({}, [shipped(A=2, B=1)], [invoice(A=2), invoice(B=1)], None, "invoiced", id="invoiced_in_two"),
    pytest.param({}, [shipped(A=2, B=1)], [invoice(A=2, B=1)], None, "invoiced", id="invoiced"),
    pytest.param({}, [shipped(A=2, B=1)], [with_shipping(invoice(A=2, B=1))], None, "invoiced",
                 id="invoiced_with_shipping_lines"),
    pytest.param({}, [shipped(A=2, B=1)], [with_shipping(invoice(A=2))], None, "awaiting_billing",
                 id="shipping_lines_are_no_goods"),
    pytest.param({}, [shipped(A=2, B=1)], [invoice(due="12.00", A=2, B=1)], None, "invoiced",
                 id="partly_paid_stays_invoiced"),
    pytest.param({}, [shipped(A=2, B=1)], [invoice("paid", "0.00", A=2, B=1)], None, "closed", id="closed"),
    pytest.param({}, [shipped(A=2, B=1)], [invoice("open", "0.00", A=2, B=1)], None, "closed",
                 id="nothing_due_is_closed"),
    pytest.param({}, [shipped(A=2, B=1)], [invoice("paid", "0.00", A=2), invoice(B=1, due="10.00")], None,
                 "invoiced", id="one_of_two_invoices_paid"),
    pytest.param({}, [shipped(A=1)], [invoice("paid", "0.00", A=2, B=1)], None, "invoiced",
                 id="paid_but_not_all_shipped"),
    pytest.param({}, [shipped(A=2, B=1)], [invoice("void", A=2, B=1)], None, "awaiting_billing", id="void_invoice"),
    pytest.param({}, [shipped(A=2, B=1)], [invoice("draft", A=2, B=1)], None, "awaiting_billing",
                 id="draft_invoice"),
    pytest.param({}, [shipped(A=2, B=1)], [invoice(A=2, B=1), credit_note(B=1)], None,
                 "awaiting_billing", id="credit_note_takes_a_line_back"),
    pytest.param({}, [shipped(A=2, B=1)], [invoice(A=2, B=1), credit_note(B=-1)], None,
                 "awaiting_billing", id="credit_note_with_negative_quantities"),
    pytest.param({}, [shipped(A=2, B=1)], [invoice(A=2, B=1), credit_note(B=1), invoice(B=1)], None,
                 "invoiced", id="credited_line_invoiced_again"),
    pytest.param({}, [shipped(A=2, B=1)], [invoice("paid", "0.00", A=2, B=1),
                                           {**credit_note(), "lines": [{"description": "Refund R-1", "quantity": "1"}]}],
                 None, "closed", id="credit_note_of_an_amount_takes_no_goods_back"),
    pytest.param({"lines": []}, [], [invoice()], None, "invoiced", id="no_lines_by_totals"),
    pytest.param({"lines": []}, [], [invoice(total="20.00")], None, "booked", id="no_lines_partly_invoiced"),
    pytest.param({"lines": []}, [], [invoice(), credit_note()], None, "booked", id="no_lines_credit_note"),
    pytest.param({"lines": []}, [], [invoice("paid", "0.00")], None, "closed", id="no_lines_paid"),
    pytest.param({}, [shipped(A=2, B=1)], [invoice(total="20.00"), invoice(total="10.00")], None, "invoiced",
                 id="invoices_without_lines_by_totals"),
]


@pytest.mark.parametrize(("changes", "fulfillments", "invoices", "credit", "expected"), CASES)
def test_derive_status(changes, fulfillments, invoices, credit, expected):
    order = {**ORDER, **changes}
    if not order["lines"]:
        del order["lines"]
    assert derive_status(order, fulfillments, invoices, credit) == expected
