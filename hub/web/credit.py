"""Credit control and reconciliation exceptions under /api/v1 (admin token).

    GET  /api/v1/credit/held                  checks waiting for a decision, oldest first
    GET  /api/v1/credit/<order>               every check of one order
    POST /api/v1/credit/<order>/approve       {"reason": "...", "by": "name"} → re-queues the run
    POST /api/v1/credit/<order>/reject        {"reason": "...", "by": "name"} → ends the run
    GET  /api/v1/exceptions?status=open&reconciliation=   reconciliation exceptions, newest first
"""

from __future__ import annotations

from flask import Blueprint, abort, jsonify, request

from hub.errors import CreditDecisionError
from hub.o2c.credit.service import APPROVED, REJECTED, check_view, checks_of, decide, held_checks
from hub.o2c.reconcile import exception_view, list_exceptions
from hub.store.platform import AuditEntry
from hub.web.auth import protect
from hub.web.context import current_hub
from hub.web.inputs import json_object, query_int, reason_of

bp = protect(Blueprint("credit", __name__, url_prefix="/api/v1"))


@bp.get("/credit/held")
def held():
    with current_hub().sessions() as session:
        return jsonify(checks=[check_view(c) for c in held_checks(session)])


@bp.get("/credit/<ref:order>")
def checks(order: str):
    with current_hub().sessions() as session:
        found = checks_of(session, order)
        if not found:
            abort(404, f"order {order} has no credit check")
        return jsonify(order=order, checks=[check_view(c) for c in found])


@bp.post("/credit/<ref:order>/approve")
def approve(order: str):
    return _decide(order, APPROVED)


@bp.post("/credit/<ref:order>/reject")
def reject(order: str):
    return _decide(order, REJECTED)


def _decide(order: str, decision: str):
    body = json_object()
    reason = reason_of(body, missing="a reason is required: {\"reason\": \"...\"}")
    by = body.get("by")
    if by is not None and not (isinstance(by, str) and 0 < len(by.strip()) <= 200):
        abort(400, "by must be the name of whoever decides, as text of at most 200 characters")
    who = " ".join(by.split()) if by else "admin API"
    hub = current_hub()
    try:
        with hub.sessions.begin() as session:
            view = check_view(decide(session, order, decision, who=who, reason=reason))
            session.add(AuditEntry(kind="credit.approve" if decision == APPROVED else "credit.reject",
                                   remote_addr=request.remote_addr,
                                   detail=f"order {order} {decision} by {who} (admin API); reason: {reason}"))
    except CreditDecisionError as exc:
        abort(409, str(exc))
    hub.wake()
    return jsonify(view)


@bp.get("/exceptions")
def exceptions():
    status = request.args.get("status", "open")
    with current_hub().sessions() as session:
        rows = list_exceptions(session, status=None if status == "all" else status,
                               reconciliation=request.args.get("reconciliation"),
                               limit=query_int("limit", 200, high=1000))
        return jsonify(exceptions=[exception_view(r) for r in rows])
