"""``upsert``: insert or update a canonical record in the hub's store.

.. code-block:: yaml

    - id: saved
      upsert: {entity: sales_order, from: order, ref: {connection: shop, id: "event.id"}}

An invoice is never stored as nobody's: when the customer it names is not in the hub, a customer
named with a system's id (the ERP's party) is added from what the invoice says of it; one named
only by e-mail, tax id or name fails the step with CustomerNotKnown (retriable), so the run waits
for the customer through its recipe's retries and is dead-lettered after the last one.

Its output says what the store did: ``{entity, id, created, changed, stale}``; ``stale`` is true
when the record was an older copy than the stored one and so was ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.o2c.records import store_record as upsert  # the store's upsert, then the order's status
from hub.pipeline.context import RunContext
from hub.pipeline.step import Builder, Checks, Expression, Step, StepKind, input_property, required_text


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsertStep(Step):
    """Stores ``source`` as an ``entity``, remembering its id in ``ref_connection`` when given."""

    entity: str
    source: Expression
    ref_connection: str | None
    ref_id: Expression | None

    def prepare(self, ctx: RunContext) -> Any:
        return self.source(ctx.data)

    def execute(self, ctx: RunContext, given: Any) -> Any:
        ref = None
        if self.ref_connection and self.ref_id:
            ref = (self.ref_connection, required_text(self.ref_id, ctx.data, "ref.id"))
        # upsert validates and normalizes the record; committed with other runs' writes
        result = ctx.write(lambda session: upsert(session, self.entity, given, ref=ref, known_customer=True))
        return {"entity": self.entity, "id": result.id, "created": result.created,
                "changed": result.changed, "stale": result.stale}


def check(body: Any, at: Checks) -> None:
    at.entity("entity")
    at.expression("from")
    if "ref" in body:
        at.connection("ref", "connection")
        at.expression("ref", "id")


def build(body: Any, at: Builder) -> UpsertStep:
    return UpsertStep(**at.common, entity=body["entity"], source=at.expression("from"),
                      ref_connection=body.get("ref", {}).get("connection"), ref_id=at.expression("ref", "id"))


BODY = {
    "type": "object",
    "required": ["entity", "from"],
    "additionalProperties": False,
    "properties": {
        "entity": {
            "$ref": "#/$defs/entity",
            "title": "Canonical entity",
            "description": "The canonical O2C entity to insert or update in the hub's store.",
            "examples": ["sales_order", "customer"],
        },
        "from": input_property(),
        "ref": {
            "$ref": "#/$defs/external_ref",
            "title": "External reference",
            "description": (
                "Records which record of which connection this entity came from, so a replay or a later "
                "event updates the same row."
            ),
            "examples": [{"connection": "shop", "id": "event.id"}],
        },
    },
}

KIND = StepKind(
    name="upsert",
    title="Upsert",
    description="Insert or update a canonical entity in the hub's store.",
    examples=({"entity": "sales_order", "from": "order", "ref": {"connection": "shop", "id": "event.id"}},),
    body=BODY, check=check, build=build,
)
