"""Two sessions store one new record at once: the second is refused with RetriableError, and its
next attempt reads the first one's row and compares versions (SQLite file and PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event, func, select

from hub.errors import RetriableError
from hub.store.base import Base, make_engine, make_sessionmaker
from hub.store.o2c import Invoice
from hub.store.upsert import upsert


def invoice(status: str, version: str) -> dict:
    return {"number": "INV-9", "currency": "EUR", "total": "50", "status": status,
            "external_refs": [{"system": "erp", "id": "9", "version": version}]}


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'hub.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_database")
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def upsert_in_thread(sessions, record: dict, wrote: threading.Event) -> dict:
    """Start an upsert in its own session and thread; ``wrote`` is set when it starts writing."""
    outcome: dict = {}

    def run():
        with sessions() as session:
            connection = session.connection()
            event.listen(connection, "before_cursor_execute",
                         lambda *args: wrote.set() if args[2].lstrip().upper().startswith("INSERT") else None)
            try:
                outcome["result"] = upsert(session, "invoice", record)
                session.commit()
            except Exception as error:  # handed to the test thread
                session.rollback()
                outcome["error"] = error

    outcome["thread"] = threading.Thread(target=run)
    outcome["thread"].start()
    return outcome


def test_the_second_of_two_simultaneous_first_inserts_retries_and_finds_the_newer_copy(sessions):
    wrote = threading.Event()
    with sessions() as first:
        upsert(first, "invoice", invoice("paid", "2026-12-07T10:00:02Z"))
        late = upsert_in_thread(sessions, invoice("open", "2026-12-07T10:00:01Z"), wrote)
        assert wrote.wait(10), "the second upsert never started writing"
        first.commit()
    late["thread"].join(30)
    assert isinstance(late.get("error"), RetriableError), late
    assert "another session stored this invoice" in str(late["error"])
    with sessions() as retry:
        again = upsert(retry, "invoice", invoice("open", "2026-12-07T10:00:01Z"))
        retry.commit()
        assert (again.changed, again.stale) == (False, True)
        assert retry.scalar(select(func.count()).select_from(Invoice)) == 1
        assert retry.scalar(select(Invoice.status)) == "paid"
