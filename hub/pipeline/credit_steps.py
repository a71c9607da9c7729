"""Steps of the O2C services: a credit check on an order, and a reconciliation of two lists.

    credit_check   records a CreditCheck; a held order stops the run (executor status held)
    reconcile      compares two lists by a key; differences become reconciliation exceptions
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hub.errors import FatalError
from hub.o2c import canonical
from hub.o2c.credit.rules import HELD, Policy
from hub.o2c.credit.service import REJECTED, check_order, check_view
from hub.o2c.reconcile import compare_lists, record_exceptions
from hub.pipeline.context import RunContext
from hub.pipeline.steps import Expression, Step, truthy
from hub.runs.executor import Held


@dataclass(frozen=True, slots=True, kw_only=True)
class CreditCheckStep(Step):
    """Check an order against its customer's credit; hold the run when a rule fires.

    .. code-block:: yaml

        - id: credit
          credit_check:
            order: order
            policy: {tolerance: "5%", max_overdue_days: 30, max_overdue_share: "20%",
                     new_customer_cap: "1000.00", prepaid: "event.financial_status == 'paid'"}
    """

    order: Expression
    policy: Policy
    prepaid: Expression | None
    kind = "credit_check"

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


@dataclass(frozen=True, slots=True, kw_only=True)
class ReconcileStep(Step):
    """Compare two lists by key; keep each difference as an open exception.

    .. code-block:: yaml

        - id: differences
          reconcile: {left: shop_orders, right: erp_sales, key: number, compare: [total, currency]}
    """

    name: str | None
    left: Expression
    right: Expression
    key: Expression
    compare: tuple[Expression, ...]
    tolerance: Decimal
    kind = "reconcile"

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
