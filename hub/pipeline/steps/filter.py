"""``filter``: end the run here, successfully ("filtered"), when a condition is false.

.. code-block:: yaml

    - id: not_test
      filter: "!(event.test)"
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hub.pipeline.context import RunContext
from hub.pipeline.step import Builder, Checks, Expression, Filtered, Step, StepKind, truthy


@dataclass(frozen=True, slots=True, kw_only=True)
class FilterStep(Step):
    """Raises Filtered (the run ends successfully) when ``condition`` is false, null or empty."""

    condition: Expression

    def execute(self, ctx: RunContext, given: Any) -> Any:
        if not truthy(self.condition(ctx.data)):
            raise Filtered(self.condition.source)
        return True


def check(body: Any, at: Checks) -> None:
    at.expression()


def build(body: Any, at: Builder) -> FilterStep:
    return FilterStep(**at.common, condition=at.expression())


BODY = {"$ref": "#/$defs/expression"}

KIND = StepKind(
    name="filter",
    title="Filter",
    description="JMESPath condition; when it is false, null or empty the run ends here, successfully, as 'filtered'.",
    examples=("!(event.test)", "event.financial_status == 'paid'"),
    body=BODY, check=check, build=build,
)
