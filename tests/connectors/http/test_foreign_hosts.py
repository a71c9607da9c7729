"""Credentials stay with their host: next-page links and redirects to another origin are refused.

Unit cases use ``responses`` (nothing reaches a network); one case runs over real sockets with
a second local server standing for the foreign host, and checks it never saw a request.
"""

from __future__ import annotations

import pytest
import requests
import responses
from flask import Flask, jsonify, request

from connectors.common.urls import checked_url, origin_of, path_segment
from connectors.http import HttpConnector
from connectors.http.auth import ApiKeyAuth, BearerAuth
from connectors.http.client import HttpClient
from connectors.http.pagination import LinkHeaderPaginator
from connectors.salesforce.auth import ClientCredentialsGrant, SalesforceAuth
from connectors.salesforce.client import SalesforceClient, classify as salesforce_classify
from connectors.sandbox import serve
from hub.connector import Cursor
from hub.errors import FatalError

BASE = "https://erp.example.com/api"
TOKEN = "erp-secret-token"
ROW = {"id": "1", "updated_at": "2024-05-01T00:00:00Z"}


def _erp() -> HttpConnector:
    return HttpConnector.from_config("erp", {
        "base_url": BASE, "auth": {"bearer": {"token": TOKEN}},
        "resources": {"customers": {"path": "/customers", "record_path": "data", "paginator": "link",
                                    "since_param": None}},
    })


def _page(mock: responses.RequestsMock, next_url: str | None) -> None:
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
    mock.get(f"{BASE}/customers", json={"data": [ROW]}, headers=headers)


@pytest.mark.parametrize("next_url", [
    "http://evil.example/steal",
    "https://evil.example/api/customers?page=2",
    "https://erp.example.com:8443/api/customers?page=2",
    "http://erp.example.com/api/customers?page=2",
    "https://erp.example.com@evil.example/api/customers",
    "//evil.example/api/customers",
    "https://erp.example.com.evil.example/api/customers",
    "ftp://erp.example.com/api/customers",
], ids=["other-host", "other-host-https", "other-port", "downgrade-to-http", "userinfo-trick",
        "protocol-relative", "suffix-host", "other-scheme"])
def test_link_header_to_another_origin_is_refused_before_sending(next_url):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        _page(mock, next_url)
        with pytest.raises(FatalError) as raised:
            list(_erp().poll("customers", Cursor(start=None)))
        assert [call.request.url for call in mock.calls] == [f"{BASE}/customers"]
    message = str(raised.value)
    assert message.startswith("erp/customers: the server sent the hub to ")
    assert "https://erp.example.com)" in message and "credentials stay with its own host" in message
    assert TOKEN not in message and "steal" not in message and "page=2" not in message


@pytest.mark.parametrize("next_url", [
    "/api/customers?page=2",
    "customers?page=2",
    "HTTPS://ERP.EXAMPLE.COM/api/customers?page=2",
], ids=["absolute-path", "relative", "case-differs"])
def test_link_header_on_the_same_origin_is_followed(next_url):
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        _page(mock, next_url)
        second = mock.get(f"{BASE}/customers?page=2", json={"data": [{**ROW, "id": "2"}]})
        records = list(_erp().poll("customers", Cursor(start=None)))
    assert [r.id for r in records] == ["1", "2"]
    assert second.call_count == 1
    assert second.calls[0].request.headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize("auth", [BearerAuth(TOKEN), ApiKeyAuth(TOKEN, header="X-Shopify-Access-Token"),
                                  ApiKeyAuth(TOKEN, query="api_key")], ids=["bearer", "api-key-header", "api-key-query"])
@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirect_to_another_host_is_not_followed(auth, status):
    client = HttpClient(BASE, auth=auth, connection="shop")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(f"{BASE}/graphql.json", status=status, headers={"Location": "https://evil.example/collect"})
        with pytest.raises(FatalError, match="^shop: the server sent the hub to https://evil.example, "):
            client.request("POST", "/graphql.json", json={"query": "{ shop { name } }"})
        assert len(mock.calls) == 1  # the redirect was read; its target never asked


def test_redirect_on_the_same_host_is_followed_with_credentials():
    client = HttpClient(BASE, auth=ApiKeyAuth(TOKEN, header="X-Shopify-Access-Token"), connection="shop")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.get(f"{BASE}/orders", status=301, headers={"Location": f"{BASE}/orders/"})
        target = mock.get(f"{BASE}/orders/", json={"ok": True})
        assert client.request("GET", "/orders") == {"ok": True}
    assert target.calls[0].request.headers["X-Shopify-Access-Token"] == TOKEN


def _salesforce() -> SalesforceClient:
    auth = SalesforceAuth(ClientCredentialsGrant("id", "secret"), "https://login.salesforce.com", timeout=5,
                          classify=lambda r: salesforce_classify(r, connection="crm", action="token"))
    return SalesforceClient(auth, api_version="60.0", connection="crm")


