"""The storefront month of test_month.py with Odoo as the ERP, compared across systems to the cent.

A real hub process runs the bundled recipes; the ``ledger`` connection is the odoo connector
aimed at the Odoo sandbox on a real socket (JSON-RPC), Stripe and Slack are their sandboxes.
The month (tests/support/month.py) is the same: taxes included and excluded, several rates,
discount codes, manual discounts, free and taxed shipping, EUR, USD and JPY, redeliveries and
cancellations. Each non-cancelled order is invoiced as an Odoo user does it (the "Create
invoice" wizard of the sale order, the invoice dated on the order's day, then confirmed), so
the invoices fall due in the past. Every figure is read back from where a user reads it in
Odoo: the sale order's amount_total, the invoice's amount_total, amount_residual,
payment_state and due date, the partner's open receivable and outstanding payments.

The size is ``O2C_MONTH_ORDERS`` (60 by default).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from connectors.odoo import OdooConnector
from connectors.odoo.sandbox import create_app as odoo_app
from connectors.sandbox import serve
from connectors.slack.sandbox import create_app as slack_app
from connectors.stripe.sandbox import create_app as stripe_app
from hub.money import quantize
from hub.o2c.reports import BUCKETS
from tests.e2e.test_month import (RECIPES, counted, failures, hub_invoices, intent, payment_plan,
                                  sent_per_invoice, table)
from tests.support.flows import STRIPE_KEY, STRIPE_WHSEC, Flows, bundled_recipe, connections
from tests.support.hubproc import HubProcess
from tests.support.month import Month

pytestmark = pytest.mark.e2e

ORDERS = int(os.environ.get("O2C_MONTH_ORDERS", "60"))
ODOO_KEY = "odoo-month-key"
# How Odoo's invoice list shows an invoice, as the hub's canonical statuses.
PAYMENT_STATES = {"not_paid": "open", "partial": "partially_paid", "in_payment": "paid", "paid": "paid",
                  "reversed": "credited"}


class OdooFlows(Flows):
    """The used-by hub with Odoo as the ledger."""

    def __init__(self, workdir: Path, odoo_url: str, urls: dict[str, str], recipes: tuple[str, ...]):
        vendors = connections(SimpleNamespace(url="", database="", user="", password=""), urls)
        vendors["ledger"] = ledger_config(odoo_url)
        HubProcess.__init__(self, workdir, erp_url="http://127.0.0.1:9", slack_url=urls["slack"],
                            recipes={name: bundled_recipe(name) for name in recipes}, connections=vendors,
                            extra_config={"workers": 1})


def ledger_config(url: str) -> dict[str, Any]:
    """The odoo connection as a user configures it for this shop: its JSON-RPC endpoint, and the
    sale taxes of the shop's rates made from the existing ones."""
    return {"connector": "odoo", "url": url, "database": "sandbox", "api": "jsonrpc", "login": "hub",
            "api_key": ODOO_KEY, "timeout": 60, "create_missing_taxes": True}


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """The Odoo, Stripe and Slack sandboxes and a hub running the bundled recipes against them."""
    apps = {"odoo": odoo_app(key=ODOO_KEY), "slack": slack_app(token="xoxb-test-token"),
            "stripe": stripe_app(api_key=STRIPE_KEY, webhook_secret=STRIPE_WHSEC)}
    sandboxes = {name: serve(app) for name, app in apps.items()}
    for name, app in apps.items():
        sandboxes[name].state = app.extensions["sandbox"]
    urls = {name: server.url for name, server in sandboxes.items()}
    urls.update(salesforce="http://127.0.0.1:9", hubspot="http://127.0.0.1:9")
    hub = OdooFlows(tmp_path_factory.mktemp("hub-month-odoo"), urls["odoo"], urls, RECIPES).start(timeout=30)
    erp = OdooConnector.from_config("check", ledger_config(urls["odoo"]))
    try:
        yield hub, erp, sandboxes
    finally:
        hub.stop()
        erp.close()
        for server in sandboxes.values():
            server.stop()


