"""Status → error class for every HTTP client built on this toolkit: the ONE place it is decided.

    2xx                               ok (nothing raised)
    408, 425, 429, 5xx                RetriableError (retry_after from Retry-After / X-RateLimit-Reset)
    other 4xx (and 1xx/3xx leftovers) FatalError
    ConnectionError, Timeout          RetriableError (see :func:`network_error`)

Messages carry the status and a short excerpt of the body, never request headers, so a token
sent by the client cannot leak into a run record.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

import requests

from hub.errors import ConnectorError, FatalError, RetriableError

RETRIABLE_STATUSES = frozenset({408, 425, 429})
EXCERPT_CHARS = 300


def classify(response: requests.Response, *, connection: str | None, action: str | None) -> None:
    """Return if ``response`` is 2xx, otherwise raise the matching ConnectorError subclass."""
    status = response.status_code
    if 200 <= status < 300:
        return
    context = {
        "connection": connection,
        "action": action,
        "status": status,
        "response_excerpt": excerpt(response.text),
    }
    reason = f"{response.reason or 'error'}: {context['response_excerpt']}".rstrip(": ")
    if status in RETRIABLE_STATUSES or status >= 500:
        raise RetriableError(reason, retry_after=retry_after_of(response.headers), **context)
    raise FatalError(reason, **context)


def network_error(
    error: requests.RequestException, *, connection: str | None, action: str | None
) -> ConnectorError:
    """The hub error for a request that got no response (refused, reset, timed out)."""
    kind = "timed out" if isinstance(error, requests.Timeout) else "connection failed"
    if isinstance(error, (requests.ConnectionError, requests.Timeout)):
        return RetriableError(f"request {kind}", connection=connection, action=action)
    # Anything else (invalid URL, too many redirects, ...) will not heal by waiting.
    return FatalError(f"request failed: {type(error).__name__}", connection=connection, action=action)


def excerpt(text: str | None, limit: int = EXCERPT_CHARS) -> str:
    """The first ``limit`` characters of ``text`` on one line, marked when truncated."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= limit else flat[:limit] + "…"


def retry_after_of(headers: Mapping[str, str]) -> float | None:
    """Seconds to wait according to Retry-After, else X-RateLimit-Reset (epoch or delta)."""
    parsed = parse_retry_after(headers.get("Retry-After"))
    if parsed is not None:
        return parsed
    return parse_rate_limit_reset(headers.get("X-RateLimit-Reset"))


def parse_retry_after(value: str | None, *, now: float | None = None) -> float | None:
    """Parse a Retry-After value (delta-seconds or HTTP-date) into seconds from now (>= 0)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def parse_rate_limit_reset(value: str | None, *, now: float | None = None) -> float | None:
    """X-RateLimit-Reset: large numbers are an epoch second, small ones a delta (GitHub vs others)."""
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    if number is None:
        return None
    current = time.time() if now is None else now
    return max(0.0, number - current) if number > 1_000_000_000 else max(0.0, number)
