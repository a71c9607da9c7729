"""EN 16931 as Factur-X / ZUGFeRD CII: a canonical invoice → CrossIndustryInvoice XML
(guideline ``urn:cen.eu:en16931:2017``, elements in the order of the Factur-X EN 16931 schema).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from lxml import etree

from hub.o2c.einvoice import common
from hub.o2c.einvoice.common import Seller, amount, percent, plain

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"


class _Builder:
    def __init__(self, currency: str):
        self.currency = currency

    def ram(self, parent, name: str, text: Any = None, **attrs) -> etree._Element:
        el = etree.SubElement(parent, f"{{{RAM}}}{name}", **attrs)
        if text is not None:
            el.text = str(text)
        return el

    def money(self, parent, name: str, value: Any, **attrs) -> None:
        self.ram(parent, name, amount(value, self.currency), **attrs)

    def day(self, parent, name: str, iso: str) -> None:
        stamp = etree.SubElement(self.ram(parent, name), f"{{{UDT}}}DateTimeString", format="102")
        stamp.text = iso.replace("-", "")


def to_cii(invoice: Mapping[str, Any], seller: Seller) -> bytes:
    """The Factur-X (EN 16931 profile) CrossIndustryInvoice of a normalized canonical invoice."""
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap={"rsm": RSM, "ram": RAM, "udt": UDT})
    b = _Builder(invoice["currency"])
    context = etree.SubElement(root, f"{{{RSM}}}ExchangedDocumentContext")
    b.ram(b.ram(context, "GuidelineSpecifiedDocumentContextParameter"), "ID", common.EN16931)
    document = etree.SubElement(root, f"{{{RSM}}}ExchangedDocument")
    b.ram(document, "ID", invoice["number"])
    credit = invoice.get("kind") == "credit_note"
    b.ram(document, "TypeCode", common.CREDIT_NOTE if credit else common.INVOICE)
    b.day(document, "IssueDateTime", invoice.get("issue_date") or date.today().isoformat())
    transaction = etree.SubElement(root, f"{{{RSM}}}SupplyChainTradeTransaction")
    for position, line in enumerate(invoice.get("lines", []), start=1):
        _line(b, transaction, invoice, line, position)
    _agreement(b, transaction, invoice, seller)
    b.ram(transaction, "ApplicableHeaderTradeDelivery")
    _settlement(b, transaction, invoice, seller, credit)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _line(b: _Builder, transaction, invoice, line, position: int) -> None:
    item = b.ram(transaction, "IncludedSupplyChainTradeLineItem")
    b.ram(b.ram(item, "AssociatedDocumentLineDocument"), "LineID", line.get("line_number", position))
    product = b.ram(item, "SpecifiedTradeProduct")
    if line.get("sku"):
        b.ram(product, "SellerAssignedID", line["sku"])
    b.ram(product, "Name", line.get("description") or line.get("sku"))
    price = b.ram(b.ram(item, "SpecifiedLineTradeAgreement"), "NetPriceProductTradePrice")
    net_price = line.get("unit_price", common.line_total(line))
    b.ram(price, "ChargeAmount", plain(net_price))
    b.ram(b.ram(item, "SpecifiedLineTradeDelivery"), "BilledQuantity", plain(line["quantity"]),
          unitCode=common.unit_code(line.get("unit")))
    settlement = b.ram(item, "SpecifiedLineTradeSettlement")
    rate = common.line_rate(invoice, line)
    tax = b.ram(settlement, "ApplicableTradeTax")
    b.ram(tax, "TypeCode", "VAT")
    b.ram(tax, "CategoryCode", common.tax_category(rate))
    b.ram(tax, "RateApplicablePercent", percent(rate))
    if line.get("discount"):
        charge = b.ram(settlement, "SpecifiedTradeAllowanceCharge")
        etree.SubElement(b.ram(charge, "ChargeIndicator"), f"{{{UDT}}}Indicator").text = "false"
        b.money(charge, "ActualAmount", line["discount"])
        b.ram(charge, "Reason", "Discount")
    b.money(b.ram(settlement, "SpecifiedTradeSettlementLineMonetarySummation"), "LineTotalAmount",
            common.line_total(line))


def _party(b: _Builder, parent, name: str, *, legal_name: str, email: str | None, address: Mapping[str, Any],
           vat_id: str | None) -> None:
    party = b.ram(parent, name)
    b.ram(party, "Name", legal_name)
    postal = b.ram(party, "PostalTradeAddress")
    for key, tag in (("postal_code", "PostcodeCode"), ("line1", "LineOne"), ("city", "CityName")):
        if address.get(key):
            b.ram(postal, tag, address[key])
    b.ram(postal, "CountryID", address.get("country", ""))
    if email:
        b.ram(b.ram(party, "URIUniversalCommunication"), "URIID", email, schemeID="EM")
    if vat_id:
        b.ram(b.ram(party, "SpecifiedTaxRegistration"), "ID", vat_id, schemeID="VA")


def _agreement(b: _Builder, transaction, invoice, seller: Seller) -> None:
    agreement = b.ram(transaction, "ApplicableHeaderTradeAgreement")
    b.ram(agreement, "BuyerReference", invoice.get("order_number") or invoice["number"])
    seller_address = {"line1": seller.line1, "city": seller.city, "postal_code": seller.postal_code,
                      "country": seller.country}
    _party(b, agreement, "SellerTradeParty", legal_name=seller.name, email=seller.email,
           address=seller_address, vat_id=seller.vat_id)
    customer, address = invoice.get("customer") or {}, invoice.get("billing_address") or {}
    buyer_name = customer.get("name") or address.get("company") or address.get("name") or customer.get("email", "")
    _party(b, agreement, "BuyerTradeParty", legal_name=buyer_name, email=customer.get("email"),
           address=address, vat_id=customer.get("tax_id"))
    if invoice.get("order_number"):
        b.ram(b.ram(agreement, "BuyerOrderReferencedDocument"), "IssuerAssignedID", invoice["order_number"])


def _settlement(b: _Builder, transaction, invoice, seller: Seller, credit: bool) -> None:
    settlement = b.ram(transaction, "ApplicableHeaderTradeSettlement")
    b.ram(settlement, "PaymentReference", invoice["number"])
    b.ram(settlement, "InvoiceCurrencyCode", invoice["currency"])
    if seller.iban:
        means = b.ram(settlement, "SpecifiedTradeSettlementPaymentMeans")
        b.ram(means, "TypeCode", common.CREDIT_TRANSFER)
        b.ram(b.ram(means, "PayeePartyCreditorFinancialAccount"), "IBANID", seller.iban)
    t = common.totals(invoice)
    for tax in invoice.get("tax_lines", []):
        rate = Decimal(tax.get("rate", 0))
        el = b.ram(settlement, "ApplicableTradeTax")
        b.money(el, "CalculatedAmount", tax["amount"])
        b.ram(el, "TypeCode", "VAT")
        b.money(el, "BasisAmount", tax.get("taxable_amount", t["basis"]))
        b.ram(el, "CategoryCode", common.tax_category(rate))
        b.ram(el, "RateApplicablePercent", percent(rate))
    if invoice.get("due_date"):
        b.day(b.ram(settlement, "SpecifiedTradePaymentTerms"), "DueDateDateTime", invoice["due_date"])
    summary = b.ram(settlement, "SpecifiedTradeSettlementHeaderMonetarySummation")
    b.money(summary, "LineTotalAmount", t["lines"])
    b.money(summary, "TaxBasisTotalAmount", t["basis"])
    b.money(summary, "TaxTotalAmount", t["tax"], currencyID=invoice["currency"])
    b.money(summary, "GrandTotalAmount", t["grand"])
    if t["prepaid"]:
        b.money(summary, "TotalPrepaidAmount", t["prepaid"])
    b.money(summary, "DuePayableAmount", t["payable"])
    if credit:
        b.ram(b.ram(settlement, "InvoiceReferencedDocument"), "IssuerAssignedID", invoice["credits_invoice"])
