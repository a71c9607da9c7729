"""A local Shopify that speaks the GraphQL Admin API shape, for tests, demos and benchmarks.

    POST /admin/api/<version>/graphql.json   X-Shopify-Access-Token checked (401 like Shopify);
                                             ``orders(first, after, query: "updated_at:>='…'")`` with
                                             edges/cursor/pageInfo, ``order(id:)``; every answer has
                                             extensions.cost with a leaky bucket (THROTTLED when empty)
    POST /_sandbox/orders       add orders: REST JSON (as in webhooks and fixtures) or GraphQL nodes
    POST /_sandbox/throttle     set the bucket: {"currentlyAvailable": 0, "restoreRate": 50, "maximumAvailable": 1000}
    POST /_sandbox/webhooks     deliver a signed webhook: {"url", "topic", "payload", "webhook_id"?} → {"status"}
    POST /_sandbox/faults       script canned responses first: [{"status": 429, "headers": {"Retry-After": "1"}}, 503]
    GET  /_sandbox/hits         every API request (faulted ones too)
    POST /_sandbox/reset        forget orders, hits and faults; refill the bucket

Run it: ``python -m connectors.shopify.sandbox --port 9202 --token shpat_sandbox --secret sandbox-secret``.
"""

from __future__ import annotations

import argparse
import base64
import re
import threading
import time
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

import requests
from flask import Flask, Response, request

from connectors.sandbox import FaultScript, add_fault_gate, run_forever, sandbox_app
from connectors.shopify.webhooks import sign
from hub import jsonutil

SINCE = re.compile(r"updated_at:>=\s*'?([^'\s]+)'?")
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"
WEBHOOK_TIMEOUT = (5.0, 10.0)


class Bucket:
    """Shopify's query-cost leaky bucket: refills at ``restore_rate`` points per second."""

    def __init__(self, maximum: float = 1000.0, restore_rate: float = 50.0):
        self.maximum, self.restore_rate = maximum, restore_rate
        self.available, self.stamp = maximum, time.monotonic()

    def refill(self) -> None:
        now = time.monotonic()
        self.available = min(self.maximum, self.available + (now - self.stamp) * self.restore_rate)
        self.stamp = now

    def status(self) -> dict[str, float]:
        return {"maximumAvailable": self.maximum, "currentlyAvailable": round(self.available),
                "restoreRate": self.restore_rate}


class ShopState:
    """The shop behind the sandbox: orders (GraphQL nodes), bucket, faults, hits."""

    def __init__(self, token: str, secret: str, page_size_cost: int = 1):
        self.token, self.secret, self.node_cost = token, secret, page_size_cost
        self.faults = FaultScript(default_body=lambda status: {"errors": f"sandbox fault {status}"})
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.orders: dict[str, dict[str, Any]] = {}
            self.hits: list[dict[str, Any]] = []
            self.bucket = Bucket()
        self.faults.replace([])

    def add(self, order: Mapping[str, Any]) -> None:
        node = dict(order) if "legacyResourceId" in order else node_from_rest(order)
        with self.lock:
            self.orders[node["id"]] = node

    def charge(self, requested: float) -> dict[str, Any] | None:
        """Take ``requested`` points; the cost extension, or None when the bucket is too low."""
        with self.lock:
            self.bucket.refill()
            if self.bucket.available < requested:
                return None
            self.bucket.available -= requested
            return self.bucket.status()

    def cost(self, requested: float, status: dict[str, Any] | None) -> dict[str, Any]:
        with self.lock:
            return {"cost": {"requestedQueryCost": requested, "actualQueryCost": requested if status else None,
                             "throttleStatus": status or self.bucket.status()}}

    def page(self, since: datetime | None, after: tuple[datetime, str] | None,
             first: int) -> tuple[list[dict[str, Any]], bool]:
        """Up to ``first`` orders past the ``after`` position, by (updatedAt, id), and whether more follow.

        The position is the last order's sort key, as in Shopify's cursors, not an offset: an
        order updated while a client pages moves behind it and is answered again, and no other
        order shifts out of reach.
        """
        with self.lock:
            rows = sorted(self.orders.values(), key=_sort_key)
        rows = [n for n in rows if (since is None or _when(n["updatedAt"]) >= since)
                and (after is None or _sort_key(n) > after)]
        return rows[:first], first < len(rows)


def create_app(token: str = "shpat_sandbox", secret: str = "sandbox-secret") -> Flask:
    """The sandbox app; its state is ``app.extensions["sandbox"]`` (a ShopState)."""
    state = ShopState(token, secret)
    return sandbox_app(__name__, state, _add_control_routes, _add_api_routes)


