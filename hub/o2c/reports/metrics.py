"""Receivables metrics over a book (anything that answers :class:`~hub.o2c.reports.book.Receivables`:
a :class:`~hub.o2c.reports.book.Book` of records, or a :class:`~hub.o2c.reports.summary.Summary`
of sums). Pure; docs/ar-reporting.md gives every formula with a worked example.

    aging(book, as_of)                        current, 1-30, 31-60, 61-90, 90+ days past due
    dso(book, as_of, period_days)             simple, average-AR and countback DSO,
                                              best-possible DSO, average days delinquent
    cei(book, as_of, period_days)             collection effectiveness index
    unapplied_cash(book, as_of)               payments not fully applied
    customer_balances(book, as_of)            per customer: open invoices − customer credit
    auto_match_rate(book)                     share of payments matched without a person
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hub.o2c.reports.book import Book, Receivables

BUCKETS = ("current", "1-30", "31-60", "61-90", "90+")
#: Days past due each bucket after "current" starts beyond: 1-30 is more than 0, 90+ more than 90.
LIMITS = (0, 30, 60, 90)
_ONE_DECIMAL = Decimal("0.1")


def ratio(value: Decimal) -> Decimal:
    """Days and percentages are shown to one decimal, rounded half up."""
    return value.quantize(_ONE_DECIMAL, rounding=ROUND_HALF_UP)


def bucket_of(days: int) -> str:
    """The aging bucket of an invoice ``days`` past due."""
    beyond = [limit for limit in LIMITS if days > limit]
    return BUCKETS[len(beyond)]


def aging(book: Receivables, as_of: date) -> dict[str, Decimal]:
    """Open AR at the end of ``as_of`` by bucket, plus ``total``: each bucket is what is more
    than its lower limit past due less what is more than the next one's."""
    total = book.receivables(as_of)
    beyond = [total, *(book.past_due(as_of, limit) for limit in LIMITS), Decimal(0)]
    out = {name: book.money(beyond[i] - beyond[i + 1]) for i, name in enumerate(BUCKETS)}
    out["total"] = total
    return out


@dataclass(frozen=True, slots=True, kw_only=True)
class DSO:
    """Days sales outstanding over the ``period_days`` ending ``as_of`` (None: no sales)."""

    receivables: Decimal
    beginning_receivables: Decimal
    current_receivables: Decimal
    credit_sales: Decimal
    period_days: int
    simple: Decimal | None
    average: Decimal | None
    countback: Decimal | None
    best_possible: Decimal | None
    average_days_delinquent: Decimal | None


def dso(book: Receivables, as_of: date, period_days: int = 90) -> DSO:
    """Every DSO figure for the period (as_of − period_days, as_of]."""
    start = as_of - timedelta(days=period_days)
    ending, beginning = book.receivables(as_of), book.receivables(start)
    current, sales = book.current_receivables(as_of), book.credit_sales(start, as_of)
    per_day = (lambda amount: ratio(amount / sales * period_days)) if sales > 0 else (lambda amount: None)
    simple, best = per_day(ending), per_day(current)
    return DSO(
        receivables=ending, beginning_receivables=beginning, current_receivables=current,
        credit_sales=sales, period_days=period_days, simple=simple,
        average=per_day((beginning + ending) / 2), countback=countback_dso(book, as_of),
        best_possible=best, average_days_delinquent=per_day(ending - current),
    )


def countback_dso(book: Receivables, as_of: date, max_months: int = 24) -> Decimal | None:
    """Countback DSO: walk back month by month, taking each month's credit sales off the AR.

    The month of ``as_of`` counts from its first day to ``as_of``; earlier months are whole.
    A month whose sales the remaining AR covers adds all its days; the month that exhausts it
    adds remaining AR / that month's sales × its days. None when there is no AR or too little
    history (more than ``max_months`` months).
    """
    remaining = book.receivables(as_of)
    if remaining <= 0:
        return None
    days, end = Decimal(0), as_of
    for _ in range(max_months):
        first = end.replace(day=1)
        length = (end - first).days + 1
        sales = book.credit_sales(first - timedelta(days=1), end)
        if sales >= remaining:
            return ratio(days + remaining / sales * length)
        remaining -= max(sales, Decimal(0))
        days += length
        end = first - timedelta(days=1)
    return None


@dataclass(frozen=True, slots=True, kw_only=True)
class CEI:
    """Collection effectiveness index, in percent (None when nothing was collectable)."""

    beginning_receivables: Decimal
    credit_sales: Decimal
    ending_receivables: Decimal
    ending_current_receivables: Decimal
    index: Decimal | None


def cei(book: Receivables, as_of: date, period_days: int = 30) -> CEI:
    """(beginning AR + credit sales − ending total AR)
    / (beginning AR + credit sales − ending current AR) × 100, over (as_of − period_days, as_of]."""
    start = as_of - timedelta(days=period_days)
    beginning, sales = book.receivables(start), book.credit_sales(start, as_of)
    ending, current = book.receivables(as_of), book.current_receivables(as_of)
    collectable = beginning + sales - current
    index = ratio((beginning + sales - ending) / collectable * 100) if collectable > 0 else None
    return CEI(beginning_receivables=beginning, credit_sales=sales, ending_receivables=ending,
               ending_current_receivables=current, index=index)


def unapplied_cash(book: Book, as_of: date) -> list[dict[str, object]]:
    """Payments received by ``as_of`` not fully applied to invoices by then, oldest first
    (:meth:`Book.unapplied_payments`)."""
    return book.unapplied_payments(as_of)


def customer_balances(book: Book, as_of: date) -> list[dict[str, object]]:
    """Each customer's AR balance at the end of ``as_of``: what their invoices still owe
    (``open``) less the credit they hold (``credit``), by the hub's customer id (None: the
    invoice or credit names no customer the hub knows), customers with either figure only."""
    rows: dict[int | None, dict[str, Decimal]] = {}
    for invoice, owed in book.open_items(as_of):
        rows.setdefault(invoice.get("customer_id"), {"open": Decimal(0), "credit": Decimal(0)})["open"] += owed
    for credit in book.credits_held(as_of):
        rows.setdefault(credit.customer_id, {"open": Decimal(0), "credit": Decimal(0)})["credit"] += credit.amount
    return [{"customer_id": customer, "open": book.money(row["open"]), "credit": book.money(row["credit"]),
             "balance": book.money(row["open"] - row["credit"])}
            for customer, row in sorted(rows.items(), key=lambda item: (item[0] is None, item[0] or 0))]


@dataclass(frozen=True, slots=True, kw_only=True)
class MatchRate:
    """Payments matched automatically out of all payments decided, and where the figure came from."""

    automatic: int
    total: int
    rate: Decimal | None  # percent
    source: str  # "match_proposals" or "payment_applications"


def auto_match_rate(book: Receivables) -> MatchRate:
    """Payments matched automatically out of all decided (:meth:`Receivables.match_counts`)."""
    auto, total, source = book.match_counts()
    rate = ratio(Decimal(auto) / total * 100) if total else None
    return MatchRate(automatic=auto, total=total, rate=rate, source=source)
