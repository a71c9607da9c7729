"""OdooConnector against the Odoo sandbox over real sockets, with both APIs."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
import requests

from connectors.odoo import OdooConnector
from connectors.odoo.client import Json2Client, classify
from connectors.odoo.mapping import exact
from connectors.odoo.sandbox import create_app
from connectors.sandbox import serve
from hub.connector import ActionContext, Cursor
from hub.errors import FatalError, RetriableError

CTX = ActionContext(idempotency_key="k")
ORDER = {
    "number": "#1001", "currency": "EUR",
    "customer": {"name": "Acme GmbH", "email": "ap@acme.example", "external_refs": [{"system": "shop", "id": "42"}]},
    "lines": [{"sku": "WIDGET-1", "description": "Widget", "quantity": "2", "unit_price": "19.99"},
              {"sku": "GADGET-2", "quantity": 1, "unit_price": "5.00"}],
}


@pytest.fixture
def sandbox():
    app = create_app(key="k3y")
    with serve(app) as server:
        yield server


@pytest.fixture(params=["json2", "jsonrpc"])
def odoo(request, sandbox) -> OdooConnector:
    config = {"url": sandbox.url, "database": "sandbox", "api": request.param, "login": "hub", "api_key": "k3y", "timeout": 5,
              "poll_settle": 0}
    connector = OdooConnector.from_config("erp", config)
    yield connector
    connector.close()


def _records(sandbox, model: str) -> list:
    return requests.get(f"{sandbox.url}/_sandbox/records/{model}", timeout=5).json()


def _invoice(sandbox, **values) -> int:
    return requests.post(f"{sandbox.url}/_sandbox/invoices", json=values, timeout=5).json()["id"]


def test_create_sale_order_once(odoo, sandbox):
    first = odoo.actions()["create_sale_order"](ORDER, CTX)
    again = odoo.create_sale_order(ORDER, CTX)
    assert first["created"] and first["state"] == "sale" and not again["created"] and again["id"] == first["id"]
    [sale] = _records(sandbox, "sale.order")
    assert sale["client_order_ref"] == "#1001" and len(sale["order_line"]) == 2
    assert sorted(p["default_code"] for p in _records(sandbox, "product.product")) == ["GADGET-2", "WIDGET-1"]
    [partner] = _records(sandbox, "res.partner")
    assert partner["ref"] == "shop:42" and partner["email"] == "ap@acme.example"


def test_upsert_partner_finds_by_email(odoo, sandbox):
    created = odoo.upsert_partner({"name": "Acme", "email": "ap@acme.example"}, CTX)
    updated = odoo.upsert_partner({"name": "Acme GmbH", "email": "ap@acme.example"}, CTX)
    assert created["created"] and not updated["created"] and created["id"] == updated["id"]
    assert _records(sandbox, "res.partner")[0]["name"] == "Acme GmbH"


def test_post_read_and_pay_invoice(odoo, sandbox):
    partner = odoo.upsert_partner({"name": "Acme", "email": "ap@acme.example"}, CTX)["id"]
    move_id = _invoice(sandbox, partner_id=[partner, "Acme"], amount_total=0.1 + 0.2, invoice_origin="#1001")
    posted = odoo.post_invoice({"id": move_id}, CTX)
    assert posted["status"] == "open" and posted["total"] == Decimal("0.30") and posted["number"].startswith("INV/")
    payment = {"reference": "E2E-1", "amount": "0.10", "currency": "EUR", "invoice": {"number": posted["number"]}}
    assert odoo.register_payment(payment, CTX)["created"]
    assert not odoo.register_payment(payment, CTX)["created"]
    [invoice] = odoo.read_invoices({}, CTX)
    assert invoice["status"] == "partially_paid" and invoice["amount_due"] == Decimal("0.20")
    assert invoice["order_number"] == "#1001"
    assert [(ref["system"], ref["id"]) for ref in invoice["external_refs"]] == [("erp", str(move_id))]
    assert len(_records(sandbox, "account.payment")) == 1


def test_poll_invoices_since_cursor(odoo, sandbox):
    _invoice(sandbox, partner_id=[1, "Acme"], amount_total=10)
    records = list(odoo.poll("invoices", Cursor(start=datetime(2000, 1, 1, tzinfo=timezone.utc))))
    assert len(records) == 1 and records[0].updated_at.tzinfo is not None and records[0].data["status"] == "draft"
    assert list(odoo.poll("invoices", Cursor(start=datetime(2999, 1, 1, tzinfo=timezone.utc)))) == []


def test_user_error_is_fatal(odoo, sandbox):
    move_id = _invoice(sandbox, partner_id=[1, "Acme"], amount_total=10, state="cancel")
    with pytest.raises(FatalError, match="no invoice"):
        odoo.post_invoice({"number": "INV/none"}, CTX)
    with pytest.raises(FatalError, match="Only draft"):
        odoo.call("account.move", "action_post", [move_id], action="post_invoice")


@pytest.mark.parametrize("fault", [503, {"status": 429, "headers": {"Retry-After": "3"}}], ids=["503", "429"])
def test_http_faults_are_retriable(odoo, sandbox, fault):
    requests.post(f"{sandbox.url}/_sandbox/faults", json=[fault], timeout=5)
    with pytest.raises(RetriableError):
        odoo.read_invoices({}, CTX)


def test_wrong_key_is_fatal(sandbox):
    for api in ("json2", "jsonrpc"):
        bad = OdooConnector.from_config("erp", {"url": sandbox.url, "database": "sandbox", "api": api,
                                                "login": "hub", "api_key": "nope", "timeout": 5})
        with pytest.raises(FatalError) as caught:
            bad.read_invoices({}, CTX)
        assert "nope" not in str(caught.value)


@pytest.mark.parametrize(("status", "body", "error"), [
    (200, {"error": {"data": {"name": "odoo.exceptions.ValidationError", "message": "bad vat"}}}, FatalError),
    (200, {"error": {"data": {"name": "odoo.exceptions.AccessError", "message": "no"}}}, FatalError),
    (200, {"error": {"data": {"name": "psycopg2.errors.SerializationFailure", "message": "could not serialize access"}}}, RetriableError),
    (500, {"name": "builtins.KeyError", "message": "x"}, RetriableError),
    (422, {"name": "odoo.exceptions.UserError", "message": "x"}, FatalError),
    (500, {"name": "odoo.exceptions.UserError", "message": "x"}, FatalError),
], ids=["validation", "access", "serialization", "json2-500", "json2-422", "user-error-500"])
def test_classify(status, body, error):
    with pytest.raises(error):
        classify(status, body, {}, connection="erp", action="a")


def test_exact_money_and_json2_named_args():
    assert exact(0.1 + 0.2, "EUR") == Decimal("0.30") and exact(1234.5, "JPY") == Decimal("1235")
    assert Json2Client.named("write", [[1, 2], {"name": "x"}]) == {"ids": [1, 2], "vals": {"name": "x"}}
    assert Json2Client.named("search_read", [[("a", "=", 1)], ["id"]]) == {"domain": [("a", "=", 1)], "fields": ["id"]}


def test_a_paid_invoice_keeps_its_zero_amount_due():
    from decimal import Decimal

    from connectors.odoo.mapping import invoice_from_odoo

    move = {"id": 7, "name": "INV/2026/0007", "move_type": "out_invoice", "state": "posted",
            "payment_state": "paid", "partner_id": [3, "Acme"], "currency_id": [1, "EUR"],
            "invoice_date": "2026-11-01", "invoice_date_due": "2026-11-15",
            "amount_untaxed": 100.0, "amount_tax": 19.0, "amount_total": 119.0, "amount_residual": 0.0}
    invoice = invoice_from_odoo(move, system="ledger")
    assert invoice["status"] == "paid" and invoice["amount_due"] == Decimal("0.00")


def test_an_invoice_ref_is_versioned_by_its_write_date():
    from connectors.odoo.mapping import invoice_from_odoo

    move = {"id": 7, "name": "INV/2026/0007", "move_type": "out_invoice", "state": "posted",
            "currency_id": [1, "EUR"], "amount_total": 119.0, "write_date": "2026-12-07 10:15:02"}
    assert invoice_from_odoo(move, system="ledger")["external_refs"] == [
        {"system": "ledger", "id": "7", "version": "2026-12-07T10:15:02+00:00"}]
    assert invoice_from_odoo({**move, "write_date": False}, system="ledger")["external_refs"] == [
        {"system": "ledger", "id": "7"}]


def test_polled_invoices_carry_their_write_date_as_version(odoo, sandbox):
    _invoice(sandbox, partner_id=[1, "Acme"], amount_total=10)
    (record,) = odoo.poll("invoices", Cursor(start=None))
    assert record.data["external_refs"][0]["version"] == record.updated_at.isoformat()


def test_the_poll_reports_an_invoice_once_the_second_of_its_write_date_is_over(sandbox):
    """Odoo's write dates are whole seconds: two changes in one second are one version, so the
    poll leaves an invoice written less than ``poll_settle`` seconds ago for the next poll."""
    config = {"url": sandbox.url, "database": "sandbox", "api": "jsonrpc", "login": "hub", "api_key": "k3y",
              "timeout": 5, "poll_settle": 60}
    odoo = OdooConnector.from_config("erp", config)
    _invoice(sandbox, partner_id=[1, "Acme"], amount_total=10)
    assert list(odoo.poll("invoices", Cursor(start=None))) == []
    odoo.invoices.settle = timedelta(0)
    assert len(list(odoo.poll("invoices", Cursor(start=None)))) == 1
    odoo.close()


def test_polled_invoices_name_the_customer_email_the_order_and_their_lines(odoo, sandbox):
    """An invoice made from a sale order by Odoo's invoicing wizard, polled: the partner's e-mail,
    the storefront order number (the sale's customer reference) and every line (this order's
    have no taxes; the month end to end checks taxed lines)."""
    sale = odoo.create_sale_order(ORDER, CTX)
    context = {"context": {"active_model": "sale.order", "active_ids": [sale["id"]]}}
    [wizard] = odoo.call("sale.advance.payment.inv", "create", [{"advance_payment_method": "delivered"}],
                         action="test", **context)
    odoo.call("sale.advance.payment.inv", "create_invoices", [wizard], action="test", **context)
    (record,) = odoo.poll("invoices", Cursor(start=None))
    invoice = record.data
    assert invoice["customer"]["email"] == "ap@acme.example" and invoice["order_number"] == "#1001"
    assert [(line["sku"], line["quantity"], line["unit_price"], line["line_total"], line.get("tax_lines"))
            for line in invoice["lines"]] == [("WIDGET-1", Decimal(2), Decimal("19.99"), Decimal("39.98"), None),
                                              ("GADGET-2", Decimal(1), Decimal("5"), Decimal("5.00"), None)]


def test_polled_invoices_name_the_partners_active_ibans_with_their_bic(odoo, sandbox):
    """The partner's bank accounts (res.partner.bank) that are IBANs and not archived reach the
    invoice's customer reference, with the bank's BIC; a domestic account number is left out."""
    sale = odoo.create_sale_order(ORDER, CTX)
    [partner] = _records(sandbox, "res.partner")
    odoo.call("res.partner.bank", "create", [
        {"partner_id": partner["id"], "acc_number": "DE89 3704 0044 0532 0130 00", "bank_bic": "COBADEFFXXX"},
        {"partner_id": partner["id"], "acc_number": "021000021 123456789"},                 # a US account
        {"partner_id": partner["id"], "acc_number": "FR1420041010050500013M02606", "active": False},
        {"partner_id": partner["id"], "acc_number": "nl91abna0417164300"}], action="test")
    context = {"context": {"active_model": "sale.order", "active_ids": [sale["id"]]}}
    [wizard] = odoo.call("sale.advance.payment.inv", "create", [{"advance_payment_method": "delivered"}],
                         action="test", **context)
    odoo.call("sale.advance.payment.inv", "create_invoices", [wizard], action="test", **context)
    (record,) = odoo.poll("invoices", Cursor(start=None))
    assert record.data["customer"]["bank_accounts"] == [{"iban": "DE89370400440532013000", "bic": "COBADEFFXXX"},
                                                         {"iban": "NL91ABNA0417164300"}]


def test_an_invoice_to_a_contact_names_the_accounts_of_the_company_it_invoices_for(odoo, sandbox):
    """Odoo keeps bank accounts on the commercial partner (the company), not on its contacts."""
    [company] = odoo.call("res.partner", "create", [{"name": "Acme Holding GmbH", "is_company": True}], action="test")
    odoo.call("res.partner.bank", "create", [{"partner_id": company, "acc_number": "FR14 2004 1010 0505 0001 3M02 606"}],
              action="test")
    sale = odoo.create_sale_order(ORDER, CTX)
    context = {"context": {"active_model": "sale.order", "active_ids": [sale["id"]]}}
    [wizard] = odoo.call("sale.advance.payment.inv", "create", [{"advance_payment_method": "delivered"}],
                         action="test", **context)
    odoo.call("sale.advance.payment.inv", "create_invoices", [wizard], action="test", **context)
    [move] = _records(sandbox, "account.move")
    odoo.call("account.move", "write", [move["id"]], {"commercial_partner_id": company}, action="test")
    (record,) = odoo.poll("invoices", Cursor(start=None))
    assert record.data["customer"]["bank_accounts"] == [{"iban": "FR1420041010050500013M02606"}]


@pytest.mark.parametrize(("written", "kept"), [
    ("INV/2026/0007", "INV/2026/0007"),                       # Odoo's default: the invoice's name
    ("RF18 5390 0754 7034", "RF18 5390 0754 7034"),           # a structured creditor reference
    ("RF19 5390 0754 7034", None),                            # wrong check digits: not quotable
    ("A1", None), (False, None), ("x" * 41, None),
], ids=["name", "rf", "rf-wrong-check", "too-short", "unset", "too-long"])
def test_an_invoice_carries_the_payment_reference_odoo_printed_on_it(written, kept):
    from connectors.odoo.mapping import invoice_from_odoo
    from hub.canonical import check

    move = {"id": 7, "name": "INV/2026/0007", "move_type": "out_invoice", "state": "posted",
            "partner_id": [3, "Acme"], "currency_id": [1, "EUR"], "amount_total": 119.0,
            "amount_residual": 119.0, "payment_reference": written}
    invoice = invoice_from_odoo(move, system="ledger")
    assert invoice.get("payment_reference") == kept
    check("invoice", invoice)  # whatever Odoo wrote there, the invoice stays valid
