"""Auth strategies sign the prepared request; auth_from_config picks one by its single key."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest
import requests
import responses

from connectors.http.auth import ApiKeyAuth, BasicAuth, BearerAuth, HmacAuth, auth_from_config
from hub.errors import ConfigError

URL = "https://erp.example.com/api/orders"


def _sent(auth, body: bytes | None = None) -> requests.PreparedRequest:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(URL, json={})
        requests.post(URL, data=body, auth=auth, timeout=5)
        return mock.calls[0].request


def test_bearer():
    assert _sent(BearerAuth("tok")).headers["Authorization"] == "Bearer tok"


def test_basic():
    expected = "Basic " + base64.b64encode(b"api:pw").decode()
    assert _sent(BasicAuth("api", "pw")).headers["Authorization"] == expected


def test_api_key_header():
    assert _sent(ApiKeyAuth("k1", header="X-Api-Key")).headers["X-Api-Key"] == "k1"


def test_api_key_query():
    assert _sent(ApiKeyAuth("k 1", query="api_key")).url == URL + "?api_key=k+1"


def test_api_key_needs_exactly_one_place():
    with pytest.raises(ValueError):
        ApiKeyAuth("k")


def test_hmac_signs_body_hex():
    body = b'{"amount":12.30}'
    sent = _sent(HmacAuth("shh", header="X-Sig", prefix="sha256="), body)
    assert sent.headers["X-Sig"] == "sha256=" + hmac.new(b"shh", body, hashlib.sha256).hexdigest()


def test_hmac_with_timestamp_base64():
    body = b"{}"
    sent = _sent(HmacAuth("shh", encoding="base64", timestamp_header="X-Ts", clock=lambda: 1700000000.9), body)
    digest = hmac.new(b"shh", b"1700000000." + body, hashlib.sha256).digest()
    assert sent.headers["X-Ts"] == "1700000000"
    assert sent.headers["X-Signature-SHA256"] == base64.b64encode(digest).decode()


@pytest.mark.parametrize(
    ("config", "kind"),
    [({"bearer": {"token": "t"}}, BearerAuth), ({"basic": {"username": "u", "password": "p"}}, BasicAuth),
     ({"api_key": {"header": "X-Key", "value": "v"}}, ApiKeyAuth), ({"hmac": {"secret": "s"}}, HmacAuth)],
    ids=["bearer", "basic", "api_key", "hmac"],
)
def test_auth_from_config(config, kind):
    assert type(auth_from_config(config)) is kind


def test_no_auth():
    assert auth_from_config(None) is None and auth_from_config({}) is None


@pytest.mark.parametrize(
    ("config", "message"),
    [({"oauth": {}}, "unknown auth 'oauth' (known: bearer, basic, api_key, hmac)"),
     ({"bearer": {"token": "t"}, "basic": {}}, "auth takes exactly one of bearer, basic, api_key, hmac; got ['basic', 'bearer']"),
     ({"bearer": {}}, "auth bearer: missing or invalid option 'token'")],
    ids=["unknown", "two", "missing-option"],
)
def test_auth_config_errors(config, message):
    with pytest.raises(ConfigError) as caught:
        auth_from_config(config)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    "auth",
    [BearerAuth("sekrit"), BasicAuth("u", "sekrit"), ApiKeyAuth("sekrit", header="X"), HmacAuth("sekrit")],
    ids=["bearer", "basic", "api_key", "hmac"],
)
def test_repr_hides_secret(auth):
    assert "sekrit" not in repr(auth)
