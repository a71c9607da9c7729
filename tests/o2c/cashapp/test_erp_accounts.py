"""The bank accounts an ERP knows of its party reach the hub's customer with the invoices it
sends, and cash application recognises the payer by them."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.errors import InvalidRecordError
from hub.o2c.cashapp.service import apply_bank_transaction
from hub.o2c.records import store_record
from hub.store.o2c import Customer, Invoice
from tests.o2c.cashapp.conftest import invoice
from tests.o2c.cashapp.test_service import bank_line

ACME_ERP_IBAN = "NL91ABNA0417164300"


def erp_invoice(number: str, total: str, accounts: list[dict], *, party: str = "7", email: str = "ap@acme.example",
                name: str = "ACME GmbH") -> dict:
    record = invoice(number, total, email)
    return {**record, "customer": {"email": email, "name": name, "bank_accounts": accounts,
                                   "external_refs": [{"system": "tryton", "id": party}]}}


def accounts_of(session, email: str) -> list[dict]:
    return session.scalar(select(Customer).where(Customer.email == email)).data.get("bank_accounts", [])


def test_an_erp_invoice_gives_its_customer_the_party_accounts_and_keeps_none_itself(session):
    store_record(session, "invoice", erp_invoice("INV-2024-00050", "200.00", [{"iban": "nl91 abna 0417 1643 00"}]),
                 known_customer=True)
    assert accounts_of(session, "ap@acme.example") == [{"iban": ACME_ERP_IBAN}]
    stored = session.scalar(select(Invoice).where(Invoice.number == "INV-2024-00050"))
    assert "bank_accounts" not in stored.data["customer"]
    assert stored.customer_id == session.scalar(select(Customer.id).where(Customer.email == "ap@acme.example"))


def test_an_account_already_listed_is_not_added_twice_and_none_is_removed(session):
    store_record(session, "invoice", erp_invoice("INV-2024-00050", "200.00", [{"iban": ACME_ERP_IBAN}]),
                 known_customer=True)
    store_record(session, "invoice", erp_invoice("INV-2024-00051", "10.00", [
        {"iban": "NL91 ABNA 0417 1643 00"}, {"iban": "DE89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"}]),
        known_customer=True)
    store_record(session, "invoice", erp_invoice("INV-2024-00052", "10.00", []), known_customer=True)
    assert accounts_of(session, "ap@acme.example") == [
        {"iban": ACME_ERP_IBAN}, {"iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}]


def test_a_party_the_hub_does_not_know_becomes_a_customer_with_its_accounts(session):
    store_record(session, "invoice", erp_invoice("INV-2024-00060", "55.00", [{"iban": "FR1420041010050500013M02606"}],
                                                 party="9", email="billing@initech.example", name="Initech SARL"),
                 known_customer=True)
    assert accounts_of(session, "billing@initech.example") == [{"iban": "FR1420041010050500013M02606"}]


def test_an_account_with_wrong_check_digits_is_refused_with_the_customer_named(session):
    with pytest.raises(InvalidRecordError, match="iban"):
        store_record(session, "invoice", erp_invoice("INV-2024-00070", "10.00", [{"iban": "NL91ABNA0417164301"}]),
                     known_customer=True)


def test_a_payment_from_an_account_the_erp_gave_is_taken_for_its_customer(session):
    before = apply_bank_transaction(session, bank_line("bt-a", "80.50", "", name="A.C.M.E.", iban=ACME_ERP_IBAN))
    session.rollback()
    store_record(session, "invoice", erp_invoice("INV-2024-00050", "200.00", [{"iban": ACME_ERP_IBAN}]),
                 known_customer=True)
    after = apply_bank_transaction(session, bank_line("bt-a", "80.50", "", name="A.C.M.E.", iban=ACME_ERP_IBAN))
    assert before.status == "proposed"
    assert (after.status, after.invoices) == ("auto_applied", ("INV-2024-00043",))
    assert "IBAN known for ACME GmbH" in after.reasons
