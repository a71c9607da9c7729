"""Claims of the run queue (hub.runs.queue.claim, one UPDATE ... RETURNING) from many threads
at once, on SQLite and PostgreSQL: every due run is taken exactly once, oldest due first, never a
run of a paused recipe or one not yet due."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from hub.runs import queue
from hub.runs.inbox import NewEvent, accept
from hub.store.base import make_engine, make_sessionmaker, utcnow
from hub.store.migrate import upgrade
from hub.store.platform import RecipePause, Run


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request, tmp_path):
    url = f"sqlite:///{tmp_path}/hub.db" if request.param == "sqlite" else request.getfixturevalue("pg_database")
    upgrade(url)
    engine = make_engine(url)
    yield make_sessionmaker(engine)
    engine.dispose()


def test_concurrent_claims_take_each_due_run_once(sessions):
    runs = [accept(sessions, NewEvent(source="manual", dedupe_key=f"k{i}", body=b"{}"),
                   [("orders", "h"), ("paused", "h")]).run_ids for i in range(120)]
    orders = [ids[0] for ids in runs]
    with sessions.begin() as session:
        session.add(RecipePause(recipe="paused", paused_by="test", reason="closing the books"))
        session.get(Run, orders[-1]).next_attempt_at = utcnow() + timedelta(hours=1)
    taken: dict[str, list[queue.Claimed]] = {}
    start = threading.Barrier(6)

    def worker(name: str) -> None:
        start.wait(30)
        mine = taken.setdefault(name, [])
        while claimed := queue.claim(sessions, name, 7):
            mine.extend(claimed)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    claimed = [c for mine in taken.values() for c in mine]
    assert sorted(c.run_id for c in claimed) == orders[:-1]  # each once; not the paused, not the one not due
    assert {c.attempt for c in claimed} == {1}
    with sessions() as session:
        leased = dict(session.execute(select(Run.id, Run.lease_owner).where(Run.status == "running")).all())
    assert leased == {c.run_id: name for name, mine in taken.items() for c in mine}


def test_a_claim_takes_the_oldest_due_first_and_at_most_the_limit(sessions):
    ids = [accept(sessions, NewEvent(source="manual", dedupe_key=f"k{i}", body=b"{}"), [("orders", "h")]).run_ids[0]
           for i in range(5)]
    with sessions.begin() as session:  # the newest run became due first (a retry that fell due)
        session.get(Run, ids[4]).next_attempt_at = utcnow() - timedelta(hours=1)
    first = queue.claim(sessions, "a", 2)
    assert {c.run_id for c in first} == {ids[4], ids[0]}
    assert [c.run_id for c in queue.claim(sessions, "b", 10)] == ids[1:4]
