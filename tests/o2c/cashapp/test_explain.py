"""A payment is applied without a person only when the set explains all of it: every reference
found is answered, the payer is the invoices' customer, and the amount is exact, a discount in
its window, a fee or write-off within the policy, or an overpayment of clearly referenced
invoices the policy keeps as credit. Anything else is a proposal that says what is unexplained."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from hub.o2c.cashapp.book import InvoiceBook, OpenInvoice, discount_of
from hub.o2c.cashapp.customers import CustomerDirectory
from hub.o2c.cashapp.matcher import Matcher
from hub.o2c.cashapp.normalize import Remittance
from hub.o2c.cashapp.policy import Limit, Policy, Tolerance

ACME_IBAN = "DE89370400440532013000"
HOLDING_IBAN = "GB33BUKB20201555555555"
NAMES = {1: "ACME GmbH", 2: "Globex Corporation", 3: "Kalori Foods GmbH", 4: "Kalorin Foods AG"}


def invoice(iid: int, amount: str, customer: int, **extra) -> OpenInvoice:
    return OpenInvoice(id=iid, number=f"INV-2024-{iid:06d}", currency="EUR", open=Decimal(amount),
                       total=Decimal(amount), customer_id=customer, issue_date=date(2024, 1, 1),
                       due_date=date(2024, 1, 31), **extra)


BOOK = (invoice(1, "80.50", 1), invoice(2, "1000.00", 1), invoice(3, "75.10", 1), invoice(4, "612.40", 2),
        invoice(5, "119.00", 3), invoice(6, "119.00", 4), invoice(7, "230.00", 2),
        invoice(8, "2000.00", 1, discount=discount_of("2/10 NET30", date(2024, 1, 1)),
                payment_reference="RF18 5390 0754 7034"))


def decide(amount: str, text: str, *, book=BOOK, policy: Policy | None = None, accounts=None, payers=None,
           learned=None, **payer):
    directory = CustomerDirectory(NAMES, learned or {}, accounts=accounts or {1: [ACME_IBAN]}, payer_names=payers)
    remittance = Remittance(source="bank_transaction", reference="t1", amount=Decimal(amount), currency="EUR",
                            on=payer.pop("on", date(2024, 1, 30)), texts=(text,) if text else (), **payer)
    return Matcher(InvoiceBook(book), directory, policy).match(remittance)


def held(decision) -> list[str]:
    return [r.removeprefix("not applied automatically: ") for r in decision.reasons
            if r.startswith("not applied automatically: ")]


@pytest.mark.parametrize("amount, text, payer, numbers, reason", [
    ("1155.60", "Rechnungen 2024-000001, 2024-000002 und 2024-000003", {"payer_iban": ACME_IBAN},
     ("INV-2024-000001", "INV-2024-000002", "INV-2024-000003"), "IBAN known for ACME GmbH"),
    ("1080.50", "Rg. 2024/1 + 2024/2", {"payer_iban": ACME_IBAN}, ("INV-2024-000001", "INV-2024-000002"),
     "reference INV-2024-000001 found in remittance ('Rg. 2024/1')"),
    ("80.50", "Zahlung danke", {"payer_iban": ACME_IBAN}, ("INV-2024-000001",),
     "only open item of ACME GmbH with exactly this amount"),
    ("1960.00", "RF18 5390 0754 7034", {"payer_iban": ACME_IBAN, "on": date(2024, 1, 10)}, ("INV-2024-000008",),
     "payment reference of INV-2024-000008 found in remittance ('RF18 5390 0754 7034')"),
    ("996.50", "INV-2024-000002", {"payer_iban": ACME_IBAN}, ("INV-2024-000002",),
     "amount short of open amount within tolerance"),
    ("1100.00", "INV-2024-000002", {"payer_iban": ACME_IBAN}, ("INV-2024-000002",),
     "amount exceeds open amount (rest kept as credit)"),
    ("612.40", "Invoice 2024-4", {"payer_name": "ACME Holding AG", "payer_iban": HOLDING_IBAN},
     ("INV-2024-000004",), "payer name known to pay for Globex Corporation"),
    ("612.40", "Invoice 2024-4", {"payer_name": "GLOBEX CORP"}, ("INV-2024-000004",),
     "payer name matches Globex Corporation (100 %), no other customer's name is close"),
    ("119.00", "Fattura 2024/5", {"payer_name": "Kalori Foods"}, ("INV-2024-000005",),
     "reference INV-2024-000005 found in remittance ('Fattura 2024/5')"),
], ids=["combined, every invoice named", "combined, abbreviations", "no reference, known IBAN, unique amount",
        "the invoice's own payment reference", "bank fee within the policy", "overpayment of a named invoice",
        "a known payer name", "the customer's name", "a similar customer's name matches no better"])
def test_a_payment_explained_in_full_is_applied(amount, text, payer, numbers, reason):
    decision = decide(amount, text, payers={2: ["ACME Holding AG"]}, **payer)
    assert (decision.status, sorted(decision.best.numbers), held(decision)) == ("auto", sorted(numbers), [])
    assert reason in decision.reasons


@pytest.mark.parametrize("amount, text, payer, reason", [
    ("1155.60", "Rechnungen 2024-000001, 2024-000002 und 2024-000099", {"payer_iban": ACME_IBAN},
     "the remittance names '2024-000099', which is not an open invoice"),
    ("1075.10", "INV-2024-000002", {"payer_iban": ACME_IBAN},
     "the 75.10 EUR paid over is what INV-2024-000003 still open comes to"),
    ("1155.60", "INV-2024-000002", {"payer_iban": ACME_IBAN},
     "the 155.60 EUR paid over is what INV-2024-000001, INV-2024-000003 still open comes to"),
    ("1700.00", "INV-2024-000002", {"payer_iban": ACME_IBAN},
     "the payment is 700.00 EUR more than the 1000.00 EUR open, more than the policy keeps as credit (500.00 EUR)"),
    ("980.00", "INV-2024-000002", {"payer_iban": ACME_IBAN},
     "the payment is 20.00 EUR short of the 1000.00 EUR open, more than a bank fee or write-off the policy allows"),
    ("612.40", "INV-2024-000004", {"payer_name": "ACME GmbH", "payer_iban": ACME_IBAN},
     "the payer's IBAN is known for ACME GmbH, not for Globex Corporation"),
    ("119.00", "Fattura 2024/6", {"payer_name": "Kalori Foods GmbH"},
     "the payer name matches Kalori Foods GmbH better than Kalorin Foods AG"),
    ("612.40", "INV-2024-000004", {"payer_name": "Treuhand Zahlungsdienst"},
     "the payer is not known to pay for Globex Corporation (IBAN and payer name unknown for it"),
    ("612.40", "INV-2024-000004", {},
     "nothing says the payer is Globex Corporation (no payer name, IBAN unknown)"),
    ("1000.00", "INV-2024-000004", {"payer_iban": ACME_IBAN},
     "the remittance also names INV-2024-000004 ('INV-2024-000004'), which this set leaves out"),
    ("1960.00", "INV-2024-000008", {"payer_iban": ACME_IBAN, "on": date(2024, 1, 20)},
     "the payment is 40.00 EUR short of the 2000.00 EUR open, more than a bank fee or write-off the policy allows"),
], ids=["a referenced invoice that is not open", "the rest is another open item", "the rest is two open items",
        "more than the policy keeps as credit", "short beyond the policy", "the IBAN is another customer's",
        "another customer's name matches better", "an unknown third party", "no payer at all",
        "another customer's invoice named", "discount taken after its window and grace days"])
def test_anything_unexplained_is_proposed_with_what_is_unexplained(amount, text, payer, reason):
    # only the two oldest open items are searched for combinations: the rest of an overpayment
    # may still be what other open items come to
    decision = decide(amount, text, policy=Policy(subset_candidates=2), **payer)
    assert decision.status == "proposal" and any(why.startswith(reason) for why in held(decision)), decision.reasons


def test_two_invoices_of_one_number_the_payers_is_applied():
    twin = replace(invoice(9, "230.00", 1), number="INV-2024-000007")  # the same number as Globex's 7
    decision = decide("230.00", "INV-2024-000007", book=(*BOOK, twin), payer_iban=ACME_IBAN)
    assert (decision.status, decision.best.invoices[0].id, held(decision)) == ("auto", 9, [])
    assert not any("also names" in r for r in decision.reasons)


def test_the_policy_decides_what_is_explained():
    strict = Policy(tolerance=Tolerance(bank_fee=Limit(Decimal("2.00")), write_off=Limit(Decimal("1.00")),
                                        keep_overpayment=False, discount_grace_days=0))
    assert decide("996.50", "INV-2024-000002", payer_iban=ACME_IBAN).status == "auto"
    assert decide("996.50", "INV-2024-000002", payer_iban=ACME_IBAN, policy=strict).status == "proposal"
    assert decide("1100.00", "INV-2024-000002", payer_iban=ACME_IBAN, policy=strict).status == "proposal"
    late = {"payer_iban": ACME_IBAN, "on": date(2024, 1, 13)}  # two days after the discount's last day
    assert decide("1960.00", "INV-2024-000008", **late).status == "auto"
    assert decide("1960.00", "INV-2024-000008", policy=strict, **late).status == "proposal"


def test_an_iban_of_several_customers_names_each_of_them():
    shared = {1: [ACME_IBAN], 2: [ACME_IBAN]}
    decision = decide("612.40", "INV-2024-000004", accounts=shared, payer_iban=ACME_IBAN)
    assert (decision.status, decision.best.numbers) == ("auto", ("INV-2024-000004",))
    assert "IBAN known for Globex Corporation" in decision.reasons


def test_bank_accounts_win_over_a_learned_iban():
    decision = decide("80.50", "", learned={ACME_IBAN: 2}, payer_iban=ACME_IBAN)
    assert (decision.status, decision.best.numbers) == ("auto", ("INV-2024-000001",))


@pytest.mark.parametrize("currency, amount, open_amount, status", [
    ("JPY", "11900", "12000", "auto"), ("JPY", "9000", "12000", "proposal"),
    ("KWD", "95.500", "100.000", "auto"), ("KWD", "94.000", "100.000", "proposal"),
], ids=["yen fee", "yen beyond", "dinar fee", "dinar beyond"])
def test_the_fee_limits_are_in_each_currencys_own_unit(currency, amount, open_amount, status):
    book = (replace(invoice(1, open_amount, 1), currency=currency),)
    directory = CustomerDirectory(NAMES, {}, accounts={1: [ACME_IBAN]})
    remittance = Remittance(source="bank_transaction", reference="t1", amount=Decimal(amount), currency=currency,
                            on=date(2024, 1, 30), texts=("INV-2024-000001",), payer_iban=ACME_IBAN)
    assert Matcher(InvoiceBook(book), directory).match(remittance).status == status


def test_a_name_one_letter_from_another_customers_is_not_alone_among_thousands():
    # 2,000 customers share the start of the first word, more than a name look-up compares by its
    # rarest parts; the one a letter away must still be seen
    names = {cid: f"Hol{cid:04d}x Textiles GmbH" for cid in range(10, 2010)}
    names.update({1: "Holber Textiles Inc.", 2: "Holbern Textiles Inc."})
    book = (invoice(1, "80.50", 2), invoice(2, "99.00", 1))
    remittance = Remittance(source="bank_transaction", reference="t1", amount=Decimal("80.50"), currency="EUR",
                            on=date(2024, 1, 30), texts=("Zahlung",), payer_name="Holbern Textiles Inc.")
    decision = Matcher(InvoiceBook(book), CustomerDirectory(names, {})).match(remittance)
    assert decision.status == "proposal"
    assert "payer name matches Holbern Textiles Inc. (100 %)" in decision.reasons
