"""A webhook's event keeps only the allow-listed request headers: never a credential a proxy
added, a cookie or the signature, always the topic and delivery headers."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from connectors.http.webhooks import SignedWebhook
from hub.store.platform import Event
from hub.web import create_app
from tests.web.conftest import signed

DROPPED = {"X-Forwarded-Auth": "secret-xyz", "Authorization": "Bearer secret-abc",
           "Cookie": "session=secret-def", "X-Api-Key": "secret-ghi", "X-Custom": "anything"}


def stored_headers(hub, event_id: int) -> dict:
    with hub.sessions() as session:
        return session.scalar(select(Event.headers).where(Event.id == event_id))


def test_only_allow_listed_headers_are_stored_with_a_shopify_event(hub, client):
    body = b'{"id": 4242}'
    headers = {**signed(body, "headers-1"), **DROPPED, "X-Shopify-Shop-Domain": "acme.myshopify.com",
               "User-Agent": "Shopify-Captain-Hook"}
    answer = client.post("/webhooks/shop", data=body, headers=headers)
    assert answer.status_code == 202
    stored = stored_headers(hub, answer.get_json()["event_id"])
    assert stored == {"Content-Type": "application/json", "User-Agent": "Shopify-Captain-Hook",
                      "X-Shopify-Topic": "orders/create", "X-Shopify-Webhook-Id": "headers-1",
                      "X-Shopify-Shop-Domain": "acme.myshopify.com"}
    assert "secret-" not in str(stored)


HOOK = {"secret": "http-hook-secret", "signature_header": "X-Sig", "delivery_id_header": "X-Hook-Id",
        "topic_header": "X-Event"}
RECIPE = "recipe: erp-events\ntrigger: {webhook: {connection: erp}}\nsteps:\n  - id: keep\n    filter: \"event\"\n"


@pytest.fixture
def http_hub(make_hub):
    return make_hub({"erp": {"connector": "http", "base_url": "http://127.0.0.1:9", "webhook": HOOK}},
                    {"erp-events.yaml": RECIPE})


def test_the_headers_an_http_connection_names_are_stored_too(http_hub):
    body = b'{"invoice": 1}'
    signature = SignedWebhook.from_config(HOOK).sign(body)
    answer = create_app(http_hub).test_client().post("/webhooks/erp", data=body, headers={
        "Content-Type": "application/json", "X-Sig": signature, "X-Hook-Id": "d-1",
        "X-Event": "invoice.posted", "User-Agent": "erp-hooks/1", **DROPPED})
    assert answer.status_code == 202
    assert stored_headers(http_hub, answer.get_json()["event_id"]) == {
        "Content-Type": "application/json", "User-Agent": "erp-hooks/1", "X-Hook-Id": "d-1",
        "X-Event": "invoice.posted"}


def test_a_huge_delivery_id_is_kept_as_its_digest_and_still_deduplicates(hub, client):
    body = b'{"id": 4343}'
    delivery = "d" * 100_000
    first = client.post("/webhooks/shop", data=body, headers=signed(body, delivery))
    assert first.status_code == 202
    with hub.sessions() as session:
        event = session.get(Event, first.get_json()["event_id"])
        assert len(event.dedupe_key) <= 512 and event.dedupe_key.startswith("webhook:shop:sha256:")
        assert len(event.headers["X-Shopify-Webhook-Id"]) == 1024
    again = client.post("/webhooks/shop", data=body, headers=signed(body, delivery))
    assert again.get_json()["duplicate"] is True
    other = client.post("/webhooks/shop", data=body, headers=signed(body, delivery[:-1] + "e"))
    assert other.get_json()["duplicate"] is False


def test_a_topic_longer_than_its_column_is_refused_and_nothing_stored(hub, client):
    body = b'{"id": 4444}'
    answer = client.post("/webhooks/shop", data=body, headers=signed(body, "long-topic", topic="t" * 300))
    assert answer.status_code == 400
    assert "topic is 300 characters long" in answer.get_json()["error"]
    with hub.sessions() as session:
        assert session.scalar(select(Event.id).where(Event.dedupe_key == "webhook:shop:long-topic")) is None
