"""When to try a failed run again: exponential (or fixed) backoff with jitter, capped,
and never sooner than the remote system asked for (Retry-After)."""

from __future__ import annotations

import random
from datetime import timedelta

from hub.recipe.model import RetryPolicy


def retry_delay(
    policy: RetryPolicy,
    attempt: int,
    *,
    retry_after: float | None = None,
    rng: random.Random | None = None,
) -> timedelta:
    """The wait before attempt ``attempt + 1``, after attempt ``attempt`` (1-based) failed.

    Exponential: initial x 2^(attempt-1), capped at max_delay. Jitter keeps the wait between
    half and all of that, so many runs failing together do not return together.
    """
    base = policy.initial.total_seconds()
    if policy.backoff == "exponential":
        base *= 2 ** (attempt - 1)
    delay = min(base, policy.max_delay.total_seconds())
    if policy.jitter:
        delay = delay / 2 + (rng or random).uniform(0, delay / 2)
    if retry_after is not None:
        delay = max(delay, retry_after)
    return timedelta(seconds=delay)


def attempts_left(policy: RetryPolicy, attempt: int) -> bool:
    """Whether a run that has just failed attempt ``attempt`` may try again."""
    return attempt < policy.max_attempts
