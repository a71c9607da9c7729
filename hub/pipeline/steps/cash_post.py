"""``cash_post``: record the applied payments in the ERP, once each.

.. code-block:: yaml

    - id: posted
      cash_post: {connection: ledger}

Every cash-application decision that applied money (automatic, or accepted by a person) and is
not recorded in the ERP yet (hub.o2c.cashapp.erp) is sent to the connection's
``record_payment`` action, one payment per invoice under the payment's reference, the
overpayment kept as credit sent with the last invoice. Each is one effect in the idempotency
ledger keyed on the payment and the invoice, whichever recipe or run sends it, so a retry, a
replay or a second recipe never records a payment twice; a decision is marked posted, with what
the ERP answered, in the same commit that settles its effects. The output lists what was
posted and the invoices whose open amount in the ERP differs from the hub's afterwards::

    {posted: 2, payments: [{payment, source, currency, invoices: [{invoice, sent, erp_applied,
     erp_credit, erp_amount_due, erp_status, hub_amount_due}], differences: [...]}],
     differences: 0}
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.connector import Action
from hub.idempotency import effect_key
from hub.o2c.cashapp import erp
from hub.pipeline import effects
from hub.pipeline.context import RunContext
from hub.pipeline.step import Builder, Checks, Step, StepKind

ACTION = "record_payment"


@dataclass(frozen=True, slots=True, kw_only=True)
class CashPostStep(Step):
    """Sends the applied payments waiting for the ERP to ``connection``'s ``record_payment``."""

    connection: str
    action: Action
    limit: int

    def execute(self, ctx: RunContext, given: Any) -> Any:
        with ctx.sessions() as session:
            waiting = erp.waiting(session, self.limit)
        payments = [self._post(ctx, posting) for posting in waiting]
        return {"posted": len(payments), "payments": payments,
                "differences": sum(len(p["differences"]) for p in payments)}

    def _post(self, ctx: RunContext, posting: erp.Posting) -> dict[str, Any]:
        answers = []
        for number, amount in posting.payments():
            key = effect_key("cash_post", self.connection, posting.source, posting.reference, number)
            result = effects.perform_keyed(ctx, step_id=self.id, action=self.action,
                                           payload=posting.payload(number, amount), idempotency_key=key)
            answers.append(erp.answer_of(number, amount, result, posting.currency))
        with ctx.sessions.begin() as session:  # the effects done and the decision posted: one commit
            ctx.ledger.settle(session)
            return erp.posted(session, posting, answers)


def check(body: Any, at: Checks) -> None:
    connection = at.connection("connection")
    if connection is not None and ACTION not in connection.actions():
        at.report(("connection",), f"connection {connection.name!r} has no {ACTION} action: name the ERP "
                                   "connection that records payments (tryton, odoo)")


def build(body: Any, at: Builder) -> CashPostStep:
    return CashPostStep(**at.common, connection=body["connection"], action=at.action(body["connection"], ACTION),
                        limit=body.get("limit", 500))


BODY = {
    "type": "object",
    "required": ["connection"],
    "additionalProperties": False,
    "title": "Cash postings",
    "description": "The ERP connection that records the applied payments, and how many decisions one run posts.",
    "examples": [{"connection": "ledger"}],
    "properties": {
        "connection": {
            "$ref": "#/$defs/name",
            "title": "Connection",
            "description": (
                "Name of the ERP connection (under `connections:` in the config file) whose `record_payment` "
                "action records a payment against an invoice: Tryton, Odoo."
            ),
            "examples": ["ledger", "erp"],
        },
        "limit": {
            "type": "integer",
            "minimum": 1,
            "maximum": 10000,
            "title": "Limit",
            "description": "How many applied payments one run posts at most, oldest first (default 500); the rest wait for the next run.",
            "examples": [500],
        },
    },
}

KIND = StepKind(
    name="cash_post",
    title="Cash postings",
    description=(
        "Record every applied payment not yet in the ERP (cash-application decisions applied automatically or "
        "accepted by a person) as payments against their invoices through the connection's record_payment, "
        "once per payment and invoice, an overpayment kept there as the customer's credit. The step's result "
        "lists what was posted and any invoice whose open amount in the ERP differs from the hub's."
    ),
    examples=({"connection": "ledger"},),
    body=BODY, check=check, build=build,
)
