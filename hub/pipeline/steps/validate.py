"""``validate``: check and normalize a record against a canonical entity's schema.

.. code-block:: yaml

    - id: checked
      validate: {schema: sales_order, from: order}

A sales order must also add up: when its lines, shipping and taxes miss its total beyond
rounding, an open ``order-totals`` exception keeps both figures and the run is dead-lettered
(OrderDoesNotAddUpError) before a later step can send the order on.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hub import canonical
from hub.o2c.orders.held import hold_unless_adds_up
from hub.pipeline.context import RunContext
from hub.pipeline.step import Builder, Checks, Expression, Step, StepKind, input_property

#: What a validate step checks beyond the schema, by entity (looked up once, when built).
RULES: dict[str, Callable[..., Exception | None]] = {"sales_order": hold_unless_adds_up}


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidateStep(Step):
    """Checks ``source`` against ``schema`` (and ``rule``, when the entity has one)."""

    schema: str
    source: Expression
    rule: Callable[..., Exception | None] | None

    def prepare(self, ctx: RunContext) -> Any:
        return self.source(ctx.data)

    def execute(self, ctx: RunContext, given: Any) -> Any:
        record = canonical.check(self.schema, given)
        if self.rule is not None:
            problem = self.rule(record, run_id=ctx.run_id, sessions=ctx.sessions, write=ctx.write)
            if problem is not None:  # raised once its row is committed: the exception stays
                raise problem
        return record


def check(body: Any, at: Checks) -> None:
    at.entity("schema")
    at.expression("from")


def build(body: Any, at: Builder) -> ValidateStep:
    return ValidateStep(**at.common, schema=body["schema"], source=at.expression("from"),
                        rule=RULES.get(body["schema"]))


BODY = {
    "type": "object",
    "required": ["schema", "from"],
    "additionalProperties": False,
    "properties": {
        "schema": {
            "$ref": "#/$defs/entity",
            "title": "Canonical entity",
            "description": (
                "The canonical O2C entity whose JSON Schema the data must match; a mismatch fails the run "
                "without retrying."
            ),
            "examples": ["sales_order", "invoice"],
        },
        "from": input_property(),
    },
}

KIND = StepKind(
    name="validate",
    title="Validate",
    description="Check data against a canonical O2C JSON Schema; the run fails (without retry) when it does not match.",
    examples=({"schema": "sales_order", "from": "order"},),
    body=BODY, check=check, build=build,
)
