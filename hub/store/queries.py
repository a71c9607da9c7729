"""Reading canonical records back: one by natural key or external ref, or many by columns.

Records come back as their stored canonical document plus ``id`` (the hub's own id) and, for
invoices, ``days_overdue`` (whole days past the due date on ``as_of``, 0 when not due yet).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

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
    """Records whose columns equal ``where``'s values (or one of a list), oldest first."""
    model = ENTITY_MODELS[entity]
    query = select(model).order_by(model.id).limit(limit)
    for column, wanted in where.items():
        field = getattr(model, column)
        query = query.where(field.in_(wanted) if isinstance(wanted, list) else field == wanted)
    if overdue:
        today = as_of or date.today()
        query = query.where(Invoice.status.in_(OPEN_INVOICE), Invoice.due_date < today,
                            Invoice.amount_due > Decimal(0))
    return [document(row, as_of) for row in session.scalars(query)]


def document(row: Base, as_of: date | None = None) -> dict[str, Any]:
    """A stored row as its canonical document, with the hub's id and derived facts."""
    doc = {**row.data, "id": row.id}
    if isinstance(row, Invoice):
        due = row.due_date
        doc["days_overdue"] = max(0, ((as_of or date.today()) - due).days) if due else 0
    return doc


def _with_defaults(entity: str, match: Mapping[str, Any]) -> dict[str, Any]:
    # Invoices are unique by (kind, number); most lookups mean a plain invoice.
    return {"kind": "invoice", **match} if entity == "invoice" else dict(match)
