"""Stripe → canonical O2C records, and canonical → Stripe parameters. Pure: no I/O.

    event_to_payment(event)                    payment_intent.succeeded, charge.succeeded,
                                               charge.refunded, refund.created, refund.updated,
                                               invoice.paid → payment
    payment_intent_to_payment / charge_to_payment / refund_to_payment / invoice_to_payment
    balance_transaction_to_payment(txn)        a balance line (fee and value date included)
    customer_to_customer / invoice_to_invoice / credit_note_to_invoice
    customer_params(customer)                  canonical customer → POST /v1/customers parameters
    refund_params(request)                     {payment, amount?, currency?} → POST /v1/refunds

Amounts are integers in the currency's minor unit; they become Decimal through
hub.money.from_minor_units (JPY 1099 → 1099, USD 1099 → 10.99, KWD 1099 → 1.099), except where
Stripe's API representation differs from ISO 4217 (ISK is sent with two decimals; MGA with none).

Payment reference: the PaymentIntent id when there is one, else the charge id (or the invoice
id), so the PaymentIntent, its charge and the paid invoice all describe ONE payment. Refunds are
negative payments referenced by the refund id (``re_...``), each for its own amount:
``refund.created`` and ``refund.updated`` carry one refund each. ``charge.refunded`` maps its
newest refund only where the charge still lists them (API versions before 2022-11-15); a newer
charge lists none and maps to the charge itself, its ``amount_refunded`` a running total that
names no single refund. A metadata invoice number (``invoice_number``/``invoice``) or the paid
invoice's number becomes the payment's ``remittance_info``, which cash application matches on.

Versions: Stripe objects carry no time of their last change, and their ``created`` never
changes, so a record mapped from a bare object has no ``version``. A record mapped from an event
(:func:`versioned_by_event`) carries the event's ``created`` (epoch seconds), the moment the
change happened: a late redelivery of an older event then cannot overwrite a newer state.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from hub.errors import InvalidRecordError
from hub.money import from_minor_units, quantize, to_minor_units

SYSTEM = "stripe"
API_EXPONENTS = {"ISK": 2, "MGA": 0}  # Stripe's API amounts where they differ from ISO 4217
INTENT_STATUS = {"succeeded": "received", "canceled": "failed", "processing": "pending"}
CHARGE_STATUS = {"succeeded": "received", "pending": "pending", "failed": "failed"}
REFUND_STATUS = {"succeeded": "refunded", "pending": "pending", "requires_action": "pending",
                 "failed": "failed", "canceled": "failed"}
INVOICE_STATUS = {"draft": "draft", "open": "open", "paid": "paid", "void": "void", "uncollectible": "written_off"}
METHODS = {"card": "card", "card_present": "card", "sepa_debit": "direct_debit", "us_bank_account": "direct_debit",
           "bacs_debit": "direct_debit", "acss_debit": "direct_debit", "au_becs_debit": "direct_debit",
           "customer_balance": "bank_transfer", "sofort": "bank_transfer", "ideal": "bank_transfer",
           "link": "wallet", "paypal": "wallet", "cashapp": "wallet", "apple_pay": "wallet", "google_pay": "wallet"}
INVOICE_KEYS = ("invoice_number", "invoice")


# --- amounts ----------------------------------------------------------------------------------


def amount_of(units: Any, currency: str) -> Decimal:
    """Stripe minor units as a Decimal amount quantized to the (upper-case) currency."""
    code = str(currency).upper()
    if code in API_EXPONENTS:
        return quantize(Decimal(int(units)).scaleb(-API_EXPONENTS[code]), code)
    return from_minor_units(int(units), code)


def units_of(amount: Any, currency: str) -> int:
    """A Decimal amount as the integer Stripe expects."""
    code = str(currency).upper()
    if code in API_EXPONENTS:
        return int(Decimal(str(amount)).scaleb(API_EXPONENTS[code]).to_integral_value())
    return to_minor_units(amount, code)


# --- payments ---------------------------------------------------------------------------------


def event_to_payment(event: Mapping[str, Any]) -> dict[str, Any]:
    """The payment an event describes; InvalidRecordError for event types that carry none."""
    kind, obj = event.get("type", ""), (event.get("data") or {}).get("object") or {}
    mapper = EVENT_MAPPERS.get(kind)
    if mapper is None:
        raise InvalidRecordError(f"stripe event {kind!r} carries no payment (known: {', '.join(EVENT_MAPPERS)})")
    return versioned_by_event(mapper(obj), event)


def versioned_by_event(record: dict[str, Any], event: Mapping[str, Any]) -> dict[str, Any]:
    """``record`` with the event's ``created`` as the version of its own external refs."""
    created = event.get("created")
    if created is None or not record.get("external_refs"):
        return record
    return {**record, "external_refs": [{**ref, "version": str(int(created))} for ref in record["external_refs"]]}


