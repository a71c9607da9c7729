"""What an ERP books for a canonical sales order: its lines before tax, each with its tax rates.

    lines = net_lines(order, shipping_sku="SHIPPING")
    difference = total_difference(order, erp_total)

ERPs price sale lines before tax and compute the tax themselves from the line's taxes. So
with ``taxes_included`` a line's net amount is its total less the tax the storefront computed
on it; discounts (the line's own and its share of order-level codes) are already inside the
line total; each shipping charge is a line of its own, taxed like the storefront taxed it.
An ERP's rounding (unit price digits, tax rounded per line or per document) can still miss the
storefront's total by a cent: ``total_difference`` measures it, and each ERP connector books
it on one documented adjustment line, never leaving it silent. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hub.money import quantize, to_decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class NetLine:
    """One line to book: what it sells, how many, its amount before tax and its tax rates."""

    sku: str | None
    description: str
    quantity: Decimal
    unit: str | None
    net_amount: Decimal
    tax_rates: tuple[Decimal, ...]


def net_lines(order: Mapping[str, Any], *, shipping_sku: str) -> list[NetLine]:
    """The order's lines, then its shipping charges, as lines before tax with their rates.

    An order with a ``totals.shipping_total`` but no ``shipping_lines`` (a source that does
    not itemise shipping) gets one untaxed shipping line for it.
    """
    currency, included = order["currency"], bool(order.get("taxes_included"))
    lines = [_product_line(line, currency, included) for line in order.get("lines") or []]
    shipping = order.get("shipping_lines")
    if shipping is None and to_decimal((order.get("totals") or {}).get("shipping_total") or 0):
        shipping = [{"description": "Shipping", "amount": order["totals"]["shipping_total"]}]
    lines += [_shipping_line(charge, currency, included, shipping_sku) for charge in shipping or []]
    return lines


def _product_line(line: Mapping[str, Any], currency: str, included: bool) -> NetLine:
    quantity = to_decimal(line["quantity"])
    total = line.get("line_total")
    if total is None:
        total = quantity * to_decimal(line.get("unit_price") or 0) - to_decimal(line.get("discount") or 0)
    return NetLine(sku=line.get("sku"), description=line.get("description") or line.get("sku") or "Item",
                   quantity=quantity, unit=line.get("unit"), tax_rates=tax_rates(line),
                   net_amount=net_amount(total, line, currency, included))


def _shipping_line(charge: Mapping[str, Any], currency: str, included: bool, sku: str) -> NetLine:
    return NetLine(sku=sku, description=charge.get("description") or charge.get("code") or "Shipping",
                   quantity=Decimal(1), unit=None, tax_rates=tax_rates(charge),
                   net_amount=net_amount(charge["amount"], charge, currency, included))


def net_amount(amount: Any, taxed: Mapping[str, Any], currency: str, included: bool) -> Decimal:
    """The amount before tax: ``amount`` less its taxes when they are included in it."""
    taxes = sum((to_decimal(tax["amount"]) for tax in taxed.get("tax_lines") or []), Decimal(0))
    return quantize(to_decimal(amount) - (taxes if included else 0), currency)


def tax_rates(taxed: Mapping[str, Any]) -> tuple[Decimal, ...]:
    """The non-zero rates of a line's taxes, in their order, each rate once.

    An ERP attaches a tax to a line once, so two taxes of the same rate on one line (a county
    and a city tax of 1 % each) are booked as one tax of their combined rate (2 %), never as
    one of them: the tax amount stays what the storefront charged.
    """
    rates = [to_decimal(tax["rate"]) for tax in taxed.get("tax_lines") or [] if tax.get("rate") is not None]
    combined: dict[Decimal, Decimal] = {}
    for rate in (rate for rate in rates if rate):
        combined[rate] = combined.get(rate, Decimal(0)) + rate
    while len(set(combined.values())) < len(combined):  # a combined rate met another: merge again
        merged: dict[Decimal, Decimal] = {}
        for rate in combined.values():
            merged[rate] = merged.get(rate, Decimal(0)) + rate
        combined = merged
    return tuple(combined.values())


def total_difference(order: Mapping[str, Any], erp_total: Decimal) -> Decimal:
    """Storefront total − ERP total, at the currency's minor unit (0 when the order has none)."""
    expected = (order.get("totals") or {}).get("total")
    if expected is None:
        return Decimal(0)
    return quantize(to_decimal(expected) - erp_total, order["currency"])
