"""Does a canonical sales order add up? Its lines, shipping and taxes against its stated total.

    found = total_check(order)        None when the order states no total
    found.adds_up                     |total − parts| within the rounding tolerance
    require_adds_up(order)            OrderDoesNotAddUpError with both figures otherwise

The parts are what an ERP is sent (:mod:`hub.o2c.orders.net_lines`): each line before tax (its
line total, else quantity × unit price − discount; discounts are inside the line totals) and
each shipping charge, plus their taxes. With ``taxes_included`` those taxes are inside the
amounts already, so the parts are the amounts as given; without, the taxes come on top: the
lines' and shipping lines' own taxes, or, when none carries any, the order's tax lines, else
its ``totals.tax_total``.

Rounding: each line and shipping charge may be a minor unit off (a storefront rounds tax per
line), so the tolerance is the currency's minor unit (0.01 EUR, 1 JPY, 0.001 KWD) times the
number of lines and shipping charges, and at least one minor unit. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hub.errors import OrderDoesNotAddUpError
from hub.money import minor_unit, quantize, to_decimal
from hub.o2c.orders.net_lines import net_lines, total_difference

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class TotalCheck:
    """One order's figures: what its parts come to, its stated total, and the tolerance."""

    number: str
    currency: str
    parts: Decimal
    total: Decimal
    difference: Decimal  # total − parts
    tolerance: Decimal

    @property
    def adds_up(self) -> bool:
        return abs(self.difference) <= self.tolerance

    def describe(self) -> str:
        """The finding in a finance admin's words."""
        label = f"#{self.number}" if self.number.isdigit() else self.number
        return (f"order {label} does not add up: lines, shipping and taxes come to {self.currency} "
                f"{self.parts} but the order total is {self.currency} {self.total} "
                f"(difference {self.difference})")


def total_check(order: Mapping[str, Any]) -> TotalCheck | None:
    """The figures of a canonical (validated) sales order; None when it states no total."""
    total = (order.get("totals") or {}).get("total")
    if total is None:
        return None
    currency = order["currency"]
    lines = net_lines(order, shipping_sku="")
    parts = quantize(sum((line.net_amount for line in lines), ZERO) + _taxes(order), currency)
    unit = Decimal(1).scaleb(-minor_unit(currency))
    return TotalCheck(number=str(order["number"]), currency=currency, parts=parts,
                      total=quantize(total, currency), difference=total_difference(order, parts),
                      tolerance=unit * max(len(lines), 1))


def require_adds_up(order: Mapping[str, Any]) -> TotalCheck | None:
    """``total_check(order)``; raises OrderDoesNotAddUpError when it does not add up."""
    found = total_check(order)
    if found is not None and not found.adds_up:
        raise OrderDoesNotAddUpError(found.describe(), number=found.number, currency=found.currency,
                                     parts=found.parts, total=found.total)
    return found


def _taxes(order: Mapping[str, Any]) -> Decimal:
    """The taxes to add to the lines' and shipping's net amounts (see the module docstring)."""
    items = [*(order.get("lines") or []), *(order.get("shipping_lines") or [])]
    if any(item.get("tax_lines") for item in items):
        # net_lines took these out of taxes-included amounts: adding them back gives the amounts
        return _sum(tax["amount"] for item in items for tax in item.get("tax_lines") or [])
    if order.get("taxes_included"):
        return ZERO
    if order.get("tax_lines"):
        return _sum(tax["amount"] for tax in order["tax_lines"])
    return to_decimal((order.get("totals") or {}).get("tax_total") or 0)


def _sum(amounts: Iterable[Any]) -> Decimal:
    return sum((to_decimal(amount) for amount in amounts), ZERO)
