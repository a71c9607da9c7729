"""Reading canonical records back: one by natural key or external ref, or many by columns.

Records come back as their stored canonical document plus ``id`` (the hub's own id) and, for
invoices, ``days_overdue`` (whole days past the due date on ``as_of``, 0 when not due yet).
"Overdue" is the one definition of ``hub.o2c.receivables``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from itertools import islice
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.o2c.receivables import days_past_due, is_overdue, may_be_overdue
from hub.store.base import Base
from hub.store.o2c import ENTITY_MODELS, ExternalRef, Invoice
from hub.store.o2c_columns import ENTITY_TABLES

OPEN_INVOICE = ("open", "partially_paid")
_NOT_QUERYABLE = {"id", "data"}


def queryable_columns(entity: str) -> list[str]:
    """The stored columns a query may filter ``entity`` on."""
    model = ENTITY_MODELS[entity]
    return [c.name for c in model.__table__.columns
            if c.name not in _NOT_QUERYABLE and not c.name.endswith("_id")]


def find_record(session: Session, entity: str, *, match: Mapping[str, Any] | None = None,
                ref: tuple[str, str] | None = None, as_of: date | None = None) -> dict | None:
    """The record with this external ref, else with this natural key; None if there is none."""
    model = ENTITY_MODELS[entity]
    row = None
    if ref is not None:
        known = session.scalar(select(ExternalRef).where(
            ExternalRef.system == ref[0], ExternalRef.entity == entity,
            ExternalRef.external_id == str(ref[1])))
        row = session.get(model, known.canonical_id) if known else None
    if row is None and match:
        query = ENTITY_TABLES[entity].natural_key(_with_defaults(entity, match))
        row = session.scalars(query.limit(1)).first() if query is not None else None
    return document(row, as_of) if row is not None else None


def find_records(session: Session, entity: str, *, where: Mapping[str, Any],
                 overdue: bool = False, as_of: date | None = None, limit: int = 1000) -> list[dict]:
    """Records whose columns equal ``where``'s values (or one of a list), oldest first;
    ``overdue``: only invoices overdue on ``as_of`` (default today)."""
    model = ENTITY_MODELS[entity]
    query = select(model).order_by(model.id)
    for column, wanted in where.items():
        field = getattr(model, column)
        query = query.where(field.in_(wanted) if isinstance(wanted, list) else field == wanted)
    if not overdue:
        return [document(row, as_of) for row in session.scalars(query.limit(limit))]
    today = as_of or date.today()
    rows = session.scalars(query.where(may_be_overdue(today)))
    return [document(row, today) for row in islice((r for r in rows if is_overdue(r.data, today)), limit)]


def document(row: Base, as_of: date | None = None) -> dict[str, Any]:
    """A stored row as its canonical document, with the hub's id and derived facts."""
    doc = {**row.data, "id": row.id}
    if isinstance(row, Invoice):
        doc["days_overdue"] = max(0, days_past_due(doc, as_of or date.today()))
    return doc


def _with_defaults(entity: str, match: Mapping[str, Any]) -> dict[str, Any]:
    # Invoices are unique by (kind, number); most lookups mean a plain invoice.
    return {"kind": "invoice", **match} if entity == "invoice" else dict(match)