@pytest.mark.parametrize(("next_url", "allowed"), [
    ("https://evil.example/services/data/v60.0/query/01g-2000", False),
    ("https://login.salesforce.com/services/data/v60.0/query/01g-2000", False),
    ("/services/data/v60.0/query/01g-2000", True),
], ids=["other-host", "login-host-is-not-the-instance", "instance-relative"])
def test_salesforce_next_records_url_stays_on_the_instance(next_url, allowed):
    instance = "https://acme.my.salesforce.com"
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post("https://login.salesforce.com/services/oauth2/token",
                  json={"access_token": "T1", "instance_url": instance})
        mock.get(f"{instance}/services/data/v60.0/query",
                 json={"done": False, "nextRecordsUrl": next_url, "records": [{"Id": "001A"}]})
        if allowed:
            mock.get(f"{instance}/services/data/v60.0/query/01g-2000", json={"done": True, "records": [{"Id": "001B"}]})
            assert [r["Id"] for r in _salesforce().query("SELECT Id FROM Account")] == ["001A", "001B"]
        else:
            with pytest.raises(FatalError, match=r"^crm/query: the server sent the hub to https://(evil\.example|login\.salesforce\.com), "):
                list(_salesforce().query("SELECT Id FROM Account"))
            assert len(mock.calls) == 2  # token and first page only


def test_salesforce_token_request_does_not_follow_a_redirect():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post("https://login.salesforce.com/services/oauth2/token", status=307,
                  headers={"Location": "https://evil.example/token"})
        with pytest.raises(FatalError):
            list(_salesforce().query("SELECT Id FROM Account"))
        assert len(mock.calls) == 1  # the client secret went nowhere else


def _foreign_server(seen: list) -> Flask:
    app = Flask("foreign")

    @app.route("/<path:anything>")
    def collect(anything):
        seen.append({"path": anything, "authorization": request.headers.get("Authorization")})
        return jsonify(data=[])
    return app


def _erp_server(foreign_url: str) -> Flask:
    app = Flask("erp")

    @app.route("/api/customers")
    def customers():
        assert request.headers.get("Authorization") == f"Bearer {TOKEN}"
        answer = jsonify(data=[ROW])
        answer.headers["Link"] = f'<{foreign_url}/steal>; rel="next"'
        return answer
    return app


def test_a_foreign_next_link_never_reaches_the_foreign_server():
    seen: list = []
    with serve(_foreign_server(seen)) as foreign, serve(_erp_server(foreign.url)) as erp:
        connector = HttpConnector.from_config("erp", {
            "base_url": f"{erp.url}/api", "timeout": 5, "auth": {"bearer": {"token": TOKEN}},
            "resources": {"customers": {"path": "/customers", "record_path": "data", "paginator": "link"}},
        })
        with pytest.raises(FatalError, match="which is not this connection's address"):
            list(connector.poll("customers", Cursor(start=None)))
        assert requests.get(f"{foreign.url}/probe", timeout=5).ok  # the foreign server was up all along
    assert seen == [{"path": "probe", "authorization": None}]


def test_paginate_refuses_a_paginator_that_leaves_the_origin():
    class Wandering(LinkHeaderPaginator):
        def first(self, url, params):
            return super().first("https://evil.example/api/customers", params)

    client = HttpClient(BASE, auth=BearerAuth(TOKEN), connection="erp")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        with pytest.raises(FatalError, match="^erp/list: the server sent the hub to https://evil.example"):
            list(client.paginate("/customers", Wandering(), action="list"))
        assert len(mock.calls) == 0


@pytest.mark.parametrize(("url", "origin"), [
    ("https://Shop.Example.com/admin", ("https", "shop.example.com", 443)),
    ("https://erp.example.com:443/x", ("https", "erp.example.com", 443)),
    ("http://127.0.0.1:8069/jsonrpc", ("http", "127.0.0.1", 8069)),
    ("http://[::1]/x", ("http", "::1", 80)),
    ("http://host:notaport/", None),
    ("mailto:ar@example.com", None),
    ("/relative/only", None),
], ids=["default-port", "explicit-default-port", "explicit-port", "ipv6", "bad-port", "not-http", "relative"])
def test_origin_of(url, origin):
    assert origin_of(url) == origin


def test_checked_url_with_no_origin_allowed_refuses_everything():
    with pytest.raises(FatalError, match=r"\(none\)"):
        checked_url("https://erp.example.com/x", frozenset(), connection="erp")


@pytest.mark.parametrize(("value", "segment"), [
    ("SO-1", "SO-1"),
    ("a/b", "a%2Fb"),
    ("../admin", "..%2Fadmin"),
    ("%2e%2e", "%252e%252e"),
    ("?x=1", "%3Fx%3D1"),
    ("#frag", "%23frag"),
    ("ä b", "%C3%A4%20b"),
    (42, "42"),
], ids=["plain", "slash", "dot-dot-slash", "encoded-dots", "query", "fragment", "unicode-space", "number"])
def test_path_segment_encodes_one_segment(value, segment):
    assert path_segment(value, name="order id", connection="erp") == segment


@pytest.mark.parametrize(("value", "message"), [
    ("..", "erp/update: order id is '..', which cannot identify a record in a URL path"),
    (".", "erp/update: order id is '.', which cannot identify a record in a URL path"),
    ("", "erp/update: order id is empty, which cannot identify a record in a URL path"),
    ("  ", "erp/update: order id is empty, which cannot identify a record in a URL path"),
], ids=["dot-dot", "dot", "empty", "blank"])
def test_path_segment_refuses_dot_segments(value, message):
    with pytest.raises(FatalError) as raised:
        path_segment(value, name="order id", connection="erp", action="update")
    assert str(raised.value) == message
