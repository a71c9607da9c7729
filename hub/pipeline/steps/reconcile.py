"""``reconcile``: compare two lists by a key; each difference becomes a reconciliation exception.

.. code-block:: yaml

    - id: differences
      reconcile: {left: shop_orders, right: erp_sales, key: number, compare: [total, currency]}

An exception stays open (o2c-hub exceptions list) until a later run no longer finds the
difference. The output is ``{missing_left, missing_right, mismatched, matched, count, ...}``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hub.errors import FatalError
from hub.o2c.reconcile import compare_lists, record_exceptions
from hub.pipeline.context import RunContext
from hub.pipeline.step import Builder, Checks, Expression, Step, StepKind


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconcileStep(Step):
    """Pairs ``left`` and ``right`` records by ``key`` and compares the ``compare`` fields."""

    name: str | None
    left: Expression
    right: Expression
    key: Expression
    compare: tuple[Expression, ...]
    tolerance: Decimal

    def prepare(self, ctx: RunContext) -> Any:
        return {"left": self.left(ctx.data), "right": self.right(ctx.data)}

    def execute(self, ctx: RunContext, given: Any) -> Any:
        for side in ("left", "right"):
            if given[side] is not None and not isinstance(given[side], list):
                raise FatalError(f"reconcile {self.id}: {side} '{getattr(self, side).source}' is not a list")
        diff = compare_lists(given["left"], given["right"], key=self.key,
                             fields={c.source: c for c in self.compare}, tolerance=self.tolerance)
        name = self.name or f"{ctx.recipe}.{self.id}"
        with ctx.sessions.begin() as session:
            open_count = record_exceptions(session, name, diff, run_id=ctx.run_id)
        return {**diff.as_dict(), "reconciliation": name, "open": open_count}


def check(body: Any, at: Checks) -> None:
    at.expression("left")
    at.expression("right")
    at.expression("key", names=False)  # read from each record, not from the run's names
    for index in range(len(body.get("compare", []))):
        at.expression("compare", index, names=False)


def build(body: Any, at: Builder) -> ReconcileStep:
    return ReconcileStep(
        **at.common, name=body.get("name"), left=at.expression("left"), right=at.expression("right"),
        key=at.expression("key"), tolerance=Decimal(body.get("tolerance", "0")),
        compare=tuple(at.expression("compare", i) for i in range(len(body.get("compare", [])))),
    )


BODY = {
    "type": "object",
    "required": ["left", "right", "key"],
    "additionalProperties": False,
    "title": "Reconcile",
    "description": (
        "Compare two lists of records by a key: records only on the right (missing_left), only on the left "
        "(missing_right), and fields that differ (mismatched). Each difference is kept as an open "
        "reconciliation exception (o2c-hub exceptions list, GET /api/v1/exceptions) until a later run no "
        "longer finds it. The step's result is {missing_left, missing_right, mismatched, matched, count}."
    ),
    "examples": [
        {
            "name": "storefront-vs-erp",
            "left": "shop_orders",
            "right": "erp_sales",
            "key": "number",
            "compare": ["total", "currency"],
        },
    ],
    "properties": {
        "name": {
            "type": "string",
            "pattern": "^[a-z0-9][a-z0-9_-]*$",
            "errorMessage": "is not a valid reconciliation name: use lower-case letters, digits, - and _",
            "title": "Name",
            "description": "Names this reconciliation's exceptions. Default: <recipe>.<step id>.",
            "examples": ["storefront-vs-erp", "stripe-vs-erp-payments"],
        },
        "left": {
            "$ref": "#/$defs/expression",
            "title": "Left list",
            "description": "JMESPath giving the first list (e.g. the records of the system of record's counterpart).",
            "examples": ["shop_orders", "stripe_payments.data"],
        },
        "right": {
            "$ref": "#/$defs/expression",
            "title": "Right list",
            "description": "JMESPath giving the second list.",
            "examples": ["erp_sales", "erp_payments"],
        },
        "key": {
            "$ref": "#/$defs/expression",
            "title": "Key",
            "description": "JMESPath evaluated on each record of both lists giving the value that pairs them.",
            "examples": ["number", "reference"],
        },
        "compare": {
            "type": "array",
            "items": {"$ref": "#/$defs/expression"},
            "title": "Compared fields",
            "description": (
                "JMESPaths evaluated on each paired record; values that differ are mismatches. Numbers and "
                "numeric strings compare as exact decimals."
            ),
            "examples": [["total", "currency"], ["amount"]],
        },
        "tolerance": {
            "type": "string",
            "pattern": "^[0-9]+(\\.[0-9]+)?$",
            "errorMessage": (
                "is not an amount: write digits with an optional decimal point, in quotes (e.g. "
                "\"1000.00\")"
            ),
            "title": "Amount tolerance",
            "description": "Numeric values that differ by at most this much match. Default 0.",
            "examples": ["0.01", "0"],
        },
    },
}

KIND = StepKind(
    name="reconcile",
    title="Reconcile",
    description=(
        "Compare two lists of records by a key: records only on the right (missing_left), only on the left "
        "(missing_right), and fields that differ (mismatched). Each difference is kept as an open "
        "reconciliation exception (o2c-hub exceptions list, GET /api/v1/exceptions) until a later run no "
        "longer finds it. The step's result is {missing_left, missing_right, mismatched, matched, count}."
    ),
    examples=({"left": "shop_orders", "right": "erp_sales", "key": "number", "compare": ["total"]},),
    body=BODY, check=check, build=build,
)
