"""Accounts-receivable reporting: aging, DSO (simple, average, countback), best-possible DSO,
average days delinquent, CEI, unapplied cash and the auto-match rate.

    book.py      Book: one currency's invoices, credit notes, payments, applications; balances;
                 Receivables: what the metrics read of a book
    summary.py   Summary: the same figures from sums by day, no record in memory
    sums.py      summaries(session, as_of): the sums, worked out by the database
    metrics.py   the metrics, pure functions of a book (Book or Summary) and dates
    store.py     books(session) and report(session, name, as_of) for the API and the CLI
    kept.py      KeptSummaries: the sums a web process keeps, worked out again in the background

Definitions, formulas and worked examples: docs/ar-reporting.md.
"""

from __future__ import annotations

from hub.o2c.receivables import days_past_due
from hub.o2c.reports.book import Book, Receivables
from hub.o2c.reports.metrics import (
    BUCKETS, CEI, DSO, MatchRate, aging, auto_match_rate, bucket_of, cei, countback_dso, dso, unapplied_cash,
)
from hub.o2c.reports.store import REPORTS, books, kpis, report
from hub.o2c.reports.summary import Summary
from hub.o2c.reports.sums import summaries

__all__ = [
    "BUCKETS", "CEI", "DSO", "REPORTS", "Book", "MatchRate", "Receivables", "Summary", "aging", "auto_match_rate",
    "books", "bucket_of", "cei", "countback_dso", "days_past_due", "dso", "kpis", "report", "summaries",
    "unapplied_cash",
]
