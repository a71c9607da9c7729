"""The HubSpot connector against its sandbox over real sockets: incremental polling, the sliding
search window, rate limits, auth."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import requests

from connectors.hubspot import HubSpotConnector
from connectors.hubspot.sandbox import create_app
from connectors.sandbox import serve
from hub import canonical
from hub.connector import Cursor
from hub.errors import FatalError, RetriableError
from hub.registry import ConnectorRegistry

T0 = datetime(2024, 5, 1, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def sandbox():
    app = create_app(window=10)
    state = app.extensions["sandbox"]
    with serve(app) as server:
        yield server, state


@pytest.fixture
def connect(sandbox):
    server, _ = sandbox
    made = []

    def make(**extra) -> HubSpotConnector:
        registry = ConnectorRegistry()
        registry.register(HubSpotConnector)
        config = {"access_token": "pat-sandbox", "base_url": server.url, "page_size": 3, "search_window": 10, **extra}
        made.append(registry.get("hubspot").from_config("crm", config))
        return made[-1]

    yield make
    for connection in made:
        connection.close()


def _stamp(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _companies(state, stamps: list[float]) -> list[str]:
    stored = state.put("companies", [{"properties": {"name": f"Company {i}", "domain": f"c{i}.example",
                                                     "hs_lastmodifieddate": _stamp(s)}} for i, s in enumerate(stamps)])
    return [s["id"] for s in stored]


def test_first_poll_returns_everything_as_valid_customers(sandbox, connect):
    _, state = sandbox
    _companies(state, [0, 1, 2, 3])
    records = list(connect().poll("companies", Cursor(start=None)))
    assert [r.data["customer"]["name"] for r in records] == ["Company 0", "Company 1", "Company 2", "Company 3"]
    assert records[0].updated_at == T0
    assert records[0].data["record"]["properties"]["domain"] == "c0.example"
    for record in records:
        canonical.check("customer", record.data["customer"])


def test_second_poll_returns_changed_records_and_those_stamped_at_the_cursor(sandbox, connect):
    _, state = sandbox
    ids = _companies(state, [0, 5, 5])
    connection = connect()
    first = list(connection.poll("companies", Cursor(start=None)))
    state.clock = lambda: T0 + timedelta(seconds=60)
    state.change("companies", ids[0], {"phone": "+49 30 1"})
    last = first[-1]
    second = list(connection.poll("companies", Cursor(start=last.updated_at, last_seen_at=last.updated_at,
                                                      last_seen_id=last.id)))
    assert [(r.id, r.updated_at) for r in second] == [
        (ids[1], T0 + timedelta(seconds=5)), (ids[2], T0 + timedelta(seconds=5)), (ids[0], T0 + timedelta(seconds=60))]
    seen = {(r.id, r.updated_at) for r in first}
    assert [r.data["customer"]["phone"] for r in second if (r.id, r.updated_at) not in seen] == ["+49 30 1"]


def test_contacts_filter_on_lastmodifieddate(sandbox, connect):
    _, state = sandbox
    state.put("contacts", [{"properties": {"firstname": "Old", "email": "old@x.example", "lastmodifieddate": _stamp(0)}},
                           {"properties": {"firstname": "New", "email": "new@x.example", "lastmodifieddate": _stamp(9)}}])
    records = list(connect().poll("contacts", Cursor(start=T0 + timedelta(seconds=9))))
    assert [r.data["customer"]["email"] for r in records] == ["new@x.example"]
    assert state.searches[-1]["filterGroups"][0]["filters"][0]["propertyName"] == "lastmodifieddate"


def test_the_search_window_slides_and_yields_every_record_exactly_once_in_order(sandbox, connect):
    _, state = sandbox
    stamps = [i // 4 for i in range(43)]  # clusters of four records sharing a modified date
    ids = _companies(state, stamps)
    records = list(connect().poll("companies", Cursor(start=None)))
    assert sorted(r.id for r in records) == sorted(ids)
    assert len(records) == len(ids)
    assert [r.updated_at for r in records] == sorted(r.updated_at for r in records)
    restarts = [s for s in state.searches if "after" not in s]
    assert len(restarts) > 1  # the window of 10 really was slid
    assert all(int(s.get("after", 0)) < 10 for s in state.searches)


def test_more_records_than_the_window_on_one_date_is_fatal_not_endless(sandbox, connect):
    _, state = sandbox
    _companies(state, [0] * 12)
    with pytest.raises(FatalError, match="more than 10 companies share one modified date"):
        list(connect().poll("companies", Cursor(start=None)))


def test_429_surfaces_retry_after(sandbox, connect):
    _, state = sandbox
    _companies(state, [0])
    state.faults.push({"status": 429, "headers": {"Retry-After": "2"}})
    with pytest.raises(RetriableError) as raised:
        list(connect().poll("companies", Cursor(start=None)))
    assert raised.value.retry_after == 2
    assert raised.value.status == 429


def test_429_without_retry_after_uses_the_policy_window(sandbox, connect):
    _, state = sandbox
    state.faults.push(429)
    with pytest.raises(RetriableError) as raised:
        list(connect().poll("companies", Cursor(start=None)))
    assert raised.value.retry_after == 1.0


def test_a_wrong_token_is_fatal(connect):
    with pytest.raises(FatalError, match="INVALID_AUTHENTICATION"):
        list(connect(access_token="pat-wrong").poll("contacts", Cursor(start=None)))


def test_objects_can_be_set_and_changed_over_http(sandbox):
    server, state = sandbox
    state.clock = lambda: T0
    (stored,) = requests.post(f"{server.url}/_sandbox/records/contacts",
                              json=[{"properties": {"email": "a@x.example"}}], timeout=5).json()
    state.clock = lambda: T0 + timedelta(days=1)
    changed = requests.patch(f"{server.url}/crm/v3/objects/contacts/{stored['id']}", json={"properties": {"firstname": "A"}},
                             headers={"Authorization": "Bearer pat-sandbox"}, timeout=5)
    assert changed.status_code == 200
    assert changed.json()["properties"]["lastmodifieddate"] == "2024-05-02T10:00:00.000Z"
    assert "X-HubSpot-RateLimit-Max" in changed.headers


def test_unknown_resource_is_fatal(connect):
    with pytest.raises(FatalError, match="unknown resource 'deals'"):
        list(connect().poll("deals", Cursor(start=None)))


def test_mappings_use_the_connection_custom_properties(connect):
    connection = connect(custom_properties={"companies": {"tax_id": "vat_number"}})
    company = connection.mappings()["company"]({"id": "1", "properties": {"name": "Acme", "vat_number": "DE1"}})
    contact = connection.mappings()["contact"]({"id": "2", "properties": {"email": "a@x.example"}})
    assert (company["tax_id"], contact["email"]) == ("DE1", "a@x.example")
