"""The ``stripe`` connector: signed events in, payments polled, refunds and customers out.

    connections:
      stripe:
        connector: stripe
        api_key: "${STRIPE_SECRET_KEY}"            # sk_live_… / sk_test_… (or a restricted rk_…)
        webhook_secret: "${STRIPE_WEBHOOK_SECRET}" # whsec_… of the webhook endpoint

Webhook topics (event types, deduped on the event id ``evt_…``): payment_intent.succeeded,
charge.succeeded, charge.refunded, refund.created, invoice.paid → payment (mapping ``payment``).

Poll resources: payment_intents, charges, refunds, invoices, customers, events (``created[gte]``,
``starting_after`` pages). Actions: get_payment_intent, get_charge, get_invoice, create_refund,
create_customer (every POST keyed with the run's idempotency key). Mappings (for
``map: {using: stripe.payment, from: event}``): payment (an event or a Stripe object),
customer, invoice, credit_note.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from datetime import datetime, timezone
from functools import partial
from typing import Any

from connectors.common.urls import path_segment
from connectors.http.endpoints import as_utc
from connectors.stripe import mapping
from connectors.stripe.client import DEFAULT_BASE_URL, StripeClient
from connectors.stripe.webhooks import DEFAULT_TOLERANCE, StripeWebhook
from hub.connector import Action, ActionContext, Connector, Cursor, InboundWebhook, PolledRecord, WebhookDelivery
from hub.errors import FatalError

__all__ = ["StripeConnector"]

RESOURCES = {"payment_intents": "/v1/payment_intents", "charges": "/v1/charges", "refunds": "/v1/refunds",
             "invoices": "/v1/invoices", "customers": "/v1/customers", "events": "/v1/events"}
GETTERS = {"get_payment_intent": "/v1/payment_intents/", "get_charge": "/v1/charges/", "get_invoice": "/v1/invoices/"}


def _prop(kind: str, title: str, description: str, examples: list, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "title": title, "description": description, "examples": examples, **extra}


STRIPE_CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "stripe connection",
    "description": "A Stripe account: signed webhook events, polled payments, refunds and customers.",
    "type": "object",
    "required": ["api_key"],
    "additionalProperties": False,
    "examples": [
        {"api_key": "${STRIPE_SECRET_KEY}"},
        {"api_key": "${STRIPE_SECRET_KEY}", "webhook_secret": "${STRIPE_WEBHOOK_SECRET}", "api_version": "2024-06-20"},
    ],
    "properties": {
        "api_key": _prop("string", "Secret API key", "Secret (sk_…) or restricted (rk_…) key, sent as a Bearer token.",
                         ["${STRIPE_SECRET_KEY}"], secret=True),
        "webhook_secret": _prop("string", "Webhook signing secret", "The endpoint's signing secret (whsec_…); "
                                "required to accept webhooks.", ["${STRIPE_WEBHOOK_SECRET}"], secret=True),
        "webhook_tolerance": _prop("number", "Webhook tolerance", "Seconds a signature timestamp may be away from now.",
                                   [300], default=DEFAULT_TOLERANCE, minimum=1),
        "api_version": _prop("string", "API version", "Pins Stripe-Version; the account's default when absent.",
                             ["2024-06-20"]),
        "base_url": _prop("string", "API base URL", "Stripe API root; point it at the sandbox in tests.",
                          [DEFAULT_BASE_URL, "http://127.0.0.1:9203"], default=DEFAULT_BASE_URL, format="uri"),
        "page_size": _prop("integer", "Page size", "Objects per list page when polling (Stripe allows 1–100).",
                           [100], default=100, minimum=1, maximum=100),
        "timeout": _prop("number", "Timeout", "Read timeout in seconds per request.", [30], default=30, exclusiveMinimum=0),
    },
}


class StripeConnector(Connector):
    """A Stripe account over its REST API."""

    kind = "stripe"
    config_schema = STRIPE_CONFIG_SCHEMA

    def __init__(self, name: str, config: Mapping[str, Any], *, client: StripeClient,
                 webhook: StripeWebhook | None, page_size: int = 100):
        super().__init__(name, config)
        self.client, self.webhook, self.page_size = client, webhook, page_size

    @classmethod
    def from_config(cls, name: str, config: Mapping[str, Any]) -> StripeConnector:
        """Build the API client and, with a webhook_secret, the signature check."""
        timeout = float(config.get("timeout", 30))
        client = StripeClient(config["api_key"], base_url=config.get("base_url", DEFAULT_BASE_URL),
                              api_version=config.get("api_version"), timeout=(min(10.0, timeout), timeout),
                              connection=name)
        webhook = None
        if config.get("webhook_secret"):
            webhook = StripeWebhook(config["webhook_secret"], float(config.get("webhook_tolerance", DEFAULT_TOLERANCE)))
        return cls(name, config, client=client, webhook=webhook, page_size=int(config.get("page_size", 100)))

    def actions(self) -> Mapping[str, Action]:
        getters = {name: self._getter(name, path) for name, path in GETTERS.items()}
        return {**getters, "create_refund": self.create_refund, "create_customer": self.create_customer}

    def mappings(self) -> Mapping[str, Callable[[Any], Any]]:
        """Stripe events and objects → canonical records; see connectors.stripe.mapping."""
        return {"payment": _payment_of,
                "customer": partial(_document_of, mapping.customer_to_customer),
                "invoice": partial(_document_of, mapping.invoice_to_invoice),
                "credit_note": partial(_document_of, mapping.credit_note_to_invoice)}

    def _getter(self, action: str, path: str) -> Callable[[Any, ActionContext], Any]:
        def get(payload: Any, context: ActionContext) -> Any:
            object_id = payload.get("id") if isinstance(payload, Mapping) else payload
            if not object_id:
                raise FatalError(f"{action} needs an id", connection=self.name, action=action)
            segment = path_segment(object_id, name=f"the id given to {action}", connection=self.name, action=action)
            return self.client.get(path + segment, action=action)
        return get

    def create_refund(self, payload: Any, context: ActionContext) -> Any:
        """Refund ``{payment: pi_…|ch_…, amount?, currency?, reason?}`` (whole payment without amount)."""
        params = mapping.refund_params(payload)
        return self.client.post("/v1/refunds", params, idempotency_key=context.idempotency_key, action="create_refund")

    def create_customer(self, payload: Any, context: ActionContext) -> Any:
        """Create a Stripe customer from a canonical customer."""
        params = mapping.customer_params(payload)
        return self.client.post("/v1/customers", params, idempotency_key=context.idempotency_key,
                                action="create_customer")

    def resources(self) -> frozenset[str]:
        return frozenset(RESOURCES)

    def poll(self, resource: str, cursor: Cursor) -> Iterator[PolledRecord]:
        """Objects created at or after ``cursor.start``, oldest first (Stripe lists newest first)."""
        path = RESOURCES.get(resource)
        if path is None:
            raise FatalError(f"stripe cannot poll {resource!r} (known: {', '.join(sorted(RESOURCES))})",
                             connection=self.name)
        params = {"created[gte]": int(as_utc(cursor.start).timestamp())} if cursor.start else {}
        rows = self.client.list(path, params, page_size=self.page_size, action=f"poll:{resource}")
        records = [PolledRecord(id=row["id"], updated_at=datetime.fromtimestamp(int(row["created"]), tz=timezone.utc),
                                data=row) for row in rows]
        return iter(sorted(records, key=lambda r: (r.updated_at, r.id)))

    def accepts_webhooks(self) -> bool:
        return self.webhook is not None

    def verify_webhook(self, request: InboundWebhook) -> WebhookDelivery:
        if self.webhook is None:
            return super().verify_webhook(request)
        return self.webhook.verify(request)

    def close(self) -> None:
        self.client.close()


def _document_of(mapper: Callable[[Mapping[str, Any]], dict[str, Any]], payload: Any) -> dict[str, Any]:
    """The object of an event or a bare object mapped by ``mapper``; an event versions it."""
    if isinstance(payload, Mapping) and payload.get("object") == "event":
        return mapping.versioned_by_event(mapper(payload["data"]["object"]), payload)
    return mapper(payload)


def _payment_of(payload: Any) -> dict[str, Any]:
    """An event or a bare Stripe object as a canonical payment."""
    if isinstance(payload, Mapping) and payload.get("object") == "event":
        return mapping.event_to_payment(payload)
    mappers = {"payment_intent": mapping.payment_intent_to_payment, "charge": mapping.charge_to_payment,
               "refund": mapping.refund_to_payment, "invoice": mapping.invoice_to_payment,
               "balance_transaction": mapping.balance_transaction_to_payment}
    kind = payload.get("object") if isinstance(payload, Mapping) else None
    if kind not in mappers:
        raise FatalError(f"to_payment takes an event or one of {', '.join(mappers)}, not {kind!r}")
    return mappers[kind](payload)
