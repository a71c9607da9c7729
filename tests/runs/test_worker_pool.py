"""The worker pool of a serving hub (hub/runs/worker.py) with the store's group commit: runs
are claimed and finished through the writer, and new webhooks are held while runs pile up,
so the backlog stays bounded instead of growing for as long as webhooks come."""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from sqlalchemy import func, select

from hub.runs import worker
from hub.runs.inbox import NewEvent, accept
from hub.runs.worker import WorkerPool
from hub.store.platform import Run

RECIPE = """\
recipe: slow-erp
trigger: {manual: {}}
steps:
  - id: sent
    call: {connection: erp, action: post, key: "trigger.delivery_id", with: "{n: event.n}"}
"""


@pytest.fixture
def erp():
    """An ERP that answers only once ``erp.open`` is set; ``erp.calls`` counts what it got."""
    opened, calls = threading.Event(), []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            self.rfile.read(int(self.headers["Content-Length"]))
            opened.wait(30)
            calls.append(self.path)
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.open, server.calls = opened, calls
    yield server
    opened.set()
    server.shutdown()


@pytest.fixture
def serving(make_hub, erp):
    """A hub whose writer and pool (2 threads, at most 3 runs waiting) run as when serving."""
    hub = make_hub({"erp": {"connector": "http", "base_url": f"http://127.0.0.1:{erp.server_port}",
                            "actions": {"post": {"method": "POST", "path": "/orders"}}}},
                   {"slow.yaml": RECIPE})
    hub.writer.start()
    pool = WorkerPool(hub, 2, backlog_limit=3)
    hub.wake, hub.admit = pool.wake, pool.admit
    pool.start()
    yield hub, pool
    erp.open.set()
    pool.stop(timedelta(seconds=10))


def queue_runs(hub, count: int, prefix: str = "e") -> None:
    built = hub.recipes["slow-erp"]
    for i in range(count):
        accept(hub.sessions, NewEvent(source="manual", dedupe_key=f"{prefix}{i}", body=b'{"n": %d}' % i),
               [(built.slug, built.recipe.hash)])
    hub.wake()


def statuses(hub) -> dict[str, int]:
    with hub.sessions() as session:
        return dict(session.execute(select(Run.status, func.count()).group_by(Run.status)).all())


def wait_for(condition, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_webhooks_are_held_while_runs_pile_up_and_let_in_as_they_drain(serving, erp, monkeypatch):
    hub, pool = serving
    monkeypatch.setattr(worker, "ADMIT_WAIT", 30.0)
    queue_runs(hub, 10)
    wait_for(lambda: statuses(hub).get("running") == 2)
    time.sleep(0.2)  # the dispatcher counts the runs waiting once more
    admitted = threading.Event()
    threading.Thread(target=lambda: (hub.admit(), admitted.set()), daemon=True).start()
    assert not admitted.wait(0.5)  # eight wait, the limit is three: held
    erp.open.set()
    assert admitted.wait(20)  # let in once the backlog is down to three
    wait_for(lambda: statuses(hub) == {"succeeded": 10})
    assert len(erp.calls) == 10  # each run's effect once


def test_a_held_webhook_is_let_in_after_the_longest_wait(serving, monkeypatch):
    hub, pool = serving
    monkeypatch.setattr(worker, "ADMIT_WAIT", 0.3)
    queue_runs(hub, 10)
    wait_for(lambda: statuses(hub).get("running") == 2)
    time.sleep(0.2)
    started = time.monotonic()
    hub.admit()
    assert 0.25 <= time.monotonic() - started < 5


def test_nothing_is_held_while_the_backlog_is_within_the_limit(serving):
    hub, pool = serving
    queue_runs(hub, 4)  # two running, two waiting: within three
    wait_for(lambda: statuses(hub).get("running") == 2)
    time.sleep(0.2)
    started = time.monotonic()
    hub.admit()
    assert time.monotonic() - started < 0.2


def test_runs_claimed_while_the_pool_stops_are_finished_or_put_back(make_hub, erp, monkeypatch, caplog):
    """A stop that comes while the dispatcher's claim is in the store: the claimed runs are
    handed to the pool and finish within the grace; none is left claimed by a stopped pool."""
    hub = make_hub({"erp": {"connector": "http", "base_url": f"http://127.0.0.1:{erp.server_port}",
                            "actions": {"post": {"method": "POST", "path": "/orders"}}}},
                   {"slow.yaml": RECIPE})
    erp.open.set()
    pool = WorkerPool(hub, 2)
    hub.wake = pool.wake
    in_claim, stopping, answered = threading.Event(), threading.Event(), threading.Event()
    claim = worker.queue.claim

    def slow_claim(*args, **kwargs):
        if in_claim.is_set():
            return []
        in_claim.set()
        assert stopping.wait(20)
        time.sleep(0.2)  # the stop has begun before the claim answers
        try:
            return claim(*args, **kwargs)
        finally:
            answered.set()

    monkeypatch.setattr(worker.queue, "claim", slow_claim)
    queue_runs(hub, 2)
    pool.start()
    assert in_claim.wait(20)
    stopping.set()
    pool.stop(timedelta(seconds=20))
    assert answered.wait(20)
    time.sleep(0.2)  # what the dispatcher does with the claimed runs, it has done by now
    assert "could not claim runs" not in caplog.text
    assert statuses(hub) in ({"succeeded": 2}, {"queued": 2}, {"succeeded": 1, "queued": 1})
