"""The one error tree of o2c-hub, grouped by what the caller does next.

    HubError
    ├── ConfigError            a recipe or config file is wrong; carries every Issue found
    ├── SignatureError         an inbound webhook failed verification: answer 401, store nothing
    └── ConnectorError         a step or an outbound call failed (connection, action, status)
        ├── RetriableError     try again later (timeouts, 5xx, 429); may carry retry_after seconds
        ├── FatalError         retrying cannot help (4xx, bad data): dead-letter at once
        │   └── InvalidRecordError   a record does not match its canonical schema
        │       └── OrderDoesNotAddUpError   an order's lines, shipping and taxes miss its total
        └── SkippableRecordError     drop this record, carry on with the rest

Errors carry context (connection, action, step, HTTP status, a short excerpt of the
response) and never a secret: messages are built from redacted values only.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True, kw_only=True)
class Issue:
    """One problem in a YAML file, located as precisely as the file allows."""

    file: str
    line: int
    col: int
    path: str  # JSON-pointer-like path inside the document, e.g. "steps/2/map/expr"
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}: {self.path or '/'}: {self.message}"


class HubError(Exception):
    """Root of every error o2c-hub raises on purpose.

    ``where`` is set when the error happened in a recipe step: ``file:line:col: step <id>``,
    so the message in the run record leads the recipe's author to the line at fault.
    """

    where: str | None = None

    def describe(self) -> str:
        """The message with its location in the recipe, when known."""
        return f"{self.where}: {self}" if self.where else str(self)


class ConfigError(HubError):
    """A recipe or configuration file has problems; ``issues`` lists all of them."""

    def __init__(self, issues: list[Issue] | str):
        if isinstance(issues, str):
            self.issues: list[Issue] = []
            super().__init__(issues)
        else:
            self.issues = list(issues)
            super().__init__("\n".join(str(i) for i in self.issues))


class SignatureError(HubError):
    """An inbound webhook could not be verified (bad, missing or stale signature)."""


class ConnectorError(HubError):
    """A call to an external system, or a step acting on data, failed."""

    def __init__(
        self,
        message: str,
        *,
        connection: str | None = None,
        action: str | None = None,
        status: int | None = None,
        response_excerpt: str | None = None,
    ):
        super().__init__(message)
        self.connection = connection
        self.action = action
        self.status = status
        self.response_excerpt = response_excerpt

    def __str__(self) -> str:
        where = "/".join(p for p in (self.connection, self.action) if p)
        text = super().__str__()
        if self.status is not None:
            text = f"HTTP {self.status}: {text}"
        return f"{where}: {text}" if where else text


class RetriableError(ConnectorError):
    """A transient failure: the run is retried with backoff (at least ``retry_after`` s later)."""

    def __init__(self, message: str, *, retry_after: float | None = None, **context):
        super().__init__(message, **context)
        self.retry_after = retry_after


class FatalError(ConnectorError):
    """Retrying cannot help: the run is dead-lettered at once."""


class InvalidRecordError(FatalError):
    """A record does not match its canonical schema; ``problems`` lists each violation."""

    def __init__(self, message: str, *, problems: list[str] | None = None, **context):
        super().__init__(message, **context)
        self.problems = problems or []


class OrderDoesNotAddUpError(InvalidRecordError):
    """An order's lines, shipping and taxes come to more or less than its total, beyond
    rounding: a data problem for a person, held as an exception with both figures."""

    def __init__(self, message: str, *, number: str, currency: str, parts: Decimal,
                 total: Decimal, **context):
        super().__init__(message, problems=[message], **context)
        self.number, self.currency, self.parts, self.total = number, currency, parts, total


class SkippableRecordError(ConnectorError):
    """This record cannot be processed, but the rest of the batch can."""