@pytest.fixture(scope="module")
def report():
    """Each check's (exact, differ) counts; written as JSON to ``O2C_MONTH_REPORT`` when set."""
    rows: dict[str, tuple[int, int]] = {}
    yield rows
    if os.environ.get("O2C_MONTH_REPORT"):
        Path(os.environ["O2C_MONTH_REPORT"]).write_text(json.dumps(rows, indent=1))


@pytest.fixture(scope="module")
def month():
    start = max(dt.date(dt.date.today().year, 1, 1), dt.date.today() - dt.timedelta(days=30))
    return Month.generate(seed=8, orders=ORDERS, days=(dt.date.today() - start).days or 1, start=start)


def read(erp, model: str, domain: list, fields: list[str]) -> list[dict[str, Any]]:
    """search_read as an Odoo user's list view reads it."""
    return erp.call(model, "search_read", domain, fields, action="check")


def odoo_sales(erp) -> dict[str, dict]:
    rows = read(erp, "sale.order", [("client_order_ref", "!=", False)],
                ["client_order_ref", "amount_total", "state", "invoice_ids", "currency_id", "partner_id"])
    return {row["client_order_ref"]: row for row in rows}


def odoo_invoice(erp, number: str) -> dict[str, Any]:
    """An invoice as Odoo shows it: total, amount due, payment status, due date, currency."""
    [move] = read(erp, "account.move", [("name", "=", number)],
                  ["amount_total", "amount_residual", "state", "payment_state", "invoice_date_due", "currency_id",
                   "partner_id", "amount_untaxed", "invoice_line_ids"])
    code = move["currency_id"][1]
    status = "void" if move["state"] == "cancel" else PAYMENT_STATES[move["payment_state"]]
    return {**move, "total": money(move["amount_total"], code), "amount_due": money(move["amount_residual"], code),
            "status": status, "due_date": move["invoice_date_due"] or None, "currency": code}


def money(value: Any, currency: str) -> Decimal:
    return quantize(Decimal(str(value or 0)), currency)


@pytest.fixture(scope="module")
def imported(world, month):
    """Every order posted as a signed webhook; some delivered twice under the same id, some
    again under a new delivery id."""
    hub, _erp, _sandboxes = world
    rng = random.Random(3)
    for order in month.orders:
        response = hub.post_shopify_order(order, webhook_id=f"m-{order['id']}")
        assert response.status_code == 202, response.text
        if rng.random() < 0.1:
            assert hub.post_shopify_order(order, webhook_id=f"m-{order['id']}").json()["duplicate"] is True
        if rng.random() < 0.05:
            assert hub.post_shopify_order(order, webhook_id=f"m-{order['id']}-again").status_code == 202
    return hub.settled_runs("shopify-order-to-erp", len(month.orders), timeout=60 + 4 * len(month.orders))


@pytest.fixture(scope="module")
def cancelled(world, month, imported):
    """About one order in twenty cancelled in the storefront before it is invoiced."""
    hub, _erp, _sandboxes = world
    rng = random.Random(13)
    chosen = [order for order in month.orders if rng.random() < 0.05]
    for order in chosen:
        stamp = order["created_at"]
        gone = {**order, "cancelled_at": stamp, "cancel_reason": "customer", "updated_at": stamp,
                "financial_status": "refunded"}
        response = hub.post_shopify_order(gone, webhook_id=f"c-{order['id']}", topic="orders/cancelled")
        assert response.status_code == 202, response.text
    runs = hub.settled_runs("shopify-order-cancelled-to-erp", len(chosen), timeout=60 + 5 * len(chosen)) if chosen else []
    return {order["name"].lstrip("#") for order in chosen}, runs


