"""Valid recipes become frozen models; several problems in one file are reported together."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from hub import SCHEMAS
from hub.errors import ConfigError
from hub.pipeline.templates import render
from hub.recipe import model
from hub.recipe.build import build_recipe
from hub.recipe.load import known_entities, load_recipe, parse_recipe, validate_paths
from tests.recipe.conftest import ENTITIES

FULL = """\
recipe: storefront-order-import
description: Import storefront orders into the ERP.
trigger:
  webhook: {connection: shop, topic: orders/create}
tables:
  country_codes: {Germany: DE, France: FR}
steps:
  - id: order
    when: "event.test == `false`"
    map: {expr: "{number: name, country: lookup(tables.country_codes, country)}", into: sales_order}
  - id: checked
    validate: {schema: sales_order, from: order}
  - id: not_test
    filter: "!(event.test)"
  - id: saved
    upsert: {entity: sales_order, from: order, ref: {connection: shop, id: "event.id"}}
  - id: erp_order
    call: {connection: erp, action: create_order, with: "order", key: "order.number", options: {dry: true}}
  - id: told
    notify: {connection: slack, text: "Order {{ order.number }} booked", channel: "#ops"}
  - id: lines
    for_each:
      in: "event.line_items[?quantity > `0`]"
      as: line
      steps:
        - id: line_total
          map: {expr: "mul(quantity, price)", from: line}
        - id: line_told
          notify: {connection: slack, text: "{{ line.sku }}: {{ line_total }}", key: "line.sku"}
retry: {max_attempts: 8, backoff: fixed, initial: 500ms, max_delay: 2d, jitter: false}
on_failure:
  - notify: {connection: slack, text: "Order import failed: {{ run.error }} {{ run.url }}"}
  - id: ticket
    call: {connection: erp, action: cancel_order, with: "order"}
"""


def parse(text: str, connections) -> model.Recipe:
    return parse_recipe(text, "recipes/orders.yaml", connections=connections, entities=ENTITIES)


def test_full_recipe_builds_the_model(connections):
    recipe = parse(FULL, connections)
    assert recipe.slug == "storefront-order-import"
    assert recipe.trigger == model.WebhookTrigger(
        connection="shop", topics=("orders/create",), mark=model.Mark(file="recipes/orders.yaml", line=4, col=12))
    assert [s.kind for s in recipe.steps] == ["map", "validate", "filter", "upsert", "call", "notify", "for_each"]
    order = recipe.steps[0]
    assert order.when.text == "event.test == `false`"
    assert order.when.mark == model.Mark(file="recipes/orders.yaml", line=9, col=11)  # the opening quote
    assert order.mark == model.Mark(file="recipes/orders.yaml", line=8, col=5)
    assert order.body["into"] == "sales_order" and "from" not in order.body
    assert recipe.tables["country_codes"]["Germany"] == "DE"
    assert recipe.retry == model.RetryPolicy(
        max_attempts=8, backoff="fixed", initial=timedelta(milliseconds=500), max_delay=timedelta(days=2), jitter=False)


def test_steps_are_built_with_their_details(connections):
    built = build_recipe(parse(FULL, connections), connections)
    order, _, _, saved, call, told, lines = built.steps
    assert (order.kind, order.into, order.source.source, order.location) == (
        "map", "sales_order", "event", "recipes/orders.yaml:8:5")
    assert (saved.entity, saved.ref_connection, saved.ref_id.source) == ("sales_order", "shop", "event.id")
    assert (call.payload.source, call.key.source, dict(call.options)) == ("order", "order.number", {"dry": True})
    assert call.action is connections["erp"].actions()["create_order"]
    assert (told.connection, told.channel, told.key) == ("slack", "#ops", None)
    assert render(told.template, {"order": {"number": "1001"}}) == "Order 1001 booked"
    assert (lines.items.source, lines.as_) == ("event.line_items[?quantity > `0`]", "line")
    assert [(s.id, s.kind) for s in lines.steps] == [("line_total", "map"), ("line_told", "notify")]
    assert lines.steps[0].source.source == "line"


def test_on_failure_ids_default_to_their_position(connections):
    recipe = parse(FULL, connections)
    assert [s.id for s in recipe.on_failure] == ["on_failure_1", "ticket"]
    assert [s.kind for s in recipe.on_failure] == ["notify", "call"]


def test_model_is_frozen_and_hashed(connections):
    recipe = parse(FULL, connections)
    with pytest.raises(dataclasses.FrozenInstanceError):
        recipe.slug = "other"  # type: ignore[misc]
    with pytest.raises(TypeError):
        recipe.tables["country_codes"]["Spain"] = "ES"  # type: ignore[index]
    assert len(recipe.hash) == 64 and recipe.text == FULL


def test_defaults(connections):
    recipe = parse("""\
