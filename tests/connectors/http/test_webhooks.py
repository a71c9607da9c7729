"""Signed inbound webhooks: raw-body HMAC, constant-time compare, timestamps, ids and topics."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from connectors.http.webhooks import SignedWebhook
from hub.connector import InboundWebhook
from hub.errors import SignatureError

SECRET = "whsec_top_secret"
BODY = b'{"number": "SO-1", "total": 10.50}'
NOW = 1_700_000_000.0


def _inbound(headers: dict, body: bytes = BODY, path: str = "") -> InboundWebhook:
    return InboundWebhook(connection="shop", path=path, headers=headers, body=body)


def _hex(body: bytes = BODY, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_good_hex_signature():
    delivery = SignedWebhook(secret=SECRET).verify(_inbound({"X-Signature-SHA256": _hex(), "X-Delivery-Id": "d-1"}))
    assert delivery.delivery_id == "d-1"
    assert str(delivery.payload["total"]) == "10.50"


def test_header_names_are_case_insensitive():
    SignedWebhook(secret=SECRET).verify(_inbound({"x-signature-sha256": _hex()}))


def test_base64_with_prefix():
    digest = base64.b64encode(hmac.new(SECRET.encode(), BODY, hashlib.sha256).digest()).decode()
    check = SignedWebhook(secret=SECRET, signature_header="X-Sig", encoding="base64", prefix="sha256=")
    check.verify(_inbound({"X-Sig": "sha256=" + digest}))


def test_prefix_required_when_configured():
    check = SignedWebhook(secret=SECRET, prefix="sha256=")
    with pytest.raises(SignatureError):
        check.verify(_inbound({"X-Signature-SHA256": _hex()}))


@pytest.mark.parametrize(
    ("headers", "body", "reason"),
    [({}, BODY, "missing signature header X-Signature-SHA256"),
     ({"X-Signature-SHA256": _hex(secret="other")}, BODY, "signature in X-Signature-SHA256 does not match the body"),
     ({"X-Signature-SHA256": _hex()}, BODY + b" ", "signature in X-Signature-SHA256 does not match the body"),
     ({"X-Signature-SHA256": "zz€"}, BODY, "signature in X-Signature-SHA256 does not match the body")],
    ids=["missing", "bad", "tampered-body", "not-hex"],
)
def test_rejected(headers, body, reason):
    with pytest.raises(SignatureError) as caught:
        SignedWebhook(secret=SECRET).verify(_inbound(headers, body))
    assert str(caught.value) == reason
    assert SECRET not in str(caught.value) and _hex() not in str(caught.value)


def _stamped(timestamp: str) -> dict:
    signature = hmac.new(SECRET.encode(), timestamp.encode() + b"." + BODY, hashlib.sha256).hexdigest()
    return {"X-Signature-SHA256": signature, "X-Timestamp": timestamp}


def test_fresh_timestamp_accepted():
    check = SignedWebhook(secret=SECRET, timestamp_header="X-Timestamp", clock=lambda: NOW)
    check.verify(_inbound(_stamped(str(int(NOW) - 100))))


@pytest.mark.parametrize(
    ("headers", "reason"),
    [(_stamped(str(int(NOW) - 301)), "timestamp is 301s away from now (tolerance 300s)"),
     (_stamped(str(int(NOW) + 900)), "timestamp is 900s away from now (tolerance 300s)"),
     ({"X-Signature-SHA256": _hex()}, "missing timestamp header X-Timestamp"),
     (_stamped("yesterday"), "timestamp header X-Timestamp is not epoch seconds")],
    ids=["stale", "future", "missing", "garbage"],
)
def test_timestamp_rejected(headers, reason):
    check = SignedWebhook(secret=SECRET, timestamp_header="X-Timestamp", clock=lambda: NOW)
    with pytest.raises(SignatureError) as caught:
        check.verify(_inbound(headers))
    assert str(caught.value) == reason


def test_timestamp_is_signed():
    headers = _stamped(str(int(NOW)))
    headers["X-Timestamp"] = str(int(NOW) - 1)  # replaying with a fresh-looking stamp must fail
    check = SignedWebhook(secret=SECRET, timestamp_header="X-Timestamp", clock=lambda: NOW)
    with pytest.raises(SignatureError):
        check.verify(_inbound(headers))


def test_delivery_id_falls_back_to_body_hash_and_topic_to_path():
    delivery = SignedWebhook(secret=SECRET).verify(_inbound({"X-Signature-SHA256": _hex()}, path="orders/create"))
    assert delivery.delivery_id == hashlib.sha256(BODY).hexdigest()
    assert delivery.topic == "orders/create"


def test_topic_header_wins():
    check = SignedWebhook(secret=SECRET, topic_header="X-Event")
    delivery = check.verify(_inbound({"X-Signature-SHA256": _hex(), "X-Event": "order.paid"}, path="x"))
    assert delivery.topic == "order.paid"


def test_from_config_ignores_unknown_keys_and_sign_roundtrip():
    check = SignedWebhook.from_config({"secret": SECRET, "encoding": "base64", "prefix": "v1=", "extra": 1})
    check.verify(_inbound({"X-Signature-SHA256": check.sign(BODY)}))