def test_every_order_reaches_odoo_once_with_the_storefront_total(world, month, imported, report):
    hub, erp, _sandboxes = world
    report["order runs succeeded"] = counted(imported)
    assert {run["status"] for run in imported} == {"succeeded"}, failures(imported)
    sales = odoo_sales(erp)
    stored = {number: Decimal(str(total)) for number, total in hub.rows("SELECT number, total FROM sales_orders")}
    differences = []
    for order in month.orders:
        number, total, currency = order["name"].lstrip("#"), Decimal(order["total_price"]), order["currency"]
        sale = sales.get(number)
        odoo_total = money(sale["amount_total"], currency) if sale else None
        odoo_currency = sale["currency_id"][1] if sale else None
        if not (total == stored.get(number) == odoo_total and odoo_currency == currency):
            differences.append((number, currency, odoo_currency, order["taxes_included"], total, stored.get(number),
                                odoo_total))
    report["storefront total = hub total = Odoo sale order amount_total"] = (len(month.orders) - len(differences),
                                                                            len(differences))
    assert not differences, "order  currency  odoo-currency  included  storefront  hub  odoo\n" + table(differences)
    assert len(read(erp, "sale.order", [], ["id"])) == len(month.orders)  # nothing created twice
    partners = read(erp, "res.partner", [("customer_rank", ">", 0)], ["email"])
    assert sorted(p["email"] for p in partners) == sorted({order["email"] for order in month.orders})


def test_cancelled_orders_leave_nothing_to_invoice_in_odoo(world, cancelled, report):
    hub, erp, _sandboxes = world
    numbers, runs = cancelled
    report["cancellation runs succeeded"] = counted(runs)
    assert {run["status"] for run in runs} <= {"succeeded"}, failures(runs)
    sales = odoo_sales(erp)
    live = []
    for number in numbers:
        moves = erp.call("account.move", "read", sales[number]["invoice_ids"], ["state"], action="check")
        if sales[number]["state"] != "cancel" or any(move["state"] != "cancel" for move in moves):
            live.append((number, sales[number]["state"], [move["state"] for move in moves]))
    statuses = dict(hub.rows("SELECT number, status FROM sales_orders"))
    live += [(number, "hub status", statuses.get(number)) for number in numbers if statuses.get(number) != "cancelled"]
    report["cancelled orders: cancelled in Odoo with nothing to invoice, cancelled in the hub"] = (
        len(numbers) - len({row[0] for row in live}), len({row[0] for row in live}))
    assert not live, table(live)


@pytest.fixture(scope="module")
def invoiced(world, month, imported, cancelled):
    """Odoo's invoice of every order not cancelled, made with the sale order's invoicing wizard,
    dated on the order's day and confirmed, in date order; then polled into the hub."""
    hub, erp, _sandboxes = world
    sales = odoo_sales(erp)
    posted = {}
    for order in sorted(month.orders, key=lambda o: o["created_at"]):
        number = order["name"].lstrip("#")
        if number in cancelled[0]:
            continue
        sale = sales[number]
        context = {"context": {"active_model": "sale.order", "active_ids": [sale["id"]]}}
        [wizard] = erp.call("sale.advance.payment.inv", "create", [{"advance_payment_method": "delivered"}],
                            action="check", **context)
        erp.call("sale.advance.payment.inv", "create_invoices", [wizard], action="check", **context)
        [after] = erp.call("sale.order", "read", [sale["id"]], ["invoice_ids"], action="check")
        erp.call("account.move", "write", after["invoice_ids"], {"invoice_date": order["created_at"][:10]},
                 action="check")
        erp.call("account.move", "action_post", after["invoice_ids"], action="check")
        for move in erp.call("account.move", "read", after["invoice_ids"], ["name", "amount_total", "currency_id"],
                             action="check"):
            posted[move["name"]] = {"number": move["name"], "order_number": number, "currency": move["currency_id"][1],
                                    "total": money(move["amount_total"], move["currency_id"][1])}
    numbers = set(posted)
    hub.wait_for(lambda: numbers <= {n for (n,) in hub.rows("SELECT number FROM invoices WHERE status = 'open'")},
                 "every posted invoice polled into the hub", timeout=60 + len(posted))
    return posted


def test_every_invoice_reaches_the_hub_with_odoo_figures(world, month, invoiced, cancelled, report):
    hub, erp, _sandboxes = world
    assert len(invoiced) == len(month.orders) - len(cancelled[0])
    stored = hub_invoices(hub)
    differences = []
    for number in invoiced:
        current = odoo_invoice(erp, number)
        expected = (current["total"], current["amount_due"], current["status"], current["due_date"],
                    current["currency"])
        if stored.get(number) != expected:
            differences.append((number, expected, stored.get(number)))
    report["Odoo invoice = hub invoice (total, due, status, due date)"] = (len(invoiced) - len(differences),
                                                                            len(differences))
    assert not differences, "invoice  odoo  hub\n" + table(differences)
    totals = {invoice["order_number"]: invoice["total"] for invoice in invoiced.values()}
    assert all(totals[o["name"].lstrip("#")] == Decimal(o["total_price"]) for o in month.orders
               if o["name"].lstrip("#") not in cancelled[0])


