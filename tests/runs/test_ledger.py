from __future__ import annotations

import uuid

import pytest

from hub.errors import RetriableError
from hub.idempotency import effect_key
from hub.runs.ledger import EffectLedger
from hub.store.base import make_engine, make_sessionmaker
from hub.store.migrate import upgrade
from hub.store.platform import Event, Run


@pytest.fixture
def sessions(tmp_path):
    url = f"sqlite:///{tmp_path}/ledger.db"
    upgrade(url)
    return make_sessionmaker(make_engine(url))


def add_run(sessions, status: str) -> int:
    with sessions.begin() as s:
        event = Event(source="manual", dedupe_key=f"k-{status}-{uuid.uuid4()}", body=b"{}")
        run = Run(recipe="r", recipe_hash="h", event=event, status=status)
        s.add(run)
        s.flush()
        return run.id


def test_an_effect_is_performed_once_and_its_result_reused(sessions):
    calls = []
    ledger = EffectLedger(sessions, run_id=add_run(sessions, "running"), recipe="r")
    first = ledger.once("r/call/1042", "call", lambda: calls.append(1) or {"id": 7})
    again = ledger.once("r/call/1042", "call", lambda: calls.append(1) or {"id": 8})
    assert calls == [1]
    assert (first.result, first.reused) == ({"id": 7}, False)
    assert (again.result, again.reused) == ({"id": 7}, True)


def test_a_failed_effect_is_tried_again_by_the_next_attempt(sessions):
    ledger = EffectLedger(sessions, run_id=add_run(sessions, "running"), recipe="r")
    with pytest.raises(RuntimeError):
        ledger.once("k", "call", lambda: (_ for _ in ()).throw(RuntimeError("down")))
    assert ledger.once("k", "call", lambda: "ok").result == "ok"


def test_a_pending_effect_of_another_running_run_is_not_performed_twice(sessions):
    other = EffectLedger(sessions, run_id=add_run(sessions, "running"), recipe="r")
    mine = EffectLedger(sessions, run_id=add_run(sessions, "running"), recipe="r")

    def meanwhile():
        with pytest.raises(RetriableError, match="performing this effect right now"):
            mine.once("k", "call", lambda: "second call")
        return "first call"

    assert other.once("k", "call", meanwhile).result == "first call"


def test_a_pending_effect_left_by_a_stopped_run_is_taken_over(sessions):
    crashed = add_run(sessions, "running")
    EffectLedger(sessions, run_id=crashed, recipe="r")._claim("k", "call")
    with sessions.begin() as s:
        s.get(Run, crashed).status = "dead"
    mine = EffectLedger(sessions, run_id=add_run(sessions, "running"), recipe="r")
    assert mine.once("k", "call", lambda: "done").result == "done"


def test_long_keys_stay_unique_and_bounded():
    a, b = effect_key("r", "s", "x" * 1000 + "a"), effect_key("r", "s", "x" * 1000 + "b")
    assert a != b and len(a) <= 400 and a.startswith("r/s/xxx")


def test_a_performed_effect_is_marked_done_with_the_attempts_outcome(sessions):
    from hub.store.platform import Effect

    ledger = EffectLedger(sessions, run_id=add_run(sessions, "running"), recipe="r")
    ledger.once("k", "call", lambda: {"id": 7})
    with sessions() as s:
        assert s.get(Effect, "k").status == "pending"  # committed before the call
    with sessions.begin() as s:
        ledger.settle(s)
    later = EffectLedger(sessions, run_id=add_run(sessions, "running"), recipe="r")
    assert later.once("k", "call", lambda: {"id": 8}) == later.once("k", "call", lambda: None)
    with sessions() as s:
        effect = s.get(Effect, "k")
        assert (effect.status, effect.result) == ("done", {"id": 7})
