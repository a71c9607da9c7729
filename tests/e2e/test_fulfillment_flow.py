"""Fulfilment to invoice end to end: a real hub process runs the bundled Shopify recipes, the
ERP is a real trytond, webhooks are signed and posted over real sockets. An imported order is
shipped in two fulfilments: the first one is stored and the goods it shipped are invoiced and
posted in Tryton (the order stays partially fulfilled), the second one ships and invoices the
rest, and the hub's order is invoiced for the order's total with the posted invoices' numbers,
each fact in the 360° view with its source system and status."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from tests.e2e.test_order_life import post_shopify, run_of
from tests.e2e.test_used_by_flows import (  # noqa: F401  (fixtures)
    erp, sandboxes, shopify_order, tryton_server, tryton_sale, unique,
)
from tests.support.flows import Flows

pytestmark = pytest.mark.e2e

RECIPES = ("shopify-order-to-erp.yaml", "shopify-fulfillment-to-erp.yaml")


@pytest.fixture
def flows(tmp_path, tryton_server, sandboxes):  # noqa: F811
    hub = Flows(tmp_path, tryton_server, {name: s.url for name, s in sandboxes.items()}, recipes=RECIPES)
    hub.start(timeout=30)
    yield hub
    hub.stop()


def fulfilment(order: dict, seq: int, **shipped) -> dict:
    """A fulfillments/create payload as Shopify sends it."""
    return {"id": 255858046000000 + order["order_number"] * 10 + seq, "order_id": order["id"],
            "name": f"{order['name']}.{seq}", "status": "success", "created_at": "2026-11-21T10:00:00-05:00",
            "tracking_company": "DHL", "tracking_number": f"JD{order['order_number']}{seq}",
            "line_items": [{"sku": sku, "quantity": q} for sku, q in shipped.items()]}


def order_status(flows: Flows, number: int) -> str:
    return flows.rows("SELECT status FROM sales_orders WHERE number = ?", str(number))[0][0]


def test_fulfilments_invoice_what_shipped_in_tryton_and_the_order_turns_invoiced(flows, erp):
    number = int(time.time() * 1000) % 10**9
    order = shopify_order(number, f"{unique('ful.')}@example.org", "Fiona Fulfil")
    assert run_of(flows, post_shopify(flows, "orders/create", order, webhook_id=f"wh-{number}"))["status"] == "succeeded"
    assert order_status(flows, number) == "booked"

    first = run_of(flows, post_shopify(flows, "fulfillments/create", fulfilment(order, 1, **{"TEA-GREEN-250": 3}),
                                       webhook_id=f"wh-{number}-f1"))
    assert first["status"] == "succeeded", first
    assert order_status(flows, number) == "partially_fulfilled"

    last = fulfilment(order, 2, **{"POT-CAST-1L": 1, "CUP-SET-2": 2})
    second = run_of(flows, post_shopify(flows, "fulfillments/create", last, webhook_id=f"wh-{number}-f2"))
    assert second["status"] == "succeeded", second
    saved = {step["step"]: step for step in second["steps"]}
    assert saved["saved"]["status"] == "succeeded" and saved["saved_invoice"]["status"] == "succeeded"
    assert order_status(flows, number) == "invoiced"

    sale = tryton_sale(erp, str(number))
    posted = erp.client.read("account.invoice", sale["invoices"], ["number", "state", "total_amount"])
    assert {row["state"] for row in posted} == {"posted"} and len(posted) == 2
    assert sum((row["total_amount"] for row in posted), Decimal(0)) == Decimal(order["total_price"])
    stored = flows.rows("SELECT number, status, total FROM invoices ORDER BY id")
    assert sorted(n for n, _, _ in stored) == sorted(row["number"] for row in posted)
    assert sum((Decimal(str(t)) for _, _, t in stored), Decimal(0)) == Decimal("119.50")

    # a second delivery of the last fulfilment changes nothing in Tryton
    again = run_of(flows, post_shopify(flows, "fulfillments/create", last, webhook_id=f"wh-{number}-f2-again"))
    assert again["status"] == "succeeded" and {s["step"]: s["status"] for s in again["steps"]}["erp_invoice"] == "reused"

    view = flows.api("GET", f"/orders/{number}/360").json()
    assert view["status"] == "invoiced"
    timeline = [(e["kind"], e["sources"], e["status"]) for e in view["timeline"]]
    assert timeline[0] == ("order", ["shopify"], "invoiced")
    assert [t for t in timeline if t[0] == "fulfillment"] == [("fulfillment", ["shopify"], "shipped")] * 2
    # the recipe keys the invoice on the connection (ledger) as well as Tryton's own ref
    assert [(k, "tryton" in sources, status) for k, sources, status in timeline if k == "invoice"] == [
        ("invoice", True, "open")] * 2
    assert [e["label"] for e in view["timeline"] if e["kind"] == "invoice"] == [n for n, _, _ in stored]
