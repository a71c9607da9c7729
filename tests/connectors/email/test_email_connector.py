"""EmailConnector against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import socket
import time

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from connectors.email import EmailConnector
from connectors.email.client import classify
from connectors.email.message import message_id, subject_from_text
from hub.connector import ActionContext
from hub.errors import FatalError, RetriableError


class Inbox:
    """An aiosmtpd handler keeping every message; ``refuse`` scripts a RCPT reply."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.refuse: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return self.refuse
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"ar-bot" and auth_data.password == b"s3cret"
    return AuthResult(success=ok, handled=False)


@pytest.fixture
def smtp_server():
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port(),
                            authenticator=_authenticate, auth_require_tls=False)
    controller.start()
    controller.inbox = inbox
    yield controller
    controller.stop()


def _mail(server, **extra) -> EmailConnector:
    config = {"host": "127.0.0.1", "port": server.port, "from": "o2c-hub <ar-bot@example.com>",
              "to": ["ar-team@example.com"], "timeout": 5, **extra}
    return EmailConnector.from_config("mail", config)


def _ctx(key: str = "run-7/alert", **options) -> ActionContext:
    return ActionContext(idempotency_key=key, options=options)


def test_notify_delivers_to_default_recipients(smtp_server):
    answer = _mail(smtp_server).actions()["notify"]({"text": "Invoice INV-9 is 30 days late\nCustomer: Acme"}, _ctx())
    [received] = smtp_server.inbox.messages
    assert received["Subject"] == "Invoice INV-9 is 30 days late"
    assert received["To"] == "ar-team@example.com"
    assert received["From"] == "o2c-hub <ar-bot@example.com>"
    assert received.get_content().replace("\r\n", "\n").strip() == "Invoice INV-9 is 30 days late\nCustomer: Acme"
    assert received["Message-ID"] == answer["message_id"] == message_id("run-7/alert", "ar-bot@example.com")
    assert smtp_server.inbox.envelopes == [("ar-bot@example.com", ["ar-team@example.com"])]


@pytest.mark.parametrize(
    ("payload", "options", "expected"),
    [({"text": "x", "to": "cfo@example.com"}, {"to": "ops@example.com"}, ["cfo@example.com"]),
     ({"text": "x"}, {"to": "ops@example.com, it@example.com"}, ["ops@example.com", "it@example.com"]),
     ("x", {}, ["ar-team@example.com"])],
    ids=["payload", "step-option", "connection-default"],
)
def test_recipient_precedence(smtp_server, payload, options, expected):
    _mail(smtp_server).notify(payload, _ctx(**options))
    assert smtp_server.inbox.envelopes[0][1] == expected


def test_send_with_html_alternative_and_login(smtp_server):
    connector = _mail(smtp_server, username="ar-bot", password="s3cret")
    connector.actions()["send"]({"to": ["a@example.com", "b@example.com"], "subject": "Statement",
                                 "text": "Your statement", "html": "<p>Your statement</p>"}, _ctx("k2"))
    [received] = smtp_server.inbox.messages
    assert received["Subject"] == "Statement" and received["To"] == "a@example.com, b@example.com"
    assert received.get_body(("plain",)).get_content().strip() == "Your statement"
    assert received.get_body(("html",)).get_content().strip() == "<p>Your statement</p>"


def test_same_idempotency_key_same_message_id(smtp_server):
    connector = _mail(smtp_server)
    connector.notify("first try", _ctx("run-9/notify"))
    connector.notify("retry", _ctx("run-9/notify"))
    connector.notify("other", _ctx("run-10/notify"))
    ids = [m["Message-ID"] for m in smtp_server.inbox.messages]
    assert ids[0] == ids[1] != ids[2]


def test_wrong_password_is_fatal_and_secret_free(smtp_server):
    with pytest.raises(FatalError) as caught:
        _mail(smtp_server, username="ar-bot", password="wrong-pw").notify("x", _ctx())
    assert "535" in str(caught.value) and "wrong-pw" not in str(caught.value)


@pytest.mark.parametrize(("reply", "error"), [("450 Mailbox busy", RetriableError), ("550 No such user", FatalError)],
                         ids=["4xx", "5xx"])
def test_refused_recipient_classified(smtp_server, reply, error):
    smtp_server.inbox.refuse = reply
    with pytest.raises(error):
        _mail(smtp_server).notify("x", _ctx())


def test_starttls_not_offered_is_fatal(smtp_server):
    with pytest.raises(FatalError, match="TLS"):
        _mail(smtp_server, starttls=True).notify("x", _ctx())


def test_unreachable_server_is_retriable():
    connector = EmailConnector.from_config("mail", {"host": "127.0.0.1", "port": _free_port(),
                                                    "from": "hub@example.com", "to": "x@example.com", "timeout": 2})
    started = time.monotonic()
    with pytest.raises(RetriableError, match="unreachable"):
        connector.notify("x", _ctx())
    assert time.monotonic() - started < 3


@pytest.mark.parametrize(("payload", "message"), [
    ({"subject": "s", "text": "t"}, "send needs to"),
    ({"to": "a@example.com"}, "send needs subject, text"),
], ids=["no-to", "no-subject-text"])
def test_send_requires_fields(smtp_server, payload, message):
    with pytest.raises(FatalError, match=message):
        _mail(smtp_server).send(payload, _ctx())


def test_notify_without_any_recipient(smtp_server):
    connector = EmailConnector.from_config("mail", {"host": "127.0.0.1", "port": smtp_server.port, "from": "h@example.com"})
    with pytest.raises(FatalError, match="no recipients"):
        connector.notify("x", _ctx())


def test_subject_from_text_shortens_long_lines():
    assert subject_from_text("\n\n  hello \nworld") == "hello"
    assert len(subject_from_text("x" * 200)) == 78
    assert subject_from_text("") == "o2c-hub notification"


def test_classify_unknown_error_is_fatal():
    assert isinstance(classify(ValueError("odd"), connection="mail", action="notify"), FatalError)
