"""HttpClient: exact JSON both ways, timeouts, idempotency keys, errors classified."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests
import responses
from responses import matchers

from connectors.http.auth import BearerAuth
from connectors.http.client import HttpClient
from hub.errors import FatalError, RetriableError

BASE = "https://erp.example.com/api"


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def test_decimal_exact_both_ways(mock):
    mock.post(f"{BASE}/orders", body='{"id": 7, "total": 0.10}', status=201,
              match=[matchers.body_matcher('{"total":12.30}')])
    with HttpClient(BASE) as client:
        answer = client.request("POST", "/orders", json={"total": Decimal("12.30")})
    assert answer == {"id": 7, "total": Decimal("0.10")}


def test_idempotency_key_and_auth_headers(mock):
    mock.put(f"{BASE}/orders/1", json={}, match=[matchers.header_matcher(
        {"Idempotency-Key": "run-1-step-a", "Authorization": "Bearer t", "X-Tenant": "eu"})])
    with HttpClient(BASE, auth=BearerAuth("t"), default_headers={"X-Tenant": "eu"}) as client:
        client.request("PUT", "orders/1", json={}, idempotency_key="run-1-step-a")


def test_no_idempotency_key_on_get(mock):
    mock.get(f"{BASE}/orders", json=[])
    with HttpClient(BASE) as client:
        client.request("GET", "/orders", idempotency_key="k")
    assert "Idempotency-Key" not in mock.calls[0].request.headers


def test_every_request_has_a_timeout(mock, monkeypatch):
    seen = []
    original = requests.Session.request
    monkeypatch.setattr(requests.Session, "request", lambda self, *a, **kw: seen.append(kw["timeout"]) or original(self, *a, **kw))
    mock.get(f"{BASE}/x", json={})
    with HttpClient(BASE, timeout=(2, 9)) as client:
        client.request("GET", "/x")
    assert seen == [(2, 9)]


def test_status_classified(mock):
    mock.post(f"{BASE}/orders", status=503, headers={"Retry-After": "4"}, body="down")
    with HttpClient(BASE, connection="erp") as client, pytest.raises(RetriableError) as caught:
        client.request("POST", "/orders", json={}, action="create")
    assert (caught.value.retry_after, caught.value.connection, caught.value.action) == (4.0, "erp", "create")


def test_network_error_is_retriable(mock):
    mock.get(f"{BASE}/x", body=requests.ConnectionError("refused"))
    with HttpClient(BASE) as client, pytest.raises(RetriableError, match="connection failed"):
        client.request("GET", "/x")


def test_non_json_2xx_is_fatal(mock):
    mock.get(f"{BASE}/x", body="<html>", status=200)
    with HttpClient(BASE) as client, pytest.raises(FatalError, match="response is not JSON"):
        client.request("GET", "/x")


def test_empty_body_is_none(mock):
    mock.delete(f"{BASE}/x", status=204)
    with HttpClient(BASE) as client:
        assert client.request("DELETE", "/x") is None


def test_a_vendor_client_maps_its_errors_through_the_status_hook_alone(mock):
    """A vendor's rules come in as one hook; sending, bodies and network errors stay the toolkit's."""
    def vendor_rules(response, *, connection, action):
        if response.status_code == 409:
            raise RetriableError("the vendor is busy with this record", connection=connection, action=action)

    class VendorClient(HttpClient):
        classify = staticmethod(vendor_rules)

    mock.post(f"{BASE}/orders", status=409, json={"error": "locked"})
    mock.post(f"{BASE}/orders", status=201, json={"id": 1, "total": 1.5},
              match=[matchers.body_matcher('{"total":1.50}')])
    with VendorClient(BASE, connection="erp") as client:
        with pytest.raises(RetriableError, match="busy"):
            client.request("POST", "/orders", json={"total": Decimal("1.50")})
        assert client.request("POST", "/orders", json={"total": Decimal("1.50")}) == {"id": 1, "total": Decimal("1.5")}
    with HttpClient(BASE) as plain:  # the default hook still classifies a 409 its own way
        mock.post(f"{BASE}/orders", status=409, json={})
        with pytest.raises((FatalError, RetriableError)):
            plain.request("POST", "/orders", json={})


def test_vendor_clients_do_not_copy_send():
    """Stripe, HubSpot and Salesforce set the status hook; only Salesforce adds a token refresh."""
    from connectors.hubspot.client import HubSpotClient
    from connectors.salesforce.client import SalesforceClient
    from connectors.stripe.client import StripeClient
    for vendor in (StripeClient, HubSpotClient):
        assert "send" not in vendor.__dict__ and "classify" in vendor.__dict__
    assert "transmit" not in SalesforceClient.__dict__
