"""The used-by flows, end to end: a real hub process runs the bundled recipes; Salesforce,
HubSpot, Stripe and Slack are their sandboxes on real sockets; the ERP is a real trytond.
What is checked is what a user would check: the parties, sales, invoices and payments in
Tryton, the canonical records in the hub's store, the Slack messages, and that nothing doubled."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import uuid
from decimal import Decimal

import pytest

from connectors.hubspot.sandbox import create_app as hubspot_app
from connectors.salesforce.sandbox import create_app as salesforce_app
from connectors.sandbox import serve
from connectors.slack.sandbox import create_app as slack_app
from connectors.stripe.sandbox import create_app as stripe_app
from connectors.tryton import TrytonConnector
from hub.connector import ActionContext
from tests.support.flows import HUBSPOT_TOKEN, SF_CLIENT, STRIPE_KEY, STRIPE_WHSEC, Flows
from tests.support.tryton import start_server, stop, tryton_server, unavailable  # noqa: F401  (a session fixture)

pytestmark = pytest.mark.e2e

APPS = {"slack": lambda: slack_app(token="xoxb-test-token"),
        "stripe": lambda: stripe_app(api_key=STRIPE_KEY, webhook_secret=STRIPE_WHSEC),
        "salesforce": lambda: salesforce_app(client_id=SF_CLIENT[0], client_secret=SF_CLIENT[1]),
        "hubspot": lambda: hubspot_app(token=HUBSPOT_TOKEN)}


@pytest.fixture
def sandboxes():
    servers = {}
    for name, make in APPS.items():
        app = make()
        servers[name] = serve(app)
        servers[name].state = app.extensions["sandbox"]
    yield servers
    for server in servers.values():
        server.stop()


@pytest.fixture
def erp(tryton_server):  # noqa: F811
    """The test's own view of Tryton: what a user would open in the ERP."""
    connection = TrytonConnector.from_config("check", {
        "url": tryton_server.url, "database": tryton_server.database,
        "username": tryton_server.user, "password": tryton_server.password, "timeout": 60})
    yield connection
    connection.close()


@pytest.fixture
def flows(tmp_path, tryton_server, sandboxes):  # noqa: F811
    hub = Flows(tmp_path, tryton_server, {name: s.url for name, s in sandboxes.items()})
    hub.start(timeout=30)
    yield hub
    hub.stop()


@pytest.fixture
def fresh_tryton(tmp_path_factory):
    """A trytond of its own, on a fresh copy of the prepared database.

    Tryton numbers invoices in date order: once the shared server posted an invoice today, no
    invoice dated weeks ago can be posted there any more, and an overdue invoice needs one.
    """
    try:
        process, server = start_server(tmp_path_factory.mktemp("trytond-fresh"))
    except (LookupError, RuntimeError, OSError) as error:
        unavailable(str(error))
    yield server
    stop(process)


def unique(prefix: str) -> str:
    """Tryton lives for the whole session: every test names its records afresh."""
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def shopify_order(number: int, email: str, name: str) -> dict:
    """An orders/create payload as Shopify sends it (prices without tax, so the ERP total matches)."""
    first, last = name.split(" ", 1)
    lines = [("TEA-GREEN-250", "Green tea, 250 g", 3, "12.90"), ("POT-CAST-1L", "Cast-iron teapot, 1 l", 1, "80.10"),
             ("CUP-SET-2", "Tea cups, set of 2", 2, "0.35")]
    return {
        "id": 820982911946000000 + number, "name": f"#{number}", "order_number": number, "email": email,
        "created_at": "2026-11-20T09:14:03-05:00", "updated_at": "2026-11-20T09:14:05-05:00",
        "currency": "EUR", "financial_status": "paid", "test": False,
        "subtotal_price": "119.50", "total_tax": "0.00", "total_discounts": "0.00", "total_price": "119.50",
        "customer": {"id": 115310627314000000 + number, "email": email, "first_name": first, "last_name": last},
        "billing_address": {"first_name": first, "last_name": last, "address1": "Calle Mayor 12", "city": "Madrid",
                            "zip": "28013", "country_code": "ES"},
        "line_items": [{"id": 866550311766000000 + i, "sku": sku, "title": title, "quantity": qty, "price": price}
                       for i, (sku, title, qty, price) in enumerate(lines)],
    }


