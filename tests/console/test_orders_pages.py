"""The console's Orders page through Flask's test client: find an order by its number or any
system's id, and see its 360° timeline with each event's source and status."""

from __future__ import annotations

import pytest

from hub.store.upsert import upsert
from tests.console.conftest import login

LINES = [{"sku": "TEA-GREEN-250", "quantity": "2", "unit_price": "50.00"}]


@pytest.fixture(scope="module")
def orders(hub):
    """SO-360: shipped, invoiced in the ERP and paid (closed); SO-361: shipped, not yet billed."""
    with hub.sessions.begin() as session:
        for number, shop_id in (("SO-360", "shop-360"), ("SO-361", "shop-361")):
            upsert(session, "sales_order", {"number": number, "currency": "EUR", "lines": LINES,
                                            "customer": {"email": "ap@acme.example"},
                                            "totals": {"total": "100.00"}}, ref=("shop", shop_id))
            upsert(session, "fulfillment", {"order_number": number, "number": f"F-{number}", "status": "shipped",
                                            "shipped_at": "2024-03-02T08:00:00Z",
                                            "lines": [{"sku": "TEA-GREEN-250", "quantity": "2"}]},
                   ref=("wms", f"wms-{number}"))
        upsert(session, "invoice", {"number": "INV-360", "order_number": "SO-360", "currency": "EUR",
                                    "total": "100.00", "amount_due": "0.00", "status": "paid",
                                    "customer": {"email": "ap@acme.example"},
                                    "lines": [{"sku": "TEA-GREEN-250", "quantity": "2"}]}, ref=("erp", "erp-inv-360"))
        upsert(session, "payment", {"reference": "pi_360", "amount": "100.00", "currency": "EUR",
                                    "received_at": "2024-03-20T09:00:00Z", "status": "received"}, ref=("stripe", "pi_360"))
        upsert(session, "payment_application", {"payment": "pi_360", "invoice": "INV-360", "kind": "applied",
                                                "amount": "100.00", "currency": "EUR",
                                                "applied_at": "2024-03-20T09:00:00Z"})


@pytest.fixture
def viewer(app):
    client = app.test_client()
    login(client, "viewer")
    return client


def timeline_rows(html: str) -> list[str]:
    body = html.split('id="timeline"', 1)[1].split("</tbody>", 1)[0]
    return [row.split('class="event-', 1)[1].split('"', 1)[0] for row in body.split("<tr")[2:]]


def test_an_order_by_its_number_shows_the_whole_timeline_with_sources_and_statuses(viewer, orders):
    page = viewer.get("/console/orders/?ref=SO-360")
    assert page.status_code == 200
    assert 'id="order-status">Closed<' in page.text
    assert timeline_rows(page.text) == ["order", "fulfillment", "invoice", "payment_application", "payment"]
    for source in ("shop <code>shop-360</code>", "wms <code>wms-SO-360</code>",
                   "erp <code>erp-inv-360</code>", "stripe <code>pi_360</code>"):
        assert source in page.text
    assert "100.00 to invoice INV-360" in page.text and ">Paid<" in page.text
    assert "100.00 EUR, due 0.00" in page.text  # stored as 100.0000, shown in cents


def test_an_order_by_another_systems_id_shows_its_status_in_words(viewer, orders):
    page = viewer.get("/console/orders/?ref=shop-361")
    assert page.status_code == 200
    assert "Order SO-361" in page.text and 'id="order-status">Awaiting Billing<' in page.text
    assert timeline_rows(page.text) == ["order", "fulfillment"]


def test_an_unknown_order_says_so_plainly(viewer, orders):
    page = viewer.get("/console/orders/?ref=nope-404")
    assert page.status_code == 404
    assert "No order has the number or external id <strong>nope-404</strong>" in page.text


@pytest.mark.parametrize(("query", "status", "text"), [
    ("", 200, "Type an order number"),
    ("?ref=" + "9" * 201, 400, "at most 200 characters"),
    ("?ref=%3Cscript%3E", 404, "<strong>&lt;script&gt;</strong>"),
], ids=["empty", "too-long", "escaped"])
def test_the_search_box_answers_every_input_with_a_page(viewer, query, status, text):
    page = viewer.get("/console/orders/" + query)
    assert page.status_code == status and text in page.text


def test_anyone_not_logged_in_is_sent_to_the_login_page(app):
    answer = app.test_client().get("/console/orders/?ref=SO-360")
    assert answer.status_code == 302 and "/console/login" in answer.headers["Location"]