def _add_control_routes(app: Flask, state: ShopState) -> None:
    @app.post("/_sandbox/orders")
    def add_orders() -> Response:
        body = jsonutil.loads(request.get_data() or b"[]")
        for order in body if isinstance(body, list) else [body]:
            state.add(order.get("order", order))
        return _json({"orders": len(state.orders)})

    @app.post("/_sandbox/throttle")
    def throttle() -> Response:
        body = jsonutil.loads(request.get_data() or b"{}")
        with state.lock:
            bucket = state.bucket
            bucket.maximum = float(body.get("maximumAvailable", bucket.maximum))
            bucket.restore_rate = float(body.get("restoreRate", bucket.restore_rate))
            bucket.available, bucket.stamp = float(body.get("currentlyAvailable", bucket.available)), time.monotonic()
            return _json(bucket.status())

    @app.post("/_sandbox/webhooks")
    def deliver() -> Response:
        body = jsonutil.loads(request.get_data() or b"{}")
        return _json({"status": send_webhook(body["url"], body["topic"], body["payload"], state.secret,
                                             webhook_id=body.get("webhook_id"))})


def _add_api_routes(app: Flask, state: ShopState) -> None:
    def authorize() -> Response | None:
        if request.headers.get("X-Shopify-Access-Token") != state.token:
            return _json({"errors": INVALID_TOKEN}, status=401)
        return None

    add_fault_gate(app, state, authorize)

    @app.post("/admin/api/<version>/graphql.json")
    def graphql(version: str) -> Response:
        body = jsonutil.loads(request.get_data() or b"{}")
        query, variables = str(body.get("query", "")), body.get("variables") or {}
        if re.search(r"\borders\s*\(", query):
            return _orders(state, variables)
        if re.search(r"\border\s*\(", query):
            return _order(state, variables)
        return _json({"errors": [{"message": "sandbox answers only orders and order queries"}]})


def _orders(state: ShopState, variables: Mapping[str, Any]) -> Response:
    first = int(variables.get("first") or 10)
    requested = 2 + first * state.node_cost
    status = state.charge(requested)
    if status is None:
        return _throttled(state, requested)
    match = SINCE.search(str(variables.get("query") or ""))
    rows, more = state.page(_when(match.group(1)) if match else None, _position_of(variables.get("after")), first)
    edges = [{"cursor": _cursor(node), "node": node} for node in rows]
    page_info = {"hasNextPage": more, "endCursor": edges[-1]["cursor"] if edges else None}
    return _json({"data": {"orders": {"edges": edges, "pageInfo": page_info}}, "extensions": state.cost(requested, status)})


def _order(state: ShopState, variables: Mapping[str, Any]) -> Response:
    status = state.charge(1)
    if status is None:
        return _throttled(state, 1)
    with state.lock:
        node = state.orders.get(str(variables.get("id")))
    return _json({"data": {"order": node}, "extensions": state.cost(1, status)})


def _throttled(state: ShopState, requested: float) -> Response:
    error = {"message": "Throttled", "extensions": {"code": "THROTTLED",
                                                    "documentation": "https://shopify.dev/api/usage/rate-limits"}}
    return _json({"errors": [error], "extensions": state.cost(requested, None)})


def send_webhook(url: str, topic: str, payload: Any, secret: str, *, webhook_id: str | None = None) -> int:
    """POST ``payload`` to ``url`` signed the way Shopify signs; returns the receiver's status."""
    body = jsonutil.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Shopify-Topic": topic,
        "X-Shopify-Hmac-Sha256": sign(body, secret),
        "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
        "X-Shopify-Shop-Domain": "sandbox.myshopify.com",
        "X-Shopify-API-Version": "2025-01",
    }
    return requests.post(url, data=body, headers=headers, timeout=WEBHOOK_TIMEOUT).status_code


