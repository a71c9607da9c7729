"""The ``hubspot`` connector: contacts and companies polled as canonical customers; signed webhooks.

    connections:
      crm:
        connector: hubspot
        access_token: "${HUBSPOT_TOKEN}"                 # private app (crm.objects.*.read scopes)
        custom_properties:
          companies: {tax_id: vat_number, credit_limit: credit_limit, currency: currency}
        webhook: {secret: "${HUBSPOT_CLIENT_SECRET}", url: https://hub.example.com/webhooks/crm}

Poll resources ``contacts`` and ``companies`` (CRM v3 search on the modified date, oldest
first, each page a new search from the latest modified date seen). Each polled record's data is ``{"customer":
<canonical customer>, "record": <the HubSpot object as returned>}``. With ``webhook`` set,
``POST /webhooks/<connection>`` accepts HubSpot's signature-v3 requests; the topic is the events'
``subscriptionType`` (e.g. ``contact.creation``, ``contact.propertyChange``, ``company.deletion``)
or ``mixed``, and the payload is HubSpot's list of events. Mappings ``contact`` and ``company``
(for ``map: {using: crm.company, from: event.record}``) apply the same mapping. No actions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

from connectors.hubspot.client import DEFAULT_BASE_URL, SEARCH_WINDOW, HubSpotClient
from connectors.hubspot.mapping import CustomProperties, company_to_customer, contact_to_customer, modified_at
from connectors.hubspot.search import RESOURCES
from connectors.hubspot.webhooks import HubSpotSignatureV3
from hub.connector import Connector, Cursor, InboundWebhook, PolledRecord, WebhookDelivery
from hub.errors import FatalError

__all__ = ["HubSpotConnector", "HubSpotClient"]


def _prop(kind: str | list[str], title: str, description: str, examples: list, **extra: Any) -> dict[str, Any]:
    """One documented schema property."""
    return {"type": kind, "title": title, "description": description, "examples": examples, **extra}


def _obj(title: str, description: str, examples: list, properties: dict, **extra: Any) -> dict[str, Any]:
    return _prop("object", title, description, examples, properties=properties, additionalProperties=False, **extra)


_PROPERTIES = _obj(
    "Custom properties", "HubSpot properties holding canonical values the standard object lacks.",
    [{"tax_id": "vat_number", "credit_limit": "credit_limit"}],
    {
        "email": _prop("string", "E-mail property", "Property with the billing e-mail (contacts fall back to email).", ["billing_email"]),
        "tax_id": _prop("string", "Tax id property", "Property with the VAT / tax registration number.", ["vat_number"]),
        "credit_limit": _prop("string", "Credit limit property", "Number property with the credit limit.", ["credit_limit"]),
        "currency": _prop("string", "Currency property", "Property with the ISO 4217 currency code.", ["currency"]),
        "payment_term": _prop("string", "Payment term property", "Property with the payment term code.", ["payment_terms"]),
        "default_currency": _prop("string", "Default currency", "Currency assumed when the record names none.",
                                  ["EUR"], pattern="^[A-Z]{3}$"),
    },
)

_WEBHOOK = _obj(
    "Inbound webhook", "Accept HubSpot webhooks signed with X-HubSpot-Signature-v3.",
    [{"secret": "${HUBSPOT_CLIENT_SECRET}", "url": "https://hub.example.com/webhooks/crm"}],
    {
        "secret": _prop("string", "Client secret", "The app's client secret HubSpot signs with.",
                        ["${HUBSPOT_CLIENT_SECRET}"], secret=True),
        "url": _prop("string", "Target URL", "The exact target URL configured in HubSpot (it is part of the "
                     "signature); by default rebuilt from the Host header and the request path.",
                     ["https://hub.example.com/webhooks/crm"]),
        "tolerance": _prop("number", "Tolerance", "Seconds X-HubSpot-Request-Timestamp may be away from now.",
                           [300], default=300, minimum=1),
    },
    required=["secret"],
)

HUBSPOT_CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "hubspot connection",
    "description": "A HubSpot account read through the CRM v3 search API with a private-app token.",
    "type": "object",
    "required": ["access_token"],
    "additionalProperties": False,
    "examples": [
        {"access_token": "${HUBSPOT_TOKEN}"},
        {"access_token": "${HUBSPOT_TOKEN}", "custom_properties": {"companies": {"tax_id": "vat_number"}},
         "webhook": {"secret": "${HUBSPOT_CLIENT_SECRET}", "url": "https://hub.example.com/webhooks/crm"}},
    ],
    "properties": {
        "access_token": _prop("string", "Access token", "Private app access token (sent as a Bearer token).",
                              ["${HUBSPOT_TOKEN}"], secret=True),
        "base_url": _prop("string", "Base URL", "API root; point it at the sandbox in tests.",
                          [DEFAULT_BASE_URL, "http://127.0.0.1:9211"], default=DEFAULT_BASE_URL),
        "page_size": _prop("integer", "Page size", "Results per search page (HubSpot allows up to 200).",
                           [100], default=100, minimum=1, maximum=200),
        "search_window": _prop("integer", "Search window", "How far one search can page by offset "
                               "among records sharing one modified date (HubSpot: 10,000).", [SEARCH_WINDOW], default=SEARCH_WINDOW, minimum=1),
        "timeout": _prop("number", "Timeout", "Read timeout in seconds per request.", [30], default=30, exclusiveMinimum=0),
        "custom_properties": _obj("Custom properties by resource", "Custom property names per poll resource.",
                                  [{"companies": {"tax_id": "vat_number"}}],
                                  {"contacts": _PROPERTIES, "companies": _PROPERTIES}),
        "webhook": _WEBHOOK,
    },
}


class HubSpotConnector(Connector):
    """Polls contacts and companies; verifies signature-v3 webhooks."""

    kind = "hubspot"
    config_schema = HUBSPOT_CONFIG_SCHEMA

    def __init__(self, name: str, config: Mapping[str, Any], *, client: HubSpotClient,
                 webhook: HubSpotSignatureV3 | None):
        super().__init__(name, config)
        self.client, self.webhook = client, webhook
        custom = config.get("custom_properties") or {}
        self.custom = {r: CustomProperties.from_config(custom.get(r)) for r in RESOURCES}

    @classmethod
    def from_config(cls, name: str, config: Mapping[str, Any]) -> HubSpotConnector:
        """Build the client and the webhook check; no request is sent."""
        timeout = float(config.get("timeout", 30))
        client = HubSpotClient(config["access_token"], base_url=config.get("base_url", DEFAULT_BASE_URL),
                               page_size=int(config.get("page_size", 100)),
                               window=int(config.get("search_window", SEARCH_WINDOW)),
                               timeout=(min(10.0, timeout), timeout), connection=name)
        hook = config.get("webhook")
        webhook = HubSpotSignatureV3(secret=hook["secret"], url=hook.get("url"),
                                     tolerance=float(hook.get("tolerance", 300))) if hook else None
        return cls(name, config, client=client, webhook=webhook)

    def mappings(self) -> Mapping[str, Callable[[Any], Any]]:
        """``contact`` and ``company``: a HubSpot object → canonical customer (this connection's properties)."""
        return {"contact": partial(contact_to_customer, custom=self.custom["contacts"]),
                "company": partial(company_to_customer, custom=self.custom["companies"])}

    def resources(self) -> frozenset[str]:
        return frozenset(RESOURCES)

    def accepts_webhooks(self) -> bool:
        return self.webhook is not None

    def verify_webhook(self, request: InboundWebhook) -> WebhookDelivery:
        if self.webhook is None:
            return super().verify_webhook(request)
        return self.webhook.verify(request)

    def poll(self, resource: str, cursor: Cursor) -> Iterator[PolledRecord]:
        """Records changed at or after ``cursor.start``, oldest first, each once per poll."""
        spec = RESOURCES.get(resource)
        if spec is None:
            raise FatalError(f"unknown resource {resource!r} (known: {', '.join(sorted(RESOURCES))})",
                             connection=self.name)
        custom = self.custom[resource]
        for record in self.client.search_since(spec, custom, cursor.start):
            yield PolledRecord(id=str(record["id"]), updated_at=modified_at(record, spec.modified_property),
                               data={"customer": spec.to_customer(record, custom), "record": record})

    def close(self) -> None:
        self.client.close()
