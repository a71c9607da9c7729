"""ShopifyClient over recorded answers: throttled queries are waited out and asked again, within bounds."""

from __future__ import annotations

import pytest
import responses

from connectors.shopify.client import ShopifyClient
from hub.errors import RetriableError, ThrottledError

SHOP = "https://acme.myshopify.com"
URL = f"{SHOP}/admin/api/2025-01/graphql.json"
QUERY = "query Order($id: ID!) { order(id: $id) { id } }"
ORDER = {"id": "gid://shopify/Order/1"}


def cost(available: float, requested: float = 10, *, restore_rate: float = 50, charged: bool = True) -> dict:
    return {"cost": {"requestedQueryCost": requested, "actualQueryCost": requested if charged else None,
                     "throttleStatus": {"maximumAvailable": 1000, "currentlyAvailable": available,
                                        "restoreRate": restore_rate}}}


def throttled(available: float, *, restore_rate: float = 50) -> dict:
    return {"errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
            "extensions": cost(available, restore_rate=restore_rate, charged=False)}


def data(available: float = 990) -> dict:
    return {"data": {"order": ORDER}, "extensions": cost(available)}


@pytest.fixture
def slept() -> list[float]:
    return []


@pytest.fixture
def client(slept):
    made = ShopifyClient(SHOP, "shpat_test", api_version="2025-01", connection="shop", sleep=slept.append)
    yield made
    made.close()


def test_a_throttled_answer_followed_by_data_gives_the_data(client, slept):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, json=throttled(available=4))
        mock.post(URL, json=data())
        assert client.graphql(QUERY, {"id": "1"}, action="get_order") == {"order": ORDER}
    # 10 points needed, 4 there, one more as a margin: 7 points at 50/s, plus a tenth
    assert slept == [pytest.approx(7 / 50 * 1.1)]


def test_a_429_followed_by_data_gives_the_data_after_retry_after(client, slept):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, status=429, headers={"Retry-After": "2.0"}, body="Throttled")
        mock.post(URL, json=data())
        assert client.graphql(QUERY, {"id": "1"}, action="get_order") == {"order": ORDER}
    assert slept == [pytest.approx(2.2)]


def test_a_query_throttled_beyond_the_attempts_is_retriable(client, slept):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, json=throttled(available=0))
        with pytest.raises(RetriableError) as raised:
            client.graphql(QUERY, {"id": "1"}, action="get_order")
        assert len(mock.calls) == client.throttle_attempts == 4
    assert isinstance(raised.value, ThrottledError) and "THROTTLED" in str(raised.value)
    assert raised.value.retry_after == pytest.approx(10 / 50)
    assert len(slept) == 3


def test_a_throttle_longer_than_the_longest_wait_is_retriable_at_once(client, slept):
    client.max_wait = 5.0
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, json=throttled(available=0, restore_rate=1))
        with pytest.raises(ThrottledError) as raised:
            client.graphql(QUERY, {"id": "1"}, action="get_order")
        assert len(mock.calls) == 1
    assert (raised.value.retry_after, slept) == (10.0, [])


def test_other_retriable_errors_are_not_asked_again(client, slept):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, status=503, body="unavailable")
        with pytest.raises(RetriableError) as raised:
            client.graphql(QUERY, {"id": "1"}, action="get_order")
        assert len(mock.calls) == 1
    assert (raised.value.status, slept) == (503, [])