def payment_intent_to_payment(intent: Mapping[str, Any]) -> dict[str, Any]:
    """A PaymentIntent: the amount received once it succeeded, else the amount asked for."""
    currency = intent["currency"].upper()
    units = intent.get("amount_received") or intent["amount"]
    charge = intent.get("latest_charge") if isinstance(intent.get("latest_charge"), Mapping) else {}
    return _payment(
        intent, reference=intent["id"], amount=amount_of(units, currency), currency=currency,
        status=INTENT_STATUS.get(intent.get("status"), "pending"),
        method=_method((intent.get("payment_method_types") or [None])[0]),
        payer=_payer(charge.get("billing_details"), intent.get("receipt_email")),
    )


def charge_to_payment(charge: Mapping[str, Any]) -> dict[str, Any]:
    """A charge; referenced by its PaymentIntent when it has one. Uncaptured charges are pending."""
    currency = charge["currency"].upper()
    captured = charge.get("captured", True)
    status = CHARGE_STATUS.get(charge.get("status"), "pending") if captured or charge.get("status") == "failed" else "pending"
    if charge.get("refunded"):
        status = "refunded"
    txn = charge.get("balance_transaction")
    return _payment(
        charge, reference=_id_of(charge.get("payment_intent")) or charge["id"],
        amount=amount_of(charge["amount"], currency), currency=currency, status=status,
        method=_method((charge.get("payment_method_details") or {}).get("type")),
        payer=_payer(charge.get("billing_details"), charge.get("receipt_email")),
        fee=amount_of(txn["fee"], currency) if isinstance(txn, Mapping) else None,
        extra={"stripe_charge": charge["id"], "amount_refunded": amount_of(charge.get("amount_refunded") or 0, currency)},
    )


def charge_refunded_to_payment(charge: Mapping[str, Any]) -> dict[str, Any]:
    """``charge.refunded``: the newest refund when the charge lists them, else the charge itself.

    A refund without metadata of its own carries the charge's, so the invoice number the
    payment named (``invoice_number``) names the invoice the refund credits. Since API version
    2022-11-15 a charge lists no refunds and its ``amount_refunded`` adds up every refund so
    far: booked as a refund, a second partial refund would repeat the first. Such a charge maps
    to the payment it is (``attributes.amount_refunded`` the running total); each refund comes
    from its own ``refund.created`` event.
    """
    refunds = (charge.get("refunds") or {}).get("data") if isinstance(charge.get("refunds"), Mapping) else None
    if not refunds:
        return charge_to_payment(charge)
    refund = {**refunds[0], "charge": charge["id"]}
    refund["metadata"] = refund.get("metadata") or charge.get("metadata") or {}
    return refund_to_payment(refund, charge=charge)


