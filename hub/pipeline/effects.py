"""Effects on other systems, as call and notify steps make them.

    perform   once per business key, through the idempotency ledger (an action with a lookup
              is asked first when an earlier attempt left the effect pending)
    perform_keyed   the same under a key the caller makes (cash_post: one per payment and invoice,
              whichever recipe sends it)
    read      a read-only call: made by every attempt, outside the ledger
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hub.connector import Action, ActionContext, lookup_of
from hub.idempotency import effect_key
from hub.pipeline.context import RunContext
from hub.pipeline.step import Expression, required_text


def perform(ctx: RunContext, *, step_id: str, action: Action, payload: Any, key: Expression | None,
            options: Mapping[str, Any]) -> Any:
    """Run ``action`` once per business key (``key``'s value, else the event's dedupe key)."""
    business = required_text(key, ctx.data, "key") if key else ctx.business_key
    return perform_keyed(ctx, step_id=step_id, action=action, payload=payload, options=options,
                         idempotency_key=effect_key(ctx.recipe, step_id, ctx.key_suffix, business))


def perform_keyed(ctx: RunContext, *, step_id: str, action: Action, payload: Any, idempotency_key: str,
                  options: Mapping[str, Any] = MappingProxyType({})) -> Any:
    """Run ``action`` once per ``idempotency_key``, however many runs and recipes ask."""
    action_ctx = ActionContext(idempotency_key=idempotency_key, run_id=ctx.run_id, step_id=step_id,
                               options=dict(options))
    lookup = lookup_of(action)  # asked first when an earlier attempt left the effect pending
    outcome = ctx.ledger.once(idempotency_key, step_id, lambda: action(payload, action_ctx),
                              lookup=(lambda: lookup(payload, action_ctx)) if lookup else None)
    ctx.last_reused = outcome.reused
    return outcome.result


def read(ctx: RunContext, *, step_id: str, action: Action, payload: Any, options: Mapping[str, Any]) -> Any:
    """Call a read-only action now, outside the ledger (its key names this attempt alone)."""
    key = effect_key(ctx.recipe, step_id, ctx.key_suffix, f"run-{ctx.run_id}", f"attempt-{ctx.attempt}")
    ctx.last_reused = False
    return action(payload, ActionContext(idempotency_key=key, run_id=ctx.run_id, step_id=step_id,
                                         options=dict(options)))
