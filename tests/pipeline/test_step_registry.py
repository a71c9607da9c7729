"""Step kinds are registered components: a kind written in one module (tests/pipeline/vat_kind.py)
joins a cloned registry and runs in a recipe, with its schema, checks and build; the registry
refuses what it cannot hold and reads third-party kinds from the ``o2c_hub.steps`` entry points."""

from __future__ import annotations

from decimal import Decimal
from importlib.metadata import EntryPoint

import pytest

from hub.errors import ConfigError
from hub.pipeline import registry as registry_module
from hub.pipeline.registry import BUILTIN, StepRegistry
from hub.recipe.load import parse_recipe
from hub.recipe.schema import recipe_schema
from hub.runs.executor import execute
from hub.runs.inbox import NewEvent, accept
from hub.runs.queue import claim_run
from hub.store.platform import Run, StepRun
from tests.pipeline import vat_kind
from tests.recipe.conftest import ENTITIES

RECIPE = """\
recipe: taxed-orders
trigger: {manual: {}}
steps:
  - id: taxed
    vat: {net: event.net, rate: "19%", currency: event.currency}
  - id: big
    filter: "taxed.gross > `100`"
"""


@pytest.fixture
def steps() -> StepRegistry:
    steps = StepRegistry.builtin().clone()
    steps.register(vat_kind.KIND)
    return steps


def test_a_kind_from_one_module_runs_in_a_recipe(make_hub, steps):
    hub = make_hub({}, {"taxed.yaml": RECIPE}, steps=steps)
    (run_id,) = accept(hub.sessions, NewEvent(source="manual", dedupe_key="o-1",
                                              body=b'{"net": "99.99", "currency": "EUR"}'),
                       [("taxed-orders", hub.recipes["taxed-orders"].recipe.hash)]).run_ids
    execute(hub, claim_run(hub.sessions, "test", run_id))
    with hub.sessions() as session:
        assert session.get(Run, run_id).status == "succeeded"
        taxed = session.query(StepRun).filter_by(run_id=run_id, step_id="taxed").one()
    assert (taxed.kind, taxed.status, taxed.input) == ("vat", "succeeded", {"net": "99.99", "currency": "EUR"})
    assert {k: Decimal(str(v)) for k, v in taxed.output.items() if k != "currency"} == {
        "net": Decimal("99.99"), "tax": Decimal("19.00"), "gross": Decimal("118.99")}


def test_the_registry_it_was_cloned_from_does_not_know_it(steps):
    assert "vat" in steps.names() and "vat" not in StepRegistry.builtin().names()
    with pytest.raises(ConfigError) as caught:
        parse_recipe(RECIPE, "taxed.yaml", connections={}, entities=ENTITIES, steps=StepRegistry.builtin())
    assert [str(i) for i in caught.value.issues] == [
        "taxed.yaml:5:5: steps/0/vat: unknown key 'vat' (expected one of: map, validate, filter, upsert, lookup, "
        "query, call, notify, for_each, credit_check, reconcile, cash_apply, cash_post, dunning)",
    ]  # the step keeps its id: the filter reading it is not reported too


@pytest.mark.parametrize(("vat", "expected"), [
    ('{net: event.net, rate: "19", currency: event.currency}',
     ["taxed.yaml:5:33: steps/0/vat/rate: '19' is not a percentage: write a number followed by % (e.g. 19%)"]),
    ('{net: event.net, rate: "119%", currency: event.currency}',
     ["taxed.yaml:5:33: steps/0/vat/rate: 119% is more than 100%: a tax rate is at most 100%"]),
    ('{net: order.net, rate: "19%", currency: event.currency, round: up}',
     ["taxed.yaml:5:66: steps/0/vat/round: unknown key 'round' (allowed: net, rate, currency)"]),
    ('{net: order.net, rate: "19%", currency: event.currency}',
     ["taxed.yaml:5:16: steps/0/vat/net: unknown name 'order' (known here: event, trigger, run, tables)"]),
], ids=["schema-pattern", "semantic-check", "schema-unknown-key", "unknown-name"])
def test_its_schema_and_checks_report_where_the_problem_is_written(vat, expected, steps):
    text = RECIPE.replace('{net: event.net, rate: "19%", currency: event.currency}', vat)
    with pytest.raises(ConfigError) as caught:
        parse_recipe(text, "taxed.yaml", connections={}, entities=ENTITIES, steps=steps)
    assert [str(i) for i in caught.value.issues] == expected


def test_its_schema_part_joins_the_recipe_schema(steps):
    schema = recipe_schema(steps)
    assert schema["$defs"]["step"]["oneOf"][-1] == {"$ref": "#/$defs/vat_step"}
    assert schema["$defs"]["vat_spec"]["$comment"] == "made from tests.pipeline.vat_kind"
    assert schema["$defs"]["vat_step"]["properties"]["vat"]["title"] == "VAT"
    assert "vat_spec" not in recipe_schema(StepRegistry.builtin())["$defs"]


def test_the_api_and_the_step_records_name_each_step_by_its_yaml_key(make_hub):
    from hub.web import create_app

    hub = make_hub({}, {"kinds.yaml": """\
recipe: kinds
trigger: {manual: {}}
steps:
  - id: each
    for_each:
      in: event.lines
      steps:
        - {id: line, map: "@"}
  - id: applied
    cash_apply: {}
"""})
    answer = create_app(hub).test_client().get("/api/v1/recipes", headers={"Authorization": "Bearer unit-admin-token"})
    (recipe,) = answer.get_json()["recipes"]
    assert recipe["steps"] == [{"id": "each", "kind": "for_each"}, {"id": "applied", "kind": "cash_apply"}]


def test_a_name_is_registered_once():
    steps = StepRegistry.builtin()
    with pytest.raises(ValueError, match="step kind 'map' is registered twice"):
        steps.register(BUILTIN[0])


@pytest.mark.parametrize("name", ["id", "when", "Vat", "2fa", "fx-rate"])
def test_a_name_a_step_key_cannot_be_is_refused(name):
    kind = vat_kind.KIND
    odd = type(kind)(name=name, title=kind.title, description=kind.description, examples=kind.examples,
                     body=kind.body, check=kind.check, build=kind.build)
    with pytest.raises(ValueError, match="cannot name a step kind"):
        StepRegistry().register(odd)


def test_an_unknown_kind_is_a_lookup_error_naming_the_known():
    with pytest.raises(LookupError) as caught:
        StepRegistry.builtin().get("fx")
    assert str(caught.value).startswith("unknown step kind 'fx' (known: map, validate, filter, upsert,")


def test_the_kind_of_a_written_step():
    steps = StepRegistry.builtin()
    assert steps.kind_of({"id": "a", "when": "x", "credit_check": {}}).name == "credit_check"
    assert steps.kind_of({"id": "a", "vat": {}}) is None


def test_third_party_kinds_come_from_the_entry_points(monkeypatch):
    point = EntryPoint(name="vat", value="tests.pipeline.vat_kind:KIND", group="o2c_hub.steps")
    monkeypatch.setattr(registry_module, "entry_points", lambda group: [point] if group == "o2c_hub.steps" else [])
    registry_module._installed.cache_clear()
    try:
        assert StepRegistry.from_entry_points().names()[-2:] == ["dunning", "vat"]
    finally:
        registry_module._installed.cache_clear()


def test_an_entry_point_must_name_a_kind_of_its_own_name():
    point = EntryPoint(name="fx", value="tests.pipeline.vat_kind:KIND", group="o2c_hub.steps")
    with pytest.raises(ValueError, match="must name a StepKind called 'fx'"):
        registry_module._loaded(point)