def refund_to_payment(refund: Mapping[str, Any], *, charge: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A refund as a negative payment referenced by the refund id, for its own amount.

    ``attributes.refunded_payment`` is the reference of the payment it pays back (the
    PaymentIntent, else the charge): the hub finds that payment's invoice by it.
    """
    currency = refund["currency"].upper()
    refunded = _id_of(refund.get("payment_intent")) or _id_of(refund.get("charge"))
    return _payment(
        refund, reference=refund["id"], amount=-amount_of(refund["amount"], currency), currency=currency,
        status=REFUND_STATUS.get(refund.get("status"), "pending"), method=None,
        payer=_payer((charge or {}).get("billing_details"), None),
        extra={"refunded_payment": refunded, "stripe_charge": _id_of(refund.get("charge")),
               "reason": refund.get("reason")},
    )


def invoice_to_payment(invoice: Mapping[str, Any]) -> dict[str, Any]:
    """``invoice.paid``: the amount paid against the invoice; its number is the remittance."""
    currency = invoice["currency"].upper()
    reference = _id_of(invoice.get("payment_intent")) or _id_of(invoice.get("charge")) or invoice["id"]
    paid_at = ((invoice.get("status_transitions") or {}).get("paid_at")) or invoice.get("created")
    return _payment(
        {**invoice, "created": paid_at}, reference=reference, amount=amount_of(invoice.get("amount_paid") or 0, currency),
        currency=currency, status="received" if invoice.get("status") == "paid" else "pending", method=None,
        payer=_payer({"name": invoice.get("customer_name"), "email": invoice.get("customer_email")}, None),
        remittance=invoice.get("number"), extra={"stripe_invoice": invoice["id"]},
    )


def balance_transaction_to_payment(txn: Mapping[str, Any]) -> dict[str, Any]:
    """A balance transaction: gross amount, Stripe's fee, and the date the funds are available."""
    currency = txn["currency"].upper()
    record = _payment(
        txn, reference=_id_of(txn.get("source")) or txn["id"], amount=amount_of(txn["amount"], currency),
        currency=currency, status="received" if txn.get("status") == "available" else "pending", method=None,
        payer=None, fee=amount_of(txn.get("fee") or 0, currency),
        extra={"balance_type": txn.get("type"), "net": amount_of(txn.get("net") or 0, currency)},
    )
    record["external_refs"] = [{"system": SYSTEM, "id": txn["id"]}]
    if txn.get("available_on"):
        record["value_date"] = _date(txn["available_on"])
    return record


def _payment(obj: Mapping[str, Any], *, reference: str, amount: Decimal, currency: str, status: str,
             method: str | None, payer: dict | None, fee: Decimal | None = None,
             remittance: str | None = None, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    metadata = obj.get("metadata") or {}
    invoice_number = next((str(metadata[k]) for k in INVOICE_KEYS if metadata.get(k)), None)
    return _compact({
        "reference": reference, "amount": amount, "currency": currency,
        "received_at": _moment(obj.get("created")), "method": method, "status": status, "fee": fee,
        "payer": payer, "customer": _customer_ref(obj.get("customer")),
        "remittance_info": remittance or invoice_number or obj.get("description"),
        "external_refs": [{"system": SYSTEM, "id": reference}],
        "attributes": _compact({"stripe_object": obj.get("object"), "stripe_id": obj.get("id"),
                                "invoice_number": invoice_number, "livemode": obj.get("livemode"),
                                "metadata": dict(metadata) or None, **(extra or {})}),
    })


EVENT_MAPPERS = {
    "payment_intent.succeeded": payment_intent_to_payment,
    "charge.succeeded": charge_to_payment,
    "charge.captured": charge_to_payment,
    "charge.refunded": charge_refunded_to_payment,
    "refund.created": refund_to_payment,
    "refund.updated": refund_to_payment,
    "invoice.paid": invoice_to_payment,
}


# --- parties and documents --------------------------------------------------------------------


def customer_to_customer(customer: Mapping[str, Any]) -> dict[str, Any]:
    """A Stripe customer; one with neither name nor e-mail is named by its Stripe id."""
    address = _address(customer.get("address"), "billing", customer.get("name"))
    return _compact({
        "name": customer.get("name") or (None if customer.get("email") else customer.get("description") or customer["id"]),
        "email": customer.get("email"),
        "phone": customer.get("phone"),
        "currency": (customer.get("currency") or "").upper() or None,
        "addresses": [address] if address else None,
        "external_refs": [{"system": SYSTEM, "id": customer["id"]}],
        "attributes": _compact({"delinquent": customer.get("delinquent"), "invoice_prefix": customer.get("invoice_prefix"),
                                "tax_exempt": customer.get("tax_exempt"), "metadata": customer.get("metadata") or None}),
    })


def invoice_to_invoice(invoice: Mapping[str, Any]) -> dict[str, Any]:
    """A Stripe invoice (a draft without a number is numbered by its id)."""
    currency = invoice["currency"].upper()
    status = INVOICE_STATUS.get(invoice.get("status"), "open")
    if status == "open" and invoice.get("amount_paid"):
        status = "partially_paid"
    total, untaxed = invoice.get("total") or 0, invoice.get("total_excluding_tax")
    return _compact({
        "number": invoice.get("number") or invoice["id"], "kind": "invoice", "currency": currency,
        "customer": _customer_ref(invoice.get("customer"), invoice.get("customer_email"), invoice.get("customer_name")),
        "issue_date": _date(invoice.get("effective_at") or invoice.get("created")),
        "due_date": _date(invoice.get("due_date")), "status": status,
        "lines": [_document_line(i, line, currency) for i, line in enumerate(_lines(invoice), 1)],
        "subtotal": amount_of(invoice.get("subtotal") or 0, currency),
        "tax_total": amount_of(total - untaxed, currency) if untaxed is not None else None,
        "total": amount_of(total, currency),
        "amount_due": amount_of(invoice.get("amount_remaining") or 0, currency),
        "external_refs": [{"system": SYSTEM, "id": invoice["id"]}],
    })


def credit_note_to_invoice(note: Mapping[str, Any]) -> dict[str, Any]:
    """A Stripe credit note as a canonical credit note crediting its invoice."""
    currency = note["currency"].upper()
    invoice = note.get("invoice")
    credited = (invoice.get("number") or invoice["id"]) if isinstance(invoice, Mapping) else invoice
    return _compact({
        "number": note.get("number") or note["id"], "kind": "credit_note", "credits_invoice": credited,
        "currency": currency, "customer": _customer_ref(note.get("customer")),
        "issue_date": _date(note.get("effective_at") or note.get("created")),
        "status": "void" if note.get("status") == "void" else "open",
        "lines": [_document_line(i, line, currency) for i, line in enumerate(_lines(note), 1)],
        "subtotal": amount_of(note.get("subtotal") or 0, currency),
        "total": amount_of(note.get("total") or 0, currency),
        "external_refs": [{"system": SYSTEM, "id": note["id"]}],
    })


def _document_line(number: int, line: Mapping[str, Any], currency: str) -> dict[str, Any]:
    unit = line.get("unit_amount")
    return _compact({
        "line_number": number, "description": line.get("description") or line.get("id"),
        "quantity": Decimal(str(line.get("quantity") or 1)),
        "unit_price": amount_of(unit, currency) if unit is not None else None,
        "line_total": amount_of(line.get("amount") or 0, currency),
        "external_refs": [{"system": SYSTEM, "id": line["id"]}] if line.get("id") else None,
    })


# --- canonical → Stripe -----------------------------------------------------------------------


def customer_params(customer: Mapping[str, Any]) -> dict[str, Any]:
    """POST /v1/customers parameters for a canonical customer."""
    address = next(iter(customer.get("addresses") or []), None)
    return _compact({
        "name": customer.get("name"), "email": customer.get("email"), "phone": customer.get("phone"),
        "address": _compact({"line1": address.get("line1"), "line2": address.get("line2"), "city": address.get("city"),
                             "state": address.get("region"), "postal_code": address.get("postal_code"),
                             "country": address.get("country")}) if address else None,
        "metadata": _compact({"o2c_tax_id": customer.get("tax_id")}),
    })


def refund_params(request: Mapping[str, Any]) -> dict[str, Any]:
    """POST /v1/refunds parameters: ``{payment: pi_…|ch_…, amount?, currency?, reason?}``."""
    payment = str(request.get("payment") or request.get("reference") or "")
    if not payment.startswith(("pi_", "ch_", "py_")):
        raise InvalidRecordError("a refund needs payment: a PaymentIntent (pi_…) or charge (ch_…) id")
    amount = request.get("amount")
    if amount is not None and not request.get("currency"):
        raise InvalidRecordError("a partial refund needs the currency of its amount")
    return _compact({
        "payment_intent" if payment.startswith("pi_") else "charge": payment,
        "amount": units_of(abs(Decimal(str(amount))), request["currency"]) if amount is not None else None,
        "reason": request.get("reason"), "metadata": request.get("metadata"),
    })


# --- helpers ----------------------------------------------------------------------------------


def _lines(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    lines = document.get("lines")
    return list(lines.get("data") or []) if isinstance(lines, Mapping) else list(lines or [])


def _customer_ref(customer: Any, email: str | None = None, name: str | None = None) -> dict[str, Any] | None:
    if isinstance(customer, Mapping):
        customer, email, name = customer.get("id"), customer.get("email") or email, customer.get("name") or name
    ref = _compact({"email": email, "name": name,
                    "external_refs": [{"system": SYSTEM, "id": customer}] if customer else None})
    return ref or None


def _payer(details: Mapping[str, Any] | None, email: str | None) -> dict[str, Any] | None:
    details = details or {}
    return _compact({"name": details.get("name"), "email": details.get("email") or email}) or None


def _address(address: Mapping[str, Any] | None, kind: str, name: str | None) -> dict[str, Any] | None:
    fields = _compact({"line1": (address or {}).get("line1"), "line2": (address or {}).get("line2"),
                       "city": (address or {}).get("city"), "region": (address or {}).get("state"),
                       "postal_code": (address or {}).get("postal_code"), "country": (address or {}).get("country")})
    return {"kind": kind, **({"name": name} if name else {}), **fields} if fields else None


def _method(kind: str | None) -> str | None:
    return METHODS.get(kind or "", "other") if kind else None


def _id_of(value: Any) -> str | None:
    """An expandable field: the id whether Stripe sent the id or the expanded object."""
    if isinstance(value, Mapping):
        return value.get("id")
    return value or None


def _moment(epoch: Any) -> str | None:
    if epoch is None:
        return None
    return datetime.fromtimestamp(int(epoch), tz=timezone.utc).isoformat().replace("+00:00", "Z")


def _date(epoch: Any) -> str | None:
    return datetime.fromtimestamp(int(epoch), tz=timezone.utc).date().isoformat() if epoch else None


def _compact(record: Mapping[str, Any]) -> dict[str, Any]:
    """Drop keys whose value is None, "" or empty (the canonical schemas forbid null)."""
    return {k: v for k, v in record.items() if v is not None and v != "" and v != [] and v != {}}
