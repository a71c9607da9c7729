"""Column types and mixins shared by the canonical O2C tables."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Numeric
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from hub.store.base import utcnow

#: Quantities (hours, kilograms) keep more decimals than money.
Quantity = Numeric(20, 6, asdecimal=True)

#: Tax rates as fractions (0.19 for 19%).
Rate = Numeric(9, 6, asdecimal=True)


class Document(TypeDecorator):
    """A canonical document as JSON, exact on every backend.

    Decimals are written as decimal strings ("19.99"), which the canonical schemas accept as
    amounts, so a stored document is itself a valid canonical record; run it through
    ``hub.canonical.normalize`` to get Decimals back. (Native JSON drivers would otherwise
    refuse Decimals or turn them into floats.)
    """

    impl = JSON
    cache_ok = True

    def process_bind_param(self, value: Any, dialect) -> Any:
        return plain_json(value)


def plain_json(value: Any) -> Any:
    """``value`` with every Decimal (at any depth) written as its decimal string, tuples as lists.

    Every document written goes through here, so the common leaves (text, numbers, None) are
    passed over where they are met instead of in a call of their own."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: v if type(v) in _LEAVES else plain_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [v if type(v) in _LEAVES else plain_json(v) for v in value]
    return value


_LEAVES = frozenset({str, int, float, bool, type(None)})


class Documented:
    """Mixin: the full canonical document plus creation and update times."""

    data: Mapped[dict[str, Any]] = mapped_column(Document)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
