"""What an effect needs of the idempotency ledger: its key, its outcome and the ledger's face.

    key = effect_key(recipe, step_id, business_key)       readable, at most 400 characters
    outcome = ledger.once(key, step_id, perform, lookup)  performed now, or found done before
    ledger.settle(session)                                 done, in the caller's transaction

The ledger itself (hub/runs/ledger.py: EffectLedger, over the ``effects`` table) belongs to the
engine; the pipeline's steps and the O2C services are handed one (``RunContext.ledger``) and
know it by this protocol only, so they depend on the contract and never on the engine.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy.orm import Session

MAX_KEY = 400


def effect_key(*parts: object) -> str:
    """A readable ledger key from its parts; long keys keep a readable head and a hash."""
    key = "/".join(str(p) for p in parts)
    if len(key) <= MAX_KEY:
        return key
    digest = hashlib.sha256(key.encode()).hexdigest()
    return f"{key[: MAX_KEY - 65]}#{digest}"


@dataclass(frozen=True, slots=True)
class Outcome:
    result: Any
    reused: bool  # from the ledger, or found by the lookup: not performed by this call


class Ledger(Protocol):
    """The effects of one run, each performed once per key."""

    run_id: int | None

    def once(self, key: str, step_id: str, perform: Callable[[], Any],
             lookup: Callable[[], Any] | None = None) -> Outcome:
        """Perform the effect under ``key`` unless it is already done; return its result."""

    def settle(self, session: Session) -> None:
        """Mark every effect performed since the last settle done, in ``session``'s transaction."""
