"""A storefront month: signed-webhook-ready Shopify orders as varied as a real shop sends them,
with every amount computed the way Shopify computes it.

    month = Month.generate(seed=7, orders=60, days=30)
    month.orders        # REST order payloads (orders/create), oldest first
    month.customers     # who ordered: region, currency, taxes included or not, exempt or not

Built on the real Shopify order sample (shared/fixtures/shopify/order.json): each order is
that payload with its customer, lines, discounts, shipping, taxes and totals replaced.

How Shopify computes (and so this module):
- A discount code is spread over the lines it applies to in proportion to their amounts,
  each share rounded to the currency's minor unit, the last line taking the remainder; it
  appears in the line's ``discount_allocations``. A manual line discount is the line's
  ``total_discount`` (and an allocation of its own application).
- Tax is computed per line on the line's amount after discounts, rounded half up: on top of
  it when ``taxes_included`` is false, extracted from it (amount × rate / (1 + rate)) when
  true. Shipping is taxed the same way where the region taxes shipping.
- ``subtotal_price`` = Σ line price × quantity − Σ line discounts; ``total_price`` =
  subtotal + shipping after its discounts + (tax when not included).
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hub.money import quantize
from tests.support.fixtures import FIXTURES

SAMPLE = FIXTURES / "shopify" / "order.json"

# region → (currency, taxes included, line rates, shipping taxed, shipping price, country)
REGIONS = {
    "US-KY": ("USD", False, [("KY State Tax", "0.06")], False, "9.90", "US"),
    "US-NY": ("USD", False, [("NY State Tax", "0.04"), ("New York City Tax", "0.04875")], True, "12.50", "US"),
    "US-EXEMPT": ("USD", False, [], False, "9.90", "US"),
    "DE": ("EUR", True, [("MwSt 19%", "0.19")], True, "4.90", "DE"),
    "DE-FOOD": ("EUR", True, [("MwSt 7%", "0.07")], True, "4.90", "DE"),
    "EU-B2B": ("EUR", False, [("VAT 19%", "0.19")], True, "15.00", "DE"),
    "JP": ("JPY", True, [("JCT 10%", "0.10")], True, "800", "JP"),
}
CATALOG = [("TEA-GREEN-250", "Green tea, 250 g", "12.90"), ("POT-CAST-1L", "Cast-iron teapot, 1 l", "80.10"),
           ("CUP-SET-2", "Tea cups, set of 2", "19.99"), ("FILTER-100", "Paper filters, 100", "3.49"),
           ("KETTLE-ELEC", "Electric kettle", "129.00"), ("SPOON-1", "Measuring spoon", "0.35"),
           ("MATCHA-30", "Matcha, 30 g", "24.95"), ("TRAY-BAMBOO", "Bamboo tray", "45.00")]
YEN = {"TEA-GREEN-250": "1980", "POT-CAST-1L": "12800", "CUP-SET-2": "3300", "FILTER-100": "550",
       "KETTLE-ELEC": "19800", "SPOON-1": "55", "MATCHA-30": "3980", "TRAY-BAMBOO": "6900"}
CODES = [("WELCOME10", "0.10"), ("SPRING15", "0.15"), ("FIVEOFF", "5")]  # percentage, or a fixed amount


def q(value: Decimal, currency: str) -> Decimal:
    """Half up to the currency's minor unit, as Shopify rounds."""
    return quantize(value, currency)


@dataclass(frozen=True, slots=True)
class Customer:
    id: int
    name: str
    email: str
    region: str

    @property
    def currency(self) -> str:
        return REGIONS[self.region][0]


