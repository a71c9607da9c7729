"""``o2c-hub demo``: the hub with every system of its config file as a local sandbox, and an
order-to-cash day played through it.

Each sandbox speaks its vendor's real API shape on the port its connection's URL names in the
config file (as ``o2c-hub init`` writes it, overridable through the same environment variables):

    ERP (generic JSON API) 9200   Slack 9201   Shopify 9202   Stripe 9203
    Salesforce 9210   HubSpot 9211   Odoo (the ERP of the bundled recipes) 9269

The hub serves on the config's port (8080) with the configured database, started afresh (see
hub/demo_database.py: only a database the demo made itself is wiped, one demo at a time), so
every other command run with the same config sees the demo's runs. Then the day is played in
order: CRM accounts synced to the ERP, storefront orders imported (one while the ERP answers
503, so it is retried), invoices posted in the ERP and polled, Stripe payments applied, overdue
invoices announced on Slack. Then the hub keeps serving until Ctrl-C (``--once``: it stops).
See what arrived at, e.g.:
    curl -s http://127.0.0.1:9201/_sandbox/messages      (Slack)
    curl -s http://127.0.0.1:9269/_sandbox/records/sale.order   (Odoo sale orders)
"""

from __future__ import annotations

import copy
import datetime as dt
import logging
import os
import signal
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import select

from connectors.http.sandbox import create_app as erp_sandbox
from connectors.hubspot.sandbox import create_app as hubspot_sandbox
from connectors.odoo.sandbox import create_app as odoo_sandbox
from connectors.salesforce.sandbox import create_app as salesforce_sandbox
from connectors.sandbox import serve as serve_sandbox
from connectors.shopify.sandbox import create_app as shopify_sandbox
from connectors.shopify.sandbox import send_webhook
from connectors.slack.sandbox import create_app as slack_sandbox
from connectors.stripe.sandbox import create_app as stripe_sandbox
from connectors.stripe.sandbox import make_event, send_event
from hub import STARTER, jsonutil
from hub.cli_common import fail
from hub.demo_database import DemoDatabase
from hub.errors import ConfigError, DemoRefused, UserError
from hub.hub import Hub
from hub.registry import ConnectorRegistry
from hub.runs.poller import poll_once
from hub.scheduler import fire_schedule
from hub.settings import Settings, load_settings
from hub.statuses import DONE_STEPS, RunStatus
from hub.store.platform import Run

log = logging.getLogger("o2c_hub.demo")

FINISHED = (RunStatus.SUCCEEDED, RunStatus.DEAD)  # the day's recipes hold no order
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def env(name: str, default: str) -> str:
    return os.environ.get(name, default)


# Each sandbox stands in for one connection of the config: (connection, its URL key, the app).
SANDBOXES: dict[str, tuple[str, str, Callable[[], Any]]] = {
    "erp": ("erp", "base_url", lambda: erp_sandbox(token=env("ERP_TOKEN", "demo-erp-token"))),
    "slack": ("slack", "base_url", lambda: slack_sandbox(token=env("SLACK_TOKEN", "xoxb-demo"))),
    "shopify": ("shopify", "shop_url", lambda: shopify_sandbox(
        token=env("SHOPIFY_ACCESS_TOKEN", "shpat_sandbox"), secret=env("SHOPIFY_CLIENT_SECRET", "demo-shop-secret"))),
    "stripe": ("stripe", "base_url", lambda: stripe_sandbox(
        api_key=env("STRIPE_SECRET_KEY", "sk_test_sandbox"),
        webhook_secret=env("STRIPE_WEBHOOK_SECRET", "whsec_sandbox"))),
    "salesforce": ("salesforce", "login_url", lambda: salesforce_sandbox(
        client_id=env("SF_CLIENT_ID", "sandbox-client"), client_secret=env("SF_CLIENT_SECRET", "sandbox-secret"))),
    "hubspot": ("hubspot", "base_url", lambda: hubspot_sandbox(token=env("HUBSPOT_TOKEN", "pat-sandbox"))),
    "odoo": ("ledger", "url", lambda: odoo_sandbox(
        database=env("ODOO_DATABASE", "sandbox"), key=env("ODOO_API_KEY", "sandbox-key"))),
}


# Recipes the day does not play, and why: what they talk to has no stand-in here.
NOT_PLAYED = {"invoice-delivery": "it e-mails invoices over SMTP, and the demo has no mail server"}


class Sandboxes(dict):
    """Every sandbox, started; ``state(name)`` is its in-memory system."""

    def start(self, settings: Settings) -> Sandboxes:
        """Start each sandbox on its connection's port (DemoRefused: one is not on this machine or not free)."""
        ports = {name: sandbox_port(settings, name) for name in SANDBOXES}
        for name, port in ports.items():
            _port_is_free("127.0.0.1", port, f"the {name} sandbox")
        for name, port in ports.items():
            app = SANDBOXES[name][2]()
            self[name] = serve_sandbox(app, port=port)
            self[name].state = app.extensions.get("sandbox")
        return self

    def stop(self) -> None:
        for server in self.values():
            server.stop()


