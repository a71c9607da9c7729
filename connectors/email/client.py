"""SMTP over smtplib, with the hub's error classes.

:func:`classify` is the one place an SMTP failure becomes an error class:

    4xx reply, connection refused/reset/timed out, server disconnected   RetriableError
    5xx reply (authentication, refused sender or recipient), TLS errors  FatalError

Messages carry the SMTP code and reply text, never the password.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage

from hub.errors import ConnectorError, FatalError, RetriableError


def classify(error: Exception, *, connection: str | None, action: str | None) -> ConnectorError:
    """The hub error for a failed SMTP exchange."""
    context = {"connection": connection, "action": action}
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = {code for code, _ in error.recipients.values()}
        kind = RetriableError if codes and all(400 <= c < 500 for c in codes) else FatalError
        return kind(f"all recipients refused (SMTP {', '.join(map(str, sorted(codes)))})", **context)
    if isinstance(error, smtplib.SMTPResponseException):
        reply = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
        kind = RetriableError if 400 <= error.smtp_code < 500 else FatalError
        return kind(f"SMTP {error.smtp_code} {' '.join(reply.split())}".strip(), **context)
    if isinstance(error, (ssl.SSLError, smtplib.SMTPNotSupportedError)):
        return FatalError(f"TLS failed ({type(error).__name__}: {error})", **context)
    if isinstance(error, (smtplib.SMTPServerDisconnected, OSError)):
        return RetriableError(f"SMTP server unreachable ({type(error).__name__})", **context)
    return FatalError(f"SMTP failed ({type(error).__name__})", **context)


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpSettings:
    """Where and how to deliver."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False
    timeout: float = 30.0

    def __repr__(self) -> str:  # never show the password
        return f"SmtpSettings(host={self.host!r}, port={self.port}, username={self.username!r}, password=***)"


class SmtpSender:
    """Opens one SMTP session per message (notifications are rare; no idle connections)."""

    def __init__(self, settings: SmtpSettings, *, connection: str | None):
        self.settings, self.connection = settings, connection

    def send(self, message: EmailMessage, *, action: str) -> dict[str, object]:
        """Deliver ``message``; returns the Message-ID and any recipients refused singly."""
        try:
            with self._open() as smtp:
                refused = smtp.send_message(message)
        except (smtplib.SMTPException, OSError) as error:
            raise classify(error, connection=self.connection, action=action) from None
        return {"message_id": message["Message-ID"], "refused": {k: v[0] for k, v in refused.items()}}

    def _open(self) -> smtplib.SMTP:
        """A connected, secured and logged-in session."""
        s = self.settings
        if s.ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=ssl.create_default_context())
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
        try:
            if s.starttls and not s.ssl:
                smtp.starttls(context=ssl.create_default_context())
            if s.username:
                smtp.login(s.username, s.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp
