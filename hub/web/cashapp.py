"""Cash application under /api/v1/cash-application, and bank lines under /api/v1/bank-lines,
behind the admin token.

    GET  /api/v1/cash-application/proposals?status=proposed&limit=100&after_id=
                                                              proposals, oldest first, with their
                                                              candidate sets; ``next`` pages on
    GET  /api/v1/cash-application/proposals/<id>              one proposal
    POST /api/v1/cash-application/proposals/<id>/accept       {} (the best candidate),
                                                              {"candidate": N, "reason": "..."} or
                                                              {"allocation": [{"invoice", "amount"}],
                                                               "reason": "..."}
    POST /api/v1/cash-application/proposals/<id>/reject       {"reason": "..."} (required)
    POST /api/v1/cash-application/apply                       {"payment": {...}} or
                                                              {"bank_transaction": {...}}
    GET  /api/v1/cash-application/report                      auto-match rate, unapplied cash
    GET  /api/v1/bank-lines?state=&statement=&account=&limit=50&before_id=
                                                              bank lines, newest first
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Blueprint, abort, jsonify, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.canonical import check
from hub.errors import InvalidChoice, InvalidRecordError, ProposalError, ProposalNotFound
from hub.o2c.cashapp.banklines import STATES as BANK_LINE_STATES
from hub.o2c.cashapp.banklines import BankLineFilter, bank_lines
from hub.o2c.cashapp.service import CashApplication, apply_bank_transaction, apply_payment
from hub.o2c.cashapp.unapplied import report as cash_report
from hub.o2c.cashapp.views import accept_audit_line, outcome_view, proposal_view
from hub.store.o2c_cash import MatchProposal
from hub.store.platform import AuditEntry
from hub.web.auth import protect
from hub.web.context import current_hub
from hub.web.inputs import json_object, query_int, reason_of

bp = protect(Blueprint("cashapp", __name__, url_prefix="/api/v1/cash-application"))
bank_bp = protect(Blueprint("bank_lines", __name__, url_prefix="/api/v1/bank-lines"))

STATUSES = ("proposed", "auto_applied", "accepted", "rejected", "unmatched", "all")
MAX_PROPOSALS = 1000
MAX_BANK_LINES = 500
MAX_TEXT = 200
_ACCEPT_FIELDS = {"candidate", "allocation", "reason"}


@bp.get("/proposals")
def proposals():
    status = _one_of("status", STATUSES, "proposed")
    if "offset" in request.args:
        abort(400, "offset is not supported: page with after_id, as the answer's next link does")
    limit = query_int("limit", 100, high=MAX_PROPOSALS)
    after_id = query_int("after_id", None)
    query = select(MatchProposal).order_by(MatchProposal.id).limit(limit + 1)
    if status != "all":
        query = query.where(MatchProposal.status == status)
    if after_id is not None:
        query = query.where(MatchProposal.id > after_id)
    with current_hub().sessions() as session:
        found = session.scalars(query).all()
        views = [proposal_view(p) for p in found[:limit]]
    more = len(found) > limit
    return jsonify(proposals=views, next=url_for(".proposals", status=status, limit=limit,
                                                 after_id=views[-1]["id"]) if more else None)


@bp.get("/proposals/<id:proposal_id>")
def proposal(proposal_id: int):
    with current_hub().sessions() as session:
        found = session.get(MatchProposal, proposal_id)
        if found is None:
            abort(404, f"there is no proposal {proposal_id}")
        return jsonify(proposal_view(found))


@bp.post("/proposals/<id:proposal_id>/accept")
def accept(proposal_id: int):
    body = json_object()
    unknown = sorted(set(body) - _ACCEPT_FIELDS)
    if unknown:
        abort(400, f"unknown field {', '.join(unknown)}: an accept takes candidate or allocation, and reason")
    if "candidate" in body and "allocation" in body:
        abort(400, "send candidate or allocation, not both")
    reason = reason_of(body)
    with _decision() as session:
        cash = CashApplication(session, current_hub().settings.cash_application)
        if "allocation" in body:
            candidate = None
            outcome = cash.accept_allocation(proposal_id, body["allocation"], who="admin API", reason=reason)
        else:
            candidate = _candidate(body.get("candidate", 1))
            outcome = cash.accept(proposal_id, who="admin API", candidate=candidate, reason=reason)
        session.add(AuditEntry(kind="cashapp.accept", remote_addr=request.remote_addr, detail=accept_audit_line(
            proposal_id, outcome, who="admin API", candidate=candidate, reason=reason)))
        return jsonify(outcome_view(outcome))


@bp.post("/proposals/<id:proposal_id>/reject")
def reject(proposal_id: int):
    reason = reason_of(json_object(), missing="a reject needs a reason: {\"reason\": \"...\"}")
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
        return jsonify(outcome_view(apply_one(session, record, current_hub().settings.cash_application)))


@bp.get("/report")
def report():
    with current_hub().sessions() as session:
        return jsonify(cash_report(session))


@bank_bp.get("")
def list_bank_lines():
    wanted = BankLineFilter(state=_one_of("state", BANK_LINE_STATES, None), statement=_text("statement"),
                            account=_text("account"), before_id=query_int("before_id", None),
                            limit=query_int("limit", 50, high=MAX_BANK_LINES))
    with current_hub().sessions() as session:
        lines, more = bank_lines(session, wanted)
    following = None
    if more:
        following = url_for(".list_bank_lines", state=wanted.state, statement=wanted.statement,
                            account=wanted.account, limit=wanted.limit, before_id=lines[-1]["id"])
    return jsonify(bank_lines=lines, next=following)


def _one_of(name: str, allowed: tuple[str, ...], default: str | None) -> str | None:
    value = request.args.get(name) or default
    if value is not None and value not in allowed:
        abort(400, f"{name} must be one of {', '.join(allowed)}")
    return value


def _text(name: str) -> str | None:
    value = request.args.get(name)
    if value is not None and len(value) > MAX_TEXT:
        abort(400, f"{name} is longer than {MAX_TEXT} characters")
    return value or None


def _candidate(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_PROPOSALS:
        abort(400, "candidate must be a whole number from 1 (the best) to the number of candidates")
    return value


@contextmanager
def _decision() -> Iterator[Session]:
    """A transaction deciding a proposal: 404 when it is missing, 400 for a choice that cannot be
    applied as given, 409 when the proposal is no longer open."""
    try:
        with current_hub().sessions.begin() as session:
            yield session
    except InvalidChoice as exc:
        abort(400, str(exc))
    except ProposalNotFound as exc:
        abort(404, str(exc))
    except ProposalError as exc:
        abort(409, str(exc))
