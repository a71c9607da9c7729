"""Sale taxes by rate: the ``account.tax`` a storefront tax line stands for in Odoo.

A canonical tax line names its rate (0.19 for 19 %). The Odoo tax is an active sale tax of
amount type ``percent`` whose ``amount`` is the rate × 100 and whose price is *excluded*
(lines are booked before tax), the first by sequence and id. Rates are compared here, exactly,
so 19.0 and 19.0000 are the same rate.

A rate Odoo does not know stops the order with a message that says what to set up, unless the
connection sets ``create_missing_taxes``: then the first sale percent tax is copied with the
new rate ("Sales tax 6%"). The copy keeps that tax's accounts, tax group and tax report grids,
which is why it is not the default: in Odoo a tax is more than a rate (the grids decide the
tax return), and the copy should be reviewed by whoever keeps the books.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from connectors.odoo.mapping import tax_percent
from hub.errors import FatalError

TAX_FIELDS = ["amount", "amount_type", "price_include", "type_tax_use", "name"]
SALE_PERCENT = [("type_tax_use", "=", "sale"), ("amount_type", "=", "percent")]


class SaleTaxes:
    """Find (or, when allowed, create) the price-excluded percent sale tax of a rate."""

    def __init__(self, call: Callable[..., Any], *, connection: str, create_missing: bool):
        self.call, self.connection, self.create_missing = call, connection, create_missing
        self.known: dict[Decimal, int] = {}

    def ids(self, rates: tuple[Decimal, ...], *, action: str) -> list[int]:
        """The tax ids of ``rates``, in their order (zero rates carry no tax)."""
        return [self.of_rate(rate, action=action) for rate in rates if rate]

    def of_rate(self, rate: Decimal, *, action: str) -> int:
        """The id of the sale tax of ``rate`` (0.19), created when missing and allowed."""
        percent = tax_percent(rate)
        if percent not in self.known:
            self.load(action=action)
        if percent not in self.known:
            self.known[percent] = self.create(percent, action=action)
        return self.known[percent]

    def load(self, *, action: str) -> None:
        """Every price-excluded percent sale tax by its percent, the first by sequence wins."""
        for tax in reversed(self.sale_taxes(action=action)):
            if not tax.get("price_include"):
                self.known[Decimal(str(tax["amount"])).normalize()] = tax["id"]

    def sale_taxes(self, *, action: str) -> list[dict[str, Any]]:
        return self.call("account.tax", "search_read", SALE_PERCENT, TAX_FIELDS, action=action, order="sequence, id")

    def create(self, percent: Decimal, *, action: str) -> int:
        """A copy of the first price-excluded sale tax with ``percent``, or a clear refusal."""
        model = [tax for tax in self.sale_taxes(action=action) if not tax.get("price_include")]
        if not self.create_missing or not model:
            why = ("set create_missing_taxes on the connection to copy an existing sale tax with this rate"
                   if model else "there is no sale tax to copy from")
            raise FatalError(f"Odoo has no sale tax of {percent:f}% (percent, price excluded): create it in Odoo "
                             f"(Accounting > Configuration > Taxes), or {why}", connection=self.connection,
                             action=action)
        name = f"Sales tax {percent:f}%"
        copied = self.call("account.tax", "copy", [model[0]["id"]], action=action,
                           default={"name": name, "amount": percent})
        return copied[0] if isinstance(copied, list) else copied
