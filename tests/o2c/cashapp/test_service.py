"""Cash application against a migrated SQLite store: balances to the cent, credit, learning."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from hub.errors import ProposalError
from hub.o2c.cashapp.service import CashApplication, apply_bank_transaction, apply_payment
from hub.o2c.cashapp.posting import post_credit
from hub.o2c.cashapp.unapplied import report
from hub.o2c.receivables import customer_credits
from hub.store.o2c import Invoice, PaymentApplication
from hub.store.o2c_cash import CustomerIban, MatchProposal
from hub.store.upsert import upsert
from tests.o2c.cashapp.conftest import ACME_IBAN


def invoice_state(session, number: str) -> tuple[Decimal, str]:
    row = session.scalar(select(Invoice).where(Invoice.number == number))
    return row.amount_due, row.status


def applications(session, reference: str) -> list[tuple]:
    rows = session.scalars(select(PaymentApplication).where(PaymentApplication.payment_reference == reference))
    return sorted((r.invoice_number or "", r.kind, r.amount, r.reason) for r in rows)


def bank_line(ident: str, amount: str, text: str = "", *, name: str = "ACME GMBH", iban: str = ACME_IBAN,
              on: str = "2024-03-30") -> dict:
    return {"id": ident, "account": {"id": "DE02120300000000202051"}, "booking_date": on,
            "amount": amount, "currency": "EUR", "remittance_info": text,
            "counterparty": {"name": name, "iban": iban}}


def test_referenced_payment_is_applied_and_the_invoice_paid(session):
    outcome = apply_payment(session, {"reference": "pi_1", "amount": "119.00", "currency": "EUR",
                                      "remittance_info": "inv 2024 42", "received_at": "2024-03-30T10:00:00Z",
                                      "payer": {"name": "ACME GmbH"}})
    assert outcome.status == "auto_applied"
    assert invoice_state(session, "INV-2024-00042") == (Decimal("0.0000"), "paid")
    assert applications(session, "pi_1") == [("INV-2024-00042", "applied", Decimal("119.0000"), None)]
    assert "reference INV-2024-00042 found in remittance ('inv 2024 42')" in outcome.reasons


def test_a_partial_payment_is_proposed_and_accepted_leaves_the_invoice_partially_paid(session):
    outcome = apply_bank_transaction(session, bank_line("bt1", "50.25", "INV-2024-00043 part 1"))
    assert outcome.status == "proposed"
    assert ("not applied automatically: the payment is 30.25 EUR short of the 80.50 EUR open, more than a "
            "bank fee or write-off the policy allows") in outcome.reasons
    CashApplication(session).accept(outcome.proposal_id, who="ops")
    assert invoice_state(session, "INV-2024-00043") == (Decimal("30.2500"), "partially_paid")


def test_short_payment_within_tolerance_is_written_off_with_its_reason(session):
    apply_bank_transaction(session, bank_line("bt2", "115.50", "RE INV202400042"))
    assert invoice_state(session, "INV-2024-00042") == (Decimal("0.0000"), "paid")
    assert applications(session, "bt2") == [
        ("INV-2024-00042", "applied", Decimal("115.5000"), None),
        ("INV-2024-00042", "write_off", Decimal("3.5000"),
         "bank fee of 3.50 EUR deducted (policy: up to 15.00 EUR)"),
    ]


def test_overpayment_is_kept_as_customer_credit(session):
    outcome = apply_bank_transaction(session, bank_line("bt3", "130.00", "INV-2024-00042"))
    assert outcome.credit == Decimal("11.00")
    (credit,) = customer_credits(session)
    assert (credit.payment, credit.amount, credit.customer_id) == ("bt3", Decimal("11.00"), 1)
    assert ("", "credit", Decimal("11.0000"), "overpayment kept as customer credit") in applications(session, "bt3")
    assert report(session)["customer_credit"] == {"EUR": Decimal("11.00")}


def test_posting_a_payments_credit_again_keeps_one_credit(session):
    for _ in range(2):
        post_credit(session, payment_reference="bt9", customer_id=1, amount=Decimal("7.50"), currency="EUR")
    session.flush()
    assert [(c.payment, c.amount) for c in customer_credits(session)] == [("bt9", Decimal("7.50"))]


def test_early_payment_discount_is_applied_with_its_discount_line(session):
    outcome = apply_bank_transaction(session, bank_line("bt4", "980.00", "INV-2024-00045", name="Globex", iban="GB33BUKB20201555555555",
                                                       on="2024-03-08"))
    assert outcome.status == "auto_applied"
    assert invoice_state(session, "INV-2024-00045") == (Decimal("0.0000"), "paid")
    assert ("INV-2024-00045", "discount", Decimal("20.0000")) in [a[:3] for a in applications(session, "bt4")]


def test_same_amount_of_another_customer_is_proposed_not_applied(session):
    outcome = apply_bank_transaction(session, bank_line("bt5", "119.00", "thanks", name="J. Doe", iban="FR1420041010050500013M02606"))
    assert outcome.status == "proposed"
    assert invoice_state(session, "INV-2024-00042") == (Decimal("119.0000"), "open")
    assert invoice_state(session, "INV-2024-00044") == (Decimal("119.0000"), "open")


def test_accepting_a_proposal_applies_it_and_learns_the_iban(session):
    outcome = apply_bank_transaction(session, bank_line("bt6", "80.50", "", name="A.C.M.E.", iban="NL91ABNA0417164300"))
    assert outcome.status == "proposed"
    cash = CashApplication(session)
    accepted = cash.accept(outcome.proposal_id, who="ops@example")
    assert accepted.status == "accepted"
    assert invoice_state(session, "INV-2024-00043") == (Decimal("0.0000"), "paid")
    assert session.scalar(select(CustomerIban.customer_id).where(CustomerIban.iban == "NL91ABNA0417164300")) == 1


def test_rejecting_records_the_reason_and_applies_nothing(session):
    outcome = apply_bank_transaction(session, bank_line("bt7", "119.00", "", name="Nobody", iban="FR1420041010050500013M02606"))
    proposal = CashApplication(session).reject(outcome.proposal_id, reason="belongs to a subsidiary", who="ops")
    assert (proposal.status, proposal.reject_reason) == ("rejected", "belongs to a subsidiary")
    with pytest.raises(ProposalError, match="is rejected"):
        CashApplication(session).accept(outcome.proposal_id, who="ops")


def test_run_decides_each_payment_once_and_reports(session):
    upsert(session, "payment", {"reference": "pi_9", "amount": "119.00", "currency": "EUR",
                                "remittance_info": "INV-2024-00044", "status": "received",
                                "payer": {"name": "Globex Corp."}})
    upsert(session, "bank_transaction", bank_line("bt8", "119.00", "no reference", name="X", iban="FR1420041010050500013M02606"))
    assert [o.status for o in CashApplication(session).run()] == ["auto_applied", "proposed"]
    assert CashApplication(session).run() == []
    figures = report(session)
    assert (figures["auto_match_rate"], figures["proposal_rate"]) == (0.5, 0.5)
    assert figures["unapplied_cash"] == {"EUR": Decimal("119.00")}
    assert session.query(MatchProposal).count() == 2
