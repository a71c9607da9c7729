"""Cash application under /api/v1/cash-application, behind the admin token.

    GET  /api/v1/cash-application/proposals?status=proposed   proposals with their reasons
    POST /api/v1/cash-application/proposals/<id>/accept       apply it (learns the payer's IBAN)
    POST /api/v1/cash-application/proposals/<id>/reject       {"reason": "..."} (required)
    POST /api/v1/cash-application/apply                       {"payment": {...}} or
                                                              {"bank_transaction": {...}}
    GET  /api/v1/cash-application/report                      auto-match rate, unapplied cash
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint, abort, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.errors import InvalidRecordError
from hub.o2c.canonical import check
from hub.o2c.cashapp.service import CashApplication, ProposalError, apply_bank_transaction, apply_payment
from hub.o2c.cashapp.unapplied import report as cash_report
from hub.o2c.cashapp.views import outcome_view, proposal_view
from hub.store.o2c_cash import MatchProposal
from hub.store.platform import AuditEntry
from hub.web.auth import protect
from hub.web.context import current_hub
from hub.web.inputs import json_object, query_int

bp = protect(Blueprint("cashapp", __name__, url_prefix="/api/v1/cash-application"))


@bp.get("/proposals")
def proposals():
    status = request.args.get("status", "proposed")
    limit = query_int("limit", 100, high=1000)
    query = select(MatchProposal).order_by(MatchProposal.id).limit(limit)
    if status != "all":
        query = query.where(MatchProposal.status == status)
    with current_hub().sessions() as session:
        return jsonify(proposals=[proposal_view(p) for p in session.scalars(query)])


@bp.post("/proposals/<id:proposal_id>/accept")
def accept(proposal_id: int):
    with _decision() as session:
        outcome = CashApplication(session).accept(proposal_id, who="admin API")
        applied = ", ".join(f"{a.amount} to {a.number}" for a in outcome.applications if a.kind == "applied")
        session.add(AuditEntry(kind="cashapp.accept", remote_addr=request.remote_addr, detail=(
            f"cash application proposal {proposal_id} ({outcome.source} {outcome.reference}) "
            f"accepted by admin API: applied {applied or 'nothing'}")))
        return jsonify(outcome_view(outcome))


@bp.post("/proposals/<id:proposal_id>/reject")
def reject(proposal_id: int):
    reason = json_object().get("reason")
    if not isinstance(reason, str) or not reason.strip():
        abort(400, "a reject needs a reason: {\"reason\": \"...\"}")
    with _decision() as session:
        proposal = CashApplication(session).reject(proposal_id, reason=reason, who="admin API")
        session.add(AuditEntry(kind="cashapp.reject", remote_addr=request.remote_addr, detail=(
            f"cash application proposal {proposal_id} ({proposal.source} {proposal.payment_reference}) "
            f"rejected by admin API; reason: {reason}")))
        return jsonify(proposal_view(proposal))


@bp.post("/apply")
def apply():
    body = json_object()
    entity = next((name for name in ("payment", "bank_transaction") if name in body), None)
    if entity is None:
        abort(400, "send {\"payment\": {...}} or {\"bank_transaction\": {...}}")
    try:
        record = check(entity, body[entity])
    except InvalidRecordError as exc:
        abort(422, str(exc))
    apply_one = apply_payment if entity == "payment" else apply_bank_transaction
    with current_hub().sessions.begin() as session:
        return jsonify(outcome_view(apply_one(session, record)))


@bp.get("/report")
def report():
    with current_hub().sessions() as session:
        return jsonify(cash_report(session))


@contextmanager
def _decision() -> Iterator[Session]:
    """A transaction deciding a proposal: 404 when it is missing, 409 when no longer open."""
    try:
        with current_hub().sessions.begin() as session:
            yield session
    except ProposalError as exc:
        abort(404 if exc.missing else 409, str(exc))
