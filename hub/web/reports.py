"""AR reports under /api/v1/reports, behind the admin token.

    GET /api/v1/reports/aging?as_of=2024-03-31&currency=EUR
    GET /api/v1/reports/dso?as_of=2024-03-31&period_days=90
    GET /api/v1/reports/kpis?as_of=2024-03-31&period_days=90

``as_of`` (1900-01-01 to 9999-12-01) defaults to today, ``period_days`` (1 to 36500) to 90;
``currency`` is an ISO 4217 code in capitals; without it every currency in the store is
reported. Any other value is a 400. Answers are ``{"report", "as_of", "period_days",
"currencies": {...}, "figures_at"}`` with amounts as exact JSON numbers. Definitions:
docs/ar-reporting.md.

Aging, DSO and the KPIs come from the sums this process keeps (hub.o2c.reports.kept): at most a
minute old, or up to 15 minutes while new ones are worked out in the background;
``figures_at`` says when (UTC) they were worked out. The balances per customer are read anew.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

from flask import Blueprint, Response, abort, current_app

from hub import jsonutil
from hub.o2c.reports.kept import KeptSummaries, kept_in
from hub.o2c.reports.store import REPORTS, figures, report
from hub.web.auth import protect
from hub.web.context import current_hub
from hub.web.inputs import query_currency, query_date, query_int

MAX_PERIOD_DAYS = 36500

bp = protect(Blueprint("reports", __name__, url_prefix="/api/v1/reports"))


@bp.get("/<name>")
def ar_report(name: str) -> Response:
    if name not in REPORTS:
        abort(404, f"unknown report {name!r}; known reports: {', '.join(REPORTS)}")
    as_of = query_date("as_of") or date.today()
    period_days = query_int("period_days", 90, high=MAX_PERIOD_DAYS)
    currency = query_currency()
    if name == "balances":
        with current_hub().sessions() as session:
            found, at = report(session, name, as_of, currency=currency), datetime.now(timezone.utc)
    else:
        kept = kept_summaries().get(as_of, currency)
        found, at = figures(name, kept.summaries, as_of, period_days), kept.worked_out_at
    body = {"report": name, "as_of": as_of.isoformat(), "period_days": period_days, "currencies": found,
            "figures_at": at.isoformat(timespec="seconds")}
    return Response(jsonutil.dumps(body), mimetype="application/json")


def kept_summaries() -> KeptSummaries:
    """The AR sums this web process keeps (shared by the API and the console's dashboard)."""
    return kept_in(current_app.extensions, current_hub().sessions)

