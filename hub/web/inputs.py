"""What the web edge accepts from a request, checked before anything reaches the store.

Every check answers a bad input with 400 (or 404 for an id in a URL) and a one-line reason,
so nothing a client sends can reach SQLite or the JSON parser in a shape they cannot take:

* ids are whole numbers from 1 to 2^63-1 (SQLite's INTEGER); the ``id`` URL converter turns
  any other into 404, :func:`query_int` into 400;
* a JSON body nests at most :data:`MAX_JSON_DEPTH` arrays and objects, measured on the raw
  bytes without recursion, so the recursive parser is never handed a body it would overflow on;
* a JSON body's strings hold valid Unicode: an escaped surrogate that is not half of a pair
  (``"\\ud800"``) has no UTF-8 form and could be neither stored nor shown.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from flask import abort, request
from werkzeug.routing import BaseConverter, PathConverter, ValidationError

from hub import jsonutil

MAX_ID = 2**63 - 1
MAX_JSON_DEPTH = 64  # arrays and objects inside each other; deeper bodies are refused or dead-lettered
MAX_REASON = 500  # characters of a reason kept in the audit log
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(9999, 12, 1)

_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class IdConverter(BaseConverter):
    """``<id:name>``: a row id from 1 to 2^63-1; anything else does not match the route (404)."""

    regex = r"[0-9]{1,19}"  # ASCII only: \d would take other scripts' digits

    def to_python(self, value: str) -> int:
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValidationError()
        return number

    def to_url(self, value: Any) -> str:
        return str(int(value))


class RefConverter(PathConverter):
    """``<ref:name>``: an order number or external id as written, ``/`` (sent as %2F), line
    breaks and any other character included; only an empty or ``/``-led one does not match."""

    regex = r"[^/][\s\S]*?"


def nesting_depth(body: bytes, *, stop_above: int = MAX_JSON_DEPTH) -> int:
    """How deep arrays and objects nest in ``body`` (strings skipped), counted without recursion.

    Counting stops at ``stop_above + 1``: the answer is exact up to the limit and says
    "too deep" beyond it.
    """
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for byte in brackets:
        depth = depth + 1 if byte in b"[{" else max(depth - 1, 0)
        if depth > deepest:
            deepest = depth
            if deepest > stop_above:
                break
    return deepest


def json_object() -> dict[str, Any]:
    """The request body as a JSON object; an empty body is ``{}``; anything else is a 400."""
    body = request.get_data(cache=True)
    if not body.strip():
        return {}
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        abort(400, "the body is not UTF-8")
    if nesting_depth(body) > MAX_JSON_DEPTH:
        abort(400, f"the body nests deeper than {MAX_JSON_DEPTH} levels")
    try:
        value = jsonutil.loads(text)
    except ValueError:
        abort(400, "the body is not JSON")
    if not isinstance(value, dict):
        abort(400, f"the body must be a JSON object, not {_kind(value)}")
    broken = jsonutil.invalid_unicode(text)
    if broken:
        abort(400, f"the body holds {broken}")
    return value


def reason_of(body: dict[str, Any], *, missing: str | None = None) -> str | None:
    """The body's ``reason`` as the audit log keeps it (one line); None when absent and optional.

    A reason that is not text, or longer than :data:`MAX_REASON`, is a 400; so is a missing or
    blank one when ``missing`` (the message saying what to send) is given."""
    value = body.get("reason")
    if value is not None and not isinstance(value, str):
        abort(400, f"reason must be text, not {_kind(value)}")
    folded = " ".join((value or "").split())
    if len(folded) > MAX_REASON:
        abort(400, f"the reason is longer than {MAX_REASON} characters")
    if not folded and missing:
        abort(400, missing)
    return folded or None


def query_int(name: str, default: int | None, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """Query argument ``name`` as a whole number from ``low`` to ``high`` (``default`` if absent)."""
    text = request.args.get(name, "")
    if not text:
        return default
    digits = text.removeprefix("-")
    number = int(text) if digits.isascii() and digits.isdigit() and len(digits) <= 19 else None
    if number is None or not low <= number <= high:
        abort(400, f"{name} must be a whole number from {low} to {high}, not {_shown(text)}")
    return number


def query_date(name: str) -> date | None:
    """Query argument ``name`` as an ISO date from 1900-01-01 to 9999-12-01 (None if absent)."""
    text = request.args.get(name, "")
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or not EARLIEST_DAY <= day <= LATEST_DAY:
        abort(400, f"{name} must be a date such as 2024-03-31 (from {EARLIEST_DAY} to {LATEST_DAY}), "
                   f"not {_shown(text)}")
    return day


def query_currency(name: str = "currency") -> str | None:
    """Query argument ``name`` as an ISO 4217 code: three capital letters (None if absent)."""
    text = request.args.get(name, "")
    if not text:
        return None
    if not (len(text) == 3 and text.isascii() and text.isalpha() and text.isupper()):
        abort(400, f"{name} must be an ISO 4217 code such as EUR, not {_shown(text)}")
    return text


def _kind(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(type(value), "a number")


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:40] + "...")
