"""A sale made by an attempt that died before recording it is found by its lookup in a real Tryton,
and not created twice."""

from __future__ import annotations

import uuid

import pytest

from hub.connector import ActionContext, lookup_of
from hub.runs.ledger import EffectLedger
from hub.store.base import make_engine, make_sessionmaker
from hub.store.migrate import upgrade
from hub.store.platform import Effect, Run
from tests.runs.test_ledger import add_run

pytestmark = pytest.mark.e2e


@pytest.fixture
def sessions(tmp_path):
    url = f"sqlite:///{tmp_path}/ledger.db"
    upgrade(url)
    return make_sessionmaker(make_engine(url))


def order(number: str) -> dict:
    return {"number": number, "currency": "EUR", "payment_term": "Direct",
            "customer": {"name": "Lookup Buyer", "email": "lookup@buyer.example"},
            "lines": [{"sku": "LOOKUP-WIDGET", "description": "Widget", "quantity": "2", "unit_price": "12.90"}]}


def sales_of(erp, number: str) -> int:
    return erp.client.model("sale.sale", "search_count", [("reference", "=", number)])


def attempt(sessions, erp, payload: dict, run_id: int):
    """What a call step does: through the ledger, with the action's lookup; counts the calls made."""
    action, calls = erp.actions()["create_sales_order"], []
    context = ActionContext(idempotency_key=f"orders/erp_order/{payload['number']}", run_id=run_id)
    outcome = EffectLedger(sessions, run_id=run_id, recipe="orders").once(
        context.idempotency_key, "erp_order", lambda: calls.append(1) or action(payload, context),
        lookup=lambda: lookup_of(action)(payload, context))
    return outcome, calls


def died_after(sessions, run_id: int) -> None:
    with sessions.begin() as s:
        s.get(Run, run_id).status = "retrying"


def test_a_pending_effect_whose_sale_exists_is_resolved_by_its_lookup(erp, sessions):
    payload = order(f"LOOKUP-{uuid.uuid4().hex[:8]}")
    run_id = add_run(sessions, "running")
    first, calls = attempt(sessions, erp, payload, run_id)  # the sale is made in Tryton...
    assert calls == [1] and first.result["state"] == "processing"
    died_after(sessions, run_id)  # ...and the hub dies before recording it: the effect stays pending
    with sessions() as s:
        assert s.get(Effect, f"orders/erp_order/{payload['number']}").status == "pending"

    again, calls = attempt(sessions, erp, payload, run_id)
    assert calls == [], "the sale was sent to Tryton again"
    assert again.reused and again.result == first.result
    assert sales_of(erp, payload["number"]) == 1


def test_a_sale_left_in_draft_is_not_found_and_the_call_finishes_it(erp, sessions):
    payload = order(f"LOOKUP-{uuid.uuid4().hex[:8]}")
    run_id = add_run(sessions, "running")
    EffectLedger(sessions, run_id=run_id, recipe="orders")._claim(f"orders/erp_order/{payload['number']}",
                                                                  "erp_order")
    erp.sales.insert(payload, action="create_sale")  # the call died after creating the draft
    died_after(sessions, run_id)

    again, calls = attempt(sessions, erp, payload, run_id)
    assert calls == [1] and not again.reused and again.result["state"] == "processing"
    assert sales_of(erp, payload["number"]) == 1
