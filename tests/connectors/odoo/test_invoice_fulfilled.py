"""invoice_fulfilled through the Odoo sandbox: the shipped order is invoiced and posted once."""

from __future__ import annotations

from tests.connectors.odoo.test_cancel_refund import CTX, TOTAL, booked, odoo, placed, sandbox  # noqa: F401


def test_a_fulfilment_invoices_and_posts_the_order_once(odoo):  # noqa: F811
    booked(odoo, "FUL")
    number = placed("FUL")["number"]
    answer = odoo.actions()["invoice_fulfilled"]({"order_number": number, "number": "#FUL.1"}, CTX)
    assert answer["order_number"] == number and answer["invoice"]["total"] == TOTAL
    assert answer["invoice"]["status"] == "open"
    again = odoo.actions()["invoice_fulfilled"]({"order_number": number, "number": "#FUL.1"}, CTX)
    assert again["invoice"]["number"] == answer["invoice"]["number"]
