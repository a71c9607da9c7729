"""Cash application's decisions recorded in a real trytond: invoices posted in Tryton and known to
the hub, bank credits matched by the hub (automatically, or accepted by a person), then the
cash_post step records each payment against its invoices. Afterwards Tryton's amount to pay equals
the hub's amount due for every invoice, to the cent (and to the yen), an overpayment is the
customer's credit in Tryton, and running the postings again records nothing twice. A payment
quoting only the reference Tryton printed on its invoice (customer_payment_reference) is applied."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import select

from hub.connector import ActionContext
from hub.o2c.cashapp.service import CashApplication
from hub.o2c.records import store_record
from hub.store.o2c import Invoice
from tests.support.cashpost import RECIPE, run

pytestmark = pytest.mark.e2e

CTX = ActionContext(idempotency_key="test")



@pytest.fixture
def hub(make_hub, tryton_server, registry):
    config = {"connector": "tryton", "url": tryton_server.url, "database": tryton_server.database,
              "username": tryton_server.user, "password": tryton_server.password, "timeout": 60}
    return make_hub({"ledger": config}, {"cash.yaml": RECIPE}, registry=registry)


def invoiced(hub, erp, tag: str, price: str, currency: str = "EUR") -> dict:
    """A sale of one line at ``price`` invoiced and posted in Tryton for a customer of its own,
    the customer and the invoice stored in the hub as Tryton gave them."""
    order = {"number": f"SO-{tag}", "currency": currency, "payment_term": "Direct",
             "customer": {"name": f"Cash Payer {tag}", "email": f"{tag.lower()}@cash.example"},
             "billing_address": {"line1": "Cash Street 1", "city": "Berlin", "postal_code": "10115"},
             "lines": [{"sku": f"PAY-{currency}", "description": "Item", "quantity": "1", "unit_price": price}]}
    erp.actions()["create_sale"](order, CTX)
    invoice, = erp.actions()["post_invoice"]({"order_number": order["number"]}, CTX)
    with hub.sessions.begin() as session:
        store_record(session, "customer", {"name": f"Cash Payer {tag}", "email": f"{tag.lower()}@cash.example",
                                           "external_refs": invoice["customer"].get("external_refs", [])})
        store_record(session, "invoice", invoice)
    return invoice


def credit(hub, ident: str, amount: str, currency: str, text: str, payer: str) -> None:
    with hub.sessions.begin() as session:
        store_record(session, "bank_transaction", {
            "id": ident, "account": {"id": "DE02120300000000202051"}, "booking_date": dt.date.today().isoformat(), "value_date": dt.date.today().isoformat(),
            "amount": amount, "currency": currency, "remittance_info": text, "counterparty": {"name": payer}})




def tryton_due(erp, number: str) -> tuple[Decimal, int]:
    row, = erp.client.search_read("account.invoice", [("number", "=", number)], ["amount_to_pay", "payment_lines"])
    return row["amount_to_pay"], len(row["payment_lines"])


def hub_due(hub, number: str) -> Decimal:
    with hub.sessions() as session:
        return session.scalar(select(Invoice.amount_due).where(Invoice.number == number))


def test_applied_payments_reach_tryton_once_and_both_systems_owe_the_same(hub, erp):
    tag = uuid.uuid4().hex[:6].upper()
    exact = invoiced(hub, erp, f"{tag}A", "100.00")
    first, second = invoiced(hub, erp, f"{tag}B", "40.00"), invoiced(hub, erp, f"{tag}B2", "60.01")
    over = invoiced(hub, erp, f"{tag}C", "100.00")
    partial = invoiced(hub, erp, f"{tag}D", "100.00")
    yen = invoiced(hub, erp, f"{tag}J", "15000", "JPY")
    quoted = invoiced(hub, erp, f"{tag}R", "75.50")  # paid by quoting the reference Tryton printed
    assert quoted["payment_reference"].startswith("RF")
    credit(hub, f"bt-{tag}-1", "100.00", "EUR", f"Invoice {exact['number']}", f"Cash Payer {tag}A")
    credit(hub, f"bt-{tag}-3", "103.00", "EUR", f"Rechnung {over['number']}", f"Cash Payer {tag}C")
    credit(hub, f"bt-{tag}-4", "40.00", "EUR", f"Invoice {partial['number']} first part", f"Cash Payer {tag}D")
    credit(hub, f"bt-{tag}-5", "15000", "JPY", f"INV {yen['number']}", f"Cash Payer {tag}J")
    credit(hub, f"bt-{tag}-6", "75.50", "EUR", f"Zahlung {quoted['payment_reference'].lower()}", f"Cash Payer {tag}R")
    # two invoices of two customers, paid apart
    credit(hub, f"bt-{tag}-2a", "40.00", "EUR", f"Invoice {first['number']}", f"Cash Payer {tag}B")
    credit(hub, f"bt-{tag}-2b", "60.01", "EUR", f"Invoice {second['number']}", f"Cash Payer {tag}B2")

    steps = run(hub)
    statuses = {o["payment"]: o["status"] for o in steps["applied"]["outcomes"]}
    assert statuses[f"bt-{tag}-4"] == "proposed"  # a partial payment waits for a person
    assert {p: s for p, s in statuses.items() if p != f"bt-{tag}-4"} == dict.fromkeys(
        [f"bt-{tag}-1", f"bt-{tag}-3", f"bt-{tag}-5", f"bt-{tag}-6", f"bt-{tag}-2a", f"bt-{tag}-2b"], "auto_applied")
    assert steps["posted"]["posted"] == 6 and steps["posted"]["differences"] == 0

    proposal = next(o["proposal_id"] for o in steps["applied"]["outcomes"] if o["payment"] == f"bt-{tag}-4")
    with hub.sessions.begin() as session:
        CashApplication(session).accept(proposal, who="alice")
    assert run(hub)["posted"]["posted"] == 1

    expected = {exact["number"]: Decimal("0.00"), first["number"]: Decimal("0.00"),
                second["number"]: Decimal("0.00"), over["number"]: Decimal("0.00"),
                partial["number"]: Decimal("60.00"), yen["number"]: Decimal("0"), quoted["number"]: Decimal("0.00")}
    for number, due in expected.items():
        assert (tryton_due(erp, number)[0], hub_due(hub, number)) == (due, due), number
    lines = {number: tryton_due(erp, number)[1] for number in expected}
    overpaid, = erp.client.search_read("account.move", [("description", "=", f"bt-{tag}-3 (overpayment)")], ["state"])
    assert overpaid["state"] == "posted"  # the 3.00 over is the customer's credit in Tryton

    again = run(hub)
    assert again["posted"]["posted"] == 0
    assert {number: tryton_due(erp, number)[1] for number in expected} == lines
