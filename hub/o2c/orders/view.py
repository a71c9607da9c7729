"""The order 360° view: one order and everything that happened to it, each fact with its source.

    order_360(session, "1042")            by order number
    order_360(session, "820982911946154508")   or by any system's id for the order

The timeline runs order → credit checks → fulfillments → invoices → payment applications →
payments, each entry with ``sources`` (the systems whose ids the store keeps for it, from
external refs; "hub" for decisions the hub took) and its timestamps.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.o2c.credit.service import check_view, checks_of
from hub.o2c.orders.facts import order_facts
from hub.store.o2c import ExternalRef, Payment, PaymentApplication, SalesOrder


def find_order(session: Session, ref: str) -> SalesOrder | None:
    """The order numbered ``ref``, else the one some system knows by the id ``ref``."""
    order = session.scalar(select(SalesOrder).where(SalesOrder.number == ref))
    if order is not None:
        return order
    known = session.scalars(select(ExternalRef.canonical_id).where(
        ExternalRef.entity == "sales_order", ExternalRef.external_id == ref)).first()
    return session.get(SalesOrder, known) if known is not None else None


def order_360(session: Session, ref: str) -> dict[str, Any] | None:
    """The 360° view of the order ``ref`` (number or external id); None when unknown."""
    order = find_order(session, ref)
    if order is None:
        return None
    facts = order_facts(session, order)
    applications = _applications(session, [i.id for i in facts.invoices])
    payments = _payments(session, applications)
    timeline = [
        _entry(session, "order", "sales_order", order, order.number, status=facts.status,
               total=order.total, currency=order.currency),
        *({"kind": "credit_check", "id": c.id, "sources": ["hub"], "at": _iso(c.checked_at),
           "decided_at": _iso(c.decided_at), **_credit(c)} for c in checks_of(session, order.number)),
        *(_entry(session, "fulfillment", "fulfillment", f, f.number or f.tracking_number, status=f.status,
                 shipped_at=_iso(f.shipped_at)) for f in facts.fulfillments),
        *(_entry(session, "invoice", "invoice", i, i.number, status=i.status, invoice_kind=i.kind,
                 total=i.total, amount_due=i.amount_due, due_date=_iso(i.due_date)) for i in facts.invoices),
        *(_entry(session, "payment_application", "payment_application", a, a.payment_reference,
                 invoice=a.invoice_number, amount=a.amount, application_kind=a.kind) for a in applications),
        *(_entry(session, "payment", "payment", p, p.reference, amount=p.amount, currency=p.currency,
                 received_at=_iso(p.received_at)) for p in payments),
    ]
    return {"order": order.number, "status": facts.status, "currency": order.currency, "total": order.total,
            "external_refs": _refs(session, "sales_order", order.id), "timeline": timeline}


def _entry(session: Session, kind: str, entity: str, row: Any, label: str | None, **facts: Any) -> dict[str, Any]:
    refs = _refs(session, entity, row.id)
    return {"kind": kind, "id": row.id, "label": label, "sources": sorted({r["system"] for r in refs}) or ["hub"],
            "external_refs": refs, "at": _iso(row.created_at), "updated_at": _iso(row.updated_at), **facts}


def _credit(check: Any) -> dict[str, Any]:
    view = check_view(check)
    keep = ("decision", "decided_by", "reason", "exposure", "credit_limit", "fired", "run_id")
    return {k: view[k] for k in keep}


def _refs(session: Session, entity: str, canonical_id: int) -> list[dict[str, str]]:
    rows = session.scalars(select(ExternalRef).where(ExternalRef.entity == entity,
                                                     ExternalRef.canonical_id == canonical_id).order_by(ExternalRef.id))
    return [{"system": r.system, "id": r.external_id} for r in rows]


def _applications(session: Session, invoice_ids: list[int]) -> list[PaymentApplication]:
    if not invoice_ids:
        return []
    return list(session.scalars(select(PaymentApplication).where(PaymentApplication.invoice_id.in_(invoice_ids))
                                .order_by(PaymentApplication.id)))


def _payments(session: Session, applications: list[PaymentApplication]) -> list[Payment]:
    references = sorted({a.payment_reference for a in applications})
    if not references:
        return []
    return list(session.scalars(select(Payment).where(Payment.reference.in_(references)).order_by(Payment.id)))


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