def test_every_invoice_in_the_hub_names_its_order_the_customer_email_and_odoo_lines(world, invoiced, report):
    """The storefront order the invoice bills (what the order's status is made of), and what
    invoice delivery needs: the partner's e-mail and the invoice's lines as Odoo has them."""
    hub, erp, _sandboxes = world
    documents = {number: json.loads(data) for number, data in hub.rows("SELECT number, data FROM invoices")}
    differences = []
    for number in invoiced:
        current = odoo_invoice(erp, number)
        [partner] = erp.call("res.partner", "read", [current["partner_id"][0]], ["email"], action="check")
        lines = erp.call("account.move.line", "read", current["invoice_line_ids"], ["quantity", "price_subtotal"],
                         action="check")
        odoo_side = (invoiced[number]["order_number"], partner["email"], len(lines), sum((money(line["price_subtotal"], current["currency"])
                                                        for line in lines), Decimal(0)))
        document = documents.get(number, {})
        hub_lines = document.get("lines") or []
        hub_side = (document.get("order_number"), (document.get("customer") or {}).get("email"), len(hub_lines),
                    sum((Decimal(str(line["line_total"])) for line in hub_lines), Decimal(0)))
        if hub_side != odoo_side or odoo_side[3] != money(current["amount_untaxed"], current["currency"]):
            differences.append((number, odoo_side, hub_side))
    report["hub invoice order, e-mail and lines = storefront order, Odoo partner e-mail and invoice lines"] = (
        len(invoiced) - len(differences), len(differences))
    assert not differences, "invoice  odoo (order, email, lines, untaxed)  hub\n" + table(differences)


# --- payments --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def paid(world, invoiced):
    """Every planned payment as a signed payment_intent.succeeded; some delivered twice, some
    again as a new event."""
    hub, _erp, _sandboxes = world
    rng = random.Random(5)
    plan = payment_plan(invoiced)
    for number, intent_id, amount in plan:
        obj = intent(number, intent_id, amount, invoiced[number]["currency"])
        response = hub.post_stripe_event("payment_intent.succeeded", obj, event_id=f"evt_{intent_id}")
        assert response.status_code == 202, response.text
        if rng.random() < 0.05:
            hub.post_stripe_event("payment_intent.succeeded", obj, event_id=f"evt_{intent_id}")
        if rng.random() < 0.05:
            hub.post_stripe_event("payment_intent.succeeded", obj, event_id=f"evt_{intent_id}_resent")
    runs = hub.settled_runs("stripe-payment-to-invoice", len(plan), timeout=60 + 3 * len(plan))
    return plan, runs


def outstanding_credit(erp) -> dict[str, Decimal]:
    """Customer credit Odoo holds per payment reference: the posted customer payments reconciled
    with no invoice (the invoice form's "Outstanding credits"), by memo."""
    rows = read(erp, "account.payment", [("payment_type", "=", "inbound"), ("partner_type", "=", "customer"),
                                         ("state", "not in", ["draft", "cancel", "canceled", "rejected"])],
                ["memo", "amount", "currency_id", "reconciled_invoice_ids"])
    credit: dict[str, Decimal] = {}
    for row in rows:
        if not row["reconciled_invoice_ids"] and (row["memo"] or "").endswith(" (overpayment)"):
            reference = row["memo"].removesuffix(" (overpayment)")
            credit[reference] = credit.get(reference, Decimal(0)) + money(row["amount"], row["currency_id"][1])
    return credit


