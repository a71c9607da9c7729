"""Every paginator walks all pages and always terminates, driven by HttpClient.paginate."""

from __future__ import annotations

import pytest
import responses
from responses import matchers

from connectors.http.client import HttpClient
from connectors.http.pagination import (
    CursorPaginator,
    LinkHeaderPaginator,
    NoPagination,
    OffsetPaginator,
    dig,
    paginator_from_config,
)
from hub.errors import ConfigError, FatalError

BASE = "https://api.example.com/v1"


@pytest.fixture
def client():
    with HttpClient(BASE, connection="crm") as http:
        yield http


@pytest.fixture
def mock():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        yield rsps


def _query(**params):
    return [matchers.query_param_matcher({k: str(v) for k, v in params.items()})]


def test_no_pagination_reads_one_page(client, mock):
    mock.get(f"{BASE}/items", json=[{"id": 1}, {"id": 2}])
    assert list(client.paginate("/items", NoPagination())) == [{"id": 1}, {"id": 2}]


def test_link_header(client, mock):
    mock.get(f"{BASE}/items", json={"data": [{"id": 1}]}, headers={"Link": f'<{BASE}/items?page=2>; rel="next"'},
             match=_query())
    mock.get(f"{BASE}/items", json={"data": [{"id": 2}]}, headers={"Link": '</v1/items?page=3>; rel="next", <x>; rel="last"'},
             match=_query(page=2))
    mock.get(f"{BASE}/items", json={"data": [{"id": 3}]}, match=_query(page=3))
    assert [r["id"] for r in client.paginate("/items", LinkHeaderPaginator(), "data")] == [1, 2, 3]


def test_link_header_repeating_itself_terminates(client, mock):
    same = {"Link": f'<{BASE}/items?page=2>; rel="next"'}
    mock.get(f"{BASE}/items", json=[{"id": 1}], headers=same, match=_query())
    mock.get(f"{BASE}/items", json=[{"id": 2}], headers=same, match=_query(page=2))
    assert [r["id"] for r in client.paginate("/items", LinkHeaderPaginator())] == [1, 2]


def test_cursor(client, mock):
    mock.get(f"{BASE}/items", json={"items": [{"id": 1}], "meta": {"next": "c2"}}, match=_query(q="x"))
    mock.get(f"{BASE}/items", json={"items": [{"id": 2}], "meta": {"next": None}}, match=_query(q="x", after="c2"))
    pages = client.paginate("/items", CursorPaginator(path="meta.next", param="after"), "items", params={"q": "x"})
    assert [r["id"] for r in pages] == [1, 2]


def test_cursor_repeated_token_terminates(client, mock):
    mock.get(f"{BASE}/items", json={"items": [{"id": 1}], "next_cursor": "same"}, match=_query())
    mock.get(f"{BASE}/items", json={"items": [{"id": 2}], "next_cursor": "same"}, match=_query(cursor="same"))
    assert [r["id"] for r in client.paginate("/items", CursorPaginator(), "items")] == [1, 2]


def test_cursor_stops_on_empty_page(client, mock):
    mock.get(f"{BASE}/items", json={"items": [], "next_cursor": "more"})
    assert list(client.paginate("/items", CursorPaginator(), "items")) == []


def test_offset_stops_on_short_page(client, mock):
    mock.get(f"{BASE}/items", json=[{"id": 1}, {"id": 2}], match=_query(offset=0, limit=2))
    mock.get(f"{BASE}/items", json=[{"id": 3}], match=_query(offset=2, limit=2))
    assert [r["id"] for r in client.paginate("/items", OffsetPaginator(limit=2))] == [1, 2, 3]


def test_offset_stops_at_total(client, mock):
    mock.get(f"{BASE}/items", json={"rows": [{"id": 1}, {"id": 2}], "total": 4}, match=_query(skip=0, top=2))
    mock.get(f"{BASE}/items", json={"rows": [{"id": 3}, {"id": 4}], "total": 4}, match=_query(skip=2, top=2))
    paginator = OffsetPaginator(limit=2, offset_param="skip", limit_param="top", total_path="total")
    assert [r["id"] for r in client.paginate("/items", paginator, "rows")] == [1, 2, 3, 4]


def test_record_path_must_be_a_list(client, mock):
    mock.get(f"{BASE}/items", json={"data": {"id": 1}})
    with pytest.raises(FatalError, match="expected a list at 'data', got dict"):
        list(client.paginate("/items", NoPagination(), "data"))


@pytest.mark.parametrize(
    ("config", "kind"),
    [(None, NoPagination), ("none", NoPagination), ("link", LinkHeaderPaginator),
     ({"cursor": {"path": "next", "param": "c"}}, CursorPaginator), ({"offset": {"limit": 10}}, OffsetPaginator)],
    ids=["default", "none", "link", "cursor", "offset"],
)
def test_paginator_from_config(config, kind):
    assert type(paginator_from_config(config)) is kind


@pytest.mark.parametrize(
    ("config", "message"),
    [("pages", "unknown paginator 'pages' (known: none, link, cursor, offset)"),
     ({"cursor": {"bogus": 1}}, "paginator cursor: CursorPaginator.__init__() got an unexpected keyword argument 'bogus'"),
     ({"link": {}, "cursor": {}}, "paginator takes exactly one of none, link, cursor, offset")],
    ids=["unknown", "bad-option", "two"],
)
def test_paginator_config_errors(config, message):
    with pytest.raises(ConfigError) as caught:
        paginator_from_config(config)
    assert str(caught.value) == message


def test_dig():
    data = {"a": {"b": [{"c": 1}]}}
    assert dig(data, "a.b.0.c") == 1
    assert dig(data, "a.x") is None and dig(data, "a.b.5") is None and dig(data, None) is data
