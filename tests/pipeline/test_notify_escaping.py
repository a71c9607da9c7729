"""Notify texts reach Slack escaped for Slack: data shows as text, the template's own links work.

The bundled recipes run in a hub whose Slack is the Slack sandbox (over a real socket), with a
customer whose name is a mention and a disguised link.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from connectors.http.sandbox import create_app as erp_app
from connectors.sandbox import serve
from connectors.slack.mrkdwn import escape_attachments, escape_blocks, slack_text
from connectors.slack.sandbox import create_app as slack_app
from hub import STARTER, jsonutil
from hub.connector import RenderedText
from hub.pipeline.templates import compile_template, render
from hub.runs.executor import execute
from hub.runs.inbox import NewEvent, accept
from hub.runs.queue import claim_run
from hub.store.platform import Run
from hub.store.upsert import upsert

EVIL = "<!channel> <https://evil|Click to confirm payment>"
INERT = "&lt;!channel&gt; &lt;https://evil|Click to confirm payment&gt;"
SLACK_TOKEN = "xoxb-escape-test"
ERP_TOKEN = "erp-escape-test"


@pytest.fixture
def slack():
    app = slack_app(token=SLACK_TOKEN)
    with serve(app) as server:
        server.state = app.extensions["sandbox"]
        yield server


@pytest.fixture
def erp():
    with serve(erp_app(token=ERP_TOKEN)) as server:
        yield server


@pytest.fixture
def hub_with(make_hub, slack, erp):
    connections = {
        "slack": {"connector": "slack", "token": SLACK_TOKEN, "channel": "#ar-alerts",
                  "base_url": f"{slack.url}/api/", "timeout": 5},
        "erp": {"connector": "http", "base_url": erp.url, "timeout": 5, "auth": {"bearer": {"token": ERP_TOKEN}},
                "actions": {"create_order": {"method": "POST", "path": "/erp/orders"}}},
        "shop": {"connector": "http", "base_url": "http://127.0.0.1:9", "webhook": {"secret": "s"}},
    }

    def make(recipes: dict[str, str]):
        return make_hub(connections, recipes)
    return make


def bundled(name: str) -> dict[str, str]:
    return {name: (STARTER / "recipes" / name).read_text()}


def run(hub, recipe: str, event: dict, *, topic: str | None = None) -> Run:
    body = jsonutil.dumps(event).encode()
    accepted = accept(hub.sessions, NewEvent(source="manual", dedupe_key=f"{recipe}-1", body=body, topic=topic),
                      [(recipe, hub.recipes[recipe].recipe.hash)])
    execute(hub, claim_run(hub.sessions, "test", accepted.run_ids[0]))
    with hub.sessions() as session:
        return session.get(Run, accepted.run_ids[0])


def texts(slack) -> list[str]:
    return [m["message"]["text"] for m in slack.state.messages]


def test_late_payment_alert_shows_a_hostile_customer_name_as_text(hub_with, slack):
    hub = hub_with(bundled("late-payment-alerts.yaml"))
    due = date.today() - timedelta(days=3)
    with hub.sessions.begin() as session:
        upsert(session, "invoice", {
            "number": "INV-7", "currency": "EUR", "issue_date": (due - timedelta(days=30)).isoformat(),
            "due_date": due.isoformat(), "total": "120.00", "amount_due": "120.00", "status": "open",
            "customer": {"name": EVIL, "email": "ar@evil.example"}})
    done = run(hub, "late-payment-alerts", {})
    assert done.status == "succeeded", done.error_message
    assert texts(slack) == [f"Overdue: {INERT}, invoice INV-7, EUR 120.00 due, 3 days late."]


def test_order_notice_shows_a_hostile_order_name_as_text(hub_with, slack):
    hub = hub_with(bundled("order-webhook-to-erp.yaml"))
    order = {"id": 820982911946154500, "name": f"#{EVIL}", "currency": "EUR", "created_at": "2026-11-02T10:00:00Z",
             "customer": {"email": "ana@example.org"}, "subtotal_price": "10.00", "total_tax": "0.00",
             "total_price": "10.00",
             "line_items": [{"sku": "TEA", "title": "Tea", "quantity": 1, "price": "10.00"}]}
    done = run(hub, "order-webhook-to-erp", order, topic="orders/create")
    assert done.status == "succeeded", done.error_message
    (text,) = texts(slack)
    assert text.startswith(f"Order {INERT} for ana@example.org (10.00 EUR) is in the ERP as ")
    assert "<!channel>" not in text and "<https://evil" not in text


NOTICE = """recipe: notice
trigger: {schedule: {cron: "0 8 * * *"}}
steps:
  - id: tell
    notify:
      connection: slack
      text: "<!here> {{ event.customer }} paid: <{{ run.url }}|open the run>, <{{ event.link }}|the invoice>"
