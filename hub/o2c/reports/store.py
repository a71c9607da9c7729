"""Reading the receivables book from the store, and the reports as plain JSON-ready data.

    summaries(session, as_of)           one Summary per currency, summed by the database (sums.py)
    books(session)                      one Book per currency, every record in memory
    report(session, name, as_of, ...)   "aging" | "dso" | "kpis" | "balances" → {currency: {...}}
    figures(name, summaries, as_of, …)  "aging" | "dso" | "kpis" of summaries already worked out

Aging, DSO and the KPIs read the summaries; the balances per customer read the books (they
need each open invoice's customer).
"""

from __future__ import annotations

import dataclasses
from datetime import date
from typing import Any

from sqlalchemy import inspect, select, text
from sqlalchemy.orm import Session

from hub.canonical import normalize
from hub.o2c.reports import metrics
from hub.o2c.receivables import customer_credits
from hub.o2c.reports.book import Book, Receivables
from hub.o2c.reports.sums import summaries
from hub.store.o2c import Customer, Invoice, Payment, PaymentApplication

REPORTS = ("aging", "dso", "kpis", "balances")


def books(session: Session, currency: str | None = None) -> dict[str, Book]:
    """The book of every currency in the store (or just ``currency``), by currency."""
    invoices = _documents(session, Invoice, "invoice")
    payments = _documents(session, Payment, "payment")
    applications = _documents(session, PaymentApplication, "payment_application")
    statuses = _match_statuses(session)
    credits = customer_credits(session)
    found = sorted({r["currency"] for r in invoices + payments} | {c.currency for c in credits})
    wanted = [currency] if currency else found
    return {c: Book.of(c, invoices=invoices, payments=payments, applications=applications, credits=credits,
                       match_statuses=statuses.get(c) if statuses is not None else None) for c in wanted}


# What a Book reads of each document: the rest (lines, parties, addresses) is left unparsed.
_FIELDS = {
    "invoice": ("number", "kind", "status", "currency", "total", "amount_due", "issue_date", "due_date",
                "credits_invoice"),
    "payment": ("reference", "status", "currency", "amount", "value_date", "received_at"),
    "payment_application": ("payment", "invoice", "kind", "amount", "currency", "applied_at", "reason"),
}


def _documents(session: Session, model, entity: str) -> list[dict[str, Any]]:
    """The fields a Book reads of each canonical document, normalized as the whole document
    would be; invoices also carry the hub's id of their customer (``customer_id``)."""
    fields = _FIELDS[entity]
    if model is Invoice:
        rows = session.execute(select(model.data, model.customer_id).order_by(model.id))
        return [{**normalize(entity, _only(data, fields)), "customer_id": customer} for data, customer in rows]
    return [normalize(entity, _only(data, fields)) for data in session.scalars(select(model.data).order_by(model.id))]


def _only(document: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: document[name] for name in fields if name in document}


def _match_statuses(session: Session) -> dict[str, list[str]] | None:
    """Cash application decisions by currency, or None when the hub has no such table."""
    if not inspect(session.connection()).has_table("match_proposals"):
        return None
    out: dict[str, list[str]] = {}
    for currency, status in session.execute(text("SELECT currency, status FROM match_proposals")):
        out.setdefault(currency, []).append(status)
    return out


def report(session: Session, name: str, as_of: date, *, period_days: int = 90,
           currency: str | None = None) -> dict[str, dict[str, Any]]:
    """Report ``name`` for each currency, as plain data (amounts stay Decimal)."""
    if name not in REPORTS:
        raise LookupError(f"unknown report {name!r}; known reports: {', '.join(REPORTS)}")
    if name == "balances":
        found = {c: balances(book, as_of) for c, book in books(session, currency).items()}
        _name_customers(session, found)
        return found
    return figures(name, summaries(session, as_of, currency), as_of, period_days)


def figures(name: str, found: dict[str, Receivables], as_of: date, period_days: int) -> dict[str, dict[str, Any]]:
    """Report ``name`` ("aging", "dso" or "kpis") of each currency's book."""
    return {c: _one(name, book, as_of, period_days) for c, book in found.items()}


def _one(name: str, book: Receivables, as_of: date, period_days: int) -> dict[str, Any]:
    if name == "aging":
        return metrics.aging(book, as_of)
    if name == "dso":
        return dataclasses.asdict(metrics.dso(book, as_of, period_days))
    return kpis(book, as_of, period_days)


def balances(book: Book, as_of: date) -> dict[str, Any]:
    """Open invoices, customer credit and their difference: in total and per customer."""
    customers = metrics.customer_balances(book, as_of)
    receivables, credit = book.receivables(as_of), book.credit(as_of)
    return {"receivables": receivables, "customer_credit": credit,
            "balance": book.money(receivables - credit), "customers": customers}


def _name_customers(session: Session, found: dict[str, dict[str, Any]]) -> None:
    """Add each customer's name (else e-mail) to the per-customer rows."""
    for figures in found.values():
        for row in figures["customers"]:
            customer = session.get(Customer, row["customer_id"]) if row["customer_id"] is not None else None
            row["customer"] = (customer.name or customer.email) if customer else None


def kpis(book: Receivables, as_of: date, period_days: int) -> dict[str, Any]:
    """The headline figures: AR, DSO family, CEI, unapplied cash and the auto-match rate."""
    d = metrics.dso(book, as_of, period_days)
    unapplied, payments = book.unapplied(as_of)
    match = metrics.auto_match_rate(book)
    return {
        "receivables": d.receivables, "dso": d.simple, "dso_average": d.average,
        "dso_countback": d.countback, "best_possible_dso": d.best_possible,
        "average_days_delinquent": d.average_days_delinquent,
        "cei": metrics.cei(book, as_of, period_days).index,
        "unapplied_cash": unapplied, "unapplied_payments": payments, "customer_credit": book.credit(as_of),
        "auto_match_rate": match.rate, "auto_match_source": match.source,
    }
