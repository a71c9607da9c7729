"""An overpaid Stripe payment end to end: a real hub process runs the bundled recipes, Stripe and
Slack are their sandboxes on real sockets, the ERP is a real trytond. What Stripe received is
what Tryton applied to the invoice plus what it keeps as the customer's credit, and the hub's
payment applications say the same, once each."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.e2e.test_used_by_flows import (  # noqa: F401  (fixtures)
    erp, flows, open_invoice, payment_intent, sandboxes, tryton_server, unique,
)

pytestmark = pytest.mark.e2e

OVER = Decimal("12.34")


def overpaid_intent(invoice: dict) -> dict:
    """A payment intent for the invoice's total plus 12.34."""
    intent = payment_intent(invoice, unique("pi_"))
    cents = int((Decimal(invoice["total"]) + OVER) * 100)
    return {**intent, "amount": cents, "amount_received": cents}


def tryton_split(erp, invoice: dict, reference: str) -> tuple[Decimal, Decimal, int]:
    """(applied to the invoice, kept as credit, number of credit moves) as Tryton books them."""
    (row,) = erp.client.read("account.invoice", [int(invoice["external_refs"][0]["id"])],
                             ["state", "amount_to_pay", "payment_lines", "party"])
    assert row["state"] == "paid" and row["amount_to_pay"] == 0
    lines = erp.client.read("account.move.line", row["payment_lines"], ["credit", "debit"])
    moves = erp.client.search_read("account.move", [("description", "=", f"{reference} (overpayment)"),
                                                    ("state", "=", "posted")], ["lines"])
    credit_lines = [line for move in moves for line in erp.client.read(
        "account.move.line", move["lines"], ["credit", "party"]) if line["party"] == row["party"]]
    applied = sum((line["credit"] - line["debit"] for line in lines), Decimal(0))
    return applied, sum((line["credit"] for line in credit_lines), Decimal(0)), len(moves)


def hub_applications(flows) -> dict[str, Decimal]:
    rows = flows.rows("SELECT kind, amount FROM payment_applications")
    assert len(rows) == len({kind for kind, _ in rows})
    return {kind: Decimal(str(amount)) for kind, amount in rows}


def test_an_overpaid_stripe_payment_pays_the_invoice_and_keeps_the_rest_as_credit(flows, sandboxes, erp):
    invoice = open_invoice(flows, erp)
    intent = overpaid_intent(invoice)
    paid = Decimal(intent["amount"]) / 100
    response = flows.post_stripe_event("payment_intent.succeeded", intent, event_id=unique("evt_"))
    run = flows.wait_run(response.json()["runs"][0], timeout=60)
    assert run["status"] == "succeeded", run

    applied, credit, moves = tryton_split(erp, invoice, intent["id"])
    assert (applied, credit, moves) == (Decimal(invoice["total"]), OVER, 1)
    assert applied + credit == paid
    assert hub_applications(flows) == {"applied": applied, "credit": credit}
    assert flows.rows("SELECT invoice_number FROM payment_applications WHERE kind = 'credit'") == [(None,)]
    ((status, due),) = flows.rows("SELECT status, amount_due FROM invoices WHERE number = ?", invoice["number"])
    assert (status, Decimal(str(due))) == ("paid", Decimal("0"))
    ((reference, amount),) = flows.rows("SELECT reference, amount FROM payments")
    assert (reference, Decimal(str(amount))) == (intent["id"], paid)
    text = sandboxes["slack"].state.messages[-1]["message"]["text"]
    assert text.endswith(f"now paid, EUR 0.00 still due; EUR {OVER} kept as customer credit.")

    # the same payment again, as a new Stripe event: nothing is booked a second time
    again = flows.wait_run(flows.post_stripe_event("payment_intent.succeeded", intent,
                                                   event_id=unique("evt_")).json()["runs"][0], timeout=60)
    assert again["status"] == "succeeded"
    assert {s["step"]: s["status"] for s in again["steps"]}["erp_payment"] == "reused"
    assert tryton_split(erp, invoice, intent["id"]) == (applied, credit, 1)
    assert hub_applications(flows) == {"applied": applied, "credit": credit}
    assert flows.rows("SELECT count(*) FROM payments") == [(1,)]