def sandbox_port(settings: Settings, name: str) -> int:
    """The port of the URL the config gives the connection ``name`` stands in for, on this machine."""
    connection, key, _ = SANDBOXES[name]
    found = settings.connections.get(connection)
    url = str((found.config if found is not None else {}).get(key) or "")
    parts = urlsplit(url)
    if parts.hostname not in LOOPBACK or not parts.port:
        raise DemoRefused(f"the demo stands in for connection {connection} on this machine, but its {key} is "
                          f"{url or 'missing'}; run the demo with the config o2c-hub init writes")
    return parts.port


def run_demo(hub_factory: Callable[[], Hub], config_path: str | Path, *, once: bool = False) -> int:
    """Start the sandboxes and the hub, play the day, then serve (``once``: stop). Exit status."""
    try:
        settings = load_settings(config_path, ConnectorRegistry.from_entry_points())
        with DemoDatabase(settings.database_url, settings.path):
            _port_is_free(settings.host, settings.port, "the hub")
            return _run(hub_factory, Sandboxes().start(settings), once)
    except (DemoRefused, ConfigError) as exc:
        fail(str(exc))  # o2c-hub: <why>, as every command's failure


def _run(hub_factory: Callable[[], Hub], sandboxes: Sandboxes, once: bool) -> int:
    from hub.server import serve

    outcome: dict[str, bool] = {}
    try:
        hub = hub_factory()
        hub.recipes = MappingProxyType({slug: r for slug, r in hub.recipes.items() if slug not in NOT_PLAYED})
        _quiet_logs()
        day = threading.Thread(target=_play, args=(hub, sandboxes, once, outcome), name="demo-day", daemon=True)
        day.start()
        serve(hub)  # until Ctrl-C / SIGTERM (the day sends SIGTERM itself with --once)
    finally:
        sandboxes.stop()
    return 0 if outcome.get("ok") else 1


