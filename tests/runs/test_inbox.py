from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from hub.runs.inbox import GroupCommit, NewEvent, accept
from hub.store.base import make_engine, make_sessionmaker
from hub.store.migrate import upgrade
from hub.store.platform import Event, Run

RECIPES = [("orders", "h1"), ("audit", "h2")]


@pytest.fixture
def url(tmp_path):
    url = f"sqlite:///{tmp_path}/inbox.db"
    upgrade(url)
    return url


@pytest.fixture
def inbox(url):
    writer = GroupCommit(make_sessionmaker(make_engine(url)))
    writer.start()
    yield writer
    writer.stop()


def event(key: str, body: bytes = b"{}") -> NewEvent:
    return NewEvent(source="webhook", dedupe_key=key, body=body, headers={"X-Id": key})


def stored_elsewhere(url: str, key: str) -> tuple[int, int]:
    """What another connection (another process, after a crash) finds for ``key``."""
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            event_id = conn.scalar(select(Event.id).where(Event.dedupe_key == key))
            runs = conn.scalar(select(func.count()).select_from(Run).where(Run.event_id == event_id))
            return event_id, runs
    finally:
        engine.dispose()


def test_an_accepted_event_is_committed_before_accept_returns(inbox, url):
    def send(i: int):
        answer = inbox.accept(event(f"d{i}"), RECIPES)
        return answer, stored_elsewhere(url, f"d{i}")

    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(send, range(200)))
    for answer, (event_id, runs) in results:
        assert not answer.duplicate and answer.event_id == event_id and runs == 2
        assert len(answer.run_ids) == 2
    assert len({a.event_id for a, _ in results}) == 200


def test_duplicates_in_one_batch_and_across_batches_store_one_event(inbox, url):
    start = threading.Barrier(8)

    def send(_):
        start.wait()
        return inbox.accept(event("same"), RECIPES)

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(8)))
    later = inbox.accept(event("same"), RECIPES)
    first = [a for a in answers if not a.duplicate]
    assert len(first) == 1
    assert all(a.event_id == first[0].event_id and a.run_ids == first[0].run_ids
               for a in [*answers, later])
    assert later.duplicate


def test_an_event_stored_by_another_writer_is_answered_as_a_duplicate(inbox, url):
    other = accept(make_sessionmaker(make_engine(url)), event("elsewhere"), RECIPES)
    again = inbox.accept(event("elsewhere"), RECIPES)
    assert again.duplicate and again.event_id == other.event_id and again.run_ids == other.run_ids


def test_events_get_ids_in_the_order_they_were_accepted(inbox):
    ids = [inbox.accept(event(f"o{i}"), RECIPES).event_id for i in range(20)]
    assert ids == sorted(ids)


def test_a_stopped_inbox_refuses_instead_of_answering_unstored(url):
    writer = GroupCommit(make_sessionmaker(make_engine(url)))
    writer.start()
    writer.accept(event("before"), RECIPES)
    writer.stop()
    with pytest.raises(RuntimeError, match="closed"):
        writer.accept(event("after"), RECIPES)
    assert stored_elsewhere(url, "after") == (None, 0)


def test_a_failing_commit_fails_every_waiting_request(tmp_path):
    writer = GroupCommit(make_sessionmaker(make_engine(f"sqlite:///{tmp_path}/no-tables.db")))
    writer.start()
    try:
        with pytest.raises(Exception, match="no such table"):
            writer.accept(event("x"), RECIPES)
    finally:
        writer.stop()
