"""Poll and schedule triggers, driven in-process against the HTTP sandbox over real sockets."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from connectors.http.sandbox import create_app
from connectors.sandbox import serve
from hub.runs.poller import poll_once, reset_cursor
from hub.scheduler import Scheduler, fire_schedule
from hub.store.platform import Event, PollCursor, Run

POLL_RECIPE = """\
recipe: crm-sync
trigger:
  poll: {connection: crm, resource: accounts, every: 1m, overlap: 2m}
steps:
  - id: customer
    map: {expr: "{name: name, email: email}", into: customer}
"""

SCHEDULE_RECIPE = """\
recipe: morning-report
trigger:
  schedule: {cron: "0 8 * * 1-5", timezone: Europe/Berlin}
steps:
  - id: note
    map: "{fired: fired_at}"
"""


@pytest.fixture
def crm():
    app = create_app(page_size=2)
    with serve(app) as server:
        server.state = app.extensions["sandbox"]
        yield server


def connections(url: str) -> dict:
    return {"crm": {"connector": "http", "base_url": url, "resources": {"accounts": {
        "path": "/records", "record_path": "data", "paginator": "link",
        "since_param": "updated_since"}}}}


def add(crm, *records):
    with crm.state.lock:
        crm.state.records.extend(records)


def count(hub, model) -> int:
    with hub.sessions() as s:
        return s.scalar(select(func.count()).select_from(model))


def acme(updated: str, email: str = "ap@acme.example") -> dict:
    return {"id": "A1", "name": "Acme", "email": email, "updated_at": updated}


def test_poll_stores_each_record_version_once_and_keeps_its_cursor(make_hub, crm):
    hub = make_hub(connections(crm.url), {"crm.yaml": POLL_RECIPE})
    built = hub.recipes["crm-sync"]
    add(crm, acme("2026-11-01T10:00:00Z"),
        *({"id": f"B{i}", "name": f"B{i}", "email": f"b{i}@x.example",
           "updated_at": f"2026-11-01T1{i}:30:00Z"} for i in range(1, 5)))

    assert poll_once(hub, built).new == 5
    assert poll_once(hub, built).new == 0  # overlap re-reads recent records; dedupe drops them
    assert count(hub, Run) == 5

    crm.state.records[0] = acme("2026-11-02T09:00:00Z", email="billing@acme.example")
    assert poll_once(hub, built).new == 1

    with hub.sessions() as s:
        cursor = s.scalars(select(PollCursor)).one()
    assert (cursor.recipe, cursor.resource, cursor.last_seen_id) == ("crm-sync", "accounts", "A1")
    assert cursor.last_seen_at == datetime(2026, 11, 2, 9, tzinfo=timezone.utc)


def test_the_cursor_survives_a_restart_and_can_be_reset(make_hub, crm):
    hub = make_hub(connections(crm.url), {"crm.yaml": POLL_RECIPE})
    add(crm, acme("2026-11-01T10:00:00Z"))
    poll_once(hub, hub.recipes["crm-sync"])
    hub.close()

    again = make_hub(connections(crm.url), {"crm.yaml": POLL_RECIPE.replace("every: 1m", "every: 5m")})
    assert poll_once(again, again.recipes["crm-sync"]).seen == 1  # overlap window only
    assert reset_cursor(again, "crm-sync") == 1
    with again.sessions() as s:
        assert s.scalars(select(PollCursor.last_seen_at)).one() is None


def test_a_schedule_tick_queues_one_run_per_minute(make_hub):
    hub = make_hub({}, {"report.yaml": SCHEDULE_RECIPE})
    built = hub.recipes["morning-report"]
    fire_schedule(hub, built)
    fire_schedule(hub, built)  # a second firing within the same minute
    with hub.sessions() as s:
        events = s.scalars(select(Event)).all()
    assert len(events) == 1 and events[0].source == "schedule"
    assert count(hub, Run) == 1


def test_schedules_fire_in_the_recipes_timezone(make_hub):
    hub = make_hub({}, {"report.yaml": SCHEDULE_RECIPE})
    scheduler = Scheduler(hub)
    scheduler.start()
    try:
        job = scheduler._scheduler.get_job("schedule:morning-report")
        fires = job.next_run_time
        assert (fires.hour, fires.minute, str(fires.tzinfo)) == (8, 0, "Europe/Berlin")
        assert fires.isoweekday() <= 5
    finally:
        scheduler.stop()
