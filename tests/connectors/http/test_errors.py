"""Status → error class: the one mapping every HTTP client shares."""

from __future__ import annotations

from email.utils import formatdate

import pytest
import requests
import responses

from connectors.http.errors import classify, excerpt, network_error, parse_rate_limit_reset, parse_retry_after
from hub.errors import FatalError, RetriableError

URL = "https://erp.example.com/api/orders"


def _response(status: int, body: str = "", headers: dict | None = None) -> requests.Response:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.get(URL, status=status, body=body, headers=headers or {})
        return requests.get(URL, timeout=5)


@pytest.mark.parametrize("status", [200, 201, 204, 299])
def test_2xx_passes(status):
    assert classify(_response(status), connection="erp", action="create") is None


@pytest.mark.parametrize("status", [408, 425, 429, 500, 502, 503, 504])
def test_retriable_statuses(status):
    with pytest.raises(RetriableError) as caught:
        classify(_response(status, "busy"), connection="erp", action="create")
    assert caught.value.status == status
    assert caught.value.connection == "erp" and caught.value.action == "create"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 410, 422])
def test_fatal_statuses(status):
    with pytest.raises(FatalError) as caught:
        classify(_response(status, '{"error": "bad"}'), connection="erp", action="create")
    assert caught.value.status == status
    assert caught.value.response_excerpt == '{"error": "bad"}'
    assert f"HTTP {status}" in str(caught.value)


def test_retry_after_seconds_is_carried():
    with pytest.raises(RetriableError) as caught:
        classify(_response(429, headers={"Retry-After": "2"}), connection="erp", action=None)
    assert caught.value.retry_after == 2.0


def test_rate_limit_reset_used_when_no_retry_after():
    with pytest.raises(RetriableError) as caught:
        classify(_response(429, headers={"X-RateLimit-Reset": "7"}), connection="erp", action=None)
    assert caught.value.retry_after == 7.0


def test_long_body_is_truncated():
    with pytest.raises(FatalError) as caught:
        classify(_response(400, "x" * 5000), connection="erp", action=None)
    assert len(caught.value.response_excerpt) == 301
    assert caught.value.response_excerpt.endswith("…")


def test_request_credentials_never_in_message():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.get(URL, status=401, body="unauthorized")
        response = requests.get(URL, headers={"Authorization": "Bearer s3cr3t-token"}, timeout=5)
    with pytest.raises(FatalError) as caught:
        classify(response, connection="erp", action=None)
    assert "s3cr3t-token" not in str(caught.value) + repr(caught.value.__dict__)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("120", 120.0), (" 3 ", 3.0), ("0.5", 0.5), ("-4", 0.0), ("", None), (None, None), ("soon", None)],
    ids=["seconds", "spaces", "fraction", "negative", "empty", "absent", "garbage"],
)
def test_parse_retry_after(value, expected):
    assert parse_retry_after(value) == expected


def test_parse_retry_after_http_date():
    now = 1_700_000_000.0
    assert parse_retry_after(formatdate(now + 30, usegmt=True), now=now) == pytest.approx(30.0)
    assert parse_retry_after(formatdate(now - 30, usegmt=True), now=now) == 0.0


def test_parse_rate_limit_reset_epoch_and_delta():
    assert parse_rate_limit_reset("1700000060", now=1_700_000_000.0) == 60.0
    assert parse_rate_limit_reset("15", now=1_700_000_000.0) == 15.0
    assert parse_rate_limit_reset("x") is None


@pytest.mark.parametrize(
    ("error", "kind"),
    [(requests.ConnectionError("refused"), RetriableError), (requests.ReadTimeout("slow"), RetriableError),
     (requests.ConnectTimeout("slow"), RetriableError), (requests.TooManyRedirects("loop"), FatalError)],
    ids=["connection", "read-timeout", "connect-timeout", "redirects"],
)
def test_network_errors(error, kind):
    assert type(network_error(error, connection="erp", action="a")) is kind


def test_excerpt_flattens_whitespace():
    assert excerpt("a\n  b\tc") == "a b c"
