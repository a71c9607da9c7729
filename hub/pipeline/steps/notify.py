"""``notify``: a notice through a connection's ``notify`` action (Slack, e-mail ...).

.. code-block:: yaml

    - id: told
      notify: {connection: slack, text: "Order {{ order.number }} booked", channel: "#ops", key: order.number}

The text is a Jinja template rendered in the sandbox; the channel escapes the values put in.
A notice is sent once per business key, through the ledger, like a call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jinja2 import Template

from hub.connector import Action
from hub.pipeline import effects, templates
from hub.pipeline.context import RunContext
from hub.pipeline.step import Builder, Checks, Expression, Step, StepKind


@dataclass(frozen=True, slots=True, kw_only=True)
class NotifyStep(Step):
    """Renders ``template`` and sends it with ``connection``'s notify ``action``."""

    connection: str
    template: Template
    channel: str | None
    key: Expression | None
    action: Action

    @property
    def options(self) -> Mapping[str, Any]:
        return {"channel": self.channel} if self.channel else {}

    def prepare(self, ctx: RunContext) -> Any:
        return {"text": templates.render(self.template, ctx.data), **self.options}

    def execute(self, ctx: RunContext, given: Any) -> Any:
        return effects.perform(ctx, step_id=self.id, action=self.action, payload=given, key=self.key,
                               options=self.options)


def check(body: Any, at: Checks) -> None:
    connection = at.connection("connection")
    if connection is not None and "notify" not in connection.actions():
        at.report(("connection",), f"connection {connection.name!r} cannot send notices (it has no notify action)")
    at.template("text")
    if "key" in body:
        at.expression("key")


def build(body: Any, at: Builder) -> NotifyStep:
    return NotifyStep(**at.common, connection=body["connection"], template=at.template("text"),
                      channel=body.get("channel"), key=at.expression("key"),
                      action=at.action(body["connection"], "notify"))


BODY = {
    "type": "object",
    "required": ["connection", "text"],
    "additionalProperties": False,
    "properties": {
        "connection": {
            "$ref": "#/$defs/name",
            "title": "Connection",
            "description": (
                "Name of a connection defined under `connections:` in the config file that sends the notice "
                "(its connector must offer a notify action)."
            ),
            "examples": ["erp", "shop", "slack"],
        },
        "text": {
            "$ref": "#/$defs/template",
            "title": "Text",
            "description": (
                "The message, a sandboxed Jinja template; step results, event, trigger and run are "
                "available as variables."
            ),
            "examples": ["Order {{ order.number }} booked", "Run failed: {{ run.error }} {{ run.url }}"],
        },
        "channel": {
            "title": "Channel",
            "description": (
                "Where to post, when the connection can post to more than one place. Default: the "
                "connection's default."
            ),
            "examples": ["#ops", "#ar-team"],
            "type": "string",
            "minLength": 1,
        },
        "key": {
            "$ref": "#/$defs/expression",
            "title": "Idempotency key",
            "description": (
                "JMESPath giving a business key; the same notice is sent once per key even if the run is "
                "retried or replayed."
            ),
            "examples": ["order.number"],
        },
    },
}

KIND = StepKind(
    name="notify",
    title="Notify",
    description="Send a notice (Slack, e-mail ...) through a connection.",
    examples=({"connection": "slack", "text": "Order {{ order.number }} booked", "channel": "#ops"},),
    body=BODY, check=check, build=build,
)
