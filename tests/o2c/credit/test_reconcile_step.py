"""A reconciliation recipe inside real runs: the ERP list is a read-only call made afresh by every
run and replay, each difference is an exception with both amounts, and the Slack text shows them."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from hub.connector import Connector
from hub.errors import ConfigError
from hub.o2c.reconcile import exception_view, list_exceptions
from hub.recipe.load import parse_recipe
from hub.registry import ConnectorRegistry
from hub.runs.executor import execute
from hub.runs.inbox import NewEvent, accept
from hub.runs.queue import claim_run
from hub.runs.replay import replay
from hub.store.platform import Effect, Run
from tests.recipe.conftest import ENTITIES, FakeShop

RECIPE = """\
recipe: reconcile
trigger: {manual: {}}
steps:
  - id: erp_sales
    call: {connection: erp, action: list_sales_orders, read_only: true}
  - id: differences
    reconcile: {name: shop-vs-erp, left: event.orders, right: erp_sales, key: number, compare: [total, currency]}
  - id: told
    notify:
      connection: chat
      text: "{{ differences.count }} difference(s){% for d in differences.differences[:5] %}; #{{ d.key }} {{ d.field }} hub {{ d.left if d.left is not none else 'missing' }} / ERP {{ d.right if d.right is not none else 'missing' }}{% endfor %}"
"""


class Erp(Connector):
    """An ERP whose sales the test changes between runs."""

    kind = "fake_erp"
    sales: list[dict] = []
    calls = 0

    def actions(self):
        def list_sales_orders(payload, context):
            Erp.calls += 1
            return [dict(sale) for sale in Erp.sales]
        return {"list_sales_orders": list_sales_orders}


class Chat(Connector):
    kind = "fake_chat"
    texts: list[str] = []

    def actions(self):
        return {"notify": lambda payload, context: Chat.texts.append(payload["text"]) or {"ok": True}}


@pytest.fixture
def hub(make_hub):
    registry = ConnectorRegistry.from_entry_points().clone()
    registry.register(Erp)
    registry.register(Chat)
    Erp.sales, Erp.calls, Chat.texts = [], 0, []
    return make_hub({"erp": {"connector": "fake_erp"}, "chat": {"connector": "fake_chat"}},
                    {"reconcile.yaml": RECIPE}, registry=registry)


def run(hub, payload: dict, key: str) -> Run:
    accepted = accept(hub.sessions, NewEvent(source="manual", dedupe_key=key, body=json.dumps(payload).encode()),
                      [("reconcile", hub.recipes["reconcile"].recipe.hash)])
    return finish(hub, accepted.run_ids[0])


def finish(hub, run_id: int) -> Run:
    execute(hub, claim_run(hub.sessions, "test", run_id))
    with hub.sessions() as session:
        found = session.get(Run, run_id)
        found.steps  # load while the session is open
        return found


SHOP = {"orders": [{"number": "1001", "total": "119.50", "currency": "EUR"},
                   {"number": "1002", "total": "80.00", "currency": "EUR"}]}


def test_a_wrong_erp_total_is_an_exception_with_both_amounts(hub):
    Erp.sales = [{"number": "1001", "total": Decimal("129.50"), "currency": "EUR"},
                 {"number": "1002", "total": Decimal("80.00"), "currency": "EUR"}]
    done = run(hub, SHOP, "day-1")
    assert done.status == "succeeded", done.error_message
    assert Chat.texts == ["1 difference(s); #1001 total hub 119.50 / ERP 129.50"]
    with hub.sessions() as session:
        (row,) = [exception_view(e) for e in list_exceptions(session)]
    assert (row["reconciliation"], row["kind"], row["key"], row["field"], row["left"], row["right"]) == (
        "shop-vs-erp", "mismatched", "1001", "total", "119.50", "129.50")


def test_missing_orders_keep_the_amount_of_the_side_that_has_them(hub):
    Erp.sales = [{"number": "1001", "total": Decimal("119.50"), "currency": "EUR"},
                 {"number": "2001", "total": Decimal("7.25"), "currency": "EUR"}]
    assert run(hub, SHOP, "day-1").status == "succeeded"
    assert Chat.texts == ["2 difference(s); #1002 total hub 80.00 / ERP missing; #2001 total hub missing / ERP 7.25"]


def test_the_read_only_call_is_made_again_by_every_run_and_replay(hub):
    Erp.sales = [{"number": "1001", "total": Decimal("119.50"), "currency": "EUR"},
                 {"number": "1002", "total": Decimal("70.00"), "currency": "EUR"}]
    first = run(hub, SHOP, "day-1")
    assert [s.status for s in first.steps if s.step_id == "erp_sales"] == ["succeeded"]
    assert Erp.calls == 1 and Chat.texts == ["1 difference(s); #1002 total hub 80.00 / ERP 70.00"]

    Erp.sales[1]["total"] = Decimal("80.00")  # corrected in the ERP
    again = finish(hub, replay(hub.sessions, first.id, {"reconcile": hub.recipes["reconcile"].recipe.hash}, who="the tests"))
    assert again.status == "succeeded"
    assert Erp.calls == 2  # the live list, not the first run's answer
    assert next(s for s in again.steps if s.step_id == "differences").output["count"] == 0
    with hub.sessions() as session:
        assert list_exceptions(session) == []
        assert [e.key for e in list_exceptions(session, status="resolved")] == ["1002"]
    with hub.sessions() as session:
        assert [e.step_id for e in session.query(Effect)] == ["told"]  # no ledger row for the read


def test_a_read_only_call_takes_no_key():
    connections = {"shop": FakeShop("shop", {})}
    text = ("recipe: r\ntrigger:\n  manual: {}\nsteps:\n  - id: a\n"
            "    call: {connection: shop, action: create_order, read_only: true, key: event.id}\n")
    with pytest.raises(ConfigError) as caught:
        parse_recipe(text, "r.yaml", connections=connections, entities=ENTITIES)
    assert [str(issue) for issue in caught.value.issues] == [
        "r.yaml:6:74: steps/0/call/key: a read_only call is made by every attempt, never once per key: remove key"]