def test_every_payment_reaches_odoo_once_and_equals_what_stripe_sent(world, invoiced, paid, report):
    hub, erp, _sandboxes = world
    plan, runs = paid
    report["payment runs succeeded"] = counted(runs)
    assert {run["status"] for run in runs} == {"succeeded"}, failures(runs)
    credit = outstanding_credit(erp)
    by_invoice_credit: dict[str, Decimal] = {}
    for number, intent_id, _amount in plan:
        by_invoice_credit[number] = by_invoice_credit.get(number, Decimal(0)) + credit.get(intent_id, Decimal(0))
    differences = []
    for number, sent in sent_per_invoice(plan).items():
        current = odoo_invoice(erp, number)
        applied = current["total"] - current["amount_due"]
        if applied + by_invoice_credit.get(number, 0) != sent or current["amount_due"] != max(
                Decimal(0), invoiced[number]["total"] - sent):
            differences.append((number, sent, applied, by_invoice_credit.get(number), current["amount_due"]))
    invoices_paid = len(sent_per_invoice(plan))
    report["Stripe payments = Odoo applied + outstanding credit, per invoice"] = (invoices_paid - len(differences),
                                                                                 len(differences))
    assert not differences, "invoice  stripe  odoo-applied  odoo-credit  due\n" + table(differences)
    payments = {ref: Decimal(str(amount)) for ref, amount in hub.rows("SELECT reference, amount FROM payments")}
    assert payments == {intent_id: amount for _n, intent_id, amount in plan}


def test_the_hub_and_odoo_agree_on_every_invoice_after_the_payments(world, invoiced, paid, report):
    hub, erp, _sandboxes = world

    def disagreeing():
        stored = hub_invoices(hub)
        current = {n: odoo_invoice(erp, n) for n in invoiced}
        wrong = [(n, (c["total"], c["amount_due"], c["status"]), stored.get(n)[:3]) for n, c in current.items()
                 if stored.get(n)[:3] != (c["total"], c["amount_due"], c["status"])]
        return None if wrong else True

    try:  # the payment runs store the invoice as Odoo answered; the next polls bring later changes
        hub.wait_for(disagreeing, "the hub's invoices to agree with Odoo's", timeout=30)
        wrong: list = []
    except AssertionError:
        stored = hub_invoices(hub)
        wrong = [(n, (c["total"], c["amount_due"], c["status"]), stored.get(n)[:3])
                 for n, c in ((n, odoo_invoice(erp, n)) for n in invoiced)
                 if stored.get(n)[:3] != (c["total"], c["amount_due"], c["status"])]
    report["hub invoice = Odoo invoice after payments"] = (len(invoiced) - len(wrong), len(wrong))
    assert not wrong, "invoice  odoo  hub\n" + table(wrong)


def test_the_hub_aging_equals_odoo_open_receivable_per_currency(world, invoiced, paid, report):
    hub, erp, _sandboxes = world
    open_items: dict[str, Decimal] = {}
    for number in invoiced:
        current = odoo_invoice(erp, number)
        open_items[current["currency"]] = open_items.get(current["currency"], Decimal(0)) + current["amount_due"]
    aging = hub.api("GET", "/reports/aging").json()["currencies"]
    hub_open = {currency: sum((Decimal(str(v)) for k, v in buckets.items() if k in BUCKETS), Decimal(0))
                for currency, buckets in aging.items()}
    hub_side = {c: a for c, a in hub_open.items() if a}
    erp_side = {c: a for c, a in open_items.items() if a}
    agree = sum(1 for c in {*hub_side, *erp_side} if hub_side.get(c) == erp_side.get(c))
    report["hub AR aging = Odoo open receivable, currencies"] = (agree, len({*hub_side, *erp_side}) - agree)
    assert hub_side == erp_side


