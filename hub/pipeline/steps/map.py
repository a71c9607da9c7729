"""``map``: reshape data with a JMESPath expression, or with a connector's own mapping.

.. code-block:: yaml

    - id: order
      map: {expr: "{number: name, total: decimal(total_price)}", into: sales_order, from: event}
    - id: order
      map: {using: shop.order, into: sales_order}     # the connector's tested mapping
    - id: names
      map: "customers[*].name"                        # the expression alone, on the event

``into`` checks (and normalizes) the result against the canonical entity's schema.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hub import canonical
from hub.errors import FatalError
from hub.pipeline.context import RunContext
from hub.pipeline.step import Builder, Checks, Expression, Step, StepKind, input_property


@dataclass(frozen=True, slots=True, kw_only=True)
class MapStep(Step):
    """A JMESPath expression applied to ``source`` (default: the event)."""

    expr: Expression
    source: Expression
    into: str | None

    def prepare(self, ctx: RunContext) -> Any:
        return self.source(ctx.data)

    def execute(self, ctx: RunContext, given: Any) -> Any:
        result = self.expr(given)
        return canonical.check(self.into, result) if self.into else result


@dataclass(frozen=True, slots=True, kw_only=True)
class ConnectorMapStep(Step):
    """``using: shop.order``: a connector's pure mapping function applied to ``source``."""

    using: str
    function: Callable[[Any], Any]
    source: Expression
    into: str | None

    def prepare(self, ctx: RunContext) -> Any:
        return self.source(ctx.data)

    def execute(self, ctx: RunContext, given: Any) -> Any:
        try:
            result = self.function(given)
        except (KeyError, TypeError, ValueError) as exc:
            raise FatalError(f"mapping {self.using} cannot read this record: "
                             f"{type(exc).__name__}: {exc}") from exc
        return canonical.check(self.into, result) if self.into else result


def check(body: Any, at: Checks) -> None:
    if isinstance(body, str):
        at.expression(names=False)  # the expression reads its input (the event), not names
        return
    if "expr" in body:
        at.expression("expr", names=False)
    if "using" in body:
        name, _, mapping = body["using"].partition(".")
        connection = at.connection("using", name=name)
        if connection is not None and mapping not in connection.mappings():
            known = ", ".join(sorted(connection.mappings())) or "it has none"
            at.report(("using",), f"unknown mapping {mapping!r} on connection {name!r} (known: {known})")
    if "from" in body:
        at.expression("from")
    if "into" in body:
        at.entity("into")


def build(body: Any, at: Builder) -> Step:
    source = at.expression("from", default="event")
    if isinstance(body, str):
        return MapStep(**at.common, expr=at.expression(), source=source, into=None)
    if "using" in body:
        connection, name = body["using"].split(".", 1)
        return ConnectorMapStep(**at.common, using=body["using"], source=source, into=body.get("into"),
                                function=at.connector(connection).mappings()[name])
    return MapStep(**at.common, expr=at.expression("expr"), source=source, into=body.get("into"))


BODY = {
    "oneOf": [
        {"$ref": "#/$defs/expression"},
        {
            "type": "object",
            "required": [],
            "additionalProperties": False,
            "properties": {
                "expr": {
                    "$ref": "#/$defs/expression",
                    "title": "Expression",
                    "description": (
                        "JMESPath building the step's result from its input. The extra functions (decimal "
                        "math, dates, defaults, lookups) are listed in hub/pipeline/functions.py."
                    ),
                    "examples": ["{number: name, currency: currency, total: decimal(total_price)}"],
                },
                "into": {
                    "$ref": "#/$defs/entity",
                    "title": "Canonical entity",
                    "description": (
                        "Canonical O2C entity the result must match; the result is validated against "
                        "hub/schemas/o2c/<entity>.schema.json."
                    ),
                    "examples": ["sales_order", "customer", "payment"],
                },
                "from": input_property(default="event"),
                "using": {
                    "type": "string",
                    "pattern": "^[a-z][a-z0-9_-]*\\.[a-z][a-z0-9_]*$",
                    "errorMessage": "must name a connection and one of its mappings, as connection.mapping",
                    "title": "Connector mapping",
                    "description": (
                        "A tested mapping that the connection's connector ships, instead of an expression: "
                        "<connection>.<mapping>. Each connector documents its mappings (e.g. shopify: "
                        "order, customer, fulfillment, refund; stripe: payment)."
                    ),
                    "examples": ["shop.order", "stripe.payment", "crm.account"],
                },
            },
            "title": "Map (full form)",
            "description": (
                "A map with its input and target entity spelled out: an expression (expr) or a connector's "
                "mapping (using)."
            ),
            "oneOf": [{"required": ["expr"]}, {"required": ["using"]}],
        },
    ],
}

KIND = StepKind(
    name="map",
    title="Map",
    description=(
        "Reshape data with a JMESPath expression evaluated against the step input (`from`, default event): "
        "either the expression alone or {expr, into, from}."
    ),
    examples=(
        "{number: name, total: decimal(total_price)}",
        {"expr": "{number: name}", "into": "sales_order", "from": "event"},
    ),
    body=BODY, check=check, build=build,
)
