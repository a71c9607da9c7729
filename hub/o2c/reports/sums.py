"""The sums a :class:`~hub.o2c.reports.summary.Summary` is made of, worked out by the database
(SQLite or PostgreSQL) from the tables' own columns: no document is read or parsed.

    summaries(session, as_of, currency=None)   {currency: Summary} for every currency in the store

Which records count, and how, is hub.o2c.reports.book's definition: invoices and credit notes
not draft or void, payments received (or without a status), applications in the invoice's
currency; a settlement is an application of kind applied, write_off or discount to an invoice
number, or a credit note crediting it. Amounts are summed as whole ten-thousandths (the money
columns keep 4 decimals, and every stored amount is already at its currency's minor unit), so
no sum goes through a float or a rounding; the day of a date-time is its day in UTC.

Two sums take a shape per database, each the one its planner does well, with the same rows:
a settlement needs its invoice's issue and due days, and a payment what was applied of it.
SQLite looks each one up by index (a loop it always runs that way); PostgreSQL sorts the rows
of both kinds together by invoice (or payment) instead of joining them, so its plan never
rests on its guess of a join's size (a freshly loaded table has no statistics until it is
analysed, and a guess of a few rows makes a nested loop of the whole table).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger, ColumnElement, Date, and_, case, cast, column, func, inspect, literal, literal_column, null, or_,
    select, table, tuple_, union, union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.functions import FunctionElement

from hub.o2c.receivables import SETTLED_OR_NOT_ISSUED, customer_credits
from hub.o2c.reports.book import BOOKED, RECEIVED, SETTLING
from hub.o2c.reports.summary import SCALE, Exact, Summary
from hub.store.o2c import Invoice, Payment, PaymentApplication

# Cash application decisions, when the hub has the table (read by name: the model is cash
# application's own).
_PROPOSALS = table("match_proposals", column("currency"), column("status"))


class utc_day(FunctionElement):
    """The calendar day (UTC) of a date-time column."""

    type = Date()
    inherit_cache = True
    name = "utc_day"


@compiles(utc_day)
def _utc_day(element, compiler, **kw) -> str:
    # SQLite keeps date-times as UTC text (hub.store.base.UTCDateTime): date() is its day
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element, compiler, **kw) -> str:
    return f"CAST(timezone('UTC', {compiler.process(element.clauses, **kw)}) AS DATE)"


def units(money) -> ColumnElement[int]:
    """A money column as a whole number of ten-thousandths."""
    return cast(func.round(money * literal_column(str(10 ** SCALE))), BigInteger)


def _one_of(status, values: tuple[str | None, ...]) -> ColumnElement[bool]:
    named = [v for v in values if v is not None]
    return or_(status.is_(None), status.in_(named)) if None in values else status.in_(named)


def _only(query, currency_column, currency: str | None):
    return query if currency is None else query.where(currency_column == currency)


_BOOKED = _one_of(Invoice.status, BOOKED)
_STILL_DUE = case((Invoice.status.in_(SETTLED_OR_NOT_ISSUED), 0),
                  else_=units(func.coalesce(Invoice.amount_due, Invoice.total)))
_NO_DAY, _NO_AMOUNT = cast(null(), Date), cast(null(), BigInteger)


def summaries(session: Session, as_of: date, currency: str | None = None) -> dict[str, Summary]:
    """The summary of every currency with invoices, payments or customer credit (or of
    ``currency`` only), with unapplied cash summed for ``as_of``."""
    parts: dict[str, dict[str, Any]] = {}

    def of(code: str) -> dict[str, Any]:
        return parts.setdefault(code, {"records": 0, "unapplied_on": (as_of, 0, 0), "opened": [], "settled": [],
                                       "exact": [], "sales": [], "credited": []})

    _read_invoices(session, currency, of)
    _read_settlements(session, currency, of)
    _read_unapplied(session, as_of, currency, of)
    credits = customer_credits(session, currency=currency)
    for credit in credits:
        of(credit.currency)
    codes = [currency] if currency else sorted(parts)
    matched = _read_matches(session, currency, codes)
    return {code: Summary(currency=code, credits=tuple(c for c in credits if c.currency == code),
                          matched=matched[code], **{name: value if name in ("records", "unapplied_on")
                                                    else tuple(value) for name, value in of(code).items()})
            for code in codes}


def _read_invoices(session: Session, currency: str | None, of) -> None:
    """Amounts still due by (issue day, due day), and sales and credit notes by issue day; every
    currency of an invoice or credit note, booked or not, has a summary."""
    booked = case((_BOOKED, 1), else_=0).label("booked")
    query = _only(select(
        Invoice.currency, Invoice.kind, booked, Invoice.issue_date, Invoice.due_date,
        func.sum(_STILL_DUE), func.sum(units(Invoice.total)), func.count(),
    ), Invoice.currency, currency).group_by(Invoice.currency, Invoice.kind, booked, Invoice.issue_date,
                                            Invoice.due_date)
    for code, kind, is_booked, issued, due, still_due, total, count in session.execute(query):
        found = of(code)
        if not is_booked or kind not in ("invoice", "credit_note"):
            continue
        found["records"] += count
        if kind == "invoice":
            found["opened"].append((issued, due, int(still_due)))
        if issued is not None:
            found["sales" if kind == "invoice" else "credited"].append((issued, int(total)))


def _settlements(currency: str | None):
    """Every settlement: (currency, invoice number, day or None, amount)."""
    applied = select(
        PaymentApplication.currency.label("currency"), PaymentApplication.invoice_number.label("number"),
        utc_day(PaymentApplication.applied_at).label("day"), units(PaymentApplication.amount).label("amount"),
    ).where(PaymentApplication.kind.in_(SETTLING), PaymentApplication.invoice_number != "")
    credited = select(
        Invoice.currency, Invoice.data["credits_invoice"].as_string(), Invoice.issue_date, units(Invoice.total),
    ).where(Invoice.kind == "credit_note", _BOOKED)
    return union_all(*(_only(q, q.selected_columns[0], currency) for q in (applied, credited))).subquery("settled")


def _book_invoices(currency: str | None):
    """The booked invoices (invoice 1) with their days, what they still owe and their total."""
    return _only(select(
        Invoice.currency.label("currency"), Invoice.number.label("number"), literal(1).label("invoice"),
        Invoice.issue_date.label("issued"), Invoice.due_date.label("due"), _STILL_DUE.label("still_due"),
        units(Invoice.total).label("total"),
    ).where(Invoice.kind == "invoice", _BOOKED), Invoice.currency, currency)


def _settlement_rows_sqlite(currency: str | None):
    """Each settlement looks its invoice up by the (kind, number) index."""
    settled = _settlements(currency)
    joined = select(
        Invoice.currency, Invoice.number, Invoice.issue_date.label("issued"), Invoice.due_date.label("due"),
        _STILL_DUE.label("still_due"), units(Invoice.total).label("total"), settled.c.day, settled.c.amount,
    ).join_from(settled, Invoice, and_(Invoice.kind == "invoice", Invoice.number == settled.c.number,
                                       Invoice.currency == settled.c.currency)).where(_BOOKED).cte("joined")
    j = joined.c
    grouped = select(literal(0), j.currency, null(), null(), j.issued, j.due, null(), null(), j.day,
                     func.sum(j.amount)).where(j.day.is_not(None)).group_by(j.currency, j.issued, j.due, j.day)
    beyond = select(j.currency, j.number).group_by(j.currency, j.number).having(or_(
        func.max(j.still_due) + func.sum(j.amount) > func.max(j.total),
        func.min(case((j.day.is_not(None), j.amount))) < 0))
    invoices = _book_invoices(currency).subquery("book_invoice")
    odd = select(invoices.c.currency, invoices.c.number).where(
        or_(invoices.c.still_due < 0, invoices.c.still_due > invoices.c.total))
    exact = union(beyond, odd).cte("exact")
    exact_invoices = select(literal(1), *invoices.c, _NO_DAY, cast(literal(0), BigInteger)).where(
        tuple_(invoices.c.currency, invoices.c.number).in_(select(exact.c.currency, exact.c.number)))
    exact_settlements = select(literal(1), j.currency, j.number, literal(0), j.issued, j.due, j.still_due, j.total,
                               j.day, j.amount).where(
        tuple_(j.currency, j.number).in_(select(exact.c.currency, exact.c.number)))
    return union_all(grouped, exact_invoices, exact_settlements)


def _settlement_rows_postgresql(currency: str | None):
    """Invoices and settlements sorted together by invoice, each settlement given its invoice's
    figures by window functions."""
    settled = _settlements(currency)
    rows = union_all(
        _book_invoices(currency).add_columns(_NO_DAY.label("day"), cast(literal(0), BigInteger).label("amount")),
        select(settled.c.currency, settled.c.number, literal(0), _NO_DAY, _NO_DAY, _NO_AMOUNT, _NO_AMOUNT,
               settled.c.day, settled.c.amount),
    ).subquery("rows")
    invoice = [rows.c.currency, rows.c.number]
    spread = select(
        rows.c.currency, rows.c.number, rows.c.invoice, rows.c.day, rows.c.amount,
        *(func.max(column).over(partition_by=invoice).label(column.name)
          for column in (rows.c.issued, rows.c.due, rows.c.still_due, rows.c.total)),
        func.sum(rows.c.amount).over(partition_by=invoice).label("settled"),
        func.min(case((rows.c.day.is_not(None), rows.c.amount))).over(partition_by=invoice).label("least"),
    ).cte("spread")
    s = spread.c
    invoiced = s.still_due.is_not(None)  # every invoice's own row has an amount still due
    exact = and_(invoiced, or_(s.still_due < 0, s.still_due + s.settled > s.total, s.least < 0))
    grouped = select(literal(0), s.currency, null(), null(), s.issued, s.due, null(), null(), s.day,
                     func.sum(s.amount)).where(invoiced, s.invoice == 0, s.day.is_not(None)).group_by(
        s.currency, s.issued, s.due, s.day)
    one_by_one = select(literal(1), s.currency, s.number, s.invoice, s.issued, s.due, s.still_due, s.total, s.day,
                        s.amount).where(exact)
    return union_all(grouped, one_by_one)


def _read_settlements(session: Session, currency: str | None, of) -> None:
    """Dated settlements of booked invoices by (issue day, due day, settlement day), and the
    invoices the short form would miss (hub.o2c.reports.summary) with all their settlements:
    still due below 0 or above the total less every settlement, or a dated settlement below 0.

    Rows: (0, currency, -, -, issue day, due day, -, -, settlement day, amount summed) and
    (1, currency, number, 1 for the invoice's own row, issue day, due day, still due, total,
    settlement day, amount) for each of those invoices and each of its settlements."""
    query = (_settlement_rows_postgresql if session.bind.dialect.name == "postgresql"
             else _settlement_rows_sqlite)(currency)
    odd: dict[tuple[str, str], dict[str, Any]] = {}
    for kind, code, number, is_invoice, issued, due, still_due, total, day, amount in session.execute(query):
        if kind == 0:
            of(code)["settled"].append((issued, due, day, int(amount)))
            continue
        item = odd.setdefault((code, number), {"issued": issued, "due": due, "still_due": int(still_due),
                                               "total": int(total), "settlements": []})
        if not is_invoice:
            item["settlements"].append((day, int(amount)))
    for (code, _), item in odd.items():
        of(code)["exact"].append(Exact(**{**item, "settlements": tuple(item["settlements"])}))


def _read_unapplied(session: Session, as_of: date, currency: str | None, of) -> None:
    """Payments received, and the cash received by ``as_of`` and not applied by then with the
    payments holding it, for every currency of a payment (in any status): a payment's amount
    less its applications of kind applied dated up to ``as_of`` (or undated), where that is
    above 0; applications of a payment the hub does not hold (in that currency) count nowhere."""
    query = (_unapplied_rows_postgresql if session.bind.dialect.name == "postgresql"
             else _unapplied_rows_sqlite)(as_of, currency).subquery("unapplied")
    p = query.c
    unapplied = and_(p.counted == 1, p.left > 0)
    totals = select(p.currency, func.sum(p.held), func.sum(case((unapplied, p.left), else_=0)),
                    func.sum(case((unapplied, 1), else_=0))).group_by(p.currency)
    for code, payments_held, amount, count in session.execute(totals):
        found = of(code)
        found["records"] += int(payments_held)
        found["unapplied_on"] = (as_of, int(amount), int(count))


def _payment_flags(as_of: date) -> tuple[ColumnElement[int], ColumnElement[int]]:
    """(held: received or without a status, counted: held and received by ``as_of``), as 0 or 1."""
    received = func.coalesce(Payment.value_date, utc_day(Payment.received_at))
    held = _one_of(Payment.status, RECEIVED)
    return (case((held, 1), else_=0).label("held"),
            case((and_(held, or_(received.is_(None), received <= as_of)), 1), else_=0).label("counted"))


def _applied_by(as_of: date) -> ColumnElement[bool]:
    return and_(PaymentApplication.kind == "applied",
                or_(PaymentApplication.applied_at.is_(None), utc_day(PaymentApplication.applied_at) <= as_of))


def _unapplied_rows_sqlite(as_of: date, currency: str | None):
    """(currency, held, counted, left) per payment: its applications looked up by index."""
    applied = select(func.sum(units(PaymentApplication.amount))).where(
        PaymentApplication.payment_reference == Payment.reference, PaymentApplication.currency == Payment.currency,
        _applied_by(as_of)).correlate(Payment).scalar_subquery()
    return _only(select(Payment.currency.label("currency"), *_payment_flags(as_of),
                        (units(Payment.amount) - func.coalesce(applied, 0)).label("left")), Payment.currency, currency)


def _unapplied_rows_postgresql(as_of: date, currency: str | None):
    """(currency, held, counted, left) per payment: payments and their applications summed
    together by reference."""
    payments = select(Payment.currency.label("currency"), Payment.reference.label("reference"),
                      literal(1).label("payment"), *_payment_flags(as_of), units(Payment.amount).label("amount"))
    applied = select(PaymentApplication.currency, PaymentApplication.payment_reference, literal(0), literal(0),
                     literal(0), -units(PaymentApplication.amount)).where(_applied_by(as_of))
    rows = union_all(*(_only(q, q.selected_columns[0], currency) for q in (payments, applied))).subquery()
    return select(rows.c.currency, func.max(rows.c.held).label("held"), func.max(rows.c.counted).label("counted"),
                  func.sum(rows.c.amount).label("left")).group_by(rows.c.currency, rows.c.reference).having(
        func.max(rows.c.payment) == 1)


def _read_matches(session: Session, currency: str | None, codes: list[str]) -> dict[str, tuple[int, int, str]]:
    """Per currency: cash application decisions when the hub has some in that currency, else
    payments whose applications are all plain ``applied`` ones without a reason."""
    found: dict[str, tuple[int, int, str]] = {}
    if inspect(session.connection()).has_table("match_proposals"):
        automatic = func.sum(case((_PROPOSALS.c.status == "auto_applied", 1), else_=0))
        query = _only(select(_PROPOSALS.c.currency, automatic, func.count()), _PROPOSALS.c.currency,
                      currency).group_by(_PROPOSALS.c.currency)
        found = {code: (int(auto), int(total), "match_proposals") for code, auto, total in session.execute(query)}
    rest = [code for code in codes if code not in found]
    if rest:
        found.update(_matches_from_applications(session, rest))
    return {code: found.get(code, (0, 0, "payment_applications")) for code in codes}


def _matches_from_applications(session: Session, codes: list[str]) -> dict[str, tuple[int, int, str]]:
    plain = case((and_(PaymentApplication.kind == "applied", func.coalesce(PaymentApplication.reason, "") == ""), 1),
                 else_=0)
    per_payment = select(PaymentApplication.currency.label("currency"), func.min(plain).label("plain")).where(
        PaymentApplication.currency.in_(codes)).group_by(PaymentApplication.currency,
                                                         PaymentApplication.payment_reference).subquery()
    query = select(per_payment.c.currency, func.sum(per_payment.c.plain), func.count()).group_by(
        per_payment.c.currency)
    return {code: (int(auto), int(total), "payment_applications") for code, auto, total in session.execute(query)}

