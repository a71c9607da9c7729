"""A step kind written outside o2c-hub, in one module, as a third party writes one (and installs
through the ``o2c_hub.steps`` entry points): ``vat`` works out the tax on a net amount.

.. code-block:: yaml

    - id: taxed
      vat: {net: order.net_total, rate: "19%", currency: order.currency}
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hub.money import quantize
from hub.pipeline.context import RunContext
from hub.pipeline.step import Builder, Checks, Expression, Step, StepKind


@dataclass(frozen=True, slots=True, kw_only=True)
class VatStep(Step):
    """The tax at ``rate`` on ``net``, each quantized to the currency's minor unit."""

    net: Expression
    currency: Expression
    rate: Decimal

    def prepare(self, ctx: RunContext) -> Any:
        return {"net": self.net(ctx.data), "currency": self.currency(ctx.data)}

    def execute(self, ctx: RunContext, given: Any) -> Any:
        currency = given["currency"]
        net = quantize(given["net"], currency)
        tax = quantize(net * self.rate, currency)
        return {"net": net, "tax": tax, "gross": net + tax, "currency": currency}


def check(body: Any, at: Checks) -> None:
    at.expression("net")
    at.expression("currency")
    if Decimal(body["rate"].removesuffix("%")) > 100:
        at.report(("rate",), f"{body['rate']} is more than 100%: a tax rate is at most 100%")


def build(body: Any, at: Builder) -> VatStep:
    return VatStep(**at.common, net=at.expression("net"), currency=at.expression("currency"),
                   rate=Decimal(body["rate"].removesuffix("%")) / 100)


KIND = StepKind(
    name="vat",
    title="VAT",
    description="Work out the tax on a net amount; the result is {net, tax, gross, currency}.",
    examples=({"net": "order.net_total", "rate": "19%", "currency": "order.currency"},),
    body={
        "type": "object",
        "required": ["net", "rate", "currency"],
        "additionalProperties": False,
        "properties": {
            "net": {"$ref": "#/$defs/expression", "title": "Net amount", "description": "JMESPath giving the amount.",
                    "examples": ["order.net_total"]},
            "rate": {"type": "string", "pattern": "^[0-9]+(\\.[0-9]+)?%$", "title": "Rate",
                     "errorMessage": "is not a percentage: write a number followed by % (e.g. 19%)",
                     "description": "The tax rate.", "examples": ["19%", "7%"]},
            "currency": {"$ref": "#/$defs/expression", "title": "Currency",
                         "description": "JMESPath giving the ISO 4217 currency.", "examples": ["order.currency"]},
        },
    },
    check=check,
    build=build,
)
