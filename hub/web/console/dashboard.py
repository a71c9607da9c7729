"""The AR dashboard: the reports' figures per currency, with charts drawn on the server.

    GET /console/dashboard/      ?as_of=2024-03-31&period_days=30&currency=EUR

Per currency: open and overdue receivables, the aging buckets (a bar chart), DSO and CEI over
the last 12 periods of ``period_days`` ending on ``as_of`` (line charts), unapplied cash and
the auto-match rate; and the orders held for a credit decision. Every figure comes from the
AR reports (hub.o2c.reports: the functions behind GET /api/v1/reports/aging|dso|kpis), so the
page, the API, the CLI and /metrics never disagree. The figures of one (as_of, period_days,
currency) are kept for :data:`TTL` seconds per web process (the page says when they were
worked out), since the reports read the whole receivables book and the 12 periods ask it for
13 days: about 6 s with 20,000 invoices in SQLite.
"""

from __future__ import annotations

import time
from dataclasses import fields
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from flask import current_app, render_template

from hub.o2c.credit.service import held_checks
from hub.o2c.reports.book import Book
from hub.o2c.reports.metrics import BUCKETS, aging, cei, dso
from hub.o2c.reports.store import books, kpis
from hub.web.console.access import requires
from hub.web.console.blueprint import console_blueprint
from hub.web.console.charts import Point, amount_text, bar_chart, line_chart
from hub.web.console.nav import NavItem
from hub.web.context import current_hub
from hub.web.inputs import query_currency, query_date, query_int

bp = console_blueprint("console_dashboard", "/console/dashboard")
NAV = NavItem(label="AR dashboard", endpoint="console_dashboard.index", permission="read")
PERIODS = 12
MAX_PERIOD_DAYS = 366
TTL = 300
bp.add_app_template_filter(amount_text, "amount")


@bp.get("/")
@requires("read")
def index():
    as_of = query_date("as_of") or date.today()
    period_days = query_int("period_days", 30, high=MAX_PERIOD_DAYS)
    currency = query_currency()
    figures = _cached((as_of, period_days, currency), lambda: _figures(as_of, period_days, currency))
    return render_template("console/dashboard/index.html", as_of=as_of, period_days=period_days,
                           currency=currency, **figures)


def _cached(key: tuple, compute) -> dict[str, Any]:
    cache = current_app.extensions.setdefault("o2c_console_dashboard", {})
    now = time.monotonic()
    found = cache.get(key)
    if found is None or now - found[0] >= TTL:
        for stale in [k for k, (at, _) in cache.items() if now - at >= TTL]:
            del cache[stale]
        found = cache[key] = (now, compute())
    return found[1]


def _figures(as_of: date, period_days: int, currency: str | None) -> dict[str, Any]:
    with current_hub().sessions() as session:
        found = books(session, currency)
        held = len(held_checks(session))
    return {"computed_at": datetime.now(timezone.utc).strftime("%H:%M UTC"), "ttl_minutes": TTL // 60,
            "currencies": [_currency(code, _DayMemo.of_book(book), as_of, period_days) for code, book in found.items()
                           if book.invoices or book.credit_notes or book.payments or book.credits],
            "held_orders": held}


def _currency(code: str, book, as_of: date, period_days: int) -> dict[str, Any]:
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


class _DayMemo(Book):
    """A Book that works out what was open on a day, and the sales of a span, once: the 12
    periods share their start and end days and countback DSO's calendar months, and each
    figure asks for them again (the figures themselves are the reports' own functions)."""

    __slots__ = ("_open_on", "_sales")

    @classmethod
    def of_book(cls, book: Book) -> _DayMemo:
        memo = cls(**{f.name: getattr(book, f.name) for f in fields(Book)})
        object.__setattr__(memo, "_open_on", {})
        object.__setattr__(memo, "_sales", {})
        return memo

    def open_items(self, day: date) -> list:
        if day not in self._open_on:
            self._open_on[day] = Book.open_items(self, day)
        return self._open_on[day]

    def credit_sales(self, start: date, end: date) -> Decimal:
        if (start, end) not in self._sales:
            self._sales[start, end] = Book.credit_sales(self, start, end)
        return self._sales[start, end]


def _figure(value: Decimal | None, unit: str = "") -> str:
    return "–" if value is None else f"{value}{unit}"


def _short(day: date) -> str:
    return day.strftime("%d %b")
