"""Reconciliation against the ERP's live figures, end to end: a real hub process imports Shopify
orders into a real trytond of its own; then a sale booked for the wrong amount and a payment the
hub never saw are planted in Tryton, and the bundled reconcile recipes must report each with both
amounts, in the exceptions list and in one Slack message per run."""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

import pytest

from connectors.sandbox import serve
from connectors.slack.sandbox import create_app as slack_app
from connectors.tryton import TrytonConnector
from hub import jsonutil
from hub.connector import ActionContext
from tests.e2e.test_used_by_flows import shopify_order
from tests.support.flows import Flows
from tests.support.tryton import start_server, stop, unavailable

pytestmark = pytest.mark.e2e

RECIPES = ("shopify-order-to-erp.yaml", "reconcile-orders.yaml", "reconcile-payments.yaml")
CTX = ActionContext(idempotency_key="plant")


@pytest.fixture
def tryton(tmp_path_factory):
    """A trytond of its own: every sale and payment in it is one this test made."""
    try:
        process, server = start_server(tmp_path_factory.mktemp("trytond-reconcile"))
    except (LookupError, RuntimeError, OSError) as error:
        unavailable(str(error))
    yield server
    stop(process)


@pytest.fixture
def slack():
    app = slack_app(token="xoxb-test-token")
    with serve(app) as server:
        server.state = app.extensions["sandbox"]
        yield server


@pytest.fixture
def erp(tryton):
    connection = TrytonConnector.from_config("check", {
        "url": tryton.url, "database": tryton.database, "username": tryton.user,
        "password": tryton.password, "timeout": 60})
    yield connection
    connection.close()


@pytest.fixture
def flows(tmp_path, tryton, slack):
    urls = {"slack": slack.url, "stripe": "http://127.0.0.1:9", "salesforce": "http://127.0.0.1:9",
            "hubspot": "http://127.0.0.1:9"}
    hub = Flows(tmp_path, tryton, urls, recipes=RECIPES).start(timeout=30)
    yield hub
    hub.stop()


def import_order(flows, number: int) -> None:
    order = shopify_order(number, f"buyer{number}@example.org", "Ana Ruiz")
    response = flows.post_shopify_order(order, webhook_id=f"wh-{number}")
    assert response.status_code == 202, response.text
    assert flows.wait_run(response.json()["runs"][0], timeout=90)["status"] == "succeeded"


def plant_wrong_sale(erp, number: int) -> None:
    """The ERP's own sale of order ``number``, quoted at a wrong unit price before the hub sends it."""
    order = {"number": str(number), "currency": "EUR", "customer": {"name": "Ana Ruiz",
                                                                     "email": f"buyer{number}@example.org"},
             "billing_address": {"line1": "Calle Mayor 12", "city": "Madrid", "postal_code": "28013"},
             "lines": [{"sku": "TEA-GREEN-250", "description": "Green tea, 250 g", "quantity": "3",
                        "unit_price": "12.90"},
                       {"sku": "POT-CAST-1L", "description": "Cast-iron teapot, 1 l", "quantity": "1",
                        "unit_price": "90.10"},
                       {"sku": "CUP-SET-2", "description": "Tea cups, set of 2", "quantity": "2",
                        "unit_price": "0.35"}]}
    sale_id = erp.sales.insert(order, action="plant")
    erp.client.model("sale.sale", "quote", [sale_id])


def trigger(flows, recipe: str) -> dict:
    """Run ``recipe`` now; its ``differences`` step output."""
    done = flows.cli("trigger", recipe)
    assert "succeeded" in done.stdout, done.stdout + done.stderr + flows.log.read_text()[-3000:]
    run_id = int(done.stdout.split("queued: run ")[1].split()[0])
    steps = {s["step"]: s for s in flows.api("GET", f"/runs/{run_id}").json()["steps"]}
    return steps["differences"]["output"]


def rows(output: dict) -> list[tuple]:
    """The differences of a reconcile step's output, amounts as exact decimals (the API answers JSON numbers)."""
    def exact(value):
        return None if value is None else Decimal(str(value)).quantize(Decimal("0.01"))
    return [(d["kind"], d["key"], d["field"], exact(d["left"]), exact(d["right"])) for d in output["differences"]]


def exceptions(flows, name: str) -> list[dict]:
    listed = flows.cli("exceptions", "list", "--reconciliation", name, "--json")
    return jsonutil.loads(listed.stdout) if listed.stdout.strip() else []


def test_reconciliation_reports_wrong_erp_totals_and_unknown_payments_with_both_amounts(flows, erp, slack):
    base = int(time.time()) % 10**6 * 10
    for number in (base + 1, base + 2):
        import_order(flows, number)
    announced = len(slack.state.messages)

    clean = trigger(flows, "reconcile-orders")
    assert (clean["count"], clean["matched"]) == (0, 2)
    assert [m["message"]["text"] for m in slack.state.messages[announced:]] == [
        "Orders vs ERP: 0 difference(s), 2 order(s) agree to the cent."]
    assert exceptions(flows, "storefront-vs-erp") == []

    planted = base + 3
    plant_wrong_sale(erp, planted)
    import_order(flows, planted)  # the hub finds the quoted sale and confirms it as it is
    (sale,) = erp.client.search_read("sale.sale", [("reference", "=", str(planted))], ["total_amount", "state"])
    assert sale["total_amount"] == Decimal("129.50") and sale["state"] == "processing"
    announced = len(slack.state.messages)

    found = trigger(flows, "reconcile-orders")
    assert (found["count"], found["matched"]) == (1, 2)
    assert rows(found) == [("mismatched", str(planted), "total", Decimal("119.50"), Decimal("129.50"))]
    assert [m["message"]["text"] for m in slack.state.messages[announced:]] == [
        f"Orders vs ERP: 1 difference(s), 2 order(s) agree to the cent; #{planted} total hub 119.50 / ERP 129.50. "
        "1 open exception(s): o2c-hub exceptions list --reconciliation storefront-vs-erp"]
    (row,) = exceptions(flows, "storefront-vs-erp")
    assert (row["kind"], row["key"], row["field"], row["left"], row["right"]) == (
        "mismatched", str(planted), "total", "119.50", "129.50")
    text = flows.cli("exceptions", "list", "--reconciliation", "storefront-vs-erp").stdout
    assert f"{planted} total: 119.50 != 129.50" in text

    invoice, = erp.actions()["post_invoice"]({"order_number": str(base + 1)}, CTX)
    erp.actions()["record_payment"]({"invoice": {"number": invoice["number"]}, "payment": {
        "reference": "wire-unknown-1", "amount": "50.00", "currency": "EUR",
        "value_date": dt.date.today().isoformat()}}, CTX)
    announced = len(slack.state.messages)
    payments = trigger(flows, "reconcile-payments")
    assert rows(payments) == [("missing_left", "wire-unknown-1", "amount", None, Decimal("50.00"))]
    assert [m["message"]["text"] for m in slack.state.messages[announced:]] == [
        "Payments vs ERP: 1 difference(s), 0 payment(s) agree to the cent; wire-unknown-1 amount hub missing / "
        "ERP 50.00. 1 open exception(s): o2c-hub exceptions list --reconciliation stripe-vs-erp-payments"]
    (row,) = exceptions(flows, "stripe-vs-erp-payments")
    assert (row["kind"], row["key"], row["left"], row["right"]) == ("missing_left", "wire-unknown-1", None, "50.00")
