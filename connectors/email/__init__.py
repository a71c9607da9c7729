"""The ``email`` connector: notifications and messages over SMTP.

    connections:
      mail:
        connector: email
        host: smtp.example.com
        port: 587
        starttls: true
        username: ar-bot@example.com
        password: "${SMTP_PASSWORD}"
        from: "o2c-hub <ar-bot@example.com>"
        to: [ar-team@example.com]          # default recipients of notify
        seller:                            # the issuing company, for send_invoice
          name: Hub Trading GmbH
          vat_id: DE123456789
          iban: DE89370400440532013000
          email: ar@hub.example
          address: {line1: Chausseestr. 1, city: Berlin, postal_code: "10115", country: DE}

Actions:

``notify``  ``{text, subject?, to?}`` or a plain string; recipients default to ``to`` of the
            connection (the step option ``to`` in between); the subject to the text's first line.
``send``    ``{to, subject, text, html?}``: an explicit message.
``send_invoice``  ``{invoice, format?}``: a canonical invoice or credit note to its customer's
            e-mail (``customer.email``), with the EN 16931 XML (``format`` ubl, the default, or
            cii) and a readable HTML copy attached (hub.o2c.einvoice.delivery). An invoice
            without a customer e-mail is a FatalError naming it.

All return ``{message_id, refused}``; ``send_invoice`` adds what was sent, for the run record:
``{invoice, kind, to, subject, attachments: [{filename, content_type, size, sha256}]}``, never
the text. The Message-ID is derived from the action's idempotency key, so a retried or
replayed run sends a message with the same Message-ID.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.email.client import SmtpSender, SmtpSettings
from connectors.email.message import build_message, recipients, subject_from_text
from hub.connector import Action, ActionContext, Connector
from hub.errors import FatalError
from hub.o2c.einvoice.common import Seller
from hub.o2c.einvoice.delivery import delivery_package

__all__ = ["EmailConnector"]


def _prop(kind: str | list, title: str, description: str, examples: list, **extra: Any) -> dict[str, Any]:
    return {"type": kind, "title": title, "description": description, "examples": examples, **extra}


_ADDRESSES = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}

_SELLER = {
    "type": "object", "title": "Seller",
    "description": "The issuing company that send_invoice names in the e-invoice and the readable copy.",
    "examples": [{"name": "Hub Trading GmbH", "vat_id": "DE123456789", "iban": "DE89370400440532013000",
                  "email": "ar@hub.example",
                  "address": {"line1": "Chausseestr. 1", "city": "Berlin", "postal_code": "10115", "country": "DE"}}],
    "required": ["name", "vat_id", "address"],
    "additionalProperties": False,
    "properties": {
        "name": _prop("string", "Name", "Registered name.", ["Hub Trading GmbH"], minLength=1),
        "vat_id": _prop("string", "VAT id", "VAT identification number.", ["DE123456789"], minLength=1),
        "iban": _prop("string", "IBAN", "Account customers pay into (credit transfer).", ["DE89370400440532013000"]),
        "email": _prop("string", "E-mail", "Contact address printed on the documents.", ["ar@hub.example"]),
        "address": _prop("object", "Address", "Postal address; country is an ISO 3166-1 alpha-2 code.",
                         [{"line1": "Chausseestr. 1", "city": "Berlin", "postal_code": "10115", "country": "DE"}],
                         required=["country"], additionalProperties=False, properties={
                             "line1": _prop("string", "Street", "Street and number.", ["Chausseestr. 1"]),
                             "city": _prop("string", "City", "City or town.", ["Berlin"]),
                             "postal_code": _prop("string", "Postal code", "Postal code.", ["10115"]),
                             "country": _prop("string", "Country", "ISO 3166-1 alpha-2 country code.", ["DE"],
                                              pattern="^[A-Z]{2}$")}),
    },
}

EMAIL_CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "email connection",
    "description": "Sends e-mail through an SMTP server (plain, STARTTLS or implicit TLS).",
    "type": "object",
    "required": ["host", "from"],
    "additionalProperties": False,
    "examples": [
        {"host": "localhost", "from": "o2c-hub@example.com", "to": ["ar-team@example.com"]},
        {"host": "smtp.example.com", "port": 587, "starttls": True, "username": "ar-bot@example.com",
         "password": "${SMTP_PASSWORD}", "from": "o2c-hub <ar-bot@example.com>", "to": "ar-team@example.com"},
    ],
    "properties": {
        "host": _prop("string", "Host", "SMTP server host name.", ["smtp.example.com"]),
        "port": _prop("integer", "Port", "SMTP port: 25 or 587 (STARTTLS), 465 (ssl); default 465 with ssl, else 25.",
                      [587, 465, 25], minimum=1, maximum=65535),
        "username": _prop("string", "Username", "Login user; no login when absent.", ["ar-bot@example.com"]),
        "password": _prop("string", "Password", "Login password.", ["${SMTP_PASSWORD}"], secret=True),
        "from": _prop("string", "From", "Sender address, optionally with a display name.", ["o2c-hub <ar-bot@example.com>"]),
        "to": {**_ADDRESSES, "title": "Default recipients", "description": "Recipients of notify when neither payload nor step names any.",
               "examples": [["ar-team@example.com"], "ar-team@example.com, ops@example.com"]},
        "starttls": _prop("boolean", "STARTTLS", "Upgrade the plain connection with STARTTLS before login.", [True], default=False),
        "ssl": _prop("boolean", "Implicit TLS", "Connect with TLS from the start (SMTPS, usually port 465).", [False], default=False),
        "timeout": _prop("number", "Timeout", "Seconds to wait for the server per operation.", [30], default=30, exclusiveMinimum=0),
        "seller": _SELLER,
    },
}


class EmailConnector(Connector):
    """Sends e-mail; one SMTP session per message."""

    kind = "email"
    config_schema = EMAIL_CONFIG_SCHEMA

    def __init__(self, name: str, config: Mapping[str, Any], *, sender: SmtpSender):
        super().__init__(name, config)
        self.sender = sender
        self.from_address: str = config["from"]
        self.default_to = recipients(config.get("to"))
        self.seller = Seller.from_config(config["seller"]) if config.get("seller") else None

    @classmethod
    def from_config(cls, name: str, config: Mapping[str, Any]) -> EmailConnector:
        """Read the SMTP settings; nothing connects until a message is sent."""
        use_ssl = bool(config.get("ssl", False))
        settings = SmtpSettings(
            host=config["host"], port=int(config.get("port") or (465 if use_ssl else 25)),
            username=config.get("username"), password=config.get("password"),
            starttls=bool(config.get("starttls", False)), ssl=use_ssl, timeout=float(config.get("timeout", 30)),
        )
        return cls(name, config, sender=SmtpSender(settings, connection=name))

    def actions(self) -> Mapping[str, Action]:
        return {"notify": self.notify, "send": self.send, "send_invoice": self.send_invoice}

    def notify(self, payload: Any, context: ActionContext) -> dict[str, Any]:
        """Send a notification: ``{text, subject?, to?}`` or a plain string."""
        fields = {"text": payload} if isinstance(payload, str) else dict(payload or {})
        text = str(fields.get("text") or "")
        to = recipients(fields.get("to")) or recipients(context.options.get("to")) or self.default_to
        subject = fields.get("subject") or context.options.get("subject") or subject_from_text(text)
        return self._deliver(to, subject, text, None, context, action="notify")

    def send(self, payload: Any, context: ActionContext) -> dict[str, Any]:
        """Send an explicit message: ``{to, subject, text, html?}``."""
        fields = dict(payload or {})
        missing = [k for k in ("to", "subject", "text") if not fields.get(k)]
        if missing:
            raise FatalError(f"send needs {', '.join(missing)}", connection=self.name, action="send")
        return self._deliver(recipients(fields["to"]), str(fields["subject"]), str(fields["text"]),
                             fields.get("html"), context, action="send")

    def send_invoice(self, payload: Any, context: ActionContext) -> dict[str, Any]:
        """Send ``{invoice, format?}`` to the invoice's customer e-mail with its documents attached."""
        fields = dict(payload or {})
        if self.seller is None:
            raise FatalError("send_invoice needs the seller: add seller: {name, vat_id, address: {country}} "
                             f"to connection {self.name}", connection=self.name, action="send_invoice")
        if not isinstance(fields.get("invoice"), Mapping):
            raise FatalError("send_invoice needs invoice (a canonical invoice)", connection=self.name, action="send_invoice")
        try:
            package = delivery_package(fields["invoice"], self.seller, fmt=str(fields.get("format") or "ubl"))
        except FatalError as error:
            error.connection, error.action = self.name, "send_invoice"
            raise
        message = build_message(sender=self.from_address, to=[package.to], subject=package.subject, text=package.text,
                                html=None, idempotency_key=context.idempotency_key, attachments=package.attachments)
        return {**self.sender.send(message, action="send_invoice"), **package.summary()}

    def _deliver(self, to: list[str], subject: str, text: str, html: str | None,
                 context: ActionContext, *, action: str) -> dict[str, Any]:
        if not to:
            raise FatalError("no recipients: set to in the payload, the step or the connection",
                             connection=self.name, action=action)
        message = build_message(sender=self.from_address, to=to, subject=subject, text=text, html=html,
                                idempotency_key=context.idempotency_key)
        return self.sender.send(message, action=action)
