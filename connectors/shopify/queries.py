"""GraphQL Admin API documents the connector sends, and the order node → REST shape adapter.

The adapter lets one mapping serve both doors an order comes in by: a webhook (REST JSON,
snake_case, decimal strings) and a poll (GraphQL, camelCase, MoneyBags). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

_MONEY = "shopMoney { amount currencyCode }"
_ADDRESS = "name company address1 address2 city province provinceCode zip countryCodeV2 phone"
_TAX = f"title rate priceSet {{ {_MONEY} }}"
_ALLOCATION = f"allocatedAmountSet {{ {_MONEY} }}"

ORDER_FIELDS = f"""
  id legacyResourceId name email createdAt updatedAt cancelledAt cancelReason closedAt note test
  currencyCode taxesIncluded displayFinancialStatus displayFulfillmentStatus discountCodes
  customer {{ id legacyResourceId email firstName lastName }}
  subtotalPriceSet {{ {_MONEY} }}
  totalDiscountsSet {{ {_MONEY} }}
  totalShippingPriceSet {{ {_MONEY} }}
  totalTaxSet {{ {_MONEY} }}
  totalPriceSet {{ {_MONEY} }}
  taxLines {{ {_TAX} }}
  billingAddress {{ {_ADDRESS} }}
  shippingAddress {{ {_ADDRESS} }}
  lineItems(first: 100) {{ nodes {{
    id sku name title quantity
    originalUnitPriceSet {{ {_MONEY} }}
    totalDiscountSet {{ {_MONEY} }}
    discountAllocations {{ {_ALLOCATION} }}
    taxLines {{ {_TAX} }}
  }} }}
  shippingLines(first: 20) {{ nodes {{
    title code
    originalPriceSet {{ {_MONEY} }}
    discountedPriceSet {{ {_MONEY} }}
    discountAllocations {{ {_ALLOCATION} }}
    taxLines {{ {_TAX} }}
  }} }}
"""

ORDERS_QUERY = f"""
query Orders($first: Int!, $after: String, $query: String) {{
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{
    edges {{ cursor node {{ {ORDER_FIELDS} }} }}
    pageInfo {{ hasNextPage endCursor }}
  }}
}}
"""

ORDER_QUERY = f"""
query Order($id: ID!) {{
  order(id: $id) {{ {ORDER_FIELDS} }}
}}
"""


def order_gid(order_id: Any) -> str:
    """``450789469`` or ``gid://shopify/Order/450789469`` → the GraphQL global id."""
    text = str(order_id)
    return text if text.startswith("gid://") else f"gid://shopify/Order/{text}"


def legacy_id(node: Mapping[str, Any]) -> str:
    """The numeric id REST and webhooks use (``legacyResourceId``, else the gid's tail)."""
    return str(node.get("legacyResourceId") or str(node["id"]).rsplit("/", 1)[-1])


def order_from_graphql(node: Mapping[str, Any]) -> dict[str, Any]:
    """A GraphQL order node in the REST order shape the mapping reads."""
    customer = node.get("customer") or {}
    return {
        "id": legacy_id(node),
        "name": node["name"],
        "email": node.get("email"),
        "currency": node.get("currencyCode") or _currency(node.get("totalPriceSet")),
        "taxes_included": bool(node.get("taxesIncluded")),
        "created_at": node.get("createdAt"),
        "updated_at": node.get("updatedAt"),
        "cancelled_at": node.get("cancelledAt"),
        "cancel_reason": node.get("cancelReason"),
        "note": node.get("note"),
        "test": node.get("test"),
        "financial_status": _lower(node.get("displayFinancialStatus")),
        "fulfillment_status": _lower(node.get("displayFulfillmentStatus")),
        "discount_codes": [{"code": code} for code in node.get("discountCodes") or []] or None,
        "customer": _customer(customer) if customer else None,
        "subtotal_price": node.get("subtotalPriceSet"),
        "total_discounts": node.get("totalDiscountsSet"),
        "total_shipping_price": node.get("totalShippingPriceSet"),
        "total_tax": node.get("totalTaxSet"),
        "total_price": node["totalPriceSet"],
        "tax_lines": [_tax(t) for t in node.get("taxLines") or []],
        "billing_address": _address(node.get("billingAddress")),
        "shipping_address": _address(node.get("shippingAddress")),
        "line_items": [_line(n) for n in _nodes(node.get("lineItems"))],
        "shipping_lines": [_shipping(n) for n in _nodes(node.get("shippingLines"))],
    }


def _customer(customer: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": legacy_id(customer), "email": customer.get("email"),
            "first_name": customer.get("firstName"), "last_name": customer.get("lastName")}


def _line(node: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": legacy_id(node), "sku": node.get("sku"), "name": node.get("name"), "title": node.get("title"),
        "quantity": node["quantity"], "price": node["originalUnitPriceSet"],
        "total_discount": node.get("totalDiscountSet"), "discount_allocations": _allocations(node),
        "tax_lines": [_tax(t) for t in node.get("taxLines") or []],
    }


def _shipping(node: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "title": node.get("title"), "code": node.get("code"), "price": node["originalPriceSet"],
        "discounted_price": node.get("discountedPriceSet"), "discount_allocations": _allocations(node),
        "tax_lines": [_tax(t) for t in node.get("taxLines") or []],
    }


def _allocations(node: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [{"amount": a["allocatedAmountSet"]} for a in node.get("discountAllocations") or []]


def _tax(tax: Mapping[str, Any]) -> dict[str, Any]:
    return {"title": tax.get("title"), "rate": tax.get("rate"), "price": tax["priceSet"]}


def _address(address: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not address:
        return None
    return {"name": address.get("name"), "company": address.get("company"), "address1": address.get("address1"),
            "address2": address.get("address2"), "city": address.get("city"),
            "province_code": address.get("provinceCode") or address.get("province"),
            "zip": address.get("zip"), "country_code": address.get("countryCodeV2"), "phone": address.get("phone")}


def _nodes(connection: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    if not connection:
        return []
    return list(connection.get("nodes") or [edge["node"] for edge in connection.get("edges") or []])


def _currency(bag: Mapping[str, Any] | None) -> str | None:
    return ((bag or {}).get("shopMoney") or {}).get("currencyCode")


def _lower(value: str | None) -> str | None:
    return value.lower() if value else None
