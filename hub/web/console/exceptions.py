"""Reconciliation exceptions in the console: what two systems disagree on, newest first.

    GET /console/exceptions/     ?status=open|resolved|all &reconciliation=NAME &before_id= (older page)

The rows are :func:`hub.o2c.reconcile.list_exceptions`, as ``GET /api/v1/exceptions`` and
``o2c-hub exceptions list``, each with both systems' figures.
"""

from __future__ import annotations

from flask import abort, render_template, request

from hub.o2c.reconcile import exception_view, list_exceptions
from hub.web.console.access import requires
from hub.web.console.blueprint import console_blueprint
from hub.web.console.nav import NavItem
from hub.web.context import current_hub
from hub.web.inputs import query_int

bp = console_blueprint("console_exceptions", "/console/exceptions")
NAV = NavItem(label="Exceptions", endpoint="console_exceptions.index", permission="read")
PAGE = 50
STATUSES = ("open", "resolved", "all")
MAX_NAME = 120


@bp.get("/")
@requires("read")
def index():
    filters = _filters()
    before_id = query_int("before_id", None)
    with current_hub().sessions() as session:
        found = [exception_view(r) for r in list_exceptions(
            session, status=None if filters["status"] == "all" else filters["status"],
            reconciliation=filters["reconciliation"], limit=PAGE + 1, before_id=before_id)]
    rows = [{**row, "sides": sides(row["reconciliation"])} for row in found[:PAGE]]
    older = rows[-1]["id"] if len(found) > PAGE else None
    return render_template("console/exceptions/index.html", rows=rows, filters=filters, older=older,
                           paged=before_id is not None, statuses=STATUSES)


def _filters() -> dict:
    status = request.args.get("status") or "open"
    if status not in STATUSES:
        abort(400, f"status must be one of {', '.join(STATUSES)}")
    name = (request.args.get("reconciliation") or "").strip()
    if len(name) > MAX_NAME:
        abort(400, f"a reconciliation name is at most {MAX_NAME} characters")
    return {"status": status, "reconciliation": name or None}


def sides(reconciliation: str) -> tuple[str, str]:
    """The two systems a reconciliation compares, from its name (``storefront-vs-erp``)."""
    left, found, right = reconciliation.partition("-vs-")
    return (left, right) if found and left and right else ("left", "right")
