"""A migrated SQLite store with two customers and their open invoices."""

from __future__ import annotations

import pytest

from hub.store import migrate
from hub.store.base import make_engine, make_sessionmaker
from hub.store.upsert import upsert

ACME_IBAN = "DE89370400440532013000"


def invoice(number: str, total: str, email: str, *, due: str = "2024-03-31", term: str | None = None) -> dict:
    record = {"number": number, "currency": "EUR", "total": total, "amount_due": total, "status": "open",
              "customer": {"email": email}, "issue_date": "2024-03-01", "due_date": due}
    return {**record, "payment_term": term} if term else record


@pytest.fixture
def session(tmp_path):
    url = f"sqlite:///{tmp_path / 'hub.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session:
        upsert(session, "customer", {"name": "ACME GmbH", "email": "ap@acme.example"})
        upsert(session, "customer", {"name": "Globex Corporation", "email": "ap@globex.example"})
        for record in (
            invoice("INV-2024-00042", "119.00", "ap@acme.example"),
            invoice("INV-2024-00043", "80.50", "ap@acme.example", due="2024-04-15"),
            invoice("INV-2024-00044", "119.00", "ap@globex.example"),
            invoice("INV-2024-00045", "1000.00", "ap@globex.example", term="2/10 NET30"),
        ):
            upsert(session, "invoice", record)
        session.commit()
        yield session
    engine.dispose()
