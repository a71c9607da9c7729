"""Customer text in e-mail: escaped in the invoice's HTML copy, verbatim in plain-text notices."""

from __future__ import annotations

from connectors.email import EmailConnector
from hub.pipeline.templates import compile_template, render
from tests.connectors.email.test_email_connector import _ctx, smtp_server  # noqa: F401
from tests.o2c.einvoice.test_delivery import erp_invoice
from tests.o2c.einvoice.test_einvoice import SELLER

HOSTILE = '<script>alert("paid")</script> & <a href="https://evil.example">Click to confirm payment</a>'


def _mail(server) -> EmailConnector:
    return EmailConnector.from_config("mail", {
        "host": "127.0.0.1", "port": server.port, "from": "ar@hub.example", "to": "ar-team@example.com",
        "timeout": 5, "seller": SELLER})


def test_the_invoice_html_copy_escapes_customer_text(smtp_server):  # noqa: F811
    invoice = erp_invoice(customer={"name": HOSTILE, "email": "ap@acme.example"}, order_number=HOSTILE)
    _mail(smtp_server).send_invoice({"invoice": invoice}, _ctx("inv"))
    [received] = smtp_server.inbox.messages
    html = next(p for p in received.iter_attachments() if p.get_content_type() == "text/html")
    page = html.get_payload(decode=True).decode("utf-8")
    assert "&lt;script&gt;alert(&#34;paid&#34;)&lt;/script&gt; &amp; &lt;a href=&#34;https://evil.example&#34;&gt;" in page
    assert "<script" not in page and 'href="https://evil.example"' not in page


def test_a_notice_goes_as_plain_text_with_the_customer_text_as_written(smtp_server):  # noqa: F811
    text = render(compile_template("Overdue: {{ name }}, invoice {{ number }}"), {"name": HOSTILE, "number": "INV-7"})
    _mail(smtp_server).actions()["notify"]({"text": text, "subject": "Overdue invoice INV-7"}, _ctx("n"))
    [received] = smtp_server.inbox.messages
    assert received.get_content_type() == "text/plain"  # no HTML part a mail client could render
    assert received.get_content().rstrip("\r\n") == f"Overdue: {HOSTILE}, invoice INV-7"
