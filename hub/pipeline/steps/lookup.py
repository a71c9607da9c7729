"""``lookup``: one canonical record, by natural key or by external ref.

.. code-block:: yaml

    - id: invoice
      lookup: {entity: invoice, match: "{number: payment.invoice_number}", required: true}
    - id: customer
      lookup: {entity: customer, ref: {connection: crm, id: "event.account_id"}}

Its output is the record (null when none matches, or a failure when ``required``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.errors import FatalError
from hub.o2c.queries import find_record
from hub.pipeline.context import RunContext
from hub.pipeline.step import Builder, Checks, Expression, Step, StepKind


@dataclass(frozen=True, slots=True, kw_only=True)
class LookupStep(Step):
    """Finds one ``entity`` by ``match`` (natural key fields) or by ``ref`` (connection, id)."""

    entity: str
    match: Expression | None
    ref_connection: str | None
    ref_id: Expression | None
    required: bool

    def prepare(self, ctx: RunContext) -> Any:
        ref_id = self.ref_id(ctx.data) if self.ref_id else None
        return {"match": self.match(ctx.data) if self.match else None,
                "ref": [self.ref_connection, str(ref_id)] if ref_id not in (None, "") else None}

    def execute(self, ctx: RunContext, given: Any) -> Any:
        ref = tuple(given["ref"]) if given["ref"] else None
        try:
            with ctx.sessions() as session:
                found = find_record(session, self.entity, match=given["match"], ref=ref)
        except KeyError as exc:
            raise FatalError(f"a {self.entity} lookup needs {exc.args[0]!r} in match") from None
        if found is None and self.required:
            raise FatalError(f"no {self.entity} matches {given['match'] or given['ref']}")
        return found


def check(body: Any, at: Checks) -> None:
    at.entity("entity")
    if "match" in body:
        at.expression("match")
    if "ref" in body:
        at.connection("ref", "connection")
        at.expression("ref", "id")


def build(body: Any, at: Builder) -> LookupStep:
    return LookupStep(**at.common, entity=body["entity"], match=at.expression("match"),
                      ref_connection=body.get("ref", {}).get("connection"), ref_id=at.expression("ref", "id"),
                      required=body.get("required", False))


BODY = {
    "type": "object",
    "required": ["entity"],
    "additionalProperties": False,
    "title": "Lookup",
    "description": (
        "Find one canonical record in the hub's store, by its natural key (match) or by the id another "
        "system gives it (ref). The step's result is the record, or null when there is none."
    ),
    "examples": [{"entity": "invoice", "match": "{number: payment.invoice_number}"}],
    "anyOf": [{"required": ["match"]}, {"required": ["ref"]}],
    "properties": {
        "entity": {
            "$ref": "#/$defs/entity",
            "title": "Canonical entity",
            "description": "Which kind of record to look for.",
            "examples": ["invoice", "customer"],
        },
        "match": {
            "$ref": "#/$defs/expression",
            "title": "Match",
            "description": (
                "JMESPath building the natural key to look for: customer email (else tax_id, else name), "
                "order/invoice number, payment reference, product sku."
            ),
            "examples": ["{number: payment.invoice_number}", "{email: event.email}"],
        },
        "ref": {
            "$ref": "#/$defs/external_ref",
            "title": "External reference",
            "description": "Look the record up by the id a connection gave it.",
            "examples": [{"connection": "erp", "id": "event.invoice_id"}],
        },
        "required": {
            "type": "boolean",
            "default": False,
            "title": "Required",
            "description": (
                "When true, a missing record fails the run (dead letter with the reason) instead of giving "
                "null."
            ),
            "examples": [True],
        },
    },
}

KIND = StepKind(
    name="lookup",
    title="Lookup",
    description=(
        "Find one canonical record in the hub's store, by its natural key (match) or by the id another "
        "system gives it (ref). The step's result is the record, or null when there is none."
    ),
    examples=({"entity": "invoice", "match": "{number: payment.invoice_number}"},),
    body=BODY, check=check, build=build,
)
