"""AR reports under /api/v1/reports, behind the admin token.

    GET /api/v1/reports/aging?as_of=2024-03-31&currency=EUR
    GET /api/v1/reports/dso?as_of=2024-03-31&period_days=90
    GET /api/v1/reports/kpis?as_of=2024-03-31&period_days=90

``as_of`` defaults to today, ``period_days`` to 90; without ``currency`` every currency in
the store is reported. Answers are ``{"report", "as_of", "period_days", "currencies": {...}}``
with amounts as exact JSON numbers. Definitions: docs/ar-reporting.md.
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, Response, abort, request

from hub import jsonutil
from hub.o2c.reports.store import REPORTS, report
from hub.web.auth import protect
from hub.web.context import current_hub

bp = protect(Blueprint("reports", __name__, url_prefix="/api/v1/reports"))


@bp.get("/<name>")
def ar_report(name: str) -> Response:
    if name not in REPORTS:
        abort(404, f"unknown report {name!r}; known reports: {', '.join(REPORTS)}")
    as_of, period_days = _as_of(), _period_days()
    with current_hub().sessions() as session:
        found = report(session, name, as_of, period_days=period_days, currency=request.args.get("currency"))
    body = {"report": name, "as_of": as_of.isoformat(), "period_days": period_days, "currencies": found}
    return Response(jsonutil.dumps(body), mimetype="application/json")


def _as_of() -> date:
    text = request.args.get("as_of")
    try:
        return date.fromisoformat(text) if text else date.today()
    except ValueError:
        abort(400, f"as_of must be a date such as 2024-03-31, not {text!r}")


def _period_days() -> int:
    days = request.args.get("period_days", 90, type=int)
    if days is None or days < 1:
        abort(400, "period_days must be a whole number of days, at least 1")
    return days
