"""The pure engine: references, customers, scoring margins, allocations, and benchmark precision."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hub.o2c.cashapp.book import InvoiceBook, OpenInvoice, discount_of
from hub.o2c.cashapp.customers import CustomerDirectory
from hub.o2c.cashapp.matcher import Matcher
from hub.o2c.cashapp.normalize import Remittance
from hub.o2c.cashapp.references import NumberFormats
from hub.o2c.cashapp.structured import rf_references_in, stripe_ids_in

FORMATS = NumberFormats(["INV-2024-00042", "INV-2023-10001", "INV-2024-00007"])


@pytest.mark.parametrize("text, keys", [
    ("INV-2024-00042", ["INV|2024|42"]),
    ("inv 2024 42", ["INV|2024|42"]),
    ("INV202400042", ["INV|2024|42"]),
    ("Rechnung inv/2024/042 danke", ["INV|2024|42"]),
    ("2024-00042", ["INV|2024|42"]),
    ("INV-2024-7 and INV-2024-8", ["INV|2024|7", "INV|2024|8"]),
    ("order 12345", []),
    ("2024 42", []),
], ids=["as printed", "spaces no zeros", "run together", "slashes", "bare number", "two", "other number", "bare too loose"])
def test_invoice_keys_tolerate_separators_and_leading_zeros(text, keys):
    assert sorted(key for key, _ in FORMATS.keys_in(text)) == keys


def test_rf_references_and_stripe_ids_in_text():
    assert rf_references_in("pay RF18 5390 0754 7034 RF19539007547034 thanks") == ["RF18539007547034"]
    assert stripe_ids_in("in_1MtHbELkdIwHu7ixl4OzzPMv / pi_3MtwBwLkdIwHu7ix28a3tqPa") == [
        "in_1MtHbELkdIwHu7ixl4OzzPMv", "pi_3MtwBwLkdIwHu7ix28a3tqPa"]


def invoice(iid: int, number: str, amount: str, customer: int, **extra) -> OpenInvoice:
    return OpenInvoice(id=iid, number=number, currency="EUR", open=Decimal(amount), total=Decimal(amount),
                       customer_id=customer, due_date=date(2024, 3, 31), **extra)


def matcher(*invoices: OpenInvoice, ibans: dict | None = None) -> Matcher:
    names = {1: "ACME GmbH", 2: "Globex Corporation"}
    return Matcher(InvoiceBook(invoices), CustomerDirectory(names, ibans or {}))


def money(amount: str, text: str = "", **extra) -> Remittance:
    return Remittance(source="bank_transaction", reference="t1", amount=Decimal(amount), currency="EUR",
                      on=date(2024, 3, 30), texts=(text,) if text else (), **extra)


def test_customer_identification_by_iban_name_and_reference():
    directory = CustomerDirectory({1: "ACME GmbH", 2: "Globex Corporation"}, {"DE89370400440532013000": 2})
    found = directory.identify(money("1", payer_name="ACMEE GMBH", payer_iban="DE89370400440532013000"), [1])
    assert found[2].iban and not found[1].iban
    assert found[1].referenced and found[1].name_score >= 80


def test_same_amount_of_another_customer_is_not_auto_applied():
    m = matcher(invoice(1, "INV-2024-00042", "119.00", 1), invoice(2, "INV-2024-00044", "119.00", 2))
    decision = m.match(money("119.00", "thank you"))
    assert decision.status == "proposal"


def test_reference_and_amount_auto_apply_with_reasons_and_margin():
    m = matcher(invoice(1, "INV-2024-00042", "119.00", 1), invoice(2, "INV-2024-00044", "119.00", 2),
                ibans={"DE89370400440532013000": 1})
    decision = m.match(money("119.00", "inv 2024 42", payer_iban="DE89370400440532013000"))
    assert (decision.status, decision.best.numbers) == ("auto", ("INV-2024-00042",))
    assert decision.reasons[:2] == ("reference INV-2024-00042 found in remittance ('inv 2024 42')",
                                    "amount equals open amount")


def test_combined_payment_found_by_subset_sum():
    iban = "DE89370400440532013000"
    m = matcher(invoice(1, "INV-2024-00001", "100.00", 1), invoice(2, "INV-2024-00002", "250.00", 1),
                invoice(3, "INV-2024-00003", "75.10", 1), ibans={iban: 1})
    decision = m.match(money("175.10", payer_name="ACME GmbH", payer_iban=iban))
    assert (decision.status, decision.best.numbers) == ("auto", ("INV-2024-00001", "INV-2024-00003"))


@pytest.mark.parametrize("amount, fit, lines, credit", [
    ("60.00", "partial", [("applied", "60.00")], "0"),
    ("97.50", "short", [("applied", "97.50"), ("write_off", "2.50")], "0"),
    ("120.00", "over", [("applied", "100.00")], "20.00"),
], ids=["partial", "short within tolerance", "over → credit"])
def test_allocation_of_partial_short_and_over_payments(amount, fit, lines, credit):
    m = matcher(invoice(1, "INV-2024-00001", "100.00", 1))
    allocation = m.match(money(amount, "INV-2024-00001")).best.allocation
    assert allocation.fit == fit
    assert [(line.kind, str(line.amount)) for line in allocation.lines] == lines
    assert allocation.credit == Decimal(credit)


def test_early_payment_discount_when_the_term_has_one():
    term = discount_of("2/10 NET30", date(2024, 3, 25))
    m = matcher(invoice(1, "INV-2024-00001", "500.00", 1, discount=term, issue_date=date(2024, 3, 25)))
    allocation = m.match(money("490.00", "INV-2024-00001")).best.allocation
    assert allocation.fit == "discount"
    assert [(line.kind, line.amount) for line in allocation.lines] == [("applied", Decimal("490.00")),
                                                                        ("discount", Decimal("10.00"))]
