from __future__ import annotations

import random
from datetime import timedelta

import pytest

from hub.recipe.model import RetryPolicy
from hub.runs.retry import attempts_left, retry_delay


def policy(**kw) -> RetryPolicy:
    base = dict(max_attempts=5, backoff="exponential", initial=timedelta(seconds=10),
                max_delay=timedelta(seconds=60), jitter=False)
    return RetryPolicy(**{**base, **kw})


@pytest.mark.parametrize("attempt, seconds", [(1, 10), (2, 20), (3, 40), (4, 60), (9, 60)])
def test_exponential_doubles_and_is_capped(attempt, seconds):
    assert retry_delay(policy(), attempt) == timedelta(seconds=seconds)


def test_fixed_backoff_keeps_the_initial_delay():
    assert retry_delay(policy(backoff="fixed"), 4) == timedelta(seconds=10)


def test_jitter_stays_between_half_and_all_of_the_delay():
    rng = random.Random(7)
    delays = {retry_delay(policy(jitter=True), 3, rng=rng).total_seconds() for _ in range(200)}
    assert min(delays) >= 20 and max(delays) <= 40 and len(delays) > 100


def test_retry_after_is_a_floor_never_a_ceiling():
    assert retry_delay(policy(), 1, retry_after=25) == timedelta(seconds=25)
    assert retry_delay(policy(), 3, retry_after=2) == timedelta(seconds=40)


def test_attempts_left_counts_the_attempt_that_just_failed():
    assert attempts_left(policy(max_attempts=3), 2)
    assert not attempts_left(policy(max_attempts=3), 3)
