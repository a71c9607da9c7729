"""The run queue is the ``runs`` table: due runs are claimed with a lease, finished runs
release it, and runs whose owner died are put back.

A claim is one conditional UPDATE, so two workers (threads or processes) never take the
same run; on PostgreSQL the candidates are also locked with SKIP LOCKED. Runs of a paused
recipe (hub.runs.pauses) are not claimed: they wait, due, until it is resumed.
"""

from __future__ import annotations

import os
import socket
import uuid
from functools import partial
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Integer, bindparam, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from hub.statuses import DUE, RunStatus
from hub.store.base import utcnow
from hub.store.platform import RecipePause, Run
from hub.store.writer import Writer

LEASE = timedelta(minutes=15)


def _not_paused():
    return Run.recipe.not_in(select(RecipePause.recipe))


def new_owner() -> str:
    """A lease owner name: host, process id and a random tag for this process's lifetime."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class Claimed:
    run_id: int
    attempt: int


def claim(sessions: sessionmaker, owner: str, limit: int, *, writer: Writer | None = None) -> list[Claimed]:
    """Take up to ``limit`` due runs, oldest due first, for ``owner`` (through ``writer``,
    the hub's group commit, when given: a claim then never waits for the store's lock behind
    the writer's transactions)."""
    return (writer or Writer(sessions)).write(partial(_claim, owner=owner, limit=limit, now=utcnow()))


def _claim(session: Session, *, owner: str, limit: int, now: datetime) -> list[Claimed]:
    """One statement: the oldest due runs leased to ``owner``, returned with their attempt."""
    postgresql = session.get_bind().dialect.name == "postgresql"
    rows = session.execute(_CLAIM_LOCKED if postgresql else _CLAIM, {
        "owner": owner, "limit": limit, "now": now, "until": now + LEASE})
    return [Claimed(run_id, attempt) for run_id, attempt in sorted(rows)]  # oldest run first


def _claim_statement(*, lock: bool):
    """UPDATE runs ... WHERE id IN (the oldest due, not paused) RETURNING id, attempt; on
    PostgreSQL the candidates are locked with SKIP LOCKED, so concurrent claims take others."""
    now = bindparam("now", type_=Run.next_attempt_at.type)
    candidates = (
        select(Run.id).where(Run.status.in_(DUE), Run.next_attempt_at <= now, _not_paused())
        .order_by(Run.next_attempt_at, Run.id).limit(bindparam("limit", type_=Integer))
    )
    if lock:
        candidates = candidates.with_for_update(skip_locked=True)
    return (
        update(Run).where(Run.id.in_(candidates.scalar_subquery()), Run.status.in_(DUE))
        .values(status=RunStatus.RUNNING, lease_owner=bindparam("owner"),
                lease_until=bindparam("until", type_=Run.lease_until.type), attempt=Run.attempt + 1,
                started_at=func.coalesce(Run.started_at, now))
        .returning(Run.id, Run.attempt)
    )


_CLAIM = _claim_statement(lock=False)
_CLAIM_LOCKED = _claim_statement(lock=True)


def count_due(sessions: sessionmaker) -> int:
    """How many runs are due now and wait to be claimed (runs of paused recipes not counted)."""
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(Run).where(
            Run.status.in_(DUE), Run.next_attempt_at <= utcnow(), _not_paused()))


def next_due_at(sessions: sessionmaker) -> datetime | None:
    """When the next waiting run becomes due (None if nothing waits)."""
    with sessions() as session:
        return session.scalar(select(func.min(Run.next_attempt_at)).where(Run.status.in_(DUE), _not_paused()))


def requeue_owned(sessions: sessionmaker, owner: str) -> int:
    """Put back every run ``owner`` still holds (at shutdown); returns how many."""
    with sessions.begin() as session:
        result = session.execute(
            update(Run).where(Run.status == RunStatus.RUNNING, Run.lease_owner == owner)
            .values(status=RunStatus.QUEUED, lease_owner=None, lease_until=None, next_attempt_at=utcnow())
        )
        return result.rowcount


def recover(sessions: sessionmaker, owner: str) -> list[int]:
    """Put back runs whose lease expired or whose owner process on this host is gone."""
    now = utcnow()
    with sessions.begin() as session:
        held = session.execute(
            select(Run.id, Run.lease_owner).where(
                Run.status == RunStatus.RUNNING,
                or_(Run.lease_until < now, Run.lease_owner.like(f"{socket.gethostname()}:%")),
            )
        ).all()
        orphans = [rid for rid, holder in held if holder != owner and _abandoned(holder)]
        if orphans:
            session.execute(
                update(Run).where(Run.id.in_(orphans), Run.status == RunStatus.RUNNING)
                .values(status=RunStatus.QUEUED, lease_owner=None, lease_until=None, next_attempt_at=now)
            )
        return orphans


def _abandoned(holder: str | None) -> bool:
    host, _, rest = (holder or "").partition(":")
    if host != socket.gethostname():
        return True  # only reached for expired leases of other hosts
    pid = rest.partition(":")[0]
    return not (pid.isdigit() and _alive(int(pid)))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def claim_run(sessions: sessionmaker, owner: str, run_id: int) -> Claimed | None:
    """Take run ``run_id`` if it is due now (used to run one run in the foreground)."""
    now = utcnow()
    with sessions.begin() as session:
        result = session.execute(
            update(Run).where(Run.id == run_id, Run.status.in_(DUE), Run.next_attempt_at <= now, _not_paused())
            .values(status=RunStatus.RUNNING, lease_owner=owner, lease_until=now + LEASE,
                    attempt=Run.attempt + 1, started_at=func.coalesce(Run.started_at, now))
        )
        if result.rowcount != 1:
            return None
        return Claimed(run_id, session.scalar(select(Run.attempt).where(Run.id == run_id)))
