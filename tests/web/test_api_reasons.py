"""What the admin API takes as a reason, and order numbers with a slash in the URL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hub.store.platform import AuditEntry, Run
from hub.store.upsert import upsert
from hub.web import create_app

AUTH = {"Authorization": "Bearer unit-admin-token"}


@pytest.fixture
def dead_run(make_hub):
    from tests.console.conftest import RECIPE, run_now

    hub = make_hub({}, {"orders.yaml": RECIPE})
    return hub, run_now(hub, b'{"name": "ACME", "email": 42}')


@pytest.mark.parametrize(("body", "message"), [
    (b'{"reason":', "the body is not JSON"),
    (b"[" * 100_000, "nests deeper"),
    (b'{"reason": 123}', "reason must be text, not a number"),
    (b'{"reason": ["x"]}', "reason must be text, not an array"),
    (b'{"reason": "' + b"x" * 501 + b'"}', "longer than 500"),
    (b'"replay"', "must be a JSON object"),
])
def test_a_replay_with_a_body_it_cannot_read_is_refused_and_queues_nothing(dead_run, body, message):
    hub, dead = dead_run
    client = create_app(hub).test_client()
    answer = client.post(f"/api/v1/runs/{dead}/replay", headers={**AUTH, "Content-Type": "application/json"},
                         data=body)
    assert answer.status_code == 400 and message in answer.get_json()["error"]
    with hub.sessions() as session:
        assert session.scalars(select(Run).where(Run.replay_of == dead)).all() == []


def test_a_replays_reason_is_in_the_audit_line(dead_run):
    hub, dead = dead_run
    client = create_app(hub).test_client()
    answer = client.post(f"/api/v1/runs/{dead}/replay", headers=AUTH, json={"reason": "ERP  back\nonline"})
    assert answer.status_code == 202
    with hub.sessions() as session:
        (line,) = session.scalars(select(AuditEntry).where(AuditEntry.kind == "replay")).all()
    assert line.detail == f"run {dead} replayed by admin API; reason: ERP back online"


@pytest.mark.parametrize(("body", "message"), [
    ({"reason": 123}, "reason must be text"),
    ({"reason": "  "}, "a reason is required"),
    ({"reason": "ok", "by": 7}, "by must be the name"),
])
def test_a_credit_decision_takes_its_reason_and_name_as_text(make_hub, body, message):
    hub = make_hub({}, {})
    client = create_app(hub).test_client()
    answer = client.post("/api/v1/credit/EU-88/reject", headers=AUTH, json=body)
    assert answer.status_code == 400 and message in answer.get_json()["error"]


def test_order_numbers_with_a_slash_reach_their_order(make_hub):
    hub = make_hub({}, {})
    with hub.sessions.begin() as session:
        upsert(session, "sales_order", {"number": "SO/2026/00003", "currency": "EUR",
                                        "totals": {"total": "10.00"}, "lines": [{"sku": "A", "quantity": "1"}]})
    client = create_app(hub).test_client()
    found = client.get("/api/v1/orders/SO%2F2026%2F00003/360", headers=AUTH)
    assert found.status_code == 200, found.get_json()
    assert found.get_json()["order"] == "SO/2026/00003", found.get_json()
    no_check = client.post("/api/v1/credit/SO%2F2026%2F00003/approve", headers=AUTH, json={"reason": "ok"})
    assert no_check.status_code == 409 and "SO/2026/00003" in no_check.get_json()["error"]
