"""EN 16931 in UBL 2.1: a canonical invoice → Invoice / CreditNote XML, and back.

    to_ubl(invoice, seller) -> bytes        elements in the order of the UBL 2.1 schemas
    from_ubl(xml) -> dict                   a canonical invoice record (pass it to canonical.check)

Reading keeps what the canonical model has a place for: number, kind (and the invoice a credit
note credits, from BillingReference; ``"unknown"`` when the XML names none), dates, currency,
buyer (name, e-mail, VAT id, address), order reference, lines (id, seller's item id, name,
quantity, unit, net price, allowances as discount, net amount), the VAT breakdown and the
totals; the seller goes to ``attributes.seller``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from lxml import etree

from hub.o2c.einvoice import common
from hub.o2c.einvoice.common import Seller, amount, percent, plain

CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
ROOTS = {"invoice": "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2",
         "credit_note": "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"}
NS = {"cbc": CBC, "cac": CAC}


class _Builder:
    def __init__(self, currency: str):
        self.currency = currency

    def cbc(self, parent, name: str, text: Any, **attrs) -> etree._Element:
        el = etree.SubElement(parent, f"{{{CBC}}}{name}", **attrs)
        el.text = str(text)
        return el

    def cac(self, parent, name: str) -> etree._Element:
        return etree.SubElement(parent, f"{{{CAC}}}{name}")

    def money(self, parent, name: str, value: Any) -> None:
        self.cbc(parent, name, amount(value, self.currency), currencyID=self.currency)


def to_ubl(invoice: Mapping[str, Any], seller: Seller) -> bytes:
    """The UBL 2.1 Invoice (or CreditNote) of a normalized canonical invoice."""
    kind = invoice.get("kind", "invoice")
    root_name = "Invoice" if kind == "invoice" else "CreditNote"
    root = etree.Element(f"{{{ROOTS[kind]}}}{root_name}", nsmap={None: ROOTS[kind], "cac": CAC, "cbc": CBC})
    b = _Builder(invoice["currency"])
    b.cbc(root, "CustomizationID", common.EN16931)
    b.cbc(root, "ID", invoice["number"])
    b.cbc(root, "IssueDate", invoice.get("issue_date") or date.today().isoformat())
    if kind == "invoice" and invoice.get("due_date"):
        b.cbc(root, "DueDate", invoice["due_date"])
    b.cbc(root, f"{root_name}TypeCode", common.INVOICE if kind == "invoice" else common.CREDIT_NOTE)
    b.cbc(root, "DocumentCurrencyCode", invoice["currency"])
    b.cbc(root, "BuyerReference", invoice.get("order_number") or invoice["number"])
    if invoice.get("order_number"):
        b.cbc(b.cac(root, "OrderReference"), "ID", invoice["order_number"])
    if kind == "credit_note":
        b.cbc(b.cac(b.cac(root, "BillingReference"), "InvoiceDocumentReference"), "ID", invoice["credits_invoice"])
    _seller(b, root, seller)
    _buyer(b, root, invoice)
    _payment_means(b, root, invoice, seller, kind)
    _tax_total(b, root, invoice)
    _monetary_total(b, root, invoice)
    for position, line in enumerate(invoice.get("lines", []), start=1):
        _line(b, root, invoice, line, position, root_name)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _address(b: _Builder, party, line1, city, postal_code, country) -> None:
    address = b.cac(party, "PostalAddress")
    for name, value in (("StreetName", line1), ("CityName", city), ("PostalZone", postal_code)):
        if value:
            b.cbc(address, name, value)
    b.cbc(b.cac(address, "Country"), "IdentificationCode", country)


def _tax_scheme(b: _Builder, parent, company_id: str) -> None:
    scheme = b.cac(parent, "PartyTaxScheme")
    b.cbc(scheme, "CompanyID", company_id)
    b.cbc(b.cac(scheme, "TaxScheme"), "ID", "VAT")


def _seller(b: _Builder, root, seller: Seller) -> None:
    party = b.cac(b.cac(root, "AccountingSupplierParty"), "Party")
    _address(b, party, seller.line1, seller.city, seller.postal_code, seller.country)
    _tax_scheme(b, party, seller.vat_id)
    b.cbc(b.cac(party, "PartyLegalEntity"), "RegistrationName", seller.name)
    if seller.email:
        b.cbc(b.cac(party, "Contact"), "ElectronicMail", seller.email)


def _buyer(b: _Builder, root, invoice: Mapping[str, Any]) -> None:
    customer = invoice.get("customer") or {}
    address = invoice.get("billing_address") or {}
    party = b.cac(b.cac(root, "AccountingCustomerParty"), "Party")
    _address(b, party, address.get("line1"), address.get("city"), address.get("postal_code"), address.get("country", ""))
    if customer.get("tax_id"):
        _tax_scheme(b, party, customer["tax_id"])
    name = customer.get("name") or address.get("company") or address.get("name") or customer.get("email", "")
    b.cbc(b.cac(party, "PartyLegalEntity"), "RegistrationName", name)
    if customer.get("email"):
        b.cbc(b.cac(party, "Contact"), "ElectronicMail", customer["email"])


def _payment_means(b: _Builder, root, invoice, seller: Seller, kind: str) -> None:
    if not seller.iban:
        return
    means = b.cac(root, "PaymentMeans")
    b.cbc(means, "PaymentMeansCode", common.CREDIT_TRANSFER)
    if kind == "credit_note" and invoice.get("due_date"):
        b.cbc(means, "PaymentDueDate", invoice["due_date"])
    b.cbc(means, "PaymentID", invoice["number"])
    b.cbc(b.cac(means, "PayeeFinancialAccount"), "ID", seller.iban)


def _tax_total(b: _Builder, root, invoice) -> None:
    total = b.cac(root, "TaxTotal")
    b.money(total, "TaxAmount", common.totals(invoice)["tax"])
    for tax in invoice.get("tax_lines", []):
        rate = Decimal(tax.get("rate", 0))
        sub = b.cac(total, "TaxSubtotal")
        b.money(sub, "TaxableAmount", tax.get("taxable_amount", common.totals(invoice)["basis"]))
        b.money(sub, "TaxAmount", tax["amount"])
        _category(b, sub, "TaxCategory", rate)


def _category(b: _Builder, parent, name: str, rate: Decimal) -> None:
    category = b.cac(parent, name)
    b.cbc(category, "ID", common.tax_category(rate))
    b.cbc(category, "Percent", percent(rate))
    b.cbc(b.cac(category, "TaxScheme"), "ID", "VAT")


def _monetary_total(b: _Builder, root, invoice) -> None:
    t = common.totals(invoice)
    total = b.cac(root, "LegalMonetaryTotal")
    b.money(total, "LineExtensionAmount", t["lines"])
    b.money(total, "TaxExclusiveAmount", t["basis"])
    b.money(total, "TaxInclusiveAmount", t["grand"])
    if t["prepaid"]:
        b.money(total, "PrepaidAmount", t["prepaid"])
    b.money(total, "PayableAmount", t["payable"])


def _line(b: _Builder, root, invoice, line, position: int, root_name: str) -> None:
    el = b.cac(root, f"{root_name}Line")
    b.cbc(el, "ID", line.get("line_number", position))
    quantity = "InvoicedQuantity" if root_name == "Invoice" else "CreditedQuantity"
    b.cbc(el, quantity, plain(line["quantity"]), unitCode=common.unit_code(line.get("unit")))
    b.money(el, "LineExtensionAmount", common.line_total(line))
    if line.get("discount"):
        charge = b.cac(el, "AllowanceCharge")
        b.cbc(charge, "ChargeIndicator", "false")
        b.cbc(charge, "AllowanceChargeReason", "Discount")
        b.money(charge, "Amount", line["discount"])
    item = b.cac(el, "Item")
    b.cbc(item, "Name", line.get("description") or line.get("sku"))
    if line.get("sku"):
        b.cbc(b.cac(item, "SellersItemIdentification"), "ID", line["sku"])
    _category(b, item, "ClassifiedTaxCategory", common.line_rate(invoice, line))
    b.money(b.cac(el, "Price"), "PriceAmount", line.get("unit_price", common.line_total(line)))


# --- reading ----------------------------------------------------------------------------------


def from_ubl(xml: bytes) -> dict[str, Any]:
    """A canonical invoice record from UBL 2.1 Invoice or CreditNote XML."""
    root = etree.fromstring(xml)
    credit = etree.QName(root).localname == "CreditNote" or _text(root, "cbc:InvoiceTypeCode") == common.CREDIT_NOTE
    record: dict[str, Any] = {
        "number": _text(root, "cbc:ID"),
        "kind": "credit_note" if credit else "invoice",
        "currency": _text(root, "cbc:DocumentCurrencyCode"),
        "issue_date": _text(root, "cbc:IssueDate"),
        "status": "open",
    }
    due = _text(root, "cbc:DueDate") or _text(root, "cac:PaymentMeans/cbc:PaymentDueDate")
    _put(record, "due_date", due)
    _put(record, "order_number", _text(root, "cac:OrderReference/cbc:ID"))
    if credit:
        record["credits_invoice"] = _text(root, "cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID") or common.UNKNOWN_INVOICE
    buyer = root.find("cac:AccountingCustomerParty/cac:Party", NS)
    record["customer"] = _party(buyer)
    _put(record, "billing_address", _address_of(buyer))
    record["lines"] = [_line_of(el) for el in root.findall("cac:InvoiceLine", NS) + root.findall("cac:CreditNoteLine", NS)]
    record["tax_lines"] = [_tax_of(el) for el in root.findall("cac:TaxTotal/cac:TaxSubtotal", NS)]
    record.update(_totals_of(root, record["currency"]))
    record["attributes"] = {"seller": _party(root.find("cac:AccountingSupplierParty/cac:Party", NS))}
    return record


def _text(el, path: str) -> str | None:
    found = el.find(path, NS) if el is not None else None
    return found.text.strip() if found is not None and found.text else None


def _put(record: dict, key: str, value: Any) -> None:
    if value:
        record[key] = value


def _party(party) -> dict[str, Any]:
    found = {
        "name": _text(party, "cac:PartyLegalEntity/cbc:RegistrationName") or _text(party, "cac:PartyName/cbc:Name"),
        "email": _text(party, "cac:Contact/cbc:ElectronicMail"),
        "tax_id": _text(party, "cac:PartyTaxScheme/cbc:CompanyID"),
    }
    return {k: v for k, v in found.items() if v}


def _address_of(party) -> dict[str, Any]:
    paths = {"company": "cac:PartyLegalEntity/cbc:RegistrationName", "line1": "cac:PostalAddress/cbc:StreetName",
             "line2": "cac:PostalAddress/cbc:AdditionalStreetName", "city": "cac:PostalAddress/cbc:CityName",
             "postal_code": "cac:PostalAddress/cbc:PostalZone", "region": "cac:PostalAddress/cbc:CountrySubentity",
             "country": "cac:PostalAddress/cac:Country/cbc:IdentificationCode"}
    found = {k: _text(party, p) for k, p in paths.items()}
    return {"kind": "billing", **{k: v for k, v in found.items() if v}} if any(found.values()) else {}


def _line_of(el) -> dict[str, Any]:
    quantity = el.find("cbc:InvoicedQuantity", NS)
    if quantity is None:
        quantity = el.find("cbc:CreditedQuantity", NS)
    line: dict[str, Any] = {"quantity": quantity.text.strip(),
                            "unit": common.UNIT_NAMES.get(quantity.get("unitCode"), quantity.get("unitCode"))}
    number = _text(el, "cbc:ID")
    if number and number.isdigit() and int(number) > 0:
        line["line_number"] = int(number)
    _put(line, "sku", _text(el, "cac:Item/cac:SellersItemIdentification/cbc:ID"))
    _put(line, "description", _text(el, "cac:Item/cbc:Name"))
    _put(line, "unit_price", _text(el, "cac:Price/cbc:PriceAmount"))
    discounts = [Decimal(_text(a, "cbc:Amount")) for a in el.findall("cac:AllowanceCharge", NS)
                 if _text(a, "cbc:ChargeIndicator") == "false"]
    if discounts:
        line["discount"] = str(sum(discounts, Decimal(0)))
    line["line_total"] = _text(el, "cbc:LineExtensionAmount")
    return {k: v for k, v in line.items() if v is not None}


def _tax_of(el) -> dict[str, Any]:
    rate = Decimal(_text(el, "cac:TaxCategory/cbc:Percent") or "0")
    return {"name": f"VAT {plain(rate)}%", "rate": str(rate / 100),
            "taxable_amount": _text(el, "cbc:TaxableAmount"), "amount": _text(el, "cbc:TaxAmount")}


def _totals_of(root, currency: str) -> dict[str, Any]:
    total = root.find("cac:LegalMonetaryTotal", NS)
    tax = next((t.text for t in root.findall("cac:TaxTotal/cbc:TaxAmount", NS) if t.get("currencyID") == currency), None)
    out = {"subtotal": _text(total, "cbc:TaxExclusiveAmount"), "tax_total": tax,
           "total": _text(total, "cbc:TaxInclusiveAmount"), "amount_due": _text(total, "cbc:PayableAmount")}
    return {k: v for k, v in out.items() if v is not None}
