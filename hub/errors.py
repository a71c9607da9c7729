"""The one error tree of o2c-hub, grouped by what the caller does next.

    HubError
    ├── ConfigError              a recipe or config file is wrong; carries every Issue found
    ├── SignatureError           an inbound webhook failed verification: answer 401, store nothing
    ├── Held                     a step waits for a person (credit approval): the run is held
    ├── RecordingError           the hub's own record keeping for a run failed: the run ends dead
    ├── ConnectorError           a step or an outbound call failed (connection, action, status)
    │   ├── RetriableError       try again later (timeouts, 5xx, 429); may carry retry_after seconds
    │   │   ├── ThrottledError   the remote system's rate limit could not be waited out
    │   │   └── CustomerNotKnown an invoice names an unknown customer by no system's id
    │   ├── FatalError           retrying cannot help (4xx, bad data): dead-letter at once
    │   │   └── InvalidRecordError   a record does not match its canonical schema
    │   │       └── OrderDoesNotAddUpError   an order's lines, shipping and taxes miss its total
    │   └── SkippableRecordError     drop this record, carry on with the rest
    └── RefusedError             a person's or client's request cannot be done as asked and
        │                        nothing was changed: say why (exit 1; the API and console 4xx)
        ├── NotFoundError        what the request names does not exist (404)
        │   ├── RunNotFound
        │   ├── ProposalNotFound
        │   └── CustomerNotFound
        ├── ConflictError        it exists, but its state does not allow this now (409)
        │   ├── ReplayError          the run is in progress, its event pruned or its recipe gone
        │   ├── CreditDecisionError  no credit check of that order waits for a decision
        │   └── ProposalError        the proposal was decided already, or an invoice closed since
        ├── InvalidChoice        a candidate or allocation that breaks a rule (400)
        ├── InputError           a file or value given to a command cannot be used
        ├── UserError            a console user cannot be added or removed as asked
        ├── LoginThrottled       too many failed logins for one name from one address (429)
        ├── StarterFilesExist    ``o2c-hub init`` would overwrite starter files
        ├── DemoRefused          the demo cannot start here
        └── CannotListen         the server's address is taken or not allowed: nothing started

Errors carry context (connection, action, step, HTTP status, a short excerpt of the
response) and never a secret: messages are built from redacted values only. The class name is
what a run records as its ``error_class``, so a class is renamed only with a migration.

Not in the tree, on purpose, are exceptions that never leave the module raising them or that a
library dictates: a filter step's ``Filtered`` (the run ends successfully), the JMESPath
``FunctionError`` (jmespath's own base), click's ``UsageFailure``, the Tryton client's private
retry signals, and the errors the sandboxes raise inside the vendor systems they stand in for.
tests/test_error_tree.py keeps this list and the drawing above true.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any


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


class Held(HubError):
    """A step stops the run to wait for a person (e.g. a credit approval): not an error to retry.

    ``detail`` is what the on_hold handlers see as ``run.hold``.
    """

    def __init__(self, message: str, *, detail: dict[str, Any] | None = None):
        super().__init__(message)
        self.detail = detail or {}


class RecordingError(HubError):
    """The hub's own record keeping for a run failed: the run is stopped, dead, to be replayed.

    :meth:`during` names what the hub was doing and the exception's type, never its text: a
    database error's text can quote the values (payload) it was writing.
    """

    @classmethod
    def during(cls, part: str, cause: BaseException) -> RecordingError:
        return cls(f"the hub's own record keeping failed: {type(cause).__name__} while {part} "
                   f"(nothing of this attempt was saved; replay the run once the cause is fixed)")


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


class ThrottledError(RetriableError):
    """The remote system's rate limit could not be waited out (e.g. Shopify's query-cost bucket
    answered THROTTLED once too often); ``retry_after`` is when it will have room again."""


class CustomerNotKnown(RetriableError):
    """An invoice names a customer the hub does not know (yet), by e-mail, tax id or name only
    (with a system's id the customer is added from the invoice): nothing is stored, and the run
    waits for the customer through its recipe's retries, dead-lettered with this error after the
    last one, never stored with no customer and called a success."""


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


class RefusedError(HubError):
    """A request (a command, an admin API call, a console form) cannot be done as asked, and
    nothing was changed; the message says why in words a finance admin understands."""


class NotFoundError(RefusedError):
    """What the request names (a run, a proposal, a customer) does not exist."""


class RunNotFound(NotFoundError):
    """There is no run with that id."""


class ProposalNotFound(NotFoundError):
    """There is no cash-application proposal with that id."""


class CustomerNotFound(NotFoundError):
    """No customer matches the reference given."""


class ConflictError(RefusedError):
    """What the request names exists, but its state does not allow this now (decided already,
    still running): look again, then ask again if it still makes sense."""


class ReplayError(ConflictError):
    """The run cannot be replayed (still in progress, its event pruned, or its recipe gone)."""


class CreditDecisionError(ConflictError):
    """A person's credit decision cannot be applied (no held check for that order)."""


class ProposalError(ConflictError):
    """A cash-application proposal can no longer be decided (decided already, or an invoice
    of it is no longer open)."""


class InvalidChoice(RefusedError):
    """A candidate or allocation that cannot be applied as given; the message says why."""


class InputError(RefusedError):
    """A file or value given to a command cannot be used; the message names it and says why."""


class UserError(RefusedError):
    """A console user cannot be added or removed as asked; the message says why."""


class LoginThrottled(RefusedError):
    """Too many failed logins for this user name from this address; the message says how long to wait."""


class StarterFilesExist(RefusedError):
    """``o2c-hub init`` found starter files in the folder already (``paths``)."""

    def __init__(self, paths: list[Path]):
        self.paths = paths
        more = f" (and {len(paths) - 1} more starter files)" if len(paths) > 1 else ""
        super().__init__(f"{paths[0]} already exists{more}")


class DemoRefused(RefusedError):
    """The demo cannot start; the message says why and what to do, in one line."""


class CannotListen(RefusedError):
    """The server's address is taken or not allowed here: nothing was started."""
