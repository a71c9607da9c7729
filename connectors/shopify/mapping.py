"""Shopify → canonical O2C records. Pure: no I/O, no requests, fixtures in, dicts out.

    order_to_sales_order(order)          REST webhook order or GraphQL order node → sales_order
    customer_to_customer(customer)       REST customer → customer
    fulfillment_to_fulfillment(f)        REST fulfillment → fulfillment
    refund_to_payment(refund)            REST refund → a NEGATIVE payment (see below)
    transaction_to_payment(txn)          REST order transaction → payment

Money arrives as decimal strings (REST) or MoneyBags ``{shopMoney: {amount, currencyCode}}``
(GraphQL) and leaves as ``Decimal`` quantized to the currency's minor unit; floats are refused.

Order amounts (line discounts from ``total_discount`` and ``discount_allocations``, shipping
lines after their discounts, line and shipping taxes, ``taxes_included``, and the check that
the lines, shipping and tax add up to Shopify's ``total_price``) follow the rules written down
in :mod:`connectors.shopify.amounts`.

Refunds: a Shopify refund is money going back to the buyer, possibly with restocked lines. It
becomes a canonical *payment with a negative amount* (status ``refunded``), the sum of the
refund's successful refund transactions, with the refunded lines kept under ``attributes``.
Not a credit note: Shopify issues no invoice numbers, so a credit note would have no invoice to
credit; the ERP, which owns invoices, raises the credit note when it sees the refund.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from connectors.shopify import amounts
from connectors.shopify.amounts import money
from connectors.shopify.queries import order_from_graphql
from hub.errors import InvalidRecordError
from hub.money import quantize, to_decimal

SYSTEM = "shopify"
FULFILLMENT_STATUS = {
    "pending": "pending", "open": "pending", "success": "shipped",
    "cancelled": "cancelled", "error": "cancelled", "failure": "cancelled",
}
TRANSACTION_STATUS = {"sale": "received", "capture": "received", "authorization": "pending", "refund": "refunded"}


# --- orders -----------------------------------------------------------------------------------


def order_to_sales_order(order: Mapping[str, Any]) -> dict[str, Any]:
    """A REST/webhook order (or a GraphQL order node) as a canonical sales order."""
    order = order_from_graphql(order) if "lineItems" in order or "legacyResourceId" in order else order
    currency = order["currency"]
    discounts = amounts.line_discounts(order, currency)
    shipping = amounts.shipping_lines(order, currency)
    record = {
        "number": str(order["name"]).lstrip("#"),
        "currency": currency,
        "customer": _customer_ref(order),
        "order_date": order.get("created_at"),
        "status": "cancelled" if order.get("cancelled_at") else "booked",
        "taxes_included": bool(order.get("taxes_included")),
        "lines": [_order_line(i, line, discount, currency)
                  for i, (line, discount) in enumerate(zip(order.get("line_items") or [], discounts), 1)],
        "tax_lines": [amounts.tax_line(t, currency) for t in order.get("tax_lines") or []],
        "shipping_lines": shipping,
        "totals": _totals(order, shipping, currency),
        "billing_address": _address(order.get("billing_address"), "billing"),
        "shipping_address": _address(order.get("shipping_address"), "shipping"),
        "notes": order.get("note"),
        "external_refs": [_ref(order["id"])],
    }
    record["attributes"] = {**_order_attributes(order), **amounts.unexplained(_compact(record), currency)}
    return _compact(record)


def _customer_ref(order: Mapping[str, Any]) -> dict[str, Any] | None:
    customer = order.get("customer") or {}
    ref = {
        "email": customer.get("email") or order.get("email") or order.get("contact_email"),
        "name": _full_name(customer) or (order.get("billing_address") or {}).get("name"),
        "external_refs": [_ref(customer["id"])] if customer.get("id") else None,
    }
    return _compact(ref) or None


def _order_line(number: int, line: Mapping[str, Any], discount: Decimal, currency: str) -> dict[str, Any]:
    return _compact({
        "line_number": number,
        "sku": line.get("sku") or None,
        "description": line.get("name") or line.get("title"),
        "quantity": to_decimal(line["quantity"]),
        "unit_price": money(line.get("price", 0), currency),
        "discount": discount if discount else None,
        "tax_lines": amounts.tax_lines(line.get("tax_lines"), currency),
        "line_total": amounts.gross_amount(line, currency) - discount,
        "external_refs": [_ref(line["id"])] if line.get("id") else None,
    })


def _totals(order: Mapping[str, Any], shipping: list[dict[str, Any]], currency: str) -> dict[str, Any]:
    return _compact({
        "subtotal": _money_or_none(order.get("subtotal_price"), currency),
        "discount_total": _money_or_none(order.get("total_discounts"), currency),
        "shipping_total": quantize(amounts.total(s["amount"] for s in shipping), currency),
        "tax_total": _money_or_none(order.get("total_tax"), currency),
        "total": money(order["total_price"], currency),
    })


def _order_attributes(order: Mapping[str, Any]) -> dict[str, Any]:
    keep = ("name", "financial_status", "fulfillment_status", "source_name", "test", "cancel_reason", "updated_at")
    attributes = {f"shopify_{k}": order[k] for k in keep if order.get(k) is not None}
    if order.get("discount_codes"):
        attributes["discount_codes"] = [
            _compact({"code": d.get("code"), "amount": _money_or_none(d.get("amount"), order["currency"])})
            for d in order["discount_codes"]
        ]
    return attributes


# --- customers and fulfillments ---------------------------------------------------------------


def customer_to_customer(customer: Mapping[str, Any]) -> dict[str, Any]:
    """A REST/webhook customer as a canonical customer (the default address is the billing one)."""
    addresses = customer.get("addresses") or ([customer["default_address"]] if customer.get("default_address") else [])
    record = {
        "name": _full_name(customer),
        "email": customer.get("email"),
        "phone": customer.get("phone") or (customer.get("default_address") or {}).get("phone"),
        "currency": customer.get("currency"),
        "addresses": [_address(a, "billing" if a.get("default") else "other") for a in addresses] or None,
        "external_refs": [_ref(customer["id"])],
        "attributes": _compact({
            "shopify_state": customer.get("state"),
            "shopify_tags": customer.get("tags") or None,
            "shopify_tax_exempt": customer.get("tax_exempt"),
            "shopify_orders_count": customer.get("orders_count"),
        }),
    }
    return _compact(record)


def fulfillment_to_fulfillment(fulfillment: Mapping[str, Any], *, order_number: str | None = None) -> dict[str, Any]:
    """A REST/webhook fulfillment as a canonical fulfillment.

    The order number is ``order_number`` when given, else read from the fulfillment's name
    (``#1001.1`` → ``1001``); a fulfillment with neither cannot name its order.
    """
    name = fulfillment.get("name")
    number = order_number or (str(name).lstrip("#").rsplit(".", 1)[0] if name else None)
    if not number:
        raise InvalidRecordError(f"fulfillment {fulfillment.get('id')} names no order; pass order_number")
    status = FULFILLMENT_STATUS.get(str(fulfillment.get("status")), "pending")
    if status == "shipped" and fulfillment.get("shipment_status") == "delivered":
        status = "delivered"
    return _compact({
        "order_number": number,
        "number": name,
        "status": status,
        "lines": [{"sku": line.get("sku") or line.get("name"), "quantity": to_decimal(line["quantity"])}
                  for line in fulfillment.get("line_items") or []],
        "shipped_at": fulfillment.get("created_at"),
        "carrier": fulfillment.get("tracking_company"),
        "tracking_number": fulfillment.get("tracking_number"),
        "tracking_url": fulfillment.get("tracking_url"),
        "external_refs": [_ref(fulfillment["id"])],
        "attributes": {"shopify_order_id": str(fulfillment.get("order_id"))},
    })


# --- money movements --------------------------------------------------------------------------


def refund_to_payment(refund: Mapping[str, Any], *, currency: str | None = None) -> dict[str, Any]:
    """A refund as one negative payment: minus the sum of its successful refund transactions."""
    transactions = [t for t in refund.get("transactions") or []
                    if t.get("kind") == "refund" and t.get("status") == "success"]
    currency = currency or next((t["currency"] for t in transactions if t.get("currency")), None)
    if not currency:
        raise InvalidRecordError(f"refund {refund.get('id')} has no currency; pass currency")
    amount = sum((money(t["amount"], currency) for t in transactions), Decimal(0))
    return _compact({
        "reference": f"gid://shopify/Refund/{refund['id']}",
        "amount": quantize(-amount, currency),
        "currency": currency,
        "received_at": refund.get("created_at"),
        "status": "refunded",
        "method": "other",
        "external_refs": [_ref(refund["id"])],
        "attributes": _compact({
            "shopify_order_id": str(refund.get("order_id")),
            "note": refund.get("note"),
            "restock": refund.get("restock"),
            "lines": [_refund_line(r, currency) for r in refund.get("refund_line_items") or []],
        }),
    })


def _refund_line(item: Mapping[str, Any], currency: str) -> dict[str, Any]:
    line = item.get("line_item") or {}
    return _compact({
        "sku": line.get("sku") or None,
        "description": line.get("name"),
        "quantity": to_decimal(item["quantity"]),
        "unit_price": _money_or_none(line.get("price"), currency),
    })


def transaction_to_payment(transaction: Mapping[str, Any], *, currency: str | None = None) -> dict[str, Any]:
    """An order transaction as a payment: refunds negative, authorizations pending."""
    currency = transaction.get("currency") or currency
    if not currency:
        raise InvalidRecordError(f"transaction {transaction.get('id')} has no currency; pass the order's")
    kind, ok = transaction.get("kind"), transaction.get("status") == "success"
    amount = money(transaction["amount"], currency)
    card = (transaction.get("payment_details") or {}).get("credit_card_company")
    return _compact({
        "reference": f"gid://shopify/OrderTransaction/{transaction['id']}",
        "amount": -amount if kind == "refund" else amount,
        "currency": currency,
        "received_at": transaction.get("created_at"),
        "status": TRANSACTION_STATUS.get(kind, "pending") if ok else ("pending" if transaction.get("status") == "pending" else "failed"),
        "method": "card" if card else "other",
        "external_refs": [_ref(transaction["id"])],
        "attributes": _compact({"shopify_order_id": str(transaction.get("order_id")), "kind": kind,
                                "gateway": transaction.get("gateway"), "test": transaction.get("test")}),
    })


# --- small helpers ----------------------------------------------------------------------------


def _money_or_none(value: Any, currency: str) -> Decimal | None:
    return None if value is None else money(value, currency)


def _address(address: Mapping[str, Any] | None, kind: str) -> dict[str, Any] | None:
    if not address:
        return None
    return _compact({
        "kind": kind,
        "name": address.get("name") or _full_name(address),
        "company": address.get("company"),
        "line1": address.get("address1"),
        "line2": address.get("address2"),
        "city": address.get("city"),
        "region": address.get("province_code") or address.get("province"),
        "postal_code": address.get("zip"),
        "country": address.get("country_code"),
        "phone": address.get("phone"),
    }) or None


def _full_name(party: Mapping[str, Any]) -> str | None:
    name = " ".join(p for p in (party.get("first_name"), party.get("last_name")) if p)
    return name or None


def _ref(shopify_id: Any) -> dict[str, str]:
    return {"system": SYSTEM, "id": str(shopify_id)}


def _compact(record: Mapping[str, Any]) -> dict[str, Any]:
    """Drop keys whose value is None, "" or an empty list/dict (the schemas forbid null)."""
    return {k: v for k, v in record.items() if v is not None and v != "" and v != [] and v != {}}
