"""Canonical O2C records ↔ Tryton values. Pure: no I/O, ids of related records come in as
arguments, so every function is tested with JSON fixtures alone.

    customer      → party.party        party_values / party_changes / external_codes
    party.party   → customer reference customer_from_party
    address       → party.address      address_values / address_key
    product       → product.template   template_values / template_changes
    sales_order   → sale.sale (+lines) sale_values / sale_line_values (of hub.o2c.orders.net_lines) /
                                       adjustment_line_values / sale_result
    account.invoice → invoice          invoice_from_tryton (+ invoice_lines_from_tryton,
                                       invoice_taxes_from_tryton)
    payment       → pay wizard form    payment_form
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from hub.canonical import payment_reference_ok
from hub.money import quantize
from hub.o2c.orders.net_lines import NetLine

SYSTEM = "tryton"
INVOICE_STATUS = {"draft": "draft", "validated": "draft", "posted": "open", "paid": "paid", "cancelled": "void"}


def external_codes(record: Mapping[str, Any]) -> list[str]:
    """``"system:id"`` for every external ref: the stable keys a party is found by."""
    return [f"{ref['system']}:{ref['id']}" for ref in record.get("external_refs") or []]


def customer_from_party(party: Mapping[str, Any], accounts: Sequence[Mapping[str, str]] = ()) -> dict[str, Any]:
    """A ``party.party`` read (name, email) and its bank accounts → canonical customer
    reference, naming the party by its Tryton id too (empty values left out)."""
    customer = {"name": party.get("name"), "email": party.get("email"), "bank_accounts": list(accounts),
                "external_refs": [{"system": SYSTEM, "id": str(party["id"])}]}
    return {key: value for key, value in customer.items() if value}


def party_name(customer: Mapping[str, Any]) -> str:
    """The party's name: the customer's name, else its e-mail."""
    return customer.get("name") or customer["email"]


def party_values(customer: Mapping[str, Any], addresses: list[dict[str, Any]]) -> dict[str, Any]:
    """``party.party`` create values: name, e-mail and phone contacts, identifiers, addresses."""
    contacts = [{"type": kind, "value": customer[key]} for key, kind in (("email", "email"), ("phone", "phone"))
                if customer.get(key)]
    return {
        "name": party_name(customer),
        "contact_mechanisms": [("create", contacts)],
        "identifiers": [("create", [{"code": code} for code in external_codes(customer)])],
        "addresses": [("create", addresses or [{}])],
    }


def party_changes(customer: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The party fields to write so ``current`` (name) matches ``customer``."""
    name = party_name(customer)
    return {"name": name} if current.get("name") != name else {}


def address_values(address: Mapping[str, Any], country_id: int | None) -> dict[str, Any]:
    """``party.address`` values of a canonical address (country only when Tryton knows it)."""
    street = "\n".join(address[key] for key in ("line1", "line2") if address.get(key))
    values = {"street": street or None, "city": address.get("city"), "postal_code": address.get("postal_code"),
              "party_name": address.get("name") or address.get("company"), "country": country_id}
    return {key: value for key, value in values.items() if value is not None}


def address_key(values: Mapping[str, Any]) -> tuple:
    """What makes two addresses the same: street, postal code, city and country."""
    return tuple((values.get(key) or None) for key in ("street", "postal_code", "city", "country"))


def template_values(product: Mapping[str, Any], *, uom_id: int, category_id: int | None,
                    kind: str) -> dict[str, Any]:
    """``product.template`` create values with one variant whose code is the SKU."""
    values = {
        "name": product.get("name") or product["sku"],
        "code": product["sku"],
        "type": kind,
        "default_uom": uom_id,
        "sale_uom": uom_id,
        "salable": product.get("active", True),
        "list_price": list_price(product),
        "account_category": category_id,
        "products": [("create", [{"suffix_code": None}])],
    }
    return {key: value for key, value in values.items() if value is not None}


