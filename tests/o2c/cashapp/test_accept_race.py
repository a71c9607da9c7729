"""Two people accepting one proposal at the same moment on PostgreSQL (a double-click on the
console's form, the console and the API): the first decision holds the proposal until its
transaction ends, and the second is told the proposal is no longer open; the money is applied
once."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
from sqlalchemy import select

from hub.errors import ProposalError
from hub.o2c.cashapp.service import CashApplication, apply_bank_transaction
from hub.store.base import make_engine, make_sessionmaker
from hub.store.migrate import upgrade
from hub.store.o2c import Invoice, PaymentApplication
from hub.store.upsert import upsert
from tests.o2c.cashapp.conftest import invoice
from tests.o2c.cashapp.test_service import bank_line
from tests.support.postgres import throwaway_database


@pytest.fixture
def sessions():
    with throwaway_database("o2c_accept_race") as url:
        upgrade(url)
        engine = make_engine(url)
        yield make_sessionmaker(engine)
        engine.dispose()


def test_the_second_of_two_simultaneous_accepts_is_refused_and_the_money_applied_once(sessions):
    with sessions.begin() as session:
        upsert(session, "customer", {"name": "ACME GmbH", "email": "ap@acme.example"})
        upsert(session, "invoice", invoice("INV-R-1", "100.00", "ap@acme.example"))
        proposal_id = apply_bank_transaction(session, bank_line("bt-race", "30.00", "part of INV-R-1")).proposal_id
    allocation = [{"invoice": "INV-R-1", "amount": "30.00"}]
    first = sessions()
    CashApplication(first).accept_allocation(proposal_id, allocation, who="first", reason="advice")
    second: dict = {}

    def decide():
        with sessions() as session:
            try:
                CashApplication(session).accept_allocation(proposal_id, allocation, who="second", reason="advice")
                session.commit()
                second["outcome"] = "accepted"
            except ProposalError as exc:
                second["outcome"] = str(exc)
    thread = threading.Thread(target=decide)
    thread.start()
    time.sleep(1.0)
    assert thread.is_alive()  # waiting for the first decision's lock
    first.commit()
    first.close()
    thread.join(30)
    assert second["outcome"] == f"proposal {proposal_id} is accepted; only a proposed match can be decided"
    with sessions() as session:
        assert session.scalar(select(Invoice.amount_due).where(Invoice.number == "INV-R-1")) == Decimal("70.0000")
        assert len(session.scalars(select(PaymentApplication).where(
            PaymentApplication.payment_reference == "bt-race")).all()) == 1
