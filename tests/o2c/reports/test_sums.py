"""The database's sums give every figure the records give, to the minor unit, on SQLite and on
PostgreSQL: random varied stores (EUR, USD, JPY, KWD; partial payments and write-offs, credit
notes, refunds of paid invoices, reversals, undated and early settlements, invoices without
dates or with an ERP amount above their total, drafts and void ones, payments without dates
or applied beyond their amount, customer credit, cash application decisions in some currencies
only), each figure worked out both ways on days before, during and after the book."""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from random import Random

import pytest
from sqlalchemy import text

from hub.money import minor_unit
from hub.o2c.receivables import days_past_due
from hub.o2c.reports import metrics
from hub.o2c.reports.store import books, kpis, report
from hub.o2c.reports.sums import summaries
from hub.store.base import Base, make_engine, make_sessionmaker
from hub.store.o2c import MatchProposal
from hub.store.upsert import upsert
from tests.support.postgres import throwaway_database

START = date(2024, 1, 1)
CURRENCIES = ("EUR", "USD", "JPY", "KWD")
STATUSES = ("open", "partially_paid", "paid", "credited", "written_off", "draft", "void", None)
DAYS = [START + timedelta(days=k) for k in range(-40, 480, 9)] + [date(2023, 1, 1), date(2026, 1, 1)]


def amount(rnd: Random, currency: str, low: int = 1, high: int = 50_000) -> Decimal:
    """A random amount at the currency's minor unit (1,000 yen, 12.345 dinars, 19.99 euros)."""
    return Decimal(rnd.randrange(low * 10 ** minor_unit(currency), high * 10 ** minor_unit(currency))).scaleb(
        -minor_unit(currency))


def moment(rnd: Random, day: date) -> str:
    """A time on ``day`` written with an offset, sometimes falling on the next or previous UTC day."""
    return f"{day.isoformat()}T{rnd.choice(('00:30:00+02:00', '10:00:00Z', '22:45:00-05:00'))}"


def status(value: str | None) -> dict:
    return {} if value is None else {"status": value}


