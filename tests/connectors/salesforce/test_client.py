"""Salesforce client: error classification, nextRecordsUrl paging and SOQL, with faked HTTP."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import responses

from connectors.salesforce.auth import ClientCredentialsGrant, SalesforceAuth
from connectors.salesforce.client import SalesforceClient, classify
from connectors.salesforce.mapping import CustomFields
from connectors.salesforce.soql import RESOURCES, soql_datetime
from hub.errors import FatalError, RetriableError
from tests.support.fixtures import FIXTURES as SHARED
from tests.support.http_responses import fake_response

FIXTURES = SHARED / "salesforce"
INSTANCE = "https://acme.my.salesforce.com"
QUERY_URL = f"{INSTANCE}/services/data/v53.0/query"


def _client() -> SalesforceClient:
    auth = SalesforceAuth(ClientCredentialsGrant("id", "secret"), INSTANCE, timeout=5,
                          classify=lambda r: classify(r, connection="crm", action="token"))
    return SalesforceClient(auth, api_version="53.0", connection="crm")


def _token(mock: responses.RequestsMock) -> None:
    mock.post(f"{INSTANCE}/services/oauth2/token", json={"access_token": "T1", "instance_url": INSTANCE})


@pytest.mark.parametrize(("status", "body", "error", "message"), [
    (400, (FIXTURES / "query_error_malformed_soql.json").read_bytes(), FatalError,
     "MALFORMED_QUERY: unexpected token: SELEKT"),
    (400, '[{"message":"No such column \'Foo\' on entity \'Account\'","errorCode":"INVALID_FIELD"}]', FatalError,
     "INVALID_FIELD: No such column 'Foo' on entity 'Account'"),
    (403, '[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]', RetriableError,
     "REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded."),
    (503, '[{"message":"Server unavailable","errorCode":"SERVER_UNAVAILABLE"}]', RetriableError,
     "SERVER_UNAVAILABLE: Server unavailable"),
    (500, "<html>oops</html>", RetriableError, "error"),
    (401, '[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]', FatalError,
     "INVALID_SESSION_ID: Session expired or invalid"),
    (400, '{"error":"invalid_client","error_description":"invalid client credentials"}', FatalError,
     "invalid_client: invalid client credentials"),
    (404, '[{"errorCode":"NOT_FOUND","message":"The requested resource does not exist"}]', FatalError,
     "NOT_FOUND: The requested resource does not exist"),
], ids=["malformed-query", "invalid-field", "request-limit", "server-unavailable", "5xx-html", "session",
        "oauth-error", "not-found"])
def test_classify(status, body, error, message):
    with pytest.raises(error) as raised:
        classify(fake_response(status, body), connection="crm", action="query")
    assert type(raised.value) is error
    assert str(raised.value) == f"crm/query: HTTP {status}: {message}"


def test_429_carries_retry_after():
    with pytest.raises(RetriableError) as raised:
        classify(fake_response(429, "[]", {"Retry-After": "7"}), connection="crm", action="query")
    assert raised.value.retry_after == 7


def test_2xx_passes():
    classify(fake_response(200, "{}"), connection="crm", action="query")


def test_query_follows_next_records_url_until_done():
    first = (FIXTURES / "restforce_query_paginated_first_page_response.json").read_bytes()
    last = (FIXTURES / "restforce_query_paginated_last_page_response.json").read_bytes()
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        _token(mock)
        mock.get(QUERY_URL, body=first, match=[responses.matchers.query_param_matcher({"q": "SELECT Text_Label FROM Whizbang"})])
        mock.get(f"{INSTANCE}/services/data/v26.0/query/01gD", body=last)
        labels = [r["Text_Label"] for r in _client().query("SELECT Text_Label FROM Whizbang")]
        assert mock.calls[1].request.headers["Authorization"] == "Bearer T1"
    assert labels == ["First Page", "Last Page"]


def test_a_large_recorded_page_yields_all_its_records_then_follows_its_locator():
    page = (FIXTURES / "query_random__c_page1_done_false.json").read_bytes()
    last = b'{"totalSize":10000,"done":true,"records":[{"attributes":{"type":"random__c"},"RANDOM_1__c":"END"}]}'
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        _token(mock)
        mock.get(QUERY_URL, body=page)
        mock.get(f"{INSTANCE}/services/data/v53.0/query/01gB000003OCxSPIA1-2000", body=last)
        records = list(_client().query("SELECT RANDOM_1__c, RANDOM_2__c FROM Random__c"))
    assert len(records) == 2001
    assert records[-1]["RANDOM_1__c"] == "END"


def test_malformed_query_is_fatal_and_not_retried():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        _token(mock)
        mock.get(QUERY_URL, status=400, body=(FIXTURES / "query_error_malformed_soql.json").read_bytes())
        with pytest.raises(FatalError, match="MALFORMED_QUERY"):
            list(_client().query("SELEKT Name FROM Account"))
        assert len(mock.calls) == 2


def test_expired_session_refreshes_the_token_once_and_repeats_the_call():
    expired = '[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]'
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(f"{INSTANCE}/services/oauth2/token", json={"access_token": "T1", "instance_url": INSTANCE})
        mock.get(QUERY_URL, status=401, body=expired)
        mock.post(f"{INSTANCE}/services/oauth2/token", json={"access_token": "T2", "instance_url": INSTANCE})
        mock.get(QUERY_URL, json={"totalSize": 1, "done": True, "records": [{"Id": "001"}]})
        assert list(_client().query("SELECT Id FROM Account")) == [{"Id": "001"}]
        assert mock.calls[3].request.headers["Authorization"] == "Bearer T2"


def test_a_second_401_after_refresh_is_fatal():
    expired = '[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]'
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.post(f"{INSTANCE}/services/oauth2/token", json={"access_token": "T1", "instance_url": INSTANCE})
        mock.get(QUERY_URL, status=401, body=expired)
        mock.post(f"{INSTANCE}/services/oauth2/token", json={"access_token": "T2", "instance_url": INSTANCE})
        mock.get(QUERY_URL, status=401, body=expired)
        with pytest.raises(FatalError, match="INVALID_SESSION_ID"):
            list(_client().query("SELECT Id FROM Account"))


def test_soql_of_the_accounts_resource():
    start = datetime(2024, 5, 1, 11, 30, 15, 999000, tzinfo=timezone(timedelta(hours=2)))
    soql = RESOURCES["accounts"].query(CustomFields(tax_id="VAT_Number__c", email="Billing_Email__c"), start)
    assert soql == ("SELECT Id, Name, Phone, BillingStreet, BillingCity, BillingState, BillingPostalCode, "
                    "BillingCountry, Billing_Email__c, VAT_Number__c, SystemModstamp FROM Account "
                    "WHERE SystemModstamp >= 2024-05-01T09:30:15Z ORDER BY SystemModstamp, Id")


def test_soql_without_a_start_reads_everything():
    assert "WHERE" not in RESOURCES["contacts"].query(CustomFields(), None)


def test_soql_datetime_of_a_naive_moment_is_taken_as_utc():
    assert soql_datetime(datetime(2024, 1, 2, 3, 4, 5)) == "2024-01-02T03:04:05Z"
