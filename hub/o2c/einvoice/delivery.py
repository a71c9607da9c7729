"""An invoice as it is delivered to its customer: the EN 16931 XML, a readable HTML copy and
the covering e-mail's subject and text. Pure: nothing here sends anything.

    package = delivery_package(invoice, seller, fmt="ubl")
    package.to, package.subject, package.text, package.attachments
    package.summary()      what a run record keeps: recipient, subject, attachment names,
                           sizes and SHA-256 digests (never the text of the documents)

ERP invoices arrive in shapes the documents cannot take as they are, so
:func:`as_document` first makes them whole:

- a credit note's amounts are shown positive (Tryton books them negative): the document type
  already says the money goes back;
- an invoice without lines (the ERP polls report totals only) gets one line per VAT rate,
  named after the invoice, so the XML has the line it must have and its totals still add up;
- a credit note that names no invoice it credits says ``unknown``, as the UBL reader does.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from hub.canonical import check
from hub.errors import FatalError, InvalidRecordError
from hub.money import quantize
from hub.o2c.einvoice import common
from hub.o2c.einvoice.cii import to_cii
from hub.o2c.einvoice.common import Seller
from hub.o2c.einvoice.render import render_html
from hub.o2c.einvoice.ubl import to_ubl

FORMATS = {"ubl": (to_ubl, "", "EN 16931 UBL 2.1"), "cii": (to_cii, "-factur-x", "EN 16931 Factur-X CII")}
_MONEY_KEYS = ("subtotal", "tax_total", "total", "amount_due")
_STORE_ONLY = ("id", "days_overdue")  # what a record read back from the store carries besides the invoice
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class Attachment:
    """One file of the message."""

    filename: str
    content_type: str  # "application/xml", "text/html"
    content: bytes

    def summary(self) -> dict[str, Any]:
        return {"filename": self.filename, "content_type": self.content_type, "size": len(self.content),
                "sha256": hashlib.sha256(self.content).hexdigest()}


@dataclass(frozen=True, slots=True, kw_only=True)
class DeliveryPackage:
    """What goes to the customer for one invoice or credit note."""

    number: str
    kind: str
    to: str
    subject: str
    text: str
    attachments: tuple[Attachment, ...]

    def summary(self) -> dict[str, Any]:
        return {"invoice": self.number, "kind": self.kind, "to": [self.to], "subject": self.subject,
                "attachments": [a.summary() for a in self.attachments]}


def delivery_package(invoice: Mapping[str, Any], seller: Seller, *, fmt: str = "ubl") -> DeliveryPackage:
    """The message for ``invoice``; a FatalError naming the invoice when it has no billing e-mail."""
    if fmt not in FORMATS:
        raise FatalError(f"unknown e-invoice format {fmt!r} (known: {', '.join(sorted(FORMATS))})")
    try:
        document = as_document(invoice)
    except InvalidRecordError as error:
        raise FatalError(f"invoice {invoice.get('number')!r} cannot be delivered: {error}") from None
    kind, number = document["kind"], document["number"]
    to = (document.get("customer") or {}).get("email")
    if not to:
        raise FatalError(
            f"{_title(kind).lower()} {number} has no billing e-mail (customer.email is empty): add the "
            f"customer's billing contact e-mail in the ERP and replay this run to deliver it")
    write, suffix, label = FORMATS[fmt]
    stem = _UNSAFE.sub("-", number).strip("-") or "invoice"
    attachments = (
        Attachment(filename=f"{stem}{suffix}.xml", content_type="application/xml", content=write(document, seller)),
        Attachment(filename=f"{stem}.html", content_type="text/html",
                   content=render_html(document, seller).encode("utf-8")),
    )
    subject = f"{_title(kind)} {number} from {seller.name}"
    return DeliveryPackage(number=number, kind=kind, to=to, subject=subject,
                           text=cover_text(document, seller, attachments, label), attachments=attachments)


def as_document(invoice: Mapping[str, Any]) -> dict[str, Any]:
    """``invoice`` checked and made whole for the documents (see the module docstring)."""
    record = {k: v for k, v in invoice.items() if k not in _STORE_ONLY}
    if record.get("kind") == "credit_note":
        if Decimal(str(record.get("total", 0))) < 0:
            record = _negated(record)
        record.setdefault("credits_invoice", common.UNKNOWN_INVOICE)
    record = dict(check("invoice", record))
    if not record.get("lines"):
        record.update(_summary_lines(record))
    return dict(check("invoice", record))


def cover_text(invoice: Mapping[str, Any], seller: Seller, attachments: tuple[Attachment, ...], label: str) -> str:
    """The plain-text body: what is attached and what is owed; no more personal data than the
    documents already carry."""
    currency, kind = invoice["currency"], invoice["kind"]
    amount = common.totals(invoice)["payable"]
    if kind == "credit_note":
        credited = invoice["credits_invoice"]
        owed = f"It credits {currency} {amount}" + (f" on invoice {credited}." if credited != common.UNKNOWN_INVOICE else ".")
    else:
        due = f", due on {invoice['due_date']}" if invoice.get("due_date") else ""
        owed = f"The amount payable is {currency} {amount}{due}."
        if seller.iban:
            owed += f" Please transfer it to IBAN {seller.iban} quoting {invoice['number']}."
    xml, html = attachments
    return "\n".join([
        "Hello,", "",
        f"please find attached our {_title(kind).lower()} {invoice['number']}"
        f"{' of ' + invoice['issue_date'] if invoice.get('issue_date') else ''}. {owed}", "",
        f"  {xml.filename}   the electronic {_title(kind).lower()} ({label})",
        f"  {html.filename}  a readable copy", "",
        f"{seller.name}" + (f" <{seller.email}>" if seller.email else ""), "",
    ])


def _title(kind: str) -> str:
    return "Credit note" if kind == "credit_note" else "Invoice"


def _negated(record: dict[str, Any]) -> dict[str, Any]:
    out = {**record, **{k: -Decimal(str(record[k])) for k in _MONEY_KEYS if record.get(k) is not None}}
    out["tax_lines"] = [{**t, **{k: -Decimal(str(t[k])) for k in ("taxable_amount", "amount") if t.get(k) is not None}}
                        for t in record.get("tax_lines") or []]
    out["lines"] = [{**li, **{k: -Decimal(str(li[k])) for k in ("unit_price", "line_total", "discount") if li.get(k) is not None}}
                    for li in record.get("lines") or []]
    return {k: v for k, v in out.items() if v != []}


def _summary_lines(record: Mapping[str, Any]) -> dict[str, Any]:
    """One line per VAT rate carrying the net amount taxed at it; the rate is derived from the
    totals when the ERP reported none."""
    currency = record["currency"]
    totals = common.totals(record)
    taxes = record.get("tax_lines") or [{"rate": _rate(totals["tax"], totals["basis"]),
                                         "taxable_amount": totals["basis"], "amount": totals["tax"]}]
    what = f"{_title(record.get('kind', 'invoice'))} {record['number']}"
    if record.get("order_number"):
        what += f", order {record['order_number']}"
    lines = []
    for position, tax in enumerate(taxes, start=1):
        net = quantize(tax.get("taxable_amount", totals["basis"]), currency)
        rate = Decimal(tax.get("rate") or 0)
        lines.append({"line_number": position, "description": what + (f" (VAT {common.percent(rate)} %)" if len(taxes) > 1 else ""),
                      "quantity": Decimal(1), "unit_price": net, "line_total": net,
                      "tax_lines": [{"rate": rate, "amount": quantize(net * rate, currency)}]})
    return {"lines": lines, "tax_lines": [{"rate": Decimal(t.get("rate") or 0), "taxable_amount": t.get("taxable_amount", totals["basis"]),
                                           "amount": t["amount"]} for t in taxes]}


def _rate(tax: Decimal, basis: Decimal) -> Decimal:
    """The VAT rate that gives ``tax`` on ``basis``, to a hundredth of a percent."""
    return (tax / basis).quantize(Decimal("0.0001")) if basis else Decimal(0)