class Store:
    """A random store: the records it holds, stored through the upsert of every recipe."""

    def __init__(self, seed: int):
        self.rnd = Random(seed)
        self.records: list[tuple[str, dict]] = [("customer", {"name": "ACME", "email": "ap@acme.example"})]
        self.proposals: list[dict] = []
        for currency in CURRENCIES:
            for n in range(30):
                self.invoice(currency, f"{currency}-{n}")
            for n in range(8):
                self.stray_payment(currency, f"{currency}-P{n}")
        # an application in a currency the store holds nothing else of: no book of its own
        self.application("P-GBP", "GBP-1", "GBP", Decimal("10.00"), "applied", START)
        self.rnd.shuffle(self.records)

    def invoice(self, currency: str, number: str) -> None:
        rnd = self.rnd
        issued = START + timedelta(days=rnd.randrange(400))
        total = amount(rnd, currency)
        paid = rnd.choice((Decimal(0), total, (total / 3).quantize(Decimal(1).scaleb(-minor_unit(currency)))))
        record = {"number": number, "currency": currency, "total": str(total), "customer": {"email": "ap@acme.example"},
                  **status(rnd.choice(STATUSES))}
        if rnd.random() < 0.9:
            record["issue_date"] = issued.isoformat()
        if rnd.random() < 0.85:
            record["due_date"] = (issued + timedelta(days=rnd.choice((0, 14, 30, 60)))).isoformat()
        due_now = rnd.choice((total - paid, total - paid, total - paid, None, total + amount(rnd, currency, 1, 50),
                              -amount(rnd, currency, 1, 50)))
        if due_now is not None:
            record["amount_due"] = str(due_now)
        self.records.append(("invoice", record))
        if paid:
            self.payment(currency, number, issued, paid)
        if rnd.random() < 0.15:
            self.credit_note(currency, number, issued, total)

    def payment(self, currency: str, number: str, issued: date, paid: Decimal) -> None:
        rnd = self.rnd
        reference = f"P-{number}"
        received = issued + timedelta(days=rnd.randrange(-10, 90))
        parts = [paid] if rnd.random() < 0.7 else [(paid / 2).quantize(paid), paid - (paid / 2).quantize(paid)]
        extra = amount(rnd, currency, 1, 100) if rnd.random() < 0.2 else Decimal(0)  # kept as credit
        self.records.append(("payment", {
            "reference": reference, "currency": currency, "amount": str(paid + extra),
            **status(rnd.choice(("received", "received", None, "failed"))),
            **({"received_at": moment(rnd, received)} if rnd.random() < 0.8 else {}),
            **({"value_date": received.isoformat()} if rnd.random() < 0.4 else {}),
        }))
        for k, part in enumerate(parts):
            kind = rnd.choice(("applied", "applied", "applied", "write_off", "discount"))
            when = received + timedelta(days=rnd.randrange(0, 40) * k)
            self.application(reference, number if k or rnd.random() < 0.95 else f"{number}-gone", currency, part,
                             kind, when)
        if extra:
            self.application(reference, None, currency, extra, "credit", received)
        if rnd.random() < 0.1:  # part of it reversed later
            self.application(reference, number, currency, -(paid / 4).quantize(paid), "discount",
                             received + timedelta(days=rnd.randrange(1, 30)))
        if currency in ("EUR", "JPY"):
            self.proposals.append({"payment_reference": reference, "currency": currency, "amount": paid,
                                   "status": rnd.choice(("auto_applied", "auto_applied", "accepted", "proposed"))})

    def application(self, reference: str, number: str | None, currency: str, part: Decimal, kind: str,
                    when: date) -> None:
        rnd = self.rnd
        record = {"payment": reference, "currency": currency, "amount": str(part), "kind": kind}
        if number is not None:
            record["invoice"] = number
        if rnd.random() < 0.92:
            record["applied_at"] = moment(rnd, when)
        if rnd.random() < 0.2:
            record["reason"] = "accepted by the AR clerk"
        self.records.append(("payment_application", record))

    def credit_note(self, currency: str, number: str, issued: date, total: Decimal) -> None:
        rnd = self.rnd
        record = {"number": f"CN-{number}", "kind": "credit_note", "credits_invoice": number, "currency": currency,
                  "total": str((total / rnd.choice((2, 4, 1))).quantize(total)), "amount_due": "0",
                  **status(rnd.choice(("paid", "open", None, "draft")))}
        if rnd.random() < 0.9:
            record["issue_date"] = (issued + timedelta(days=rnd.randrange(-5, 60))).isoformat()
        self.records.append(("invoice", record))

    def stray_payment(self, currency: str, reference: str) -> None:
        """A payment not (or not fully) applied: unapplied cash, sometimes applied to another currency."""
        rnd = self.rnd
        received = START + timedelta(days=rnd.randrange(400))
        paid = amount(rnd, currency)
        self.records.append(("payment", {"reference": reference, "currency": currency, "amount": str(paid),
                                         "status": "received", "received_at": moment(rnd, received)}))
        if rnd.random() < 0.5:
            other = rnd.choice([c for c in CURRENCIES if c != currency])
            self.application(reference, f"{other}-{rnd.randrange(30)}", other, amount(rnd, other, 1, 20), "applied",
                             received + timedelta(days=rnd.randrange(30)))
        if rnd.random() < 0.5:
            self.application(reference, f"{currency}-{rnd.randrange(30)}", currency,
                             paid * rnd.choice((Decimal("0.5"), Decimal(2))), "applied",
                             received + timedelta(days=rnd.randrange(-5, 30)))

    def fill(self, sessions) -> None:
        with sessions.begin() as session:
            for entity, record in self.records:
                upsert(session, entity, record)
            for proposal in self.proposals:
                session.add(MatchProposal(source="payment", invoices=[], allocation={}, reasons=[], **proposal))


def aging_one_by_one(book, day: date) -> dict[str, Decimal]:
    """Each open invoice's balance added to its bucket (the aging as it was first written)."""
    totals = dict.fromkeys(metrics.BUCKETS, Decimal(0))
    for invoice, owed in book.open_items(day):
        totals[metrics.bucket_of(days_past_due(invoice, day))] += owed
    return {**{name: book.money(amount) for name, amount in totals.items()},
            "total": book.money(sum(totals.values(), Decimal(0)))}


