"""A cash-application run decides every payment in turn over what the ones before it left, then
writes every decision at once. Whatever it writes is what deciding the same payments one by
one writes: the same statuses, invoice sets, applications and amounts due, payment by payment,
on a generated month of every noise kind (bench/cashapp) stored in two stores (two SQLite files,
and two PostgreSQL databases)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from bench.cashapp.end_to_end import store_data_set
from bench.cashapp.generate import generate
from hub.errors import RetriableError
from hub.o2c.cashapp.service import CashApplication
from hub.o2c.cashapp.unapplied import undecided
from hub.store.base import make_engine, make_sessionmaker
from hub.store.migrate import upgrade
from hub.store.o2c import Invoice, PaymentApplication
from hub.store.o2c_cash import CustomerIban, MatchProposal
from hub.store.upsert import upsert
from tests.o2c.cashapp.test_service import bank_line, invoice_state
from tests.support.postgres import throwaway_database


@pytest.fixture(scope="module")
def data():
    return generate(customers=150, invoices=1500, payments=400, seed=5)


def stored(url: str, data):
    upgrade(url)
    sessions = make_sessionmaker(make_engine(url))
    store_data_set(sessions, data)
    return sessions


@pytest.fixture(params=["sqlite", "postgresql"])
def urls(request, tmp_path):
    """Two empty stores of one kind: SQLite files, or throw-away PostgreSQL databases."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'batch.db'}", f"sqlite:///{tmp_path / 'single.db'}"
        return
    with throwaway_database("o2c_cash_batch") as batch, throwaway_database("o2c_cash_single") as single:
        yield batch, single


def written(sessions) -> dict:
    with sessions() as session:
        return {
            "proposals": sorted((p.source, p.payment_reference, p.status, tuple(p.invoices), p.customer_id, p.score)
                                for p in session.scalars(select(MatchProposal))),
            "applications": sorted((a.payment_reference, a.invoice_number or "", a.kind, a.amount, a.reason or "",
                                    a.invoice_id or 0, a.payment_id or 0)
                                   for a in session.scalars(select(PaymentApplication))),
            "invoices": sorted((i.number, i.amount_due, i.status, i.data["amount_due"], i.data["status"])
                               for i in session.scalars(select(Invoice))),
            "ibans": sorted((row.iban, row.customer_id) for row in session.scalars(select(CustomerIban))),
        }


def test_a_run_writes_what_deciding_one_payment_after_the_other_writes(urls, data):
    batch, single = stored(urls[0], data), stored(urls[1], data)
    with batch.begin() as session:
        outcomes = CashApplication(session).run()
    with single.begin() as session:
        cash = CashApplication(session)
        one_by_one = [cash.apply(remittance) for remittance in list(undecided(session))]

    assert [(o.reference, o.status, o.invoices, o.applications, o.credit) for o in outcomes] == \
        [(o.reference, o.status, o.invoices, o.applications, o.credit) for o in one_by_one]
    assert {o.status for o in outcomes} >= {"auto_applied", "proposed"}
    assert written(batch) == written(single)


def test_two_payments_of_one_invoice_in_one_run_apply_it_once(session):
    upsert(session, "bank_transaction", bank_line("bt-1", "119.00", "INV-2024-00042"))
    upsert(session, "bank_transaction", bank_line("bt-2", "119.00", "INV-2024-00042"))
    first, second = CashApplication(session).run()
    assert (first.status, first.invoices) == ("auto_applied", ("INV-2024-00042",))
    assert second.status != "auto_applied"
    assert invoice_state(session, "INV-2024-00042") == (Decimal("0.0000"), "paid")
    rows = session.scalars(select(PaymentApplication).where(PaymentApplication.invoice_number == "INV-2024-00042"))
    assert [(a.payment_reference, a.amount) for a in rows] == [("bt-1", Decimal("119.0000"))]


def test_an_invoice_settled_with_its_discount_takes_nothing_more_in_the_same_run(session):
    """The discount line closes the invoice too: a later payment of the discount's amount quoting
    it finds it paid, within the run as afterwards."""
    upsert(session, "bank_transaction", bank_line("bt-d1", "980.00", "INV-2024-00045", name="Globex",
                                                  iban="GB33BUKB20201555555555", on="2024-03-08"))
    upsert(session, "bank_transaction", bank_line("bt-d2", "20.00", "INV-2024-00045", name="Globex",
                                                  iban="GB33BUKB20201555555555", on="2024-03-09"))
    first, second = CashApplication(session).run()
    assert first.status == "auto_applied" and second.status != "auto_applied"
    assert invoice_state(session, "INV-2024-00045") == (Decimal("0.0000"), "paid")


@pytest.mark.parametrize("change, said", [
    ({"status": "void"}, "invoice INV-2024-00042 is void since cash application read it"),
    ({"amount_due": "19.00", "status": "partially_paid"},
     "invoice INV-2024-00042 has only 19.00 EUR open since cash application read it"),
], ids=["voided", "paid-meanwhile"])
def test_an_invoice_that_changed_while_the_run_decided_makes_the_run_try_again(session, change, said):
    upsert(session, "bank_transaction", bank_line("bt-c", "119.00", "INV-2024-00042"))
    cash = CashApplication(session)  # the matcher reads the open invoices now
    row = session.scalar(select(Invoice).where(Invoice.number == "INV-2024-00042"))
    upsert(session, "invoice", {**row.data, **change})  # the ERP, meanwhile
    with pytest.raises(RetriableError, match=said):
        cash.run()
    session.rollback()
    assert session.scalar(select(PaymentApplication).where(PaymentApplication.payment_reference == "bt-c")) is None
