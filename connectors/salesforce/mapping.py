"""Salesforce Account / Contact records → canonical customer (pure: no I/O, no requests).

    account_to_customer({"Id": "001…", "Name": "Acme", "BillingCity": "Berlin", …}, CustomFields())
    → {"name": "Acme", "addresses": [{"kind": "billing", "city": "Berlin"}],
       "external_refs": [{"system": "salesforce", "id": "001…"}], "attributes": {"sobject": "Account"}}

Standard Accounts have no e-mail, tax id or credit limit: :class:`CustomFields` names the
(custom) fields that hold them, e.g. ``Billing_Email__c``, ``VAT_Number__c``, ``Credit_Limit__c``.
A record's id is its ``Id``, or the last segment of ``attributes.url`` when ``Id`` was not
selected (as in Salesforce's own recorded responses).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from connectors.common.customers import (
    CustomNames, billing_address, clean_text, country_code, full_name, in_schema_order, set_or_drop, valid_email,
)

SYSTEM = "salesforce"


class CustomFields(CustomNames):
    """Salesforce field names holding canonical values the standard object lacks (None: unused);
    ``custom_fields`` in config. ``currency`` is ``CurrencyIsoCode`` in multi-currency orgs."""

    __slots__ = ()

    def selected(self) -> tuple[str, ...]:
        """The record fields a query must select for these mappings."""
        return self.names()


def record_id(record: Mapping[str, Any]) -> str:
    """The record's 15/18-character id (``Id``, else the tail of ``attributes.url``)."""
    if record.get("Id"):
        return str(record["Id"])
    url = (record.get("attributes") or {}).get("url") or ""
    return url.rstrip("/").rsplit("/", 1)[-1]


def parse_datetime(value: str) -> datetime:
    """A Salesforce dateTime (``2024-01-15T10:20:30.000+0000``) as an aware UTC datetime."""
    moment = datetime.fromisoformat(re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", value.replace("Z", "+00:00")))
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(timezone.utc)


def account_to_customer(record: Mapping[str, Any], fields: CustomFields) -> dict[str, Any]:
    """An Account as a canonical customer (billing address from the Billing* fields)."""
    customer = _common(record, fields, "Account")
    set_or_drop(customer, "name", clean_text(record.get("Name")))
    set_or_drop(customer, "phone", clean_text(record.get("Phone")))
    address = _address(record, "Billing", company=None)
    if address:
        customer["addresses"] = [address]
    return in_schema_order(customer)


def contact_to_customer(record: Mapping[str, Any], fields: CustomFields) -> dict[str, Any]:
    """A Contact as a canonical customer (standard Email; address from the Mailing* fields)."""
    customer = _common(record, fields, "Contact")
    name = clean_text(record.get("Name")) or full_name(record.get("FirstName"), record.get("LastName"))
    set_or_drop(customer, "name", name)
    set_or_drop(customer, "email", valid_email(record.get("Email")) or customer.get("email"))
    set_or_drop(customer, "phone", clean_text(record.get("Phone")) or clean_text(record.get("MobilePhone")))
    account = record.get("Account") or {}
    address = _address(record, "Mailing", company=clean_text(account.get("Name")))
    if address:
        customer["addresses"] = [address]
    if record.get("AccountId"):
        customer["attributes"]["account_id"] = str(record["AccountId"])
    return in_schema_order(customer)


def _common(record: Mapping[str, Any], fields: CustomFields, sobject: str) -> dict[str, Any]:
    """What Accounts and Contacts share: configured custom fields, refs and attributes."""
    customer: dict[str, Any] = {}
    set_or_drop(customer, "email", valid_email(record.get(fields.email)) if fields.email else None)
    set_or_drop(customer, "tax_id", clean_text(record.get(fields.tax_id)) if fields.tax_id else None)
    set_or_drop(customer, "payment_term", clean_text(record.get(fields.payment_term)) if fields.payment_term else None)
    currency = clean_text(record.get(fields.currency)) if fields.currency else None
    set_or_drop(customer, "currency", (currency or fields.default_currency or "").upper() or None)
    limit = record.get(fields.credit_limit) if fields.credit_limit else None
    set_or_drop(customer, "credit_limit", None if limit is None else str(limit))
    customer["external_refs"] = [_ref(record)]
    customer["attributes"] = {"sobject": (record.get("attributes") or {}).get("type") or sobject}
    return customer


def _ref(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record's id, versioned by ``SystemModstamp`` (every write, system ones included),
    else ``LastModifiedDate``, when the query selected one of them."""
    ref = {"system": SYSTEM, "id": record_id(record)}
    stamp = record.get("SystemModstamp") or record.get("LastModifiedDate")
    if stamp:
        ref["version"] = parse_datetime(stamp).isoformat()
    return ref


def _address(record: Mapping[str, Any], prefix: str, *, company: str | None) -> dict[str, Any] | None:
    """``<prefix>Street/City/State/PostalCode/Country`` as a canonical billing address."""
    street = (clean_text(record.get(f"{prefix}Street")) or "").splitlines()
    raw_country = clean_text(record.get(f"{prefix}CountryCode")) or clean_text(record.get(f"{prefix}Country"))
    parts = {
        "line1": street[0] if street else None,
        "line2": ", ".join(street[1:]) or None,
        "city": clean_text(record.get(f"{prefix}City")),
        "region": clean_text(record.get(f"{prefix}StateCode")) or clean_text(record.get(f"{prefix}State")),
        "postal_code": clean_text(record.get(f"{prefix}PostalCode")),
        "country": country_code(raw_country),
    }
    return billing_address(parts, company=company)
