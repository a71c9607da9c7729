"""Credit holds in the console: the orders waiting for a credit decision, and the decision.

    GET  /console/credit/                     held orders, oldest first  ?after_id= (next page)
    POST /console/credit/<order>/approve      release it: its run is queued again and reaches the ERP
    POST /console/credit/<order>/reject       its run ends as rejected

Both actions need the worklist permission (roles admin and ar) and a reason; they are
:func:`hub.o2c.credit.service.decide`, as ``POST /api/v1/credit/<order>/approve|reject`` and
``o2c-hub credit approve|reject``, and leave an audit line naming who, why and from where.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from hub.errors import CreditDecisionError
from hub.o2c.credit.service import APPROVED, REJECTED, check_view, decide, held_checks
from hub.store.platform import AuditEntry
from hub.web.console.access import actor, current_user, requires
from hub.web.console.blueprint import console_blueprint
from hub.web.console import forms
from hub.web.console.nav import NavItem
from hub.web.context import current_hub
from hub.web.inputs import query_int

bp = console_blueprint("console_credit", "/console/credit")
NAV = NavItem(label="Credit holds", endpoint="console_credit.index", permission="read")
PAGE = 50
MAX_ORDER = 200
AUDIT_KINDS = {APPROVED: "credit.approve", REJECTED: "credit.reject"}


@bp.get("/")
@requires("read")
def index():
    after_id = query_int("after_id", None)
    with current_hub().sessions() as session:
        found = [check_view(c) for c in held_checks(session, after_id=after_id, limit=PAGE + 1)]
    checks = found[:PAGE]
    newer = checks[-1]["id"] if len(found) > PAGE else None
    return render_template("console/credit/index.html", checks=checks, newer=newer, paged=after_id is not None)


@bp.post("/<path:order>/approve")
@requires("worklist")
def approve(order: str):
    return _decide(order, APPROVED)


@bp.post("/<path:order>/reject")
@requires("worklist")
def reject(order: str):
    return _decide(order, REJECTED)


def _decide(order: str, decision: str):
    if len(order) > MAX_ORDER:
        abort(404, "there is no such order")
    reason = forms.reason("say why (the reason is recorded with the decision and in the audit log)")
    hub = current_hub()
    try:
        with hub.sessions.begin() as session:
            view = check_view(decide(session, order, decision, who=current_user().name, reason=reason))
            session.add(AuditEntry(kind=AUDIT_KINDS[decision], remote_addr=request.remote_addr,
                                   detail=f"order {order} {decision} by {actor()}; reason: {reason}"))
    except CreditDecisionError as exc:
        abort(409, f"{exc} (someone may have decided already: reload the list)")
    hub.wake()
    flash(_outcome(order, decision, view["run_id"]))
    return redirect(url_for(".index"))


def _outcome(order: str, decision: str, run_id: int | None) -> str:
    if run_id is None:
        return f"Order {order} {decision}."
    if decision == APPROVED:
        return f"Order {order} approved: its run #{run_id} is queued again and sends the order on."
    return f"Order {order} rejected: its run #{run_id} ends as rejected."

