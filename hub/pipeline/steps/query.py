"""``query``: canonical records by column values; invoices can be narrowed to the overdue.

.. code-block:: yaml

    - id: overdue
      query: {entity: invoice, where: {status: [open, partially_paid]}, overdue: true, limit: 500}

Its output is the list of records, oldest first (an overdue invoice with its ``days_overdue``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from hub.o2c.queries import find_records, queryable_columns
from hub.pipeline.context import RunContext
from hub.pipeline.step import Builder, Checks, Step, StepKind


@dataclass(frozen=True, slots=True, kw_only=True)
class QueryStep(Step):
    """Reads at most ``limit`` ``entity`` records whose columns equal ``where``'s values."""

    entity: str
    where: Mapping[str, Any]
    overdue: bool
    limit: int

    def prepare(self, ctx: RunContext) -> Any:
        return {"entity": self.entity, "where": dict(self.where), "overdue": self.overdue}

    def execute(self, ctx: RunContext, given: Any) -> Any:
        with ctx.sessions() as session:
            return find_records(session, self.entity, where=self.where, overdue=self.overdue, limit=self.limit)


def check(body: Any, at: Checks) -> None:
    entity = body["entity"]
    if at.entity("entity"):
        columns = queryable_columns(entity)
        for column in body.get("where", {}):
            if column not in columns:
                at.report(("where", column), f"{entity} has no column {column!r} (columns: {', '.join(columns)})")
    if body.get("overdue") and entity != "invoice":
        at.report(("overdue",), "overdue applies to invoices only")


def build(body: Any, at: Builder) -> QueryStep:
    return QueryStep(**at.common, entity=body["entity"], where=MappingProxyType(dict(body.get("where", {}))),
                     overdue=body.get("overdue", False), limit=body.get("limit", 1000))


BODY = {
    "type": "object",
    "required": ["entity"],
    "additionalProperties": False,
    "title": "Query",
    "description": (
        "List canonical records from the hub's store, oldest first. The step's result is a list, each "
        "record with its stored fields (and, for invoices, days_overdue)."
    ),
    "examples": [{"entity": "invoice", "where": {"status": ["open", "partially_paid"]}, "overdue": True}],
    "properties": {
        "entity": {
            "$ref": "#/$defs/entity",
            "title": "Canonical entity",
            "description": "Which kind of records to list.",
            "examples": ["invoice", "sales_order"],
        },
        "where": {
            "type": "object",
            "title": "Where",
            "description": (
                "Column = value (or any of a list of values). Columns: the entity's stored columns, e.g. "
                "status, currency, number, kind."
            ),
            "examples": [{"status": ["open", "partially_paid"], "currency": "EUR"}],
            "additionalProperties": {
                "type": ["string", "number", "boolean", "array"],
                "items": {"type": ["string", "number", "boolean"]},
            },
        },
        "overdue": {
            "type": "boolean",
            "default": False,
            "title": "Overdue only",
            "description": "Invoices only: keep those whose due date has passed with an amount still due.",
            "examples": [True],
        },
        "limit": {
            "type": "integer",
            "minimum": 1,
            "maximum": 10000,
            "default": 1000,
            "title": "Limit",
            "description": "At most this many records.",
            "examples": [500],
        },
    },
}

KIND = StepKind(
    name="query",
    title="Query",
    description=(
        "List canonical records from the hub's store, oldest first. The step's result is a list, each "
        "record with its stored fields (and, for invoices, days_overdue)."
    ),
    examples=({"entity": "invoice", "where": {"status": ["open", "partially_paid"]}, "overdue": True},),
    body=BODY, check=check, build=build,
)
