"""send_invoice: one message to the invoice's customer with the UBL and the HTML copy attached,
against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import hashlib

import pytest

from connectors.email import EmailConnector
from hub.errors import FatalError
from tests.connectors.email.test_email_connector import _ctx, smtp_server  # noqa: F401
from tests.o2c.einvoice.test_delivery import erp_credit_note, erp_invoice
from tests.o2c.einvoice.test_einvoice import SELLER


def _mail(server, **extra) -> EmailConnector:
    config = {"host": "127.0.0.1", "port": server.port, "from": "Hub Trading GmbH <ar@hub.example>",
              "timeout": 5, "seller": SELLER, **extra}
    return EmailConnector.from_config("mail", config)


def test_sends_one_message_with_the_two_documents(smtp_server):  # noqa: F811
    answer = _mail(smtp_server).actions()["send_invoice"]({"invoice": erp_invoice()}, _ctx("invoice-delivery/delivered/invoice/INV/2024/0042"))
    [received] = smtp_server.inbox.messages
    assert smtp_server.inbox.envelopes == [("ar@hub.example", ["ap@acme.example"])]
    assert (received["From"], received["To"], received["Subject"]) == (
        "Hub Trading GmbH <ar@hub.example>", "ap@acme.example", "Invoice INV/2024/0042 from Hub Trading GmbH")
    assert received.get_content_type() == "multipart/mixed"
    assert received.get_body(("plain",)).get_content().replace("\r\n", "\n").startswith("Hello,\n\nplease find attached our invoice INV/2024/0042")
    parts = [(p.get_filename(), p.get_content_type(), p.get_payload(decode=True)) for p in received.iter_attachments()]
    assert [(name, kind) for name, kind, _ in parts] == [("INV-2024-0042.xml", "application/xml"),
                                                         ("INV-2024-0042.html", "text/html")]
    assert answer["attachments"] == [{"filename": name, "content_type": kind, "size": len(data),
                                      "sha256": hashlib.sha256(data).hexdigest()} for name, kind, data in parts]
    assert parts[0][2].startswith(b"<?xml") and b"<cbc:ID>INV/2024/0042</cbc:ID>" in parts[0][2]
    assert answer["message_id"] == received["Message-ID"]
    assert {k: answer[k] for k in ("invoice", "kind", "to", "subject", "refused")} == {
        "invoice": "INV/2024/0042", "kind": "invoice", "to": ["ap@acme.example"],
        "subject": "Invoice INV/2024/0042 from Hub Trading GmbH", "refused": {}}
    assert "text" not in answer and "Hello" not in str(answer)


def test_a_credit_note_goes_as_ubl_credit_note(smtp_server):  # noqa: F811
    _mail(smtp_server).send_invoice({"invoice": erp_credit_note()}, _ctx("cn"))
    [received] = smtp_server.inbox.messages
    assert received["Subject"] == "Credit note CN/2024/0007 from Hub Trading GmbH"
    xml = next(received.iter_attachments()).get_payload(decode=True)
    assert b"<CreditNote " in xml and b"<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>" in xml


def test_the_same_key_gives_the_same_message_id(smtp_server):  # noqa: F811
    connector = _mail(smtp_server)
    first = connector.send_invoice({"invoice": erp_invoice()}, _ctx("k/INV-42"))
    again = connector.send_invoice({"invoice": erp_invoice()}, _ctx("k/INV-42"))
    assert first["message_id"] == again["message_id"]
    assert first["attachments"] == again["attachments"]  # the documents are rendered the same way each time


@pytest.mark.parametrize(("extra", "payload", "message"), [
    ({"seller": None}, {"invoice": {"number": "INV-1"}},
     "mail/send_invoice: send_invoice needs the seller: add seller: {name, vat_id, address: {country}} to connection mail"),
    ({}, {"format": "ubl"}, "mail/send_invoice: send_invoice needs invoice (a canonical invoice)"),
    ({}, {"invoice": erp_invoice(customer={"name": "Acme GmbH"})},
     "mail/send_invoice: invoice INV/2024/0042 has no billing e-mail (customer.email is empty): add the customer's "
     "billing contact e-mail in the ERP and replay this run to deliver it"),
], ids=["no-seller", "no-invoice", "no-customer-email"])
def test_refusals_are_fatal_and_send_nothing(smtp_server, extra, payload, message):  # noqa: F811
    with pytest.raises(FatalError) as caught:
        _mail(smtp_server, **extra).send_invoice(payload, _ctx())
    assert str(caught.value) == message
    assert smtp_server.inbox.messages == []
