"""HubSpot CRM v3 contacts / companies → canonical customer (pure: no I/O, no requests).

    contact_to_customer({"id": "501", "properties": {"firstname": "Johnnie", "email": "j@x.com", …}},
                        CustomProperties())
    → {"name": "Johnnie Heller", "email": "j@x.com",
       "external_refs": [{"system": "hubspot", "id": "501"}], "attributes": {"object": "contacts"}}

HubSpot has no standard tax id, credit limit or billing e-mail on companies:
:class:`CustomProperties` names the (custom) properties that hold them. ``country`` is free text
in HubSpot; codes and common English names become ISO 3166 codes, anything else is left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from connectors.salesforce.mapping import country_code

SYSTEM = "hubspot"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ORDER = ("name", "email", "phone", "tax_id", "currency", "credit_limit", "payment_term",
          "addresses", "external_refs", "attributes")


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomProperties:
    """HubSpot property names holding canonical values (None: unused)."""

    email: str | None = None
    tax_id: str | None = None
    credit_limit: str | None = None
    currency: str | None = None
    payment_term: str | None = None
    default_currency: str | None = None  # assumed when the record names no currency

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> CustomProperties:
        """Build from one resource's ``custom_properties`` mapping."""
        return cls(**{k: v for k, v in (config or {}).items() if k in cls.__dataclass_fields__})

    def requested(self) -> tuple[str, ...]:
        """The properties a search must ask for to fill these mappings."""
        names = (self.email, self.tax_id, self.credit_limit, self.currency, self.payment_term)
        return tuple(n for n in names if n)


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
    names = (_text(props.get("firstname")), _text(props.get("lastname")))
    _put(customer, "name", " ".join(n for n in names if n) or None)
    _put(customer, "email", _email(props.get("email")) or customer.get("email"))
    _put(customer, "phone", _text(props.get("phone")) or _text(props.get("mobilephone")))
    _put_address(customer, props, company=_text(props.get("company")), line2=None)
    return _ordered(customer)


def company_to_customer(record: Mapping[str, Any], custom: CustomProperties) -> dict[str, Any]:
    """A company as a canonical customer; its domain is kept in attributes."""
    props = record.get("properties") or {}
    customer = _common(record, props, custom, "companies")
    _put(customer, "name", _text(props.get("name")) or _text(props.get("domain")))
    _put(customer, "phone", _text(props.get("phone")))
    _put_address(customer, props, company=None, line2=_text(props.get("address2")))
    if _text(props.get("domain")):
        customer["attributes"]["domain"] = _text(props.get("domain"))
    return _ordered(customer)


def _common(record: Mapping[str, Any], props: Mapping[str, Any], custom: CustomProperties, kind: str) -> dict[str, Any]:
    """Configured custom properties, the external ref and attributes."""
    customer: dict[str, Any] = {}
    _put(customer, "email", _email(props.get(custom.email)) if custom.email else None)
    _put(customer, "tax_id", _text(props.get(custom.tax_id)) if custom.tax_id else None)
    _put(customer, "payment_term", _text(props.get(custom.payment_term)) if custom.payment_term else None)
    currency = _text(props.get(custom.currency)) if custom.currency else None
    _put(customer, "currency", (currency or custom.default_currency or "").upper() or None)
    _put(customer, "credit_limit", _text(props.get(custom.credit_limit)) if custom.credit_limit else None)
    customer["external_refs"] = [{"system": SYSTEM, "id": str(record["id"])}]
    customer["attributes"] = {"object": kind, **({"archived": True} if record.get("archived") else {})}
    return customer


def _put_address(customer: dict[str, Any], props: Mapping[str, Any], *, company: str | None,
                 line2: str | None) -> None:
    parts = {"line1": _text(props.get("address")), "line2": line2, "city": _text(props.get("city")),
             "region": _text(props.get("state")), "postal_code": _text(props.get("zip")),
             "country": country_code(_text(props.get("country")))}
    found = {k: v for k, v in parts.items() if v}
    if found:
        customer["addresses"] = [{"kind": "billing", **({"company": company} if company else {}), **found}]


def _email(value: Any) -> str | None:
    text = _text(value)
    return text if text and _EMAIL.match(text) else None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        target.pop(key, None)
    else:
        target[key] = value


def _ordered(customer: dict[str, Any]) -> dict[str, Any]:
    return {k: customer[k] for k in _ORDER if k in customer}
