"""Replay: run a finished run's event again through the recipe as it is loaded now.

The new run shares the event, so its effects have the same business keys: whatever already
succeeded is taken from the idempotency ledger, and only what had not happened is done.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select

from hub.errors import ReplayError, RunNotFound
from hub.statuses import REPLAYABLE, RunStatus
from hub.store.platform import AuditEntry, Run


def replay(sessions, run_id: int, recipe_hashes: Mapping[str, str], *, who: str,
           reason: str | None = None, remote_addr: str | None = None) -> int:
    """Queue a replay of run ``run_id``; return the new run's id. The audit line says who asked,
    why (``reason``: a person's; the admin API has none) and from which address."""
    with sessions.begin() as session:
        original = session.get(Run, run_id)
        if original is None:
            raise RunNotFound(f"there is no run {run_id}")
        if original.status not in REPLAYABLE:
            raise ReplayError(f"run {run_id} is {original.status}; only finished runs "
                              f"({' or '.join(REPLAYABLE)}) can be replayed")
        if original.event.pruned_at is not None:
            raise ReplayError(f"the event of run {run_id} was pruned on {original.event.pruned_at:%Y-%m-%d} "
                              "(retention: event_bodies): there is nothing left to replay")
        if original.recipe not in recipe_hashes:
            raise ReplayError(f"recipe {original.recipe!r} of run {run_id} is no longer loaded")
        new = Run(recipe=original.recipe, recipe_hash=recipe_hashes[original.recipe],
                  event_id=original.event_id, replay_of=original.id)
        session.add(new)
        why = f"; reason: {reason}" if reason is not None else ""
        session.add(AuditEntry(kind="replay", detail=f"run {run_id} replayed by {who}{why}",
                               remote_addr=remote_addr))
        session.flush()
        return new.id


def dead_run_ids(sessions, *, recipe: str | None = None, where: tuple = (),
                 limit: int | None = None) -> list[int]:
    """Dead-lettered runs not yet replayed (oldest first), for resubmitting in bulk
    (``where``: more SQL conditions on Run; ``limit``: at most that many)."""
    replayed = select(Run.replay_of).where(Run.replay_of.is_not(None))
    query = (select(Run.id).where(Run.status == RunStatus.DEAD, Run.id.not_in(replayed), *where)
             .order_by(Run.id).limit(limit))
    if recipe:
        query = query.where(Run.recipe == recipe)
    with sessions() as session:
        return list(session.scalars(query))
