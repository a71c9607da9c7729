"""GraphQL polling, throttling and signed webhook deliveries against the sandbox over real sockets."""

from __future__ import annotations

import copy
import time
from datetime import datetime, timezone

import pytest
import requests
from flask import Flask, request

from connectors.sandbox import serve
from connectors.shopify import ShopifyConnector
from connectors.shopify.sandbox import create_app
from hub import jsonutil
from hub import canonical
from hub.connector import ActionContext, Cursor, InboundWebhook
from hub.errors import FatalError, RetriableError
from tests.support.fixtures import FIXTURES as SHARED

FIXTURE = SHARED / "shopify" / "order.json"
TOKEN, SECRET = "shpat_test", "client-secret"


def orders(count: int) -> list[dict]:
    base = jsonutil.loads(FIXTURE.read_text("utf-8"))["order"]
    made = []
    for n in range(count):
        order = copy.deepcopy(base)
        order.update(id=1000 + n, name=f"#{1001 + n}", updated_at=f"2024-03-{n + 1:02d}T10:00:00Z")
        made.append(order)
    return made


@pytest.fixture
def sandbox():
    app = create_app(token=TOKEN, secret=SECRET)
    with serve(app) as server:
        yield server, app.extensions["sandbox"]


@pytest.fixture
def shop(sandbox):
    server, _ = sandbox
    connection = ShopifyConnector.from_config("shop", {"shop_url": server.url, "access_token": TOKEN,
                                                       "client_secret": SECRET, "page_size": 2})
    slept: list[float] = []
    connection.client.sleep = lambda seconds: (slept.append(seconds), time.sleep(seconds))
    connection.slept = slept  # type: ignore[attr-defined]
    yield connection
    connection.close()


def seed(server, rows) -> None:
    requests.post(f"{server.url}/_sandbox/orders", data=jsonutil.dumps(rows), timeout=5).raise_for_status()


def test_poll_pages_through_every_order_oldest_first(sandbox, shop):
    server, state = sandbox
    seed(server, orders(5))
    records = list(shop.poll("orders", Cursor(start=None)))
    assert [r.id for r in records] == ["1000", "1001", "1002", "1003", "1004"]
    assert len([h for h in state.hits if h["path"].endswith("graphql.json")]) == 3  # pages of 2, 2, 1
    assert records[0].updated_at == datetime(2024, 3, 1, 10, tzinfo=timezone.utc)
    order = canonical.check("sales_order", shop.mappings()["sales_order"](records[0].data))
    assert (order["number"], str(order["totals"]["total"])) == ("1001", "409.94")


def test_poll_sends_the_cursor_start_as_an_updated_at_search(sandbox, shop):
    server, _ = sandbox
    seed(server, orders(5))
    records = list(shop.poll("orders", Cursor(start=datetime(2024, 3, 3, 10, tzinfo=timezone.utc))))
    assert [r.id for r in records] == ["1002", "1003", "1004"]


def test_an_order_updated_while_paging_skips_no_other_order(sandbox, shop):
    server, _ = sandbox
    made = orders(5)
    seed(server, made)
    polled = shop.poll("orders", Cursor(start=None))
    first_page = [next(polled), next(polled)]
    seed(server, [{**made[0], "updated_at": "2024-03-20T10:00:00Z"}])  # moves from the first page to the end
    records = first_page + list(polled)
    assert [(r.id, r.updated_at.day) for r in records] == [
        ("1000", 1), ("1001", 2), ("1002", 3), ("1003", 4), ("1004", 5), ("1000", 20)]


def test_throttled_answer_is_retriable_with_the_refill_time(sandbox, shop):
    server, _ = sandbox
    seed(server, orders(1))
    shop.client.max_wait = 1.0  # a refill longer than this is left to the run's retry
    requests.post(f"{server.url}/_sandbox/throttle", json={"currentlyAvailable": 0, "restoreRate": 2}, timeout=5)
    with pytest.raises(RetriableError) as caught:
        list(shop.poll("orders", Cursor(start=None)))
    assert "THROTTLED" in str(caught.value)
    assert caught.value.retry_after == pytest.approx(2.0, abs=0.6)  # cost 4 at 2 points/s


