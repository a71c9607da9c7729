"""Slack answers → error classes, with Slack's published sample bodies."""

from __future__ import annotations

import json

import pytest

from connectors.slack.client import classify
from hub.errors import FatalError, RetriableError
from tests.support.fixtures import FIXTURES as SHARED

FIXTURES = SHARED / "slack"


def _fixture(name: str) -> dict:
    return json.loads((FIXTURES / name).read_text())


def _classify(status, body, headers=None):
    return classify(status, headers or {}, body, connection="slack", action="notify")


def test_ok_fixture_passes():
    assert _classify(200, _fixture("chat.postMessage.ok.json")) is None


def test_webhook_ok_text_passes():
    assert _classify(200, "ok") is None


@pytest.mark.parametrize(
    ("fixture", "code"),
    [("chat.postMessage.error_too_many_attachments.json", "too_many_attachments"),
     ("conversations.history.error_channel_not_found.json", "channel_not_found")],
    ids=["too_many_attachments", "channel_not_found"],
)
def test_fixture_errors_are_fatal_with_code(fixture, code):
    with pytest.raises(FatalError) as caught:
        _classify(200, _fixture(fixture))
    assert str(caught.value) == f"slack/notify: HTTP 200: slack error {code}"


@pytest.mark.parametrize("code", ["invalid_auth", "not_in_channel", "not_authed", "msg_too_long", "no_text"])
def test_ok_false_codes_are_fatal(code):
    with pytest.raises(FatalError, match=code):
        _classify(200, {"ok": False, "error": code})


@pytest.mark.parametrize("code", ["ratelimited", "service_unavailable", "internal_error", "fatal_error", "request_timeout"])
def test_ok_false_transient_codes_are_retriable(code):
    with pytest.raises(RetriableError, match=code):
        _classify(200, {"ok": False, "error": code})


@pytest.mark.parametrize("headers", [{"Retry-After": "30"}, {"retry-after": "30"}, {"Retry-After": ["30"]}],
                         ids=["canonical", "lower", "list"])
def test_429_carries_retry_after(headers):
    with pytest.raises(RetriableError) as caught:
        _classify(429, {"ok": False, "error": "ratelimited"}, headers)
    assert caught.value.retry_after == 30.0 and caught.value.status == 429


@pytest.mark.parametrize("status", [500, 502, 503])
def test_5xx_is_retriable(status):
    with pytest.raises(RetriableError):
        _classify(status, "rollup_error")


@pytest.mark.parametrize(
    ("status", "text"),
    [(400, "invalid_payload"), (400, "no_text"), (403, "action_prohibited"), (404, "channel_not_found"),
     (404, "no_service"), (410, "channel_is_archived")],
    ids=["invalid_payload", "no_text", "action_prohibited", "channel_not_found", "no_service", "archived"],
)
def test_incoming_webhook_4xx_is_fatal(status, text):
    with pytest.raises(FatalError) as caught:
        _classify(status, text)
    assert str(caught.value) == f"slack/notify: HTTP {status}: slack error {text}"
