"""Canonical records ↔ Odoo values; pure, no I/O.

Odoo sends floats in JSON; every amount goes through :func:`exact` (``Decimal(str(value))``,
quantized to the currency), so 0.1 + 0.2 never becomes 0.30000000000000004.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from typing import Any

from hub.canonical import payment_reference_ok
from hub.money import quantize, to_decimal
from hub.o2c.orders.net_lines import NetLine
from hub.o2c.settlement import credit_reference, payout_reference

INVOICE_FIELDS = ["name", "state", "payment_state", "move_type", "partner_id", "currency_id", "invoice_date",
                  "invoice_date_due", "invoice_origin", "amount_untaxed", "amount_tax", "amount_total",
                  "amount_residual", "write_date", "invoice_line_ids", "reversed_entry_id", "ref",
                  "payment_reference", "commercial_partner_id"]
INVOICE_LINE_FIELDS = ["move_id", "sequence", "display_type", "product_id", "name", "quantity", "price_unit",
                       "price_subtotal", "tax_ids"]
INVOICE_TAX_FIELDS = ["name", "amount", "amount_type", "price_include"]
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


def product_values(line: NetLine, *, price_digits: int) -> dict[str, Any]:
    """product.product values for a line's SKU that Odoo does not know yet (list price before tax)."""
    values: dict[str, Any] = {"name": line.description, "default_code": line.sku}
    if line.quantity:
        values["list_price"] = (line.net_amount / line.quantity).quantize(Decimal(1).scaleb(-price_digits))
    return values


def service_values(code: str, name: str) -> dict[str, Any]:
    """product.product values of a service the hub books charges on (shipping, adjustments)."""
    return {"name": name, "default_code": code, "type": "service", "list_price": Decimal(0)}


def order_values(order: Mapping[str, Any], *, partner_id: int, lines: list[dict[str, Any]],
                 pricelist_id: int | None = None) -> dict[str, Any]:
    """sale.order values with its lines as one2many create commands; client_order_ref = order number.

    The pricelist sets the order's currency in Odoo (without one, the company's currency).
    """
    values = {"partner_id": partner_id, "client_order_ref": order["number"], "order_line": [[0, 0, line] for line in lines]}
    if pricelist_id is not None:
        values["pricelist_id"] = pricelist_id
    if order.get("order_date"):
        values["date_order"] = f"{order['order_date'][:10]} 00:00:00"
    if order.get("notes"):
        values["note"] = order["notes"]
    return values


def price_parts(net: Decimal, quantity: Decimal, digits: int, currency: str) -> list[tuple[Decimal, Decimal]]:
    """(quantity, unit price) pairs whose amounts add up to ``net``, prices at ``digits`` decimals.

    Odoo rounds ``price_unit`` to its "Product Price" precision (2 decimals by default) and a
    line's amount to the currency, so 1234.57 for 250 units (4.93828...) is no one price: a
    whole quantity is then split into units at the price rounded down and units a step above
    (43 × 4.93 + 207 × 4.94). A quantity that cannot be split exactly keeps the nearest price;
    the order's total check books what is left on the adjustment line.
    """
    step = Decimal(1).scaleb(-digits)
    if not quantity:
        return [(quantity, Decimal(0).quantize(step))]
    price = net / quantity
    nearest = price.quantize(step, rounding=ROUND_HALF_UP)
    if quantize(quantity * nearest, currency) == net:
        return [(quantity, nearest)]
    low = price.quantize(step, rounding=ROUND_FLOOR)
    above = (net - quantity * low) / step  # how many units take the price a step higher
    if quantity == quantity.to_integral_value() and above == above.to_integral_value() and 0 < above < quantity:
        return [(above, low + step), (quantity - above, low)]
    return [(quantity, nearest)]


def order_line_values(line: NetLine, *, product_id: int | None, quantity: Decimal, price_unit: Decimal,
                      tax_field: str, tax_ids: list[int]) -> dict[str, Any]:
    """sale.order.line values: a price before tax, no percentage discount, exactly these taxes.

    The taxes are always written (an empty list included): left out, Odoo would put the
    product's default taxes on the line.
    """
    values: dict[str, Any] = {"name": line.description, "product_uom_qty": quantity, "price_unit": price_unit,
                              "discount": Decimal(0), tax_field: [[6, 0, list(tax_ids)]]}
    if product_id is not None:
        values["product_id"] = product_id
    return values


def adjustment_line_values(order: Mapping[str, Any], difference: Decimal, *, product_id: int,
                           tax_field: str) -> dict[str, Any]:
    """The untaxed line that brings Odoo's total to the storefront's, stating why."""
    return {
        "product_id": product_id,
        "name": (f"Adjustment to the storefront total of order {order['number']} "
                 f"({order['totals']['total']} {order['currency']}): rounding Odoo cannot reproduce"),
        "product_uom_qty": Decimal(1),
        "price_unit": difference,
        "discount": Decimal(0),
        tax_field: [[6, 0, []]],
    }


