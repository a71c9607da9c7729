"""Stripe-Signature verification, and interoperation with the official stripe package."""

from __future__ import annotations

import time

import pytest
import requests
from flask import Flask, request

from connectors.sandbox import serve
from connectors.stripe import StripeConnector
from connectors.stripe.sandbox import create_app
from connectors.stripe.webhooks import StripeWebhook, compute_signature, signature_header
from hub.connector import InboundWebhook
from hub.errors import SignatureError

stripe = pytest.importorskip("stripe", reason="the official stripe package (a test dependency) is not installed")

SECRET = "whsec_test_secret"
BODY = b'{"id":"evt_1PgafyB7WZ01zgkW","object":"event","type":"payment_intent.succeeded","data":{"object":{"id":"pi_1","object":"payment_intent","amount":1099,"currency":"usd"}}}'
NOW = 1_700_000_000


def inbound(body: bytes, header: str | None) -> InboundWebhook:
    headers = {"Stripe-Signature": header} if header is not None else {}
    return InboundWebhook(connection="stripe", path="", headers=headers, body=body)


@pytest.fixture
def verifier() -> StripeWebhook:
    return StripeWebhook(SECRET, clock=lambda: NOW)


def test_good_signature_gives_event_id_and_type(verifier):
    delivery = verifier.verify(inbound(BODY, signature_header(BODY, SECRET, NOW)))
    assert (delivery.delivery_id, delivery.topic) == ("evt_1PgafyB7WZ01zgkW", "payment_intent.succeeded")
    assert delivery.payload["data"]["object"]["amount"] == 1099


def test_any_of_several_v1_signatures_may_match(verifier):
    header = f"t={NOW},v1={compute_signature(BODY, 'whsec_old', NOW)},v1={compute_signature(BODY, SECRET, NOW)},v0=abc"
    assert verifier.verify(inbound(BODY, header)).delivery_id == "evt_1PgafyB7WZ01zgkW"


@pytest.mark.parametrize(("body", "header", "message"), [
    (BODY, None, "missing signature header Stripe-Signature"),
    (BODY, signature_header(BODY, "whsec_wrong", NOW), "no v1 signature in Stripe-Signature matches the body"),
    (BODY.replace(b"1099", b"1"), signature_header(BODY, SECRET, NOW), "no v1 signature in Stripe-Signature matches the body"),
    (BODY, signature_header(BODY, SECRET, NOW - 301), "timestamp is 301s away from now (tolerance 300s)"),
    (BODY, f"t={NOW + 1},v1={compute_signature(BODY, SECRET, NOW)}", "no v1 signature in Stripe-Signature matches the body"),
    (BODY, f"t={NOW},v0={compute_signature(BODY, SECRET, NOW)}", "Stripe-Signature has no v1 signature"),
    (BODY, f"v1={compute_signature(BODY, SECRET, NOW)}", "Stripe-Signature has no valid timestamp"),
], ids=["missing", "wrong-secret", "tampered-body", "stale", "timestamp-swapped", "only-v0", "no-timestamp"])
def test_bad_signatures_are_refused(verifier, body, header, message):
    with pytest.raises(SignatureError) as caught:
        verifier.verify(inbound(body, header))
    assert str(caught.value) == message
    assert SECRET not in str(caught.value)


def test_within_tolerance_is_accepted(verifier):
    assert verifier.verify(inbound(BODY, signature_header(BODY, SECRET, NOW - 299))).topic == "payment_intent.succeeded"


def test_header_made_by_the_stripe_package_verifies_here():
    header = stripe.WebhookSignature.generate_signature_header(BODY.decode(), SECRET)
    connection = StripeConnector.from_config("stripe", {"api_key": "sk_test_x", "webhook_secret": SECRET})
    assert connection.verify_webhook(inbound(BODY, header)).delivery_id == "evt_1PgafyB7WZ01zgkW"


def test_header_made_the_way_stripe_pythons_tests_do_verifies_here():
    timestamp = int(time.time())
    signature = stripe.WebhookSignature._compute_signature(f"{timestamp}.{BODY.decode()}", SECRET)
    assert StripeWebhook(SECRET).verify(inbound(BODY, f"t={timestamp},v1={signature}")).topic == "payment_intent.succeeded"


def test_sandbox_deliveries_verify_with_the_stripe_package_and_here():
    app = create_app(api_key="sk_test_x", webhook_secret=SECRET)
    connection = StripeConnector.from_config("stripe", {"api_key": "sk_test_x", "webhook_secret": SECRET})
    received = []
    receiver = Flask("receiver")

    @receiver.post("/webhooks/stripe")
    def hook():
        raw, header = request.get_data(), request.headers["Stripe-Signature"]
        official = stripe.Webhook.construct_event(raw, header, SECRET, tolerance=300)
        ours = connection.verify_webhook(InboundWebhook(connection="stripe", path="", headers=dict(request.headers), body=raw))
        received.append((official["id"], official["type"], ours.delivery_id, ours.topic))
        return "", 200

    with serve(app) as sandbox, serve(receiver) as sink:
        answer = requests.post(f"{sandbox.url}/_sandbox/webhooks", timeout=10, json={
            "url": f"{sink.url}/webhooks/stripe", "type": "charge.succeeded",
            "object": {"id": "ch_1", "object": "charge", "amount": 500, "currency": "jpy", "created": NOW}})
    assert answer.json()["status"] == 200
    event_id = answer.json()["event"]
    assert received == [(event_id, "charge.succeeded", event_id, "charge.succeeded")]