recipe: crm-sync
trigger:
  poll: {connection: crm, resource: accounts, every: 300}
steps:
  - id: account
    map: "{name: name}"
""", connections)
    assert recipe.trigger.every == timedelta(minutes=5) and recipe.trigger.overlap == timedelta(minutes=2)
    assert recipe.retry == model.RetryPolicy()
    account = build_recipe(recipe, connections).steps[0]
    assert account.source.source == "event" and account.into is None
    assert recipe.description == "" and recipe.on_failure == () and dict(recipe.tables) == {}


POLL = "recipe: r\ntrigger: {{poll: {{connection: crm, resource: accounts, every: 1m{start}}}}}\nsteps: [{{id: a, filter: event}}]\n"


@pytest.mark.parametrize(("start", "expected"), [
    ("", None),
    (", start: now", "now"),
    (", start: 2026-12-01", datetime(2026, 12, 1, tzinfo=timezone.utc)),
    (', start: "2026-12-01T08:00:00+01:00"', datetime(2026, 12, 1, 7, tzinfo=timezone.utc)),
    (", start: 2026-12-01T08:00:00Z", datetime(2026, 12, 1, 8, tzinfo=timezone.utc)),
], ids=["default-whole-history", "now", "date", "date-time-offset", "date-time-z"])
def test_poll_trigger_start(start, expected, connections):
    assert parse(POLL.format(start=start), connections).trigger.start == expected


@pytest.mark.parametrize(("topic", "takes", "skips"), [
    ("", ["orders/create", "anything", None], []),
    (", topic: orders/create", ["orders/create"], ["orders/updated", None]),
    (", topic: [refund.created, refund.updated]", ["refund.created", "refund.updated"], ["charge.refunded"]),
], ids=["every-topic", "one-topic", "topic-list"])
def test_a_webhook_trigger_takes_its_topics(topic, takes, skips, connections):
    trigger = parse(f"recipe: r\ntrigger: {{webhook: {{connection: shop{topic}}}}}\nsteps: [{{id: a, filter: event}}]\n",
                    connections).trigger
    assert all(trigger.takes(t) for t in takes) and not any(trigger.takes(t) for t in skips)


def test_schedule_trigger_defaults_to_utc(connections):
    recipe = parse("recipe: r\ntrigger: {schedule: {cron: '0 8 * * 1-5'}}\nsteps: [{id: a, filter: event}]\n", connections)
    assert (recipe.trigger.cron, recipe.trigger.timezone) == ("0 8 * * 1-5", "UTC")


def test_every_problem_in_a_file_is_reported_at_once(connections):
    text = """\
recipe: r
trigger:
  webhook: {connection: nowhere}
steps:
  - id: a
    mapp: event
  - id: b
    call: {connection: erp, action: fly}
  - id: b
    filter: "zzz.ok"
