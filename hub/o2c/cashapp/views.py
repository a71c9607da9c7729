"""Plain-data views of proposals and outcomes, shared by the CLI, the API and the console."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.money import quantize
from hub.o2c.cashapp.candidates import stored_candidates
from hub.o2c.cashapp.service import Outcome
from hub.store.o2c import Customer
from hub.store.o2c_cash import MatchProposal


def proposal_view(proposal: MatchProposal) -> dict:
    """A proposal as JSON-ready data, with its candidate sets (best first)."""
    return {
        "id": proposal.id, "source": proposal.source, "payment": proposal.payment_reference,
        "amount": quantize(proposal.amount, proposal.currency), "currency": proposal.currency,
        "status": proposal.status, "score": proposal.score, "runner_up_score": proposal.runner_up_score,
        "customer_id": proposal.customer_id, "invoices": proposal.invoices,
        "allocation": _allocation(proposal.allocation, proposal.currency), "reasons": proposal.reasons,
        "candidates": stored_candidates(proposal), "accepted_candidate": proposal.accepted_candidate,
        "decided_by": proposal.decided_by, "decided_at": proposal.decided_at,
        "accept_reason": proposal.accept_reason, "reject_reason": proposal.reject_reason,
        "created_at": proposal.created_at,
    }


def outcome_view(outcome: Outcome) -> dict:
    """An outcome as JSON-ready data."""
    return {
        "payment": outcome.reference, "source": outcome.source, "status": outcome.status,
        "proposal_id": outcome.proposal_id, "score": outcome.score, "invoices": list(outcome.invoices),
        "applications": [{"invoice": a.number, "kind": a.kind, "amount": a.amount, "reason": a.reason}
                         for a in outcome.applications],
        "credit": outcome.credit, "reasons": list(outcome.reasons),
    }


def _allocation(stored: dict[str, Any] | None, currency: str) -> dict[str, Any]:
    """The stored allocation (amounts kept as decimal strings) with Decimal amounts."""
    if not stored:
        return {}
    lines = [{**line, "amount": quantize(line["amount"], currency)} for line in stored.get("lines", [])]
    return {**stored, "lines": lines, "credit": quantize(stored.get("credit") or 0, currency)}


def accept_audit_line(proposal_id: int, outcome: Outcome, *, who: str, candidate: int | None,
                      reason: str | None, money: Callable[[Decimal], str] = str) -> str:
    """The audit log's sentence for an accepted proposal: which set (candidate N other than the
    best, or the person's own allocation), who, what was applied, and why when a reason was given."""
    chosen = "" if candidate == 1 else ", an allocation of their own" if candidate is None else f", candidate {candidate}"
    applied = ", ".join(f"{money(a.amount)} to {a.number}" for a in outcome.applications if a.kind == "applied")
    why = f"; reason: {reason}" if reason else ""
    return (f"cash application proposal {proposal_id} ({outcome.source} {outcome.reference}{chosen}) "
            f"accepted by {who}: applied {applied or 'nothing'}{why}")


def customer_names(session: Session, ids: set[int | None]) -> dict[int, str]:
    """Customer id → the name people know them by (else their e-mail, else "customer N")."""
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    rows = session.execute(select(Customer.id, Customer.name, Customer.email).where(Customer.id.in_(wanted)))
    return {cid: name or email or f"customer {cid}" for cid, name, email in rows}
