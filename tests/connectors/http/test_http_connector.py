"""The generic http connector against its sandbox, over a real socket."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
import requests

from connectors.http import HttpConnector
from connectors.http.sandbox import create_app
from connectors.http.webhooks import SignedWebhook
from connectors.sandbox import serve
from hub.connector import ActionContext, Cursor, InboundWebhook
from hub.errors import FatalError, RetriableError

TOKEN = "erp-sandbox-token"


@pytest.fixture
def sandbox():
    app = create_app(token=TOKEN, page_size=2)
    with serve(app) as server:
        server.state = app.extensions["sandbox"]
        yield server


def _erp(sandbox, **extra) -> HttpConnector:
    config = {
        "base_url": sandbox.url,
        "timeout": 5,
        "auth": {"bearer": {"token": TOKEN}},
        "actions": {"create_order": {"path": "/orders"}, "update_order": {"method": "PUT", "path": "/orders/{number}"}},
        "resources": {
            "records_link": {"path": "/records", "record_path": "data", "paginator": "link"},
            "records_cursor": {"path": "/records", "record_path": "data",
                               "paginator": {"cursor": {"path": "next_cursor", "param": "cursor"}}},
        },
        **extra,
    }
    return HttpConnector.from_config("erp", config)


def _ctx(key: str = "run-1:erp_order") -> ActionContext:
    return ActionContext(idempotency_key=key)


def test_action_posts_exact_json_and_hides_authorization(sandbox):
    answer = _erp(sandbox).actions()["create_order"]({"number": "SO-1", "total": Decimal("10.50")}, _ctx())
    assert answer == {"id": 1}
    (received,) = requests.get(f"{sandbox.url}/_sandbox/requests", timeout=5).json(parse_float=Decimal)
    assert received["json"] == {"number": "SO-1", "total": Decimal("10.50")}
    assert received["headers"]["Idempotency-Key"] == "run-1:erp_order"
    assert "Authorization" not in received["headers"]


def test_idempotency_key_dedupes(sandbox):
    create = _erp(sandbox).actions()["create_order"]
    assert create({"n": 1}, _ctx("same")) == create({"n": 1}, _ctx("same")) == {"id": 1}
    assert create({"n": 2}, _ctx("other")) == {"id": 2}
    assert len(sandbox.state.requests) == 2


def test_path_placeholders_are_filled_and_quoted(sandbox):
    _erp(sandbox).actions()["update_order"]({"number": "SO/7"}, _ctx())
    assert sandbox.state.requests[0]["method"] == "PUT"
    assert sandbox.state.requests[0]["raw_path"] == "/orders/SO%2F7"


def test_missing_placeholder_is_fatal(sandbox):
    with pytest.raises(FatalError, match="path '/orders/{number}' needs 'number' in the payload"):
        _erp(sandbox).actions()["update_order"]({}, _ctx())


def test_429_retry_after_then_recovers(sandbox):
    requests.post(f"{sandbox.url}/_sandbox/faults", json=[503, {"status": 429, "headers": {"Retry-After": "2"}}, 201],
                  timeout=5)
    create = _erp(sandbox).actions()["create_order"]
    with pytest.raises(RetriableError) as first:
        create({}, _ctx())
    with pytest.raises(RetriableError) as second:
        create({}, _ctx())
    assert (first.value.status, second.value.status, second.value.retry_after) == (503, 429, 2.0)
    assert create({}, _ctx()) == {"id": 1}


def test_wrong_token_is_fatal_and_not_echoed(sandbox):
    erp = _erp(sandbox, auth={"bearer": {"token": "wrong-token-value"}})
    with pytest.raises(FatalError) as caught:
        erp.actions()["create_order"]({}, _ctx())
    assert caught.value.status == 401 and "wrong-token-value" not in str(caught.value)


def test_unreachable_is_retriable(sandbox):
    erp = HttpConnector.from_config("erp", {"base_url": "http://127.0.0.1:9", "timeout": 2, "actions": {"a": {"path": "/"}}})
    with pytest.raises(RetriableError):
        erp.actions()["a"]({}, _ctx())


RECORDS = [
    {"id": "c", "updated_at": "2024-05-03T10:00:00Z"},
    {"id": "a", "updated_at": "2024-05-01T10:00:00Z"},
    {"id": "b", "updated_at": "2024-05-02T10:00:00+00:00"},
    {"id": "d", "updated_at": "2024-05-02T10:00:00Z"},
    {"id": "e", "updated_at": "2024-05-04T10:00:00Z"},
]


@pytest.mark.parametrize("resource", ["records_link", "records_cursor"])
def test_poll_pages_and_orders_oldest_first(sandbox, resource):
    requests.post(f"{sandbox.url}/_sandbox/records", json=RECORDS, timeout=5)
    polled = list(_erp(sandbox).poll(resource, Cursor(start=None)))
    assert [r.id for r in polled] == ["a", "b", "d", "c", "e"]
    assert polled[0].updated_at == datetime(2024, 5, 1, 10, tzinfo=timezone.utc)


def test_poll_sends_cursor_start(sandbox):
    requests.post(f"{sandbox.url}/_sandbox/records", json=RECORDS, timeout=5)
    start = datetime(2024, 5, 2, 10, tzinfo=timezone.utc)
    assert [r.id for r in _erp(sandbox).poll("records_link", Cursor(start=start))] == ["b", "d", "c", "e"]


def test_poll_unknown_resource(sandbox):
    with pytest.raises(FatalError, match=r"unknown resource 'nope' \(known: records_cursor, records_link\)"):
        _erp(sandbox).poll("nope", Cursor(start=None))


def test_webhooks_only_when_configured(sandbox):
    assert not _erp(sandbox).accepts_webhooks()
    erp = _erp(sandbox, webhook={"secret": "s", "topic_header": "X-Event"})
    body = b'{"id": 1}'
    signature = SignedWebhook(secret="s").sign(body)
    inbound = InboundWebhook(connection="erp", path="", body=body,
                             headers={"X-Signature-SHA256": signature, "X-Event": "order.created"})
    assert erp.accepts_webhooks() and erp.verify_webhook(inbound).topic == "order.created"


def test_sandbox_reset(sandbox):
    _erp(sandbox).actions()["create_order"]({}, _ctx())
    requests.post(f"{sandbox.url}/_sandbox/reset", timeout=5)
    assert requests.get(f"{sandbox.url}/_sandbox/requests", timeout=5).json() == []
