"""What cash application reads from the canonical model: a customer's bank accounts (IBANs checked
by their check digits, stored without spaces) and the names known to pay for it, and the
structured reference an ERP printed on an invoice."""

from __future__ import annotations

import pytest

from hub.canonical import check, validate_record
from hub.o2c.cashapp.service import apply_bank_transaction
from hub.store.upsert import upsert
from tests.o2c.cashapp.conftest import invoice
from tests.o2c.cashapp.test_service import bank_line

IBAN_MESSAGE = "must be an IBAN with correct check digits, such as DE89 3704 0044 0532 0130 00"
REFERENCE_MESSAGE = ("must be a payment reference of at least 4 letters and digits; an RF creditor reference "
                     "(RF...) must have correct check digits, such as RF18 5390 0754 7034")


def test_a_customers_bank_accounts_are_stored_without_spaces_and_its_payer_names_as_given():
    record = check("customer", {"name": "ACME GmbH", "payer_names": ["ACME Holding AG"], "bank_accounts": [
        {"iban": "de89 3704 0044 0532 0130 00", "bic": "COBADEFFXXX"}, {"iban": "FR14 2004 1010 0505 0001 3M02 606"}]})
    assert record["bank_accounts"] == [{"iban": "DE89370400440532013000", "bic": "COBADEFFXXX"},
                                       {"iban": "FR1420041010050500013M02606"}]
    assert record["payer_names"] == ["ACME Holding AG"]


@pytest.mark.parametrize("accounts, payers, problems", [
    ([{"iban": "DE88 3704 0044 0532 0130 00"}], [], [f"bank_accounts/0/iban: {IBAN_MESSAGE}"]),
    ([{"iban": "DE89 3704 0044 0532 0130"}], [], [f"bank_accounts/0/iban: {IBAN_MESSAGE}"]),
    ([{"bic": "COBADEFFXXX"}], [], ["bank_accounts/0/iban: is required"]),
    ([{"iban": "DE89370400440532013000", "bic": "COBA"}], [],
     ["bank_accounts/0/bic: must be a BIC of 8 or 11 letters and digits, such as COBADEFFXXX"]),
    ([{"iban": "DE89370400440532013000", "bank": "x"}], [], ["bank_accounts/0/bank: is not a known field"]),
    ([], [""], ["payer_names/0: must not be empty"]),
], ids=["wrong check digits", "too short for its country", "no iban", "short bic", "unknown field", "empty payer name"])
def test_bad_bank_accounts_and_payer_names_are_refused_with_what_is_wrong(accounts, payers, problems):
    assert validate_record("customer", {"name": "ACME GmbH", "bank_accounts": accounts, "payer_names": payers}) == problems


@pytest.mark.parametrize("reference, problems", [
    ("RF18 5390 0754 7034", []),
    ("+++090/9337/55493+++", []),
    ("1234 5678 9012", []),
    ("RF19 5390 0754 7034", [f"payment_reference: {REFERENCE_MESSAGE}"]),
    ("+-/", [f"payment_reference: {REFERENCE_MESSAGE}"]),
], ids=["rf", "belgian", "plain", "rf with wrong check digits", "no letters or digits"])
def test_an_invoice_carries_the_payment_reference_its_erp_printed(reference, problems):
    invoice = {"number": "INV-2024-00042", "currency": "EUR", "total": "119.00", "payment_reference": reference}
    assert validate_record("invoice", invoice) == problems


def test_cash_application_reads_bank_accounts_payer_names_and_payment_references_from_the_store(session):
    upsert(session, "customer", {"name": "ACME GmbH", "email": "ap@acme.example", "payer_names": ["ACME Holding AG"],
                                 "bank_accounts": [{"iban": "GB33 BUKB 2020 1555 5555 55"}]})
    upsert(session, "invoice", {**invoice("INV-2024-00050", "250.00", "ap@acme.example"),
                                "payment_reference": "RF18 5390 0754 7034"})
    by_account = apply_bank_transaction(session, bank_line("bt30", "250.00", "Ref. RF18539007547034", name="Sam",
                                                           iban="GB33BUKB20201555555555"))
    assert (by_account.status, by_account.invoices) == ("auto_applied", ("INV-2024-00050",))
    assert {"IBAN known for ACME GmbH", "payment reference of INV-2024-00050 found in remittance "
            "('RF18539007547034')"} <= set(by_account.reasons)
    by_payer = apply_bank_transaction(session, bank_line("bt31", "80.50", "Rechnung 2024/43", name="ACME HOLDING AG",
                                                         iban="FR1420041010050500013M02606"))
    assert (by_payer.status, by_payer.invoices) == ("auto_applied", ("INV-2024-00043",))
    assert "payer name known to pay for ACME GmbH" in by_payer.reasons
