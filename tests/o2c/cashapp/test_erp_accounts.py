"""The bank accounts an ERP knows of its party reach the hub with the invoices it sends: each IBAN
is known for the customer the invoice names (customer_ibans), never kept on the invoice, never
handed to a customer that merely shares the party's name, and cash application recognises the
payer by it."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.errors import InvalidRecordError
from hub.o2c.cashapp.service import apply_bank_transaction
from hub.o2c.records import store_record
from hub.store.o2c import Customer, Invoice
from hub.store.o2c_cash import CustomerIban
from tests.o2c.cashapp.conftest import invoice
from tests.o2c.cashapp.test_service import bank_line

ACME_ERP_IBAN = "NL91ABNA0417164300"


def erp_invoice(number: str, total: str, accounts: list, *, party: str = "7", email: str | None = "ap@acme.example",
                name: str = "ACME GmbH") -> dict:
    record = invoice(number, total, email or "x@example.com")
    customer = {"email": email, "name": name, "bank_accounts": accounts,
                "external_refs": [{"system": "tryton", "id": party}]}
    return {**record, "customer": {k: v for k, v in customer.items() if v is not None}}


def known(session) -> list[tuple[str, str, str]]:
    rows = session.execute(select(CustomerIban.iban, Customer.name, CustomerIban.learned_from)
                           .join(Customer, Customer.id == CustomerIban.customer_id).order_by(CustomerIban.iban))
    return [tuple(row) for row in rows]


def test_an_erp_invoice_makes_the_party_accounts_known_for_its_customer_and_keeps_none_itself(session):
    store_record(session, "invoice", erp_invoice("INV-2024-00050", "200.00", [{"iban": "nl91 abna 0417 1643 00"}]),
                 known_customer=True)
    assert known(session) == [(ACME_ERP_IBAN, "ACME GmbH", "tryton party 7")]
    stored = session.scalar(select(Invoice).where(Invoice.number == "INV-2024-00050"))
    assert "bank_accounts" not in stored.data["customer"]
    assert stored.customer_id == session.scalar(select(Customer.id).where(Customer.email == "ap@acme.example"))


def test_each_iban_once_whatever_its_spelling_and_a_customer_sync_does_not_lose_them(session):
    store_record(session, "invoice", erp_invoice("INV-2024-00050", "200.00", [
        {"iban": ACME_ERP_IBAN}, {"iban": "NL91 ABNA 0417 1643 00"},
        {"iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"}]), known_customer=True)
    store_record(session, "invoice", erp_invoice("INV-2024-00051", "10.00", []), known_customer=True)
    store_record(session, "customer", {"name": "ACME GmbH", "email": "ap@acme.example", "phone": "+49 30 1"})
    assert [row[0] for row in known(session)] == ["DE89370400440532013000", ACME_ERP_IBAN]


def test_a_party_the_hub_does_not_know_becomes_a_customer_with_its_accounts(session):
    store_record(session, "invoice", erp_invoice("INV-2024-00060", "55.00", [{"iban": "FR1420041010050500013M02606"}],
                                                 party="9", email="billing@initech.example", name="Initech SARL"),
                 known_customer=True)
    assert known(session) == [("FR1420041010050500013M02606", "Initech SARL", "tryton party 9")]


def test_a_customer_that_only_shares_the_partys_name_is_not_given_its_accounts(session):
    store_record(session, "invoice", erp_invoice("INV-2024-00061", "55.00", [{"iban": ACME_ERP_IBAN}],
                                                 party="11", email=None, name="Globex Corporation"))
    assert known(session) == []


@pytest.mark.parametrize("accounts, problem", [
    ([{"iban": "NL91ABNA0417164301"}], "iban"),
    ("NL91ABNA0417164300", "bank_accounts"),
    (["NL91ABNA0417164300"], "bank_accounts/0"),
], ids=["check-digits", "not-a-list", "not-an-object"])
def test_accounts_that_are_not_valid_are_refused_with_the_record(session, accounts, problem):
    with pytest.raises(InvalidRecordError, match=problem):
        store_record(session, "invoice", erp_invoice("INV-2024-00070", "10.00", accounts), known_customer=True)
    assert known(session) == []


def test_a_payment_from_an_account_the_erp_gave_is_taken_for_its_customer(session):
    before = apply_bank_transaction(session, bank_line("bt-a", "80.50", "", name="A.C.M.E.", iban=ACME_ERP_IBAN))
    session.rollback()
    store_record(session, "invoice", erp_invoice("INV-2024-00050", "200.00", [{"iban": ACME_ERP_IBAN}]),
                 known_customer=True)
    after = apply_bank_transaction(session, bank_line("bt-a", "80.50", "", name="A.C.M.E.", iban=ACME_ERP_IBAN))
    assert before.status == "proposed"
    assert (after.status, after.invoices) == ("auto_applied", ("INV-2024-00043",))
    assert "IBAN known for ACME GmbH" in after.reasons
