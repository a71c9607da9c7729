"""Text with no UTF-8 form (an escaped surrogate not half of a pair) and failures of the hub's
own bookkeeping never leave a run ``running``: the run ends dead with a reason, once."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import datetime, timezone

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from hub import jsonutil
from hub.cli import main
from hub.connector import Connector, Cursor, PolledRecord
from hub.registry import ConnectorRegistry
from hub.runs import executor, queue
from hub.runs.executor import execute
from hub.runs.inbox import NewEvent, accept
from hub.runs.poller import poll_once
from hub.runs.replay import replay
from hub.store.base import utcnow
from hub.store.platform import Event, Run, StepRun
from tests.runs.test_outcome_log import RECIPE

SURROGATE = b'{"name": "a\\ud800b", "email": "ap@acme.example", "limit": "5000"}'
GOOD = b'{"name": "Acme GmbH", "email": "ap@acme.example", "limit": "5000"}'
UNUSABLE = ("unusable event: the body holds text that is not valid Unicode "
            "(an unpaired surrogate \\ud800 at character 12)")


def queued_run(hub, body: bytes, key: str) -> int:
    """A queued run of ``body`` stored as an older version of the hub stored it: unchecked."""
    built = hub.recipes["manual-customer"]
    now = utcnow()
    with hub.sessions.begin() as session:
        event = Event(source="manual", dedupe_key=key, headers={}, body=body, received_at=now)
        run = Run(recipe=built.slug, recipe_hash=built.recipe.hash, event=event)
        session.add_all([event, run])
        session.flush()
        return run.id


def stored(hub, run_id: int) -> Run:
    with hub.sessions() as session:
        run = session.get(Run, run_id)
        session.expunge(run)
        return run


def step_count(hub, run_id: int) -> int:
    with hub.sessions() as session:
        return len(session.scalars(select(StepRun).where(StepRun.run_id == run_id)).all())


def claim(hub, run_id: int, owner: str | None = None) -> queue.Claimed:
    claimed = queue.claim_run(hub.sessions, owner or queue.new_owner(), run_id)
    assert claimed is not None
    return claimed


def test_an_unusable_body_stores_its_run_dead_at_once(make_hub):
    hub = make_hub({}, {"manual.yaml": RECIPE})
    built = hub.recipes["manual-customer"]
    [run_id] = accept(hub.sessions, NewEvent(source="manual", dedupe_key="bad", body=SURROGATE),
                      [(built.slug, built.recipe.hash)]).run_ids
    run = stored(hub, run_id)
    assert (run.status, run.error_class, run.error_message) == ("dead", "FatalError", UNUSABLE)
    assert queue.claim_run(hub.sessions, queue.new_owner(), run_id) is None


MAP_ONLY = RECIPE.split("  - id: saved")[0]


def test_a_stored_unusable_body_runs_and_its_records_are_saved(make_hub):
    hub = make_hub({}, {"manual.yaml": MAP_ONLY})
    run_id = queued_run(hub, SURROGATE, "stored-before")
    assert execute(hub, claim(hub, run_id)) == "succeeded"
    with hub.sessions() as session:
        saved = session.scalars(select(StepRun).where(StepRun.run_id == run_id)).first()
        assert (saved.input_of, saved.output["name"]) == ("event", "a\ud800b")  # the input: the event, stored once


BREAKS = [
    ("step records", "_insert_steps", "saving the step records"),
    ("effects", "write_settled", "saving the effects"),
    ("status", "_SET_RUN", "saving the outcome (succeeded)"),
]


@pytest.mark.parametrize(("target", "part"), [b[1:] for b in BREAKS], ids=[b[0] for b in BREAKS])
def test_a_bookkeeping_failure_ends_the_run_dead_and_replayable(make_hub, monkeypatch, caplog, target, part):
    hub = make_hub({}, {"manual.yaml": RECIPE})
    run_id = queued_run(hub, GOOD, f"break-{target}")

    def broken(*_args, **_kwargs):
        raise RuntimeError(GOOD.decode())  # a driver's error may quote the values it was writing

    if target == "_SET_RUN":
        monkeypatch.setattr(executor, "_SET_RUN", "not a statement")
    else:
        monkeypatch.setattr(executor, target, broken)
    caplog.set_level(logging.DEBUG)
    assert execute(hub, claim(hub, run_id)) == "dead"
    run = stored(hub, run_id)
    assert (run.status, run.lease_owner, run.error_class) == ("dead", None, "RecordingError")
    cause = "ArgumentError" if target == "_SET_RUN" else "RuntimeError"
    assert run.error_message == (f"the hub's own record keeping failed: {cause} while {part} "
                                 "(nothing of this attempt was saved; replay the run once the cause is fixed)")
    assert run.finished_at is not None and step_count(hub, run_id) == 0
    assert "Acme" not in caplog.text and "acme.example" not in caplog.text
    monkeypatch.undo()
    again = replay(hub.sessions, run_id, {"manual-customer": hub.recipes["manual-customer"].recipe.hash}, who="the tests")
    assert execute(hub, claim(hub, again)) == "succeeded"


def test_a_run_returned_to_the_queue_fails_once_more_then_stays_dead(make_hub, monkeypatch):
    hub = make_hub({}, {"manual.yaml": RECIPE})
    run_id = queued_run(hub, GOOD, "returned")
    owner = queue.new_owner()
    claim(hub, run_id, owner)  # the process stops mid-run: the run goes back to the queue
    assert queue.requeue_owned(hub.sessions, owner) == 1

    def broken(*_args, **_kwargs):
        raise UnicodeEncodeError("utf-8", "a\ud800b", 1, 2, "surrogates not allowed")

    monkeypatch.setattr(executor, "_insert_steps", broken)
    assert execute(hub, claim(hub, run_id)) == "dead"
    assert stored(hub, run_id).attempt == 2
    assert queue.claim(hub.sessions, queue.new_owner(), 10) == []
    assert stored(hub, run_id).status == "dead"


def test_a_run_started_too_often_without_an_outcome_ends_dead(make_hub):
    hub = make_hub({}, {"manual.yaml": RECIPE})
    run_id = queued_run(hub, GOOD, "crashing")
    limit = hub.recipes["manual-customer"].recipe.retry.max_attempts + executor._SPARE_CLAIMS
    for _ in range(limit):  # each time, the process stopped during the attempt
        owner = queue.new_owner()
        claim(hub, run_id, owner)
        queue.requeue_owned(hub.sessions, owner)
    assert execute(hub, claim(hub, run_id)) == "dead"
    run = stored(hub, run_id)
    assert (run.error_class, run.error_message) == (
        "RecordingError", f"the run was started {limit + 1} times and never finished (the hub stopped "
                          "during each attempt); replay it once the cause is fixed")


class SurrogateSource(Connector):
    """Two customers from a remote API, the first with a name that is not valid Unicode."""

    kind = "surrogate_source"

    def resources(self) -> frozenset[str]:
        return frozenset({"customers"})

    def poll(self, resource: str, cursor: Cursor) -> Iterator[PolledRecord]:
        at = datetime(2026, 1, 1, tzinfo=timezone.utc)
        yield PolledRecord(id="1", updated_at=at, data={"id": "1", "name": "a\ud800b"})
        yield PolledRecord(id="2", updated_at=at, data={"id": "2", "name": "Acme"})


POLL_RECIPE = """\
recipe: customers-in
trigger: {poll: {connection: remote, resource: customers, every: 1m, start: 2020-01-01T00:00:00Z}}
steps:
  - id: seen
    filter: event.id