@dataclass
class Month:
    customers: list[Customer]
    orders: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def generate(cls, *, seed: int, orders: int, days: int = 30, customers: int = 20,
                 start: dt.date | None = None) -> Month:
        rng = random.Random(seed)
        regions = list(REGIONS)
        people = [Customer(id=7_100_000 + i, name=f"Customer {i:02d} {regions[i % len(regions)]}",
                           email=f"c{i:02d}.s{seed}@shop.example", region=regions[i % len(regions)])
                  for i in range(customers)]
        month = cls(people)
        start = start or dt.date.today() - dt.timedelta(days=days)
        sample = json.loads(SAMPLE.read_text())["order"]
        for n in range(orders):
            day = start + dt.timedelta(days=n * days // orders)
            month.orders.append(build_order(rng, sample, rng.choice(people), number=seed * 10_000 + n + 1, day=day))
        return month


def build_order(rng: random.Random, sample: dict, customer: Customer, *, number: int, day: dt.date) -> dict:
    """One order payload with every amount computed as Shopify does."""
    currency, included, rates, ship_taxed, ship_price, country = REGIONS[customer.region]
    order = copy.deepcopy(sample)
    lines = [_line(rng, currency, i) for i in range(rng.randint(1, 5))]
    code = rng.choice(CODES) if rng.random() < 0.3 else None
    if code:
        _allocate_code(lines, code, currency)
    free_shipping = rng.random() < 0.15
    shipping = _shipping(Decimal(ship_price), currency, free_shipping)
    for line in lines:
        line["tax_lines"] = _taxes(_net_base(line, currency), rates, included, currency)
    if ship_taxed:
        shipping["tax_lines"] = _taxes(Decimal(shipping["discounted_price"]), rates, included, currency)
    subtotal = sum((Decimal(l["price"]) * l["quantity"] - _discount(l) for l in lines), Decimal(0))
    tax = sum((Decimal(t["price"]) for l in [*lines, shipping] for t in l["tax_lines"]), Decimal(0))
    ship = Decimal(shipping["discounted_price"])
    total = subtotal + ship + (0 if included else tax)
    discounts = sum((_discount(l) for l in lines), Decimal(0)) + (Decimal(shipping["price"]) - ship)
    first, last = customer.name.split(" ", 1)
    address = {"first_name": first, "last_name": last, "name": customer.name, "address1": "Main Street 1",
               "city": "Springfield", "zip": "40202", "country_code": country}
    stamp = f"{day.isoformat()}T10:{number % 60:02d}:00+00:00"
    order.update({
        "id": 5_500_000_000 + number, "name": f"#{number}", "order_number": number, "email": customer.email,
        "created_at": stamp, "updated_at": stamp, "currency": currency, "presentment_currency": currency,
        "taxes_included": included, "financial_status": "paid", "test": False,
        "line_items": lines, "shipping_lines": [shipping],
        "discount_codes": [{"code": code[0], "amount": str(discounts), "type": "percentage"}] if code else [],
        "discount_applications": _applications(code, free_shipping),
        "tax_lines": _order_taxes(lines, shipping, currency),
        "subtotal_price": str(q(subtotal, currency)), "total_line_items_price": str(
            sum((Decimal(l["price"]) * l["quantity"] for l in lines), Decimal(0))),
        "total_discounts": str(q(discounts, currency)), "total_tax": str(q(tax, currency)),
        "total_shipping_price_set": _money_set(shipping["price"], currency),
        "total_price": str(q(total, currency)), "total_price_usd": None,
        "customer": {**order["customer"], "id": customer.id, "email": customer.email, "first_name": first,
                     "last_name": last, "tax_exempt": not rates},
        "billing_address": address, "shipping_address": address, "fulfillments": [],
    })
    return order


def _line(rng: random.Random, currency: str, index: int) -> dict:
    sku, title, price = rng.choice(CATALOG)
    if currency == "JPY":
        price = YEN[sku]
    quantity = rng.choice([1, 1, 1, 2, 3, 5, 12, 48, 250]) if rng.random() < 0.9 else rng.randint(1, 250)
    line = {"id": 9_100_000_000 + rng.randrange(10**8), "sku": sku, "title": title, "name": title,
            "price": price, "quantity": quantity, "total_discount": "0.00", "discount_allocations": []}
    if rng.random() < 0.12:  # a manual line discount, e.g. a damaged-box rebate
        amount = q(Decimal(price) * quantity * Decimal("0.07"), currency)
        line["total_discount"] = str(amount)
        line["discount_allocations"].append({"amount": str(amount), "discount_application_index": 0})
    return line


def _discount(line: dict) -> Decimal:
    return sum((Decimal(a["amount"]) for a in line["discount_allocations"]), Decimal(0))


def _net_base(line: dict, currency: str) -> Decimal:
    return Decimal(line["price"]) * line["quantity"] - _discount(line)


def _allocate_code(lines: list[dict], code: tuple[str, str], currency: str) -> None:
    bases = [_net_base(line, currency) for line in lines]
    whole = sum(bases, Decimal(0))
    value = Decimal(code[1])
    amount = q(whole * value, currency) if value < 1 else min(q(value if currency != "JPY" else value * 160,
                                                               currency), whole)
    left = amount
    for i, (line, base) in enumerate(zip(lines, bases)):
        share = left if i == len(lines) - 1 else q(amount * base / whole, currency)
        left -= share
        line["discount_allocations"].append({"amount": str(share), "discount_application_index": 1})


def _shipping(price: Decimal, currency: str, free: bool) -> dict:
    discounted = q(Decimal(0), currency) if free else price
    return {"title": "Standard", "code": "STD", "price": str(price), "discounted_price": str(discounted),
            "discount_allocations": [{"amount": str(price), "discount_application_index": 2}] if free else [],
            "tax_lines": []}


def _taxes(base: Decimal, rates: list[tuple[str, str]], included: bool, currency: str) -> list[dict]:
    out = []
    for title, rate in rates:
        r = Decimal(rate)
        amount = q(base * r / (1 + r), currency) if included else q(base * r, currency)
        out.append({"title": title, "rate": float(rate), "price": str(amount)})
    return out


def _order_taxes(lines: list[dict], shipping: dict, currency: str) -> list[dict]:
    summary: dict[tuple[str, float], Decimal] = {}
    for tax in (t for line in [*lines, shipping] for t in line["tax_lines"]):
        key = (tax["title"], tax["rate"])
        summary[key] = summary.get(key, Decimal(0)) + Decimal(tax["price"])
    return [{"title": t, "rate": r, "price": str(q(a, currency))} for (t, r), a in summary.items()]


def _applications(code: tuple[str, str] | None, free_shipping: bool) -> list[dict]:
    apps = [{"type": "manual", "target_type": "line_item", "title": "Rebate", "value_type": "fixed_amount"}]
    apps.append({"type": "discount_code", "target_type": "line_item", "code": code[0] if code else "",
                 "value_type": "percentage"} if code else {"type": "automatic", "target_type": "line_item"})
    if free_shipping:
        apps.append({"type": "discount_code", "target_type": "shipping_line", "code": "FREESHIP",
                     "value_type": "percentage", "value": "100.0"})
    return apps


def _money_set(amount: str, currency: str) -> dict:
    return {"shop_money": {"amount": amount, "currency_code": currency},
            "presentment_money": {"amount": amount, "currency_code": currency}}
