"""What the UBL and CII writers share: the seller, amounts as text, units and tax categories."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from hub.money import quantize

EN16931 = "urn:cen.eu:en16931:2017"
INVOICE, CREDIT_NOTE = "380", "381"
CREDIT_TRANSFER = "58"  # SEPA credit transfer (UNTDID 4461)
UNKNOWN_INVOICE = "unknown"  # a credit note whose XML names no invoice it credits

# Canonical units → UN/ECE Recommendation 20 codes; anything else passes through as written.
UNIT_CODES = {None: "C62", "": "C62", "unit": "C62", "piece": "H87", "hour": "HUR", "day": "DAY",
              "kg": "KGM", "g": "GRM", "m": "MTR", "l": "LTR", "month": "MON"}
UNIT_NAMES = {code: name for name, code in UNIT_CODES.items() if name}


@dataclass(frozen=True, slots=True, kw_only=True)
class Seller:
    """The issuing company, from configuration (``einvoice.seller`` or a mapping in code)."""

    name: str
    vat_id: str
    country: str
    line1: str | None = None
    city: str | None = None
    postal_code: str | None = None
    iban: str | None = None
    email: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Seller:
        """``{name, vat_id, iban, email, address: {line1, city, postal_code, country}}``."""
        address = config.get("address") or {}
        return cls(name=config["name"], vat_id=config["vat_id"], country=address.get("country", config.get("country", "")),
                   line1=address.get("line1"), city=address.get("city"), postal_code=address.get("postal_code"),
                   iban=config.get("iban"), email=config.get("email"))


def amount(value: Any, currency: str) -> str:
    """An amount as XML text at the currency's minor unit."""
    return str(quantize(value, currency))


def plain(value: Any) -> str:
    """A quantity or percentage without trailing zeros ("2", "2.5", "19")."""
    number = Decimal(str(value)).normalize()
    return format(number, "f")


def unit_code(unit: str | None) -> str:
    return UNIT_CODES.get(unit, unit or "C62")


def tax_category(rate: Decimal | None) -> str:
    """EN 16931 VAT category: S (standard) for a positive rate, Z (zero rated) for 0."""
    return "S" if rate is None or rate > 0 else "Z"


def line_rate(invoice: Mapping[str, Any], line: Mapping[str, Any]) -> Decimal:
    """The VAT rate of a line: its own tax line, else the invoice's first (0 without any)."""
    for source in (line.get("tax_lines"), invoice.get("tax_lines")):
        for tax in source or []:
            if tax.get("rate") is not None:
                return Decimal(tax["rate"])
    return Decimal(0)


def percent(rate: Decimal) -> str:
    return plain(Decimal(rate) * 100)


def line_total(line: Mapping[str, Any]) -> Decimal:
    """The line's net amount: its line_total, else quantity × unit price − discount."""
    if line.get("line_total") is not None:
        return Decimal(line["line_total"])
    return Decimal(line["quantity"]) * Decimal(line.get("unit_price", 0)) - Decimal(line.get("discount", 0))


def totals(invoice: Mapping[str, Any]) -> dict[str, Decimal]:
    """Line total sum, tax basis, tax, grand total, prepaid and payable of a canonical invoice."""
    currency = invoice["currency"]
    lines = quantize(sum((line_total(li) for li in invoice.get("lines", [])), Decimal(0)), currency)
    grand = quantize(invoice["total"], currency)
    tax = quantize(invoice.get("tax_total", sum((Decimal(t["amount"]) for t in invoice.get("tax_lines", [])), Decimal(0))), currency)
    basis = quantize(invoice.get("subtotal", grand - tax), currency)
    payable = quantize(invoice.get("amount_due", grand), currency)
    return {"lines": lines, "basis": basis, "tax": tax, "grand": grand, "prepaid": grand - payable, "payable": payable}
