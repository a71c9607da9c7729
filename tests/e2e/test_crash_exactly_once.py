"""A hub killed with SIGKILL between an ERP's answer and its own commit sends no order twice, even
to an ERP that ignores Idempotency-Key: the restarted hub looks the order up before calling again.

Real sockets throughout: signed webhooks into ``o2c-hub run``, and an ERP stand-in (a small HTTP
server in this test) that makes one order per POST, whatever its Idempotency-Key, and answers
``GET /orders?reference=...`` with the orders of that reference.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.support.hubproc import HubProcess

pytestmark = pytest.mark.e2e

RECIPE = """\
recipe: orders-to-erp
trigger:
  webhook: {connection: shop, topic: orders/create}
steps:
  - id: erp_order
    call: {connection: erp, action: create_order, with: "{reference: event.name, total: event.total_price}", key: event.name}
retry: {max_attempts: 20, backoff: exponential, initial: 200ms, max_delay: 1s, jitter: false}
"""

FINISHED = ("succeeded", "dead")


class StandIn(ThreadingHTTPServer):
    """An ERP that ignores Idempotency-Key but can be asked for an order by its reference."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.orders: list[dict] = []
        self.lookups: list[tuple[str, bool]] = []  # (reference, found)
        self.hold = 0.0  # seconds each POST waits after making its order, before answering
        self.gate = threading.Event()  # POSTs wait for it
        self.gate.set()
        self.on_order = None  # called with the order's number in the run, after it is made, before the answer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def references(self) -> Counter:
        with self.lock:
            return Counter(order["reference"] for order in self.orders)


class _Handler(BaseHTTPRequestHandler):
    server: StandIn

    def log_message(self, *args) -> None:  # no access log in the test output
        pass

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.gate.wait(60)
        with self.server.lock:
            order = {"id": len(self.server.orders) + 1, "reference": body["reference"], "total": body["total"]}
            self.server.orders.append(order)
            count = len(self.server.orders)
        if self.server.on_order is not None:
            self.server.on_order(count)
        time.sleep(self.server.hold)
        self.answer(201, order)

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        reference = parse_qs(url.query).get("reference", [""])[0]
        with self.server.lock:
            found = [order for order in self.server.orders if order["reference"] == reference]
            self.server.lookups.append((reference, bool(found)))
        self.answer(200, {"data": found})

    def answer(self, status: int, value) -> None:
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def standin():
    server = StandIn()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.gate.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def hub(tmp_path, standin):
    erp = {"connector": "http", "base_url": standin.url, "timeout": 30, "actions": {"create_order": {
        "method": "POST", "path": "/orders",
        "lookup": {"path": "/orders", "params": {"reference": "{reference}"}, "record_path": "data",
                   "found_when": {"reference": "{reference}"}}}}}
    proc = HubProcess(tmp_path, erp_url=standin.url, slack_url="http://127.0.0.1:9",
                      recipes={"orders.yaml": RECIPE}, extra_config={"workers": 4}, connections={"erp": erp})
    proc.start()
    yield proc
    proc.stop()


def post(hub: HubProcess, number: str) -> bool:
    """Whether the hub acknowledged the order (2xx)."""
    try:
        response = hub.post_order({"name": number, "total_price": "10.00"}, delivery_id=f"delivery-{number}")
    except requests.RequestException:  # killed while posting: not acknowledged
        return False
    return 200 <= response.status_code < 300


def runs_by_status(hub: HubProcess) -> Counter:
    with sqlite3.connect(hub.workdir / "hub.db", timeout=30) as db:
        return Counter(dict(db.execute("SELECT status, count(*) FROM runs GROUP BY status").fetchall()))


def wait_until_every_run_finished(hub: HubProcess, timeout: float = 60) -> Counter:
    deadline = time.monotonic() + timeout
    while True:
        statuses = runs_by_status(hub)
        if set(statuses) <= set(FINISHED):
            return statuses
        assert time.monotonic() < deadline, f"runs still going after {timeout}s: {dict(statuses)}"
        time.sleep(0.1)


def test_orders_acknowledged_before_a_kill_mid_burst_reach_the_erp_exactly_once(hub, standin):
    standin.hold = 0.03  # a call is answered 30 ms after its order is made: a kill finds some in between
    numbers = [f"B{n:03d}" for n in range(200)]
    acknowledged: list[str] = []

    def send(number: str) -> None:
        if post(hub, number):
            acknowledged.append(number)

    def kill_mid_burst() -> None:  # once calls are under way, or half the orders are in
        while len(standin.orders) < 15 and len(acknowledged) < len(numbers) // 2:
            time.sleep(0.005)
        hub.kill()

    killer = threading.Thread(target=kill_mid_burst)
    killer.start()
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(send, numbers))
    killer.join(60)
    assert hub.proc.poll() is not None, "the hub was not killed"
    assert 0 < len(acknowledged) < len(numbers), "the kill did not land mid-burst"

    hub.start()
    statuses = wait_until_every_run_finished(hub)
    assert set(statuses) == {"succeeded"}, dict(statuses)
    sent = standin.references()
    assert {number: sent[number] for number in acknowledged} == dict.fromkeys(acknowledged, 1)
    assert [number for number, times in sent.items() if times > 1] == [], "an order reached the ERP twice"


def test_a_kill_between_the_erps_answer_and_the_commit_sends_nothing_twice(hub, standin):
    """Three times: the ERP answers its 2nd call of a round while it holds the hub's database write
    lock, so the hub cannot commit what it got back, and then kills the hub."""
    for round_ in range(3):
        numbers = [f"R{round_}-{n}" for n in range(3)]
        made_before = len(standin.orders)
        standin.gate.clear()  # the calls wait until the three orders are acknowledged
        standin.on_order = kill_at_the_second_order(hub, made_before)
        assert all(post(hub, number) for number in numbers)
        lookups_before = len(standin.lookups)
        standin.gate.set()
        hub.proc.wait(60)  # killed by the stand-in

        standin.on_order = None
        hub.start()
        statuses = wait_until_every_run_finished(hub)
        assert set(statuses) == {"succeeded"}, dict(statuses)
        sent = standin.references()
        assert [sent[number] for number in numbers] == [1, 1, 1], f"round {round_}: {dict(sent)}"
        found = [reference for reference, hit in standin.lookups[lookups_before:] if hit]
        assert found, f"round {round_}: the answered order was not found by its lookup"


def kill_at_the_second_order(hub: HubProcess, made_before: int):
    def on_order(count: int) -> None:
        if count == made_before + 2:
            kill_after_answer(hub)
    return on_order


def kill_after_answer(hub: HubProcess) -> None:
    """Hold the hub's database write lock (its commit of the answer waits for it), let the answer
    go out, then kill the hub and let go of the lock."""
    db = sqlite3.connect(hub.workdir / "hub.db", timeout=30, isolation_level=None, check_same_thread=False)
    db.execute("BEGIN IMMEDIATE")

    def kill() -> None:
        time.sleep(0.5)  # the answer is read meanwhile; the commit waits for the lock
        hub.kill()
        db.rollback()
        db.close()

    threading.Thread(target=kill, daemon=True).start()
