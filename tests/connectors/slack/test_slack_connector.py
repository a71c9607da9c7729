"""SlackConnector against the Slack sandbox over a real socket: Web API and incoming webhook."""

from __future__ import annotations

import pytest
import requests

from connectors.sandbox import serve
from connectors.slack import SlackConnector
from connectors.slack.sandbox import create_app
from hub.connector import ActionContext
from hub.errors import FatalError, RetriableError

TOKEN = "xoxb-0000-sandbox-token"
HOOK_PATH = "T000/B000/XXXXSECRETXXXX"


@pytest.fixture
def sandbox():
    app = create_app(token=TOKEN, webhook_paths=frozenset({HOOK_PATH}))
    with serve(app) as server:
        server.state = app.extensions["sandbox"]
        yield server


def _bot(sandbox, token: str = TOKEN, **extra) -> SlackConnector:
    config = {"token": token, "channel": "#ar-alerts", "base_url": f"{sandbox.url}/api/", "timeout": 5, **extra}
    return SlackConnector.from_config("slack", config)


def _hook(sandbox, path: str = HOOK_PATH) -> SlackConnector:
    return SlackConnector.from_config("slack", {"webhook_url": f"{sandbox.url}/services/{path}", "timeout": 5})


def _ctx(**options) -> ActionContext:
    return ActionContext(idempotency_key="k", options=options)


def _messages(sandbox) -> list:
    return requests.get(f"{sandbox.url}/_sandbox/messages", timeout=5).json()


def test_post_message_real_shape(sandbox):
    answer = _bot(sandbox).actions()["post_message"]({"text": "Invoice INV-9 is 30 days late"}, _ctx())
    assert answer["ok"] is True and answer["channel"] == "C0AR0ALERT"
    assert answer["ts"] == answer["message"]["ts"]
    assert _messages(sandbox)[0]["message"]["text"] == "Invoice INV-9 is 30 days late"


@pytest.mark.parametrize(
    ("payload", "options", "expected"),
    [({"text": "x", "channel": "C1H9RESGL"}, {"channel": "#general"}, "C1H9RESGL"),
     ({"text": "x"}, {"channel": "#general"}, "C1H9RESGL"),
     ("x", {}, "C0AR0ALERT")],
    ids=["payload", "step-option", "connection-default"],
)
def test_channel_precedence(sandbox, payload, options, expected):
    assert _bot(sandbox).actions()["notify"](payload, _ctx(**options))["channel"] == expected


def test_unknown_channel_is_fatal(sandbox):
    with pytest.raises(FatalError, match="channel_not_found"):
        _bot(sandbox).actions()["notify"]({"text": "x", "channel": "#nowhere"}, _ctx())


def test_invalid_token_is_fatal_and_not_echoed(sandbox):
    with pytest.raises(FatalError) as caught:
        _bot(sandbox, token="xoxb-wrong-secret").actions()["notify"]("x", _ctx())
    assert "invalid_auth" in str(caught.value)
    assert "xoxb-wrong-secret" not in str(caught.value) + repr(vars(caught.value))


def test_rate_limit_then_server_error_then_ok(sandbox):
    requests.post(f"{sandbox.url}/_sandbox/faults", json=[{"status": 429, "headers": {"Retry-After": "1"}}, 500], timeout=5)
    notify = _bot(sandbox).actions()["notify"]
    with pytest.raises(RetriableError) as limited:
        notify("x", _ctx())
    with pytest.raises(RetriableError) as broken:
        notify("x", _ctx())
    assert (limited.value.retry_after, broken.value.status) == (1.0, 500)
    assert notify("x", _ctx())["ok"] is True
    assert len(_messages(sandbox)) == 1  # the sdk did not retry on its own


def test_incoming_webhook(sandbox):
    assert _hook(sandbox).actions()["notify"]({"text": "Payment received", "channel": "#ignored"}, _ctx()) == {"ok": True}
    (received,) = _messages(sandbox)
    assert received["via"] == "incoming-webhook" and received["message"]["text"] == "Payment received"


def test_incoming_webhook_errors_never_show_the_url(sandbox):
    with pytest.raises(FatalError) as unknown:
        _hook(sandbox, "T000/B000/WRONGSECRET").actions()["notify"]("x", _ctx())
    with pytest.raises(FatalError) as empty:
        _hook(sandbox).actions()["notify"]({}, _ctx())
    assert (unknown.value.status, empty.value.status) == (404, 400)
    assert "WRONGSECRET" not in str(unknown.value) and HOOK_PATH not in str(empty.value)


def test_incoming_webhook_rate_limited(sandbox):
    sandbox.state.faults.push({"status": 429, "headers": {"Retry-After": "3"}, "body": "rate_limited"})
    with pytest.raises(RetriableError) as caught:
        _hook(sandbox).actions()["notify"]("x", _ctx())
    assert caught.value.retry_after == 3.0


def test_unreachable_slack_is_retriable_without_url():
    hook = SlackConnector.from_config("slack", {"webhook_url": "http://127.0.0.1:9/services/SECRETPATH", "timeout": 2})
    with pytest.raises(RetriableError) as caught:
        hook.actions()["notify"]("x", _ctx())
    assert "SECRETPATH" not in str(caught.value)


def test_needs_token_or_webhook():
    with pytest.raises(FatalError, match="needs token or webhook_url"):
        SlackConnector.from_config("slack", {"channel": "#x"})


def test_sandbox_reset(sandbox):
    _bot(sandbox).actions()["notify"]("x", _ctx())
    requests.post(f"{sandbox.url}/_sandbox/reset", timeout=5)
    assert _messages(sandbox) == []
