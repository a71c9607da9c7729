"""Shopify webhook verification: ``X-Shopify-Hmac-Sha256`` over the raw body.

What Shopify sends with every delivery::

    X-Shopify-Hmac-Sha256   base64(HMAC_SHA256(app client secret, raw body))
    X-Shopify-Topic         orders/create, refunds/create, ...
    X-Shopify-Webhook-Id    unique per delivery attempt chain: the dedupe key
    X-Shopify-Shop-Domain   which shop sent it

The signature is compared in constant time, over the bytes as received (never re-serialized
JSON). Failures raise SignatureError naming the header, never the secret or the digest.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from requests.structures import CaseInsensitiveDict

from hub import jsonutil
from hub.connector import InboundWebhook, WebhookDelivery
from hub.errors import SignatureError

SIGNATURE_HEADER = "X-Shopify-Hmac-Sha256"
TOPIC_HEADER = "X-Shopify-Topic"
DELIVERY_HEADER = "X-Shopify-Webhook-Id"
TOPICS = frozenset({"orders/create", "orders/updated", "orders/cancelled", "refunds/create", "fulfillments/create"})


def sign(body: bytes, secret: str) -> str:
    """The X-Shopify-Hmac-Sha256 value for ``body`` (used by the check and by the sandbox)."""
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


@dataclass(frozen=True, slots=True)
class ShopifyWebhook:
    """Verifies deliveries signed with one app's client secret."""

    secret: str

    def verify(self, request: InboundWebhook) -> WebhookDelivery:
        """Check the HMAC; return the delivery (id, topic, parsed body) or raise SignatureError."""
        headers = CaseInsensitiveDict(request.headers)
        given = (headers.get(SIGNATURE_HEADER) or "").strip()
        if not given:
            raise SignatureError(f"missing signature header {SIGNATURE_HEADER}")
        if not hmac.compare_digest(given.encode(), sign(request.body, self.secret).encode()):
            raise SignatureError(f"signature in {SIGNATURE_HEADER} does not match the body")
        delivery_id = headers.get(DELIVERY_HEADER) or hashlib.sha256(request.body).hexdigest()
        topic = headers.get(TOPIC_HEADER) or request.path or None
        return WebhookDelivery(delivery_id=delivery_id, topic=topic, payload=jsonutil.parse_body(request.body))

    def __repr__(self) -> str:
        return "ShopifyWebhook(secret=***)"
