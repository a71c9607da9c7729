"""Accounts-receivable reporting: aging, DSO (simple, average, countback), best-possible DSO,
average days delinquent, CEI, unapplied cash and the auto-match rate.

    book.py      Book: one currency's invoices, credit notes, payments, applications; balances
    metrics.py   the metrics, pure functions of a Book and dates
    store.py     books(session) and report(session, name, as_of) for the API and the CLI

Definitions, formulas and worked examples: docs/ar-reporting.md.
"""

from __future__ import annotations

from hub.o2c.reports.book import Book, days_past_due
from hub.o2c.reports.metrics import (
    BUCKETS, CEI, DSO, MatchRate, aging, auto_match_rate, bucket_of, cei, countback_dso, dso, unapplied_cash,
)
from hub.o2c.reports.store import REPORTS, books, kpis, report

__all__ = [
    "BUCKETS", "CEI", "DSO", "REPORTS", "Book", "MatchRate", "aging", "auto_match_rate", "books", "bucket_of",
    "cei", "countback_dso", "days_past_due", "dso", "kpis", "report", "unapplied_cash",
]
