"""What a web process keeps of the AR sums: fresh ones as they are, older ones while new ones are
worked out in the background, nothing older than KEEP; one computation per key at a time."""

from __future__ import annotations

import logging
import threading
import time
from datetime import date
from decimal import Decimal

import pytest

from hub.o2c.reports import kept as kept_module
from hub.o2c.reports.kept import FRESH, KEEP, KeptSummaries
from hub.store.base import Base, make_engine, make_sessionmaker
from hub.store.upsert import upsert

AS_OF = date(2024, 3, 31)


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def sessions(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    Base.metadata.create_all(engine)
    yield make_sessionmaker(engine)
    engine.dispose()


def add_invoice(sessions, number: str, total: str) -> None:
    with sessions.begin() as session:
        upsert(session, "invoice", {"number": number, "currency": "EUR", "total": total, "status": "open",
                                    "issue_date": "2024-03-01", "due_date": "2024-03-15"})


def open_ar(found) -> Decimal:
    return found.summaries["EUR"].receivables(AS_OF)


def eventually(check, seconds: float = 10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.02)
    raise AssertionError("nothing changed in time")


def test_fresh_sums_are_kept_older_ones_answered_while_worked_out_again_and_old_ones_dropped(sessions):
    clock = Clock()
    kept = KeptSummaries(sessions, clock=clock)
    add_invoice(sessions, "I1", "100.00")
    first = kept.get(AS_OF)
    assert open_ar(first) == Decimal("100.00")
    add_invoice(sessions, "I2", "50.00")
    clock.now += FRESH - 1
    assert kept.get(AS_OF) is first
    clock.now += 2  # a minute old: answered as kept, worked out again in the background
    assert kept.get(AS_OF) is first
    second = eventually(lambda: (found := kept.get(AS_OF)) is not first and found)
    assert open_ar(second) == Decimal("150.00") and second.worked_out_at >= first.worked_out_at
    add_invoice(sessions, "I3", "25.00")
    clock.now += KEEP  # too old to answer with: worked out now
    assert open_ar(kept.get(AS_OF)) == Decimal("175.00")
    assert open_ar(kept.get(AS_OF, "EUR")) == Decimal("175.00") and set(kept.get(AS_OF, "USD").summaries) == {"USD"}


def test_one_computation_per_key_and_whoever_asks_meanwhile_waits_for_it(sessions, monkeypatch):
    add_invoice(sessions, "I1", "100.00")
    release, calls = threading.Event(), []
    real = kept_module.summaries

    def slow(session, as_of, currency=None):
        calls.append(as_of)
        release.wait(10)
        return real(session, as_of, currency)

    monkeypatch.setattr(kept_module, "summaries", slow)
    kept = KeptSummaries(sessions)
    kept.warm(AS_OF)
    kept.warm(AS_OF)
    answers = []
    asking = [threading.Thread(target=lambda: answers.append(kept.get(AS_OF))) for _ in range(3)]
    for thread in asking:
        thread.start()
    eventually(lambda: calls)
    release.set()
    for thread in asking:
        thread.join(10)
    assert len(calls) == 1 and len(answers) == 3 and answers[0] is answers[1] is answers[2]
    kept.warm(AS_OF)  # kept: nothing to do
    assert len(calls) == 1


def test_a_failure_in_the_background_is_logged_and_the_next_request_works_the_sums_out(sessions, monkeypatch,
                                                                                        caplog):
    add_invoice(sessions, "I1", "100.00")
    real, failures = kept_module.summaries, []

    def failing_once(session, as_of, currency=None):
        if not failures:
            failures.append(as_of)
            raise RuntimeError("the database went away")
        return real(session, as_of, currency)

    monkeypatch.setattr(kept_module, "summaries", failing_once)
    kept = KeptSummaries(sessions)
    with caplog.at_level(logging.WARNING, logger="o2c_hub"):
        kept.warm(AS_OF)
        eventually(lambda: "could not be worked out" in caplog.text)
    assert "AR sums for 2024-03-31 could not be worked out in the background: RuntimeError" in caplog.text
    assert "went away" not in caplog.text  # a message may quote a value: the log names the error only
    assert open_ar(kept.get(AS_OF)) == Decimal("100.00")


def test_a_request_waits_a_while_for_sums_under_way_then_works_them_out_itself(sessions, monkeypatch):
    add_invoice(sessions, "I1", "100.00")
    clock, release, calls = Clock(), threading.Event(), []
    real = kept_module.summaries

    def first_refresh_stuck(session, as_of, currency=None):
        calls.append(threading.current_thread().name)
        if len(calls) == 2:  # the refresh: as if it got no CPU at the lowest priority
            release.wait(10)
        return real(session, as_of, currency)

    monkeypatch.setattr(kept_module, "summaries", first_refresh_stuck)
    monkeypatch.setattr(kept_module, "WAIT", 0.3)
    kept = KeptSummaries(sessions, clock=clock)
    first = kept.get(AS_OF)
    clock.now += FRESH
    assert kept.get(AS_OF) is first  # answered as kept; a refresh starts
    eventually(lambda: len(calls) == 2)
    add_invoice(sessions, "I2", "50.00")
    clock.now += KEEP
    started = time.monotonic()
    assert open_ar(kept.get(AS_OF)) == Decimal("150.00")  # too old to answer with: waited, then worked out here
    assert time.monotonic() - started >= 0.3
    assert calls[1].startswith("o2c-hub-ar-sums-") and not calls[2].startswith("o2c-hub-ar-sums-")
    release.set()
