"""The durable inbox: a trigger firing becomes an event row and one queued run per recipe,
in one transaction, before anyone is told it was accepted.

The event's ``dedupe_key`` is unique, so the same webhook delivery, polled record version or
schedule tick stored twice is one event with one set of runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from hub.store.base import utcnow
from hub.store.platform import AuditEntry, Event, Run


@dataclass(frozen=True, slots=True, kw_only=True)
class NewEvent:
    """What to store: where it came from, how to recognise it again, and the raw bytes."""

    source: str  # webhook | poll | schedule | manual
    dedupe_key: str
    body: bytes
    connection: str | None = None
    topic: str | None = None
    headers: Mapping[str, str] | None = None
    received_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Accepted:
    event_id: int
    run_ids: tuple[int, ...]
    duplicate: bool


def accept(sessions: sessionmaker, event: NewEvent, recipes: Sequence[tuple[str, str]]) -> Accepted:
    """Store ``event`` and queue a run for each (recipe slug, recipe hash); commit; report.

    A duplicate (same dedupe key) stores nothing and returns the first event's id and runs.
    """
    with sessions() as session:
        row = Event(
            source=event.source, connection=event.connection, topic=event.topic,
            dedupe_key=event.dedupe_key, headers=dict(event.headers or {}), body=event.body,
            received_at=event.received_at or utcnow(),
        )
        session.add(row)
        runs = [Run(recipe=slug, recipe_hash=digest, event=row) for slug, digest in recipes]
        session.add_all(runs)
        try:
            session.commit()
        except IntegrityError:
            session.rollback()
            return _existing(session, event.dedupe_key)
        return Accepted(event_id=row.id, run_ids=tuple(r.id for r in runs), duplicate=False)


def _existing(session, dedupe_key: str) -> Accepted:
    row = session.scalars(select(Event).where(Event.dedupe_key == dedupe_key)).one()
    return Accepted(event_id=row.id, run_ids=tuple(r.id for r in row.runs), duplicate=True)


def audit(sessions: sessionmaker, kind: str, detail: str, *, connection: str | None = None,
          remote_addr: str | None = None) -> None:
    """Write one audit line (no payload, no secret)."""
    with sessions.begin() as session:
        session.add(AuditEntry(kind=kind, detail=detail, connection=connection,
                               remote_addr=remote_addr))
