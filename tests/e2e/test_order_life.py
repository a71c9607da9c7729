"""An order's life after its import, end to end: a real hub process runs the bundled Shopify
recipes, Slack is its sandbox, the ERP is a real trytond, webhooks are signed and posted over
real sockets. A cancelled order is taken back in Tryton (its draft invoice and its shipment
cancelled, nothing left to invoice), the hub's order turns cancelled, and a second delivery of
the cancellation changes nothing. A refund of one line credits that line in Tryton and books the
money paid back; the hub keeps the refund as a negative payment and the credit note. Two partial
Stripe refunds of one card payment are credited and paid back in Tryton for exactly their own
amounts, once each, however often Stripe delivers them."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
import requests

from connectors.shopify.webhooks import sign as shopify_sign
from hub import jsonutil
from tests.e2e.test_used_by_flows import (  # noqa: F401  (fixtures)
    erp, open_invoice, payment_intent, sandboxes, shopify_order, tryton_server, tryton_sale, unique,
)
from tests.support.flows import SHOPIFY_SECRET, Flows

pytestmark = pytest.mark.e2e

RECIPES = ("shopify-order-to-erp.yaml", "shopify-order-cancelled-to-erp.yaml", "shopify-refund-to-erp.yaml")
STRIPE_RECIPES = ("shopify-order-to-erp.yaml", "erp-invoices-to-hub.yaml", "stripe-payment-to-invoice.yaml",
                  "stripe-refund-to-erp.yaml")


@pytest.fixture
def flows(tmp_path, tryton_server, sandboxes):  # noqa: F811
    hub = Flows(tmp_path, tryton_server, {name: s.url for name, s in sandboxes.items()}, recipes=RECIPES)
    hub.start(timeout=30)
    yield hub
    hub.stop()


@pytest.fixture
def stripe_flows(tmp_path, tryton_server, sandboxes):  # noqa: F811
    hub = Flows(tmp_path, tryton_server, {name: s.url for name, s in sandboxes.items()}, recipes=STRIPE_RECIPES)
    hub.start(timeout=30)
    yield hub
    hub.stop()


def post_shopify(flows: Flows, topic: str, payload: dict, *, webhook_id: str) -> requests.Response:
    """A Shopify webhook of ``topic``, signed with the app secret."""
    body = jsonutil.dumps(payload).encode()
    headers = {"Content-Type": "application/json", "X-Shopify-Topic": topic, "X-Shopify-Webhook-Id": webhook_id,
               "X-Shopify-Hmac-Sha256": shopify_sign(body, SHOPIFY_SECRET)}
    return requests.post(flows.url + "/webhooks/shopify", data=body, headers=headers, timeout=10)


def run_of(flows: Flows, response: requests.Response) -> dict:
    assert response.status_code == 202, response.text
    return flows.wait_run(response.json()["runs"][0], timeout=60)


def test_an_order_cancelled_in_shopify_is_taken_back_in_tryton_and_cancelled_in_the_hub(flows, sandboxes, erp):
    number = int(time.time() * 1000) % 10**9
    order = shopify_order(number, f"{unique('cxl.')}@example.org", "Ines Storno")
    assert run_of(flows, post_shopify(flows, "orders/create", order, webhook_id=f"wh-{number}"))["status"] == "succeeded"
    assert tryton_sale(erp, str(number))["state"] == "processing"

    cancelled = {**order, "cancelled_at": "2026-11-20T11:00:00-05:00", "cancel_reason": "customer",
                 "updated_at": "2026-11-20T11:00:01-05:00"}
    run = run_of(flows, post_shopify(flows, "orders/cancelled", cancelled, webhook_id=f"wh-{number}-cxl"))
    assert run["status"] == "succeeded", run

    sale = tryton_sale(erp, str(number))
    invoices = erp.client.read("account.invoice", sale["invoices"], ["state"])
    assert [row["state"] for row in invoices] == ["cancelled"]
    (states,) = erp.client.read("sale.sale", [sale["id"]], ["invoice_state", "shipment_state", "shipments"])
    assert (sale["state"], states["invoice_state"], states["shipment_state"]) == ("done", "none", "none")
    assert {row["state"] for row in erp.client.read("stock.shipment.out", states["shipments"], ["state"])} == {"cancelled"}
    assert flows.rows("SELECT number, status FROM sales_orders") == [(str(number), "cancelled")]
    assert sandboxes["slack"].state.messages[-1]["message"]["text"].startswith(
        f"Order #{number} was cancelled in Shopify: ERP sale {sale['number']} taken back, 1 draft invoice(s) cancelled")

    # Shopify delivers the cancellation again (a new webhook id): the ERP call is reused
    again = run_of(flows, post_shopify(flows, "orders/cancelled", cancelled, webhook_id=f"wh-{number}-cxl-2"))
    assert again["status"] == "succeeded", again
    assert {step["step"]: step["status"] for step in again["steps"]}["erp_cancel"] == "reused"
    assert erp.client.model("account.invoice", "search_count", [("party", "=", sale["party"])]) == 1
    assert flows.rows("SELECT count(*) FROM invoices") == [(0,)]


def test_a_shopify_refund_of_one_line_credits_it_in_tryton_and_is_kept_in_the_hub(flows, sandboxes, erp):
    number = int(time.time() * 1000) % 10**9
    order = shopify_order(number, f"{unique('ref.')}@example.org", "Rui Refund")
    assert run_of(flows, post_shopify(flows, "orders/create", order, webhook_id=f"wh-{number}"))["status"] == "succeeded"
    (invoice,) = erp.actions()["post_invoice"]({"order_number": str(number)}, None)
    refund = {"id": 509562000 + number % 1000, "order_id": order["id"], "created_at": "2026-11-21T10:00:00-05:00",
              "restock": True, "refund_line_items": [{"quantity": 1, "line_item": {
                  "sku": "TEA-GREEN-250", "name": "Green tea, 250 g", "price": "12.90"}}],
              "transactions": [{"kind": "refund", "status": "success", "amount": "12.90", "currency": "EUR"}]}
    run = run_of(flows, post_shopify(flows, "refunds/create", refund, webhook_id=f"wh-{number}-refund"))
    assert run["status"] == "succeeded", run

    sale = tryton_sale(erp, str(number))
    notes = erp.client.search_read("account.invoice", [("party", "=", sale["party"]), ("total_amount", "<", 0)],
                                   ["number", "state", "total_amount", "description"])
    assert [(n["state"], n["total_amount"]) for n in notes] == [("paid", Decimal("-12.90"))]
    assert flows.rows("SELECT reference, amount FROM payments") == [
        (f"gid://shopify/Refund/{refund['id']}", -12.9)]
    assert flows.rows("SELECT number, kind, total FROM invoices WHERE kind = 'credit_note'") == [
        (notes[0]["number"], "credit_note", 12.9)]
    assert sandboxes["slack"].state.messages[-1]["message"]["text"].startswith(
        f"Refund of EUR 12.90 on order #{number}: credit note {notes[0]['number']} (EUR 12.90) for invoice "
        f"{invoice['number']}")


def stripe_refund(refund_id: str, intent: dict, cents: int, status: str = "succeeded") -> dict:
    """A refund as refund.created carries it (API 2022-11-15 and later): no metadata of its own."""
    return {"id": refund_id, "object": "refund", "amount": cents, "currency": "eur", "status": status,
            "charge": intent["latest_charge"], "payment_intent": intent["id"], "created": int(time.time()),
            "metadata": {}, "reason": "requested_by_customer"}


def test_two_partial_stripe_refunds_are_credited_and_paid_back_once_each(stripe_flows, sandboxes, erp):
    flows = stripe_flows
    invoice = open_invoice(flows, erp)
    intent = payment_intent(invoice, unique("pi_"))
    paid = flows.wait_run(flows.post_stripe_event("payment_intent.succeeded", intent, event_id=unique("evt_"))
                          .json()["runs"][0], timeout=60)
    assert paid["status"] == "succeeded", paid

    first, second = stripe_refund(unique("re_"), intent, 3000), stripe_refund(unique("re_"), intent, 2000)
    for refund in (first, second):
        run = run_of(flows, flows.post_stripe_event("refund.created", refund, event_id=unique("evt_")))
        assert run["status"] == "succeeded", run
    # the charge's own event repeats the running total (30.00, then 50.00): it books nothing
    charge = {"id": intent["latest_charge"], "object": "charge", "amount": intent["amount"], "currency": "eur",
              "payment_intent": intent["id"], "status": "succeeded", "captured": True, "refunded": False,
              "amount_refunded": 5000, "created": int(time.time()), "metadata": intent["metadata"]}
    assert flows.post_stripe_event("charge.refunded", charge, event_id=unique("evt_")).json()["runs"] == []
    # Stripe delivers the first refund again as a new event: the ERP's answer is reused
    again = run_of(flows, flows.post_stripe_event("refund.created", first, event_id=unique("evt_")))
    assert again["status"] == "succeeded", again
    assert {step["step"]: step["status"] for step in again["steps"]}["erp_refund"] == "reused"
    # a refund still pending stops before the ERP; refund.updated brings its success, once
    late = stripe_refund(unique("re_"), intent, 1000, status="pending")
    pending = run_of(flows, flows.post_stripe_event("refund.created", late, event_id=unique("evt_")))
    assert {step["step"]: step["status"] for step in pending["steps"]}["succeeded"] == "filtered"
    done = run_of(flows, flows.post_stripe_event("refund.updated", {**late, "status": "succeeded"},
                                                 event_id=unique("evt_")))
    assert done["status"] == "succeeded", done
    repeated = run_of(flows, flows.post_stripe_event("refund.updated", {**late, "status": "succeeded"},
                                                     event_id=unique("evt_")))
    assert {step["step"]: step["status"] for step in repeated["steps"]}["erp_refund"] == "reused"

    (row,) = erp.client.read("account.invoice", [int(invoice["external_refs"][0]["id"])], ["party"])
    notes = erp.client.search_read("account.invoice", [("party", "=", row["party"]), ("total_amount", "<", 0)],
                                   ["number", "description", "state", "total_amount", "payment_lines"])
    assert sorted((n["description"], n["total_amount"], n["state"]) for n in notes) == sorted([
        (f"Refund {first['id']}", Decimal("-30.00"), "paid"), (f"Refund {second['id']}", Decimal("-20.00"), "paid"),
        (f"Refund {late['id']}", Decimal("-10.00"), "paid")])
    paid_back = erp.client.read("account.move.line", [i for n in notes for i in n["payment_lines"]], ["debit", "credit"])
    assert sum(line["debit"] - line["credit"] for line in paid_back) == Decimal("60.00")
    assert sorted(flows.rows("SELECT reference, amount FROM payments")) == sorted([
        (intent["id"], 119.5), (first["id"], -30.0), (second["id"], -20.0), (late["id"], -10.0)])
    stored = flows.rows("SELECT number, total FROM invoices WHERE kind = 'credit_note'")  # other tests' too
    assert sorted(total for number, total in stored if number in {n["number"] for n in notes}) == [10, 20, 30]
    texts = [m["message"]["text"] for m in sandboxes["slack"].state.messages if "Stripe refund" in m["message"]["text"]]
    assert len(texts) == 3 and all(f"on invoice {invoice['number']}" in text for text in texts)
