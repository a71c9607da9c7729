"""Plain-data views of proposals and outcomes, shared by the CLI and the API."""

from __future__ import annotations

from hub.o2c.cashapp.service import Outcome
from hub.store.o2c_cash import MatchProposal


def proposal_view(proposal: MatchProposal) -> dict:
    """A proposal as JSON-ready data."""
    return {
        "id": proposal.id, "source": proposal.source, "payment": proposal.payment_reference,
        "amount": proposal.amount, "currency": proposal.currency, "status": proposal.status,
        "score": proposal.score, "runner_up_score": proposal.runner_up_score,
        "customer_id": proposal.customer_id, "invoices": proposal.invoices,
        "allocation": proposal.allocation, "reasons": proposal.reasons,
        "decided_by": proposal.decided_by, "reject_reason": proposal.reject_reason,
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
