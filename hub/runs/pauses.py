"""Pausing a recipe: nothing is lost, nothing runs.

While a recipe is paused its webhooks are still accepted and stored with their runs queued,
but no worker claims those runs (see :func:`hub.runs.queue.claim`), and its polls and
schedules do not fire (see hub.scheduler). Resuming deletes the pause: the waiting runs are
claimed in the order they arrived, and the next poll reads from where the cursor stopped.

A pause is a row of ``recipe_pauses``, so every process (web, scheduler, worker processes)
sees it at its next claim or tick. Pausing and resuming are audit lines with who and why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import sessionmaker

from hub.statuses import DUE
from hub.store.platform import AuditEntry, RecipePause, Run


@dataclass(frozen=True, slots=True, kw_only=True)
class Pause:
    """Who paused a recipe, when and why."""

    recipe: str
    paused_at: datetime
    paused_by: str
    reason: str


def pause_recipe(sessions: sessionmaker, slug: str, *, who: str, reason: str, remote_addr: str | None = None) -> bool:
    """Pause ``slug``; False when it was paused already (nothing changes then)."""
    with sessions.begin() as session:
        if session.get(RecipePause, slug) is not None:
            return False
        session.add(RecipePause(recipe=slug, paused_by=who[:200], reason=reason))
        session.add(AuditEntry(kind="recipe.pause", detail=f"recipe {slug} paused by {who}; reason: {reason}",
                               remote_addr=remote_addr))
        return True


def resume_recipe(sessions: sessionmaker, slug: str, *, who: str, reason: str, remote_addr: str | None = None) -> bool:
    """Resume ``slug``; False when it was not paused."""
    with sessions.begin() as session:
        gone = session.execute(delete(RecipePause).where(RecipePause.recipe == slug)).rowcount
        if gone:
            session.add(AuditEntry(kind="recipe.resume", detail=f"recipe {slug} resumed by {who}; reason: {reason}",
                                   remote_addr=remote_addr))
        return bool(gone)


def paused_recipes(sessions: sessionmaker) -> dict[str, Pause]:
    """Every paused recipe, by slug."""
    with sessions() as session:
        return {p.recipe: Pause(recipe=p.recipe, paused_at=p.paused_at, paused_by=p.paused_by, reason=p.reason)
                for p in session.scalars(select(RecipePause))}


def is_paused(sessions: sessionmaker, slug: str) -> bool:
    with sessions() as session:
        return session.get(RecipePause, slug) is not None


def waiting_runs(sessions: sessionmaker, slug: str) -> int:
    """How many of ``slug``'s runs wait for a worker (for a paused recipe: until it resumes)."""
    with sessions() as session:
        return session.scalar(select(func.count()).where(Run.recipe == slug, Run.status.in_(DUE)))
