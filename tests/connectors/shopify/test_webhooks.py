"""X-Shopify-Hmac-Sha256 verification over the raw body, through the connector."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from connectors.shopify import ShopifyConnector
from connectors.shopify.webhooks import sign
from hub.connector import InboundWebhook
from hub.errors import SignatureError

SECRET = "hush-client-secret"
BODY = b'{"id":450789469,"name":"#1001","total_price":"409.94"}'


@pytest.fixture
def shop():
    connection = ShopifyConnector.from_config("shop", {"shop_url": "https://acme.myshopify.com", "client_secret": SECRET})
    yield connection
    connection.close()


def inbound(body: bytes, **headers: str) -> InboundWebhook:
    return InboundWebhook(connection="shop", path="", headers=headers, body=body)


def shopify_signature(body: bytes, secret: str = SECRET) -> str:
    # Computed independently of connectors.shopify.webhooks.sign, the way Shopify documents it.
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def test_good_signature_gives_delivery_id_topic_and_exact_payload(shop):
    delivery = shop.verify_webhook(inbound(BODY, **{
        "X-Shopify-Hmac-Sha256": shopify_signature(BODY), "X-Shopify-Topic": "orders/create",
        "X-Shopify-Webhook-Id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"}))
    assert delivery.delivery_id == "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043"
    assert delivery.topic == "orders/create"
    assert str(delivery.payload["total_price"]) == "409.94"
    assert sign(BODY, SECRET) == shopify_signature(BODY)


def test_header_names_are_case_insensitive(shop):
    delivery = shop.verify_webhook(inbound(BODY, **{"x-shopify-hmac-sha256": shopify_signature(BODY),
                                                    "x-shopify-topic": "refunds/create", "x-shopify-webhook-id": "d1"}))
    assert (delivery.delivery_id, delivery.topic) == ("d1", "refunds/create")


@pytest.mark.parametrize(("body", "headers", "message"), [
    (BODY, {}, "missing signature header X-Shopify-Hmac-Sha256"),
    (BODY, {"X-Shopify-Hmac-Sha256": shopify_signature(BODY, "another-app")},
     "signature in X-Shopify-Hmac-Sha256 does not match the body"),
    (BODY.replace(b"409.94", b"0.01"), {"X-Shopify-Hmac-Sha256": shopify_signature(BODY)},
     "signature in X-Shopify-Hmac-Sha256 does not match the body"),
    (BODY, {"X-Shopify-Hmac-Sha256": shopify_signature(BODY).replace("=", "") + "x"},
     "signature in X-Shopify-Hmac-Sha256 does not match the body"),
], ids=["missing", "wrong-secret", "tampered-body", "garbled"])
def test_bad_signatures_are_refused(shop, body, headers, message):
    with pytest.raises(SignatureError) as caught:
        shop.verify_webhook(inbound(body, **headers))
    assert str(caught.value) == message
    assert SECRET not in str(caught.value)


def test_reserialized_json_does_not_verify(shop):
    # The HMAC is over the bytes as sent; pretty-printing the same JSON must fail.
    pretty = b'{"id": 450789469, "name": "#1001", "total_price": "409.94"}'
    with pytest.raises(SignatureError):
        shop.verify_webhook(inbound(pretty, **{"X-Shopify-Hmac-Sha256": shopify_signature(BODY)}))


def test_without_a_client_secret_webhooks_are_closed():
    connection = ShopifyConnector.from_config("shop", {"shop_url": "https://acme.myshopify.com"})
    assert connection.accepts_webhooks() is False
    assert connection.resources() == frozenset()
