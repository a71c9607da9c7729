"""What an invoice is delivered as: the UBL (valid against the OASIS XSD) and the readable
HTML copy, with the summary a run record keeps; ERP-shaped invoices made whole first."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal

import pytest
from lxml import etree

from hub.canonical import check
from hub.errors import FatalError
from hub.o2c.einvoice import Seller, from_ubl
from hub.o2c.einvoice.delivery import as_document, delivery_package
from hub.o2c.einvoice.render import render_html
from tests.o2c.einvoice.test_einvoice import SELLER, cii_schema, our_credit_note, our_invoice, ubl_schemas  # noqa: F401

D = Decimal


def seller(**changes) -> Seller:
    return Seller.from_config({**SELLER, **changes})


def erp_invoice(**changes) -> dict:
    """An invoice as the ERP poll reports it: totals only, no lines, no address."""
    return {"number": "INV/2024/0042", "kind": "invoice", "customer": {"name": "Acme GmbH", "email": "ap@acme.example"},
            "currency": "EUR", "issue_date": "2024-03-01", "due_date": "2024-03-15", "order_number": "#1042",
            "status": "open", "subtotal": D("200.00"), "tax_total": D("38.00"), "total": D("238.00"),
            "amount_due": D("238.00"), "external_refs": [{"system": "tryton", "id": "42"}], **changes}


def erp_credit_note() -> dict:
    """A Tryton credit note: negative amounts, no invoice named."""
    note = erp_invoice(number="CN/2024/0007", kind="credit_note", subtotal=D("-50.00"),
                       tax_total=D("-9.50"), total=D("-59.50"), amount_due=D("-59.50"))
    note.pop("due_date")
    return note


@pytest.mark.parametrize("make", [our_invoice, our_credit_note, erp_invoice, erp_credit_note],
                         ids=["invoice", "credit-note", "erp-invoice", "erp-credit-note"])
def test_ubl_attachment_is_valid_and_carries_the_invoice(make, ubl_schemas):  # noqa: F811
    record = make()
    package = delivery_package(record, seller())
    xml, html = package.attachments
    xsd = ubl_schemas[record["kind"]]
    assert xsd.validate(etree.fromstring(xml.content)), xsd.error_log
    back = check("invoice", from_ubl(xml.content))
    assert (back["number"], back["kind"]) == (record["number"], record["kind"])
    assert back["total"] == abs(D(record["total"]))
    assert sum(line["line_total"] for line in back["lines"]) == back["subtotal"]
    assert xml.content_type == "application/xml" and html.content_type == "text/html"


def test_cii_format_is_valid(cii_schema):  # noqa: F811
    package = delivery_package(erp_invoice(), seller(), fmt="cii")
    assert package.attachments[0].filename == "INV-2024-0042-factur-x.xml"
    assert cii_schema.validate(etree.fromstring(package.attachments[0].content)), cii_schema.error_log


def test_summary_keeps_recipient_subject_names_sizes_and_digests_not_the_text():
    package = delivery_package(erp_invoice(), seller())
    summary = package.summary()
    assert summary == {
        "invoice": "INV/2024/0042", "kind": "invoice", "to": ["ap@acme.example"],
        "subject": "Invoice INV/2024/0042 from Hub Trading GmbH",
        "attachments": [{"filename": a.filename, "content_type": a.content_type, "size": len(a.content),
                         "sha256": hashlib.sha256(a.content).hexdigest()} for a in package.attachments],
    }
    assert [a["filename"] for a in summary["attachments"]] == ["INV-2024-0042.xml", "INV-2024-0042.html"]
    assert "238.00" not in str(summary) and "Acme" not in str(summary)


def test_cover_text_says_what_is_attached_and_owed():
    assert delivery_package(erp_invoice(), seller()).text == (
        "Hello,\n\n"
        "please find attached our invoice INV/2024/0042 of 2024-03-01. The amount payable is EUR 238.00, due on "
        "2024-03-15. Please transfer it to IBAN DE89370400440532013000 quoting INV/2024/0042.\n\n"
        "  INV-2024-0042.xml   the electronic invoice (EN 16931 UBL 2.1)\n"
        "  INV-2024-0042.html  a readable copy\n\n"
        "Hub Trading GmbH <ar@hub.example>\n")
    note = delivery_package({**our_credit_note()}, seller())
    assert note.subject == "Credit note CN-2024-0001 from Hub Trading GmbH"
    assert "It credits EUR 100.00 on invoice INV-2024-0001." in note.text


def test_an_erp_credit_note_is_shown_positive_and_credits_an_unknown_invoice():
    document = as_document(erp_credit_note())
    assert (document["total"], document["tax_total"], document["credits_invoice"]) == (D("59.50"), D("9.50"), "unknown")
    assert delivery_package(erp_credit_note(), seller()).text.count("It credits EUR 59.50.") == 1


def test_an_invoice_without_lines_gets_one_line_per_rate():
    document = as_document(erp_invoice())
    assert document["lines"] == [{"line_number": 1, "description": "Invoice INV/2024/0042, order #1042",
                                  "quantity": D("1"), "unit_price": D("200.00"), "line_total": D("200.00"),
                                  "tax_lines": [{"rate": D("0.19"), "amount": D("38.00")}]}]
    two = as_document(erp_invoice(tax_lines=[{"rate": "0.19", "taxable_amount": "100.00", "amount": "19.00"},
                                             {"rate": "0.07", "taxable_amount": "100.00", "amount": "7.00"}],
                                  tax_total=D("26.00"), total=D("226.00"), amount_due=D("226.00")))
    assert [(li["line_total"], li["description"]) for li in two["lines"]] == [
        (D("100.00"), "Invoice INV/2024/0042, order #1042 (VAT 19 %)"),
        (D("100.00"), "Invoice INV/2024/0042, order #1042 (VAT 7 %)")]


@pytest.mark.parametrize(("customer", "message"), [
    ({"name": "Acme GmbH"}, "invoice INV/2024/0042 has no billing e-mail (customer.email is empty): add the "
                            "customer's billing contact e-mail in the ERP and replay this run to deliver it"),
    ({"name": "Acme GmbH", "email": "not-an-address"}, "invoice 'INV/2024/0042' cannot be delivered: invoice is invalid: "
                                                        "customer/email: must be an e-mail address such as ap@example.com"),
], ids=["no-email", "bad-email"])
def test_an_invoice_that_cannot_reach_its_customer_is_a_fatal_error_naming_it(customer, message):
    with pytest.raises(FatalError) as caught:
        delivery_package(erp_invoice(customer=customer), seller())
    assert str(caught.value) == message


def test_unknown_format_is_refused():
    with pytest.raises(FatalError, match=r"unknown e-invoice format 'pdf' \(known: cii, ubl\)"):
        delivery_package(erp_invoice(), seller(), fmt="pdf")


def test_html_copy_is_self_contained_escaped_and_shows_the_figures():
    record = check("invoice", {**our_invoice(), "customer": {"name": "<script>alert(1)</script> & Co", "email": "ap@acme.example"}})
    html = render_html(as_document(record), seller())
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Co" in html
    assert not re.search(r"\b(src|href)=|url\(|@import|<link|<script", html)
    for text in ("Invoice INV-2024-0001", "Hub Trading GmbH", "VAT ID DE123456789", "Hauptstr. 5", "Consulting",
                 "10 hour", "EUR 178.50", "EUR 78.50", "EUR 100.00", "VAT 19 % on 150.00", "DE89370400440532013000"):
        assert text in html, text


def test_html_copy_of_a_credit_note():
    html = render_html(as_document(erp_credit_note()), seller())
    assert "Credit note CN/2024/0007" in html and "To be refunded" in html and "EUR 59.50" in html
    assert "Please transfer" not in html
