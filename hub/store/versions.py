"""Source versions: which of two copies of one external record is the older.

A source system's version of a record is a string that orders its copies: an ISO 8601
timestamp of the record's last change (Tryton ``write_date``, Stripe ``created``, Salesforce
``SystemModstamp``) or a number (a sequence or revision).

    is_older("2026-12-07T10:15:02+00:00", "2026-12-07T11:00:00Z")   True
    is_older("9", "10")                                              True (numbers, not text)
    is_older("2026-12-07T10:15:02Z", "17")                           False (incomparable)

Two versions are compared as aware datetimes when both are ISO 8601 (a naive one is UTC), as
decimals when both are numbers, as plain text when neither is either. A pair of different kinds
cannot be ordered, and a version that cannot be ordered is never older: a copy is dropped only
when the store knows for sure that it holds a newer one.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal

_NUMBER = re.compile(r"^\s*-?\d+(\.\d+)?\s*$")


def is_older(incoming: str | None, stored: str | None) -> bool:
    """Whether ``incoming`` is certainly older than ``stored`` (False when either is missing)."""
    if not incoming or not stored:
        return False
    a, b = _orderable(incoming), _orderable(stored)
    if type(a) is not type(b):
        return False
    return a < b


def _orderable(version: str) -> datetime | Decimal | str:
    """``version`` as the most specific value that orders it: a number, a moment, else text."""
    if _NUMBER.match(version):
        return Decimal(version.strip())
    try:
        moment = datetime.fromisoformat(version.strip().replace("z", "Z"))
    except ValueError:
        return version
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
