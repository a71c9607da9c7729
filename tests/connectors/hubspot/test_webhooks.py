"""HubSpot signature-v3 webhooks: good, bad, stale; the URL HubSpot signed; delivery ids and topics."""

from __future__ import annotations

import time

import pytest
import requests
from flask import Flask, request

from connectors.hubspot import HubSpotConnector
from connectors.hubspot.sandbox import create_app, deliver
from connectors.hubspot.webhooks import HubSpotSignatureV3, delivery_of, sign
from connectors.sandbox import serve
from hub import jsonutil
from hub.connector import InboundWebhook
from hub.errors import SignatureError

SECRET = "app-secret"
NOW = 1_714_555_800.0
EVENTS = [{"eventId": 100, "subscriptionId": 7, "portalId": 62515, "appId": 54321, "occurredAt": 1714555790000,
           "subscriptionType": "contact.propertyChange", "attemptNumber": 0, "objectId": 501,
           "propertyName": "email", "propertyValue": "new@x.example", "changeSource": "CRM"}]
BODY = jsonutil.dumps(EVENTS).encode()
URL = "https://hub.example.com/webhooks/crm"


def _inbound(signature: str | None, timestamp: str | None, body: bytes = BODY, **headers: str) -> InboundWebhook:
    given = {"Host": "hub.example.com", **headers}
    if signature is not None:
        given["X-HubSpot-Signature-v3"] = signature
    if timestamp is not None:
        given["X-HubSpot-Request-Timestamp"] = timestamp
    return InboundWebhook(connection="crm", path="", headers=given, body=body)


def _check(**options) -> HubSpotSignatureV3:
    return HubSpotSignatureV3(secret=SECRET, clock=lambda: NOW, **options)


def _stamp(offset: float = 0) -> str:
    return str(int((NOW + offset) * 1000))


def test_a_good_signature_gives_the_delivery():
    delivery = _check().verify(_inbound(sign(SECRET, "POST", URL, BODY, _stamp()), _stamp()))
    assert delivery.topic == "contact.propertyChange"
    assert delivery.payload == EVENTS
    assert delivery.delivery_id.startswith("hubspot:")


def test_the_configured_url_is_what_is_signed():
    url = "https://public.example.com/prefix/webhooks/crm?portal=1"
    signature = sign(SECRET, "POST", url, BODY, _stamp())
    assert _check(url=url).verify(_inbound(signature, _stamp())).topic == "contact.propertyChange"
    with pytest.raises(SignatureError):
        _check().verify(_inbound(signature, _stamp()))


def test_forwarded_proto_and_host_rebuild_the_url():
    signature = sign(SECRET, "POST", "http://public.example.com/webhooks/crm", BODY, _stamp())
    inbound = _inbound(signature, _stamp(), **{"X-Forwarded-Proto": "http", "X-Forwarded-Host": "public.example.com"})
    assert _check().verify(inbound).payload == EVENTS


def test_percent_encoded_characters_are_decoded_before_signing():
    assert sign(SECRET, "POST", "https://h.example/webhooks/crm%3Fa%3D1", BODY, "1") == \
        sign(SECRET, "POST", "https://h.example/webhooks/crm?a%3D1", BODY, "1")


@pytest.mark.parametrize(("signature", "timestamp", "body", "message"), [
    (sign("other-secret", "POST", URL, BODY, _stamp()), _stamp(), BODY, "does not match"),
    (sign(SECRET, "POST", URL, BODY, _stamp()), _stamp(), BODY.replace(b"new@", b"evil@"), "does not match"),
    (sign(SECRET, "POST", URL, BODY, _stamp(-301)), _stamp(-301), BODY, "timestamp is 301s away from now"),
    (sign(SECRET, "POST", URL, BODY, _stamp(+400)), _stamp(+400), BODY, "timestamp is 400s away from now"),
    (None, _stamp(), BODY, "missing signature header X-HubSpot-Signature-v3"),
    (sign(SECRET, "POST", URL, BODY, _stamp()), None, BODY, "missing timestamp header X-HubSpot-Request-Timestamp"),
    ("abc", "yesterday", BODY, "is not epoch milliseconds"),
], ids=["wrong-secret", "tampered-body", "stale", "future", "no-signature", "no-timestamp", "bad-timestamp"])
def test_bad_and_stale_requests_are_refused(signature, timestamp, body, message):
    with pytest.raises(SignatureError, match=message) as raised:
        _check().verify(_inbound(signature, timestamp, body))
    assert SECRET not in str(raised.value)


def test_retries_of_a_batch_share_the_delivery_id():
    retry = [{**EVENTS[0], "attemptNumber": 1}]
    assert delivery_of(jsonutil.dumps(retry).encode()).delivery_id == delivery_of(BODY).delivery_id


def test_mixed_batches_have_the_topic_mixed():
    mixed = [EVENTS[0], {**EVENTS[0], "eventId": 101, "subscriptionType": "company.creation"}]
    assert delivery_of(jsonutil.dumps(mixed).encode()).topic == "mixed"


def test_the_connector_accepts_webhooks_only_when_configured():
    plain = HubSpotConnector.from_config("crm", {"access_token": "pat"})
    hooked = HubSpotConnector.from_config("crm", {"access_token": "pat", "webhook": {"secret": SECRET}})
    assert (plain.accepts_webhooks(), hooked.accepts_webhooks()) == (False, True)
    plain.close()
    hooked.close()


def test_a_request_signed_by_the_sandbox_verifies_over_a_real_socket():
    """The sandbox posts like HubSpot; a receiver hands the request to the connector as the hub would."""
    connection = HubSpotConnector.from_config("crm", {"access_token": "pat", "webhook": {"secret": SECRET}})
    outcomes: list = []
    receiver = Flask(__name__)

    @receiver.post("/webhooks/<name>", defaults={"subpath": ""})
    @receiver.post("/webhooks/<name>/<path:subpath>")
    def receive(name: str, subpath: str):
        # Plain http on loopback: say so, as a TLS-terminating proxy would with https.
        headers = {**request.headers, "X-Forwarded-Proto": "http"}
        inbound = InboundWebhook(connection=name, path=subpath, headers=headers, body=request.get_data())
        try:
            outcomes.append(connection.verify_webhook(inbound))
        except SignatureError as error:
            outcomes.append(error)
        return "", 204

    hubspot = create_app(app_secret=SECRET)
    with serve(receiver) as server, serve(hubspot) as sandbox:
        deliver(f"{server.url}/webhooks/crm/contacts", EVENTS, SECRET)
        deliver(f"{server.url}/webhooks/crm", EVENTS, "wrong-secret")
        deliver(f"{server.url}/webhooks/crm", EVENTS, SECRET, timestamp=str(int((time.time() - 600) * 1000)))
        answer = requests.post(f"{sandbox.url}/_sandbox/webhooks", json={"url": f"{server.url}/webhooks/crm",
                                                                         "events": EVENTS}, timeout=10)
        assert answer.json()["status"] == 204
    connection.close()
    assert outcomes[0].payload == EVENTS and outcomes[0].topic == "contact.propertyChange"
    assert isinstance(outcomes[1], SignatureError) and "does not match" in str(outcomes[1])
    assert isinstance(outcomes[2], SignatureError) and "away from now" in str(outcomes[2])
    assert outcomes[3].payload == EVENTS