def utc_day(value: str) -> date:
    return datetime.fromisoformat(value).astimezone(timezone.utc).date() if "T" in value else date.fromisoformat(value)


@contextmanager
def database(backend: str):
    if backend == "sqlite":
        yield "sqlite://"
        return
    with throwaway_database("o2c_ar_sums") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request):
    with database(request.param) as url:
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        maker = make_sessionmaker(engine)
        yield maker
        engine.dispose()


def on_local_time(session) -> None:
    """Days of date-times are UTC days, whatever the database session's time zone."""
    if session.bind.dialect.name == "postgresql":
        session.execute(text("SET TIME ZONE 'America/New_York'"))


@pytest.mark.parametrize("seed", range(3))
def test_sums_give_the_books_figures_on_every_day(sessions, seed):
    Store(seed).fill(sessions)
    as_of = START + timedelta(days=200)
    with sessions() as session:
        on_local_time(session)
        old, new = books(session), summaries(session, as_of)
    assert sorted(new) == sorted(old) == sorted(CURRENCIES)
    for currency in CURRENCIES:
        record, summed = old[currency], new[currency]
        assert summed.exact, "no invoice took the one-by-one path"
        for day in DAYS:
            assert metrics.aging(summed, day) == aging_one_by_one(record, day) == metrics.aging(record, day), (
                currency, day)
            for period in (30, 90):
                assert metrics.dso(summed, day, period) == metrics.dso(record, day, period), (currency, day, period)
                assert metrics.cei(summed, day, period) == metrics.cei(record, day, period), (currency, day, period)
            assert summed.credit(day) == record.credit(day)
        assert summed.credit_sales(START, START - timedelta(days=1)) == record.credit_sales(START, START)
        assert kpis(summed, as_of, 90) == kpis(record, as_of, 90), currency


@pytest.mark.parametrize("seed", range(3, 5))
def test_the_reports_give_the_books_figures_on_any_report_day(sessions, seed):
    Store(seed).fill(sessions)
    with sessions() as session:
        on_local_time(session)
        old = books(session)
        for as_of in (START - timedelta(days=1), START + timedelta(days=45), START + timedelta(days=390),
                      date(2030, 6, 30)):
            assert report(session, "kpis", as_of, period_days=60) == {
                c: kpis(book, as_of, 60) for c, book in old.items()}, as_of
            assert report(session, "aging", as_of, currency="KWD") == {"KWD": metrics.aging(old["KWD"], as_of)}
            assert report(session, "dso", as_of) == {
                c: dataclasses.asdict(metrics.dso(book, as_of, 90)) for c, book in old.items()}


def test_unapplied_cash_on_the_days_payments_arrive_and_are_applied(sessions):
    store = Store(5)
    store.fill(sessions)
    with sessions() as session:
        old = books(session)
        moments = sorted({utc_day(record[name]) for _, record in store.records
                          for name in ("applied_at", "received_at", "value_date") if record.get(name)})
        for day in Random(5).sample(moments, 12):
            new = summaries(session, day)
            assert {c: book.unapplied(day) for c, book in new.items()} == {
                c: book.unapplied(day) for c, book in old.items()}, day


def test_a_currency_asked_for_has_a_summary_even_when_the_store_has_none_of_it(sessions):
    Store(7).fill(sessions)
    with sessions() as session:
        (chf,) = summaries(session, START, "CHF").values()
        record = books(session, "CHF")["CHF"]
    assert (chf.records, chf.receivables(START), chf.unapplied(START)) == (0, Decimal("0.00"), (Decimal("0.00"), 0))
    assert kpis(chf, START, 30) == kpis(record, START, 30)


def test_unapplied_cash_is_summed_for_the_report_day_only(sessions):
    Store(8).fill(sessions)
    with sessions() as session:
        eur = summaries(session, START, "EUR")["EUR"]
    with pytest.raises(ValueError, match="unapplied cash was summed for 2024-01-01, not for 2024-01-02"):
        eur.unapplied(START + timedelta(days=1))