def tryton_sale(erp, reference: str) -> dict:
    (sale,) = erp.client.search_read("sale.sale", [("reference", "=", reference)],
                                     ["party", "lines", "state", "total_amount", "invoices", "number"])
    return sale


# --- 1. CRM → ERP customer sync ----------------------------------------------------------------


def party_by_identifier(erp, code: str) -> dict | None:
    found = erp.client.search_read("party.identifier", [("code", "=", code)], ["party"])
    if not found:
        return None
    (party,) = erp.client.read("party.party", [found[0]["party"]], ["name", "write_date", "addresses"])
    return party


def test_crm_accounts_become_tryton_parties_incrementally(flows, sandboxes, erp):
    names = [unique("Acme Tea "), unique("Kettle Works ")]
    accounts = sandboxes["salesforce"].state.org.put("Account", [
        {"Name": names[0], "BillingStreet": "Hauptstr. 1", "BillingCity": "Berlin", "BillingPostalCode": "10115",
         "BillingCountry": "DE"},
        {"Name": names[1], "BillingCity": "Hamburg"}])
    company_name = unique("Leaf & Co ")
    (company,) = sandboxes["hubspot"].state.put("companies", [{"properties": {"name": company_name,
                                                                              "domain": "leaf.example"}}])

    flows.settled_runs("salesforce-accounts-to-erp", 2)
    flows.settled_runs("hubspot-companies-to-erp", 1)
    parties = {a["Id"]: party_by_identifier(erp, f"salesforce:{a['Id']}") for a in accounts}
    assert [parties[a["Id"]]["name"] for a in accounts] == names
    assert party_by_identifier(erp, f"hubspot:{company['id']}")["name"] == company_name
    assert {r["status"] for r in flows.runs(recipe="salesforce-accounts-to-erp")} == {"succeeded"}
    stored = flows.rows("SELECT name FROM customers ORDER BY id")
    assert sorted(n for (n,) in stored) == sorted([*names, company_name])

    time.sleep(3.5)  # three more polls, nothing changed
    assert len(flows.runs(recipe="salesforce-accounts-to-erp")) == 2
    assert len(flows.runs(recipe="hubspot-companies-to-erp")) == 1
    assert {a["Id"]: party_by_identifier(erp, f"salesforce:{a['Id']}") for a in accounts} == parties
    assert erp.client.model("party.party", "search_count", [("name", "in", [*names, company_name])]) == 3

    renamed = names[0] + " GmbH"
    sandboxes["salesforce"].state.org.change("Account", accounts[0]["Id"], {"Name": renamed})
    runs = flows.settled_runs("salesforce-accounts-to-erp", 3)
    assert [r["status"] for r in runs] == ["succeeded"] * 3
    changed = party_by_identifier(erp, f"salesforce:{accounts[0]['Id']}")
    assert changed["id"] == parties[accounts[0]["Id"]]["id"] and changed["name"] == renamed
    assert party_by_identifier(erp, f"salesforce:{accounts[1]['Id']}") == parties[accounts[1]["Id"]]
    assert erp.client.model("party.party", "search_count", [("name", "in", [renamed, *names])]) == 2
    assert flows.rows("SELECT count(*) FROM customers WHERE name = ?", renamed) == [(1,)]


# --- 2. Webhook order import -------------------------------------------------------------------