def node_from_rest(order: Mapping[str, Any]) -> dict[str, Any]:
    """A REST order (webhook/fixture shape) as the GraphQL order node the API would answer."""
    currency = order["currency"]
    bag = lambda amount: {"shopMoney": {"amount": str(amount), "currencyCode": currency}}  # noqa: E731
    shipping = sum(jsonutil.loads(str(s.get("price", "0"))) for s in order.get("shipping_lines") or [])
    customer = order.get("customer") or {}
    return {
        "id": f"gid://shopify/Order/{order['id']}", "legacyResourceId": str(order["id"]), "name": order["name"],
        "email": order.get("email"), "createdAt": _iso(order["created_at"]), "updatedAt": _iso(order["updated_at"]),
        "cancelledAt": order.get("cancelled_at"), "cancelReason": order.get("cancel_reason"),
        "closedAt": order.get("closed_at"), "note": order.get("note"), "test": bool(order.get("test")),
        "currencyCode": currency, "taxesIncluded": bool(order.get("taxes_included")),
        "displayFinancialStatus": (order.get("financial_status") or "").upper() or None,
        "displayFulfillmentStatus": (order.get("fulfillment_status") or "unfulfilled").upper(),
        "discountCodes": [d["code"] for d in order.get("discount_codes") or []],
        "customer": {"id": f"gid://shopify/Customer/{customer['id']}", "legacyResourceId": str(customer["id"]),
                     "email": customer.get("email"), "firstName": customer.get("first_name"),
                     "lastName": customer.get("last_name")} if customer else None,
        "subtotalPriceSet": bag(order["subtotal_price"]), "totalDiscountsSet": bag(order.get("total_discounts", "0.00")),
        "totalShippingPriceSet": bag(shipping), "totalTaxSet": bag(order.get("total_tax", "0.00")),
        "totalPriceSet": bag(order["total_price"]),
        "taxLines": _tax_nodes(order, bag),
        "billingAddress": _address_node(order.get("billing_address")),
        "shippingAddress": _address_node(order.get("shipping_address")),
        "lineItems": {"nodes": [_line_node(line, bag) for line in order.get("line_items") or []]},
        "shippingLines": {"nodes": [_shipping_node(line, bag) for line in order.get("shipping_lines") or []]},
    }


def _line_node(line: Mapping[str, Any], bag: Any) -> dict[str, Any]:
    return {"id": f"gid://shopify/LineItem/{line['id']}", "sku": line.get("sku"), "name": line.get("name"),
            "title": line.get("title"), "quantity": line["quantity"], "originalUnitPriceSet": bag(line["price"]),
            "totalDiscountSet": bag(line.get("total_discount", "0.00")),
            "discountAllocations": _allocation_nodes(line, bag), "taxLines": _tax_nodes(line, bag)}


def _shipping_node(line: Mapping[str, Any], bag: Any) -> dict[str, Any]:
    price = line.get("price", "0.00")
    return {"title": line.get("title"), "code": line.get("code"), "originalPriceSet": bag(price),
            "discountedPriceSet": bag(line.get("discounted_price", price)),
            "discountAllocations": _allocation_nodes(line, bag), "taxLines": _tax_nodes(line, bag)}


def _allocation_nodes(line: Mapping[str, Any], bag: Any) -> list[dict[str, Any]]:
    return [{"allocatedAmountSet": bag(a["amount"])} for a in line.get("discount_allocations") or []]


def _tax_nodes(item: Mapping[str, Any], bag: Any) -> list[dict[str, Any]]:
    return [{"title": t["title"], "rate": t.get("rate"), "priceSet": bag(t["price"])} for t in item.get("tax_lines") or []]


def _address_node(address: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not address:
        return None
    return {"name": address.get("name"), "company": address.get("company"), "address1": address.get("address1"),
            "address2": address.get("address2"), "city": address.get("city"), "province": address.get("province"),
            "provinceCode": address.get("province_code"), "zip": address.get("zip"),
            "countryCodeV2": address.get("country_code"), "phone": address.get("phone")}


def _sort_key(node: Mapping[str, Any]) -> tuple[datetime, str]:
    return _when(node["updatedAt"]), str(node["id"])


def _cursor(node: Mapping[str, Any]) -> str:
    position = {"last_id": str(node["id"]), "last_value": node["updatedAt"]}
    return base64.b64encode(jsonutil.dumps(position).encode()).decode()


def _position_of(cursor: str | None) -> tuple[datetime, str] | None:
    if not cursor:
        return None
    try:
        position = jsonutil.loads(base64.b64decode(cursor))
        return _when(position["last_value"]), str(position["last_id"])
    except (ValueError, KeyError, TypeError):
        return None


def _iso(value: str) -> str:
    return _when(value).astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _when(value: str) -> datetime:
    moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _json(value: Any, status: int = 200) -> Response:
    return Response(jsonutil.dumps(value), status=status, mimetype="application/json")


def main(argv: list[str] | None = None) -> None:
    """``python -m connectors.shopify.sandbox --port 9202``."""
    parser = argparse.ArgumentParser(description="o2c-hub Shopify sandbox (GraphQL Admin API)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9202)
    parser.add_argument("--token", default="shpat_sandbox", help="expected X-Shopify-Access-Token")
    parser.add_argument("--secret", default="sandbox-secret", help="client secret webhooks are signed with")
    args = parser.parse_args(argv)
    run_forever(create_app(token=args.token, secret=args.secret), args.host, args.port)


if __name__ == "__main__":
    main()
