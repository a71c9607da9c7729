"""The ``salesforce`` connector: Accounts and Contacts polled incrementally as canonical customers.

    connections:
      crm:
        connector: salesforce
        login_url: https://acme.my.salesforce.com          # My Domain (client credentials)
        auth:
          client_credentials: {client_id: "${SF_CLIENT_ID}", client_secret: "${SF_CLIENT_SECRET}"}
          # or jwt_bearer: {client_id: …, username: integration@acme.com, private_key: "${SF_KEY}"}
        custom_fields:
          accounts: {email: Billing_Email__c, tax_id: VAT_Number__c, credit_limit: Credit_Limit__c}

Poll resources ``accounts`` (Account) and ``contacts`` (Contact). Each polled record's data is
``{"customer": <canonical customer>, "record": <the Salesforce record as returned>}``, so a
recipe can upsert ``event.customer`` at once or reshape ``event.record`` itself. Records come
oldest first by SystemModstamp, then Id. Mappings ``account`` and ``contact`` (for
``map: {using: crm.account, from: event.record}``) apply the same mapping. No actions and no webhooks (Salesforce outbound
messages are SOAP without a signature; poll instead).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import Any

from connectors.salesforce.auth import SalesforceAuth, grant_from_config
from connectors.salesforce.client import DEFAULT_API_VERSION, SalesforceClient, classify
from connectors.salesforce.mapping import (
    CustomFields, account_to_customer, contact_to_customer, parse_datetime, record_id,
)
from connectors.salesforce.soql import MODSTAMP, RESOURCES
from hub.connector import Connector, Cursor, PolledRecord
from hub.errors import FatalError

__all__ = ["SalesforceConnector", "SalesforceClient"]

DEFAULT_LOGIN_URL = "https://login.salesforce.com"


def _prop(kind: str | list[str], title: str, description: str, examples: list, **extra: Any) -> dict[str, Any]:
    """One documented schema property."""
    return {"type": kind, "title": title, "description": description, "examples": examples, **extra}


def _obj(title: str, description: str, examples: list, properties: dict, **extra: Any) -> dict[str, Any]:
    return _prop("object", title, description, examples, properties=properties, additionalProperties=False, **extra)


_CLIENT_ID = _prop("string", "Consumer key", "The connected app's consumer key (client id).", ["${SF_CLIENT_ID}"])

_AUTH = _obj(
    "Authentication", "The OAuth 2.0 grant: exactly one of client_credentials or jwt_bearer.",
    [{"client_credentials": {"client_id": "${SF_CLIENT_ID}", "client_secret": "${SF_CLIENT_SECRET}"}}],
    {
        "client_credentials": _obj(
            "Client credentials", "Client-credentials flow of a connected app with a run-as user "
            "(login_url must then be the org's My Domain URL).",
            [{"client_id": "${SF_CLIENT_ID}", "client_secret": "${SF_CLIENT_SECRET}"}],
            {"client_id": _CLIENT_ID,
             "client_secret": _prop("string", "Consumer secret", "The connected app's consumer secret.",
                                    ["${SF_CLIENT_SECRET}"], secret=True)},
            required=["client_id", "client_secret"]),
        "jwt_bearer": _obj(
            "JWT bearer", "JWT bearer flow: an RS256 assertion signed with the key whose certificate "
            "is uploaded to the connected app; give private_key or private_key_file.",
            [{"client_id": "${SF_CLIENT_ID}", "username": "integration@acme.com", "private_key": "${SF_PRIVATE_KEY}"}],
            {"client_id": _CLIENT_ID,
             "username": _prop("string", "User name", "The pre-authorized Salesforce user the token acts as (JWT sub).",
                               ["integration@acme.com"]),
             "private_key": _prop("string", "Private key", "PEM-encoded RSA private key.", ["${SF_PRIVATE_KEY}"], secret=True),
             "private_key_file": _prop("string", "Private key file", "Path of a PEM file with the RSA private key.",
                                       ["/run/secrets/salesforce.key"]),
             "audience": _prop("string", "Audience", "JWT aud; defaults to login_url "
                               "(https://test.salesforce.com for sandboxes).", ["https://login.salesforce.com"])},
            required=["client_id", "username"]),
    },
    minProperties=1, maxProperties=1,
)

_FIELDS = _obj(
    "Custom fields", "Salesforce fields holding canonical values the standard object lacks.",
    [{"email": "Billing_Email__c", "tax_id": "VAT_Number__c", "credit_limit": "Credit_Limit__c"}],
    {
        "email": _prop("string", "E-mail field", "Field with the billing e-mail (Contacts fall back to Email).", ["Billing_Email__c"]),
        "tax_id": _prop("string", "Tax id field", "Field with the VAT / tax registration number.", ["VAT_Number__c"]),
        "credit_limit": _prop("string", "Credit limit field", "Currency field with the credit limit.", ["Credit_Limit__c"]),
        "currency": _prop("string", "Currency field", "Field with the ISO currency (multi-currency orgs).", ["CurrencyIsoCode"]),
        "payment_term": _prop("string", "Payment term field", "Field with the payment term code.", ["Payment_Terms__c"]),
        "default_currency": _prop("string", "Default currency", "Currency assumed when the record names none.",
                                  ["EUR"], pattern="^[A-Z]{3}$"),
    },
)

SALESFORCE_CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "salesforce connection",
    "description": "A Salesforce org read through the REST API (incremental SOQL on SystemModstamp).",
    "type": "object",
    "required": ["auth"],
    "additionalProperties": False,
    "examples": [
        {"login_url": "https://acme.my.salesforce.com",
         "auth": {"client_credentials": {"client_id": "${SF_CLIENT_ID}", "client_secret": "${SF_CLIENT_SECRET}"}}},
        {"auth": {"jwt_bearer": {"client_id": "${SF_CLIENT_ID}", "username": "integration@acme.com",
                                 "private_key_file": "/run/secrets/salesforce.key"}},
         "custom_fields": {"accounts": {"email": "Billing_Email__c", "credit_limit": "Credit_Limit__c"}}},
    ],
    "properties": {
        "login_url": _prop("string", "Login URL", "Where tokens are requested: the org's My Domain URL, "
                           "https://login.salesforce.com or https://test.salesforce.com.",
                           ["https://acme.my.salesforce.com", DEFAULT_LOGIN_URL], default=DEFAULT_LOGIN_URL),
        "instance_url": _prop("string", "Instance URL", "REST API root; by default the instance_url of the token answer.",
                              ["https://acme.my.salesforce.com"]),
        "api_version": _prop("string", "API version", "REST API version used in /services/data/vXX.X.",
                             [DEFAULT_API_VERSION], default=DEFAULT_API_VERSION, pattern=r"^\d+\.\d$"),
        "auth": _AUTH,
        "batch_size": _prop("integer", "Batch size", "Records per query page (Sforce-Query-Options batchSize, 200–2000).",
                            [2000], minimum=1, maximum=2000),
        "timeout": _prop("number", "Timeout", "Read timeout in seconds per request.", [30], default=30, exclusiveMinimum=0),
        "custom_fields": _obj("Custom fields by resource", "Custom field names per poll resource.",
                              [{"accounts": {"tax_id": "VAT_Number__c"}}], {"accounts": _FIELDS, "contacts": _FIELDS}),
    },
}


class SalesforceConnector(Connector):
    """Polls Accounts and Contacts; declarative resources in :mod:`connectors.salesforce.soql`."""

    kind = "salesforce"
    config_schema = SALESFORCE_CONFIG_SCHEMA

    def __init__(self, name: str, config: Mapping[str, Any], *, client: SalesforceClient):
        super().__init__(name, config)
        self.client = client
        custom = config.get("custom_fields") or {}
        self.custom_fields = {r: CustomFields.from_config(custom.get(r)) for r in RESOURCES}

    @classmethod
    def from_config(cls, name: str, config: Mapping[str, Any]) -> SalesforceConnector:
        """Build the grant, the token auth and the client; no request is sent yet."""
        login_url = config.get("login_url", DEFAULT_LOGIN_URL)
        timeout = (min(10.0, float(config.get("timeout", 30))), float(config.get("timeout", 30)))
        auth = SalesforceAuth(grant_from_config(config["auth"], login_url), login_url, timeout=timeout,
                              classify=lambda r: classify(r, connection=name, action="token"),
                              instance_url=config.get("instance_url"))
        client = SalesforceClient(auth, api_version=config.get("api_version", DEFAULT_API_VERSION),
                                  timeout=timeout, batch_size=config.get("batch_size"), connection=name)
        return cls(name, config, client=client)

    def mappings(self) -> Mapping[str, Callable[[Any], Any]]:
        """``account`` and ``contact``: a Salesforce record → canonical customer (this connection's fields)."""
        return {"account": partial(account_to_customer, fields=self.custom_fields["accounts"]),
                "contact": partial(contact_to_customer, fields=self.custom_fields["contacts"])}

    def resources(self) -> frozenset[str]:
        return frozenset(RESOURCES)

    def poll(self, resource: str, cursor: Cursor) -> Iterator[PolledRecord]:
        """Records changed at or after ``cursor.start``, oldest first (SystemModstamp, Id)."""
        spec = RESOURCES.get(resource)
        if spec is None:
            raise FatalError(f"unknown resource {resource!r} (known: {', '.join(sorted(RESOURCES))})",
                             connection=self.name)
        custom = self.custom_fields[resource]
        for record in self.client.query(spec.query(custom, cursor.start)):
            yield PolledRecord(id=record_id(record), updated_at=parse_datetime(record[MODSTAMP]),
                               data={"customer": spec.to_customer(record, custom), "record": record})

    def close(self) -> None:
        self.client.close()
