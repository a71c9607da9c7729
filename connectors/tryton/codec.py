"""Tryton's JSON-RPC value encoding, both ways, so money and dates stay exact.

Tryton writes the values JSON has no type for as tagged objects::

    Decimal("12.90")            {"__class__": "Decimal", "decimal": "12.90"}
    date(2024, 3, 31)           {"__class__": "date", "year": 2024, "month": 3, "day": 31}
    datetime(..., 9, 30)        {"__class__": "datetime", "year": ..., "hour": 9, ..., "microsecond": 0}
    time / timedelta / bytes    {"__class__": "time" | "timedelta" | "bytes", ...}

:func:`encode` turns Python values into that shape before ``json.dumps``; :func:`decode` is the
``object_hook`` that turns them back. Plain JSON numbers with a fraction are parsed as Decimal
too (see :func:`loads`), never as float.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any


def _encode_datetime(value: dt.datetime) -> dict[str, Any]:
    return {"__class__": "datetime", "year": value.year, "month": value.month, "day": value.day,
            "hour": value.hour, "minute": value.minute, "second": value.second,
            "microsecond": value.microsecond}


def _encode_time(value: dt.time) -> dict[str, Any]:
    return {"__class__": "time", "hour": value.hour, "minute": value.minute,
            "second": value.second, "microsecond": value.microsecond}


ENCODERS: dict[type, Callable[[Any], dict[str, Any]]] = {
    Decimal: lambda v: {"__class__": "Decimal", "decimal": str(v)},
    dt.datetime: _encode_datetime,
    dt.date: lambda v: {"__class__": "date", "year": v.year, "month": v.month, "day": v.day},
    dt.time: _encode_time,
    dt.timedelta: lambda v: {"__class__": "timedelta", "seconds": v.total_seconds()},
    bytes: lambda v: {"__class__": "bytes", "base64": base64.b64encode(v).decode()},
}

DECODERS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "Decimal": lambda d: Decimal(str(d["decimal"])),
    "datetime": lambda d: dt.datetime(d["year"], d["month"], d["day"], d["hour"], d["minute"],
                                      d["second"], d.get("microsecond", 0)),
    "date": lambda d: dt.date(d["year"], d["month"], d["day"]),
    "time": lambda d: dt.time(d["hour"], d["minute"], d["second"], d.get("microsecond", 0)),
    "timedelta": lambda d: dt.timedelta(seconds=float(d["seconds"])),
    "bytes": lambda d: base64.b64decode(d["base64"]),
}


def encode(value: Any) -> Any:
    """``value`` with every Decimal, date, datetime, time, timedelta and bytes tagged."""
    encoder = ENCODERS.get(type(value))
    if encoder is not None:
        return encoder(value)
    if isinstance(value, Mapping):
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [encode(item) for item in value]
    return value


def decode(obj: dict[str, Any]) -> Any:
    """``json`` object hook: a tagged object becomes its Python value, others stay dicts."""
    decoder = DECODERS.get(obj.get("__class__"))  # type: ignore[arg-type]
    return decoder(obj) if decoder is not None else obj


def dumps(value: Any) -> str:
    """A JSON-RPC body in Tryton's encoding."""
    return json.dumps(encode(value), separators=(",", ":"), ensure_ascii=False)


def loads(text: str | bytes) -> Any:
    """Parse a Tryton answer: tagged objects decoded, fractional numbers as Decimal."""
    return json.loads(text, object_hook=decode, parse_float=Decimal)
