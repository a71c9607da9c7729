"""JSON that keeps money exact: numbers with a fraction parse to Decimal and Decimals
serialize as JSON number literals (never through float)."""

from __future__ import annotations

from typing import Any

import simplejson


def loads(text: str | bytes) -> Any:
    """Parse JSON; non-integer numbers become Decimal."""
    return simplejson.loads(text, use_decimal=True)


def dumps(value: Any, *, pretty: bool = False) -> str:
    """Serialize JSON; Decimal is written as a number literal, sets and tuples as arrays."""
    return simplejson.dumps(
        value,
        use_decimal=True,
        indent=2 if pretty else None,
        separators=None if pretty else (",", ":"),
        default=_fallback,
        ensure_ascii=False,
    )


def _fallback(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"cannot serialize {type(value).__name__} as JSON")


def parse_body(body: bytes) -> Any:
    """A stored request body as data: JSON when it is JSON, else its text (None if empty)."""
    if not body:
        return None
    try:
        return loads(body)
    except ValueError:
        return body.decode("utf-8", errors="replace")