def template_changes(product: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The template fields to write so ``current`` matches ``product``."""
    wanted = {"name": product.get("name"), "list_price": list_price(product), "salable": product.get("active")}
    return {key: value for key, value in wanted.items() if value is not None and current.get(key) != value}


def list_price(product: Mapping[str, Any]) -> Decimal | None:
    """The unit price as exact Decimal at the currency's minor unit (None when absent)."""
    if product.get("unit_price") is None:
        return None
    return quantize(product["unit_price"], product.get("currency") or "XXX")


def sale_values(order: Mapping[str, Any], *, party_id: int, address_id: int, currency_id: int,
                payment_term_id: int | None) -> dict[str, Any]:
    """``sale.sale`` create values; ``reference`` carries the canonical order number."""
    values = {
        "party": party_id,
        "invoice_address": address_id,
        "shipment_address": address_id,
        "currency": currency_id,
        "reference": order["number"],
        "description": order.get("notes"),
        "sale_date": to_date(order.get("order_date")),
        "payment_term": payment_term_id,
    }
    return {key: value for key, value in values.items() if value is not None}


PRICE_DIGITS = Decimal("0.0001")  # Tryton's unit prices (product price_decimal)


def sale_line_values(line: NetLine, *, product_id: int | None, unit_id: int, tax_ids: list[int]) -> dict[str, Any]:
    """``sale.line`` values: quantity (a float field in Tryton), unit price before tax, taxes."""
    values = {
        "type": "line",
        "product": product_id,
        "description": line.description,
        "quantity": float(line.quantity),
        "unit": unit_id,
        "unit_price": unit_price(line.net_amount, line.quantity),
        "taxes": [("add", tax_ids)],
    }
    return {key: value for key, value in values.items() if value is not None}


def unit_price(net_amount: Decimal, quantity: Decimal) -> Decimal:
    """The unit price that gives ``net_amount`` for ``quantity``, at Tryton's 4 price digits.

    quantity × unit price may then miss the amount by a cent or so (250 × 4.9383 = 1234.575
    for 1234.57): the sale's total is checked afterwards and any difference booked on an
    adjustment line (see ``adjustment_line_values``), never left silent.
    """
    if not quantity:
        return Decimal(0)
    return (net_amount / quantity).quantize(PRICE_DIGITS)


def adjustment_line_values(order: Mapping[str, Any], difference: Decimal, *, product_id: int,
                           unit_id: int) -> dict[str, Any]:
    """The untaxed line that brings the ERP's total to the storefront's, stating why."""
    return {
        "type": "line",
        "product": product_id,
        "description": (f"Adjustment to the storefront total of order {order['number']} "
                        f"({order['totals']['total']} {order['currency']}): rounding the ERP cannot reproduce"),
        "quantity": 1.0,
        "unit": unit_id,
        "unit_price": difference,
        "taxes": [],
    }


def sale_result(sale: Mapping[str, Any]) -> dict[str, Any]:
    """What ``create_sale`` returns: id, number, reference, state and exact totals."""
    return {
        "id": sale["id"],
        "number": sale.get("number"),
        "reference": sale.get("reference"),
        "state": sale.get("state"),
        "untaxed_amount": sale.get("untaxed_amount"),
        "tax_amount": sale.get("tax_amount"),
        "total_amount": sale.get("total_amount"),
        "invoices": list(sale.get("invoices") or []),
    }


def invoice_from_tryton(invoice: Mapping[str, Any], *, currency: str, customer: Mapping[str, Any],
                        order_number: str | None = None, lines: Sequence[Mapping[str, Any]] = (),
                        taxes: Sequence[Mapping[str, Any]] = (), credits_invoice: str | None = None) -> dict[str, Any]:
    """A canonical invoice from an ``account.invoice`` read (Decimal and date values), with its
    ``account.invoice.line`` rows (``lines``) and ``account.invoice.tax`` rows (``taxes``) as read
    with ``INVOICE_LINE_FIELDS`` and ``INVOICE_TAX_FIELDS``.

    Tryton keeps a credit note as an invoice with negative amounts; the canonical credit note
    has kind credit_note, the amounts it credits (positive, its amount due what is still to
    be refunded), its lines the quantities it credits, and ``credits_invoice``, the number of
    the invoice its lines came from (``CREDITS_UNKNOWN`` when Tryton does not say: a credit
    note made by hand, not from an invoice).
    """
    total, due = invoice["total_amount"], invoice.get("amount_to_pay")
    sign = -1 if total < 0 else 1
    record = {
        "number": invoice.get("number") or f"draft-{invoice['id']}",
        "kind": "credit_note" if total < 0 else "invoice",
        "credits_invoice": (credits_invoice or CREDITS_UNKNOWN) if total < 0 else None,
        "customer": {key: value for key, value in customer.items() if value},
        "currency": currency,
        "issue_date": iso(invoice.get("invoice_date")),
        "due_date": iso(invoice.get("due_date")),
        "order_number": order_number,
        "status": invoice_status(invoice["state"], total, due),
        "subtotal": quantize(sign * invoice["untaxed_amount"], currency),
        "tax_total": quantize(sign * invoice["tax_amount"], currency),
        "total": quantize(sign * total, currency),
        "amount_due": quantize(sign * (due if due is not None else total), currency),
        "payment_reference": payment_reference(invoice) if total >= 0 else None,
        "lines": invoice_lines_from_tryton(lines, currency=currency, sign=sign) if lines else None,
        "tax_lines": invoice_taxes_from_tryton(taxes, currency=currency, sign=sign) if taxes else None,
        "external_refs": [_ref(invoice)],
    }
    return {key: value for key, value in record.items() if value is not None}


def payment_reference(invoice: Mapping[str, Any]) -> str | None:
    """The reference Tryton prints on a customer invoice for the payer to quote
    (``customer_payment_reference``: an RF creditor reference made from the invoice's or the
    party's number, as the accounting configuration says); left out when it is none a payment
    could quote, so the invoice is never lost for it."""
    value = invoice.get("customer_payment_reference")
    if not isinstance(value, str) or len(value.strip()) > 40 or not payment_reference_ok(value.strip()):
        return None
    return value.strip()


INVOICE_LINE_FIELDS = ["invoice", "sequence", "type", "product.code", "description", "quantity", "unit_price",
                       "amount", "taxes.name", "taxes.type", "taxes.rate", "taxes.amount", "origin"]
CREDITS_UNKNOWN = "unknown"


def credited_line_ids(rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """The invoice lines a credit note's lines were made from (their ``origin``)."""
    ids = []
    for row in rows:
        model, _, record_id = str(row.get("origin") or "").partition(",")
        if model == "account.invoice.line" and record_id.isdigit():
            ids.append(int(record_id))
    return ids
INVOICE_TAX_FIELDS = ["invoice", "sequence", "description", "amount", "tax.name", "tax.type", "tax.rate"]


def invoice_lines_from_tryton(rows: Sequence[Mapping[str, Any]], *, currency: str,
                              sign: int = 1) -> list[dict[str, Any]]:
    """Canonical invoice lines of one invoice's ``account.invoice.line`` rows, in Tryton's order
    (sequence, then id); subtotal, title and comment lines carry no amount and are left out.

    ``sku`` is the product's code; ``sign`` -1 turns a credit note's negative quantities and
    amounts into the ones it credits.
    """
    billed = sorted((row for row in rows if row.get("type", "line") == "line"),
                    key=lambda row: (row.get("sequence") is None, row.get("sequence") or 0, row["id"]))
    return [invoice_line_from_tryton(row, currency=currency, sign=sign, number=number)
            for number, row in enumerate(billed, 1)]


def invoice_line_from_tryton(row: Mapping[str, Any], *, currency: str, sign: int = 1,
                             number: int | None = None) -> dict[str, Any]:
    """One ``account.invoice.line`` row as a canonical invoice line.

    Tryton keeps a line's taxes, not their amounts (it computes tax per invoice, in
    ``account.invoice.tax``): each tax line's amount is the line's share, its amount before
    tax at the tax's rate (a fixed tax: its amount per unit), rounded to the currency.
    """
    quantity, amount = sign * Decimal(row["quantity"] or 0), sign * Decimal(row["amount"] or 0)
    line = {
        "line_number": number,
        "sku": (row.get("product.") or {}).get("code") or None,
        "description": row.get("description") or None,
        "quantity": plain_quantity(quantity),
        "unit_price": row.get("unit_price"),
        "line_total": quantize(amount, currency),
        "tax_lines": [_line_tax(tax, amount, quantity, currency) for tax in row.get("taxes.") or []],
    }
    return {key: value for key, value in line.items() if value not in (None, [])}


def shipped_line_changes(rows: Sequence[Mapping[str, Any]], shipped: Sequence[Mapping[str, Any]], *,
                         services: Sequence[str], last: Sequence[str]) -> list[tuple]:
    """The ``lines`` changes that bring a draft invoice's goods down to the ``shipped`` lines
    (canonical fulfilment lines, by SKU else description); [] when it bills nothing more.

    Lines of ``services`` (shipping, adjustment) are no goods and stay, except those of
    ``last``, which a partial invoice leaves to the last one.
    """
    left: dict[str, Decimal] = {}
    for line in shipped:
        key = line.get("sku") or line.get("description")
        left[key] = left.get(key, Decimal(0)) + Decimal(str(line.get("quantity", 0)))
    writes, deletes = [], []
    for row in sorted(rows, key=lambda row: row["id"]):
        code = (row.get("product.") or {}).get("code")
        if row.get("type", "line") != "line" or code in services:
            continue
        key, quantity = code or row.get("description"), Decimal(str(row["quantity"]))
        take = max(min(quantity, left.get(key, Decimal(0))), Decimal(0))
        left[key] = left.get(key, Decimal(0)) - take
        if take == 0:
            deletes.append(row["id"])
        elif take < quantity:
            writes.append(("write", [row["id"]], {"quantity": float(take)}))
    if not (writes or deletes):
        return []
    deletes += [row["id"] for row in rows if (row.get("product.") or {}).get("code") in last]
    return [*writes, *([("delete", sorted(deletes))] if deletes else [])]


def plain_quantity(quantity: Decimal) -> Decimal:
    """A quantity without Tryton's float digits: 2.0 → 2, 1.50 → 1.5 (20 stays 20)."""
    return quantity.quantize(Decimal(1)) if quantity == quantity.to_integral_value() else quantity.normalize()


def _line_tax(tax: Mapping[str, Any], amount: Decimal, quantity: Decimal, currency: str) -> dict[str, Any]:
    if tax.get("type") == "fixed":
        share = Decimal(tax.get("amount") or 0) * quantity
    else:
        share = amount * Decimal(tax.get("rate") or 0)
    return _tax_line(tax, quantize(share, currency))


def invoice_taxes_from_tryton(rows: Sequence[Mapping[str, Any]], *, currency: str,
                              sign: int = 1) -> list[dict[str, Any]]:
    """The invoice's tax summary from its ``account.invoice.tax`` rows, one per tax, in
    Tryton's order."""
    ordered = sorted(rows, key=lambda row: (row.get("sequence") is None, row.get("sequence") or 0, row["id"]))
    return [_tax_line({**(row.get("tax.") or {}), "name": row.get("description") or (row.get("tax.") or {}).get("name")},
                      quantize(sign * Decimal(row["amount"] or 0), currency)) for row in ordered]


def _tax_line(tax: Mapping[str, Any], amount: Decimal) -> dict[str, Any]:
    line = {"name": tax.get("name"), "amount": amount,
            "rate": tax.get("rate") if tax.get("type") == "percentage" else None}
    return {key: value for key, value in line.items() if value is not None}


def _ref(record: Mapping[str, Any]) -> dict[str, str]:
    """The record's external ref; its version is when Tryton last changed it (UTC)."""
    ref = {"system": SYSTEM, "id": str(record["id"])}
    changed = record.get("write_date") or record.get("create_date")
    if isinstance(changed, dt.datetime):
        ref["version"] = changed.replace(tzinfo=dt.timezone.utc).isoformat(timespec="microseconds")
    return ref


def invoice_status(state: str, total: Decimal, amount_to_pay: Decimal | None) -> str:
    """Canonical status: a posted invoice with part of it paid is ``partially_paid``, and one
    with nothing left to pay is ``paid`` (Tryton moves it to its paid state a moment later)."""
    status = INVOICE_STATUS.get(state, "draft")
    if status == "open" and amount_to_pay is not None and total > 0:
        if amount_to_pay <= 0:
            return "paid"
        if amount_to_pay < total:
            return "partially_paid"
    return status


def payment_form(payment: Mapping[str, Any], *, currency_id: int, method_id: int, payee_id: int,
                 amount: Any = None) -> dict[str, Any]:
    """The pay wizard's ``start`` form: amount, currency, date, method, description = reference.

    ``amount`` is the part of the payment the invoice takes (default: all of it); the rest of
    an overpayment is booked as the customer's credit apart from the wizard.
    """
    return {
        "amount": quantize(payment["amount"] if amount is None else amount, payment["currency"]),
        "currency": currency_id,
        "date": payment_date(payment),
        "payment_method": method_id,
        "description": payment["reference"],
        "payee": payee_id,
    }


def payment_date(payment: Mapping[str, Any]) -> dt.date:
    """The value date, else the day the payment was received, else today."""
    return to_date(payment.get("value_date") or payment.get("received_at")) or dt.date.today()


def to_date(value: Any) -> dt.date | None:
    """A date from ``YYYY-MM-DD`` (or the date part of a date-time as written)."""
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


def iso(value: dt.date | None) -> str | None:
    """``YYYY-MM-DD`` of a date (None stays None)."""
    return value.isoformat() if value else None
