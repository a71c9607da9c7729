"""A pending effect left by an earlier attempt is looked up at the target before it is sent again."""

from __future__ import annotations

import pytest

from hub.errors import FatalError, RetriableError
from hub.runs.ledger import EffectLedger
from hub.store.base import make_engine, make_sessionmaker
from hub.store.migrate import upgrade
from hub.store.platform import Effect, Run
from tests.runs.test_ledger import add_run


@pytest.fixture
def sessions(tmp_path):
    url = f"sqlite:///{tmp_path}/ledger.db"
    upgrade(url)
    return make_sessionmaker(make_engine(url))


class Target:
    """A system that ignores idempotency keys: every call makes one more order."""

    def __init__(self, orders: list[dict] | None = None):
        self.orders = list(orders or [])
        self.lookups = 0

    def create(self, number: str) -> dict:
        self.orders.append({"id": len(self.orders) + 1, "number": number})
        return self.orders[-1]

    def look_up(self, number: str) -> dict | None:
        self.lookups += 1
        return next((order for order in self.orders if order["number"] == number), None)


def crashed_before_recording(sessions, key: str, target: Target | None, number: str) -> None:
    """An attempt that claimed the effect, (maybe) reached the target, then died: the row stays pending."""
    run_id = add_run(sessions, "running")
    EffectLedger(sessions, run_id=run_id, recipe="r")._claim(key, "erp_order")
    if target is not None:
        target.create(number)
    with sessions.begin() as s:
        s.get(Run, run_id).status = "retrying"  # its next attempt, or another run, takes the effect over


def next_attempt(sessions) -> EffectLedger:
    return EffectLedger(sessions, run_id=add_run(sessions, "running"), recipe="r")


def once(ledger: EffectLedger, target: Target, number: str = "1042"):
    return ledger.once(f"r/erp_order/{number}", "erp_order", lambda: target.create(number),
                       lookup=lambda: target.look_up(number))


def effect(sessions, key: str) -> tuple[str, object]:
    with sessions() as s:
        row = s.get(Effect, key)
        return row.status, row.result


def test_a_pending_effect_the_target_has_is_recorded_done_with_the_found_result(sessions):
    target = Target()
    crashed_before_recording(sessions, "r/erp_order/1042", target, "1042")
    ledger = next_attempt(sessions)
    outcome = once(ledger, target)
    assert target.orders == [{"id": 1, "number": "1042"}], "sent again although the target had it"
    assert (outcome.result, outcome.reused) == ({"id": 1, "number": "1042"}, True)
    with sessions.begin() as s:
        ledger.settle(s)
    assert effect(sessions, "r/erp_order/1042") == ("done", {"id": 1, "number": "1042"})
    assert once(next_attempt(sessions), target).result == {"id": 1, "number": "1042"}
    assert target.lookups == 1  # a done effect is reused from the ledger, not looked up again


def test_a_pending_effect_the_target_does_not_have_is_sent(sessions):
    target = Target()
    crashed_before_recording(sessions, "r/erp_order/1042", None, "1042")  # died before the call
    outcome = once(next_attempt(sessions), target)
    assert (outcome.result, outcome.reused) == ({"id": 1, "number": "1042"}, False)
    assert target.lookups == 1 and len(target.orders) == 1


@pytest.mark.parametrize("failure", [RetriableError("erp/create_order lookup: HTTP 503: busy"),
                                     FatalError("erp/create_order lookup: HTTP 401: unauthorized"),
                                     KeyError("number")], ids=["retriable", "fatal", "bug"])
def test_a_lookup_that_fails_is_retried_and_nothing_is_sent(sessions, failure):
    target = Target()
    crashed_before_recording(sessions, "r/erp_order/1042", target, "1042")

    def failing():
        raise failure

    ledger = next_attempt(sessions)
    with pytest.raises(RetriableError, match="looking it up failed") as raised:
        ledger.once("r/erp_order/1042", "erp_order", lambda: target.create("1042"), lookup=failing)
    assert raised.value.__cause__ is failure
    assert len(target.orders) == 1, "sent blindly after a failed lookup"
    assert effect(sessions, "r/erp_order/1042") == ("pending", None)
    retried = EffectLedger(sessions, run_id=ledger.run_id, recipe="r")  # the run's next attempt
    assert once(retried, target).result == {"id": 1, "number": "1042"}  # its lookup answers
    assert len(target.orders) == 1


def test_a_new_effect_is_sent_without_a_lookup(sessions):
    target = Target([{"id": 1, "number": "1042"}])  # made by some other way: not this ledger's business
    outcome = once(next_attempt(sessions), target)
    assert outcome.reused is False and target.lookups == 0 and len(target.orders) == 2


def test_without_a_lookup_a_pending_effect_is_sent_again(sessions):
    target = Target()
    crashed_before_recording(sessions, "r/erp_order/1042", target, "1042")
    next_attempt(sessions).once("r/erp_order/1042", "erp_order", lambda: target.create("1042"))
    assert [order["number"] for order in target.orders] == ["1042", "1042"]  # at least once


def test_the_attempts_own_failed_call_is_looked_up_by_its_next_attempt(sessions):
    target = Target()
    run_id = add_run(sessions, "running")

    def reached_then_timed_out():
        target.create("1042")
        raise RetriableError("erp/create_order: request timed out")

    with pytest.raises(RetriableError):
        EffectLedger(sessions, run_id=run_id, recipe="r").once(
            "r/erp_order/1042", "erp_order", reached_then_timed_out, lookup=lambda: target.look_up("1042"))
    again = EffectLedger(sessions, run_id=run_id, recipe="r")  # the same run's next attempt
    assert once(again, target).reused is True and len(target.orders) == 1
