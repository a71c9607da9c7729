"""``o2c-hub validate`` warns about each call made at least once; the ERP connectors make none."""

from __future__ import annotations

import pytest
import yaml
from click.testing import CliRunner

from connectors.odoo import OdooConnector
from connectors.tryton import TrytonConnector
from hub.cli import main
from hub.connector import Connector, Delivery, Findable, Repeatable, delivery_of
from hub.pipeline.registry import StepRegistry
from hub.recipe.validate import recipe_warnings
from hub.yamldoc import load_document

RECIPE = """\
recipe: orders
trigger:
  webhook: {connection: shop}
steps:
  - id: sent
    call: {connection: erp, action: send, with: event}
  - id: found
    call: {connection: erp, action: create, with: event}
  - id: kept
    call: {connection: erp, action: upsert, with: event}
  - id: listed
    call: {connection: erp, action: send, read_only: true}
  - id: lines
    for_each:
      in: event.lines
      steps:
        - id: line
          call: {connection: erp, action: send, with: item}
  - id: told
    notify: {connection: erp, text: hello}
on_failure:
  - call: {connection: erp, action: send, with: run}
"""


class Erp(Connector):
    kind = "fake_erp"

    def accepts_webhooks(self) -> bool:
        return True

    def actions(self):
        return {"send": print, "create": Findable(print, lambda payload, context: None),
                "upsert": Repeatable(print), "notify": print}


def test_each_call_made_at_least_once_is_warned_where_its_action_is_written():
    warnings = recipe_warnings(load_document(RECIPE, "orders.yaml"), {"erp": Erp("erp", {})}, StepRegistry.builtin())
    assert [(w.line, w.col, w.path) for w in warnings] == [
        (6, 37, "steps/0/call/action"),
        (18, 43, "steps/4/for_each/steps/0/call/action"),
        (22, 37, "on_failure/0/call/action"),
    ]
    assert str(warnings[0]) == (
        "orders.yaml:6:37: steps/0/call/action: warning: erp.send is made at least once: when the hub stops "
        "between the call and recording its answer, the next attempt calls again, which makes a second effect "
        "unless erp recognises the call's idempotency key (an action with a lookup is made exactly once)")


@pytest.mark.parametrize("kind", [TrytonConnector, OdooConnector], ids=["tryton", "odoo"])
def test_every_erp_action_is_made_exactly_once(kind):
    connection = kind.from_config("erp", kind.config_schema["examples"][0])
    try:
        declared = {name: delivery_of(action) for name, action in connection.actions().items()}
    finally:
        connection.close()
    assert declared["create_sales_order"] is Delivery.LOOKED_UP
    assert [name for name, delivery in declared.items() if delivery is Delivery.AT_LEAST_ONCE] == []


def test_validate_prints_the_warnings_and_succeeds(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump({"database": "sqlite:///x.db", "connections": {
        "shop": {"connector": "http", "base_url": "https://shop.example.com",
                 "webhook": {"secret": "s3cret-s3cret"}},
        "erp": {"connector": "http", "base_url": "https://erp.example.com", "actions": {
            "create_order": {"method": "POST", "path": "/orders"},
            "create_invoice": {"method": "POST", "path": "/invoices", "lookup": {
                "path": "/invoices", "params": {"order": "{number}"}, "found_when": {"order": "{number}"}}}}}}}))
    recipe = tmp_path / "orders.yaml"
    recipe.write_text("recipe: orders\ntrigger:\n  webhook: {connection: shop}\nsteps:\n"
                      "  - id: order\n    call: {connection: erp, action: create_order, with: event}\n"
                      "  - id: invoice\n    call: {connection: erp, action: create_invoice, with: event}\n")
    result = CliRunner().invoke(main, ["--config", str(config), "validate", str(recipe)], catch_exceptions=False)
    assert result.exit_code == 0
    assert result.output.splitlines() == [
        f"{recipe}:6:37: steps/0/call/action: warning: erp.create_order is made at least once: when the hub "
        "stops between the call and recording its answer, the next attempt calls again, which makes a second "
        "effect unless erp recognises the call's idempotency key (an action with a lookup is made exactly once)",
        "1 recipe file(s) valid",
    ]
