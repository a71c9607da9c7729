"""Reconciliation: two systems' lists of the same things, paired by a key, and their differences.

    diff = compare_lists(left, right, key=..., fields={"total": ..., "currency": ...})
        missing_left    keys only on the right (the left system lacks them)
        missing_right   keys only on the left
        mismatched      paired records whose compared fields differ
        rows            every difference as (kind, key, field, left, right): a mismatch keeps
                        both values of its field; a missing record keeps the first compared
                        field (the amount) of the side that has it, and None for the other
    record_exceptions(session, "storefront-vs-erp", diff, run_id=...)
        every row becomes an open ReconciliationException (one per kind, key and field) with
        its left and right values; open ones this run no longer finds are resolved

Records sharing a key on one side are one group: numeric fields are summed (three payment
applications of one payment add up to its amount), other fields are taken from the first.
Numbers and numeric strings compare as exact decimals, within ``tolerance``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.store.base import utcnow
from hub.store.o2c_credit import ReconciliationException

Reader = Callable[[Any], Any]
KINDS = ("missing_left", "missing_right", "mismatched")


@dataclass(frozen=True, slots=True, kw_only=True)
class Mismatch:
    key: str
    field: str
    left: Any
    right: Any


@dataclass(frozen=True, slots=True, kw_only=True)
class Difference:
    """One exception's worth: what kind, which record, which field, and both sides' values."""

    kind: str
    key: str
    field: str
    left: Any
    right: Any

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "key": self.key, "field": self.field, "left": self.left, "right": self.right}


@dataclass(frozen=True, slots=True, kw_only=True)
class Differences:
    missing_left: list[str] = field(default_factory=list)
    missing_right: list[str] = field(default_factory=list)
    mismatched: list[Mismatch] = field(default_factory=list)
    matched: int = 0
    rows: list[Difference] = field(default_factory=list)  # mismatches first, then missing records

    @property
    def count(self) -> int:
        return len(self.missing_left) + len(self.missing_right) + len(self.mismatched)

    def as_dict(self) -> dict[str, Any]:
        return {"missing_left": self.missing_left, "missing_right": self.missing_right,
                "mismatched": [{"key": m.key, "field": m.field, "left": m.left, "right": m.right}
                               for m in self.mismatched],
                "differences": [row.as_dict() for row in self.rows],
                "matched": self.matched, "count": self.count}


def compare_lists(left: Sequence[Any] | None, right: Sequence[Any] | None, *, key: Reader,
                  fields: Mapping[str, Reader], tolerance: Decimal = Decimal(0)) -> Differences:
    """The differences between ``left`` and ``right`` (records without a key are ignored)."""
    lefts, rights = _grouped(left or [], key, fields), _grouped(right or [], key, fields)
    mismatched = [
        Mismatch(key=k, field=name, left=lefts[k][name], right=rights[k][name])
        for k in lefts if k in rights
        for name in fields if not _same(lefts[k][name], rights[k][name], tolerance)
    ]
    missing_left = sorted(k for k in rights if k not in lefts)
    missing_right = sorted(k for k in lefts if k not in rights)
    amount = next(iter(fields), "")
    rows = [*(Difference(kind="mismatched", key=m.key, field=m.field, left=m.left, right=m.right) for m in mismatched),
            *(Difference(kind="missing_right", key=k, field=amount, left=lefts[k].get(amount), right=None)
              for k in missing_right),
            *(Difference(kind="missing_left", key=k, field=amount, left=None, right=rights[k].get(amount))
              for k in missing_left)]
    return Differences(
        missing_left=missing_left, missing_right=missing_right, mismatched=mismatched,
        matched=sum(1 for k in lefts if k in rights) - len({m.key for m in mismatched}), rows=rows,
    )


def _grouped(records: Iterable[Any], key: Reader, fields: Mapping[str, Reader]) -> dict[str, dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = {}
    for record in records:
        value = key(record)
        if value in (None, ""):
            continue
        values = {name: read(record) for name, read in fields.items()}
        known = groups.setdefault(str(value), values)
        if known is not values:
            for name, extra in values.items():
                total = _number(known[name]), _number(extra)
                if None not in total:
                    known[name] = total[0] + total[1]
    return groups


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _same(a: Any, b: Any, tolerance: Decimal) -> bool:
    x, y = _number(a), _number(b)
    if x is not None and y is not None:
        return abs(x - y) <= tolerance
    return a == b


def record_exceptions(session: Session, name: str, diff: Differences, *, run_id: int | None) -> int:
    """Keep ``diff`` as open exceptions of reconciliation ``name``; return how many are open."""
    now = utcnow()
    seen: set[int] = set()
    for found in diff.rows:
        row = session.scalar(select(ReconciliationException).where(
            ReconciliationException.reconciliation == name, ReconciliationException.kind == found.kind,
            ReconciliationException.key == found.key, ReconciliationException.field == found.field))
        if row is None:
            row = ReconciliationException(reconciliation=name, kind=found.kind, key=found.key, field=found.field,
                                          first_seen_at=now)
            session.add(row)
        row.left_value, row.right_value, row.run_id = _plain(found.left), _plain(found.right), run_id
        row.status, row.last_seen_at, row.resolved_at = "open", now, None
        session.flush()
        seen.add(row.id)
    for row in session.scalars(select(ReconciliationException).where(
            ReconciliationException.reconciliation == name, ReconciliationException.status == "open")):
        if row.id not in seen:
            row.status, row.resolved_at = "resolved", now
    return len(seen)


def _plain(value: Any) -> Any:
    """JSON-safe: exact decimals as text."""
    return str(value) if isinstance(value, Decimal) else value


def list_exceptions(session: Session, *, status: str | None = "open", reconciliation: str | None = None,
                    limit: int = 500, before_id: int | None = None) -> list[ReconciliationException]:
    """Exceptions, newest first (those older than exception ``before_id`` when given)."""
    query = select(ReconciliationException).order_by(ReconciliationException.id.desc()).limit(limit)
    if before_id is not None:
        query = query.where(ReconciliationException.id < before_id)
    if status:
        query = query.where(ReconciliationException.status == status)
    if reconciliation:
        query = query.where(ReconciliationException.reconciliation == reconciliation)
    return list(session.scalars(query))


def exception_view(row: ReconciliationException) -> dict[str, Any]:
    return {"id": row.id, "reconciliation": row.reconciliation, "kind": row.kind, "key": row.key,
            "field": row.field or None, "left": row.left_value, "right": row.right_value,
            "status": row.status, "run_id": row.run_id,
            "first_seen_at": row.first_seen_at.isoformat(), "last_seen_at": row.last_seen_at.isoformat(),
            "resolved_at": row.resolved_at.isoformat() if row.resolved_at else None}
