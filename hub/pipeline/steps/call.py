"""``call``: an action on a connection, made once per business key through the ledger.

.. code-block:: yaml

    - id: erp_order
      call: {connection: erp, action: create_sales_order, with: order, key: order.number}
    - id: erp_sales
      call: {connection: erp, action: list_sales_orders, read_only: true}

``read_only: true`` (a call that changes nothing) bypasses the ledger: every attempt, retry and
replay calls again and sees the live answer. A call whose action declares neither a lookup nor
that it is repeatable (hub/connector.py) is made at least once: ``o2c-hub validate`` warns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from hub.connector import Action, Delivery, delivery_of
from hub.pipeline import effects
from hub.pipeline.context import RunContext
from hub.pipeline.step import Builder, Checks, Expression, Step, StepKind


@dataclass(frozen=True, slots=True, kw_only=True)
class CallStep(Step):
    """Calls ``connection``'s ``action_name`` with ``payload``'s value."""

    connection: str
    action_name: str
    action: Action
    payload: Expression | None
    key: Expression | None
    options: Mapping[str, Any]
    read_only: bool = False

    def prepare(self, ctx: RunContext) -> Any:
        return self.payload(ctx.data) if self.payload else None

    def execute(self, ctx: RunContext, given: Any) -> Any:
        if self.read_only:
            return effects.read(ctx, step_id=self.id, action=self.action, payload=given, options=self.options)
        return effects.perform(ctx, step_id=self.id, action=self.action, payload=given, key=self.key,
                               options=self.options)


def check(body: Any, at: Checks) -> None:
    connection = at.connection("connection")
    if connection is not None and body["action"] not in connection.actions():
        known = ", ".join(sorted(connection.actions())) or "it has none"
        at.report(("action",), f"unknown action {body['action']!r} on connection {connection.name!r} (known: {known})")
    for key in ("with", "key"):
        if key in body:
            at.expression(key)
    if body.get("read_only") and "key" in body:
        at.report(("key",), "a read_only call is made by every attempt, never once per key: remove key")


def warn(body: Any, at: Checks) -> None:
    """A call made at least once: when the hub stops between the call and recording its answer,
    the next attempt calls again."""
    name, action = body.get("connection"), body.get("action")
    found = at.connections[name].actions().get(action) if name in at.connections else None
    if body.get("read_only") or found is None or delivery_of(found) is not Delivery.AT_LEAST_ONCE:
        return
    at.report(("action",), (
        f"warning: {name}.{action} is made at least once: when the hub stops between the call and "
        f"recording its answer, the next attempt calls again, which makes a second effect unless {name} "
        f"recognises the call's idempotency key (an action with a lookup is made exactly once)"))


def build(body: Any, at: Builder) -> CallStep:
    return CallStep(**at.common, connection=body["connection"], action_name=body["action"],
                    action=at.action(body["connection"], body["action"]), payload=at.expression("with"),
                    key=at.expression("key"), options=MappingProxyType(dict(body.get("options", {}))),
                    read_only=body.get("read_only", False))


BODY = {
    "type": "object",
    "required": ["connection", "action"],
    "additionalProperties": False,
    "properties": {
        "connection": {
            "$ref": "#/$defs/name",
            "title": "Connection",
            "description": "Name of a connection defined under `connections:` in the config file to call.",
            "examples": ["erp", "shop", "slack"],
        },
        "action": {
            "title": "Action",
            "description": (
                "Name of the action on that connection (its connector lists them). If the hub stops between "
                "the call and recording its answer, the next attempt asks the target first when the action "
                "has a lookup (exactly once: Tryton's and Odoo's sales orders, an http action with "
                "`lookup:`); otherwise it calls again with the same Idempotency-Key (at least once; "
                "`o2c-hub validate` warns), unless the action finds its own earlier work (the other Tryton "
                "and Odoo actions)."
            ),
            "examples": ["create_order", "post"],
            "type": "string",
            "minLength": 1,
        },
        "with": {
            "$ref": "#/$defs/expression",
            "title": "Payload",
            "description": "JMESPath giving the data sent to the action. Default: nothing (null).",
            "examples": ["order", "{invoice: invoice.number, amount: payment.amount}"],
        },
        "key": {
            "$ref": "#/$defs/expression",
            "title": "Idempotency key",
            "description": (
                "JMESPath giving a business key; a retried or replayed run with the same key does not "
                "repeat the call. Default: derived from the run and step."
            ),
            "examples": ["order.number", "join('-', [event.id, 'invoice'])"],
        },
        "options": {
            "title": "Options",
            "description": "Extra settings passed to the action as they are; which ones exist depends on the connector.",
            "examples": [{"dry_run": True}, {"path": "/orders"}],
            "type": "object",
        },
        "read_only": {
            "title": "Read only",
            "description": (
                "The action changes nothing (it lists or reads): it is called again by every attempt, retry "
                "and replay, outside the idempotency ledger, so the run sees live figures. Such a call "
                "takes no key."
            ),
            "type": "boolean",
            "default": False,
            "examples": [True],
        },
    },
}

KIND = StepKind(
    name="call",
    title="Call",
    description="Call an action on a connection, at most once per idempotency key.",
    examples=({"connection": "erp", "action": "create_order", "with": "order", "key": "order.number"},),
    body=BODY, check=check, build=build, warn=warn,
)
