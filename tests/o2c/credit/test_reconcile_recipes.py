"""The bundled reconcile recipes over a hub store: the hub's open receivable counts an open credit
note against it as the ERP does, and a read of the store that comes back full fails the run
instead of comparing part of the hub with all of the ERP."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hub import STARTER
from hub.connector import Connector
from hub.registry import ConnectorRegistry
from hub.runs.executor import execute
from hub.runs.inbox import NewEvent, accept
from hub.runs.queue import claim_run
from hub.store.platform import Run
from hub.store.upsert import upsert

D = Decimal


class Ledger(Connector):
    """An ERP whose receivable and payments the test sets."""

    kind = "fake_ledger"
    balances: list[dict] = []
    invoices: list[dict] = []
    sales: list[dict] = []

    def actions(self):
        return {"receivable_balances": lambda payload, context: [dict(row) for row in Ledger.balances],
                "list_invoice_payments": lambda payload, context: [dict(row) for row in Ledger.invoices],
                "list_sales_orders": lambda payload, context: [dict(row) for row in Ledger.sales]}


class Chat(Connector):
    kind = "fake_chat"
    texts: list[str] = []

    def actions(self):
        return {"notify": lambda payload, context: Chat.texts.append(payload["text"]) or {"ok": True}}


def bundled(name: str, *, read_limit: int | None = None) -> str:
    """A bundled recipe; ``read_limit`` stands in for its store read limit of 10000."""
    text = (STARTER / "recipes" / name).read_text()
    return text.replace("10000", str(read_limit)) if read_limit else text


@pytest.fixture
def make(make_hub):
    registry = ConnectorRegistry.from_entry_points().clone()
    registry.register(Ledger)
    registry.register(Chat)
    Ledger.balances, Ledger.invoices, Ledger.sales, Chat.texts = [], [], [], []

    def hub_with(name: str, **options):
        return make_hub({"ledger": {"connector": "fake_ledger"}, "slack": {"connector": "fake_chat"}},
                        {name: bundled(name, **options)}, registry=registry)
    return hub_with


def run(hub, recipe: str) -> Run:
    accepted = accept(hub.sessions, NewEvent(source="manual", dedupe_key=f"{recipe}-now", body=b"{}"),
                      [(recipe, hub.recipes[recipe].recipe.hash)])
    execute(hub, claim_run(hub.sessions, "test", accepted.run_ids[0]))
    with hub.sessions() as session:
        found = session.get(Run, accepted.run_ids[0])
        found.steps  # load while the session is open
        return found


def store(hub, entity: str, *records: dict) -> None:
    with hub.sessions.begin() as session:
        for record in records:
            upsert(session, entity, record)


def invoice(number: str, **fields) -> dict:
    return {"number": number, "currency": "EUR", "issue_date": "2026-11-02", "total": "100.00",
            "amount_due": "100.00", "status": "open", "customer": {"email": "ana@example.org"}, **fields}


def differences(done: Run) -> dict:
    return next(step for step in done.steps if step.step_id == "differences").output


def test_an_open_credit_note_lowers_the_hubs_receivable_as_it_lowers_the_erps(make):
    hub = make("reconcile-receivables.yaml")
    store(hub, "customer", {"email": "ana@example.org", "currency": "EUR"})
    store(hub, "invoice", invoice("INV-1"), invoice("INV-2", status="partially_paid", amount_due="40.00"),
          invoice("INV-3", status="paid", amount_due="0.00"),
          invoice("CN-1", kind="credit_note", credits_invoice="INV-3", total="30.00", amount_due="30.00"),
          invoice("CN-2", kind="credit_note", credits_invoice="INV-3", total="5.00", amount_due="0.00",
                  status="paid"))
    store(hub, "payment_application", {"payment": "pi_over", "kind": "credit", "amount": "10.00",
                                       "currency": "EUR", "applied_at": "2026-11-03T10:00:00Z"})
    # Tryton: 100.00 + 40.00 to pay, the open credit note −30.00, the overpayment's 10.00 credit
    Ledger.balances = [{"currency": "EUR", "invoices": D("110.00"), "credit": D("10.00"), "balance": D("100.00")}]
    done = run(hub, "reconcile-receivables")
    assert done.status == "succeeded", done.error_message
    assert (differences(done)["count"], differences(done)["matched"]) == (0, 1)
    assert Chat.texts == ["Receivables vs ERP: 0 difference(s), 1 currency agree to the cent."]


@pytest.mark.parametrize(("recipe", "entity", "records", "message"), [
    ("reconcile-receivables.yaml", "invoice", [invoice("INV-1"), invoice("INV-2")],
     "the hub holds 2 or more open invoices, more than one query reads: nothing was compared"),
    ("reconcile-payments.yaml", "payment",
     [{"reference": f"pi_{n}", "amount": "10.00", "currency": "EUR", "status": "received",
       "received_at": "2026-11-03T10:00:00Z"} for n in (1, 2)],
     "the hub holds 2 or more payments, more than one query reads: nothing was compared"),
    ("reconcile-orders.yaml", "sales_order",
     [{"number": str(n), "currency": "EUR", "order_date": "2026-11-02", "customer": {"email": "ana@example.org"},
       "lines": [{"line_number": 1, "sku": "TEA", "quantity": "1", "unit_price": "10.00", "line_total": "10.00"}],
       "totals": {"total": "10.00"}} for n in (1, 2)],
     "the hub holds 2 or more sales orders, more than one query reads: nothing was compared"),
], ids=["receivables", "payments", "orders"])
def test_a_full_read_of_the_store_fails_the_run_before_anything_is_compared(make, recipe, entity, records, message):
    hub = make(recipe, read_limit=2)
    store(hub, "customer", {"email": "ana@example.org", "currency": "EUR"})
    store(hub, entity, *records)
    done = run(hub, recipe.removesuffix(".yaml"))
    assert done.status == "dead"
    assert message in done.error_message
    assert "step whole_read" in done.error_message
    assert [s.step_id for s in done.steps if s.status == "succeeded"][-1] != "differences"
    assert not any(s.step_id == "differences" for s in done.steps)
    assert Chat.texts == []
