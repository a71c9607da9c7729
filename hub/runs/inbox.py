"""The durable inbox: a trigger firing becomes an event row and one queued run per recipe,
in one transaction, before anyone is told it was accepted.

An event whose body cannot be processed (its JSON escapes a surrogate that is not half of a
pair: polled data or a manual payload can, see :func:`hub.jsonutil.unpaired_surrogate`) is
stored the same way, but its runs are stored dead with the reason: no worker claims them.

The event's ``dedupe_key`` is unique, so the same webhook delivery, polled record version or
schedule tick stored twice is one event with one set of runs.

Under load the web threads hand their events to the store's :class:`~hub.store.writer.Writer`
(through :class:`GroupCommit`): one thread that stores everything waiting in one transaction,
with the workers' writes, commits once (one fsync), and only then releases every request of the
batch. Each answer still comes after its event is on disk; the batch only shares the cost of the
commit.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from hub import jsonutil
from hub.statuses import RunStatus
from hub.store.base import database_detail
from hub.store.base import utcnow
from hub.store.writer import Writer
from hub.store.platform import AuditEntry, Event, Run

log = logging.getLogger("o2c_hub.inbox")


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
        state = _run_state(event) if recipes else {}
        runs = [Run(recipe=slug, recipe_hash=digest, event=row, **state) for slug, digest in recipes]
        session.add_all(runs)
        try:
            session.commit()
        except IntegrityError:  # stored meanwhile by another request or process: a duplicate
            session.rollback()
            existing = _existing(session, event.dedupe_key)
            if existing is None:  # no: another constraint refused the rows
                raise
            return existing
        return Accepted(event_id=row.id, run_ids=tuple(r.id for r in runs), duplicate=False)


def _run_state(event: NewEvent) -> dict:
    """The columns of a new run of ``event``: queued, or dead at once when it is unusable."""
    now = utcnow()
    state = {"status": RunStatus.QUEUED, "attempt": 0, "next_attempt_at": now, "created_at": now}
    problem = _unusable(event.body)
    if problem:
        state.update(status=RunStatus.DEAD, finished_at=now, error_class="FatalError",
                     error_message=f"unusable event: {problem}")
    return state


def _unusable(body: bytes) -> str | None:
    """Why a body that parses cannot be processed, or None (a cheap test when it can)."""
    if b"\\u" not in body:
        return None
    broken = jsonutil.invalid_unicode(body.decode("utf-8", errors="replace"))
    return f"the body holds {broken}" if broken else None


def _existing(session, dedupe_key: str) -> Accepted | None:
    row = session.scalars(select(Event).where(Event.dedupe_key == dedupe_key)).one_or_none()
    return Accepted(event_id=row.id, run_ids=tuple(r.id for r in row.runs), duplicate=True) if row else None


def audit(sessions: sessionmaker, kind: str, detail: str, *, connection: str | None = None,
          remote_addr: str | None = None) -> None:
    """Write one audit line (no payload, no secret)."""
    with sessions.begin() as session:
        session.add(AuditEntry(kind=kind, detail=detail, connection=connection,
                               remote_addr=remote_addr))


class GroupCommit:
    """The inbox of a serving hub: events are stored through the store's :class:`Writer`, with
    the run outcomes and effect claims of its workers, in shared transactions (see the module
    docstring).

    ``accept`` has the meaning and answer of the module-level :func:`accept`; it returns once
    the transaction holding the event has committed, or raises what the commit raised.
    Without a ``writer`` of the hub's, it starts and stops one of its own.
    """

    def __init__(self, sessions: sessionmaker, *, writer: Writer | None = None):
        self._sessions = sessions
        self._own = writer is None
        self._writer = writer or Writer(sessions)
        self._stopped = False

    def start(self) -> None:
        self._writer.start()

    def stop(self) -> None:
        """Stop taking events (what is waiting is still stored)."""
        self._stopped = True
        if self._own:
            self._writer.stop()

    def accept(self, event: NewEvent, recipes: Sequence[tuple[str, str]]) -> Accepted:
        if self._stopped:
            raise RuntimeError("the inbox is closed")
        recipes = tuple(recipes)
        try:
            return self._writer.write(lambda session: _store_one(session, event, recipes))
        except IntegrityError:  # another process stored this key meanwhile
            return accept(self._sessions, event, recipes)
        except SQLAlchemyError as exc:  # the database is unavailable: the request fails
            # named, not printed: a database error's text quotes the events' bodies
            log.error("could not store 1 event(s): %s", database_detail(exc))
            raise


def _store_one(session: Session, event: NewEvent, recipes: tuple) -> Accepted:
    rows = session.execute(_EXISTING_ONE, {"key": event.dedupe_key}).all()
    if rows:
        return Accepted(event_id=rows[0][0], run_ids=tuple(run_id for _, run_id in rows if run_id),
                        duplicate=True)
    return _insert(session, event, recipes)


def accept_many(sessions: sessionmaker, items: list[tuple[NewEvent, Sequence[tuple[str, str]]]]) -> list[Accepted]:
    """Store many events and the runs of each in one transaction (one commit), answering as
    :func:`accept` does for each, in order. When another writer stored one of their keys
    meanwhile, each event is stored on its own instead."""
    try:
        return _store_batch(sessions, items)
    except IntegrityError:
        return [accept(sessions, event, recipes) for event, recipes in items]


def _store_batch(sessions: sessionmaker, items: list[tuple[NewEvent, tuple]]) -> list[Accepted]:
    """Store new events and their runs in one transaction; duplicates get the stored answer."""
    keys = {event.dedupe_key for event, _ in items}
    with sessions.begin() as session:
        stored = _existing_many(session, keys)
        answers = []
        for event, recipes in items:
            if event.dedupe_key not in stored:
                stored[event.dedupe_key] = _insert(session, event, recipes)
                answers.append(stored[event.dedupe_key])
            else:
                known = stored[event.dedupe_key]
                answers.append(Accepted(event_id=known.event_id, run_ids=known.run_ids, duplicate=True))
    return answers


def _existing_many(session: Session, keys: set[str]) -> dict[str, Accepted]:
    rows = session.execute(
        select(Event.dedupe_key, Event.id, Run.id).outerjoin(Run, Run.event_id == Event.id)
        .where(Event.dedupe_key.in_(keys)).order_by(Run.id)
    ).all()
    found: dict[str, Accepted] = {}
    for key, event_id, run_id in rows:
        runs = found[key].run_ids if key in found else ()
        found[key] = Accepted(event_id=event_id, run_ids=runs + ((run_id,) if run_id else ()),
                              duplicate=True)
    return found


# Built once (Core, on the tables): every webhook is stored with these.
_EVENTS, _RUNS = Event.__table__, Run.__table__
_EXISTING_ONE = (select(_EVENTS.c.id, _RUNS.c.id).outerjoin(_RUNS, _RUNS.c.event_id == _EVENTS.c.id)
                 .where(_EVENTS.c.dedupe_key == bindparam("key")).order_by(_RUNS.c.id))
_INSERT_EVENT = insert(_EVENTS).returning(_EVENTS.c.id)
_INSERT_RUN = insert(_RUNS).returning(_RUNS.c.id)


def _insert(session: Session, event: NewEvent, recipes: Sequence[tuple[str, str]]) -> Accepted:
    now = utcnow()
    event_id = session.execute(_INSERT_EVENT, {
        "source": event.source, "connection": event.connection, "topic": event.topic,
        "dedupe_key": event.dedupe_key, "headers": dict(event.headers or {}), "body": event.body,
        "received_at": event.received_at or now,
    }).scalar_one()
    state = _run_state(event) if recipes else {}
    run_ids = tuple(
        session.execute(_INSERT_RUN, {"recipe": slug, "recipe_hash": digest, "event_id": event_id, **state}).scalar_one()
        for slug, digest in recipes
    )
    return Accepted(event_id=event_id, run_ids=run_ids, duplicate=False)
