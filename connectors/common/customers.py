"""Pieces of a canonical customer that the CRM mappings share (pure: no I/O, no requests).

    country_code("Deutschland")                                   → "DE"
    full_name(" Ada ", None)                                      → "Ada"
    billing_address({"line1": "Main St 1", "city": None}, company="Acme")
    → {"kind": "billing", "company": "Acme", "line1": "Main St 1"}
    bank_account("de89 3704 0044 0532 0130 00", "cobadeffxxx")
    → {"iban": "DE89370400440532013000", "bic": "COBADEFFXXX"}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stdnum import iban

CUSTOMER_KEYS = ("name", "email", "phone", "tax_id", "currency", "credit_limit", "payment_term",
                 "addresses", "external_refs", "attributes")
_BIC = re.compile(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_COUNTRY_NAMES = {
    "united states": "US", "usa": "US", "united states of america": "US", "canada": "CA",
    "united kingdom": "GB", "uk": "GB", "great britain": "GB", "germany": "DE", "deutschland": "DE",
    "france": "FR", "spain": "ES", "italy": "IT", "netherlands": "NL", "switzerland": "CH",
    "austria": "AT", "belgium": "BE", "ireland": "IE", "australia": "AU", "japan": "JP",
    "singapore": "SG", "india": "IN", "china": "CN", "brazil": "BR", "mexico": "MX",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomNames:
    """Names of the CRM fields holding canonical values its standard objects lack (None: unused)."""

    email: str | None = None
    tax_id: str | None = None
    credit_limit: str | None = None
    currency: str | None = None
    payment_term: str | None = None
    default_currency: str | None = None  # assumed when the record names no currency

    @classmethod
    def from_config(cls, config: Mapping[str, Any] | None) -> CustomNames:
        """Build from one resource's custom fields mapping (unknown keys are ignored)."""
        return cls(**{k: v for k, v in (config or {}).items() if k in cls.__dataclass_fields__})

    def names(self) -> tuple[str, ...]:
        """The configured field names, the ones a query must ask for."""
        names = (self.email, self.tax_id, self.credit_limit, self.currency, self.payment_term)
        return tuple(n for n in names if n)


def clean_text(value: Any) -> str | None:
    """``value`` as stripped text; None for None and blank values."""
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def valid_email(value: Any) -> str | None:
    """A usable e-mail address, or None (CRM data holds typos the canonical schema refuses)."""
    text = clean_text(value)
    return text if text and _EMAIL.match(text) else None


def full_name(*names: Any) -> str | None:
    """The non-blank parts joined by spaces (first and last name), or None."""
    parts = (clean_text(name) for name in names)
    return " ".join(part for part in parts if part) or None


def country_code(value: str | None) -> str | None:
    """An ISO 3166 alpha-2 code from a code or a common English country name; None if unknown."""
    text = (value or "").strip()
    if re.fullmatch(r"[A-Za-z]{2}", text):
        return text.upper()
    return _COUNTRY_NAMES.get(text.lower())


def billing_address(parts: Mapping[str, str | None], *, company: str | None) -> dict[str, Any] | None:
    """A canonical billing address from its non-empty ``parts``; None when all are empty."""
    found = {k: v for k, v in parts.items() if v}
    if not found:
        return None
    return {"kind": "billing", **({"company": company} if company else {}), **found}


def set_or_drop(target: dict[str, Any], key: str, value: Any) -> None:
    """``target[key] = value``, or no ``key`` at all when ``value`` is None."""
    if value is None:
        target.pop(key, None)
    else:
        target[key] = value


def in_schema_order(customer: Mapping[str, Any]) -> dict[str, Any]:
    """Keys in the schema's order, so stored and logged records read the same way."""
    return {k: customer[k] for k in CUSTOMER_KEYS if k in customer}


def bank_account(number: Any, bic: Any = None) -> dict[str, str] | None:
    """An account number a source system holds (an ERP's party bank account) as a canonical bank
    account: the IBAN without spaces, with the bank's BIC when it is a well-formed one; None when
    the number is not an IBAN with good check digits (a domestic account number, a typo an
    import let through)."""
    number = clean_text(number)
    if not number or not iban.is_valid(number):
        return None
    account = {"iban": iban.compact(number)}
    code = (clean_text(bic) or "").replace(" ", "").upper()
    return {**account, "bic": code} if _BIC.match(code) else account
