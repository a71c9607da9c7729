"""Dead runs that were never announced (dead-lettered where the webhook was accepted, or whose
alert failed) are announced by the scheduler's sweep, once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.http.webhooks import SignedWebhook
from connectors.sandbox import serve
from connectors.slack.sandbox import create_app as slack_app
from hub.runs import executor
from hub.runs.executor import announce_dead_runs
from hub.store.platform import Run
from hub.web import create_app

SLACK_TOKEN = "xoxb-sweep-test"
HOOK = {"secret": "sweep-hook-secret", "signature_header": "X-Sig", "delivery_id_header": "X-Hook-Id"}
RECIPE = """\
recipe: erp-events
trigger: {webhook: {connection: erp}}
steps:
  - id: keep
    filter: "event"
on_failure:
  - notify: {connection: slack, text: "ERP event failed: {{ run.error }} {{ run.url }}"}
"""


@pytest.fixture
def slack():
    app = slack_app(token=SLACK_TOKEN)
    with serve(app) as server:
        server.state = app.extensions["sandbox"]
        yield server


@pytest.fixture
def hub(make_hub, slack, monkeypatch):
    monkeypatch.setattr(executor, "ANNOUNCE_AFTER", timedelta(0))
    return make_hub({
        "erp": {"connector": "http", "base_url": "http://127.0.0.1:9", "webhook": HOOK},
        "slack": {"connector": "slack", "token": SLACK_TOKEN, "channel": "#ar-alerts",
                  "base_url": f"{slack.url}/api/", "timeout": 5},
    }, {"erp-events.yaml": RECIPE})


def post(hub, body: bytes, delivery: str):
    return create_app(hub).test_client().post("/webhooks/erp", data=body, headers={
        "Content-Type": "application/json", "X-Sig": SignedWebhook.from_config(HOOK).sign(body),
        "X-Hook-Id": delivery})


def test_a_run_dead_lettered_at_the_edge_is_announced_once(hub, slack):
    answer = post(hub, b"not json at all", "d-1")
    assert answer.status_code == 202
    (run_id,) = answer.get_json()["runs"]
    assert slack.state.messages == []

    assert announce_dead_runs(hub) == 1
    (message,) = [m["message"]["text"] for m in slack.state.messages]
    assert message.startswith("ERP event failed: unusable webhook: the body is not JSON")
    assert f"/runs/{run_id}" in message
    with hub.sessions() as session:
        assert session.get(Run, run_id).alerted_at is not None

    assert announce_dead_runs(hub) == 0
    assert len(slack.state.messages) == 1


def test_a_run_whose_alert_is_still_owed_is_left_to_its_worker_for_a_while(hub, slack, monkeypatch):
    monkeypatch.setattr(executor, "ANNOUNCE_AFTER", timedelta(minutes=2))
    assert post(hub, b"[[[", "d-2").status_code == 202
    assert announce_dead_runs(hub) == 0
    assert slack.state.messages == []


def test_an_alert_that_failed_is_tried_again_at_the_next_sweep(hub, slack):
    slack.state.faults.push({"status": 400})  # Slack refuses the first alert: not retried at once
    assert post(hub, b"\xff\xfe", "d-3").status_code == 202
    announce_dead_runs(hub)
    announce_dead_runs(hub)
    assert len([m for m in slack.state.messages]) == 1
