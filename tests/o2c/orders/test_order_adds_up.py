"""An order whose lines, shipping and taxes do not add up to its total (beyond rounding) is held:
a ``validate: sales_order`` step dead-letters the run before the ERP is called, with both
figures in the message and in an open exception the AR team lists."""

from __future__ import annotations

import copy
import json
from decimal import Decimal

import pytest
import yaml
from click.testing import CliRunner

from connectors.shopify.mapping import order_to_sales_order
from hub import jsonutil
from hub.canonical import check
from hub.cli import main
from hub.connector import Connector
from hub.errors import OrderDoesNotAddUpError
from hub.o2c.orders.totals import require_adds_up, total_check
from hub.registry import ConnectorRegistry
from hub.runs.executor import execute
from hub.runs.inbox import NewEvent, accept
from hub.runs.queue import claim_run
from hub.store.platform import Run
from hub.web import create_app
from tests.support.amount_orders import ORDERS as AMOUNT_ORDERS
from tests.support.fixtures import FIXTURES
from tests.support.month import Month

D = Decimal
SAMPLE = FIXTURES / "shopify" / "order.json"


def shopify(payload: dict) -> dict:
    """A Shopify REST order as the recipe sees it: parsed by hub.jsonutil, mapped, checked."""
    return check("sales_order", order_to_sales_order(jsonutil.loads(json.dumps(payload))))


def month_orders(count: int = 120) -> list[dict]:
    if not SAMPLE.exists():
        pytest.skip(f"vendor fixture {SAMPLE} is not available")
    return Month.generate(seed=7, orders=count, days=30).orders


# --- the check, pure --------------------------------------------------------------------------


def test_storefront_orders_add_up_in_every_currency_and_tax_mode():
    orders = [shopify(o) for o in month_orders()]
    kinds = {(o["currency"], o["taxes_included"]) for o in orders}
    assert kinds == {("USD", False), ("EUR", True), ("EUR", False), ("JPY", True)}
    assert [(o["number"], total_check(o).difference) for o in orders if total_check(o).difference] == []


@pytest.mark.parametrize("order", AMOUNT_ORDERS, ids=[o["number"] for o in AMOUNT_ORDERS])
def test_the_erp_amount_orders_add_up(order):
    found = require_adds_up(check("sales_order", order))
    assert (found.parts, found.difference) == (found.total, 0)


def test_the_published_shopify_sample_does_not_add_up_and_says_by_how_much():
    # Its three lines of 199.00 make 597.00, plus 11.94 tax, while its total is 409.94.
    if not SAMPLE.exists():
        pytest.skip(f"vendor fixture {SAMPLE} is not available")
    with pytest.raises(OrderDoesNotAddUpError) as held:
        require_adds_up(shopify(json.loads(SAMPLE.read_text())["order"]))
    assert str(held.value) == ("order #1001 does not add up: lines, shipping and taxes come to USD 608.94 "
                               "but the order total is USD 409.94 (difference -199.00)")
    assert (held.value.parts, held.value.total) == (D("608.94"), D("409.94"))


def order(currency: str, lines: list[tuple[str, str]], total: str, *, included: bool = False,
          shipping: str | None = None, tax: str | None = None) -> dict:
    """A canonical order of (line total, line tax) pairs, an optional taxed shipping charge."""
    made = {"number": "1042", "currency": currency, "taxes_included": included,
            "lines": [{"sku": f"L{i}", "quantity": "1", "unit_price": amount, "line_total": amount,
                       "tax_lines": [{"rate": "0.10", "amount": line_tax}]}
                      for i, (amount, line_tax) in enumerate(lines, 1)],
            "totals": {"total": total}}
    if shipping is not None:
        made["shipping_lines"] = [{"amount": shipping, "tax_lines": [{"rate": "0.10", "amount": tax or "0"}]}]
    return check("sales_order", made)


CASES = [  # id, order, adds up
    ("eur-excluded-exact", order("EUR", [("100.00", "10.00"), ("31.37", "3.14")], "144.51"), True),
    ("eur-excluded-one-cent-per-line", order("EUR", [("100.00", "10.00"), ("31.37", "3.14")], "144.53"), True),
    ("eur-excluded-three-cents-two-lines", order("EUR", [("100.00", "10.00"), ("31.37", "3.14")], "144.54"), False),
    ("eur-included-exact", order("EUR", [("110.00", "10.00"), ("34.51", "3.14")], "144.51", included=True), True),
    ("eur-included-tax-added-twice", order("EUR", [("110.00", "10.00"), ("34.51", "3.14")], "157.65",
                                           included=True), False),
    ("eur-shipping-and-its-tax", order("EUR", [("100.00", "10.00")], "115.50", shipping="5.00", tax="0.50"), True),
    ("eur-shipping-left-out", order("EUR", [("100.00", "10.00")], "110.00", shipping="5.00", tax="0.50"), False),
    ("jpy-exact", order("JPY", [("12800", "1280")], "14080"), True),
    ("jpy-one-yen", order("JPY", [("12800", "1280")], "14081"), True),
    ("jpy-two-yen-one-line", order("JPY", [("12800", "1280")], "14082"), False),
    ("kwd-exact", order("KWD", [("10.125", "1.013")], "11.138"), True),
    ("kwd-one-fils", order("KWD", [("10.125", "1.013")], "11.139"), True),
    ("kwd-two-fils-one-line", order("KWD", [("10.125", "1.013")], "11.140"), False),
]


