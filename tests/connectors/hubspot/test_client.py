"""HubSpot client: error classification, paging of the recorded search pages, request bodies."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import responses

from connectors.hubspot.client import HubSpotClient, classify, rate_limit_wait
from connectors.hubspot.mapping import CustomProperties
from connectors.hubspot.search import RESOURCES
from hub import jsonutil
from hub.errors import FatalError, RetriableError
from tests.support.fixtures import FIXTURES as SHARED
from tests.support.http_responses import fake_response

FIXTURES = SHARED / "hubspot"
BASE = "https://api.hubapi.com"
SEARCH = f"{BASE}/crm/v3/objects/contacts/search"


@pytest.mark.parametrize(("status", "body", "headers", "error", "message", "retry_after"), [
    (400, (FIXTURES / "search_error_invalid_object.json").read_bytes(), {}, FatalError,
     "Unable to infer object type from: butterflies", None),
    (400, '{"status":"error","message":"after must be less than 10000","category":"VALIDATION_ERROR"}', {}, FatalError,
     "VALIDATION_ERROR: after must be less than 10000", None),
    (401, '{"status":"error","message":"Authentication credentials not found.","category":"INVALID_AUTHENTICATION"}', {},
     FatalError, "INVALID_AUTHENTICATION: Authentication credentials not found.", None),
    (429, '{"status":"error","message":"You have reached your secondly limit.","errorType":"RATE_LIMIT","policyName":"SECONDLY"}',
     {"Retry-After": "4"}, RetriableError, "RATE_LIMIT: You have reached your secondly limit.", 4),
    (429, '{"status":"error","message":"ten secondly","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}',
     {}, RetriableError, "RATE_LIMIT: ten secondly", 10),
    (429, "", {"X-HubSpot-RateLimit-Interval-Milliseconds": "2000"}, RetriableError, "error", 2),
    (502, "<html>Bad gateway</html>", {}, RetriableError, "error", None),
], ids=["invalid-object", "window", "auth", "429-retry-after", "429-policy", "429-interval", "5xx"])
def test_classify(status, body, headers, error, message, retry_after):
    with pytest.raises(error) as raised:
        classify(fake_response(status, body, headers), connection="crm", action="search")
    assert type(raised.value) is error
    assert str(raised.value) == f"crm/search: HTTP {status}: {message}"
    assert getattr(raised.value, "retry_after", None) == retry_after


def test_rate_limit_wait_is_unknown_for_a_daily_limit():
    assert rate_limit_wait({}, {"policyName": "DAILY"}) is None


def test_search_follows_paging_next_after_until_the_last_page():
    first = (FIXTURES / "search_contacts_page1.json").read_bytes()
    last = (FIXTURES / "search_contacts_page2_last.json").read_bytes()
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(SEARCH, body=first)
        mock.post(SEARCH, body=last)
        client = HubSpotClient("pat-1", page_size=1)
        ids = [r["id"] for r in client.search_since(RESOURCES["contacts"], CustomProperties(), None)]
        assert mock.calls[0].request.headers["Authorization"] == "Bearer pat-1"
        assert "after" not in jsonutil.loads(mock.calls[0].request.body)
        assert jsonutil.loads(mock.calls[1].request.body)["after"] == "54"
    assert ids == ["501", "103107104018"]


def test_an_invalid_object_answer_is_fatal():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(SEARCH, status=400, body=(FIXTURES / "search_error_invalid_object.json").read_bytes())
        with pytest.raises(FatalError, match="Unable to infer object type"):
            list(HubSpotClient("pat-1").search_since(RESOURCES["contacts"], CustomProperties(), None))


def test_search_body_filters_and_sorts_on_the_modified_date():
    start = datetime(2024, 5, 1, 9, 30, 0, 123456, tzinfo=timezone.utc)
    body = RESOURCES["companies"].body(CustomProperties(tax_id="vat_number"), start, limit=50, after="100")
    assert body["filterGroups"] == [{"filters": [
        {"propertyName": "hs_lastmodifieddate", "operator": "GTE", "value": "1714555800123"}]}]
    assert body["sorts"] == [{"propertyName": "hs_lastmodifieddate", "direction": "ASCENDING"}]
    assert "vat_number" in body["properties"] and body["properties"][-1] == "hs_lastmodifieddate"
    assert (body["limit"], body["after"]) == (50, "100")


def test_search_body_without_a_start_has_no_filter():
    body = RESOURCES["contacts"].body(CustomProperties(), None, limit=100, after=None)
    assert body["filterGroups"] == [] and "after" not in body
