"""A dead-lettered run is announced once, even when the recipe's alert text cannot be rendered.

Runs go through the executor in a hub whose Slack is the Slack sandbox (over a real socket).
"""

from __future__ import annotations

import pytest
import yaml

from connectors.sandbox import serve
from connectors.slack.sandbox import create_app as slack_app
from hub import STARTER, jsonutil
from hub.errors import FatalError
from hub.pipeline.templates import compile_template, render
from hub.runs.executor import _LOAD, _context, alert, execute
from hub.runs.inbox import NewEvent, accept
from hub.runs.queue import claim_run
from hub.runs.replay import replay
from hub.store.platform import Run, StepRun

SLACK_TOKEN = "xoxb-alert-test"


@pytest.fixture
def slack():
    app = slack_app(token=SLACK_TOKEN)
    with serve(app) as server:
        server.state = app.extensions["sandbox"]
        yield server


@pytest.fixture
def hub_with(make_hub, slack):
    connections = {
        "slack": {"connector": "slack", "token": SLACK_TOKEN, "channel": "#ar-alerts",
                  "base_url": f"{slack.url}/api/", "timeout": 5},
        "erp": {"connector": "http", "base_url": "http://127.0.0.1:9", "timeout": 5,
                "actions": {"create_order": {"method": "POST", "path": "/erp/orders"}}},
        "shop": {"connector": "http", "base_url": "http://127.0.0.1:9", "webhook": {"secret": "s"}},
    }

    def make(recipes: dict[str, str]):
        return make_hub(connections, recipes)
    return make


def recipe(alert_text: str, *, step: str = "validate: {schema: sales_order, from: event}") -> dict[str, str]:
    """A recipe whose one step dead-letters the run at once, alerting with ``alert_text``."""
    return {"orders.yaml": f"""recipe: orders
trigger: {{manual: {{}}}}
steps:
  - id: checked
    {step}
on_failure:
  - notify:
      connection: slack
      text: {jsonutil.dumps(alert_text)}
"""}


def deliver(hub, slug: str, body: bytes, *, dedupe_key: str = "delivery-1") -> tuple[int, ...]:
    """Store an event as an inbox would; the ids of its runs (a repeated delivery: the first's)."""
    accepted = accept(hub.sessions, NewEvent(source="manual", dedupe_key=dedupe_key, body=body),
                      [(slug, hub.recipes[slug].recipe.hash)])
    return accepted.run_ids


def execute_run(hub, run_id: int) -> Run:
    execute(hub, claim_run(hub.sessions, "test", run_id))
    with hub.sessions() as session:
        return session.get(Run, run_id)


def texts(slack) -> list[str]:
    return [m["message"]["text"] for m in slack.state.messages]


def fallback(hub, run: Run, reason: str) -> str:
    return (f"Recipe orders: run {run.id} is dead after 1 attempt(s): {run.error_message} "
            f"{hub.run_url(run.id)} (the recipe's alert text could not be rendered: {reason})")


@pytest.mark.parametrize(("body", "text", "reason"), [
    (b"[1, 2]", "Order {{ event.name }} failed: {{ run.error }}", "'list object' has no attribute 'name'"),
    (b'{"id": 1}', "Order {{ event.name }} failed: {{ run.error }}", "'dict object' has no attribute 'name'"),
    (b'{"id": 1}', "Order {{ event.customer.name }} failed", "'dict object' has no attribute 'customer'"),
    (b'{"id": 1}', "Order {{ event.id + 'x' }} failed", "unsupported operand type(s) for +: 'int' and 'str'"),
    (b'{"id": 1}', "Order {% for line in event.lines %}{{ line }}{% endfor %} failed",
     "'dict object' has no attribute 'lines'"),
], ids=["array-body", "no-name", "nested", "type-error", "loop"])
def test_an_alert_text_that_cannot_render_is_replaced_by_the_hubs_own(hub_with, slack, body, text, reason):
    hub = hub_with(recipe(text))
    (run_id,) = deliver(hub, "orders", body)
    run = execute_run(hub, run_id)
    assert run.status == "dead" and run.alerted_at is not None
    assert texts(slack) == [fallback(hub, run, reason)]


def test_the_fallback_alert_escapes_the_error_and_masks_secrets(hub_with, slack):
    hub = hub_with(recipe("Order {{ event.name }} failed", step='filter: "abs(event.note) > `1`"'))
    (run_id,) = deliver(hub, "orders", jsonutil.dumps({"note": f"<!channel> {SLACK_TOKEN}"}).encode())
    run = execute_run(hub, run_id)
    assert run.status == "dead" and "<!channel> ***" in run.error_message
    (text,) = texts(slack)
    assert text.startswith(f"Recipe orders: run {run_id} is dead after 1 attempt(s): ")
    assert "&lt;!channel&gt; ***" in text
    assert "<!channel>" not in text and SLACK_TOKEN not in text
    assert text.endswith("(the recipe's alert text could not be rendered: 'dict object' has no attribute 'name')")


