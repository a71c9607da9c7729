"""GET /metrics: Prometheus text, webhook and run counters, store figures, AR gauges, auth."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from prometheus_client.parser import text_string_to_metric_families

from connectors.shopify.webhooks import SIGNATURE_HEADER
from hub.metrics import HubMetrics
from hub.o2c.credit.rules import HELD
from hub.o2c.reports.store import report
from hub.runs import queue
from hub.runs.executor import execute
from hub.store.base import utcnow
from hub.store.o2c_credit import CreditCheck
from hub.store.platform import Event, PollCursor, Run
from hub.web import create_app
from tests.web.conftest import AUTH, signed

Samples = dict[tuple[str, frozenset], float]


def scrape(client) -> Samples:
    answer = client.get("/metrics", headers=AUTH)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype == "text/plain"
    return {(s.name, frozenset(s.labels.items())): s.value
            for family in text_string_to_metric_families(answer.get_data(as_text=True))
            for s in family.samples}


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture
def app_client(hub):
    return create_app(hub).test_client()


def post(client, body: bytes, delivery: str, **headers):
    return client.post("/webhooks/shop", data=body, headers={**signed(body, delivery), **headers})


def test_metrics_parse_and_name_every_family_with_help(app_client):
    answer = app_client.get("/metrics", headers=AUTH)
    families = list(text_string_to_metric_families(answer.get_data(as_text=True)))
    names = {f.name for f in families}
    assert {"o2c_hub_webhooks", "o2c_hub_run_attempts_finished", "o2c_hub_run_attempt_duration_seconds",
            "o2c_hub_queue_depth", "o2c_hub_queue_oldest_age_seconds", "o2c_hub_runs_finished_24h",
            "o2c_hub_dead_letters", "o2c_hub_poll_lag_seconds", "o2c_hub_ar_open", "o2c_hub_ar_overdue",
            "o2c_hub_unapplied_cash", "o2c_hub_auto_match_rate_percent", "o2c_hub_orders_held"} <= names
    assert all(f.name.startswith("o2c_hub_") and f.documentation for f in families)


@pytest.mark.parametrize(("headers", "status"), [
    ({}, 401),
    ({"Authorization": "Bearer not-the-token"}, 401),
    (AUTH, 200),
], ids=["no-token", "wrong-token", "admin-token"])
def test_metrics_need_the_admin_token_by_default(app_client, headers, status):
    answer = app_client.get("/metrics", headers=headers)
    assert answer.status_code == status
    if status == 401:
        assert "o2c_hub" not in answer.get_data(as_text=True)


def test_auth_none_serves_metrics_without_a_token(make_hub):
    hub = make_hub({}, {}, metrics={"auth": "none"})
    answer = create_app(hub).test_client().get("/metrics")
    assert answer.status_code == 200
    assert "o2c_hub_queue_depth" in answer.get_data(as_text=True)


def test_webhooks_move_accepted_duplicate_and_rejected(app_client):
    before = scrape(app_client)
    body = b'{"id": 501}'
    assert post(app_client, body, "metrics-501").status_code == 202
    assert post(app_client, body, "metrics-501").status_code == 200
    assert app_client.post("/webhooks/shop", data=body,
                           headers={**signed(body, "metrics-502"), SIGNATURE_HEADER: "bad"}).status_code == 401
    after = scrape(app_client)
    for outcome in ("accepted", "duplicate", "rejected"):
        moved = value(after, "o2c_hub_webhooks_total", connection="shop", outcome=outcome) - value(
            before, "o2c_hub_webhooks_total", connection="shop", outcome=outcome)
        assert moved == 1, outcome


def test_an_executed_run_moves_finished_and_the_duration_histogram(hub, app_client):
    run_id = post(app_client, b'{"id": 601}', "metrics-601").get_json()["runs"][0]
    before = scrape(app_client)
    assert execute(hub, queue.claim_run(hub.sessions, queue.new_owner(), run_id)) == "succeeded"
    after = scrape(app_client)

    def moved(name, **labels):
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("o2c_hub_run_attempts_started_total", recipe="shop-orders") == 1
    assert moved("o2c_hub_run_attempts_finished_total", recipe="shop-orders", status="succeeded") == 1
    assert moved("o2c_hub_run_attempt_duration_seconds_count", recipe="shop-orders") == 1
    assert moved("o2c_hub_run_attempt_duration_seconds_bucket", recipe="shop-orders", le="+Inf") == 1
    assert moved("o2c_hub_runs_finished_24h", status="succeeded") == 1


def test_queue_dead_letters_and_poll_lag_come_from_the_store(hub, app_client):
    now = utcnow()
    with hub.sessions.begin() as session:
        event = Event(source="manual", dedupe_key="metrics-store-figures", body=b"{}")
        session.add(event)
        session.flush()
        waiting = Run(recipe="shop-orders", recipe_hash="x", event_id=event.id, status="queued",
                      next_attempt_at=now - timedelta(hours=2))
        later = Run(recipe="shop-orders", recipe_hash="x", event_id=event.id, status="retrying",
                    next_attempt_at=now + timedelta(hours=1))
        dead = Run(recipe="shop-orders", recipe_hash="x", event_id=event.id, status="dead", finished_at=now)
        replayed = Run(recipe="shop-orders", recipe_hash="x", event_id=event.id, status="dead", finished_at=now)
        session.add_all([waiting, later, dead, replayed])
        session.flush()
        session.add(Run(recipe="shop-orders", recipe_hash="x", event_id=event.id, status="running",
                        replay_of=replayed.id))
        session.add(PollCursor(recipe="crm-customers", connection="crm", resource="accounts",
                               last_seen_at=now - timedelta(minutes=30)))
    with hub.sessions() as session:
        due = session.query(Run).filter(Run.status.in_(("queued", "retrying")), Run.next_attempt_at <= now).count()
        dead_count = session.query(Run).filter(Run.status == "dead", Run.recipe == "shop-orders").count()
    samples = scrape(app_client)
    assert value(samples, "o2c_hub_queue_depth") == due
    assert 2 * 3600 <= value(samples, "o2c_hub_queue_oldest_age_seconds") < 3 * 3600
    assert value(samples, "o2c_hub_runs_open", status="retrying") >= 1
    assert value(samples, "o2c_hub_dead_letters", recipe="shop-orders") == dead_count - 1  # not the replayed one
    lag = value(samples, "o2c_hub_poll_lag_seconds", recipe="crm-customers", connection="crm", resource="accounts")
    assert 1800 <= lag < 1800 + 600


def test_business_gauges_equal_the_ar_reports(hub, monkeypatch):
    monkeypatch.setattr(hub, "metrics", HubMetrics(hub.sessions, hub.recipes))  # nothing cached yet
    with hub.sessions.begin() as session:
        session.add(CreditCheck(order_number="M-1", currency="EUR", order_total=Decimal("10.00"),
                                exposure=Decimal("0"), rules=[], decision=HELD))
    with hub.sessions() as session:
        aging = report(session, "aging", date.today())
        kpis = report(session, "kpis", date.today())
        held = session.query(CreditCheck).filter(CreditCheck.decision == HELD).count()
    samples = scrape(create_app(hub).test_client())
    assert aging, "the seeded book has no currency"
    for currency, buckets in aging.items():
        assert value(samples, "o2c_hub_ar_open", currency=currency) == float(buckets["total"])
        assert value(samples, "o2c_hub_ar_overdue", currency=currency) == float(buckets["total"] - buckets["current"])
        assert value(samples, "o2c_hub_unapplied_cash", currency=currency) == float(kpis[currency]["unapplied_cash"])
        rate = kpis[currency]["auto_match_rate"]
        assert value(samples, "o2c_hub_auto_match_rate_percent", currency=currency) == float(rate or 0)
    assert value(samples, "o2c_hub_ar_overdue", currency="EUR") > 0
    assert value(samples, "o2c_hub_orders_held") == held >= 1