def _port_is_free(host: str, port: int, what: str) -> None:
    """Refuse in one line now rather than fail later (werkzeug exits the process on a taken port)."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers do: TIME_WAIT is no obstacle
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise DemoRefused(f"port {port} for {what} is not free ({exc.strerror}); "
                              "is another demo or hub running?") from None


def _quiet_logs() -> None:
    """The narrative goes to stdout; only warnings from the machinery."""
    for name in ("alembic", "apscheduler", "waitress", "o2c_hub", "werkzeug"):
        logging.getLogger(name).setLevel(logging.WARNING)


def _play(hub: Hub, sandboxes: Sandboxes, once: bool, outcome: dict[str, bool]) -> None:
    try:
        _wait_until_serving(hub)
        _console_login(hub)
        DemoDay(hub, sandboxes).play()
        outcome["ok"] = True
        say("\nThe hub keeps running" + (": stopping (--once)." if once else
            " — try the commands of the README's \"See it work\". Ctrl-C stops everything."))
    except Exception as exc:  # the narrative says what failed; the process then stops
        say(f"\nThe demo day failed: {type(exc).__name__}: {hub.redactor.text(str(exc))}")
        once = True
    if once:
        os.kill(os.getpid(), signal.SIGTERM)


def _console_login(hub: Hub) -> None:
    """An admin for the web console, with a password made now and printed once (the demo's
    database is new each time, so is the password; nothing published can log in to a hub)."""
    import secrets

    from hub.users import add_user

    password = secrets.token_urlsafe(12)
    try:
        add_user(hub.sessions, "admin", "admin", password, who="o2c-hub demo", reason="the demo's login")
    except UserError:  # kept from an earlier demo in this database: its password stands
        say(f"Web console: {_hub_url(hub)}/console/  (log in as admin)")
        return
    say(f"Web console: {_hub_url(hub)}/console/  (log in as admin, password {password}; shown only now)")


def _wait_until_serving(hub: Hub, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{_hub_url(hub)}/healthz", timeout=5).ok:
                return
        except requests.RequestException:  # not listening yet, or too busy starting to answer
            pass
        time.sleep(0.1)
    raise TimeoutError("the hub did not start serving")


def _hub_url(hub: Hub) -> str:
    return f"http://127.0.0.1:{hub.settings.port}"


def say(text: str) -> None:
    print(text, flush=True)


class DemoDay:
    """The day's events, in order, each with a one-line summary of what the hub did."""

    def __init__(self, hub: Hub, sandboxes: Sandboxes):
        self.hub, self.sandboxes = hub, sandboxes
        self.odoo = sandboxes["odoo"].state
        self.slack = sandboxes["slack"].state
        self.today = dt.date.today()

    def play(self) -> None:
        say(f"o2c-hub demo: the hub serves on {_hub_url(self.hub)} with {len(self.hub.recipes)} recipes; "
            "sandboxes: " + ", ".join(f"{n} :{s.port}" for n, s in self.sandboxes.items()))
        for slug, why in NOT_PLAYED.items():
            say(f"       (recipe {slug} is not played: {why})")
        self.crm_customers()
        orders = self.storefront_orders()
        invoices = self.erp_invoices(orders)
        self.stripe_payment(invoices[0])
        self.late_payments()
        self.summary()

    # --- the steps of the day -------------------------------------------------------------

    def crm_customers(self) -> None:
        say("\n08:00  Sales added customers in the CRM: two accounts in Salesforce, one company in HubSpot.")
        # Counted before the records exist: the scheduler may poll them before we do.
        expected = {"salesforce-accounts-to-erp": 2, "hubspot-companies-to-erp": 1}
        before = {slug: len(self.runs(slug)) for slug in expected}
        self.sandboxes["salesforce"].state.org.put("Account", [
            {"Name": "Acme Tea GmbH", "BillingStreet": "Hauptstr. 1", "BillingCity": "Berlin",
             "BillingPostalCode": "10115", "BillingCountry": "DE"},
            {"Name": "Kettle Works Ltd", "BillingCity": "Leeds", "BillingCountry": "GB"}])
        self.sandboxes["hubspot"].state.put("companies", [{"properties": {"name": "Leaf & Co", "domain": "leaf.example"}}])
        runs = [run for slug, seen in before.items() for run in self.poll(slug, seen, expected[slug])]
        partners = len(self.odoo.table("res.partner"))
        say(f"       → {sum(r.status == RunStatus.SUCCEEDED for r in runs)} customers synced to the ERP "
            f"({partners} partners in Odoo)")

    def storefront_orders(self) -> list[dict[str, Any]]:
        say("\n10:30  Two orders arrive from the Shopify store as signed orders/create webhooks.")
        first = jsonutil.loads((STARTER / "samples" / "order-created.json").read_bytes())
        second = _second_order(first)
        done = [self.order(first)]
        say("       The ERP is having a bad moment: it answers 503 to the next call.")
        self.odoo.faults.push(503)
        done.append(self.order(second))
        return done

    def order(self, order: dict[str, Any]) -> dict[str, Any]:
        status = send_webhook(f"{_hub_url(self.hub)}/webhooks/shopify", "orders/create", order,
                              self.sandboxes["shopify"].state.secret, webhook_id=f"demo-{order['id']}")
        if status != 202:
            raise RuntimeError(f"the hub answered {status} to order {order['name']}")
        run = self.wait_for_runs("shopify-order-to-erp", lambda r: r.status in FINISHED)[-1]
        sale = self.output(run, "erp_sale") or {}
        note = ""
        if run.attempt > 1:
            note = f"  (ERP answered 503, retried, succeeded at attempt {run.attempt})"
        say(f"       → order {order['name']} → ERP sale {sale.get('number')} "
            f"({order['currency']} {order['total_price']}){note}")
        return order

    def erp_invoices(self, orders: list[dict[str, Any]]) -> list[str]:
        say("\n14:00  Accounting posts the invoices in the ERP; one from last month is still unpaid.")
        partners = {p.get("name"): p["id"] for p in self.odoo.table("res.partner").values()}
        seen = len(self.runs("erp-invoices-to-hub"))
        numbers = [self.invoice(partners, _name(o), o["name"].lstrip("#"), o["total_price"], self.today)
                   for o in orders]
        numbers.append(self.invoice(partners, "Acme Tea GmbH", "SF-0815", "980.00",
                                    self.today - dt.timedelta(days=45)))
        runs = self.poll("erp-invoices-to-hub", seen, len(numbers))
        say(f"       → {sum(r.status == RunStatus.SUCCEEDED for r in runs)} invoices polled into the hub "
            f"({', '.join(numbers)})")
        return numbers

    def invoice(self, partners: dict[str, int], customer: str, origin: str, total: str, issued: dt.date) -> str:
        move_id = self.odoo.add_invoice({
            "partner_id": [partners.get(customer, 0), customer], "invoice_origin": origin,
            "amount_total": total, "currency": "EUR", "invoice_date": issued.isoformat(),
            "invoice_date_due": (issued + dt.timedelta(days=14)).isoformat()})
        self.odoo.execute("account.move", "action_post", [[move_id]], {})
        return self.odoo.table("account.move")[move_id]["name"]

    def stripe_payment(self, invoice_number: str) -> None:
        say(f"\n16:00  The customer pays invoice {invoice_number} by card; Stripe sends payment_intent.succeeded.")
        stripe = self.sandboxes["stripe"].state
        intent = stripe.add({"id": "pi_3DemoPaysInvoice1", "object": "payment_intent", "amount": 14137,
                             "amount_received": 14137, "currency": "eur", "status": "succeeded",
                             "created": int(time.time()), "livemode": False, "customer": None,
                             "metadata": {"invoice_number": invoice_number}})
        event = make_event("payment_intent.succeeded", intent, "evt_demo_payment_1")
        for _ in range(2):  # Stripe delivers at least once: the second delivery changes nothing
            send_event(f"{_hub_url(self.hub)}/webhooks/stripe", event, stripe.webhook_secret)
        run = self.wait_for_runs("stripe-payment-to-invoice", lambda r: r.status in FINISHED)[-1]
        paid = (self.output(run, "erp_payment") or {}).get("invoice") or {}
        say(f"       → payment {intent['id']} applied to invoice {invoice_number} "
            f"(now {paid.get('status')}; the event was delivered twice, paid once)")

    def late_payments(self) -> None:
        say("\n17:00  The late-payment check runs (scheduled weekdays 08:00; fired now for the demo).")
        before = len(self.slack.messages)
        fire_schedule(self.hub, self.hub.recipes["late-payment-alerts"])
        self.wait_for_runs("late-payment-alerts", lambda r: r.status in FINISHED)
        say(f"       → Slack: {len(self.slack.messages) - before} overdue invoice announced")

    def summary(self) -> None:
        with self.hub.sessions() as session:
            runs = session.scalars(select(Run)).all()
            retried = sum(r.attempt > 1 for r in runs)
            ok = sum(r.status == RunStatus.SUCCEEDED for r in runs)
        say(f"\nDay done: {ok} of {len(runs)} runs succeeded, {retried} after a retry; "
            f"{len(self.slack.messages)} Slack messages:")
        for message in self.slack.messages:
            say(f"       #{message.get('channel_name') or 'ar-alerts'}: {message['message']['text']}")

    # --- helpers ----------------------------------------------------------------------------

    def poll(self, slug: str, seen: int, expected: int, timeout: float = 90) -> list[Run]:
        """Poll now, and again each second until ``expected`` records have come (the scheduler
        would, at the recipe's interval; a connector may hold back records changed in the last
        seconds); the runs after the first ``seen`` ones, once finished."""
        deadline = time.monotonic() + timeout
        while len(self.runs(slug)) < seen + expected and time.monotonic() < deadline:
            poll_once(self.hub, self.hub.recipes[slug])
            if len(self.runs(slug)) < seen + expected:
                time.sleep(1)
        return self.wait_for_runs(slug, lambda r: r.status in FINISHED)[seen:]

    def runs(self, slug: str) -> list[Run]:
        with self.hub.sessions() as session:
            found = session.scalars(select(Run).where(Run.recipe == slug).order_by(Run.id)).all()
            session.expunge_all()
            return list(found)

    def wait_for_runs(self, slug: str, done: Callable[[Run], bool], timeout: float = 90) -> list[Run]:
        """Every run of ``slug``, once all of them are ``done`` (retries included)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            runs = self.runs(slug)
            if runs and all(done(r) for r in runs):
                return runs
            time.sleep(0.2)
        raise TimeoutError(f"runs of {slug} did not finish within {timeout:.0f} s")

    def output(self, run: Run, step_id: str) -> Any:
        with self.hub.sessions() as session:
            found = session.get(Run, run.id)
            outputs = [s.output for s in found.steps if s.step_id == step_id and s.status in DONE_STEPS]
        return outputs[-1] if outputs else None


def _name(order: dict[str, Any]) -> str:
    customer = order.get("customer") or {}
    return " ".join(filter(None, [customer.get("first_name"), customer.get("last_name")])) or order.get("email")


def _second_order(first: dict[str, Any]) -> dict[str, Any]:
    """Another customer's order, shaped like the sample, that adds up as it does: two packs of
    green tea (25.80) and 19 % tax (4.90) come to 30.70."""
    order = copy.deepcopy(first)
    order.update(id=first["id"] + 1, name="#1043", order_number=1043, email="jonas.berg@example.se",
                 total_price="30.70", subtotal_price="25.80", total_tax="4.90")
    order["customer"] = {**order.get("customer", {}), "id": 7770001, "email": "jonas.berg@example.se",
                         "first_name": "Jonas", "last_name": "Berg"}
    order["line_items"] = [{**order["line_items"][0], "id": 99001, "quantity": 2}]
    for key in ("billing_address", "shipping_address"):
        if order.get(key):
            order[key] = {**order[key], "first_name": "Jonas", "last_name": "Berg", "name": "Jonas Berg"}
    return order