def test_the_fallback_alert_is_sent_once(hub_with, slack):
    hub = hub_with(recipe("Order {{ event.name }} failed: {{ run.error }}"))
    (run_id,) = deliver(hub, "orders", b'{"id": 1}')
    run = execute_run(hub, run_id)
    assert len(texts(slack)) == 1

    assert deliver(hub, "orders", b'{"id": 1}') == (run_id,)  # the same delivery again: the same run
    with hub.sessions() as session:  # alerting again, as after a crash before alerted_at was stored
        loaded = session.execute(_LOAD, {"run_id": run_id}).one()
    alert(hub, run_id, hub.recipes["orders"].on_failure, _context(hub, loaded, 1), FatalError("again"))
    assert texts(slack) == [fallback(hub, run, "'dict object' has no attribute 'name'")]


def test_a_replay_that_dies_again_announces_itself_not_the_original_twice(hub_with, slack):
    hub = hub_with(recipe("Order {{ event.name }} failed: {{ run.error }}"))
    (run_id,) = deliver(hub, "orders", b'{"id": 1}')
    first = execute_run(hub, run_id)
    again = execute_run(hub, replay(hub.sessions, run_id, {"orders": hub.recipes["orders"].recipe.hash}, who="the tests"))
    assert again.status == "dead"
    reason = "'dict object' has no attribute 'name'"
    assert texts(slack) == [fallback(hub, first, reason), fallback(hub, again, reason)]


def test_the_step_run_records_the_text_that_was_sent(hub_with, slack):
    hub = hub_with(recipe("Order {{ event.name }} failed"))
    (run_id,) = deliver(hub, "orders", b'{"id": 1}')
    execute_run(hub, run_id)
    with hub.sessions() as session:
        (step,) = session.query(StepRun).filter_by(run_id=run_id, step_id="on_failure_1").all()
    assert step.status == "succeeded" and step.kind == "notify"
    assert step.input["text"] == texts(slack)[0]


def test_a_step_notify_that_cannot_render_still_fails_its_run(hub_with, slack):
    hub = hub_with(recipe("Run {{ run.id }} failed: {{ run.error }}", step=(
        "notify: {connection: slack, text: \"Order {{ event.name }} booked\"}")))
    (run_id,) = deliver(hub, "orders", b'{"id": 1}')
    run = execute_run(hub, run_id)
    assert run.status == "dead"
    assert run.error_message.endswith("notification text could not be rendered: 'dict object' has no attribute 'name'")
    assert texts(slack) == [f"Run {run_id} failed: {run.error_message}"]  # the alert, not the step's notice


def test_the_bundled_order_recipe_names_a_missing_order_number(hub_with, slack):
    hub = hub_with({"order.yaml": (STARTER / "recipes" / "order-webhook-to-erp.yaml").read_text()})
    (run_id,) = deliver(hub, "order-webhook-to-erp", b'{"id": 1}')
    run = execute_run(hub, run_id)
    assert run.status == "dead"
    assert texts(slack) == [f"Order import failed for (no order number) after 1 attempt(s): "
                            f"{run.error_message} {hub.run_url(run_id)}"]


@pytest.mark.parametrize(("source", "data", "expected"), [
    ("{{ event.a.b.c | default('none') }}", {"event": {}}, "none"),
    ("{{ event.a.b | default('none', true) }}", {"event": {"a": {"b": ""}}}, "none"),
    ("{{ event.a.b is defined }}", {"event": [1]}, "False"),
    ("{{ event.x | default(event.y, true) | default('none', true) }}", {"event": {"y": None}}, "none"),
], ids=["deep-default", "empty-default", "defined-test", "default-chain"])
def test_lookups_into_a_missing_value_can_be_defaulted(source, data, expected):
    assert render(compile_template(source), data) == expected


@pytest.mark.parametrize(("source", "data", "message"), [
    ("{{ event.a.b }}", {"event": {}}, "'dict object' has no attribute 'a'"),
    ("{{ 'y' if event.a.b else 'n' }}", {"event": {}}, "'dict object' has no attribute 'a'"),
    ("{{ event.a.b or 'z' }}", {"event": []}, "'list object' has no attribute 'a'"),
    ("{{ event.a.__class__ }}", {"event": {}}, "access to attribute '__class__' of '_Missing' object is unsafe."),
    ("{{ n | money }}", {"n": "abc"}, "the money filter was given something that is not an amount"),
], ids=["output", "test", "or", "sandbox", "money"])
def test_using_a_missing_value_still_fails_the_rendering(source, data, message):
    with pytest.raises(FatalError) as raised:
        render(compile_template(source), data)
    assert str(raised.value) == f"notification text could not be rendered: {message}"


def _bundled_alert_texts() -> list[tuple[str, str]]:
    texts = []
    for path in sorted((STARTER / "recipes").glob("*.yaml")):
        for handler in yaml.safe_load(path.read_text()).get("on_failure", []):
            if "notify" in handler:
                texts.append((path.name, handler["notify"]["text"]))
    return texts


@pytest.mark.parametrize("body", [{}, [1, 2], {"data": None, "record": "x"}], ids=["empty", "array", "odd-shapes"])
def test_every_bundled_alert_text_renders_for_an_event_without_its_fields(body):
    alert_texts = _bundled_alert_texts()
    assert len(alert_texts) >= 12
    run = {"id": 7, "recipe": "r", "attempt": 3, "url": "http://hub/api/v1/runs/7", "error": "boom"}
    for name, text in alert_texts:
        rendered = render(compile_template(text), {"event": body, "run": run})
        assert rendered.endswith("boom http://hub/api/v1/runs/7"), name
