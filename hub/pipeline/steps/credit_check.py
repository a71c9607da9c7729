"""``credit_check``: check an order against its customer's credit; hold the run when a rule fires.

.. code-block:: yaml

    - id: credit
      credit_check:
        order: order
        policy: {tolerance: "5%", max_overdue_days: 30, max_overdue_share: "20%",
                 new_customer_cap: "1000.00", prepaid: "event.financial_status == 'paid'"}

Every check is recorded with each rule it ran (hub.o2c.credit.service). A held order raises
Held: the run waits (status held, on_hold handlers run) until a person approves or rejects it.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hub import canonical
from hub.errors import FatalError, Held
from hub.o2c.credit.rules import HELD, Policy
from hub.o2c.credit.service import REJECTED, check_order, check_view
from hub.pipeline.context import RunContext
from hub.pipeline.step import Builder, Checks, Expression, Step, StepKind, truthy


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditCheckStep(Step):
    """Checks ``order`` under ``policy``; ``prepaid`` true lets a paid order pass."""

    order: Expression
    policy: Policy
    prepaid: Expression | None

    def prepare(self, ctx: RunContext) -> Any:
        prepaid = truthy(self.prepaid(ctx.data)) if self.prepaid else False
        return {"order": self.order(ctx.data), "prepaid": prepaid}

    def execute(self, ctx: RunContext, given: Any) -> Any:
        order = canonical.check("sales_order", given["order"])
        with ctx.sessions.begin() as session:
            view = check_view(check_order(session, order, self.policy, prepaid=given["prepaid"],
                                          run_id=ctx.run_id))
        if view["decision"] == HELD:
            raise Held(f"order {view['order']} is held for credit approval: {view['reason']}", detail=view)
        if view["decision"] == REJECTED:
            raise FatalError(f"order {view['order']} was rejected by credit control "
                             f"({view['decided_by']}: {view['reason']})")
        return view


def check(body: Any, at: Checks) -> None:
    at.expression("order")
    policy = body.get("policy", {})
    if "prepaid" in policy:
        at.expression("policy", "prepaid")
    share = policy.get("max_overdue_share")
    if isinstance(share, str) and float(share.rstrip("%")) > 100:
        at.report(("policy", "max_overdue_share"), f"{share} is more than 100%: a share is at most 100%")


def build(body: Any, at: Builder) -> CreditCheckStep:
    spec = body.get("policy", {})
    share, cap = spec.get("max_overdue_share"), spec.get("new_customer_cap")
    policy = Policy(tolerance=percent(spec.get("tolerance", "0%")), max_overdue_days=spec.get("max_overdue_days"),
                    max_overdue_share=percent(share) if share is not None else None,
                    dunning_hold=spec.get("dunning_hold", True),
                    new_customer_cap=Decimal(cap) if cap is not None else None)
    return CreditCheckStep(**at.common, order=at.expression("order"), policy=policy,
                           prepaid=at.expression("policy", "prepaid"))


def percent(text: str) -> Decimal:
    """``"5%"`` -> Decimal("0.05")."""
    return Decimal(text.strip().removesuffix("%")) / 100


BODY = {
    "type": "object",
    "required": ["order"],
    "additionalProperties": False,
    "title": "Credit check",
    "description": (
        "Check an order against its customer's credit: exposure (open receivables + open unbilled orders + "
        "shipped not invoiced + this order) against the credit limit with a tolerance, the oldest overdue "
        "invoice, the overdue share, a dunning credit hold, a cap for new customers, blocked customers; "
        "prepaid orders pass. Every rule is recorded with its value. A held order stops the run (status "
        "held, on_hold handlers run) until a person approves it (o2c-hub credit approve, POST "
        "/api/v1/credit/<order>/approve), which re-queues the run; the step's result is the check."
    ),
    "examples": [
        {
            "order": "order",
            "policy": {
                "tolerance": "5%",
                "max_overdue_days": 30,
                "max_overdue_share": "20%",
                "dunning_hold": True,
                "new_customer_cap": "1000.00",
                "prepaid": "order.attributes.financial_status == 'paid'",
            },
        },
    ],
    "properties": {
        "order": {
            "$ref": "#/$defs/expression",
            "title": "Order",
            "description": (
                "JMESPath giving the canonical sales order to check (its number, currency, customer and "
                "totals.total are used)."
            ),
            "examples": ["order", "saved_order"],
        },
        "policy": {
            "type": "object",
            "additionalProperties": False,
            "title": "Policy",
            "description": "The thresholds; a rule without its threshold is skipped (and recorded as skipped).",
            "examples": [
                {
                    "tolerance": "5%",
                    "max_overdue_days": 30,
                    "max_overdue_share": "20%",
                    "dunning_hold": True,
                    "new_customer_cap": "1000.00",
                    "prepaid": "order.attributes.financial_status == 'paid'",
                },
            ],
            "properties": {
                "tolerance": {
                    "type": "string",
                    "pattern": "^[0-9]+(\\.[0-9]+)?%$",
                    "errorMessage": "is not a percentage: write a number followed by % (e.g. 5%, 12.5%)",
                    "title": "Limit tolerance",
                    "description": (
                        "How far above the credit limit exposure may go, as a percentage of the limit. "
                        "Default 0%."
                    ),
                    "examples": ["5%", "0%"],
                },
                "max_overdue_days": {
                    "type": "integer",
                    "minimum": 0,
                    "title": "Maximum overdue days",
                    "description": "Hold when the customer's oldest overdue invoice is more days past due than this.",
                    "examples": [30, 60],
                },
                "max_overdue_share": {
                    "type": "string",
                    "pattern": "^[0-9]+(\\.[0-9]+)?%$",
                    "errorMessage": "is not a percentage: write a number followed by % (e.g. 5%, 12.5%)",
                    "title": "Maximum overdue share",
                    "description": "Hold when more than this share of the customer's open receivables is overdue.",
                    "examples": ["20%", "50%"],
                },
                "dunning_hold": {
                    "type": "boolean",
                    "title": "Respect dunning holds",
                    "description": (
                        "Hold when dunning put the customer on credit hold (skipped when this hub has no "
                        "dunning data). Default true."
                    ),
                    "examples": [True, False],
                },
                "new_customer_cap": {
                    "type": "string",
                    "pattern": "^[0-9]+(\\.[0-9]+)?$",
                    "errorMessage": (
                        "is not an amount: write digits with an optional decimal point, in quotes (e.g. "
                        "\"1000.00\")"
                    ),
                    "title": "New customer cap",
                    "description": (
                        "Hold orders above this amount from customers with no paid history (no paid "
                        "invoice, no payment), in the order's currency."
                    ),
                    "examples": ["1000.00", "250"],
                },
                "prepaid": {
                    "$ref": "#/$defs/expression",
                    "title": "Prepaid",
                    "description": (
                        "JMESPath that is true when the order is paid already; a prepaid order passes the "
                        "credit rules (a blocked customer is still held)."
                    ),
                    "examples": [
                        "order.attributes.financial_status == 'paid'",
                        "event.financial_status == 'paid'",
                    ],
                },
            },
        },
    },
}

KIND = StepKind(
    name="credit_check",
    title="Credit check",
    description=(
        "Check an order against its customer's credit: exposure (open receivables + open unbilled orders + "
        "shipped not invoiced + this order) against the credit limit with a tolerance, the oldest overdue "
        "invoice, the overdue share, a dunning credit hold, a cap for new customers, blocked customers; "
        "prepaid orders pass. Every rule is recorded with its value. A held order stops the run (status "
        "held, on_hold handlers run) until a person approves it (o2c-hub credit approve, POST "
        "/api/v1/credit/<order>/approve), which re-queues the run; the step's result is the check."
    ),
    examples=({"order": "order", "policy": {"tolerance": "5%", "max_overdue_days": 30}},),
    body=BODY, check=check, build=build, holds=True,
)
