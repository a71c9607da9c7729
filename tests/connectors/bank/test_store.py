"""Imported bank transactions are stored once each, by dedupe id."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select

from connectors.bank import import_statement
from hub.store import migrate
from hub.store.base import make_engine, make_sessionmaker
from hub.store.o2c import BankTransaction
from hub.store.upsert import upsert
from tests.support.fixtures import FIXTURES

CAMT_V8 = FIXTURES / "bank/camt053/valid_example_v8.xml"


def test_upsert_twice_stores_each_transaction_once(tmp_path):
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    records = import_statement(CAMT_V8)
    with sessions() as session:
        first = [upsert(session, "bank_transaction", r) for r in records]
        again = [upsert(session, "bank_transaction", r) for r in records]
        session.commit()
        assert all(r.created for r in first) and not any(r.created or r.changed for r in again)
        assert session.scalar(select(func.count()).select_from(BankTransaction)) == 3
        row = session.scalar(select(BankTransaction).where(BankTransaction.creditor_reference == "RF38000000000000000000552"))
        assert row.amount == Decimal("88.85") and row.account_id == "CH1111111111111111111"
        assert str(row.booking_date) == "2023-06-20" and row.dedupe_id == records[1]["id"]
    engine.dispose()
