"""A proposal keeps its ranked candidate sets as data (invoices, amounts, score, reasons with
their points), any of them can be accepted, or a person's own allocation within the rules; and
proposals stored before candidate sets were kept still read and accept as candidate 1."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select, text

from hub.errors import InvalidChoice, ProposalError
from hub.o2c.cashapp.allocation import fit_of
from hub.o2c.cashapp.book import minor_units
from hub.o2c.cashapp.candidates import stored_candidates
from hub.o2c.cashapp.choice import allocation_lines
from hub.o2c.cashapp.matcher import Matcher, _fitting_sets, _only_fit
from hub.o2c.cashapp.scoring import points
from hub.o2c.cashapp.service import CashApplication, apply_bank_transaction
from hub.o2c.receivables import customer_credits
from hub.store import migrate
from hub.store.base import make_engine, make_sessionmaker
from hub.store.o2c import Invoice
from hub.store.o2c_cash import CustomerIban, MatchProposal
from hub.store.upsert import upsert
from tests.o2c.cashapp.conftest import invoice
from tests.o2c.cashapp.test_service import applications, bank_line, invoice_state

STRANGER = {"name": "J. Doe", "iban": "FR1420041010050500013M02606"}
D = Decimal


def stored(session, proposal_id: int) -> MatchProposal:
    return session.get(MatchProposal, proposal_id)


def same_amount_invoices(session) -> None:
    """Four more open invoices of 119.00 (two each), due 21 to 60 days after the payment of 2024-03-30."""
    for number, email, due in (("INV-2024-00046", "ap@globex.example", "2024-05-15"),
                               ("INV-2024-00047", "ap@acme.example", "2024-04-20"),
                               ("INV-2024-00048", "ap@acme.example", "2024-05-29"),
                               ("INV-2024-00049", "ap@globex.example", "2024-05-29")):
        upsert(session, "invoice", invoice(number, "119.00", email, due=due))


def test_the_matcher_ranks_the_five_sets_that_counting_every_set_ranks_first():
    from bench.cashapp.generate import generate

    data = generate(customers=200, invoices=3000, payments=300, seed=5)
    matcher = Matcher(data.book(), data.directory())
    several = 0
    for payment in data.payments:
        r = payment.remittance
        decision = matcher.match(r)
        best_five = _every_set_ranked(matcher, r)[:5]
        assert [(-c.score, c.numbers) for c in decision.candidates] == best_five
        for candidate in decision.candidates:
            assert sum(reason.points for reason in candidate.reasons) == candidate.score
        several += len(decision.candidates) >= 3
    assert several > 50


def _every_set_ranked(matcher: Matcher, r) -> list[tuple]:
    """(−points, numbers) of every candidate set, scored one by one, best first."""
    hits, _, evidence = matcher.read(r)
    sets, searched = matcher._candidate_sets(r, hits, evidence)
    fits = [fit_of(r.amount, minor_units(r.amount, r.currency), s, r.on, matcher.policy.tolerance) for s in sets]
    fitting = _fitting_sets(sets, fits)
    owner = matcher.customers.owners(r.payer_iban)
    return sorted((-points(r, s, fit, hits, evidence, unique=_only_fit(s, fitting, searched, evidence),
                           iban_owners=owner), tuple(i.number for i in s)) for s, fit in zip(sets, fits))


def test_a_proposal_keeps_at_most_five_candidates_best_first_with_ties_by_number(session):
    same_amount_invoices(session)
    outcome = apply_bank_transaction(session, bank_line("bt20", "119.00", "thanks", **STRANGER))
    assert outcome.status == "proposed"
    candidates = stored_candidates(stored(session, outcome.proposal_id))
    # exact amount (35) + a due date within 7 days (5) or 30 days (3) of the payment
    assert [(c["rank"], [i["number"] for i in c["invoices"]], c["score"]) for c in candidates] == [
        (1, ["INV-2024-00042"], 40), (2, ["INV-2024-00044"], 40), (3, ["INV-2024-00047"], 38),
        (4, ["INV-2024-00046"], 35), (5, ["INV-2024-00048"], 35)]
    assert [i["customer_id"] for c in candidates for i in c["invoices"]] == [1, 2, 1, 2, 1]
    assert candidates[2]["reasons"] == [
        {"signal": "amount", "points": 35, "text": "amount equals open amount"},
        {"signal": "due_date", "points": 3, "text": "paid within 30 days of the due date"}]


@pytest.mark.parametrize("amount, remittance, on, payer, invoice_figures, totals", [
    ("119.00", "INV-2024-00042", "2024-03-30", {},
     ("INV-2024-00042", "119.00", "119.00", "0.00", "0.00", "0.00"), ("119.00", "119.00", "0.00", "0.00")),
    ("115.50", "RE INV202400042", "2024-03-30", {},
     ("INV-2024-00042", "119.00", "115.50", "0.00", "3.50", "0.00"), ("119.00", "115.50", "0.00", "3.50")),
    ("130.00", "INV-2024-00042", "2024-03-30", {},
     ("INV-2024-00042", "119.00", "119.00", "0.00", "0.00", "0.00"), ("119.00", "119.00", "11.00", "0.00")),
    ("50.25", "INV-2024-00043 part 1", "2024-03-30", {},
     ("INV-2024-00043", "80.50", "50.25", "0.00", "0.00", "30.25"), ("80.50", "50.25", "0.00", "30.25")),
    ("980.00", "INV-2024-00045", "2024-03-08", {"name": "Globex", "iban": "GB33BUKB20201555555555"},
     ("INV-2024-00045", "1000.00", "980.00", "20.00", "0.00", "0.00"), ("1000.00", "980.00", "0.00", "20.00")),
], ids=["exact", "short written off", "over kept as credit", "partial", "early-payment discount"])
def test_each_candidate_has_its_invoices_amounts_remainders_and_reasons_as_data(
        session, amount, remittance, on, payer, invoice_figures, totals):
    outcome = apply_bank_transaction(session, bank_line("bt21", amount, remittance, on=on, **payer))
    proposal = stored(session, outcome.proposal_id)
    best = stored_candidates(proposal)[0]
    number, *figures = invoice_figures
    (shown,) = best["invoices"]
    assert (shown["number"], *(shown[k] for k in ("open", "applied", "discount", "write_off", "left_open"))) == (
        number, *map(D, figures))
    assert [best[k] for k in ("total_open", "total_applied", "unapplied", "short")] == list(map(D, totals))
    assert best["rank"] == 1 and best["score"] == proposal.score == outcome.score
    assert sum(r["points"] for r in best["reasons"]) == best["score"]
    worded = [r["text"] for r in best["reasons"]]
    assert worded == proposal.reasons[:len(worded)]
    assert proposal.reasons[len(worded)].startswith(f"score {best['score']}, ")  # then the margin
    assert all(r.startswith("not applied automatically: ") for r in proposal.reasons[len(worded) + 1:])
    assert all(r["signal"] for r in best["reasons"])


def test_any_candidate_can_be_accepted_with_a_reason(session):
    same_amount_invoices(session)
    outcome = apply_bank_transaction(session, bank_line("bt22", "119.00", "thanks", **STRANGER))
    cash = CashApplication(session)
    with pytest.raises(InvalidChoice, match=r"^say why candidate 2 is right rather than the best one"):
        cash.accept(outcome.proposal_id, who="ops", candidate=2)
    with pytest.raises(InvalidChoice, match=r"^proposal \d+ has 5 candidates: choose 1 to 5, not 6$"):
        cash.accept(outcome.proposal_id, who="ops", candidate=6, reason="the sixth")
    accepted = cash.accept(outcome.proposal_id, who="ops", candidate=2, reason="Globex's remittance advice")
    assert (accepted.status, accepted.invoices) == ("accepted", ("INV-2024-00044",))
    assert invoice_state(session, "INV-2024-00044") == (D("0.0000"), "paid")
    assert invoice_state(session, "INV-2024-00042") == (D("119.0000"), "open")
    proposal = stored(session, outcome.proposal_id)
    assert (proposal.accepted_candidate, proposal.accept_reason, proposal.invoices, proposal.customer_id) == (
        2, "Globex's remittance advice", ["INV-2024-00044"], 2)
    assert proposal.score == 40 and len(stored_candidates(proposal)) == 5  # what the matcher said stays
    assert session.scalar(select(CustomerIban.customer_id).where(CustomerIban.iban == STRANGER["iban"])) == 2


def test_a_candidate_whose_invoice_was_paid_meanwhile_is_refused(session):
    outcome = apply_bank_transaction(session, bank_line("bt23", "119.00", "thanks", **STRANGER))
    paid = apply_bank_transaction(session, bank_line("bt24", "119.00", "INV-2024-00044",  # pays candidate 2
                                                     name="Globex Corporation", iban="GB33BUKB20201555555555"))
    assert paid.status == "auto_applied"
    with pytest.raises(ProposalError, match="an invoice of INV-2024-00044 is no longer open"):
        CashApplication(session).accept(outcome.proposal_id, who="ops", candidate=2, reason="r")
    assert stored(session, outcome.proposal_id).status == "proposed"


def test_an_allocation_of_ones_own_is_applied_and_the_rest_kept_as_credit(session):
    outcome = apply_bank_transaction(session, bank_line("bt25", "119.00", "thanks", **STRANGER))
    allocation = [{"invoice": "INV-2024-00042", "amount": "100.00"}, {"invoice": "INV-2024-00043", "amount": D("10")}]
    accepted = CashApplication(session).accept_allocation(outcome.proposal_id, allocation, who="ops",
                                                          reason="split as the customer wrote")
    assert accepted.credit == D("9.00")
    assert invoice_state(session, "INV-2024-00042") == (D("19.0000"), "partially_paid")
    assert invoice_state(session, "INV-2024-00043") == (D("70.5000"), "partially_paid")
    assert applications(session, "bt25") == [
        ("", "credit", D("9.0000"), "overpayment kept as customer credit"),
        ("INV-2024-00042", "applied", D("100.0000"), None), ("INV-2024-00043", "applied", D("10.0000"), None)]
    assert [(c.payment, c.amount) for c in customer_credits(session)] == [("bt25", D("9.00"))]
    proposal = stored(session, outcome.proposal_id)
    assert (proposal.accepted_candidate, proposal.customer_id, proposal.allocation["fit"]) == (None, 1, "manual")
    assert proposal.invoices == ["INV-2024-00042", "INV-2024-00043"]


def other_invoices(session) -> None:
    upsert(session, "invoice", {**invoice("INV-2024-00050", "10.00", "ap@acme.example"), "status": "paid",
                                "amount_due": "0.00"})
    upsert(session, "invoice", {**invoice("INV-2024-00051", "10.00", "ap@acme.example"), "currency": "USD"})


@pytest.mark.parametrize("allocation, reason, message", [
    ([], "r", 'an allocation is a list of {"invoice": "...", "amount": ...} with at least one line'),
    ("INV-2024-00042", "r", 'an allocation is a list of {"invoice": "...", "amount": ...} with at least one line'),
    ([{"invoice": "INV-2024-00042"}], "r",
     'line 1 of the allocation must be {"invoice": "...", "amount": ...} and nothing else'),
    ([{"invoice": 42, "amount": "1.00"}], "r", "line 1 of the allocation: the invoice must be an invoice number"),
    ([{"invoice": "INV-2024-00042", "amount": "10.005"}], "r",
     "line 1 (INV-2024-00042): EUR amounts have 2 decimals, not 10.005"),
    ([{"invoice": "INV-2024-00042", "amount": 0}], "r", "line 1 (INV-2024-00042): the amount must be more than 0"),
    ([{"invoice": "INV-2024-00042", "amount": "-5.00"}], "r",
     "line 1 (INV-2024-00042): the amount must be more than 0"),
    ([{"invoice": "INV-2024-00042", "amount": True}], "r",
     "line 1 (INV-2024-00042): the amount must be a number such as 120.50"),
    ([{"invoice": "INV-2024-00042", "amount": "1e3"}], "r",
     "line 1 (INV-2024-00042): the amount must be a number such as 120.50"),
    ([{"invoice": "INV-2024-00042", "amount": D("Infinity")}], "r",
     "line 1 (INV-2024-00042): the amount is not a usable number"),
    ([{"invoice": "INV-2024-00042", "amount": 10**20}], "r", "line 1 (INV-2024-00042): the amount is not a usable number"),
    ([{"invoice": "INV-2024-00042", "amount": "119.01"}], "r",
     "119.01 EUR is more than the 119.00 EUR open on invoice INV-2024-00042"),
    ([{"invoice": "INV-404", "amount": "1.00"}], "r", "there is no invoice INV-404"),
    ([{"invoice": "INV-2024-00050", "amount": "1.00"}], "r",
     "invoice INV-2024-00050 is paid; only open invoices can take money"),
    ([{"invoice": "INV-2024-00051", "amount": "1.00"}], "r", "invoice INV-2024-00051 is in USD, the payment in EUR"),
    ([{"invoice": "INV-2024-00042", "amount": "1.00"}, {"invoice": "INV-2024-00042", "amount": "2.00"}], "r",
     "invoice INV-2024-00042 is in the allocation more than once; give each invoice one line"),
    ([{"invoice": "INV-2024-00042", "amount": "119.00"}, {"invoice": "INV-2024-00043", "amount": "0.01"}], "r",
     "the allocation applies 119.01 EUR, more than the payment of 119.00 EUR"),
    ([{"invoice": "INV-2024-00042", "amount": "1.00"}], None, "say why the payment is allocated this way (a reason)"),
], ids=["empty", "not a list", "no amount", "number not text", "too many decimals", "zero", "negative", "boolean",
        "exponent", "infinite", "huge", "above the open amount", "unknown invoice", "paid invoice", "other currency",
        "twice", "above the payment", "no reason"])
def test_an_allocation_breaking_a_rule_is_refused_and_changes_nothing(session, allocation, reason, message):
    other_invoices(session)
    outcome = apply_bank_transaction(session, bank_line("bt26", "119.00", "thanks", **STRANGER))
    with pytest.raises(InvalidChoice) as refused:
        CashApplication(session).accept_allocation(outcome.proposal_id, allocation, who="ops", reason=reason)
    assert str(refused.value) == message
    assert stored(session, outcome.proposal_id).status == "proposed"
    assert invoice_state(session, "INV-2024-00042") == (D("119.0000"), "open")
    assert applications(session, "bt26") == []


@pytest.mark.parametrize("currency, amount, message", [
    ("JPY", "100.5", "line 1 (X): JPY amounts have 0 decimals, not 100.5"),
    ("KWD", "1.0005", "line 1 (X): KWD amounts have 3 decimals, not 1.0005"),
], ids=["JPY", "KWD"])
def test_amounts_follow_the_currencys_minor_unit(currency, amount, message):
    with pytest.raises(InvalidChoice) as refused:
        allocation_lines([{"invoice": "X", "amount": amount}], currency)
    assert str(refused.value) == message
    assert allocation_lines([{"invoice": "X", "amount": "100.000"}], "KWD")[0].amount == D("100.000")


def test_a_proposal_stored_before_candidates_were_kept_reads_and_accepts_as_candidate_1(tmp_path):
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    migrate.upgrade(url, "e6b2d4f8a913")  # the revision before candidate sets were stored
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:  # customers and invoices are as they were
        upsert(session, "customer", {"name": "ACME GmbH", "email": "ap@acme.example"})
        upsert(session, "invoice", invoice("INV-2024-00043", "80.50", "ap@acme.example", due="2024-04-15"))
    with engine.begin() as connection:
        for row in _old_proposals():
            connection.execute(text(
                "INSERT INTO match_proposals (source, payment_reference, amount, currency, status, score, "
                "runner_up_score, customer_id, payer_iban, invoices, allocation, reasons, created_at) VALUES "
                "('bank_transaction', :ref, :amount, 'EUR', :status, 40, NULL, 1, NULL, :invoices, :allocation, "
                ":reasons, '2024-03-30 10:00:00')"), row)
    engine.dispose()
    migrate.upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        old, done = session.scalars(select(MatchProposal).order_by(MatchProposal.id)).all()
        assert (old.accepted_candidate, done.accepted_candidate) == (None, 1)
        (candidate,) = stored_candidates(old)
        assert candidate["invoices"] == [{"number": "INV-2024-00043", "customer_id": None, "open": D("80.50"),
                                          "applied": D("80.50"), "discount": D("0.00"), "write_off": D("0.00"),
                                          "left_open": D("0.00")}]
        assert (candidate["rank"], candidate["score"], candidate["fit"], candidate["total_applied"],
                candidate["unapplied"]) == (1, 40, "exact", D("80.50"), D("0.00"))
        assert candidate["reasons"] == [{"signal": None, "points": None, "text": "amount equals open amount"},
                                        {"signal": None, "points": None, "text": "score 40, no other candidate"}]
        with pytest.raises(InvalidChoice, match="has 1 candidate: choose 1 to 1, not 2"):
            CashApplication(session).accept(old.id, who="ops", candidate=2, reason="r")
        accepted = CashApplication(session).accept(old.id, who="ops")
        assert accepted.invoices == ("INV-2024-00043",) and old.accepted_candidate == 1
        assert session.scalar(select(Invoice.status).where(Invoice.number == "INV-2024-00043")) == "paid"
        session.rollback()
    engine.dispose()


def _old_proposals() -> list[dict]:
    allocation = ('{"fit": "exact", "lines": [{"invoice": "INV-2024-00043", "kind": "applied", "amount": "80.50", '
                  '"reason": null}], "credit": "0"}')
    reasons = '["amount equals open amount", "score 40, no other candidate"]'
    return [{"ref": "bt-old", "amount": "80.50", "status": "proposed", "invoices": '["INV-2024-00043"]',
             "allocation": allocation, "reasons": reasons},
            {"ref": "bt-done", "amount": "80.50", "status": "accepted", "invoices": '["INV-2024-00043"]',
             "allocation": allocation, "reasons": reasons}]
