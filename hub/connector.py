"""The connector contract: what every connector is, a small class with declarative attributes
and a few hooks. The core owns it; each package under connectors/ implements it and imports it
from here, and the core finds the kinds through the registry (hub/registry.py), never by
importing a connector package.

A connector *kind* (``http``, ``slack``, ...) is a subclass of :class:`Connector`. A *connection*
is an instance of it, built from one entry under ``connections:`` in the config file::

    connections:
      erp:                       # the connection name recipes use
        connector: http          # the kind
        base_url: https://erp.example.com/api
        auth: {bearer: {token: "${ERP_TOKEN}"}}

The hub calls, and only calls, these hooks:

``from_config(name, config)``   build a connection from its (already validated) config mapping
``actions()``                   name -> callable(payload, context) for ``call`` / ``notify`` steps
                                (an action may declare what a repeated call does, see below)
``mappings()``                  name -> pure function vendor record -> canonical record, for
                                ``map: {using: <connection>.<name>}`` steps
``verify_webhook(request)``     check an inbound webhook, return its delivery (or raise SignatureError)
``poll(resource, cursor)``      yield records changed since ``cursor.start``
``close()``                     release sessions

``config_schema`` is a JSON Schema for the config mapping; every secret property is marked
``"secret": true`` so the hub can mask its value everywhere.

Delivery of effects. The idempotency ledger (hub/runs/ledger.py) records an effect ``pending``
before the call and ``done`` after it. When the hub dies in between, the next attempt finds the
effect pending and cannot know whether the call reached the target. What it does then is what
the action declares (:func:`delivery_of`):

``lookup``        an attribute ``lookup(payload, context)``: the result of this effect when the
                  target already has it, found by its business key (the sale whose reference is
                  the order number), None when it has none. The ledger asks it before calling
                  again: found → the effect is recorded done with that result, no call; None →
                  the action is called; an exception → the attempt is retried, never calling
                  blindly. Exactly once. Wrap a function with :class:`Findable`.
``repeatable``    an attribute ``repeatable = True``: calling again cannot repeat the effect,
                  because the action itself finds an earlier call's work before it changes
                  anything (an upsert, a search by business key before a create, a state
                  checked before a transition). Exactly once. Wrap a function with
                  :class:`Repeatable`.
neither           called again with the same Idempotency-Key: at least once, unless the target
                  honours that header. ``o2c-hub validate`` warns about such ``call`` steps.

A lookup answers for a complete effect only: when it finds the work of an earlier call cut
short (a draft sale not yet confirmed) it answers None, and the action, called again, must
finish that work rather than start anew.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, ClassVar

from hub.errors import FatalError


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionContext:
    """What an action may know about the run calling it."""

    idempotency_key: str  # stable across retries and replays of the same effect
    run_id: int | None = None
    step_id: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)  # step-level options (e.g. channel)


Action = Callable[[Any, ActionContext], Any]

#: ``lookup(payload, context)``: the effect's result when the target already has it, else None.
Lookup = Callable[[Any, ActionContext], Any]


class Delivery(Enum):
    """How often an action's effect happens when the hub dies between the call and its record."""

    LOOKED_UP = "exactly once: the target is asked before calling again"
    REPEATABLE = "exactly once: a repeated call finds the earlier call's work"
    AT_LEAST_ONCE = "at least once: called again after a crash"


@dataclass(frozen=True, slots=True)
class Findable:
    """An action whose effect the target can be asked about by its business key::

        "create_sale": Findable(lambda order, ctx: sales.create(order), lambda order, ctx: sales.look_up(order))
    """

    perform: Action
    lookup: Lookup

    def __call__(self, payload: Any, context: ActionContext) -> Any:
        return self.perform(payload, context)


@dataclass(frozen=True, slots=True)
class Repeatable:
    """An action that finds an earlier call's work before it changes anything (see the module doc)."""

    perform: Action
    repeatable: ClassVar[bool] = True

    def __call__(self, payload: Any, context: ActionContext) -> Any:
        return self.perform(payload, context)


def lookup_of(action: Action) -> Lookup | None:
    """The action's ``lookup``, or None when it declares none."""
    return getattr(action, "lookup", None)