@pytest.mark.parametrize(("built", "adds_up"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rounding_tolerance_is_a_minor_unit_per_line(built, adds_up):
    assert total_check(built).adds_up is adds_up


def test_order_level_taxes_count_when_no_line_carries_any():
    made = {"number": "SO-7", "currency": "USD", "lines": [{"sku": "A", "quantity": "2", "unit_price": "199.00"}],
            "tax_lines": [{"rate": "0.06", "amount": "23.88"}], "totals": {"total": "421.88"}}
    assert total_check(check("sales_order", made)).adds_up
    only_total = {**made, "tax_lines": [], "totals": {"total": "421.88", "tax_total": "23.88"}}
    assert total_check(check("sales_order", only_total)).adds_up
    with pytest.raises(OrderDoesNotAddUpError, match=r"^order SO-7 does not add up: lines, shipping and taxes "
                                                     r"come to USD 398.00 but the order total is USD 421.88 "
                                                     r"\(difference 23.88\)$"):
        require_adds_up(check("sales_order", {**made, "tax_lines": []}))


def test_an_order_without_a_total_is_not_checked():
    assert total_check(check("sales_order", {"number": "1", "currency": "EUR",
                                             "lines": [{"sku": "A", "quantity": "1"}]})) is None


# --- through a recipe run ---------------------------------------------------------------------


class Erp(Connector):
    kind = "adds_up_erp"
    created: list[str] = []

    def actions(self):
        return {"create_sales_order": lambda payload, context: Erp.created.append(payload["number"]) or {"ok": True}}


RECIPE = """\
recipe: order-to-erp
trigger: {manual: {}}
steps:
  - id: mapped
    map: {using: shop.sales_order}
  - id: order
    validate: {schema: sales_order, from: mapped}
  - id: erp_sale
    call: {connection: erp, action: create_sales_order, with: order, key: order.number}
retry: {max_attempts: 5, backoff: exponential, initial: 1s, max_delay: 1m}
"""


@pytest.fixture
def hub(make_hub):
    registry = ConnectorRegistry.from_entry_points().clone()
    registry.register(Erp)
    Erp.created = []
    return make_hub({"erp": {"connector": "adds_up_erp"},
                     "shop": {"connector": "shopify", "shop_url": "http://127.0.0.1:9", "client_secret": "s"}},
                    {"order.yaml": RECIPE}, registry=registry)


def run(hub, payload: dict, delivery: str) -> Run:
    accepted = accept(hub.sessions, NewEvent(source="manual", dedupe_key=delivery, body=json.dumps(payload).encode()),
                      [("order-to-erp", hub.recipes["order-to-erp"].recipe.hash)])
    execute(hub, claim_run(hub.sessions, "test", accepted.run_ids[0]))
    with hub.sessions() as session:
        found = session.get(Run, accepted.run_ids[0])
        found.steps  # load while the session is open
        return found


def exceptions(hub, *options: str) -> list[dict]:
    """``o2c-hub exceptions list --json`` on the hub's database (a config without the test's ERP)."""
    root = hub.settings.path.parent
    config = root / "cli" / "config.yaml"
    config.parent.mkdir(exist_ok=True)
    config.write_text(yaml.safe_dump({"database": f"sqlite:///{root / 'hub.db'}", "admin": {"token": "t"}}))
    result = CliRunner().invoke(main, ["--config", str(config), "exceptions", "list", "--json", *options],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [{k: row[k] for k in ("reconciliation", "kind", "key", "field", "left", "right", "status")}
            for row in json.loads(result.output)]


def tampered(payload: dict) -> dict:
    """The order with its first line's quantity raised after Shopify computed the totals."""
    changed = copy.deepcopy(payload)
    changed["line_items"][0]["quantity"] += 1
    return changed


def test_storefront_orders_pass_and_tampered_copies_are_held_before_the_erp(hub):
    orders = month_orders(6)
    for payload in orders:
        done = run(hub, payload, f"good-{payload['id']}")
        assert done.status == "succeeded", done.error_message
    assert Erp.created == [str(o["name"]).lstrip("#") for o in orders]

    bad = tampered(orders[0])
    done = run(hub, bad, "tampered")
    number = str(bad["name"]).lstrip("#")
    found = total_check(shopify(bad))  # its figures are checked by the tests above
    parts, total, currency = found.parts, found.total, found.currency
    assert total == D(orders[0]["total_price"]) and abs(found.difference) > found.tolerance
    assert done.status == "dead" and done.attempt == 1
    assert [(s.step_id, s.status) for s in done.steps] == [("mapped", "succeeded"), ("order", "failed")]
    assert done.error_message.endswith(
        f"step order: order #{number} does not add up: lines, shipping and taxes come to "
        f"{currency} {parts} but the order total is {currency} {total} (difference {total - parts})")
    assert next(s for s in done.steps if s.step_id == "order").error_class == "OrderDoesNotAddUpError"
    assert len(Erp.created) == len(orders)
    held = {"reconciliation": "order-totals", "kind": "mismatched", "key": number, "field": "total",
            "left": str(parts), "right": str(total), "status": "open"}
    assert exceptions(hub) == [held]

    answer = create_app(hub).test_client().get("/api/v1/exceptions",
                                                headers={"Authorization": "Bearer unit-admin-token"})
    assert answer.status_code == 200
    assert [{k: row[k] for k in held} for row in answer.get_json()["exceptions"]] == [held]

    corrected = copy.deepcopy(orders[0])
    assert run(hub, corrected, "corrected").status == "succeeded"
    assert exceptions(hub) == []
    assert exceptions(hub, "--status", "resolved") == [{**held, "status": "resolved"}]


def test_a_tampered_total_is_held_with_both_figures(hub):
    payload = copy.deepcopy(month_orders(1)[0])
    payload["total_price"] = str(D(payload["total_price"]) + 100)
    done = run(hub, payload, "total-raised")
    assert done.status == "dead"
    assert "(difference 100" in done.error_message
    assert Erp.created == []
    assert exceptions(hub)[0]["right"] == str(D(payload["total_price"]))
