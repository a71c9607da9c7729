"""The generic ``http`` connector, and the toolkit every HTTP-based connector shares.

Toolkit: ``client.HttpClient`` (session, timeouts, exact JSON), ``errors.classify`` (status →
error class), ``auth`` (AuthBase strategies), ``pagination`` (paginator strategies),
``webhooks.SignedWebhook`` (HMAC-signed inbound webhooks), ``sandbox`` (a local JSON sink).

A connection of kind ``http`` talks to any JSON API declared in config::

    connections:
      erp:
        connector: http
        base_url: https://erp.example.com/api
        auth: {bearer: {token: "${ERP_TOKEN}"}}
        actions:
          create_sales_order:
            method: POST
            path: /orders
            lookup: {path: /orders, params: {reference: "{number}"}, record_path: data,
                     found_when: {reference: "{number}"}}
        resources:
          customers: {path: /customers, record_path: data, paginator: link}
        webhook: {secret: "${ERP_WEBHOOK_SECRET}", topic_header: X-Event}
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from connectors.http.auth import auth_from_config
from connectors.http.client import HttpClient
from connectors.http.endpoints import HttpAction, HttpResource
from connectors.http.webhooks import SignedWebhook
from hub.connector import Action, Connector, Cursor, InboundWebhook, PolledRecord, WebhookDelivery
from hub.errors import FatalError

__all__ = ["HttpConnector", "HttpClient", "SignedWebhook"]


def _prop(kind: str | list[str], title: str, description: str, examples: list, **extra: Any) -> dict[str, Any]:
    """One documented schema property (title, description and examples are never optional)."""
    return {"type": kind, "title": title, "description": description, "examples": examples, **extra}


def _obj(title: str, description: str, examples: list, properties: dict, **extra: Any) -> dict[str, Any]:
    """A documented object property with its own documented properties."""
    return _prop("object", title, description, examples, properties=properties, **extra)


_AUTH = _obj(
    "Authentication",
    "How requests authenticate: exactly one of bearer, basic, api_key or hmac.",
    [{"bearer": {"token": "${ERP_TOKEN}"}}, {"api_key": {"header": "X-Api-Key", "value": "${ERP_KEY}"}}],
    {
        "bearer": _obj("Bearer token", "Sends `Authorization: Bearer <token>`.", [{"token": "${ERP_TOKEN}"}], {
            "token": _prop("string", "Token", "The bearer token.", ["${ERP_TOKEN}"], secret=True),
        }, required=["token"], additionalProperties=False),
        "basic": _obj("HTTP Basic", "Sends HTTP Basic credentials.", [{"username": "api", "password": "${ERP_PASSWORD}"}], {
            "username": _prop("string", "Username", "The Basic auth user name.", ["api"]),
            "password": _prop("string", "Password", "The Basic auth password.", ["${ERP_PASSWORD}"], secret=True),
        }, required=["username", "password"], additionalProperties=False),
        "api_key": _obj("API key", "Sends an API key in a header or a query parameter (give one of the two).",
                        [{"header": "X-Api-Key", "value": "${ERP_KEY}"}, {"query": "api_key", "value": "${ERP_KEY}"}], {
            "header": _prop("string", "Header name", "Header that carries the key.", ["X-Api-Key"]),
            "query": _prop("string", "Query parameter", "Query parameter that carries the key.", ["api_key"]),
            "value": _prop("string", "Key value", "The API key itself.", ["${ERP_KEY}"], secret=True),
        }, required=["value"], additionalProperties=False),
        "hmac": _obj("HMAC-signed body", "Signs every request body with HMAC-SHA256 into a header "
                     "(over `<timestamp>.<body>` when a timestamp header is set).",
                     [{"secret": "${ERP_HMAC}", "header": "X-Signature-SHA256"}], {
            "secret": _prop("string", "Signing secret", "Shared HMAC secret.", ["${ERP_HMAC}"], secret=True),
            "header": _prop("string", "Signature header", "Header receiving the signature.", ["X-Signature-SHA256"]),
            "encoding": _prop("string", "Encoding", "How the digest is written.", ["hex"], enum=["hex", "base64"]),
            "prefix": _prop("string", "Prefix", "Text put before the digest.", ["sha256="]),
            "timestamp_header": _prop("string", "Timestamp header", "Header receiving the epoch-seconds timestamp.", ["X-Timestamp"]),
        }, required=["secret"], additionalProperties=False),
    },
    minProperties=1,
    maxProperties=1,
    additionalProperties=False,
)

_WEBHOOK = _obj(
    "Inbound webhook",
    "Accept webhooks at /webhooks/<connection>, signed with HMAC-SHA256 over the raw body "
    "(over `<timestamp>.<body>` when timestamp_header is set).",
    [{"secret": "${SHOP_WEBHOOK_SECRET}", "topic_header": "X-Event"}],
    {
        "secret": _prop("string", "Signing secret", "Shared secret the sender signs with.", ["${SHOP_WEBHOOK_SECRET}"], secret=True),
        "signature_header": _prop("string", "Signature header", "Header carrying the signature.", ["X-Signature-SHA256"], default="X-Signature-SHA256"),
        "encoding": _prop("string", "Encoding", "How the sender writes the digest.", ["hex", "base64"], enum=["hex", "base64"], default="hex"),
        "prefix": _prop("string", "Prefix", "Text before the digest in the header.", ["sha256="], default=""),
        "delivery_id_header": _prop("string", "Delivery id header", "Header with the sender's unique delivery id "
                                    "(dedupe key); the body's SHA-256 is used when absent.", ["X-Delivery-Id"], default="X-Delivery-Id"),
        "topic_header": _prop("string", "Topic header", "Header naming the event; else the URL path after the connection name.", ["X-Event"]),
        "timestamp_header": _prop("string", "Timestamp header", "Header with the signing time in epoch seconds; enables replay protection.", ["X-Timestamp"]),
        "tolerance": _prop("number", "Tolerance", "Seconds a timestamp may be away from now.", [300], default=300, minimum=1),
    },
    required=["secret"],
    additionalProperties=False,
)

#: Text with ``{name}`` placeholders (dotted names), filled from the action's payload.
_TEMPLATE = {"pattern": r"^[^{}]*(\{[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*\}[^{}]*)*$",
             "errorMessage": "is not text whose {placeholders} name fields of the payload, e.g. {number} "
                             "or {customer.email}"}

_LOOKUP = _obj(
    "Lookup",
    "How to find the record an earlier call of this action made, by its business key: a GET request. "
    "When the hub stopped after calling and before recording the answer, the next attempt sends it first "
    "and calls the action only when the record is not there, so the effect happens exactly once even "
    "where the system ignores Idempotency-Key. Without a lookup, a POST or PATCH action is called "
    "again (at least once), and `o2c-hub validate` warns about it.",
    [{"path": "/orders", "params": {"reference": "{number}"}, "record_path": "data",
      "found_when": {"reference": "{number}"}},
     {"path": "/orders/by-reference/{number}", "found_when": {"reference": "{number}"}}],
    {
        "path": _prop("string", "Path", "Path under base_url; {placeholders} are filled from the action's payload.",
                      ["/orders", "/orders/by-reference/{number}"], minLength=1, **_TEMPLATE),
        "params": _prop("object", "Query parameters", "Query parameters; {placeholders} in the values are filled "
                        "from the action's payload.", [{"reference": "{number}"}],
                        additionalProperties={"type": "string", **_TEMPLATE}),
        "record_path": _prop("string", "Record path", "Dotted path to the records in the answer (a list, or one "
                             "record); empty for the answer itself.", ["data", ""], default=""),
        "found_when": _prop("object", "Found when", "Fields of a record (dotted paths) and the values they must "
                            "have, {placeholders} filled from the payload: the first record having them all is "
                            "the earlier call's, and becomes the step's result. No such record, or a 404 answer: "
                            "not found, the action is called.", [{"reference": "{number}"}],
                            additionalProperties={"type": "string", "minLength": 1, **_TEMPLATE},
                            minProperties=1),
    },
    required=["path", "found_when"], additionalProperties=False,
)

_ACTION = _obj(
    "Action", "One callable endpoint; the step payload is sent as the JSON body with an Idempotency-Key header.",
    [{"method": "POST", "path": "/orders"},
     {"method": "POST", "path": "/orders", "lookup": {"path": "/orders", "params": {"reference": "{number}"},
                                                      "record_path": "data", "found_when": {"reference": "{number}"}}}],
    {
        "method": _prop("string", "Method", "HTTP method.", ["POST", "PUT"], enum=["POST", "PUT", "PATCH", "DELETE", "GET"], default="POST"),
        "path": _prop("string", "Path", "Path under base_url; {placeholders} are filled from the payload.", ["/orders/{number}"]),
        "headers": _prop("object", "Headers", "Extra headers for this action only.", [{"X-Source": "o2c-hub"}],
                         additionalProperties={"type": "string"}),
        "lookup": _LOOKUP,
    },
    required=["path"], additionalProperties=False,
)

_RESOURCE = _obj(
    "Resource", "One list endpoint a poll trigger reads.",
    [{"path": "/customers", "record_path": "data", "paginator": "link"}],
    {
        "path": _prop("string", "Path", "Path under base_url.", ["/customers"]),
        "record_path": _prop("string", "Record path", "Dotted path to the record list in each page; empty for a top-level list.", ["data"]),
        "id_field": _prop("string", "Id field", "Dotted path of each record's id.", ["id"], default="id"),
        "updated_field": _prop("string", "Updated field", "Dotted path of each record's change time (ISO 8601 or epoch).", ["updated_at"], default="updated_at"),
        "since_param": _prop(["string", "null"], "Since parameter", "Query parameter receiving the cursor start (ISO 8601); null to send none.", ["updated_since"], default="updated_since"),
        "params": _prop("object", "Query parameters", "Fixed query parameters.", [{"status": "active"}]),
        "paginator": {
            "title": "Paginator", "description": "How to reach the next page: none, link (RFC 5988 Link header), "
            "{cursor: {path, param}} or {offset: {limit, offset_param, limit_param, total_path}}.",
            "examples": ["link", {"cursor": {"path": "meta.next_cursor", "param": "cursor"}}, {"offset": {"limit": 100}}],
            "type": ["string", "object"], "default": "none",
        },
    },
    required=["path"], additionalProperties=False,
)

HTTP_CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "http connection",
    "description": "A JSON-over-HTTP system with declared actions, pollable resources and signed webhooks.",
    "type": "object",
    "required": ["base_url"],
    "examples": [{"base_url": "https://erp.example.com/api"}],
    "properties": {
        "base_url": _prop("string", "Base URL", "Root URL every path is relative to.", ["https://erp.example.com/api"], format="uri"),
        "timeout": _prop("number", "Timeout", "Read timeout in seconds (connect timeout is at most 10 s).", [30], default=30, exclusiveMinimum=0),
        "headers": _prop("object", "Headers", "Headers sent on every request (masked like secrets; prefer auth for credentials).",
                         [{"Accept-Language": "en"}], additionalProperties={"type": "string"}, secret=True),
        "auth": _AUTH,
        "webhook": _WEBHOOK,
        "actions": _prop("object", "Actions", "Callable endpoints by action name.", [{"create_sales_order": {"method": "POST", "path": "/orders"}}],
                         additionalProperties=_ACTION),
        "resources": _prop("object", "Resources", "Pollable list endpoints by resource name.", [{"customers": {"path": "/customers"}}],
                           additionalProperties=_RESOURCE),
    },
}


class HttpConnector(Connector):
    """Any JSON-over-HTTP system: declared actions, pollable resources, signed webhooks."""

    kind = "http"
    config_schema = HTTP_CONFIG_SCHEMA

    def __init__(
        self,
        name: str,
        config: Mapping[str, Any],
        *,
        client: HttpClient,
        actions: Mapping[str, HttpAction],
        resources: Mapping[str, HttpResource],
        webhook: SignedWebhook | None,
    ):
        super().__init__(name, config)
        self.client = client
        self._actions, self._resources, self._webhook = dict(actions), dict(resources), webhook

    @classmethod
    def from_config(cls, name: str, config: Mapping[str, Any]) -> HttpConnector:
        """Build the client, actions, resources and webhook check from the config mapping."""
        timeout = float(config.get("timeout", 30))
        client = HttpClient(
            config["base_url"],
            auth=auth_from_config(config.get("auth")),
            timeout=(min(timeout, 10.0), timeout),
            default_headers=config.get("headers"),
            connection=name,
        )
        webhook = config.get("webhook")
        return cls(
            name,
            config,
            client=client,
            actions={a: HttpAction.from_config(client, a, c) for a, c in config.get("actions", {}).items()},
            resources={r: HttpResource.from_config(r, c) for r, c in config.get("resources", {}).items()},
            webhook=SignedWebhook.from_config(webhook) if webhook else None,
        )

    def actions(self) -> Mapping[str, Action]:
        return dict(self._actions)

    def resources(self) -> frozenset[str]:
        return frozenset(self._resources)

    def accepts_webhooks(self) -> bool:
        return self._webhook is not None

    def verify_webhook(self, request: InboundWebhook) -> WebhookDelivery:
        if self._webhook is None:
            return super().verify_webhook(request)
        return self._webhook.verify(request)

    def poll(self, resource: str, cursor: Cursor) -> Iterator[PolledRecord]:
        if resource not in self._resources:
            known = ", ".join(sorted(self._resources)) or "none"
            raise FatalError(f"unknown resource {resource!r} (known: {known})", connection=self.name)
        return self._resources[resource].poll(self.client, cursor)

    def close(self) -> None:
        self.client.close()
