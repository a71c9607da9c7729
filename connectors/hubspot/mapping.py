"""HubSpot CRM v3 contacts / companies → canonical customer (pure: no I/O, no requests).

    contact_to_customer({"id": "501", "properties": {"firstname": "Johnnie", "email": "j@x.com", …}},
                        CustomProperties())
    → {"name": "Johnnie Heller", "email": "j@x.com",
       "external_refs": [{"system": "hubspot", "id": "501", "version": "2025-01-27T19:53:15.581000+00:00"}],
       "attributes": {"object": "contacts"}}

HubSpot has no standard tax id, credit limit or billing e-mail on companies:
:class:`CustomProperties` names the (custom) properties that hold them. ``country`` is free text
in HubSpot; codes and common English names become ISO 3166 codes, anything else is left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from connectors.common.customers import (
    CustomNames, billing_address, clean_text, country_code, full_name, in_schema_order, set_or_drop, valid_email,
)

SYSTEM = "hubspot"


class CustomProperties(CustomNames):
    """HubSpot property names holding canonical values (None: unused); ``custom_properties`` in config."""

    __slots__ = ()

    def requested(self) -> tuple[str, ...]:
        """The properties a search must ask for to fill these mappings."""
        return self.names()


def parse_datetime(value: str) -> datetime:
    """A HubSpot timestamp (``2025-01-27T19:53:15.581Z`` or epoch milliseconds) in UTC."""
    text = str(value).strip()
    if text.isdigit():
        return datetime.fromtimestamp(int(text) / 1000, tz=timezone.utc)
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)


def modified_at(record: Mapping[str, Any], modified_property: str) -> datetime:
    """When the record last changed: the modified-date property, else ``updatedAt``."""
    value = (record.get("properties") or {}).get(modified_property) or record["updatedAt"]
    return parse_datetime(value)


def contact_to_customer(record: Mapping[str, Any], custom: CustomProperties) -> dict[str, Any]:
    """A contact as a canonical customer (its company name goes on the address)."""
    props = record.get("properties") or {}
    customer = _common(record, props, custom, "contacts")
    set_or_drop(customer, "name", full_name(props.get("firstname"), props.get("lastname")))
    set_or_drop(customer, "email", valid_email(props.get("email")) or customer.get("email"))
    set_or_drop(customer, "phone", clean_text(props.get("phone")) or clean_text(props.get("mobilephone")))
    _put_address(customer, props, company=clean_text(props.get("company")), line2=None)
    return in_schema_order(customer)


def company_to_customer(record: Mapping[str, Any], custom: CustomProperties) -> dict[str, Any]:
    """A company as a canonical customer; its domain is kept in attributes."""
    props = record.get("properties") or {}
    customer = _common(record, props, custom, "companies")
    set_or_drop(customer, "name", clean_text(props.get("name")) or clean_text(props.get("domain")))
    set_or_drop(customer, "phone", clean_text(props.get("phone")))
    _put_address(customer, props, company=None, line2=clean_text(props.get("address2")))
    if clean_text(props.get("domain")):
        customer["attributes"]["domain"] = clean_text(props.get("domain"))
    return in_schema_order(customer)


def _common(record: Mapping[str, Any], props: Mapping[str, Any], custom: CustomProperties, kind: str) -> dict[str, Any]:
    """Configured custom properties, the external ref and attributes."""
    customer: dict[str, Any] = {}
    set_or_drop(customer, "email", valid_email(props.get(custom.email)) if custom.email else None)
    set_or_drop(customer, "tax_id", clean_text(props.get(custom.tax_id)) if custom.tax_id else None)
    set_or_drop(customer, "payment_term", clean_text(props.get(custom.payment_term)) if custom.payment_term else None)
    currency = clean_text(props.get(custom.currency)) if custom.currency else None
    set_or_drop(customer, "currency", (currency or custom.default_currency or "").upper() or None)
    set_or_drop(customer, "credit_limit", clean_text(props.get(custom.credit_limit)) if custom.credit_limit else None)
    customer["external_refs"] = [_ref(record, props)]
    customer["attributes"] = {"object": kind, **({"archived": True} if record.get("archived") else {})}
    return customer


def _ref(record: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
    """The HubSpot id, versioned by ``updatedAt`` (the object's last change; present on every v3
    answer), else the modified-date property a search asked for."""
    ref = {"system": SYSTEM, "id": str(record["id"])}
    changed = record.get("updatedAt") or props.get("hs_lastmodifieddate") or props.get("lastmodifieddate")
    if changed:
        ref["version"] = parse_datetime(changed).isoformat()
    return ref


def _put_address(customer: dict[str, Any], props: Mapping[str, Any], *, company: str | None,
                 line2: str | None) -> None:
    parts = {"line1": clean_text(props.get("address")), "line2": line2, "city": clean_text(props.get("city")),
             "region": clean_text(props.get("state")), "postal_code": clean_text(props.get("zip")),
             "country": country_code(clean_text(props.get("country")))}
    address = billing_address(parts, company=company)
    if address:
        customer["addresses"] = [address]
