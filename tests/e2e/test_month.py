"""A storefront month through the bundled recipes, compared across systems to the cent.

A real hub process runs the bundled recipes; Stripe and Slack are their sandboxes; the ERP
is a real trytond of its own. The month (tests/support/month.py) has 1–5 lines per order,
quantities up to 250, discount codes, manual line discounts, free and taxed shipping, taxes
included (DE, JP) and excluded (US, EU B2B), tax-exempt customers, EUR, USD and JPY, and
redeliveries. Every figure is read back from where a user would read it: the storefront's
payload, the hub's store, Tryton.

The size is ``O2C_MONTH_ORDERS`` (60 by default; bench/month.py runs 400 and more).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import random
import time
from decimal import Decimal
from pathlib import Path

import pytest

from connectors.sandbox import serve
from connectors.slack.sandbox import create_app as slack_app
from connectors.stripe.sandbox import create_app as stripe_app
from connectors.tryton import TrytonConnector
from hub.connector import ActionContext
from hub.money import to_minor_units
from hub.o2c.reports import BUCKETS
from tests.support.flows import STRIPE_KEY, STRIPE_WHSEC, Flows
from tests.support.month import Month
from tests.support.tryton import start_server, stop, unavailable

pytestmark = pytest.mark.e2e

ORDERS = int(os.environ.get("O2C_MONTH_ORDERS", "60"))
RECIPES = ("shopify-order-to-erp.yaml", "shopify-order-cancelled-to-erp.yaml", "erp-invoices-to-hub.yaml",
           "stripe-payment-to-invoice.yaml", "late-payment-alerts.yaml", "reconcile-orders.yaml",
           "reconcile-payments.yaml", "reconcile-receivables.yaml")
CTX = ActionContext(idempotency_key="month")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """A fresh trytond (invoices dated in the past need an empty invoice sequence), the
    Stripe and Slack sandboxes, and a hub running the bundled recipes against them."""
    try:
        process, tryton = start_server(tmp_path_factory.mktemp("trytond-month"))
    except (LookupError, RuntimeError, OSError) as error:
        unavailable(str(error))
    apps = {"slack": slack_app(token="xoxb-test-token"),
            "stripe": stripe_app(api_key=STRIPE_KEY, webhook_secret=STRIPE_WHSEC)}
    sandboxes = {name: serve(app) for name, app in apps.items()}
    for name, app in apps.items():
        sandboxes[name].state = app.extensions["sandbox"]
    urls = {name: server.url for name, server in sandboxes.items()}
    urls.update(salesforce="http://127.0.0.1:9", hubspot="http://127.0.0.1:9")
    hub = Flows(tmp_path_factory.mktemp("hub-month"), tryton, urls, recipes=RECIPES).start(timeout=30)
    erp = TrytonConnector.from_config("check", {"url": tryton.url, "database": tryton.database,
                                                "username": tryton.user, "password": tryton.password,
                                                "timeout": 60})
    try:
        yield hub, erp, sandboxes
    finally:
        hub.stop()
        erp.close()
        for server in sandboxes.values():
            server.stop()
        stop(process)


@pytest.fixture(scope="module")
def report():
    """Each check's (exact, differ) counts; written as JSON to ``O2C_MONTH_REPORT`` when set
    (bench/month.py prints them as a table)."""
    rows: dict[str, tuple[int, int]] = {}
    yield rows
    if os.environ.get("O2C_MONTH_REPORT"):
        Path(os.environ["O2C_MONTH_REPORT"]).write_text(json.dumps(rows, indent=1))


@pytest.fixture(scope="module")
def month():
    start = max(dt.date(dt.date.today().year, 1, 1), dt.date.today() - dt.timedelta(days=30))
    return Month.generate(seed=8, orders=ORDERS, days=(dt.date.today() - start).days or 1, start=start)


@pytest.fixture(scope="module")
def imported(world, month):
    """Every order posted as a signed webhook; some delivered twice under the same id, some
    again under a new delivery id (Shopify retries a webhook it thinks failed)."""
    hub, _erp, _sandboxes = world
    rng = random.Random(3)
    for order in month.orders:
        response = hub.post_shopify_order(order, webhook_id=f"m-{order['id']}")
        assert response.status_code == 202, response.text
        if rng.random() < 0.1:
            assert hub.post_shopify_order(order, webhook_id=f"m-{order['id']}").json()["duplicate"] is True
        if rng.random() < 0.05:
            assert hub.post_shopify_order(order, webhook_id=f"m-{order['id']}-again").status_code == 202
    runs = hub.settled_runs("shopify-order-to-erp", len(month.orders), timeout=60 + 4 * len(month.orders))
    return runs


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
    runs = hub.settled_runs("shopify-order-cancelled-to-erp", len(chosen), timeout=60 + 5 * len(chosen))
    return {order["name"].lstrip("#") for order in chosen}, runs


def test_cancelled_orders_leave_nothing_to_invoice_in_the_erp(world, cancelled, report):
    hub, erp, _sandboxes = world
    numbers, runs = cancelled
    report["cancellation runs succeeded"] = counted(runs)
    assert {run["status"] for run in runs} <= {"succeeded"}, failures(runs)
    sales = tryton_sales(erp)
    live = []
    for number in numbers:
        invoices = erp.client.read("account.invoice", sales[number]["invoices"], ["state"])
        if any(invoice["state"] not in ("cancelled",) for invoice in invoices):
            live.append((number, sales[number]["state"], [i["state"] for i in invoices]))
    statuses = dict(hub.rows("SELECT number, status FROM sales_orders"))
    live += [(number, "hub status", statuses.get(number)) for number in numbers if statuses.get(number) != "cancelled"]
    report["cancelled orders: nothing left to invoice in Tryton, cancelled in the hub"] = (
        len(numbers) - len({row[0] for row in live}), len({row[0] for row in live}))
    assert not live, table(live)


def tryton_sales(erp) -> dict[str, dict]:
    rows = erp.client.search_read("sale.sale", [], ["reference", "total_amount", "state", "invoices", "currency"])
    return {row["reference"]: row for row in rows}


def counted(runs: list[dict]) -> tuple[int, int]:
    ok = sum(1 for run in runs if run["status"] == "succeeded")
    return ok, len(runs) - ok


def failures(runs: list[dict]) -> list[tuple]:
    return [(r["id"], r["status"], r["error_class"], r["error_message"]) for r in runs if r["status"] != "succeeded"]


def table(differences: list[tuple]) -> str:
    return "\n".join("  ".join(str(cell) for cell in row) for row in differences[:20])


def test_every_order_reaches_the_erp_once_with_the_storefront_total(world, month, imported, report):
    hub, erp, _sandboxes = world
    report["order runs succeeded"] = counted(imported)
    assert {run["status"] for run in imported} == {"succeeded"}, failures(imported)
    sales = tryton_sales(erp)
    stored = {number: (Decimal(str(total)), currency)
              for number, total, currency in hub.rows("SELECT number, total, currency FROM sales_orders")}
    differences = []
    for order in month.orders:
        number, total = order["name"].lstrip("#"), Decimal(order["total_price"])
        hub_total = stored.get(number, (None, None))[0]
        erp_total = sales[number]["total_amount"] if number in sales else None
        if not (total == hub_total == erp_total):
            differences.append((number, order["currency"], order["taxes_included"], total, hub_total, erp_total))
    report["storefront total = hub total = Tryton sale total"] = (len(month.orders) - len(differences), len(differences))
    assert not differences, "order  currency  included  storefront  hub  tryton\n" + table(differences)
    assert len(sales) == len(month.orders)  # nothing created twice
    assert erp.client.model("party.party", "search_count", [("name", "like", "Customer %")]) == len(
        {order["email"] for order in month.orders})


@pytest.fixture(scope="module")
def invoiced(world, month, imported, cancelled):
    """Tryton's invoice of every order not cancelled, posted on the order's day, in date order
    (Tryton numbers invoices by date), then polled into the hub."""
    hub, erp, _sandboxes = world
    sales = tryton_sales(erp)
    (user,) = erp.client.search("res.user", [["login", "=", erp.client.username]])
    posted = []
    for order in sorted(month.orders, key=lambda o: o["created_at"]):
        if order["name"].lstrip("#") in cancelled[0]:
            continue
        sale = sales[order["name"].lstrip("#")]
        day = dt.date.fromisoformat(order["created_at"][:10])
        erp.client.write("account.invoice", sale["invoices"],
                         {"invoice_date": day, "accounting_date": day, "payment_term_date": day})
        for invoice_id in sale["invoices"]:  # a due date in the past: confirmed as Tryton's user would
            key = hashlib.md5(f"account.invoice,{invoice_id}".encode()).hexdigest()
            erp.client.create("res.user.warning", [{"user": user, "always": False,
                                                     "name": f"{key}.invoice_payment_term"}])
        posted += erp.actions()["post_invoice"]({"order_number": sale["reference"]}, CTX)
    numbers = {invoice["number"] for invoice in posted}
    hub.wait_for(lambda: numbers <= {n for (n,) in hub.rows("SELECT number FROM invoices WHERE status = 'open'")},
                 "every posted invoice polled into the hub", timeout=60 + len(posted))
    return {invoice["number"]: invoice for invoice in posted}


def hub_invoices(hub) -> dict[str, tuple]:
    rows = hub.rows("SELECT number, total, amount_due, status, due_date, currency FROM invoices")
    return {number: (Decimal(str(total)), Decimal(str(due)), status, due_date, currency)
            for number, total, due, status, due_date, currency in rows}


def test_every_invoice_reaches_the_hub_with_tryton_figures(world, month, invoiced, cancelled, report):
    hub, erp, _sandboxes = world
    assert len(invoiced) == len(month.orders) - len(cancelled[0])
    stored = hub_invoices(hub)
    differences = []
    for number, invoice in invoiced.items():
        current = erp.actions()["read_invoice"]({"number": number}, CTX)
        expected = (current["total"], current["amount_due"], current["status"], current["due_date"],
                    current["currency"])
        if stored.get(number) != expected:
            differences.append((number, expected, stored.get(number)))
    report["Tryton invoice = hub invoice (total, due, status, due date)"] = (len(invoiced) - len(differences),
                                                                              len(differences))
    assert not differences, "invoice  tryton  hub\n" + table(differences)
    totals = {invoice["order_number"]: invoice["total"] for invoice in invoiced.values()}
    assert all(totals[o["name"].lstrip("#")] == Decimal(o["total_price"]) for o in month.orders
               if o["name"].lstrip("#") not in cancelled[0])


# --- payments --------------------------------------------------------------------------------


def payment_plan(invoices: dict[str, dict]) -> list[tuple[str, str, Decimal]]:
    """(invoice number, payment intent id, amount): full, partial, split in two, overpaid, or
    nothing at all, seeded so every run of the month pays the same way."""
    rng = random.Random(11)
    plan = []
    for n, (number, invoice) in enumerate(sorted(invoices.items())):
        total, currency = invoice["total"], invoice["currency"]
        unit = Decimal(1) if currency == "JPY" else Decimal("0.01")
        kind = rng.choices(["full", "partial", "split", "over", "none"], [45, 12, 12, 8, 23])[0]
        if kind == "full":
            plan.append((number, f"pi_m{n}a", total))
        elif kind == "partial":
            plan.append((number, f"pi_m{n}a", (total * Decimal(rng.randint(30, 80)) / 100).quantize(unit)))
        elif kind == "split":
            first = (total * Decimal(rng.randint(20, 70)) / 100).quantize(unit)
            plan += [(number, f"pi_m{n}a", first), (number, f"pi_m{n}b", total - first)]
        elif kind == "over":
            plan.append((number, f"pi_m{n}a", total + unit * rng.randint(1, 2500)))
    return plan


def intent(number: str, intent_id: str, amount: Decimal, currency: str) -> dict:
    units = to_minor_units(amount, currency)
    return {"id": intent_id, "object": "payment_intent", "amount": units, "amount_received": units,
            "currency": currency.lower(), "status": "succeeded", "created": int(time.time()), "livemode": False,
            "customer": None, "latest_charge": f"ch_{intent_id[3:]}", "payment_method_types": ["card"],
            "metadata": {"invoice_number": number}}


@pytest.fixture(scope="module")
def paid(world, invoiced):
    """Every planned payment as a signed payment_intent.succeeded; some delivered twice, some
    again as a new event (Stripe resends what it believes undelivered)."""
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


def sent_per_invoice(plan) -> dict[str, Decimal]:
    sent: dict[str, Decimal] = {}
    for number, _intent_id, amount in plan:
        sent[number] = sent.get(number, Decimal(0)) + amount
    return sent


def overpayment_credit(erp) -> dict[str, Decimal]:
    """Customer credit Tryton holds per payment reference (the overpayment moves)."""
    moves = erp.client.search_read("account.move", [("description", "like", "% (overpayment)")],
                                   ["description", "lines"])
    credit: dict[str, Decimal] = {}
    for move in moves:
        lines = erp.client.read("account.move.line", move["lines"], ["credit", "amount_second_currency", "party"])
        receivable = [line for line in lines if line["party"]]
        amount = sum((-(line["amount_second_currency"]) if line["amount_second_currency"] is not None
                      else line["credit"] for line in receivable), Decimal(0))
        credit[move["description"].removesuffix(" (overpayment)")] = amount
    return credit


def test_every_payment_reaches_the_erp_once_and_equals_what_stripe_sent(world, invoiced, paid, report):
    hub, erp, _sandboxes = world
    plan, runs = paid
    report["payment runs succeeded"] = counted(runs)
    assert {run["status"] for run in runs} == {"succeeded"}, failures(runs)
    credit = overpayment_credit(erp)
    by_invoice_credit: dict[str, Decimal] = {}
    for number, intent_id, _amount in plan:
        by_invoice_credit[number] = by_invoice_credit.get(number, Decimal(0)) + credit.get(intent_id, Decimal(0))
    differences = []
    for number, sent in sent_per_invoice(plan).items():
        current = erp.actions()["read_invoice"]({"number": number}, CTX)
        applied = current["total"] - current["amount_due"]
        if applied + by_invoice_credit.get(number, 0) != sent or current["amount_due"] != max(
                Decimal(0), invoiced[number]["total"] - sent):
            differences.append((number, sent, applied, by_invoice_credit.get(number), current["amount_due"]))
    invoices_paid = len(sent_per_invoice(plan))
    report["Stripe payments = Tryton applied + credit, per invoice"] = (invoices_paid - len(differences),
                                                                        len(differences))
    assert not differences, "invoice  stripe  tryton-applied  tryton-credit  due\n" + table(differences)
    payments = {ref: Decimal(str(amount)) for ref, amount in hub.rows("SELECT reference, amount FROM payments")}
    assert payments == {intent_id: amount for _n, intent_id, amount in plan}


def test_the_hub_and_the_erp_agree_on_every_invoice_after_the_payments(world, invoiced, paid, report):
    hub, erp, _sandboxes = world

    def agreeing():
        stored = hub_invoices(hub)
        current = {n: erp.actions()["read_invoice"]({"number": n}, CTX) for n in invoiced}
        wrong = [(n, (c["total"], c["amount_due"], c["status"]), stored.get(n)[:3]) for n, c in current.items()
                 if stored.get(n)[:3] != (c["total"], c["amount_due"], c["status"])]
        return wrong or None

    # the payment runs store the invoice as the ERP answered; the next polls bring later changes
    wrong = None
    for _ in range(30):
        wrong = agreeing()
        if not wrong:
            break
        time.sleep(1)
    report["hub invoice = Tryton invoice after payments"] = (len(invoiced) - len(wrong or []), len(wrong or []))
    assert not wrong, "invoice  tryton  hub\n" + table(wrong)


def test_the_hub_aging_equals_the_erp_open_receivable_per_currency(world, invoiced, paid, report):
    hub, erp, _sandboxes = world
    open_items: dict[str, Decimal] = {}
    for number in invoiced:
        current = erp.actions()["read_invoice"]({"number": number}, CTX)
        open_items[current["currency"]] = open_items.get(current["currency"], Decimal(0)) + current["amount_due"]
    aging = hub.api("GET", "/reports/aging").json()["currencies"]
    hub_open = {currency: sum((Decimal(str(v)) for k, v in buckets.items() if k in BUCKETS), Decimal(0))
                for currency, buckets in aging.items()}
    hub_side = {c: a for c, a in hub_open.items() if a}
    erp_side = {c: a for c, a in open_items.items() if a}
    agree = sum(1 for c in {*hub_side, *erp_side} if hub_side.get(c) == erp_side.get(c))
    report["hub AR aging = Tryton open receivable, currencies"] = (agree, len({*hub_side, *erp_side}) - agree)
    assert hub_side == erp_side



def test_exactly_the_overdue_invoices_are_announced_once(world, invoiced, paid, report):
    hub, erp, sandboxes = world
    slack = sandboxes["slack"]
    today = dt.date.today()
    overdue = set()
    for number in invoiced:
        current = erp.actions()["read_invoice"]({"number": number}, CTX)
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
    assert sorted(announced) == sorted(overdue)


@pytest.mark.parametrize("recipe, says", [
    ("reconcile-orders", "Orders vs ERP: 0 difference(s)"),
    ("reconcile-payments", "Payments vs ERP: 0 difference(s)"),
    ("reconcile-receivables", "Receivables vs ERP: 0 difference(s)"),
])
def test_reconciliation_against_the_erp_finds_no_difference_after_the_month(world, paid, report, recipe, says):
    hub, _erp, sandboxes = world
    slack = sandboxes["slack"].state
    before = len(slack.messages)
    done = hub.cli("trigger", recipe)
    assert "succeeded" in done.stdout, done.stdout + done.stderr
    texts = [m["message"]["text"] for m in slack.messages[before:]]
    clean = any(says in text for text in texts)
    report[f"{recipe} against the ERP's live figures: runs without a difference"] = (int(clean), int(not clean))
    assert clean, texts
