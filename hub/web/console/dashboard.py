"""The AR dashboard: the reports' figures per currency, with charts drawn on the server.

    GET /console/dashboard/      ?as_of=2024-03-31&period_days=30&currency=EUR

Per currency: open and overdue receivables, the aging buckets (a bar chart), DSO and CEI over
the last 12 periods of ``period_days`` ending on ``as_of`` (line charts), unapplied cash and
the auto-match rate; and the orders held for a credit decision. Every figure comes from the
AR reports (hub.o2c.reports: the functions behind GET /api/v1/reports/aging|dso|kpis), so the
page, the API, the CLI and /metrics never disagree. Beside unapplied cash (recorded payments
not applied) stands what waits for cash application (bank credits and payments no invoice takes
yet, as the cash application page counts them), so the two pages add up.

The figures are worked out from the sums the web process keeps (hub.o2c.reports.kept, shared
with the API): at most a minute old, or up to 15 minutes while new ones are worked out in the
background; the page says when they were worked out. Summing the store takes the database
about a second at 50,000 invoices, so the first console page a logged-in user opens starts
today's sums in the background, and the dashboard's first load finds them ready.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask import render_template, request

from hub.o2c.credit.service import held_checks
from hub.o2c.reports.metrics import BUCKETS, aging, cei, dso
from hub.o2c.cashapp.unapplied import waiting_cash
from hub.o2c.reports.store import kpis
from hub.o2c.reports.summary import Summary
from hub.web.console.access import current_user, requires
from hub.web.console.blueprint import console_blueprint
from hub.web.console.charts import Point, amount_text, bar_chart, line_chart
from hub.web.console.nav import NavItem
from hub.web.context import current_hub
from hub.web.inputs import query_currency, query_date, query_int
from hub.web.reports import kept_summaries

bp = console_blueprint("console_dashboard", "/console/dashboard")
NAV = NavItem(label="AR dashboard", endpoint="console_dashboard.index", permission="read")
PERIODS = 12
MAX_PERIOD_DAYS = 366
bp.add_app_template_filter(amount_text, "amount")


@bp.get("/")
@requires("read")
def index():
    as_of = query_date("as_of") or date.today()
    period_days = query_int("period_days", 30, high=MAX_PERIOD_DAYS)
    currency = query_currency()
    kept = kept_summaries().get(as_of, currency)
    with current_hub().sessions() as session:
        held = len(held_checks(session))
        waiting = waiting_cash(session)  # what the cash application page lists as waiting, today
    currencies = [{**_currency(code, book, as_of, period_days), "waiting": waiting.get(code, book.money(0))}
                  for code, book in kept.summaries.items() if book.records or book.credits or code in waiting]
    return render_template("console/dashboard/index.html", as_of=as_of, period_days=period_days,
                           currency=currency, currencies=currencies, held_orders=held,
                           figures_at=kept.worked_out_at.strftime("%H:%M UTC"))


@bp.before_app_request
def _start_todays_sums() -> None:
    """A logged-in user opening any console page starts today's sums in the background, unless
    kept or under way."""
    if (request.blueprint or "").startswith("console") and current_user() is not None:
        kept_summaries().warm(date.today())


def _currency(code: str, book: Summary, as_of: date, period_days: int) -> dict[str, Any]:
    buckets, headline = aging(book, as_of), kpis(book, as_of, period_days)
    ends = [as_of - timedelta(days=period_days * k) for k in range(PERIODS - 1, -1, -1)]
    trend = [(day, dso(book, day, period_days).simple, cei(book, day, period_days).index) for day in ends]
    return {
        "code": code, "figures": headline, "aging": buckets,
        "overdue": book.money(buckets["total"] - buckets["current"]),
        "aging_chart": bar_chart(
            ident=f"aging-{code}", title=f"Aging of open receivables in {code} on {as_of}",
            description=f"Open receivables in {code} by days past due.",
            points=[Point(label=name, value=buckets[name], text=amount_text(buckets[name])) for name in BUCKETS]),
        "dso_chart": line_chart(
            ident=f"dso-{code}", title=f"DSO in {code}, days, {PERIODS} periods of {period_days} days",
            description="Days sales outstanding at the end of each period (no figure: no credit sales).",
            points=[Point(label=_short(day), value=d, text=_figure(d)) for day, d, _ in trend]),
        "cei_chart": line_chart(
            ident=f"cei-{code}", title=f"CEI in {code}, percent, {PERIODS} periods of {period_days} days",
            description="Collection effectiveness index of each period (no figure: nothing was collectable).",
            points=[Point(label=_short(day), value=c, text=_figure(c, "%")) for day, _, c in trend]),
    }


def _figure(value: Decimal | None, unit: str = "") -> str:
    return "–" if value is None else f"{value}{unit}"


def _short(day: date) -> str:
    return day.strftime("%d %b")
