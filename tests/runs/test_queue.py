from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest

from hub.runs import queue
from hub.runs.inbox import NewEvent, accept
from hub.store.base import make_engine, make_sessionmaker, utcnow
from hub.store.migrate import upgrade
from hub.store.platform import Run


@pytest.fixture
def sessions(tmp_path):
    url = f"sqlite:///{tmp_path}/queue.db"
    upgrade(url)
    return make_sessionmaker(make_engine(url))


def enqueue(sessions, key: str, recipes=(("orders", "h1"),)) -> tuple[int, ...]:
    return accept(sessions, NewEvent(source="manual", dedupe_key=key, body=b"{}"), list(recipes)).run_ids


def test_one_event_queues_one_run_per_recipe_and_a_duplicate_queues_none(sessions):
    first = accept(sessions, NewEvent(source="webhook", dedupe_key="d1", body=b"{}"),
                   [("a", "h"), ("b", "h")])
    again = accept(sessions, NewEvent(source="webhook", dedupe_key="d1", body=b"{}"),
                   [("a", "h"), ("b", "h")])
    assert len(first.run_ids) == 2 and not first.duplicate
    assert again.duplicate and again.run_ids == first.run_ids and again.event_id == first.event_id


def test_claim_takes_due_runs_once_and_counts_the_attempt(sessions):
    ids = [enqueue(sessions, f"k{i}")[0] for i in range(3)]
    with sessions.begin() as s:
        s.get(Run, ids[2]).next_attempt_at = utcnow() + timedelta(hours=1)
    got = queue.claim(sessions, "owner-a", 10)
    assert [c.run_id for c in got] == ids[:2] and {c.attempt for c in got} == {1}
    assert queue.claim(sessions, "owner-b", 10) == []


def test_requeue_owned_returns_a_stopping_workers_runs(sessions):
    enqueue(sessions, "k")
    queue.claim(sessions, "me", 1)
    assert queue.requeue_owned(sessions, "me") == 1
    assert [c.attempt for c in queue.claim(sessions, "next", 1)] == [2]


def test_runs_of_a_dead_process_are_recovered_and_live_ones_are_not(sessions):
    enqueue(sessions, "dead")
    enqueue(sessions, "alive")
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    host = queue.new_owner().split(":")[0]
    queue.claim(sessions, f"{host}:{gone.pid}:x", 1)
    queue.claim(sessions, queue.new_owner(), 1)  # this process: alive
    assert queue.recover(sessions, "someone-else") == [1]
    assert [c.run_id for c in queue.claim(sessions, "next", 5)] == [1]


def test_claim_run_takes_exactly_that_run(sessions):
    first, second = enqueue(sessions, "a")[0], enqueue(sessions, "b")[0]
    claimed = queue.claim_run(sessions, "me", second)
    assert claimed.run_id == second and claimed.attempt == 1
    assert queue.claim_run(sessions, "me", second) is None
    assert [c.run_id for c in queue.claim(sessions, "other", 5)] == [first]
