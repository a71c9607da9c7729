"""Order status derived from line quantities, billing and the credit decision."""

from __future__ import annotations

import pytest

from hub.o2c.orders.status import derive_status

ORDER = {"number": "1", "lines": [{"sku": "A", "quantity": "2"}, {"sku": "B", "quantity": "1"}],
         "totals": {"total": "30.00"}}


def shipped(**quantities):
    return {"lines": [{"sku": k, "quantity": str(v)} for k, v in quantities.items()], "status": "shipped"}


def invoice(status="open", due="30.00", kind="invoice", **quantities):
    return {"kind": kind, "status": status, "total": "30.00", "amount_due": due,
            "lines": [{"sku": k, "quantity": str(v)} for k, v in quantities.items()]}


CASES = [
    pytest.param({}, [], [], None, "booked", id="booked"),
    pytest.param({"status": "draft"}, [], [], None, "draft", id="draft"),
    pytest.param({"status": "cancelled"}, [shipped(A=2)], [], "held", "cancelled", id="cancelled_wins"),
    pytest.param({}, [], [], "held", "pending_credit_approval", id="credit_held"),
    pytest.param({}, [], [], "rejected", "on_hold", id="credit_rejected"),
    pytest.param({}, [], [], "approved", "booked", id="credit_approved"),
    pytest.param({}, [shipped(A=1)], [], None, "partially_fulfilled", id="partly_shipped"),
    pytest.param({}, [shipped(A=2), {**shipped(B=1), "status": "cancelled"}], [], None, "partially_fulfilled",
                 id="cancelled_shipment_ignored"),
    pytest.param({}, [shipped(A=1), shipped(A=1, B=1)], [], None, "awaiting_billing", id="shipped_in_two"),
    pytest.param({}, [shipped(A=2, B=1)], [invoice(A=2)], None, "awaiting_billing", id="partly_invoiced"),
    pytest.param({}, [shipped(A=2, B=1)], [invoice(A=2, B=1)], None, "invoiced", id="invoiced"),
    pytest.param({}, [shipped(A=2, B=1)], [invoice("paid", "0.00", A=2, B=1)], None, "closed", id="closed"),
    pytest.param({}, [shipped(A=1)], [invoice("paid", "0.00", A=2, B=1)], None, "invoiced",
                 id="paid_but_not_all_shipped"),
    pytest.param({}, [shipped(A=2, B=1)], [invoice("void", A=2, B=1)], None, "awaiting_billing", id="void_invoice"),
    pytest.param({}, [shipped(A=2, B=1)], [invoice(A=2, B=1), invoice(kind="credit_note", B=1)], None,
                 "awaiting_billing", id="credit_note_takes_a_line_back"),
    pytest.param({"lines": []}, [], [invoice()], None, "invoiced", id="no_lines_by_totals"),
]


@pytest.mark.parametrize(("changes", "fulfillments", "invoices", "credit", "expected"), CASES)
def test_derive_status(changes, fulfillments, invoices, credit, expected):
    order = {**ORDER, **changes}
    if not order["lines"]:
        del order["lines"]
    assert derive_status(order, fulfillments, invoices, credit) == expected