retry: {backoff: linear}
"""
    with pytest.raises(ConfigError) as caught:
        parse(text, connections)
    assert [str(i) for i in caught.value.issues] == [
        "recipes/orders.yaml:3:25: trigger/webhook/connection: unknown connection 'nowhere' (known: crm, erp, shop, slack)",
        "recipes/orders.yaml:6:5: steps/0/mapp: unknown key 'mapp' (expected one of: map, validate, filter, upsert, lookup, query, call, notify, for_each, credit_check, reconcile, cash_apply, cash_post, dunning)",
        "recipes/orders.yaml:8:37: steps/1/call/action: unknown action 'fly' on connection 'erp' (known: cancel_order, create_order)",
        "recipes/orders.yaml:9:9: steps/2/id: duplicate step id 'b' (first defined on line 7)",
        "recipes/orders.yaml:10:14: steps/2/filter: unknown name 'zzz' (known here: event, trigger, run, tables, a, b)",
        "recipes/orders.yaml:11:18: retry/backoff: must be one of: exponential, fixed (not 'linear')",
    ]


def test_validate_paths_collects_all_files(tmp_path: Path, connections):
    good = tmp_path / "good.yaml"
    good.write_text(FULL)
    twin = tmp_path / "twin.yaml"
    twin.write_text(FULL)
    bad = tmp_path / "bad.yaml"
    bad.write_text("recipe: r\n")
    issues = validate_paths([good, twin, bad, tmp_path / "missing.yaml"], connections=connections, entities=ENTITIES)
    assert [(Path(i.file).name, i.line, i.path) for i in issues] == [
        ("twin.yaml", 1, "recipe"), ("bad.yaml", 1, ""), ("bad.yaml", 1, ""), ("missing.yaml", 1, "")]
    assert issues[0].message == f"recipe 'storefront-order-import' is also defined in {good}"
    assert issues[3].message.startswith("cannot read the file:")


def test_load_recipe_reads_the_file(tmp_path: Path, connections):
    path = tmp_path / "orders.yaml"
    path.write_text(FULL)
    recipe = load_recipe(path, connections=connections, entities=ENTITIES)
    assert recipe.path == str(path) and recipe.steps[0].mark.file == str(path)


def test_known_entities_are_the_canonical_schema_files():
    names = known_entities()
    assert "common" not in names
    assert names == {p.name.removesuffix(".schema.json") for p in (SCHEMAS / "o2c").glob("*.schema.json")} - {"common"}


def _properties(schema, where=""):
    if isinstance(schema, dict):
        for name, prop in schema.get("properties", {}).items():
            yield f"{where}/{name}", prop
        for key, value in schema.items():
            yield from _properties(value, f"{where}/{key}")
    elif isinstance(schema, list):
        for index, item in enumerate(schema):
            yield from _properties(item, f"{where}/{index}")


def test_schema_documents_every_property():
    schema = json.loads((SCHEMAS / "recipe.schema.json").read_text())
    Draft202012Validator.check_schema(schema)
    undocumented = [where for where, prop in _properties(schema)
                    if not {"title", "description", "examples"} <= prop.keys()]
    assert undocumented == []


def test_schema_examples_are_valid_recipes_fragments():
    schema = json.loads((SCHEMAS / "recipe.schema.json").read_text())
    assert not list(Draft202012Validator(schema).iter_errors(
        {"recipe": "x", "trigger": {"manual": {}}, "steps": [{"id": "a", "filter": "event"}]}))


@pytest.mark.parametrize("expression", [
    "event.lines[*].amount | [0]",
    "sort_by(event.lines, &amount)[-1].sku",
    "{total: sum_decimal(event.lines[*].amount), n: length(event.lines)}",
    "event.lines[?amount > `0`] | length(@)",
    "order | number",
    "[order.number, event.id]",
    "lookup(tables.country_codes, event.country, 'XX')",
    "!(run.attempt > `1`) || trigger.topic == 'x'",
], ids=["pipe", "expref", "multiselect", "filter-pipe", "pipe-relative", "list", "tables", "logic"])
def test_relative_identifiers_are_not_step_references(expression, connections):
    text = f"recipe: r\ntrigger: {{manual: {{}}}}\nsteps:\n  - {{id: order, map: name}}\n  - id: x\n    filter: {json.dumps(expression)}\n"
    assert parse(text, connections).steps[1].body == expression


def test_notify_texts_may_use_the_money_filter(connections):
    text = """\
recipe: paid
trigger: {manual: {}}
steps:
  - id: told
    notify: {connection: slack, text: "Paid {{ event.amount | money(event.currency) }}"}
"""
    assert parse(text, connections).steps[0].id == "told"
