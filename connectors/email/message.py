"""Building e-mail messages: pure, no network.

    build_message(sender="ar@example.com", to=["ops@example.com"], subject="Run 42 failed",
                  text="...", html=None, idempotency_key="run-42/notify", attachments=())

The Message-ID is derived from the action's idempotency key, so a retried or replayed
notification carries the same Message-ID and receivers (and mail clients) can drop duplicates.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from email.message import EmailMessage
from email.utils import formatdate, getaddresses
from typing import Protocol

DEFAULT_SUBJECT = "o2c-hub notification"
SUBJECT_CHARS = 78  # a subject derived from the text is cut to one readable header line


class AttachmentLike(Protocol):
    """A file to attach (``hub.o2c.einvoice.delivery.Attachment`` is one); text is UTF-8."""

    filename: str
    content_type: str  # "application/xml"
    content: bytes


def message_id(idempotency_key: str, sender: str) -> str:
    """``<hex@domain>``: the same key and sender always give the same Message-ID."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:40]
    return f"<{digest}@{domain_of(sender)}>"


def domain_of(address: str) -> str:
    """The domain of an address (``o2c-hub.invalid`` when there is none)."""
    parsed = getaddresses([address])
    mailbox = parsed[0][1] if parsed else ""
    return mailbox.rpartition("@")[2] or "o2c-hub.invalid"


def recipients(value: str | Iterable[str] | None) -> list[str]:
    """A recipient list from one address, a comma-separated string or a list."""
    if not value:
        return []
    items = [value] if isinstance(value, str) else list(value)
    return [addr.strip() for item in items for addr in str(item).split(",") if addr.strip()]


def subject_from_text(text: str) -> str:
    """The first non-empty line of ``text``, shortened to one header line."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    if not first:
        return DEFAULT_SUBJECT
    return first if len(first) <= SUBJECT_CHARS else first[: SUBJECT_CHARS - 1] + "…"


def build_message(
    *, sender: str, to: list[str], subject: str, text: str, html: str | None, idempotency_key: str,
    attachments: Sequence[AttachmentLike] = (),
) -> EmailMessage:
    """A plain-text message, with an HTML alternative when ``html`` is given, and then each
    attachment as a part of its own (multipart/mixed)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(to)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Message-ID"] = message_id(idempotency_key, sender)
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for attachment in attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(attachment.content, maintype=maintype, subtype=subtype, filename=attachment.filename,
                               params={"charset": "utf-8"} if maintype == "text" else None)
    return message
