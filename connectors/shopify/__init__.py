"""The ``shopify`` connector: signed order webhooks, GraphQL order polling, order look-ups.

    connections:
      shop:
        connector: shopify
        shop_url: https://acme.myshopify.com
        access_token: "${SHOPIFY_ACCESS_TOKEN}"     # Admin API access token (read_orders)
        client_secret: "${SHOPIFY_CLIENT_SECRET}"   # app client secret: signs webhooks

Webhook topics (``POST /webhooks/shop``, verified with X-Shopify-Hmac-Sha256, deduped on
X-Shopify-Webhook-Id): orders/create, orders/updated, orders/cancelled → sales_order;
refunds/create → payment (negative); fulfillments/create → fulfillment.

Poll resource ``orders`` (GraphQL ``orders(query: "updated_at:>=…")``, cost-throttled).

Action: ``get_order`` ({id} or an id → GraphQL order node). Mappings (for
``map: {using: shop.sales_order, from: event}``): ``sales_order`` (webhook or polled order),
``customer``, ``fulfillment``, ``payment`` (an order transaction) and ``refund`` (a negative
payment) turn Shopify JSON into canonical records.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from connectors.shopify import mapping
from connectors.shopify.client import ShopifyClient
from connectors.shopify.webhooks import ShopifyWebhook
from hub.connector import Action, ActionContext, Connector, Cursor, InboundWebhook, PolledRecord, WebhookDelivery
from hub.errors import FatalError

__all__ = ["ShopifyConnector"]

DEFAULT_API_VERSION = "2025-01"


def _prop(kind: str, title: str, description: str, examples: list, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "title": title, "description": description, "examples": examples, **extra}


SHOPIFY_CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "shopify connection",
    "description": "A Shopify store: order webhooks signed with the app's client secret, and order "
                   "polling and look-ups through the GraphQL Admin API.",
    "type": "object",
    "required": ["shop_url"],
    "additionalProperties": False,
    "examples": [
        {"shop_url": "https://acme.myshopify.com"},
        {"shop_url": "https://acme.myshopify.com", "access_token": "${SHOPIFY_ACCESS_TOKEN}",
         "client_secret": "${SHOPIFY_CLIENT_SECRET}", "api_version": "2025-01"},
    ],
    "properties": {
        "shop_url": _prop("string", "Shop URL", "The store's admin root (its myshopify.com address, or the sandbox).",
                          ["https://acme.myshopify.com", "http://127.0.0.1:9202"], format="uri"),
        "access_token": _prop("string", "Admin API access token", "Token sent as X-Shopify-Access-Token; needs "
                              "read_orders (and read_customers for customer data). Required for polling and get_order.",
                              ["${SHOPIFY_ACCESS_TOKEN}"], secret=True),
        "client_secret": _prop("string", "App client secret", "Secret Shopify signs webhooks with "
                               "(X-Shopify-Hmac-Sha256); required to accept webhooks.",
                               ["${SHOPIFY_CLIENT_SECRET}"], secret=True),
        "api_version": _prop("string", "API version", "GraphQL Admin API version (YYYY-MM).", [DEFAULT_API_VERSION],
                             default=DEFAULT_API_VERSION, pattern=r"^\d{4}-\d{2}$|^unstable$"),
        "page_size": _prop("integer", "Page size", "Orders per GraphQL page when polling.", [50],
                           default=50, minimum=1, maximum=250),
        "timeout": _prop("number", "Timeout", "Read timeout in seconds per request.", [30], default=30, exclusiveMinimum=0),
        "max_throttle_wait": _prop("number", "Longest throttle wait", "Most seconds to wait for the query-cost "
                                   "bucket to refill before a query, or before asking again after a throttled answer "
                                   "(THROTTLED or 429); a longer wait is left to the run's retry.", [30], default=30,
                                   minimum=0),
    },
}


class ShopifyConnector(Connector):
    """A Shopify store: webhooks in, orders polled and looked up over GraphQL."""

    kind = "shopify"
    config_schema = SHOPIFY_CONFIG_SCHEMA

    def __init__(self, name: str, config: Mapping[str, Any], *, client: ShopifyClient | None,
                 webhook: ShopifyWebhook | None, page_size: int = 50):
        super().__init__(name, config)
        self.client, self.webhook, self.page_size = client, webhook, page_size

    @classmethod
    def from_config(cls, name: str, config: Mapping[str, Any]) -> ShopifyConnector:
        """Build the GraphQL client (when there is a token) and the webhook check (when there is a secret)."""
        client = None
        if config.get("access_token"):
            client = ShopifyClient(
                config["shop_url"], config["access_token"],
                api_version=config.get("api_version", DEFAULT_API_VERSION),
                timeout=(min(10.0, float(config.get("timeout", 30))), float(config.get("timeout", 30))),
                connection=name, max_wait=float(config.get("max_throttle_wait", 30)),
            )
        webhook = ShopifyWebhook(config["client_secret"]) if config.get("client_secret") else None
        return cls(name, config, client=client, webhook=webhook, page_size=int(config.get("page_size", 50)))

    def actions(self) -> Mapping[str, Action]:
        return {"get_order": self.get_order}

    def mappings(self) -> Mapping[str, Callable[[Any], Any]]:
        """Shopify JSON (webhook or polled) → canonical records; see connectors.shopify.mapping."""
        return {"sales_order": mapping.order_to_sales_order, "customer": mapping.customer_to_customer,
                "fulfillment": mapping.fulfillment_to_fulfillment, "payment": mapping.transaction_to_payment,
                "refund": mapping.refund_to_payment}

    def get_order(self, payload: Any, context: ActionContext) -> dict[str, Any]:
        """The order node for ``{id}`` (numeric id or gid) or a bare id."""
        order_id = payload.get("id") if isinstance(payload, Mapping) else payload
        if order_id in (None, ""):
            raise FatalError("get_order needs an order id", connection=self.name, action="get_order")
        return self._client("get_order").get_order(order_id)

    def resources(self) -> frozenset[str]:
        return frozenset({"orders"}) if self.client else frozenset()

    def poll(self, resource: str, cursor: Cursor) -> Iterator[PolledRecord]:
        """Orders updated since ``cursor.start`` (resource ``orders``)."""
        if resource != "orders":
            raise FatalError(f"shopify cannot poll {resource!r} (known: orders)", connection=self.name)
        return self._client(f"poll:{resource}").poll_orders(cursor, page_size=self.page_size)

    def accepts_webhooks(self) -> bool:
        return self.webhook is not None

    def verify_webhook(self, request: InboundWebhook) -> WebhookDelivery:
        if self.webhook is None:
            return super().verify_webhook(request)
        return self.webhook.verify(request)

    def _client(self, action: str) -> ShopifyClient:
        if self.client is None:
            raise FatalError("this shopify connection has no access_token", connection=self.name, action=action)
        return self.client

    def close(self) -> None:
        if self.client is not None:
            self.client.close()