def tax_percent(rate: Decimal) -> Decimal:
    """A canonical rate (0.19) as Odoo's percent tax ``amount`` (19), normalized for comparison."""
    return (to_decimal(rate) * 100).normalize()






def wizard_values(payment: Mapping[str, Any], amount: Decimal, *, currency_id: int,
                  journal_id: int | None) -> dict[str, Any]:
    """account.payment.register values paying ``amount`` of an invoice; what it leaves unpaid stays open."""
    values = {"amount": amount, "currency_id": currency_id, "communication": payment["reference"],
              "payment_difference_handling": "open", "payment_date": payment_date(payment),
              "journal_id": journal_id}
    return {k: v for k, v in values.items() if v is not None}


def credit_payment_values(payment: Mapping[str, Any], amount: Decimal, *, partner_id: int, currency_id: int,
                          journal_id: int | None, reference_field: str) -> dict[str, Any]:
    """account.payment values of an inbound customer payment left unreconciled: the customer's credit."""
    values = {"payment_type": "inbound", "partner_type": "customer", "partner_id": partner_id, "amount": amount,
              "currency_id": currency_id, "date": payment_date(payment),
              reference_field: credit_reference(payment["reference"]), "journal_id": journal_id}
    return {k: v for k, v in values.items() if v is not None}




def payout_values(payment: Mapping[str, Any], amount: Decimal, *, partner_id: int, currency_id: int,
                  journal_id: int | None, reference_field: str) -> dict[str, Any]:
    """account.payment values of money paid back to the customer outside any credit note."""
    values = {"payment_type": "outbound", "partner_type": "customer", "partner_id": partner_id, "amount": amount,
              "currency_id": currency_id, "date": payment_date(payment),
              reference_field: payout_reference(payment["reference"]), "journal_id": journal_id}
    return {k: v for k, v in values.items() if v is not None}


def credit_note_values(invoice: Mapping[str, Any], reason: str, lines: list[dict[str, Any]]) -> dict[str, Any]:
    """account.move values of a credit note of ``invoice`` (an account.move read) with ``lines``;
    the ref as Odoo's reversal wizard writes it, ending with the reason."""
    values = {"move_type": "out_refund", "partner_id": invoice["partner_id"][0], "currency_id": invoice["currency_id"][0],
              "reversed_entry_id": invoice["id"], "invoice_origin": invoice.get("invoice_origin") or None,
              "ref": f"Reversal of: {invoice['name']}, {reason}", "invoice_line_ids": [[0, 0, line] for line in lines]}
    return {k: v for k, v in values.items() if v is not None}


def payment_date(payment: Mapping[str, Any]) -> str | None:
    """``YYYY-MM-DD`` of the value date, else of the day the payment was received (None: Odoo's today)."""
    value = payment.get("value_date") or payment.get("received_at")
    return str(value)[:10] if value else None


def invoice_from_odoo(move: Mapping[str, Any], *, system: str, email: str | None = None,
                      lines: Sequence[Mapping[str, Any]] = (), products: Mapping[int, str] | None = None,
                      taxes: Mapping[int, Mapping[str, Any]] | None = None,
                      order_number: str | None = None,
                      bank_accounts: Sequence[Mapping[str, str]] = ()) -> dict[str, Any]:
    """A canonical invoice from an account.move read, with the partner's ``email`` and
    ``bank_accounts`` (canonical ones) and the move's invoice lines (``account.move.line`` rows
    read with ``INVOICE_LINE_FIELDS``; SKUs from ``products``: id → default_code, taxes from
    ``taxes``: id → account.tax row).
    ``order_number`` is a credit note's: that of the invoice it reverses."""
    currency = _name(move.get("currency_id")) or "EUR"
    credit_note = move.get("move_type") == "out_refund"
    record = {
        "number": move.get("name") if move.get("name") not in (None, False, "/") else f"draft-{move['id']}",
        "kind": "credit_note" if credit_note else "invoice",
        "credits_invoice": _name(move.get("reversed_entry_id")) if credit_note else None,
        "customer": {"name": _name(move.get("partner_id")), "email": email or None,
                     "bank_accounts": list(bank_accounts), "external_refs": _ref(system, move.get("partner_id"))},
        "currency": currency, "issue_date": move.get("invoice_date") or None, "due_date": move.get("invoice_date_due") or None,
        "order_number": order_number or order_number_of(move), "status": invoice_status(move),
        "subtotal": exact(move.get("amount_untaxed"), currency), "tax_total": exact(move.get("amount_tax"), currency),
        "total": exact(move.get("amount_total"), currency), "amount_due": exact(move.get("amount_residual"), currency),
        "payment_reference": payment_reference(move),
        "lines": invoice_lines_from_odoo(lines, currency=currency, products=products or {}, taxes=taxes or {}) or None,
        "external_refs": [_versioned({"system": system, "id": str(move["id"])}, move.get("write_date"))],
    }
    record["customer"] = {k: v for k, v in record["customer"].items() if v}
    # "is not" rather than "in": Decimal("0.00") == False, and a paid invoice's zero is news.
    return {k: v for k, v in record.items() if v is not None and v is not False}