"""


def test_a_polled_record_with_unusable_text_dead_letters_its_run_only(make_hub):
    registry = ConnectorRegistry()
    registry.register(SurrogateSource)
    hub = make_hub({"remote": {"connector": "surrogate_source"}}, {"r.yaml": POLL_RECIPE}, registry=registry)
    result = poll_once(hub, hub.recipes["customers-in"])
    assert (result.seen, result.new) == (2, 2)
    with hub.sessions() as session:
        runs = {jsonutil.loads(r.event.body)["id"]: (r.status, r.error_message)
                for r in session.scalars(select(Run))}
    assert runs == {
        "1": ("dead", "unusable event: the body holds text that is not valid Unicode "
                      "(an unpaired surrogate \\ud800 at character 20)"),
        "2": ("queued", None),
    }


def test_trigger_refuses_a_payload_with_unpaired_surrogates(tmp_path):
    (tmp_path / "recipes").mkdir()
    (tmp_path / "recipes" / "manual.yaml").write_text(RECIPE)
    config = tmp_path / "config.yaml"
    config.write_text(json.dumps({"database": f"sqlite:///{tmp_path / 'hub.db'}", "recipes": ["recipes/*.yaml"]}))
    payload = tmp_path / "order.json"
    payload.write_bytes(SURROGATE)
    result = CliRunner().invoke(main, ["--config", str(config), "trigger", "manual-customer", "--payload", str(payload)])
    assert result.exit_code == 1
    assert result.output == (f"o2c-hub: {payload}: the payload holds text that is not valid Unicode "
                             "(an unpaired surrogate \\ud800 at character 12)\n")
    listed = CliRunner().invoke(main, ["--config", str(config), "runs", "list", "--json"])
    assert json.loads(listed.output) == []