def test_client_waits_when_the_bucket_is_below_the_query_cost(sandbox, shop):
    server, _ = sandbox
    seed(server, orders(5))
    requests.post(f"{server.url}/_sandbox/throttle", json={"currentlyAvailable": 5, "restoreRate": 100}, timeout=5)
    records = list(shop.poll("orders", Cursor(start=None)))  # each page costs 4 points
    assert len(records) == 5
    assert shop.slept and all(0 < wait <= 0.04 for wait in shop.slept)


def test_http_429_carries_retry_after(sandbox, shop):
    server, _ = sandbox
    shop.client.max_wait = 1.0
    requests.post(f"{server.url}/_sandbox/faults", json=[{"status": 429, "headers": {"Retry-After": "2.0"}}], timeout=5)
    with pytest.raises(RetriableError) as caught:
        list(shop.poll("orders", Cursor(start=None)))
    assert (caught.value.status, caught.value.retry_after) == (429, 2.0)


def test_a_short_throttle_is_waited_out_and_the_query_asked_again(sandbox, shop):
    server, state = sandbox
    seed(server, orders(1))
    requests.post(f"{server.url}/_sandbox/throttle", json={"currentlyAvailable": 0, "restoreRate": 100}, timeout=5)
    records = list(shop.poll("orders", Cursor(start=None)))
    assert [r.id for r in records] == ["1000"]
    assert len([h for h in state.hits if h["path"].endswith("graphql.json")]) == 2
    assert shop.slept and all(0 < wait <= 0.1 for wait in shop.slept)


def test_a_429_within_the_longest_wait_is_asked_again(sandbox, shop):
    server, _ = sandbox
    seed(server, orders(1))
    requests.post(f"{server.url}/_sandbox/faults", json=[{"status": 429, "headers": {"Retry-After": "0.05"}}], timeout=5)
    assert [r.id for r in shop.poll("orders", Cursor(start=None))] == ["1000"]
    assert shop.slept == [pytest.approx(0.055)]


def test_wrong_token_is_fatal(sandbox):
    server, _ = sandbox
    connection = ShopifyConnector.from_config("shop", {"shop_url": server.url, "access_token": "shpat_wrong"})
    with pytest.raises(FatalError) as caught:
        list(connection.poll("orders", Cursor(start=None)))
    assert caught.value.status == 401 and "shpat_wrong" not in str(caught.value)


def test_get_order_by_numeric_id(sandbox, shop):
    server, _ = sandbox
    seed(server, orders(2))
    node = shop.actions()["get_order"]({"id": 1001}, ActionContext(idempotency_key="k"))
    assert node["name"] == "#1002"
    with pytest.raises(FatalError, match="not found"):
        shop.actions()["get_order"]("999", ActionContext(idempotency_key="k"))


def test_sandbox_delivers_webhooks_that_verify(sandbox, shop):
    server, _ = sandbox
    received = []
    receiver = Flask("receiver")

    @receiver.post("/webhooks/shop")
    def hook():
        received.append(shop.verify_webhook(InboundWebhook(
            connection="shop", path="", headers=dict(request.headers), body=request.get_data())))
        return "", 200

    order = orders(1)[0]
    with serve(receiver) as sink:
        answer = requests.post(f"{server.url}/_sandbox/webhooks", timeout=10, data=jsonutil.dumps(
            {"url": f"{sink.url}/webhooks/shop", "topic": "orders/create", "payload": order, "webhook_id": "w-1"}))
    assert answer.json() == {"status": 200}
    assert (received[0].delivery_id, received[0].topic) == ("w-1", "orders/create")
    assert received[0].payload["name"] == "#1001"
