"""``for_each``: run nested steps once per item of a list.

.. code-block:: yaml

    - id: lines
      for_each:
        in: order.lines
        as: line                      # default: item
        steps:
          - id: line_total
            map: {expr: "mul(quantity, unit_price)", from: line}

The nested steps see the item, the steps before the for_each and each other; their step runs
are recorded as ``lines[3].line_total``, and their effects are keyed per item. The output is
the list of each item's step outputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.errors import FatalError
from hub.pipeline.context import RunContext
from hub.pipeline.runner import run_steps
from hub.pipeline.step import Builder, Checks, Expression, Step, StepKind


@dataclass(frozen=True, slots=True, kw_only=True)
class ForEachStep(Step):
    """Runs ``steps`` for each item of ``items``, the item bound to ``as_``."""

    items: Expression
    as_: str
    steps: tuple[Step, ...]

    def prepare(self, ctx: RunContext) -> Any:
        return self.items(ctx.data)

    def execute(self, ctx: RunContext, items: Any) -> Any:
        if items is None:
            return []
        if not isinstance(items, list):
            raise FatalError(f"for_each {self.id}: '{self.items.source}' is not a list")
        outputs = []
        for index, item in enumerate(items):
            child = ctx.child(self.as_, item, f"{self.id}[{index}]")
            outputs.append(run_steps(self.steps, child, prefix=f"{self.id}[{index}]."))
        return outputs


def check(body: Any, at: Checks) -> None:
    at.expression("in")
    name = body.get("as", "item")
    if name in at.names_in_use:
        at.report(("as",), f"{name!r} is already a name in this recipe: choose another item name")
    at.steps("steps", names=(name,))


def build(body: Any, at: Builder) -> ForEachStep:
    return ForEachStep(**at.common, items=at.expression("in"), as_=body.get("as", "item"), steps=at.steps("steps"))


BODY = {
    "type": "object",
    "required": ["in", "steps"],
    "additionalProperties": False,
    "properties": {
        "in": {
            "$ref": "#/$defs/expression",
            "title": "Items",
            "description": "JMESPath giving the list to go through; the nested steps run once per item.",
            "examples": ["order.lines", "event.line_items"],
        },
        "as": {
            "$ref": "#/$defs/step_id",
            "title": "Item name",
            "description": "The name under which the nested steps see the current item. Default: item.",
            "examples": ["line", "invoice"],
        },
        "steps": {
            "title": "Steps",
            "description": (
                "Steps run for each item, in order; they see the item, the steps before the for_each, and "
                "each other."
            ),
            "examples": [[{"id": "line_total", "map": {"expr": "mul(quantity, unit_price)", "from": "line"}}]],
            "type": "array",
            "minItems": 1,
            "items": {"$ref": "#/$defs/step"},
        },
    },
}

KIND = StepKind(
    name="for_each",
    title="For each",
    description="Run nested steps once per item of a list.",
    examples=(
        {
            "in": "order.lines",
            "as": "line",
            "steps": [{"id": "line_total", "map": {"expr": "mul(quantity, unit_price)", "from": "line"}}],
        },
    ),
    body=BODY, check=check, build=build, nested=("steps",),
)
