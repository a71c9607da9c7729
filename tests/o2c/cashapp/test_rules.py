"""The evidence rules that decide between auto-application and a proposal, with the reason a
finance admin reads; and the subset-sum search behind combined payments."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from hub.o2c.cashapp.book import InvoiceBook, OpenInvoice
from hub.o2c.cashapp.customers import CustomerDirectory
from hub.o2c.cashapp.matcher import Matcher
from hub.o2c.cashapp.normalize import Remittance
from hub.o2c.cashapp.subsets import subsets_summing_to

IBAN = "DE89370400440532013000"
NAMES = {1: "ACME GmbH", 2: "Globex Corporation"}
NEAR_DUPLICATES = {1: "ACME GmbH", 2: "Globex Corporation", 3: "ACME AG"}


def invoice(iid: int, amount: str, customer: int) -> OpenInvoice:
    return OpenInvoice(id=iid, number=f"INV-2024-{iid:05d}", currency="EUR", open=Decimal(amount),
                       total=Decimal(amount), customer_id=customer, due_date=date(2024, 1, 31))


BOOK = (invoice(1, "80.50", 1), invoice(2, "1000.00", 1), invoice(3, "75.10", 1),
        invoice(4, "80.50", 2), invoice(5, "612.40", 2), invoice(6, "42.00", 3))


@pytest.mark.parametrize("names, amount, text, payer, status, numbers, reason", [
    (NAMES, "80.50", "Zahlung danke", {"payer_name": "ACME GMBH"}, "auto", ("INV-2024-00001",),
     "payer name matches ACME GmbH (100 %), no other customer's name is close"),
    (NAMES, "80.50", "Zahlung danke", {"payer_name": "ACME GMBH"}, "auto", ("INV-2024-00001",),
     "only open item of ACME GmbH with exactly this amount"),
    (NEAR_DUPLICATES, "80.50", "Zahlung danke", {"payer_name": "ACME"}, "proposal", ("INV-2024-00001",),
     "payer name matches ACME GmbH (100 %)"),
    (NAMES, "80.50", "Zahlung danke", {}, "proposal", ("INV-2024-00001",), "amount equals open amount"),
    (NAMES, "1000.00", "INV-2024-00005", {"payer_iban": IBAN, "payer_name": "ACME GmbH"}, "proposal",
     ("INV-2024-00002",), "not applied automatically: the remittance also names INV-2024-00005 ('INV-2024-00005'), "
                          "which this set leaves out"),
    (NAMES, "1155.60", "Sammelzahlung", {"payer_iban": IBAN}, "auto", ("INV-2024-00002", "INV-2024-00003", "INV-2024-00001"),
     "only combination of open items of ACME GmbH that adds up to the amount"),
], ids=["name alone identifies the payer", "the only item with this amount", "near-duplicate names: proposal",
        "same amount, payer unknown: proposal", "another customer's invoice named: proposal", "combined payment, unique combination"])
def test_evidence_rules(names, amount, text, payer, status, numbers, reason):
    matcher = Matcher(InvoiceBook(BOOK), CustomerDirectory(names, {IBAN: 1}))
    remittance = Remittance(source="bank_transaction", reference="t1", amount=Decimal(amount), currency="EUR",
                            on=date(2024, 1, 30), texts=(text,), **payer)
    decision = matcher.match(remittance)
    assert (decision.status, sorted(decision.best.numbers)) == (status, sorted(numbers))
    assert reason in decision.reasons


@pytest.mark.parametrize("amounts, target, slack, found, complete", [
    ([100, 250, 75, 25], 175, 0, [(0, 2)], True),
    ([100, 250, 75, 25], 200, 0, [(0, 2, 3)], True),
    ([100, 250, 75, 25], 450, 0, [(0, 1, 2, 3)], True),
    ([100, 250, 75, 25], 170, 10, [(0, 2)], True),
    ([100, 250, 75, 25], 180, 10, [], True),
    ([10] * 8, 20, 0, [(0, 1), (0, 2)], False),
    ([10] * 8, 19, 2, [(0, 1), (0, 2)], True),
    ([10, 10, 10, 9], 19, 2, [(0, 3), (1, 3)], False),
    ([10, 10, 10, 9], 18, 2, [(0, 3), (1, 3)], True),
], ids=["pair", "three", "four", "just over within slack", "short is not a fit", "stops at the limit",
        "sets within the slack never make it incomplete", "exact sets first, counted against the limit",
        "only exact sets are counted"])
def test_subsets_summing_to(amounts, target, slack, found, complete):
    assert subsets_summing_to(amounts, target, slack=slack, limit=2) == (found, complete)


def test_points_without_reasons_equal_the_explained_score():
    """Candidates are counted with ``points`` (while their ``upper_bound`` can reach the last one
    kept) and explained with ``score`` when read; they must agree on every set the matcher builds,
    and the points of the explained reasons must add up to the score."""
    from bench.cashapp.generate import generate
    from hub.o2c.cashapp.allocation import allocate, fit_of
    from hub.o2c.cashapp.book import minor_units
    from hub.o2c.cashapp.scoring import points, score, upper_bound

    data = generate(customers=200, invoices=3000, payments=300, seed=3)
    matcher = Matcher(data.book(), data.directory())
    compared = 0
    for payment in data.payments:
        r = payment.remittance
        hits, _, evidence = matcher.read(r)
        sets, _ = matcher._candidate_sets(r, hits, evidence)
        owner = matcher.customers.owners(r.payer_iban)
        for invoices in sets:
            fit = fit_of(r.amount, minor_units(r.amount, r.currency), invoices, r.on, matcher.policy.tolerance)
            assert fit == allocate(r.amount, invoices, r.on, matcher.policy.tolerance).fit
            for unique in (False, True) if invoices[0].customer_id in evidence else (False,):
                args = (r, invoices, fit, hits, evidence)
                counted = points(*args, unique=unique, iban_owners=owner)
                explained = score(*args, unique=unique, iban_owners=owner)
                assert counted == explained.points == sum(reason.points for reason in explained.reasons)
                assert counted <= upper_bound(invoices, fit, hits, evidence, unique=unique)
                compared += 1
    assert compared > 1000


def test_an_item_short_within_tolerance_does_not_compete_with_an_exact_one():
    book = (invoice(1, "80.50", 1), invoice(2, "84.00", 1), invoice(3, "612.40", 2))
    matcher = Matcher(InvoiceBook(book), CustomerDirectory(NAMES, {IBAN: 1}))
    remittance = Remittance(source="bank_transaction", reference="t1", amount=Decimal("80.50"), currency="EUR",
                            on=date(2024, 1, 30), texts=("Zahlung danke",), payer_name="ACME GMBH")
    decision = matcher.match(remittance)
    assert (decision.status, decision.best.numbers) == ("auto", ("INV-2024-00001",))
    assert "only open item of ACME GmbH with exactly this amount" in decision.reasons
    assert decision.runner_up.numbers == ("INV-2024-00002",)
