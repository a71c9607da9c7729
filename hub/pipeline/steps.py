"""The step kinds a recipe can use. Each is built once from its model (names resolved,
expressions compiled) and then only executed; nothing dispatches on strings at run time.

Every step returns its output, which later steps see under the step's id.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from jinja2 import Template

from hub.connector import Action, ActionContext, lookup_of
from hub.errors import FatalError
from hub.o2c import canonical
from hub.o2c.orders.held import hold_unless_adds_up
from hub.pipeline import templates
from hub.pipeline.context import RunContext
from hub.pipeline.functions import search
from hub.runs.ledger import effect_key
from hub.store.upsert import upsert


class Expression:
    """A compiled JMESPath expression with its source, for error messages."""

    def __init__(self, source: str, compiled: Any):
        self.source = source
        self._compiled = compiled

    def __call__(self, data: Any) -> Any:
        return search(self._compiled, data)


class Filtered(Exception):
    """Raised by a filter step whose condition is false: the run ends, successfully."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Step:
    id: str
    when: Expression | None
    location: str  # "recipes/orders.yaml:12:5", where the step is written

    kind = "step"

    def prepare(self, ctx: RunContext) -> Any:
        """The step's input, taken from the run's data (recorded with the step run)."""
        return None

    def execute(self, ctx: RunContext, given: Any) -> Any:  # pragma: no cover - overridden
        raise NotImplementedError


@dataclass(frozen=True, slots=True, kw_only=True)
class MapStep(Step):
    """``map: {expr: "{number: name}", into: sales_order}`` reshapes ``from`` (default: event)."""

    expr: Expression
    source: Expression
    into: str | None
    kind = "map"

    def prepare(self, ctx: RunContext) -> Any:
        return self.source(ctx.data)

    def execute(self, ctx: RunContext, given: Any) -> Any:
        result = self.expr(given)
        return canonical.check(self.into, result) if self.into else result


#: What a validate step checks beyond the schema, by entity (looked up once, when built).
_RULES: dict[str, Callable[..., Exception | None]] = {"sales_order": hold_unless_adds_up}


@dataclass(frozen=True, slots=True, kw_only=True)
class ValidateStep(Step):
    """``validate: {schema: sales_order, from: order}`` checks and normalizes a record.

    A sales order must also add up: when its lines, shipping and taxes miss its total beyond
    rounding, an open ``order-totals`` exception keeps both figures and the run is
    dead-lettered (OrderDoesNotAddUpError) before a later step can send the order on.
    """

    schema: str
    source: Expression
    rule: Callable[..., Exception | None] | None = field(init=False, default=None)
    kind = "validate"

    def __post_init__(self) -> None:
        object.__setattr__(self, "rule", _RULES.get(self.schema))

    def prepare(self, ctx: RunContext) -> Any:
        return self.source(ctx.data)

    def execute(self, ctx: RunContext, given: Any) -> Any:
        record = canonical.check(self.schema, given)
        if self.rule is not None:
            with ctx.sessions.begin() as session:
                problem = self.rule(session, record, run_id=ctx.run_id)
            if problem is not None:  # raised once committed: the exception row stays
                raise problem
        return record


@dataclass(frozen=True, slots=True, kw_only=True)
class FilterStep(Step):
    """``filter: "!(event.test)"`` ends the run here (successfully) when the condition is false."""

    condition: Expression
    kind = "filter"

    def execute(self, ctx: RunContext, given: Any) -> Any:
        if not truthy(self.condition(ctx.data)):
            raise Filtered(self.condition.source)
        return True


@dataclass(frozen=True, slots=True, kw_only=True)
class UpsertStep(Step):
    """``upsert: {entity: sales_order, from: order, ref: {connection: shop, id: "event.id"}}``.

    Its output says what the store did: ``{entity, id, created, changed, stale}``; ``stale`` is
    true when the record was an older copy than the stored one and so was ignored.
    """

    entity: str
    source: Expression
    ref_connection: str | None
    ref_id: Expression | None
    kind = "upsert"

    def prepare(self, ctx: RunContext) -> Any:
        return self.source(ctx.data)

    def execute(self, ctx: RunContext, given: Any) -> Any:
        ref = None
        if self.ref_connection and self.ref_id:
            ref = (self.ref_connection, _required(self.ref_id, ctx.data, "ref.id"))
        with ctx.sessions.begin() as session:  # upsert validates and normalizes the record
            result = upsert(session, self.entity, given, ref=ref)
        return {"entity": self.entity, "id": result.id, "created": result.created,
                "changed": result.changed, "stale": result.stale}


