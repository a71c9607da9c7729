"""Credit checks against the store: exposure from open invoices and orders; approve and reject."""

from __future__ import annotations

from contextlib import suppress
from datetime import date
from decimal import Decimal

import pytest

import hub.store.o2c  # noqa: F401
from hub.errors import CreditDecisionError
from hub.o2c.credit.rules import Policy
from hub.o2c.credit.service import check_order, checks_of, decide, held_checks
from hub.o2c.records import store_record
from hub.store.base import Base, make_engine, make_sessionmaker
from hub.store.o2c import SalesOrder
from hub.store.platform import Event, Run

with suppress(ModuleNotFoundError):  # dunning's tables, when dunning is part of this checkout
    import hub.store.o2c_dunning  # noqa: F401

MARIA = {"email": "maria@example.org"}
POLICY = Policy(tolerance=Decimal("0.05"), max_overdue_days=30)
TODAY = date(2026, 3, 1)


@pytest.fixture
def session():
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    with make_sessionmaker(engine)() as session:
        store_record(session, "customer", {**MARIA, "currency": "EUR", "credit_limit": "1000.00"})
        store_record(session, "invoice", {"number": "I-1", "currency": "EUR", "total": "500.00", "amount_due": "300.00",
                                    "status": "partially_paid", "due_date": "2026-01-15", "customer": MARIA})
        store_record(session, "sales_order", {"number": "O-1", "currency": "EUR", "customer": MARIA,
                                        "lines": [{"sku": "A", "quantity": "1"}], "totals": {"total": "200.00"}})
        store_record(session, "fulfillment", {"order_number": "O-1", "number": "F-1", "lines": [{"sku": "A", "quantity": "1"}]})
        store_record(session, "sales_order", {"number": "O-2", "currency": "EUR", "customer": MARIA,
                                        "totals": {"total": "100.00"}})
        yield session
    engine.dispose()


def order(total: str) -> dict:
    return {"number": "O-3", "currency": "EUR", "customer": MARIA, "totals": {"total": total}}


def held_run(session) -> Run:
    run = Run(recipe="r", recipe_hash="h", status="held", event=Event(source="manual", dedupe_key="k", body=b"{}"))
    session.add(run)
    session.flush()
    return run


def test_exposure_adds_receivables_open_and_shipped_orders_and_this_order(session):
    check = check_order(session, order("400.00"), POLICY, prepaid=False, run_id=None, today=TODAY)
    assert check.exposure == Decimal("1000.00")  # 300 due + 100 open + 200 shipped + 400
    rules = {r["rule"]: r for r in check.rules}
    assert rules["overdue_days"]["value"] == 45 and rules["overdue_days"]["fired"]
    assert check.decision == "held" and check.decided_by == "credit rules"
    assert session.get(SalesOrder, 1).status == "awaiting_billing"  # kept current as it is stored


def test_rejecting_ends_the_run_and_the_order_stays_rejected(session):
    run = held_run(session)
    check_order(session, order("10.00"), POLICY, prepaid=False, run_id=run.id, today=TODAY)
    decide(session, "O-3", "rejected", who="ana", reason="too many overdue invoices")
    assert run.status == "rejected"
    again = check_order(session, order("10.00"), Policy(), prepaid=False, run_id=None, today=TODAY)
    assert (again.decision, again.decided_by) == ("rejected", "ana")


def test_approving_requeues_the_run_and_later_checks_pass(session):
    run = held_run(session)
    check_order(session, order("5000.00"), POLICY, prepaid=False, run_id=run.id, today=TODAY)
    decide(session, "O-3", "approved", who="ana", reason="secured by a guarantee")
    assert run.status == "queued"
    again = check_order(session, order("5000.00"), POLICY, prepaid=False, run_id=run.id, today=TODAY)
    assert (again.decision, again.reason) == ("approved", "secured by a guarantee")
    with pytest.raises(CreditDecisionError, match="no credit check waiting"):
        decide(session, "O-3", "approved", who="ana", reason="again")


def test_one_decision_frees_every_run_held_for_the_order(session):
    """Two deliveries of one order hold two runs; approving the order releases both, and the
    worklist is empty afterwards (no run left held for ever)."""
    runs = []
    for key in ("delivery-a", "delivery-b"):
        run = Run(recipe="r", recipe_hash="h", status="held",
                  event=Event(source="manual", dedupe_key=key, body=b"{}"))
        session.add(run)
        session.flush()
        check_order(session, order("5000.00"), POLICY, prepaid=False, run_id=run.id, today=TODAY)
        runs.append(run)
    assert len(held_checks(session)) == 2
    newest = decide(session, "O-3", "approved", who="ana", reason="secured by a guarantee")
    assert [r.status for r in runs] == ["queued", "queued"]
    assert newest.run_id == runs[1].id and held_checks(session) == []
    assert {c.decided_by for c in checks_of(session, "O-3")} == {"ana"}


@pytest.mark.parametrize(("currency", "stored", "shown"), [
    ("EUR", "3000.3000", "3000.30"), ("JPY", "150000.0000", "150000"), ("KWD", "1234.5670", "1234.567")])
def test_a_check_shows_its_amounts_at_the_currencys_minor_unit(currency, stored, shown):
    from hub.o2c.credit.service import check_view
    from hub.store.o2c_credit import CreditCheck

    check = CreditCheck(order_number="O-9", currency=currency, order_total=Decimal(stored), exposure=Decimal(stored),
                        credit_limit=None, decision="held", decided_by="credit rules", rules=[])
    view = check_view(check)
    assert (str(view["order_total"]), str(view["exposure"]), view["credit_limit"]) == (shown, shown, None)