def test_each_customer_owes_the_hub_what_odoo_says(world, month, invoiced, paid, report):
    """Per partner: what the invoices still have to pay less the outstanding payments, as the
    partner's Invoiced / Due figures in Odoo show them, against the hub's open receivable less
    the customer credit it keeps."""
    hub, erp, _sandboxes = world
    emails = {p["id"]: p["email"] for p in read(erp, "res.partner", [("customer_rank", ">", 0)], ["email"])}
    odoo_side: dict[str, Decimal] = {}
    for move in read(erp, "account.move", [("move_type", "=", "out_invoice"), ("state", "=", "posted")],
                     ["partner_id", "amount_residual", "currency_id"]):
        email = emails[move["partner_id"][0]]
        odoo_side[email] = odoo_side.get(email, Decimal(0)) + money(move["amount_residual"], move["currency_id"][1])
    for row in read(erp, "account.payment", [("payment_type", "=", "inbound"), ("partner_type", "=", "customer"),
                                             ("state", "not in", ["draft", "cancel", "canceled", "rejected"])],
                    ["partner_id", "amount", "currency_id", "reconciled_invoice_ids"]):
        if not row["reconciled_invoice_ids"]:
            email = emails[row["partner_id"][0]]
            odoo_side[email] = odoo_side.get(email, Decimal(0)) - money(row["amount"], row["currency_id"][1])
    hub_side = customer_balances(hub)
    customers = {order["email"] for order in month.orders}
    differ = sorted((email, odoo_side.get(email, Decimal(0)), hub_side.get(email, Decimal(0))) for email in customers
                    if odoo_side.get(email, Decimal(0)) != hub_side.get(email, Decimal(0)))
    report["hub customer balance = Odoo partner open receivable less credit"] = (len(customers) - len(differ),
                                                                                 len(differ))
    assert not differ, "customer  odoo  hub\n" + table(differ)


def customer_balances(hub) -> dict[str, Decimal]:
    """{customer e-mail: what the hub's open invoices still owe less the credit kept from the
    customer's payments}; a credit belongs to the customer of the invoice its payment paid."""
    out: dict[str, Decimal] = {}
    owner: dict[str, str] = {}
    for number, status, due, data in hub.rows("SELECT number, status, amount_due, data FROM invoices"):
        email = (json.loads(data).get("customer") or {}).get("email")
        owner[number] = email
        if status in ("open", "partially_paid"):
            out[email] = out.get(email, Decimal(0)) + Decimal(str(due))
    paid_invoice = dict(hub.rows("SELECT payment_reference, invoice_number FROM payment_applications "
                                 "WHERE kind = 'applied'"))
    for reference, amount in hub.rows("SELECT payment_reference, amount FROM payment_applications WHERE kind = 'credit'"):
        email = owner.get(paid_invoice.get(reference) or "")
        out[email] = out.get(email, Decimal(0)) - Decimal(str(amount))
    return out


def test_exactly_the_overdue_invoices_are_announced_once(world, invoiced, paid, report):
    hub, erp, sandboxes = world
    slack = sandboxes["slack"]
    today = dt.date.today()
    overdue = set()
    for number in invoiced:
        current = odoo_invoice(erp, number)
        if current["amount_due"] > 0 and dt.date.fromisoformat(current["due_date"]) < today:
            overdue.add(number)
    before = len(slack.state.messages)
    for _ in range(2):  # the next morning announces nothing again
        done = hub.cli("trigger", "late-payment-alerts")
        assert "succeeded" in done.stdout, done.stdout + done.stderr
    texts = [m["message"]["text"] for m in slack.state.messages[before:]]
    announced = [text.split("invoice ")[1].split(",")[0] for text in texts if text.startswith("Overdue:")]
    missed, extra = overdue - set(announced), len(announced) - len(set(announced) & overdue)
    report["overdue invoices announced once"] = (len(overdue) - len(missed), len(missed) + extra)
    assert overdue and sorted(announced) == sorted(overdue)


@pytest.mark.parametrize("recipe, says", [
    ("reconcile-orders", "Orders vs ERP: 0 difference(s)"),
    ("reconcile-payments", "Payments vs ERP: 0 difference(s)"),
    ("reconcile-receivables", "Receivables vs ERP: 0 difference(s)"),
])
def test_reconciliation_against_odoo_finds_no_difference_after_the_month(world, paid, report, recipe, says):
    hub, _erp, sandboxes = world
    slack = sandboxes["slack"].state
    before = len(slack.messages)
    done = hub.cli("trigger", recipe)
    assert "succeeded" in done.stdout, done.stdout + done.stderr
    texts = [m["message"]["text"] for m in slack.messages[before:]]
    clean = any(says in text for text in texts)
    report[f"{recipe} against Odoo's live figures: runs without a difference"] = (int(clean), int(not clean))
    assert clean, texts