@dataclass(frozen=True, slots=True, kw_only=True)
class CallStep(Step):
    """``call: {connection: erp, action: create_order, with: "order", key: "order.number"}``.

    ``read_only: true`` (a call that changes nothing, e.g. ``list_sales_orders``) bypasses the
    ledger: every attempt, retry and replay calls again and sees the live answer.
    """

    connection: str
    action_name: str
    action: Action
    payload: Expression | None
    key: Expression | None
    options: dict[str, Any]
    read_only: bool = False
    kind = "call"

    def prepare(self, ctx: RunContext) -> Any:
        return self.payload(ctx.data) if self.payload else None

    def execute(self, ctx: RunContext, given: Any) -> Any:
        if self.read_only:
            return _read(self, ctx, given)
        return _perform(self, ctx, given, self.action)


@dataclass(frozen=True, slots=True, kw_only=True)
class NotifyStep(Step):
    """``notify: {connection: slack, text: "Order {{ order.number }} booked"}``."""

    connection: str
    template: Template
    channel: str | None
    key: Expression | None
    action: Action
    kind = "notify"

    @property
    def options(self) -> dict[str, Any]:
        return {"channel": self.channel} if self.channel else {}

    def prepare(self, ctx: RunContext) -> Any:
        return {"text": templates.render(self.template, ctx.data), **self.options}

    def execute(self, ctx: RunContext, given: Any) -> Any:
        return _perform(self, ctx, given, self.action)


@dataclass(frozen=True, slots=True, kw_only=True)
class ForEachStep(Step):
    """``for_each: {in: "order.lines", as: line, steps: [...]}`` runs steps once per item."""

    items: Expression
    as_: str
    steps: tuple[Step, ...]
    kind = "for_each"

    def prepare(self, ctx: RunContext) -> Any:
        return self.items(ctx.data)

    def execute(self, ctx: RunContext, items: Any) -> Any:
        from hub.pipeline.runner import run_steps  # the runner drives nested steps too

        if items is None:
            return []
        if not isinstance(items, list):
            raise FatalError(f"for_each {self.id}: '{self.items.source}' is not a list")
        outputs = []
        for index, item in enumerate(items):
            child = ctx.child(self.as_, item, f"{self.id}[{index}]")
            outputs.append(run_steps(self.steps, child, prefix=f"{self.id}[{index}]."))
        return outputs


def _perform(step: CallStep | NotifyStep, ctx: RunContext, payload: Any, action: Action) -> Any:
    """Run ``action`` once per business key, through the idempotency ledger."""
    business = _required(step.key, ctx.data, "key") if step.key else ctx.business_key
    key = effect_key(ctx.recipe, step.id, ctx.key_suffix, business)
    action_ctx = ActionContext(
        idempotency_key=key, run_id=ctx.run_id, step_id=step.id, options=step.options
    )
    lookup = lookup_of(action)  # asked first when an earlier attempt left the effect pending
    outcome = ctx.ledger.once(key, step.id, lambda: action(payload, action_ctx),
                              lookup=(lambda: lookup(payload, action_ctx)) if lookup else None)
    ctx.last_reused = outcome.reused
    return outcome.result


def _read(step: CallStep, ctx: RunContext, payload: Any) -> Any:
    """Call a read-only action now, outside the ledger (its key names this attempt alone)."""
    key = effect_key(ctx.recipe, step.id, ctx.key_suffix, f"run-{ctx.run_id}", f"attempt-{ctx.attempt}")
    ctx.last_reused = False
    return step.action(payload, ActionContext(idempotency_key=key, run_id=ctx.run_id, step_id=step.id,
                                              options=step.options))


def _required(expr: Expression, data: Any, what: str) -> str:
    value = expr(data)
    if value is None or value == "":
        raise FatalError(f"{what} '{expr.source}' is empty for this event")
    return str(value)


def truthy(value: Any) -> bool:
    """JMESPath truthiness: false, null, empty string, list and object are false."""
    return value not in (None, False, "", [], {})
