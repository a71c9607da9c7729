"""Cash application's decisions recorded in Odoo (the sandbox, over real sockets): the cash_post
step pays each invoice once under the bank line's reference, an overpayment's rest becomes the
customer's credit in Odoo, and afterwards Odoo's amount due equals the hub's on every invoice."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
from sqlalchemy import select

from connectors.odoo import OdooConnector
from connectors.odoo.sandbox import create_app
from connectors.sandbox import serve
from hub.connector import ActionContext
from hub.o2c.records import store_record
from hub.store.o2c import Invoice
from tests.support.cashpost import RECIPE, run

CTX = ActionContext(idempotency_key="k")


@pytest.fixture
def sandbox():
    with serve(create_app(key="k3y")) as server:
        yield server


@pytest.fixture
def setup(sandbox, make_hub):
    config = {"url": sandbox.url, "database": "sandbox", "api": "json2", "login": "hub", "api_key": "k3y",
              "timeout": 5}
    odoo = OdooConnector.from_config("ledger", config)
    hub = make_hub({"ledger": {"connector": "odoo", **config}}, {"cash.yaml": RECIPE})
    yield hub, odoo
    odoo.close()


def invoiced(hub, odoo, sandbox, name: str, total: str) -> dict:
    partner = odoo.upsert_partner({"name": name, "email": f"{name.split()[0].lower()}@example.com"}, CTX)["id"]
    move_id = requests.post(f"{sandbox.url}/_sandbox/invoices", timeout=5, json={
        "partner_id": [partner, name], "amount_total": total, "currency": "EUR"}).json()["id"]
    invoice = odoo.post_invoice({"id": move_id}, CTX)
    with hub.sessions.begin() as session:
        store_record(session, "customer", {"name": name, "external_refs": invoice["customer"]["external_refs"]})
        store_record(session, "invoice", invoice)
    return invoice


def credit(hub, ident: str, amount: str, text: str, payer: str) -> None:
    with hub.sessions.begin() as session:
        store_record(session, "bank_transaction", {
            "id": ident, "account": {"id": "DE02120300000000202051"}, "booking_date": "2026-03-02",
            "value_date": "2026-03-02", "amount": amount, "currency": "EUR", "remittance_info": text,
            "counterparty": {"name": payer}})




def test_applied_payments_reach_odoo_once_and_both_systems_owe_the_same(setup, sandbox):
    hub, odoo = setup
    exact = invoiced(hub, odoo, sandbox, "Alpha Trading GmbH", "119.00")
    over = invoiced(hub, odoo, sandbox, "Beta Foods AG", "200.00")
    credit(hub, "bt-o-1", "119.00", f"Invoice {exact['number']}", "Alpha Trading GmbH")
    credit(hub, "bt-o-2", "204.50", f"Rechnung {over['number']}", "Beta Foods AG")

    steps = run(hub)
    assert steps["applied"]["auto_applied"] == 2, steps["applied"]
    assert (steps["posted"]["posted"], steps["posted"]["differences"]) == (2, 0)
    moves = requests.get(f"{sandbox.url}/_sandbox/records/account.move", timeout=5).json()
    in_odoo = {m["name"]: Decimal(str(m["amount_residual"])) for m in moves}
    for invoice in (exact, over):
        with hub.sessions() as session:
            in_hub = session.scalar(select(Invoice.amount_due).where(Invoice.number == invoice["number"]))
        assert (in_odoo[invoice["number"]], in_hub) == (Decimal("0.00"), Decimal("0.00")), invoice["number"]
    made = requests.get(f"{sandbox.url}/_sandbox/records/account.payment", timeout=5).json()
    assert sorted(Decimal(str(p["amount"])) for p in made) == [Decimal("4.50"), Decimal("119.00"), Decimal("200.00")]

    assert run(hub)["posted"]["posted"] == 0
    assert len(requests.get(f"{sandbox.url}/_sandbox/records/account.payment", timeout=5).json()) == 3
