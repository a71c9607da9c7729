"""HubSpot webhook verification, signature v3.

What HubSpot sends (``secret`` is the app's client secret)::

    X-HubSpot-Request-Timestamp: <epoch milliseconds>
    X-HubSpot-Signature-v3:      base64(HMAC_SHA256(secret, method + uri + body + timestamp))

``uri`` is the full URL HubSpot called (scheme, host, path and query), with a few
percent-encoded characters decoded. The hub only sees the path after ``/webhooks/<connection>/``,
so the URL is taken from the connection's ``webhook.url`` when configured (set it to exactly the
target URL entered in HubSpot, which is the only way to be right behind proxies that rewrite
paths or when the URL has a query string), else rebuilt as
``<X-Forwarded-Proto or https>://<Host>/webhooks/<connection>[/<path>]``.
Requests older (or newer) than five minutes are refused, so a captured request cannot be replayed.

A delivery is a JSON list of events. Its id (for dedupe) is derived from the sorted event ids,
so HubSpot's retries of the same batch (attemptNumber > 0) are recognised; its topic is the
events' common ``subscriptionType`` (``contact.propertyChange``…), or ``mixed``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from requests.structures import CaseInsensitiveDict

from hub import jsonutil
from hub.connector import InboundWebhook, WebhookDelivery
from hub.errors import SignatureError

SIGNATURE_HEADER = "X-HubSpot-Signature-v3"
TIMESTAMP_HEADER = "X-HubSpot-Request-Timestamp"
_DECODED = {"%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$", "%27": "'",
            "%28": "(", "%29": ")", "%2A": "*", "%2C": ",", "%3B": ";"}


def sign(secret: str, method: str, uri: str, body: bytes, timestamp: str) -> str:
    """The X-HubSpot-Signature-v3 value HubSpot computes (used by the check and the sandbox)."""
    message = method.upper().encode() + _decoded(uri).encode() + body + timestamp.encode()
    return base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest()).decode()


def _decoded(uri: str) -> str:
    for encoded, char in _DECODED.items():
        uri = uri.replace(encoded, char).replace(encoded.lower(), char)
    return uri


@dataclass(frozen=True, slots=True, kw_only=True)
class HubSpotSignatureV3:
    """How one connection checks HubSpot's webhook requests."""

    secret: str
    url: str | None = None  # the exact target URL configured in HubSpot
    tolerance: float = 300.0  # seconds
    clock: Callable[[], float] = time.time

    def verify(self, request: InboundWebhook) -> WebhookDelivery:
        """Check timestamp and signature; return the delivery or raise SignatureError."""
        headers = CaseInsensitiveDict(request.headers)
        timestamp = self._checked_timestamp(headers.get(TIMESTAMP_HEADER))
        given = headers.get(SIGNATURE_HEADER)
        if not given:
            raise SignatureError(f"missing signature header {SIGNATURE_HEADER}")
        expected = sign(self.secret, "POST", self.uri_of(request, headers), request.body, timestamp)
        if not hmac.compare_digest(given.strip().encode(), expected.encode()):
            raise SignatureError(f"signature in {SIGNATURE_HEADER} does not match the request")
        return delivery_of(request.body)

    def uri_of(self, request: InboundWebhook, headers: Mapping[str, str]) -> str:
        """The URL HubSpot signed: configured, else rebuilt from the Host header and the path."""
        if self.url:
            return self.url
        scheme = (headers.get("X-Forwarded-Proto") or "https").split(",")[0].strip()
        host = (headers.get("X-Forwarded-Host") or headers.get("Host") or "").split(",")[0].strip()
        tail = f"/{request.path}" if request.path else ""
        return f"{scheme}://{host}/webhooks/{request.connection}{tail}"

    def _checked_timestamp(self, value: str | None) -> str:
        if not value:
            raise SignatureError(f"missing timestamp header {TIMESTAMP_HEADER}")
        try:
            age = abs(self.clock() - int(value) / 1000)
        except ValueError:
            raise SignatureError(f"timestamp header {TIMESTAMP_HEADER} is not epoch milliseconds") from None
        if age > self.tolerance:
            raise SignatureError(f"timestamp is {age:.0f}s away from now (tolerance {self.tolerance:.0f}s)")
        return value


def delivery_of(body: bytes) -> WebhookDelivery:
    """The delivery of a verified body: id from its event ids, topic from their subscription type."""
    try:
        events = jsonutil.loads(body) if body.strip() else []
    except ValueError:
        events = body.decode("utf-8", errors="replace")
    listed = events if isinstance(events, list) else []
    ids = sorted(str(e["eventId"]) for e in listed if isinstance(e, Mapping) and "eventId" in e)
    digest = hashlib.sha256(",".join(ids).encode() if ids else body).hexdigest()
    kinds = {e.get("subscriptionType") for e in listed if isinstance(e, Mapping)}
    topic = (kinds.pop() if len(kinds) == 1 else "mixed") if kinds else None
    return WebhookDelivery(delivery_id=f"hubspot:{digest}", topic=topic, payload=events)