def payment_reference(move: Mapping[str, Any]) -> str | None:
    """The reference Odoo printed on the invoice for the payer to quote (``payment_reference``:
    the invoice's name, or a structured RF reference by the journal's setting); left out when it
    is no reference a payment could quote (too short, longer than 40, an RF with wrong check
    digits), so the invoice is never lost for it."""
    value = move.get("payment_reference")
    if not isinstance(value, str) or len(value.strip()) > 40 or not payment_reference_ok(value.strip()):
        return None
    return value.strip()


def order_number_of(move: Mapping[str, Any]) -> str | None:
    """The storefront order number an invoice bills: Odoo's invoicing copies the sale order's
    customer reference (client_order_ref, where orders are booked under their number) into the
    invoice's ``ref``; ``invoice_origin`` (the sale order's own name) for an invoice without one.
    A credit note's ``ref`` says what it reverses, not an order."""
    if move.get("move_type") != "out_refund" and move.get("ref"):
        return move["ref"]
    return move.get("invoice_origin") or None


def invoice_lines_from_odoo(rows: Sequence[Mapping[str, Any]], *, currency: str, products: Mapping[int, str],
                            taxes: Mapping[int, Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Canonical lines of one move's invoice lines in Odoo's order (sequence, then id); section
    and note lines carry no amount and are left out."""
    billed = sorted((row for row in rows if (row.get("display_type") or "product") == "product"),
                    key=lambda row: (row.get("sequence") or 0, row["id"]))
    return [invoice_line_from_odoo(row, number, currency=currency, products=products, taxes=taxes)
            for number, row in enumerate(billed, 1)]


def invoice_line_from_odoo(row: Mapping[str, Any], number: int, *, currency: str, products: Mapping[int, str],
                           taxes: Mapping[int, Mapping[str, Any]]) -> dict[str, Any]:
    """One invoice line: SKU = the product's internal reference, its amount before tax, and each
    percent tax's share of it as Odoo rounds per line (price-excluded taxes on the line's base)."""
    subtotal = exact(row.get("price_subtotal"), currency)
    found = [taxes[tax_id] for tax_id in row.get("tax_ids") or [] if tax_id in taxes]
    line = {
        "line_number": number,
        "sku": products.get(_id(row.get("product_id"))) or None,
        "description": row.get("name") or None,
        "quantity": _plain_number(row.get("quantity")),
        "unit_price": _plain_number(row.get("price_unit")),
        "line_total": subtotal,
        "tax_lines": [_line_tax(tax, subtotal, currency) for tax in found if tax.get("amount_type") == "percent"],
    }
    return {key: value for key, value in line.items() if value not in (None, [])}


def _line_tax(tax: Mapping[str, Any], base: Decimal, currency: str) -> dict[str, Any]:
    rate = to_decimal(tax.get("amount") or 0) / 100
    return {"name": tax.get("name") or f"{tax_percent(rate):f}%", "rate": rate.normalize(),
            "amount": quantize(base * rate, currency)}


def _plain_number(value: Any) -> Decimal:
    """An Odoo float (quantity, unit price) as the shortest exact Decimal: 2.0 → 2, 4.93 → 4.93."""
    number = Decimal(str(value or 0))
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()


def _id(many2one: Any) -> Any:
    return many2one[0] if isinstance(many2one, (list, tuple)) and many2one else many2one


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


def many2one_name(many2one: Any) -> str | None:
    """The display name of a many2one read as ``[id, name]`` (None when empty)."""
    return many2one[1] if isinstance(many2one, list) and len(many2one) > 1 else None


_name = many2one_name


def _versioned(ref: dict[str, str], write_date: Any) -> dict[str, str]:
    """``ref`` with the record's ``write_date`` (UTC) as its version, when the read had it."""
    return {**ref, "version": odoo_datetime(write_date).isoformat()} if write_date else ref


def _ref(system: str, many2one: Any) -> list[dict[str, str]] | None:
    return [{"system": system, "id": str(many2one[0])}] if isinstance(many2one, list) and many2one else None
