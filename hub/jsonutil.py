"""JSON that keeps money exact: numbers with a fraction parse to Decimal and Decimals
serialize as JSON number literals (never through float).

JSON may spell a UTF-16 surrogate on its own (``"\\ud800"``); it parses to text that has no
UTF-8 form, so a database, a web answer or a terminal would refuse it. :func:`dumps` writes such
characters back as ``\\uXXXX`` escapes (the text still round-trips), and
:func:`unpaired_surrogate` finds them in a body before it is accepted for processing.
"""

from __future__ import annotations

import re
from typing import Any

import simplejson

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")
# A \u escape in the surrogate range (D800-DFFF): the only way JSON text can spell one.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_ESCAPE = re.compile(r"\\(?:u([0-9a-fA-F]{4})|.)", re.DOTALL)


def loads(text: str | bytes) -> Any:
    """Parse JSON; non-integer numbers become Decimal."""
    return simplejson.loads(text, use_decimal=True)


def dumps(value: Any, *, pretty: bool = False) -> str:
    """Serialize JSON; Decimal is written as a number literal, sets and tuples as arrays;
    a lone surrogate is written as its ``\\uXXXX`` escape, so the text is always valid UTF-8."""
    text = simplejson.dumps(
        value,
        use_decimal=True,
        indent=2 if pretty else None,
        separators=None if pretty else (",", ":"),
        default=_fallback,
        ensure_ascii=False,
    )
    if _LONE_SURROGATE.search(text) is None:
        return text
    return _LONE_SURROGATE.sub(lambda found: f"\\u{ord(found.group()):04x}", text)


def invalid_unicode(text: str) -> str | None:
    """``text that is not valid Unicode (an unpaired surrogate ...)`` when JSON ``text`` holds
    one (see :func:`unpaired_surrogate`), else None: say what holds it before."""
    found = unpaired_surrogate(text)
    return f"text that is not valid Unicode ({found})" if found else None


def unpaired_surrogate(text: str) -> str | None:
    """Where JSON ``text`` escapes a surrogate that is not half of a valid pair, in words
    (``an unpaired surrogate \\ud800 at character 21``, counted from 1), or None.

    Only text holding an escape in the surrogate range is read closely; ``text`` is
    expected to be JSON the parser has already accepted.
    """
    if _SURROGATE_ESCAPE.search(text) is None:
        return None
    for string in _STRING.finditer(text):
        if "\\u" in string.group():
            offset = _unpaired_in(string.group())
            if offset is not None:
                at = string.start() + offset
                return f"an unpaired surrogate {text[at:at + 6]} at character {at + 1}"
    return None


def _unpaired_in(literal: str) -> int | None:
    """The offset of the first unpaired surrogate escape in one JSON string literal."""
    high_at = high_end = None  # a high surrogate waiting for its low half
    for escape in _ESCAPE.finditer(literal):
        code = int(escape.group(1), 16) if escape.group(1) else None
        low = code is not None and 0xDC00 <= code <= 0xDFFF
        if high_at is not None and not (low and escape.start() == high_end):
            return high_at
        if high_at is not None:
            high_at = None
            continue
        if low:
            return escape.start()
        if code is not None and 0xD800 <= code <= 0xDBFF:
            high_at, high_end = escape.start(), escape.end()
    return high_at


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
