"""The amounts of a Shopify order, exact to the cent: line discounts, shipping, taxes, the check.

Pure: REST order JSON (or the REST shape :func:`connectors.shopify.queries.order_from_graphql`
makes of a GraphQL node) in, Decimals quantized to the order currency's minor unit out.

Taxes. With ``taxes_included`` true (EU VAT, Japanese consumption tax) line prices, discounts
and shipping prices include tax; with false (US sales tax, EU B2B) tax comes on top. Either
way the amounts are kept as Shopify states them, and ``taxes_included`` says which they are.
A line's or shipping line's ``tax_lines`` are the taxes on it after its discounts (several
rates may apply, e.g. a state and a county tax); a tax line whose amount and rate are both
zero says nothing and is dropped. A tax-exempt customer's lines have no tax lines.

Line discounts. Shopify reports a line's discounts in two places: ``total_discount`` (a manual
or scripted discount on the line) and ``discount_allocations`` (the line's share of discount
codes and automatic discounts). Some payloads report the same discount in both. Which shape an
order has is decided per order, with the order's own ``subtotal_price`` (Σ price × quantity −
Σ line discounts, shipping excluded):

1. each line's discount is ``total_discount + Σ discount_allocations`` when that reproduces
   ``subtotal_price`` (or the order has no ``subtotal_price``);
2. else ``max(total_discount, Σ discount_allocations)`` per line, when that reproduces it
   (the same discount reported twice);
3. else rule 1 again: the gap shows in the order check below.

Shipping. A shipping line's amount is ``price − Σ discount_allocations``. When it has no
allocations, ``discounted_price`` (if between 0 and ``price``) gives the amount instead: since
API 2024-07 ``discounted_price`` already has cart-level discounts taken off, before that it did
not, so it is only trusted when the allocations do not contradict it. A shipping line that
costs nothing and carries no tax is left out.

The order check. Shopify's ``total_price`` is what the customer pays and is never recomputed.
It should equal Σ line totals + Σ shipping amounts (+ ``total_tax`` when taxes are not
included), and ``total_tax`` should equal the sum of every line and shipping tax. An order
that breaks either (tips, duties, a tax Shopify kept at order level only) is not refused: the
gap is reported as a string amount under ``attributes.unexplained_difference`` and
``attributes.unexplained_tax_difference``, so the ERP side can book it visibly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from hub.money import quantize, to_decimal

ZERO = Decimal(0)


def money(value: Any, currency: str) -> Decimal:
    """A REST decimal string or a GraphQL MoneyBag as a Decimal at the currency's minor unit."""
    if isinstance(value, Mapping):
        bag = value.get("shopMoney") or value.get("shop_money") or value
        value, currency = bag["amount"], bag.get("currencyCode") or bag.get("currency_code") or currency
    return quantize(value, currency)


def total(amounts: Iterable[Decimal]) -> Decimal:
    """The sum of ``amounts`` (a Decimal zero when there are none)."""
    return sum(amounts, ZERO)


def line_discounts(order: Mapping[str, Any], currency: str) -> list[Decimal]:
    """Every line's discount as one positive amount, by the per-order rule of the module docstring."""
    lines = order.get("line_items") or []
    own = [money(line.get("total_discount") or 0, currency) for line in lines]
    allocated = [allocations(line, currency) for line in lines]
    summed = [a + b for a, b in zip(own, allocated)]
    if order.get("subtotal_price") is None:
        return summed
    subtotal = money(order["subtotal_price"], currency)
    gross = total(gross_amount(line, currency) for line in lines)
    if gross - total(summed) == subtotal:
        return summed
    larger = [max(a, b) for a, b in zip(own, allocated)]
    return larger if gross - total(larger) == subtotal else summed


def gross_amount(line: Mapping[str, Any], currency: str) -> Decimal:
    """Quantity × unit price of a line, before its discounts."""
    return quantize(to_decimal(line["quantity"]) * money(line.get("price", 0), currency), currency)


def allocations(line: Mapping[str, Any], currency: str) -> Decimal:
    """The sum of a line's (or shipping line's) ``discount_allocations``."""
    return total(money(a.get("amount", 0), currency) for a in line.get("discount_allocations") or [])


def tax_lines(taxes: Iterable[Mapping[str, Any]] | None, currency: str) -> list[dict[str, Any]]:
    """Canonical tax lines {name, rate, amount}, without the ones whose amount and rate are zero."""
    made = [tax_line(tax, currency) for tax in taxes or []]
    return [t for t in made if t["amount"] or t.get("rate")]


def tax_line(tax: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """One canonical tax line; ``name`` and ``rate`` only when Shopify gives them."""
    rate = tax.get("rate")
    made = {"name": tax.get("title"), "rate": to_decimal(rate) if rate is not None else None,
            "amount": money(tax.get("price", 0), currency)}
    return {k: v for k, v in made.items() if v is not None and v != ""}


def shipping_lines(order: Mapping[str, Any], currency: str) -> list[dict[str, Any]]:
    """The order's shipping lines after their discounts; free, untaxed ones left out."""
    made = [shipping_line(line, currency) for line in order.get("shipping_lines") or []]
    return [s for s in made if s["amount"] or total(t["amount"] for t in s.get("tax_lines", []))]


def shipping_line(line: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """One canonical shipping line {description, code, amount, discount, tax_lines}."""
    price = money(line.get("price", 0), currency)
    discount = allocations(line, currency)
    if not discount and line.get("discounted_price") is not None:
        discounted = money(line["discounted_price"], currency)
        discount = price - discounted if ZERO <= discounted <= price else ZERO
    made = {"description": line.get("title"), "code": line.get("code"), "amount": price - discount,
            "discount": discount or None, "tax_lines": tax_lines(line.get("tax_lines"), currency)}
    return {k: v for k, v in made.items() if v is not None and v != "" and v != []}


def unexplained(record: Mapping[str, Any], currency: str) -> dict[str, str]:
    """The gaps of the order check (module docstring) as string amounts; empty when it holds."""
    totals, taxes_included = record["totals"], record.get("taxes_included", False)
    lines, shipping = record.get("lines", []), record.get("shipping_lines", [])
    tax_total = totals.get("tax_total", ZERO)
    expected = total(line.get("line_total", ZERO) for line in lines) + total(s["amount"] for s in shipping)
    gaps = {"unexplained_difference": totals["total"] - expected - (ZERO if taxes_included else tax_total)}
    charged = [t["amount"] for item in [*lines, *shipping] for t in item.get("tax_lines", [])]
    gaps["unexplained_tax_difference"] = tax_total - total(charged)
    return {name: str(quantize(gap, currency)) for name, gap in gaps.items() if gap}
