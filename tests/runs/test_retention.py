"""Retention: what is pruned and when, what never is, that a redelivery or a replay after pruning
repeats no effect, and that pruning holds up the inbox for one batch at most (SQLite file and
PostgreSQL)."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import timedelta

import pytest
import yaml
from click.testing import CliRunner
from sqlalchemy import create_engine, insert, select, text
from sqlalchemy.exc import OperationalError

from hub.cli import main
from hub.connector import Connector
from hub.errors import ConfigError, ReplayError
from hub.recipe.model import Retention
from hub.registry import ConnectorRegistry
from hub.runs.executor import execute
from hub.runs.inbox import NewEvent, accept
from hub.runs.queue import claim_run
from hub.runs.replay import replay
from hub.runs.retention import prune
from hub.settings import load_settings
from hub.store.base import Base, make_engine, make_sessionmaker, utcnow
from hub.store.platform import AuditEntry, Effect, Event, Run, StepRun

DAY = timedelta(days=1)
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

RECIPE = """\
recipe: {slug}
trigger: {{manual: {{}}}}
steps:
  - id: order
    map: "{{number: number, email: email}}"
  - id: erp
    call: {{connection: erp, action: book, with: order, key: order.number}}
{extra}"""


class Erp(Connector):
    kind = "retention_erp"
    booked: list[str] = []

    def actions(self):
        def book(order, context):
            Erp.booked.append(order["number"])
            return {"id": f"SO-{order['number']}"}
        return {"book": book}


@pytest.fixture
def hub(make_hub):
    registry = ConnectorRegistry.from_entry_points().clone()
    registry.register(Erp)
    Erp.booked = []
    return make_hub({"erp": {"connector": "retention_erp"}},
                    {"a.yaml": RECIPE.format(slug="orders", extra=""),
                     "b.yaml": RECIPE.format(slug="orders-short", extra="retention: {event_bodies: 7d, step_data: 7d}\n")},
                    registry=registry)


def deliver(hub, key: str, number: str, recipes=("orders",)) -> list[int]:
    body = f'{{"number": "{number}", "email": "ana@example.org"}}'.encode()
    accepted = accept(hub.sessions, NewEvent(source="manual", dedupe_key=key, body=body),
                      [(slug, hub.recipes[slug].recipe.hash) for slug in recipes])
    return list(accepted.run_ids)


def run(hub, run_id: int, *, age: timedelta = timedelta(0)) -> None:
    """Execute a run, then make it (and its event) look ``age`` old."""
    execute(hub, claim_run(hub.sessions, "test", run_id))
    with hub.sessions.begin() as session:
        found = session.get(Run, run_id)
        found.finished_at = (found.finished_at or utcnow()) - age
        found.created_at = found.created_at - age
        found.event.received_at = found.event.received_at - age


def prune_hub(hub, **retention):
    overrides = {slug: built.recipe.retention for slug, built in hub.recipes.items()}
    return prune(hub.sessions, Retention(**retention), overrides, pause=0)


def state(hub, run_id: int) -> dict:
    with hub.sessions() as session:
        found = session.get(Run, run_id)
        if found is None:
            return {"run": None}
        return {"run": found.status, "body_pruned": found.event.pruned_at is not None,
                "steps_pruned": all(s.pruned_at is not None for s in found.steps)}


def test_each_kind_is_pruned_after_its_own_retention(hub):
    fresh, month, old = (deliver(hub, k, n)[0] for k, n in (("d1", "1"), ("d2", "2"), ("d3", "3")))
    run(hub, fresh, age=DAY)
    run(hub, month, age=40 * DAY)
    run(hub, old, age=200 * DAY)
    report = prune_hub(hub)
    assert state(hub, fresh) == {"run": "succeeded", "body_pruned": False, "steps_pruned": False}
    assert state(hub, month) == {"run": "succeeded", "body_pruned": True, "steps_pruned": True}
    assert state(hub, old) == {"run": None}
    assert report.counts == {"finished_runs": 1, "step_data": 2, "event_bodies": 2, "effects": 1, "audit": 0}
    with hub.sessions() as session:
        steps = session.scalars(select(StepRun).where(StepRun.run_id == month)).all()
        effect = session.get(Effect, "orders/erp//3")
        event = session.scalars(select(Event).where(Event.dedupe_key == "d3")).one()
    assert steps[0].output == {"_pruned": utcnow().date().isoformat()}
    assert (effect.status, effect.run_id, effect.result) == ("done", None, {"_pruned": utcnow().date().isoformat()})
    assert event.body == b'{"_pruned":"%s"}' % utcnow().date().isoformat().encode()


def test_a_recipe_retention_overrides_the_hubs_and_a_shared_event_keeps_the_longest(hub):
    alone = deliver(hub, "short", "1", recipes=("orders-short",))[0]
    shared = deliver(hub, "both", "2", recipes=("orders", "orders-short"))
    for run_id in (alone, *shared):
        run(hub, run_id, age=10 * DAY)
    prune_hub(hub)
    assert state(hub, alone) == {"run": "succeeded", "body_pruned": True, "steps_pruned": True}
    assert state(hub, shared[0]) == {"run": "succeeded", "body_pruned": False, "steps_pruned": False}
    assert state(hub, shared[1]) == {"run": "succeeded", "body_pruned": False, "steps_pruned": True}


def test_the_body_goes_with_the_last_run_of_its_event_whatever_the_hub_default(hub):
    gone = deliver(hub, "short-lived", "1")[0]
    run(hub, gone, age=10 * DAY)
    with hub.sessions() as session:
        event_id = session.get(Run, gone).event_id
    prune_hub(hub, finished_runs=timedelta(days=8), event_bodies=timedelta(days=30))
    with hub.sessions() as session:
        assert session.get(Run, gone) is None
        assert session.get(Event, event_id).pruned_at is not None


@pytest.mark.parametrize("status", ["queued", "running", "retrying", "held"])
def test_an_unfinished_run_and_its_event_are_never_pruned(hub, status):
    done, waiting = deliver(hub, "e", "1", recipes=("orders", "orders-short"))
    run(hub, done, age=400 * DAY)
    with hub.sessions.begin() as session:
        found = session.get(Run, waiting)
        found.status, found.created_at = status, utcnow() - 400 * DAY
        found.finished_at = utcnow() - 400 * DAY if status == "held" else None
    prune_hub(hub)
    assert state(hub, waiting) == {"run": status, "body_pruned": False, "steps_pruned": True}


def test_a_dead_run_keeps_its_body_for_a_replay_until_the_run_itself_goes(hub):
    dead = deliver(hub, "e", "1")[0]
    with hub.sessions.begin() as session:
        found = session.get(Run, dead)
        found.status, found.finished_at = "dead", utcnow() - 60 * DAY
    prune_hub(hub)
    assert state(hub, dead)["body_pruned"] is False
    replayed = replay(hub.sessions, dead, {"orders": hub.recipes["orders"].recipe.hash}, who="the tests")
    run(hub, replayed, age=60 * DAY)
    prune_hub(hub)
    assert state(hub, dead)["body_pruned"] is True
    with pytest.raises(ReplayError, match=r"the event of run \d+ was pruned on .* nothing left to replay"):
        replay(hub.sessions, replayed, {"orders": hub.recipes["orders"].recipe.hash}, who="the tests")


def test_after_pruning_a_redelivery_is_a_duplicate_and_no_effect_is_repeated(hub):
    first = deliver(hub, "delivery-1", "1001")[0]
    run(hub, first, age=400 * DAY)
    prune_hub(hub)
    assert state(hub, first) == {"run": None}
    assert deliver(hub, "delivery-1", "1001") == []  # the stored duplicate has no runs left
    again = deliver(hub, "delivery-2", "1001")[0]  # the same order, told again
    run(hub, again)
    assert Erp.booked == ["1001"]
    with hub.sessions() as session:
        reused = session.scalars(select(StepRun).where(StepRun.run_id == again, StepRun.step_id == "erp")).one()
    assert reused.status == "reused"


def test_audit_lines_go_after_their_retention_but_erasure_records_stay(hub):
    with hub.sessions.begin() as session:
        for kind in ("webhook_rejected", "erasure", "replay"):
            session.add(AuditEntry(kind=kind, detail="x", at=utcnow() - 100 * DAY))
        session.add(AuditEntry(kind="webhook_rejected", detail="recent"))
    assert prune_hub(hub).counts["audit"] == 2
    with hub.sessions() as session:
        assert sorted(session.scalars(select(AuditEntry.kind))) == ["erasure", "webhook_rejected"]


def test_never_keeps_a_kind_for_ever(hub):
    old = deliver(hub, "e", "1")[0]
    run(hub, old, age=4000 * DAY)
    prune_hub(hub, finished_runs=None, step_data=None, event_bodies=None)
    assert state(hub, old) == {"run": "succeeded", "body_pruned": False, "steps_pruned": False}


def test_the_prune_command_counts_in_a_dry_run_then_prunes(hub):
    for n in range(3):
        run(hub, deliver(hub, f"d{n}", str(n))[0], age=200 * DAY)
    config = hub.settings.path.with_name("admin.yaml")  # the same database, as an admin's config names it
    config.write_text(yaml.safe_dump({"database": hub.settings.database_url, "recipes": ["none/*.yaml"]}))
    config = str(config)
    dry = CliRunner().invoke(main, ["--config", config, "prune", "--dry-run"], catch_exceptions=False)
    assert dry.exit_code == 0, dry.output
    assert dry.output.splitlines()[:3] == ["would remove:", "  finished runs: 3 (with 6 step record(s))",
                                           "  step data: 0 step record(s)"]
    assert "  event bodies: 3" in dry.output and "  effect results: 3 (their keys kept)" in dry.output
    with hub.sessions() as session:
        assert len(session.scalars(select(Run.id)).all()) == 3
    done = CliRunner().invoke(main, ["--config", config, "prune"], catch_exceptions=False)
    assert "removed:" in done.output and "finished runs: 3 (with 6 step record(s))" in done.output
    assert "event bodies: 3" in done.output


@pytest.mark.parametrize(("retention", "message"), [
    ({"event_bodies": "a month"}, "retention/event_bodies:"),
    ({"finished_runs": "30 days"}, "retention/finished_runs:"),
    ({"logs": "30d"}, "retention/logs: unknown key 'logs'"),
    ({"finished_runs": -1}, "retention/finished_runs: must be at least 1, not -1"),
    ({"finished_runs": "0d"}, "retention/finished_runs: '0d' is not a retention"),
    ({"step_data": "999999999d"}, "retention/step_data: '999999999d' is not a retention"),
    ({"every": 0}, "retention/every: must be at least 1, not 0"),
    ({"every": "never"}, "retention/every: 'never' is not an interval"),
], ids=["words", "spaced", "unknown-key", "negative", "zero", "beyond-the-calendar", "every-zero", "every-never"])
def test_a_bad_retention_in_the_config_is_reported_where_it_is(tmp_path, retention, message):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"retention": retention}))
    with pytest.raises(ConfigError) as caught:
        load_settings(path, ConnectorRegistry.from_entry_points())
    assert f"{path}:2:" in str(caught.value) and message in str(caught.value)


def test_the_config_retention_is_read_over_the_defaults(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"retention": {"step_data": "7d", "audit": "never", "batch_size": 50}}))
    settings = load_settings(path, ConnectorRegistry.from_entry_points())
    assert settings.retention == Retention(step_data=7 * DAY, audit=None, batch_size=50)
    assert Retention() == Retention(event_bodies=30 * DAY, step_data=30 * DAY, finished_runs=180 * DAY,
                                    audit=90 * DAY)


# --- Pruning beside the inbox ------------------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def sessions(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'hub.db'}"
        engine = make_engine(url)
        Base.metadata.create_all(engine)
        yield make_sessionmaker(engine)
        engine.dispose()
        return
    pytest.importorskip("psycopg")
    name = f"o2c_retention_{uuid.uuid4().hex[:8]}"
    server = create_engine(PG_SERVER, isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        server.dispose()
        pytest.skip(f"PostgreSQL at 127.0.0.1:5432 is not reachable: {error.__class__.__name__}")
    engine = make_engine(PG_SERVER.rsplit("/", 1)[0] + f"/{name}")
    Base.metadata.create_all(engine)
    yield make_sessionmaker(engine)
    engine.dispose()
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    server.dispose()


def old_history(sessions, count: int) -> None:
    """``count`` events, each with a run finished a year ago and three step records."""
    long_ago = utcnow() - 365 * DAY
    body = b'{"customer": {"email": "ana@example.org"}, "lines": [' + b'{"sku": "TEA"},' * 200 + b'{}]}'
    with sessions.begin() as session:
        session.execute(insert(Event), [{"source": "webhook", "dedupe_key": f"old-{i}", "headers": {},
                                         "body": body, "received_at": long_ago} for i in range(count)])
        session.execute(insert(Run), [{"recipe": "orders", "recipe_hash": "h", "event_id": i + 1,
                                       "status": "succeeded", "attempt": 1, "next_attempt_at": long_ago,
                                       "created_at": long_ago, "finished_at": long_ago} for i in range(count)])
        session.execute(insert(StepRun), [{"run_id": i // 3 + 1, "attempt": 1, "step_id": f"s{i % 3}",
                                           "kind": "map", "status": "succeeded", "started_at": long_ago,
                                           "input": {"email": "ana@example.org"}, "output": {"n": i}}
                                          for i in range(count * 3)])


def test_an_inbox_accept_waits_for_one_prune_batch_at_most(sessions):
    old_history(sessions, 3000)
    batches: list[float] = []
    waits: list[float] = []
    pruning = threading.Thread(target=lambda: prune(
        sessions, Retention(finished_runs=None, batch_size=250), {},
        on_batch=lambda kind, rows, seconds: batches.append(seconds)))
    started = time.monotonic()
    pruning.start()
    n = 0
    while pruning.is_alive():
        t0 = time.monotonic()
        assert not accept(sessions, NewEvent(source="webhook", dedupe_key=f"new-{n}", body=b"{}"),
                          [("orders", "h")]).duplicate
        waits.append(time.monotonic() - t0)
        n += 1
        time.sleep(0.01)
    pruning.join()
    elapsed = time.monotonic() - started
    longest_wait, longest_batch = max(waits), max(batches)
    print(f"\n{sessions.kw['bind'].dialect.name}: {len(batches)} batches in {elapsed:.2f}s, longest batch "
          f"{longest_batch * 1000:.0f} ms; {len(waits)} accepts meanwhile, longest {longest_wait * 1000:.0f} ms, "
          f"median {sorted(waits)[len(waits) // 2] * 1000:.1f} ms")
    assert len(batches) >= 24  # 12 batches of step data and 12 of event bodies
    # one batch, plus the busy handler's sleep (SQLite sleeps up to 100 ms between tries)
    assert longest_wait < longest_batch + 0.5, (longest_wait, longest_batch)
    assert longest_wait < elapsed / 4
    with sessions() as session:
        assert session.scalar(select(Event.id).where(Event.pruned_at.is_(None), Event.dedupe_key == "old-1")) is None


def test_the_running_hub_prunes_on_its_interval(hub):
    from hub.runs.retention import scheduled_prune
    from hub.scheduler import Scheduler

    scheduler = Scheduler(hub)
    scheduler.start()
    try:
        job = scheduler._scheduler.get_job("retention:prune")
        assert job is not None and job.trigger.interval == timedelta(hours=1)
    finally:
        scheduler.stop()
    old = deliver(hub, "e", "1")[0]
    run(hub, old, age=200 * DAY)
    scheduled_prune(hub)
    assert state(hub, old) == {"run": None}