def test_signed_shopify_order_becomes_a_confirmed_tryton_sale_once(flows, sandboxes, erp):
    number, email = int(time.time() * 1000) % 10**9, f"{unique('maria.')}@example.org"
    order = shopify_order(number, email, "María López")
    response = flows.post_shopify_order(order, webhook_id=f"wh-{number}")
    assert response.status_code == 202, response.text
    run = flows.wait_run(response.json()["runs"][0], timeout=60)
    assert run["status"] == "succeeded", run

    sale = tryton_sale(erp, str(number))
    assert sale["state"] in ("confirmed", "processing")
    assert sale["total_amount"] == Decimal("119.50")
    (party,) = erp.client.read("party.party", [sale["party"]], ["name", "email"])
    assert (party["name"], party["email"]) == ("María López", email)
    lines = erp.client.read("sale.line", sale["lines"], ["product", "quantity", "unit_price", "amount"])
    codes = [erp.client.read("product.product", [line["product"]], ["code"])[0]["code"] for line in lines]
    assert codes == ["TEA-GREEN-250", "POT-CAST-1L", "CUP-SET-2"]
    assert [line["quantity"] for line in lines] == [3, 1, 2]
    assert [line["unit_price"] for line in lines] == [Decimal("12.90"), Decimal("80.10"), Decimal("0.35")]
    assert [line["amount"] for line in lines] == [Decimal("38.70"), Decimal("80.10"), Decimal("0.70")]
    (message,) = sandboxes["slack"].state.messages
    assert message["message"]["text"] == (
        f"Order #{number} for María López is ERP sale {sale['number']} (EUR 119.50).")
    assert flows.rows("SELECT number, currency FROM sales_orders") == [(str(number), "EUR")]

    again = flows.post_shopify_order(order, webhook_id=f"wh-{number}")
    assert again.status_code == 200 and again.json()["duplicate"] is True
    forged = flows.post_shopify_order(dict(order, id=order["id"] + 1, name=f"#{number + 1}"),
                                      webhook_id=f"wh-{number}-forged", signature="bm90LXRoZS1zaWduYXR1cmU=")
    assert forged.status_code == 401
    time.sleep(1.0)  # time for a wrongly queued run to reach the ERP
    assert len(flows.runs(recipe="shopify-order-to-erp")) == 1
    assert flows.rows("SELECT count(*) FROM events WHERE source = 'webhook'") == [(1,)]
    assert erp.client.model("sale.sale", "search_count", [("reference", "in", [str(number), str(number + 1)])]) == 1
    assert erp.client.model("party.party", "search_count", [("name", "=", "María López"),
                                                            ("contact_mechanisms.value", "=", email)]) == 1
    assert len(sandboxes["slack"].state.messages) == 1


# --- 3. Payment → invoice ----------------------------------------------------------------------


def open_invoice(flows, erp, *, days_ago: int = 0) -> dict:
    """Import an order through the hub, then post its invoice in Tryton (dated ``days_ago``)."""
    number = int(time.time() * 1000) % 10**9
    order = shopify_order(number, f"{unique('ap.')}@example.org", "Jonas Berg")
    run = flows.wait_run(flows.post_shopify_order(order, webhook_id=f"wh-{number}").json()["runs"][0], timeout=60)
    assert run["status"] == "succeeded", run
    sale = tryton_sale(erp, str(number))
    if days_ago:
        # An invoice due in the past: Tryton asks the user to confirm such a due date once; the
        # confirmation is a res.user.warning row named after the invoice (as its client makes).
        dated = dt.date.today() - dt.timedelta(days=days_ago)
        erp.client.write("account.invoice", sale["invoices"],
                         {"invoice_date": dated, "accounting_date": dated, "payment_term_date": dated})
        (user,) = erp.client.search("res.user", [["login", "=", erp.client.username]])
        for invoice_id in sale["invoices"]:
            key = hashlib.md5(f"account.invoice,{invoice_id}".encode()).hexdigest()
            erp.client.create("res.user.warning", [{"user": user, "always": False,
                                                     "name": f"{key}.invoice_payment_term"}])
    (invoice,) = erp.actions()["post_invoice"]({"order_number": str(number)}, ActionContext(idempotency_key="t"))
    flows.wait_for(lambda: flows.rows("SELECT status FROM invoices WHERE number = ?", invoice["number"])
                   == [("open",)], f"invoice {invoice['number']} polled into the hub")
    return invoice


def payment_intent(invoice: dict, intent_id: str) -> dict:
    cents = int(Decimal(invoice["total"]) * 100)
    return {"id": intent_id, "object": "payment_intent", "amount": cents, "amount_received": cents,
            "currency": "eur", "status": "succeeded", "created": int(time.time()), "livemode": False,
            "customer": None, "latest_charge": f"ch_{intent_id[3:]}", "payment_method_types": ["card"],
            "metadata": {"invoice_number": invoice["number"]}}


