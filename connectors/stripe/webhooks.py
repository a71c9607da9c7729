"""Stripe webhook verification: the ``Stripe-Signature`` header.

What Stripe sends::

    Stripe-Signature: t=1492774577,v1=5257a869...,v1=<second while a secret rolls>,v0=<ignored>
    v1 = hex(HMAC_SHA256(endpoint secret "whsec_...", f"{t}.{raw body}"))

A delivery verifies when ANY v1 matches (compared in constant time) and ``t`` is within the
tolerance (300 s) of now. The delivery id is the event id (``evt_...``: Stripe retries keep it),
the topic is the event type. Failures raise SignatureError that never shows the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from requests.structures import CaseInsensitiveDict

from hub import jsonutil
from hub.connector import InboundWebhook, WebhookDelivery
from hub.errors import SignatureError

SIGNATURE_HEADER = "Stripe-Signature"
DEFAULT_TOLERANCE = 300.0


def compute_signature(body: bytes, secret: str, timestamp: int) -> str:
    """The hex v1 signature of ``body`` signed at ``timestamp``."""
    message = str(int(timestamp)).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """A full Stripe-Signature header value (what the sandbox sends)."""
    stamp = int(time.time() if timestamp is None else timestamp)
    return f"t={stamp},v1={compute_signature(body, secret, stamp)}"


def parse_header(value: str) -> tuple[int, list[str]]:
    """(timestamp, v1 signatures) of a Stripe-Signature value; SignatureError when malformed."""
    pairs = [item.split("=", 1) for item in value.split(",") if "=" in item]
    stamps = [v.strip() for k, v in pairs if k.strip() == "t"]
    signatures = [v.strip() for k, v in pairs if k.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].isdigit():
        raise SignatureError(f"{SIGNATURE_HEADER} has no valid timestamp")
    if not signatures:
        raise SignatureError(f"{SIGNATURE_HEADER} has no v1 signature")
    return int(stamps[0]), signatures


@dataclass(frozen=True, slots=True)
class StripeWebhook:
    """Verifies events sent to one endpoint (one signing secret)."""

    secret: str
    tolerance: float = DEFAULT_TOLERANCE
    clock: Callable[[], float] = time.time

    def verify(self, request: InboundWebhook) -> WebhookDelivery:
        """Check the signature and its age; return the event as a delivery."""
        header = CaseInsensitiveDict(request.headers).get(SIGNATURE_HEADER)
        if not header:
            raise SignatureError(f"missing signature header {SIGNATURE_HEADER}")
        timestamp, signatures = parse_header(header)
        expected = compute_signature(request.body, self.secret, timestamp).encode()
        if not any(hmac.compare_digest(expected, s.encode()) for s in signatures):
            raise SignatureError(f"no v1 signature in {SIGNATURE_HEADER} matches the body")
        age = abs(self.clock() - timestamp)
        if age > self.tolerance:
            raise SignatureError(f"timestamp is {age:.0f}s away from now (tolerance {self.tolerance:.0f}s)")
        return _delivery_of(request.body)

    def __repr__(self) -> str:
        return f"StripeWebhook(secret=***, tolerance={self.tolerance})"


def _delivery_of(body: bytes) -> WebhookDelivery:
    event: Any = jsonutil.parse_body(body)
    if not isinstance(event, dict) or not event.get("id"):
        raise SignatureError("a signed Stripe webhook must carry an event with an id")
    return WebhookDelivery(delivery_id=str(event["id"]), topic=event.get("type"), payload=event)
