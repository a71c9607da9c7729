"""Recording credit checks, and the people's decisions on held orders.

    check_order(session, order, policy, prepaid=..., run_id=...)   evaluate + record a check
    decide(session, number, "approved" | "rejected", who=..., reason=...)
        resolves the order's held check; an approval re-queues the held run (which re-checks
        and now passes, even if the order is still over its limit), a rejection ends it
    held_checks(session)  /  checks_of(session, number)  /  check_view(check)
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.errors import CreditDecisionError
from hub.money import quantize
from hub.o2c.credit.exposure import gather_facts
from hub.o2c.credit.rules import HELD, Policy, assess
from hub.o2c.orders.facts import refresh_order_status
from hub.statuses import RunStatus
from hub.store.base import utcnow
from hub.store.o2c_credit import RULES, CreditCheck
from hub.store.platform import Run

APPROVED, REJECTED = "approved", "rejected"


def check_order(session: Session, order: dict[str, Any], policy: Policy, *, prepaid: bool,
                run_id: int | None, today: date | None = None) -> CreditCheck:
    """Evaluate ``order`` (canonical sales order) and record the check; the caller commits.

    A person's earlier decision on this order number wins over the rules: an approved order
    passes even when still over its limit, a rejected one stays rejected.
    """
    today = today or date.today()
    facts, customer = gather_facts(session, order, prepaid=prepaid, today=today)
    outcome = assess(facts, policy)
    check = CreditCheck(
        order_number=order["number"], customer_id=customer.id if customer else None,
        customer=_customer_label(order), currency=facts.currency, order_total=facts.order_total,
        exposure=outcome.exposure, credit_limit=facts.credit_limit, run_id=run_id,
        rules=[r.as_dict() for r in outcome.rules], decision=outcome.decision, reason=outcome.reason(),
    )
    person = _person_decision(session, order["number"])
    if person is not None:
        check.decision, check.decided_by, check.reason = person.decision, person.decided_by, person.reason
    check.decided_at = utcnow() if check.decision != HELD else None
    session.add(check)
    session.flush()
    refresh_order_status(session, check.order_number)
    return check


def decide(session: Session, order_number: str, decision: str, *, who: str, reason: str) -> CreditCheck:
    """Approve or reject the held order ``order_number``: every held check of it takes the
    decision and each held run is re-queued or ended. Returns the newest check."""
    if decision not in (APPROVED, REJECTED):
        raise ValueError(f"decision must be {APPROVED} or {REJECTED}, not {decision!r}")
    if not reason.strip():
        raise CreditDecisionError("a reason is required")
    # Every held check of the order: two deliveries of one order hold two runs, one decision frees both.
    checks = list(session.scalars(select(CreditCheck).where(
        CreditCheck.order_number == order_number, CreditCheck.decision == HELD,
    ).order_by(CreditCheck.id.desc())))
    if not checks:
        raise CreditDecisionError(f"order {order_number} has no credit check waiting for a decision")
    now = utcnow()
    for check in checks:
        check.decision, check.decided_by, check.reason, check.decided_at = decision, who, reason.strip(), now
        run = session.get(Run, check.run_id) if check.run_id else None
        if run is not None and run.status == RunStatus.HELD:
            _release(run, decision, now)
    check = checks[0]
    refresh_order_status(session, order_number)
    return check


def _release(run: Run, decision: str, now: datetime) -> None:
    if decision == APPROVED:
        run.status, run.next_attempt_at, run.finished_at = RunStatus.QUEUED, now, None
        run.error_class = run.error_message = None
    else:
        run.status, run.finished_at = RunStatus.REJECTED, now


def _person_decision(session: Session, order_number: str) -> CreditCheck | None:
    return session.scalars(select(CreditCheck).where(
        CreditCheck.order_number == order_number, CreditCheck.decided_by != RULES,
        CreditCheck.decision.in_((APPROVED, REJECTED)),
    ).order_by(CreditCheck.decided_at.desc(), CreditCheck.id.desc()).limit(1)).first()


def held_checks(session: Session, *, after_id: int | None = None, limit: int | None = None) -> list[CreditCheck]:
    """Checks waiting for a person, oldest first (a page of ``limit`` after check ``after_id``)."""
    query = select(CreditCheck).where(CreditCheck.decision == HELD).order_by(CreditCheck.id).limit(limit)
    if after_id is not None:
        query = query.where(CreditCheck.id > after_id)
    return list(session.scalars(query))


def checks_of(session: Session, order_number: str) -> list[CreditCheck]:
    """Every check of one order, oldest first."""
    return list(session.scalars(select(CreditCheck).where(CreditCheck.order_number == order_number)
                                .order_by(CreditCheck.id)))


def check_view(check: CreditCheck) -> dict[str, Any]:
    """A check as plain data (API answers, CLI --json, step outputs)."""
    return {
        "id": check.id, "order": check.order_number, "customer": check.customer,
        "customer_id": check.customer_id, "currency": check.currency,
        "order_total": _money(check.order_total, check.currency), "exposure": _money(check.exposure, check.currency),
        "credit_limit": _money(check.credit_limit, check.currency), "decision": check.decision,
        "decided_by": check.decided_by, "reason": check.reason, "run_id": check.run_id,
        "rules": check.rules, "fired": [r["rule"] for r in check.rules if r["fired"]],
        "checked_at": check.checked_at.isoformat() if check.checked_at else None,
        "decided_at": check.decided_at.isoformat() if check.decided_at else None,
    }


def _money(amount: Decimal | None, currency: str | None) -> Decimal | None:
    """A stored amount (kept with four decimals) at its currency's minor unit: 3000.30 EUR, 150000 JPY."""
    return quantize(amount, currency) if amount is not None and currency else amount


def _customer_label(order: dict[str, Any]) -> str | None:
    party = order.get("customer") or {}
    return party.get("email") or party.get("name") or party.get("tax_id")
