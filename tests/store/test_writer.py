"""The store's group commit (hub/store/writer.py): many callers' writes share a commit, none
is answered before its commit, and one caller's failure is nobody else's."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import event, func, insert, select
from sqlalchemy.exc import IntegrityError

from hub.store.base import make_engine, make_sessionmaker
from hub.store.migrate import upgrade
from hub.store.platform import AuditEntry, Event
from hub.store.writer import Writer


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/writer.db"
    else:
        url = request.getfixturevalue("pg_database")
    upgrade(url)
    return url


@pytest.fixture
def engine(url):
    engine = make_engine(url)
    yield engine
    engine.dispose()


@pytest.fixture
def writer(engine):
    writer = Writer(make_sessionmaker(engine))
    writer.start()
    yield writer
    writer.stop()


def add_line(detail: str):
    def work(session):
        session.execute(insert(AuditEntry).values(kind="test", detail=detail))
        return detail
    return work


def add_event(key: str):
    def work(session):
        session.execute(insert(Event).values(source="manual", dedupe_key=key, headers={}, body=b"{}",
                                             received_at=func.now()))
        return key
    return work


def seen_elsewhere(url: str, detail: str) -> bool:
    """What another connection (another process) finds."""
    other = make_engine(url)
    try:
        with other.connect() as connection:
            return connection.scalar(select(func.count()).select_from(AuditEntry)
                                     .where(AuditEntry.detail == detail)) == 1
    finally:
        other.dispose()


def commits_counted(engine) -> list[int]:
    counted = [0]

    @event.listens_for(engine, "commit")
    def count(_connection):
        counted[0] += 1

    return counted


def while_busy(writer: Writer, calls: dict[str, object]) -> dict[str, object]:
    """Run each call (name -> work) from its own thread while the writer is busy, so that all
    of them wait together for its next batch; what each caller got, result or exception."""
    release = threading.Event()
    busy = threading.Event()
    blocker = threading.Thread(target=writer.write, args=(lambda session: busy.set() or release.wait(120),))
    blocker.start()
    assert busy.wait(60)  # the writer is inside the blocker before anyone else queues
    results: dict[str, object] = {}

    def call(name, work):
        try:
            results[name] = writer.write(work)
        except Exception as exc:  # noqa: BLE001 - what the caller got
            results[name] = exc

    threads = [threading.Thread(target=call, args=item) for item in calls.items()]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while writer._waiting.qsize() < len(calls) and time.monotonic() < deadline:
        time.sleep(0.01)
    release.set()
    for thread in threads + [blocker]:
        thread.join(timeout=30)
        assert not thread.is_alive(), "a caller of the writer never got its answer"
    return results


def test_waiting_callers_share_one_commit_and_are_answered_after_it(writer, engine, url):
    counted = commits_counted(engine)
    results = while_busy(writer, {f"line-{i}": add_line(f"line-{i}") for i in range(40)})
    assert results == {f"line-{i}": f"line-{i}" for i in range(40)}
    assert counted[0] == 1  # one for all forty (the busy one used no connection)

    def call(i: int):
        detail = writer.write(add_line(f"more-{i}"))
        return detail, seen_elsewhere(url, detail)

    with ThreadPoolExecutor(16) as pool:
        answers = list(pool.map(call, range(100)))
    assert answers == [(f"more-{i}", True) for i in range(100)]


def test_a_failing_write_fails_its_caller_alone(writer, engine, url):
    writer.write(add_event("taken"))
    calls = {f"ok-{i}": add_line(f"ok-{i}") for i in range(8)}
    calls["dup"] = add_event("taken")
    calls["more"] = add_event("new")
    results = while_busy(writer, calls)
    assert isinstance(results.pop("dup"), IntegrityError)
    assert results == {**{f"ok-{i}": f"ok-{i}" for i in range(8)}, "more": "new"}
    assert all(seen_elsewhere(url, f"ok-{i}") for i in range(8))
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Event)) == 2


def test_work_that_raises_after_writing_leaves_nothing(writer, url):
    def half_done(session):
        session.execute(insert(AuditEntry).values(kind="test", detail="half"))
        raise ValueError("refused after writing")

    with pytest.raises(ValueError, match="refused after writing"):
        writer.write(half_done)
    assert not seen_elsewhere(url, "half")


def test_a_writer_not_started_or_called_from_its_own_thread_writes_alone(engine, url):
    writer = Writer(make_sessionmaker(engine))
    assert writer.write(add_line("alone")) == "alone" and seen_elsewhere(url, "alone")
    writer.stop()  # never started: nothing to stop, it goes on writing alone
    assert writer.write(add_line("still")) == "still"
    writer.start()
    try:
        nested = writer.write(lambda session: writer.write(add_line("inner")))
        assert nested == "inner" and seen_elsewhere(url, "inner")
    finally:
        writer.stop()


def test_a_stopped_writer_stores_what_waits_then_refuses(engine, url):
    writer = Writer(make_sessionmaker(engine))
    writer.start()
    writer.write(add_line("before"))
    writer.stop()
    with pytest.raises(RuntimeError, match="closed"):
        writer.write(add_line("after"))
    assert seen_elsewhere(url, "before") and not seen_elsewhere(url, "after")
