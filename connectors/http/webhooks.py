"""Generic signed webhooks: HMAC-SHA256 over the raw body, checked in constant time.

What the sender computes (``secret`` shared out of band)::

    message   = body                           # or  f"{timestamp}.".encode() + body
    signature = prefix + hex|base64(HMAC_SHA256(secret, message))
    headers   = {signature_header: signature, timestamp_header: timestamp (epoch seconds)}

``HmacAuth`` in connectors.http.auth produces exactly this, so two hubs can talk to each other.
Failures raise SignatureError with a reason that names the header, never the secret or the
expected signature.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from requests.structures import CaseInsensitiveDict

from connectors.http.auth import ENCODINGS
from hub import jsonutil
from hub.connector import InboundWebhook, WebhookDelivery
from hub.errors import SignatureError


@dataclass(frozen=True, slots=True, kw_only=True)
class SignedWebhook:
    """How one connection's inbound webhooks are signed and identified."""

    secret: str
    signature_header: str = "X-Signature-SHA256"
    encoding: str = "hex"
    prefix: str = ""
    delivery_id_header: str = "X-Delivery-Id"
    topic_header: str | None = None
    timestamp_header: str | None = None
    tolerance: float = 300.0  # seconds either side of now
    clock: Callable[[], float] = time.time

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> SignedWebhook:
        """Build from the ``webhook:`` mapping of a connection config."""
        fields = set(cls.__dataclass_fields__) - {"clock"}
        return cls(**{k: v for k, v in config.items() if k in fields})

    def verify(self, request: InboundWebhook) -> WebhookDelivery:
        """Check the signature (and timestamp); return the delivery or raise SignatureError."""
        headers = CaseInsensitiveDict(request.headers)
        timestamp = self._checked_timestamp(headers)
        self._check_signature(headers.get(self.signature_header), request.body, timestamp)
        return WebhookDelivery(
            delivery_id=headers.get(self.delivery_id_header) or hashlib.sha256(request.body).hexdigest(),
            topic=(headers.get(self.topic_header) if self.topic_header else None) or request.path or None,
            payload=_payload_of(request.body),
        )

    def sign(self, body: bytes, timestamp: str | None = None) -> str:
        """The signature header value for ``body`` (used by the check and by test senders)."""
        message = body if timestamp is None else timestamp.encode() + b"." + body
        digest = hmac.new(self.secret.encode(), message, hashlib.sha256).digest()
        return self.prefix + ENCODINGS[self.encoding](digest)

    def _checked_timestamp(self, headers: Mapping[str, str]) -> str | None:
        if not self.timestamp_header:
            return None
        value = headers.get(self.timestamp_header)
        if not value:
            raise SignatureError(f"missing timestamp header {self.timestamp_header}")
        try:
            age = abs(self.clock() - float(value))
        except ValueError:
            raise SignatureError(f"timestamp header {self.timestamp_header} is not epoch seconds") from None
        if age > self.tolerance:
            raise SignatureError(f"timestamp is {age:.0f}s away from now (tolerance {self.tolerance:.0f}s)")
        return value

    def _check_signature(self, given: str | None, body: bytes, timestamp: str | None) -> None:
        if not given:
            raise SignatureError(f"missing signature header {self.signature_header}")
        if not hmac.compare_digest(given.strip().encode(), self.sign(body, timestamp).encode()):
            raise SignatureError(f"signature in {self.signature_header} does not match the body")


def _payload_of(body: bytes) -> Any:
    """JSON bodies parse (Decimal-exact); anything else is handed on as text."""
    try:
        return jsonutil.loads(body) if body.strip() else None
    except ValueError:
        return body.decode("utf-8", errors="replace")
