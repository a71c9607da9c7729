"""Canonical records ↔ Odoo values; pure, no I/O.

Odoo sends floats in JSON; every amount goes through :func:`exact` (``Decimal(str(value))``,
quantized to the currency), so 0.1 + 0.2 never becomes 0.30000000000000004.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from hub.money import quantize

INVOICE_FIELDS = ["name", "state", "payment_state", "move_type", "partner_id", "currency_id", "invoice_date",
                  "invoice_date_due", "invoice_origin", "amount_untaxed", "amount_tax", "amount_total",
                  "amount_residual", "write_date"]
PAYMENT_STATUS = {"paid": "paid", "in_payment": "paid", "partial": "partially_paid", "reversed": "credited"}


def exact(value: Any, currency: str) -> Decimal:
    """An Odoo number (float, int, Decimal or text) as an exact Decimal in ``currency``."""
    return quantize(Decimal(str(value if value not in (None, False) else 0)), currency)


def partner_ref(customer: Mapping[str, Any]) -> str | None:
    """The ``ref`` a canonical customer is known by in Odoo: its first external id."""
    refs = customer.get("external_refs") or []
    return f"{refs[0]['system']}:{refs[0]['id']}" if refs else None


def partner_values(customer: Mapping[str, Any]) -> dict[str, Any]:
    """res.partner values of a canonical customer (company when it has a tax id)."""
    address = next(iter(customer.get("addresses") or []), {})
    values = {
        "name": customer.get("name") or customer.get("email"), "email": customer.get("email"),
        "phone": customer.get("phone"), "vat": customer.get("tax_id"), "ref": partner_ref(customer),
        "street": address.get("line1"), "street2": address.get("line2"), "city": address.get("city"),
        "zip": address.get("postal_code"), "customer_rank": 1,
    }
    return {k: v for k, v in values.items() if v not in (None, "")}


def product_values(line: Mapping[str, Any], currency: str) -> dict[str, Any]:
    """product.product values for a line's SKU that Odoo does not know yet."""
    values = {"name": line.get("description") or line["sku"], "default_code": line["sku"]}
    if line.get("unit_price") is not None:
        values["list_price"] = quantize(line["unit_price"], currency)
    return values


def order_values(order: Mapping[str, Any], *, partner_id: int, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """sale.order values with its lines as one2many create commands; client_order_ref = order number."""
    values = {"partner_id": partner_id, "client_order_ref": order["number"], "order_line": [[0, 0, line] for line in lines]}
    if order.get("order_date"):
        values["date_order"] = f"{order['order_date'][:10]} 00:00:00"
    if order.get("notes"):
        values["note"] = order["notes"]
    return values


def line_values(line: Mapping[str, Any], *, product_id: int | None, currency: str) -> dict[str, Any]:
    """sale.order.line values of a canonical line."""
    values: dict[str, Any] = {"product_uom_qty": Decimal(str(line["quantity"])), "name": line.get("description") or line.get("sku")}
    if product_id is not None:
        values["product_id"] = product_id
    if line.get("unit_price") is not None:
        values["price_unit"] = Decimal(str(line["unit_price"]))
    return {k: v for k, v in values.items() if v is not None}


def invoice_from_odoo(move: Mapping[str, Any], *, system: str) -> dict[str, Any]:
    """A canonical invoice from an account.move read."""
    currency = _name(move.get("currency_id")) or "EUR"
    record = {
        "number": move.get("name") if move.get("name") not in (None, False, "/") else f"draft-{move['id']}",
        "kind": "credit_note" if move.get("move_type") == "out_refund" else "invoice",
        "customer": {"name": _name(move.get("partner_id")), "external_refs": _ref(system, move.get("partner_id"))},
        "currency": currency, "issue_date": move.get("invoice_date") or None, "due_date": move.get("invoice_date_due") or None,
        "order_number": move.get("invoice_origin") or None, "status": invoice_status(move),
        "subtotal": exact(move.get("amount_untaxed"), currency), "tax_total": exact(move.get("amount_tax"), currency),
        "total": exact(move.get("amount_total"), currency), "amount_due": exact(move.get("amount_residual"), currency),
        "external_refs": [_versioned({"system": system, "id": str(move["id"])}, move.get("write_date"))],
    }
    record["customer"] = {k: v for k, v in record["customer"].items() if v}
    # "is not" rather than "in": Decimal("0.00") == False, and a paid invoice's zero is news.
    return {k: v for k, v in record.items() if v is not None and v is not False}


def invoice_status(move: Mapping[str, Any]) -> str:
    """Canonical status from Odoo's state and payment_state."""
    if move.get("state") == "cancel":
        return "void"
    if move.get("state") != "posted":
        return "draft"
    return PAYMENT_STATUS.get(move.get("payment_state") or "", "open")


def odoo_datetime(value: str) -> datetime:
    """Odoo's ``YYYY-MM-DD HH:MM:SS`` (UTC) as an aware datetime."""
    return datetime.fromisoformat(value.replace("T", " ")).replace(tzinfo=timezone.utc)


def odoo_timestamp(moment: datetime) -> str:
    """An aware datetime as Odoo's UTC ``YYYY-MM-DD HH:MM:SS``."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def _name(many2one: Any) -> str | None:
    return many2one[1] if isinstance(many2one, list) and len(many2one) > 1 else None


def _versioned(ref: dict[str, str], write_date: Any) -> dict[str, str]:
    """``ref`` with the record's ``write_date`` (UTC) as its version, when the read had it."""
    return {**ref, "version": odoo_datetime(write_date).isoformat()} if write_date else ref


def _ref(system: str, many2one: Any) -> list[dict[str, str]] | None:
    return [{"system": system, "id": str(many2one[0])}] if isinstance(many2one, list) and many2one else None
