"""Bulk replay from the console's Runs page (Flask's test client): every dead run matching the
filters, in the background, with its progress page and one audit line with count and reason."""

from __future__ import annotations

import threading
import time
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from hub.store.platform import AuditEntry, Run
from tests.console.conftest import csrf_of, login, run_now

DEAD = b'{"name": "ACME", "email": 42}'


@pytest.fixture(scope="module")
def dead_runs(hub):
    return [run_now(hub, DEAD) for _ in range(3)]


def client_of(app, name: str):
    client = app.test_client()
    login(client, name)
    return client


def dead_list(client) -> str:
    return client.get("/console/runs/?status=dead&recipe=orders").text


def replays_of(hub, run_ids) -> dict[int, int]:
    with hub.sessions() as session:
        return dict(session.execute(select(Run.replay_of, Run.id).where(Run.replay_of.in_(run_ids))).all())


def wait_finished(client, location: str, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page = client.get(location)
        if 'id="bulk-state">finished' in page.text:
            assert "Refresh" not in page.headers
            return page.text
        time.sleep(0.05)
    raise AssertionError(f"the bulk replay did not finish in {timeout}s")


@pytest.mark.parametrize("name", ["viewer", "ar"])
def test_only_an_admin_sees_and_may_use_bulk_replay(app, hub, dead_runs, name):
    client = client_of(app, name)
    page = dead_list(client)
    assert f"#{dead_runs[0]}" in page and 'id="bulk-replay"' not in page
    answer = client.post("/console/runs/bulk-replay?status=dead", data={"csrf_token": csrf_of(page), "reason": "x"})
    assert answer.status_code == 403
    assert replays_of(hub, dead_runs) == {}


def test_the_form_is_offered_only_on_the_dead_runs(app, dead_runs):
    client = client_of(app, "admin")
    assert 'id="bulk-replay"' in dead_list(client)
    assert 'id="bulk-replay"' not in client.get("/console/runs/").text


def test_bulk_replay_without_its_csrf_token_or_a_reason_is_refused(app, hub, dead_runs):
    client = client_of(app, "admin")
    assert client.post("/console/runs/bulk-replay?status=dead", data={"reason": "x"}).status_code == 400
    answer = client.post("/console/runs/bulk-replay?status=dead",
                         data={"csrf_token": csrf_of(dead_list(client)), "reason": ""})
    assert answer.status_code == 400 and "say why" in answer.text
    assert replays_of(hub, dead_runs) == {}


def test_nothing_matching_the_filters_replays_nothing(app, hub, dead_runs):
    client = client_of(app, "admin")
    before = (date.today() - timedelta(days=2)).isoformat()
    answer = client.post(f"/console/runs/bulk-replay?status=dead&until={before}",
                         data={"csrf_token": csrf_of(dead_list(client)), "reason": "old ones"})
    assert answer.status_code == 302
    assert "No dead run matching these filters" in client.get(answer.headers["Location"]).text
    assert replays_of(hub, dead_runs) == {}


def test_bulk_replay_replays_each_matching_dead_run_once_showing_progress(app, hub, dead_runs, monkeypatch):
    release = threading.Event()
    monkeypatch.setattr(hub, "wake", lambda: release.wait(30))  # holds the job after its first batch
    client = client_of(app, "admin")
    today = date.today().isoformat()
    answer = client.post(f"/console/runs/bulk-replay?status=dead&recipe=orders&since={today}",
                         environ_base={"REMOTE_ADDR": "10.6.6.6"},
                         data={"csrf_token": csrf_of(dead_list(client)), "reason": "the e-mails were fixed"})
    assert answer.status_code == 302
    location = answer.headers["Location"]
    running = client.get(location)
    assert running.status_code == 200 and running.headers["Refresh"] == "2"
    assert 'id="bulk-state">running' in running.text
    release.set()
    page = wait_finished(client, location)
    assert 'id="bulk-progress">3 of 3' in page and 'id="bulk-replayed">3' in page
    replays = replays_of(hub, dead_runs)
    assert sorted(replays) == sorted(dead_runs)
    with hub.sessions() as session:
        entries = list(session.scalars(select(AuditEntry.detail).where(AuditEntry.kind == "replay.bulk")))
        per_run = list(session.scalars(select(AuditEntry.detail).where(
            AuditEntry.kind == "replay", AuditEntry.detail.like("%bulk replay%"))))
        addresses = set(session.scalars(select(AuditEntry.remote_addr).where(
            AuditEntry.kind.in_(("replay", "replay.bulk")), AuditEntry.detail.like("%bulk replay%"))))
    assert addresses == {"10.6.6.6"}
    assert len(entries) == 1
    assert "of 3 dead run(s) (status dead, recipe orders, since " in entries[0]
    assert entries[0].endswith("started by admin (admin) in the console; reason: the e-mails were fixed")
    assert len(per_run) == 3
    # the dead runs are replayed now: a second bulk replay finds none
    again = client.post("/console/runs/bulk-replay?status=dead&recipe=orders",
                        data={"csrf_token": csrf_of(dead_list(client)), "reason": "again"})
    assert "No dead run matching" in client.get(again.headers["Location"]).text


def test_a_progress_page_nobody_follows_is_404(app):
    answer = client_of(app, "viewer").get("/console/runs/bulk/0123456789ab")
    assert answer.status_code == 404 and "no longer followed" in answer.text
