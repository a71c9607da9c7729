"""A step given the run's event does not store the event again: its record says ``input_of:
event`` and the run's detail (admin API, console, CLI) shows the event's masked payload as its
input. Any other input is stored with the step, masked."""

from __future__ import annotations

import json

from sqlalchemy import select

from hub.runs import queue
from hub.runs.executor import execute
from hub.runs.inbox import NewEvent, accept
from hub.runs.report import run_detail
from hub.store.platform import Run, StepRun
from hub.web import create_app
from tests.web.conftest import AUTH

RECIPE = """\
recipe: two-maps
trigger: {manual: {}}
steps:
  - id: shaped
    map: "{name: name, api_key: api_key, lines: lines}"
  - id: named
    map: {expr: "{upper: name}", from: shaped}
"""

EVENT = {"name": "Acme GmbH", "api_key": "sk_live_abc123", "lines": [{"sku": "A-1", "qty": 2}]}


def run_once(hub) -> int:
    built = hub.recipes["two-maps"]
    [run_id] = accept(hub.sessions, NewEvent(source="manual", dedupe_key="e1", body=json.dumps(EVENT).encode()),
                      [(built.slug, built.recipe.hash)]).run_ids
    claimed = queue.claim_run(hub.sessions, queue.new_owner(), run_id)
    assert execute(hub, claimed) == "succeeded"
    return run_id


def test_the_event_is_stored_once_and_shown_as_the_input(make_hub):
    hub = make_hub({}, {"two.yaml": RECIPE})
    run_id = run_once(hub)
    with hub.sessions() as session:
        stored = {s.step_id: (s.input, s.input_of) for s in session.scalars(select(StepRun).where(StepRun.run_id == run_id))}
        detail = run_detail(session.get(Run, run_id), hub.redactor)
    shaped_output = {"name": "Acme GmbH", "api_key": "***", "lines": [{"sku": "A-1", "qty": 2}]}
    assert stored == {"shaped": (None, "event"), "named": (shaped_output, None)}
    steps = {s["step"]: s for s in detail["steps"]}
    assert steps["shaped"]["input"] == detail["event"]["payload"] == shaped_output  # masked, as the event
    assert steps["shaped"]["input_of"] == "event"
    assert steps["named"]["input"] == shaped_output and "input_of" not in steps["named"]
    answer = create_app(hub).test_client().get(f"/api/v1/runs/{run_id}", headers=AUTH)
    assert answer.status_code == 200
    assert [s["input"] for s in answer.get_json()["steps"]] == [shaped_output, shaped_output]
    assert "sk_live_abc123" not in answer.get_data(as_text=True)