def delivery_of(action: Action) -> Delivery:
    """What the action declares about a call repeated after a crash (see the module doc)."""
    if lookup_of(action) is not None:
        return Delivery.LOOKED_UP
    if getattr(action, "repeatable", False) is True:
        return Delivery.REPEATABLE
    return Delivery.AT_LEAST_ONCE


class RenderedText(str):
    """A text rendered from a recipe's template, that knows which parts the template wrote.

    It is the plain text wherever a ``str`` is expected (e-mail bodies, run records). A channel
    with a markup of its own (Slack's ``<url|label>``, ``<!channel>``) reads ``parts``, each
    ``(is_value, text)``, and escapes the values only: the links and mentions the recipe's author
    wrote keep working, and data (a customer's name, a note) cannot add any. A plain ``str``
    sent to such a channel is data throughout.
    """

    parts: tuple[tuple[bool, str], ...]

    def __new__(cls, text: str = "", parts: Iterable[tuple[bool, str]] | None = None) -> RenderedText:
        self = super().__new__(cls, text)
        self.parts = tuple(parts) if parts is not None else ((True, str(text)),)
        return self

    @classmethod
    def of(cls, parts: Iterable[tuple[bool, str]]) -> RenderedText:
        """The text of ``parts`` joined, keeping them."""
        kept = tuple((bool(is_value), text) for is_value, text in parts if text)
        return cls("".join(text for _, text in kept), kept)


@dataclass(frozen=True, slots=True, kw_only=True)
class InboundWebhook:
    """An HTTP request as it arrived: the raw body is what signatures are computed over."""

    connection: str
    path: str  # what followed /webhooks/<connection>/ in the URL ("" if nothing)
    headers: Mapping[str, str]  # case-insensitive mapping
    body: bytes
    remote_addr: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookDelivery:
    """A verified webhook: who sent it (delivery id for dedupe), about what, and its payload."""

    delivery_id: str
    topic: str | None
    payload: Any


@dataclass(frozen=True, slots=True, kw_only=True)
class Cursor:
    """Where a poll starts: records changed at or after ``start`` are fetched.

    ``start`` is the last seen timestamp minus the overlap window, so records written
    while the previous poll ran are not missed; already-seen ones are deduplicated on
    (record id, updated_at) by the inbox.
    """

    start: datetime | None
    last_seen_at: datetime | None = None
    last_seen_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PolledRecord:
    """One record a poll returned: its id and change timestamp make its dedupe key."""

    id: str
    updated_at: datetime
    data: Any


class Connector:
    """Base class of every connector kind. Subclasses set ``kind`` and ``config_schema``."""

    kind: ClassVar[str] = ""
    config_schema: ClassVar[dict[str, Any]] = {"type": "object"}
    #: How many polled records the poller may read ahead before it stores them (in one
    #: transaction). 1 for a connector whose poll does something once it is asked for the next
    #: record (the bank connector archives a statement file after its last transaction): each
    #: record is then stored before that happens.
    poll_batch: ClassVar[int] = 100

    def __init__(self, name: str, config: Mapping[str, Any]):
        self.name = name
        self.config = config

    @classmethod
    def from_config(cls, name: str, config: Mapping[str, Any]) -> Connector:
        """Build a connection named ``name`` from its validated config mapping."""
        return cls(name, config)

    def actions(self) -> Mapping[str, Action]:
        """The actions recipes may ``call`` on this connection, by name."""
        return {}

    def mappings(self) -> Mapping[str, Callable[[Any], Any]]:
        """Pure functions from this system's records to canonical ones, by name."""
        return {}

    def resources(self) -> frozenset[str]:
        """The resources a ``poll`` trigger may name on this connection."""
        return frozenset()

    def accepts_webhooks(self) -> bool:
        """Whether ``POST /webhooks/<connection>`` is open for this connection."""
        return False

    def verify_webhook(self, request: InboundWebhook) -> WebhookDelivery:
        """Verify ``request`` and return its delivery; raise SignatureError if it fails."""
        raise FatalError("this connection does not receive webhooks", connection=self.name)

    def poll(self, resource: str, cursor: Cursor) -> Iterator[PolledRecord]:
        """Yield the records of ``resource`` changed since ``cursor.start``, oldest first."""
        raise FatalError(f"this connection cannot poll {resource!r}", connection=self.name)

    def close(self) -> None:
        """Release network resources."""
