"""Cash application against the store: match, apply or propose, accept or reject, learn.

    apply_payment(session, payment_record, policy)    one canonical payment → Outcome
    apply_bank_transaction(session, record, policy)   one canonical bank line → Outcome
    CashApplication(session, policy).run()            every payment / bank credit not yet decided
    CashApplication(session).accept(id, who=...)      apply a proposal's best candidate (or
                                    candidate=N, reason=...), learn the payer's IBAN
    CashApplication(session).accept_allocation(id, allocation, who=..., reason=...)
                                                      apply a person's own allocation
    CashApplication(session).reject(id, reason=...)  record why it was not applied

Each payment gets one MatchProposal row, whatever was decided (auto_applied, proposed,
unmatched), with its ranked candidate sets, so a run never decides the same money twice.
Choosing anything but the best candidate needs a reason. The caller commits.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from hub.errors import InvalidChoice, ProposalError, ProposalNotFound
from hub.money import quantize
from hub.o2c.cashapp.allocation import Allocation, Line, allocate
from hub.o2c.cashapp.book import settle
from hub.o2c.cashapp.candidates import candidate_record, lines_of, stored_candidates
from hub.o2c.cashapp.choice import allocation_lines, manual_allocation
from hub.o2c.cashapp.loading import load_book, load_directory, open_invoice
from hub.o2c.cashapp.matcher import Decision, Matcher, Policy
from hub.o2c.cashapp.normalize import Remittance, from_bank_transaction, from_payment
from hub.o2c.cashapp.posting import Posting, post
from hub.o2c.cashapp.unapplied import undecided
from hub.o2c.records import learn_ibans
from hub.store.o2c import Invoice
from hub.store.o2c_cash import MatchProposal
from hub.store.o2c_columns import find_customer

_STATUS = {"auto": "auto_applied", "proposal": "proposed", "unmatched": "unmatched"}
# Many proposals in one multi-row INSERT, their ids answered in the order of the rows (Core, on
# the table: the rows are not wanted as ORM objects afterwards).
_PROPOSALS = MatchProposal.__table__
_INSERT_PROPOSALS = insert(_PROPOSALS).returning(_PROPOSALS.c.id, sort_by_parameter_order=True)
__all__ = ["CashApplication", "Outcome", "allocation_view", "apply_bank_transaction", "apply_payment"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Outcome:
    """What happened to one payment or bank line."""

    reference: str
    source: str
    status: str
    proposal_id: int | None = None
    score: int | None = None
    invoices: tuple[str, ...] = ()
    applications: tuple[Line, ...] = ()
    credit: Decimal = Decimal(0)
    reasons: tuple[str, ...] = ()


def apply_payment(session: Session, payment_record: dict, policy: Policy | None = None) -> Outcome:
    """Match one canonical payment and apply it, or leave a proposal with its reasons (``policy``:
    the config's cash_application section, else the defaults)."""
    customer_id = find_customer(session, payment_record.get("customer"))
    return CashApplication(session, policy).apply(from_payment(payment_record, customer_id=customer_id))


def apply_bank_transaction(session: Session, record: dict, policy: Policy | None = None) -> Outcome:
    """Match one canonical bank transaction (a credit) like :func:`apply_payment`."""
    return CashApplication(session, policy).apply(from_bank_transaction(record))


class CashApplication:
    """The matcher over the store's open invoices, customers and learned IBANs, with the policy
    of the config file's cash_application section (``Settings.cash_application``; the defaults
    when none is given)."""

    def __init__(self, session: Session, policy: Policy | None = None):
        self.session = session
        self.matcher = Matcher(load_book(session), load_directory(session), policy)

    def run(self) -> list[Outcome]:
        """Decide every payment and bank credit that has no decision yet.

        Each is matched in turn over the open amounts the ones before it left (an
        auto-application settles its invoices in the matcher's book and teaches it the payer's
        IBAN, as apply does), then every decision is written at once: the proposals in one
        insert, the applications in another, each invoice touched updated once, the IBANs
        learned in one query. What is decided is what apply would decide one by one.
        """
        decisions = []
        for remittance in undecided(self.session):
            decision = self.matcher.match(remittance)
            if decision.status == "auto":
                self._settle(decision)
            decisions.append(decision)
        values = [self._proposal_values(decision) for decision in decisions]
        ids = self.session.scalars(_INSERT_PROPOSALS, values).all() if values else []
        autos = [(row, d.best.allocation) for row, d in zip(values, decisions) if d.status == "auto"]
        post(self.session, [Posting(payment_reference=row["payment_reference"], currency=row["currency"],
                                    lines=allocation.lines, credit=allocation.credit) for row, allocation in autos])
        learn_ibans(self.session, {row["payer_iban"]: row["customer_id"] for row, _ in autos
                                   if row["payer_iban"] and row["customer_id"]}, "auto application")
        self.session.flush()
        return [_outcome_of(row, proposal_id, d.best.allocation if d.status == "auto" else None)
                for row, proposal_id, d in zip(values, ids, decisions)]

    def apply(self, remittance: Remittance) -> Outcome:
        """Decide one remittance; the same remittance again returns the earlier decision."""
        known = self._proposal_for(remittance)
        if known is not None:
            return _outcome(known, reasons=("decided before",))
        if remittance.amount <= 0:
            return Outcome(reference=remittance.reference, source=remittance.source, status="skipped",
                           reasons=("not money received",))
        decision = self.matcher.match(remittance)
        proposal = self._proposal(decision)
        self.session.add(proposal)
        self.session.flush()
        if decision.status == "auto":
            self._post(proposal, decision.best.allocation, learned_from="auto application")
        return _outcome(proposal, allocation=decision.best.allocation if decision.status == "auto" else None)

    def accept(self, proposal_id: int, *, who: str, candidate: int = 1, reason: str | None = None) -> Outcome:
        """Apply candidate ``candidate`` (1 = the best) as allocated on today's open amounts, and
        learn the payer's IBAN; any other than the best needs a ``reason``."""
        proposal = self._open_proposal(proposal_id)
        candidates = stored_candidates(proposal)
        if not candidates:
            raise ProposalError(f"proposal {proposal_id} has no candidate invoice set to accept; "
                                "allocate the payment to invoices yourself")
        if not 1 <= candidate <= len(candidates):
            raise InvalidChoice(f"proposal {proposal_id} has {len(candidates)} candidate"
                                f"{'' if len(candidates) == 1 else 's'}: choose 1 to {len(candidates)}, not {candidate}")
        if candidate != 1 and not reason:
            raise InvalidChoice(f"say why candidate {candidate} is right rather than the best one (a reason)")
        chosen = candidates[candidate - 1]
        numbers = [i["number"] for i in chosen["invoices"]]
        allocation = self._reallocate(proposal, numbers)
        self._accepted(proposal, allocation, numbers, who=who, reason=reason, candidate=candidate,
                       customer_id=chosen["customer_id"] or proposal.customer_id)
        return _outcome(proposal, allocation=allocation)

    def accept_allocation(self, proposal_id: int, allocation: Any, *, who: str, reason: str | None) -> Outcome:
        """Apply a person's own allocation, as a client sends it: ``[{"invoice": "INV-1", "amount":
        "120.50"}, ...]`` (the rules: hub.o2c.cashapp.choice); what the payment has left is kept
        as customer credit."""
        proposal = self._open_proposal(proposal_id)
        lines = allocation_lines(allocation, proposal.currency)
        if not reason:
            raise InvalidChoice("say why the payment is allocated this way (a reason)")
        allocation = manual_allocation(self.session, lines, payment=proposal.amount, currency=proposal.currency)
        owners = set(self.session.scalars(select(Invoice.customer_id).where(
            Invoice.id.in_([line.invoice_id for line in allocation.lines]))))
        self._accepted(proposal, allocation, [line.invoice for line in lines], who=who, reason=reason,
                       candidate=None, customer_id=owners.pop() if len(owners) == 1 else None)
        return _outcome(proposal, allocation=allocation)

    def reject(self, proposal_id: int, *, reason: str, who: str) -> MatchProposal:
        """Record that a proposal is wrong, and why; the money stays unapplied."""
        proposal = self._open_proposal(proposal_id)
        if not proposal.invoices:
            raise ProposalError(f"proposal {proposal_id} proposes no invoice; there is nothing to reject")
        proposal.status, proposal.reject_reason = "rejected", reason
        proposal.decided_by, proposal.decided_at = who, _now()
        return proposal

    # --- internals ------------------------------------------------------------------------------

    def _proposal_for(self, remittance: Remittance) -> MatchProposal | None:
        return self.session.scalar(select(MatchProposal).where(
            MatchProposal.source == remittance.source, MatchProposal.payment_reference == remittance.reference))

    def _proposal(self, decision: Decision) -> MatchProposal:
        """The proposal row that records ``decision`` (not added to the session)."""
        return MatchProposal(**self._proposal_values(decision))

    def _proposal_values(self, decision: Decision) -> dict[str, Any]:
        r, best = decision.remittance, decision.best
        return dict(
            source=r.source, payment_reference=r.reference, amount=r.amount, currency=r.currency,
            status=_STATUS[decision.status], score=best.score if best else None,
            runner_up_score=decision.runner_up.score if decision.runner_up else None,
            customer_id=best.customer_id if best else r.customer_id, payer_iban=r.payer_iban,
            invoices=list(best.numbers) if best else [], reasons=list(decision.reasons),
            allocation=allocation_view(best.allocation) if best else {},
            candidates=[candidate_record(rank, c, r.amount, r.currency) for rank, c in enumerate(decision.candidates, 1)],
        )

    def _settle(self, decision: Decision) -> None:
        """What an auto-application changes in the matcher: its invoices' open amounts, and the
        payer's IBAN known for the customer."""
        book, best = self.matcher.book, decision.best
        taken: dict[int, Decimal] = defaultdict(Decimal)  # applied, discount and write-off lines alike
        for line in best.allocation.lines:
            taken[line.invoice_id] += line.amount
        for invoice_id, amount in taken.items():
            if invoice_id in book.by_id:
                settle(book, invoice_id, quantize(book.by_id[invoice_id].open - amount, book.by_id[invoice_id].currency))
        if decision.remittance.payer_iban and best.customer_id is not None:
            self.matcher.customers.learn_iban(decision.remittance.payer_iban, best.customer_id)

    def _open_proposal(self, proposal_id: int) -> MatchProposal:
        """The proposal, locked until the caller's transaction ends (FOR UPDATE, where the
        database has it; SQLite has one writer anyway): two people deciding it at the same
        moment are one decision and one "only a proposed match can be decided"."""
        proposal = self.session.get(MatchProposal, proposal_id, with_for_update=True, populate_existing=True)
        if proposal is None:
            raise ProposalNotFound(f"there is no proposal {proposal_id}")
        if proposal.status not in ("proposed", "unmatched"):
            raise ProposalError(f"proposal {proposal_id} is {proposal.status}; only a proposed match can be decided")
        return proposal

    def _reallocate(self, proposal: MatchProposal, numbers: list[str]) -> Allocation:
        """The set ``numbers`` (in the candidate's order) allocated on today's open amounts."""
        rows = {r.number: r for r in self.session.scalars(select(Invoice).where(
            Invoice.kind == "invoice", Invoice.number.in_(numbers)))}
        still_open = [open_invoice(rows[n]) for n in numbers if n in rows and rows[n].status in ("open", "partially_paid")]
        if len(still_open) != len(numbers) or any(i.open <= 0 for i in still_open):
            raise ProposalError(f"proposal {proposal.id}: an invoice of {', '.join(numbers)} is no longer open")
        on = proposal.created_at.date() if proposal.created_at else None
        return allocate(proposal.amount, still_open, on, self.matcher.policy.tolerance)

    def _accepted(self, proposal: MatchProposal, allocation: Allocation, numbers: list[str], *, who: str,
                  reason: str | None, candidate: int | None, customer_id: int | None) -> None:
        """Record the decision on the proposal (the set ``numbers`` applied becomes its invoices)
        and post it."""
        proposal.status, proposal.decided_by, proposal.decided_at = "accepted", who, _now()
        proposal.accepted_candidate, proposal.accept_reason = candidate, reason
        proposal.invoices, proposal.allocation = numbers, allocation_view(allocation)
        proposal.customer_id = customer_id
        self._post(proposal, allocation, learned_from="accepted proposal")

    def _post(self, proposal: MatchProposal, allocation: Allocation, *, learned_from: str) -> None:
        dues = post(self.session, [_posting(proposal, allocation)])
        for line in allocation.lines:
            if line.invoice_id in self.matcher.book.by_id:
                settle(self.matcher.book, line.invoice_id, dues[line.number])
        if proposal.payer_iban and proposal.customer_id is not None:
            learn_ibans(self.session, {proposal.payer_iban: proposal.customer_id}, learned_from)
            self.matcher.customers.learn_iban(proposal.payer_iban, proposal.customer_id)
        self.session.flush()


def _posting(proposal: MatchProposal, allocation: Allocation) -> Posting:
    return Posting(payment_reference=proposal.payment_reference, currency=proposal.currency,
                   lines=allocation.lines, credit=allocation.credit)


def allocation_view(allocation: Allocation) -> dict:
    """An allocation as plain data (for proposals, the API and the CLI)."""
    return {"fit": allocation.fit, "lines": lines_of(allocation), "credit": allocation.credit}


def _outcome(proposal: MatchProposal, *, allocation: Allocation | None = None, reasons: tuple = ()) -> Outcome:
    return Outcome(
        reference=proposal.payment_reference, source=proposal.source, status=proposal.status,
        proposal_id=proposal.id, score=proposal.score, invoices=tuple(proposal.invoices),
        applications=allocation.lines if allocation else (), credit=allocation.credit if allocation else Decimal(0),
        reasons=(*proposal.reasons, *reasons),
    )


def _outcome_of(row: dict[str, Any], proposal_id: int, allocation: Allocation | None) -> Outcome:
    """The outcome of a proposal inserted as ``row`` (the values of its columns), as _outcome
    tells it of the row's ORM object."""
    return Outcome(
        reference=row["payment_reference"], source=row["source"], status=row["status"], proposal_id=proposal_id,
        score=row["score"], invoices=tuple(row["invoices"]), applications=allocation.lines if allocation else (),
        credit=allocation.credit if allocation else Decimal(0), reasons=tuple(row["reasons"]),
    )


def _now() -> datetime:
    return datetime.now(timezone.utc)
