"""record_payment on Odoo invoices through the sandbox over real sockets: applied up to the
amount due, the rest a separate unreconciled customer payment (the customer's credit), once
per payment reference."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from connectors.odoo import OdooConnector
from connectors.odoo.sandbox import create_app
from connectors.sandbox import serve
from hub.connector import ActionContext
from hub.errors import FatalError

CTX = ActionContext(idempotency_key="k")


@pytest.fixture
def sandbox():
    with serve(create_app(key="k3y")) as server:
        yield server


@pytest.fixture(params=["json2", "jsonrpc"])
def odoo(request, sandbox) -> OdooConnector:
    connector = OdooConnector.from_config("erp", {"url": sandbox.url, "database": "sandbox", "api": request.param,
                                                  "login": "hub", "api_key": "k3y", "timeout": 5})
    yield connector
    connector.close()


def records(sandbox, model: str) -> list:
    return requests.get(f"{sandbox.url}/_sandbox/records/{model}", timeout=5).json()


def posted_invoice(odoo, sandbox, total="100.00", currency="EUR") -> str:
    partner = odoo.upsert_partner({"name": "Acme", "email": "ap@acme.example"}, CTX)["id"]
    move_id = requests.post(f"{sandbox.url}/_sandbox/invoices", timeout=5, json={
        "partner_id": [partner, "Acme"], "amount_total": total, "currency": currency}).json()["id"]
    return odoo.post_invoice({"id": move_id}, CTX)["number"]


def pay(odoo, number, reference, amount, currency="EUR"):
    payment = {"reference": reference, "amount": amount, "currency": currency, "received_at": "2026-03-02T10:00:00Z"}
    return odoo.actions()["record_payment"]({"invoice": {"number": number}, "payment": payment}, CTX)


def payments(sandbox) -> dict[str, dict]:
    return {row["memo"]: row for row in records(sandbox, "account.payment")}


def test_a_full_payment_pays_the_invoice(odoo, sandbox):
    number = posted_invoice(odoo, sandbox)
    done = pay(odoo, number, "P-1", "100.00")
    assert (done["applied"], done["credit"], done["created"]) == (Decimal("100.00"), Decimal("0.00"), True)
    assert done["invoice"]["status"] == "paid" and done["invoice"]["amount_due"] == Decimal("0.00")
    assert done["credit_payment_id"] is None
    [made] = records(sandbox, "account.payment")
    assert made["amount"] == 100.0 and made["date"] == "2026-03-02" and made["currency_id"][1] == "EUR"


def test_partial_and_split_payments_leave_what_is_due(odoo, sandbox):
    number = posted_invoice(odoo, sandbox)
    first = pay(odoo, number, "P-1", "40.00")
    assert (first["applied"], first["credit"]) == (Decimal("40.00"), Decimal("0.00"))
    assert first["invoice"]["status"] == "partially_paid" and first["invoice"]["amount_due"] == Decimal("60.00")
    second = pay(odoo, number, "P-2", "60.00")
    assert (second["applied"], second["credit"]) == (Decimal("60.00"), Decimal("0.00"))
    assert second["invoice"]["status"] == "paid"
    assert sorted(payments(sandbox)) == ["P-1", "P-2"]


def test_an_overpayment_pays_the_invoice_and_keeps_the_rest_as_credit(odoo, sandbox):
    number = posted_invoice(odoo, sandbox)
    done = pay(odoo, number, "P-1", "150.00")
    assert (done["applied"], done["credit"]) == (Decimal("100.00"), Decimal("50.00"))
    assert done["invoice"]["status"] == "paid" and done["invoice"]["amount_due"] == Decimal("0.00")
    made = payments(sandbox)
    assert made["P-1"]["amount"] == 100.0 and made["P-1"]["id"] == done["payment_id"]
    credit = made["P-1 (overpayment)"]
    assert credit["id"] == done["credit_payment_id"] and credit["amount"] == 50.0
    assert credit["state"] == "in_process" and credit["payment_type"] == "inbound"  # posted, open: credit
    assert credit["partner_type"] == "customer" and credit["partner_id"][0] == made["P-1"]["partner_id"][0]
    assert all(move["amount_residual"] >= 0 for move in records(sandbox, "account.move"))


def test_a_payment_on_a_paid_invoice_is_all_credit(odoo, sandbox):
    number = posted_invoice(odoo, sandbox)
    pay(odoo, number, "P-1", "100.00")
    done = pay(odoo, number, "P-2", "30.00")
    assert (done["applied"], done["credit"], done["payment_id"]) == (Decimal("0.00"), Decimal("30.00"), None)
    assert payments(sandbox)["P-2 (overpayment)"]["amount"] == 30.0 and "P-2" not in payments(sandbox)


def test_the_same_reference_books_nothing_twice(odoo, sandbox):
    number = posted_invoice(odoo, sandbox)
    first = pay(odoo, number, "P-1", "150.00")
    again = pay(odoo, number, "P-1", "150.00")
    assert not again["created"] and {k: again[k] for k in ("payment_id", "credit_payment_id", "applied", "credit")} == {
        k: first[k] for k in ("payment_id", "credit_payment_id", "applied", "credit")}
    assert len(records(sandbox, "account.payment")) == 2


def test_a_retry_after_the_applied_part_books_only_the_credit(odoo, sandbox):
    number = posted_invoice(odoo, sandbox)
    pay(odoo, number, "P-1", "100.00")  # as if the first attempt stopped before booking the credit
    done = pay(odoo, number, "P-1", "120.00")
    assert (done["applied"], done["credit"], done["created"]) == (Decimal("100.00"), Decimal("20.00"), True)
    assert sorted(payments(sandbox)) == ["P-1", "P-1 (overpayment)"]


def test_the_payment_carries_the_invoices_currency(odoo, sandbox):
    number = posted_invoice(odoo, sandbox, total="1000", currency="JPY")
    done = pay(odoo, number, "P-JPY", "1200", currency="JPY")
    assert (done["applied"], done["credit"]) == (Decimal("1000"), Decimal("200"))
    assert {row["currency_id"][1] for row in records(sandbox, "account.payment")} == {"JPY"}


@pytest.mark.parametrize(("currency", "amount", "message"), [
    ("USD", "10.00", "is in USD but invoice .* is in EUR"),
    ("EUR", "0.00", "no positive amount"),
], ids=["other-currency", "zero"])
def test_payments_odoo_cannot_take_are_refused(odoo, sandbox, currency, amount, message):
    number = posted_invoice(odoo, sandbox)
    with pytest.raises(FatalError, match=message):
        pay(odoo, number, "P-X", amount, currency=currency)
    assert records(sandbox, "account.payment") == []


def test_a_draft_invoice_is_refused(odoo, sandbox):
    move_id = requests.post(f"{sandbox.url}/_sandbox/invoices", json={"partner_id": [1, "Acme"], "amount_total": 10},
                            timeout=5).json()["id"]
    with pytest.raises(FatalError, match="is draft, not open"):
        odoo.record_payment({"invoice": {"id": move_id}, "payment": {"reference": "P", "amount": "5",
                                                                     "currency": "EUR"}}, CTX)


def test_the_sandbox_wizard_refuses_an_invoice_with_nothing_to_pay(odoo, sandbox):
    number = posted_invoice(odoo, sandbox)
    pay(odoo, number, "P-1", "100.00")
    move = odoo.find_invoice({"number": number}, action="t")
    context = {"context": {"active_model": "account.move", "active_ids": [move["id"]]}}
    [wizard] = odoo.call("account.payment.register", "create", [{"amount": 5}], action="t", **context)
    with pytest.raises(FatalError, match="nothing left to pay"):
        odoo.call("account.payment.register", "action_create_payments", [wizard], action="t", **context)


def test_the_reference_can_live_in_ref(sandbox):
    odoo = OdooConnector.from_config("erp", {"url": sandbox.url, "database": "sandbox", "api_key": "k3y",
                                             "payment_reference_field": "ref"})
    number = posted_invoice(odoo, sandbox)
    first = pay(odoo, number, "P-1", "110.00")
    again = pay(odoo, number, "P-1", "110.00")
    assert (first["applied"], first["credit"], again["created"]) == (Decimal("100.00"), Decimal("10.00"), False)
    assert sorted(row["ref"] for row in records(sandbox, "account.payment")) == ["P-1", "P-1 (overpayment)"]
    odoo.close()
