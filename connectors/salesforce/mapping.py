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
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

SYSTEM = "salesforce"
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COUNTRY_NAMES = {
    "united states": "US", "usa": "US", "united states of america": "US", "canada": "CA",
    "united kingdom": "GB", "uk": "GB", "great britain": "GB", "germany": "DE", "deutschland": "DE",
    "france": "FR", "spain": "ES", "italy": "IT", "netherlands": "NL", "switzerland": "CH",
    "austria": "AT", "belgium": "BE", "ireland": "IE", "australia": "AU", "japan": "JP",
    "singapore": "SG", "india": "IN", "china": "CN", "brazil": "BR", "mexico": "MX",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomFields:
    """Salesforce field names holding canonical values the standard object lacks (None: unused)."""

    email: str | None = None
    tax_id: str | None = None
    credit_limit: str | None = None
    currency: str | None = None  # CurrencyIsoCode in multi-currency orgs
    payment_term: str | None = None
    default_currency: str | None = None  # assumed when the record names no currency

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> CustomFields:
        """Build from one resource's ``custom_fields`` mapping."""
        return cls(**{k: v for k, v in (config or {}).items() if k in cls.__dataclass_fields__})

    def selected(self) -> tuple[str, ...]:
        """The record fields a query must select for these mappings."""
        names = (self.email, self.tax_id, self.credit_limit, self.currency, self.payment_term)
        return tuple(n for n in names if n)


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
    _put(customer, "name", _text(record.get("Name")))
    _put(customer, "phone", _text(record.get("Phone")))
    address = _address(record, "Billing", company=None)
    if address:
        customer["addresses"] = [address]
    return _ordered(customer)


def contact_to_customer(record: Mapping[str, Any], fields: CustomFields) -> dict[str, Any]:
    """A Contact as a canonical customer (standard Email; address from the Mailing* fields)."""
    customer = _common(record, fields, "Contact")
    _put(customer, "name", _text(record.get("Name")) or _full_name(record))
    _put(customer, "email", _email(record.get("Email")) or customer.get("email"))
    _put(customer, "phone", _text(record.get("Phone")) or _text(record.get("MobilePhone")))
    account = record.get("Account") or {}
    address = _address(record, "Mailing", company=_text(account.get("Name")))
    if address:
        customer["addresses"] = [address]
    if record.get("AccountId"):
        customer["attributes"]["account_id"] = str(record["AccountId"])
    return _ordered(customer)


def _common(record: Mapping[str, Any], fields: CustomFields, sobject: str) -> dict[str, Any]:
    """What Accounts and Contacts share: configured custom fields, refs and attributes."""
    customer: dict[str, Any] = {}
    _put(customer, "email", _email(record.get(fields.email)) if fields.email else None)
    _put(customer, "tax_id", _text(record.get(fields.tax_id)) if fields.tax_id else None)
    _put(customer, "payment_term", _text(record.get(fields.payment_term)) if fields.payment_term else None)
    currency = _text(record.get(fields.currency)) if fields.currency else None
    _put(customer, "currency", (currency or fields.default_currency or "").upper() or None)
    limit = record.get(fields.credit_limit) if fields.credit_limit else None
    _put(customer, "credit_limit", None if limit is None else str(limit))
    customer["external_refs"] = [{"system": SYSTEM, "id": record_id(record)}]
    customer["attributes"] = {"sobject": (record.get("attributes") or {}).get("type") or sobject}
    return customer


def _address(record: Mapping[str, Any], prefix: str, *, company: str | None) -> dict[str, Any] | None:
    """``<prefix>Street/City/State/PostalCode/Country`` as a canonical billing address."""
    street = (_text(record.get(f"{prefix}Street")) or "").splitlines()
    raw_country = _text(record.get(f"{prefix}CountryCode")) or _text(record.get(f"{prefix}Country"))
    parts = {
        "line1": street[0] if street else None,
        "line2": ", ".join(street[1:]) or None,
        "city": _text(record.get(f"{prefix}City")),
        "region": _text(record.get(f"{prefix}StateCode")) or _text(record.get(f"{prefix}State")),
        "postal_code": _text(record.get(f"{prefix}PostalCode")),
        "country": country_code(raw_country),
    }
    found = {k: v for k, v in parts.items() if v}
    if not found:
        return None
    return {"kind": "billing", **({"company": company} if company else {}), **found}


def country_code(value: str | None) -> str | None:
    """An ISO 3166 alpha-2 code from a code or a common English country name; None if unknown."""
    text = (value or "").strip()
    if re.fullmatch(r"[A-Za-z]{2}", text):
        return text.upper()
    return _COUNTRY_NAMES.get(text.lower())


def _full_name(record: Mapping[str, Any]) -> str | None:
    names = (_text(record.get("FirstName")), _text(record.get("LastName")))
    return " ".join(n for n in names if n) or None


def _email(value: Any) -> str | None:
    """A usable e-mail address, or None (CRM data holds typos the canonical schema refuses)."""
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


_ORDER = ("name", "email", "phone", "tax_id", "currency", "credit_limit", "payment_term",
          "addresses", "external_refs", "attributes")


def _ordered(customer: dict[str, Any]) -> dict[str, Any]:
    """Keys in the schema's order, so stored and logged records read the same way."""
    return {k: customer[k] for k in _ORDER if k in customer}
