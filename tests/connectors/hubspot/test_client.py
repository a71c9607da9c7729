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
        second = jsonutil.loads(mock.calls[1].request.body)
        assert "after" not in second  # a new search from the page's latest modified date
        assert second["filterGroups"][0]["filters"] == [
            {"propertyName": "lastmodifieddate", "operator": "GTE", "value": "1738007595581"}]
    assert ids == ["501", "103107104018"]


def _contact(contact_id: str, millis: int) -> dict:
    stamp = datetime.fromtimestamp(millis / 1000, tz=timezone.utc).isoformat().replace("+00:00", "Z")
    return {"id": contact_id, "properties": {"lastmodifieddate": stamp}, "updatedAt": stamp}


class OffsetSearch:
    """HubSpot's search: filtered and sorted again for every page, ``after`` an offset into it."""

    def __init__(self, contacts: list[dict]):
        self.contacts = contacts

    def __call__(self, request):
        body = jsonutil.loads(request.body)
        since = int(body["filterGroups"][0]["filters"][0]["value"]) if body["filterGroups"] else 0
        rows = sorted((c for c in self.contacts if _millis(c) >= since), key=_millis)
        after, limit = int(body.get("after", 0)), body["limit"]
        answer = {"total": len(rows), "results": rows[after:after + limit]}
        if after + limit < len(rows):
            answer["paging"] = {"next": {"after": str(after + limit)}}
        return 200, {}, jsonutil.dumps(answer)


def _millis(contact: dict) -> int:
    moment = datetime.fromisoformat(contact["properties"]["lastmodifieddate"].replace("Z", "+00:00"))
    return int(moment.timestamp() * 1000)


def test_a_record_changed_between_pages_shifts_no_other_record_out_of_the_poll():
    search = OffsetSearch([_contact("1", 1000), _contact("2", 2000), _contact("3", 3000), _contact("4", 4000)])
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.add_callback(responses.POST, SEARCH, callback=search)
        records = HubSpotClient("pat-1", page_size=2).search_since(RESOURCES["contacts"], CustomProperties(), None)
        seen = [next(records)["id"], next(records)["id"]]
        search.contacts[0] = _contact("1", 5000)  # changed after page one was read
        seen += [r["id"] for r in records]
    assert seen == ["1", "2", "3", "4", "1"]


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