"""


def test_the_templates_own_links_and_mentions_still_work(hub_with, slack):
    hub = hub_with({"notice.yaml": NOTICE})
    done = run(hub, "notice", {"customer": EVIL, "link": "https://erp.example/inv?id=7&x=1|Click to confirm payment>"})
    assert done.status == "succeeded", done.error_message
    (text,) = texts(slack)
    run_url = hub.run_url(done.id)
    assert text == (f"<!here> {INERT} paid: <{run_url}|open the run>, "
                    "<https://erp.example/inv?id=7&amp;x=1%7CClick%20to%20confirm%20payment%3E|the invoice>")


def _rendered(source: str, **data) -> RenderedText:
    return render(compile_template(source), data)


@pytest.mark.parametrize(("source", "data", "expected"), [
    ("Hi {{ name }}", {"name": "<@U123> & co"}, "Hi &lt;@U123&gt; &amp; co"),
    ("<@U123> see {{ name }}", {"name": "<!everyone>"}, "<@U123> see &lt;!everyone&gt;"),
    ("<{{ url }}|{{ label }}>", {"url": "https://x/a b|c", "label": "<b>|d>"}, "<https://x/a%20b%7Cc|&lt;b&gt;|d&gt;>"),
    ("<{{ url }}>", {"url": "https://x>evil"}, "<https://x%3Eevil>"),
    ("{% for n in names %}{{ n }};{% endfor %}", {"names": ["<!here>", "a&b"]}, "&lt;!here&gt;;a&amp;b;"),
    ("{% macro m(v) %}<{{ v }}>{% endmacro %}{{ m(name) }}", {"name": "!channel"}, "&lt;!channel&gt;"),
    ("{{ amount | money }} & more", {"amount": "1234.5"}, "1,234.50 & more"),
    ("{{ '<!channel>' }}", {}, "&lt;!channel&gt;"),
    ("{{ name }}", {"name": "\ue000<!here>\ue001"}, "&lt;!here&gt;"),
], ids=["value", "template-mention", "link-target-and-label", "link-target-close", "loop", "macro-is-a-value",
        "template-ampersand", "literal-expression", "marks-in-data"])
def test_slack_text_escapes_values_only(source, data, expected):
    rendered = _rendered(source, **data)
    assert slack_text(rendered) == expected
    assert "\ue000" not in rendered and "\ue001" not in rendered


def test_rendered_text_reads_as_the_plain_text():
    rendered = _rendered("Order {{ number }} for {{ name }}", number="1001", name=EVIL)
    assert rendered == f"Order 1001 for {EVIL}"
    assert rendered.parts == ((False, "Order "), (True, "1001"), (False, " for "), (True, EVIL))


@pytest.mark.parametrize(("text", "expected"), [
    (EVIL, INERT),
    ("Q&A <b>", "Q&amp;A &lt;b&gt;"),
], ids=["hostile", "plain"])
def test_a_plain_string_is_data_throughout(text, expected):
    assert slack_text(text) == expected


def test_block_kit_mrkdwn_text_is_escaped():
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": EVIL},
               "fields": [{"type": "plain_text", "text": "<kept>"}, {"type": "mrkdwn", "text": "*<@U1>*"}]}]
    assert escape_blocks(blocks) == [{"type": "section", "text": {"type": "mrkdwn", "text": INERT},
                                      "fields": [{"type": "plain_text", "text": "<kept>"},
                                                 {"type": "mrkdwn", "text": "*&lt;@U1&gt;*"}]}]


def test_legacy_attachment_texts_are_escaped():
    attachments = [{"fallback": "<kept>", "pretext": EVIL, "text": "a & b", "color": "#ff0000",
                    "fields": [{"title": "<@U1>", "value": EVIL, "short": True}],
                    "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": "<!here>"}]}]}]
    assert escape_attachments(attachments) == [{
        "fallback": "<kept>", "pretext": INERT, "text": "a &amp; b", "color": "#ff0000",
        "fields": [{"title": "&lt;@U1&gt;", "value": INERT, "short": True}],
        "blocks": [{"type": "context", "elements": [{"type": "mrkdwn", "text": "&lt;!here&gt;"}]}]}]


def test_slack_connector_escapes_what_it_sends(slack):
    from hub.connector import ActionContext
    from connectors.slack import SlackConnector

    connector = SlackConnector.from_config("slack", {"token": SLACK_TOKEN, "channel": "#ar-alerts",
                                                     "base_url": f"{slack.url}/api/", "timeout": 5})
    notify = connector.actions()["notify"]
    notify({"text": f"Dunning: {EVIL}"}, ActionContext(idempotency_key="a"))
    notify({"text": _rendered("<!here> {{ name }}", name=EVIL)}, ActionContext(idempotency_key="b"))
    notify({"text": "x", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": EVIL}}]},
           ActionContext(idempotency_key="c"))
    assert texts(slack) == [f"Dunning: {INERT}", f"<!here> {INERT}", "x"]
    assert slack.state.messages[2]["message"]["blocks"][0]["text"]["text"] == INERT