def test_stripe_payment_pays_the_invoice_once_in_the_hub_and_in_tryton(flows, sandboxes, erp):
    invoice = open_invoice(flows, erp)
    intent = payment_intent(invoice, unique("pi_"))
    event_id = unique("evt_")
    response = flows.post_stripe_event("payment_intent.succeeded", intent, event_id=event_id)
    assert response.status_code == 202, response.text
    run = flows.wait_run(response.json()["runs"][0], timeout=60)
    assert run["status"] == "succeeded", run

    tryton_id = int(invoice["external_refs"][0]["id"])
    (paid,) = erp.client.read("account.invoice", [tryton_id], ["state", "amount_to_pay", "payment_lines"])
    assert paid["state"] == "paid" and paid["amount_to_pay"] == Decimal("0")
    assert len(paid["payment_lines"]) == 1
    ((status, due),) = flows.rows("SELECT status, amount_due FROM invoices WHERE number = ?", invoice["number"])
    assert (status, Decimal(str(due))) == ("paid", Decimal("0"))
    assert flows.rows("SELECT reference, amount FROM payments")[0][0] == intent["id"]
    assert flows.rows("SELECT payment_reference, invoice_number, kind FROM payment_applications") == [
        (intent["id"], invoice["number"], "applied")]
    texts = [m["message"]["text"] for m in sandboxes["slack"].state.messages]
    assert texts[-1] == (f"Payment {intent['id']} (EUR 119.50) applied to invoice {invoice['number']}: "
                         "now paid, EUR 0.00 still due.")

    again = flows.post_stripe_event("payment_intent.succeeded", intent, event_id=event_id)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    # Stripe may also send the same payment as a new event: the ERP is not paid twice.
    other = flows.wait_run(flows.post_stripe_event("payment_intent.succeeded", intent,
                                                   event_id=unique("evt_")).json()["runs"][0], timeout=60)
    assert other["status"] == "succeeded"
    assert {s["step"]: s["status"] for s in other["steps"]}["erp_payment"] == "reused"
    (after,) = erp.client.read("account.invoice", [tryton_id], ["payment_lines"])
    assert len(after["payment_lines"]) == 1
    assert flows.rows("SELECT count(*) FROM payments") == [(1,)]
    assert flows.rows("SELECT count(*) FROM payment_applications") == [(1,)]
    assert len(sandboxes["slack"].state.messages) == len(texts)


# --- 4. Slack alerts on late payments ----------------------------------------------------------


def test_late_payment_alerts_announce_each_overdue_invoice_once_until_paid(tmp_path, fresh_tryton, sandboxes):
    days_ago = min(45, dt.date.today().timetuple().tm_yday - 1)  # the fiscal year starts on 1 January
    if days_ago < 2:
        pytest.skip("too early in the year for an invoice of this fiscal year to be overdue")
    erp = TrytonConnector.from_config("check", {
        "url": fresh_tryton.url, "database": fresh_tryton.database,
        "username": fresh_tryton.user, "password": fresh_tryton.password, "timeout": 60})
    flows = Flows(tmp_path, fresh_tryton, {name: s.url for name, s in sandboxes.items()}).start(timeout=30)
    try:
        check_late_payment_alerts(flows, sandboxes["slack"].state, erp, days_ago)
    finally:
        flows.stop()
        erp.close()


def check_late_payment_alerts(flows, slack, erp, days_ago: int) -> None:
    invoice = open_invoice(flows, erp, days_ago=days_ago)  # the test company's term: due at once
    before = len(slack.messages)  # the order's announcement

    first = flows.cli("trigger", "late-payment-alerts")
    assert "succeeded" in first.stdout, first.stdout + first.stderr
    assert [m["message"]["text"] for m in slack.messages[before:]] == [
        f"Overdue: Jonas Berg, invoice {invoice['number']}, EUR 119.50 due, {days_ago} days late."]

    second = flows.cli("trigger", "late-payment-alerts")  # the next tick
    assert "succeeded" in second.stdout, second.stdout + second.stderr
    assert len(slack.messages) == before + 1

    intent = payment_intent(invoice, unique("pi_"))
    paid = flows.post_stripe_event("payment_intent.succeeded", intent, event_id=unique("evt_"))
    assert flows.wait_run(paid.json()["runs"][0], timeout=60)["status"] == "succeeded"
    announced = len(slack.messages)
    third = flows.cli("trigger", "late-payment-alerts")
    assert "succeeded" in third.stdout
    run_id = int(third.stdout.split("queued: run ")[1].split()[0])
    overdue = {s["step"]: s for s in flows.api("GET", f"/runs/{run_id}").json()["steps"]}["overdue"]
    assert invoice["number"] not in str(overdue["output"])
    assert len(slack.messages) == announced
